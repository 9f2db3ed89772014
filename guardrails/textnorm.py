"""Text as a reader sees it: invisible characters removed, look-alike
letters folded to ASCII.

A directive written ``no<U+200B>qa`` or ``PYTЕST_CURRENT_TEST`` (a Cyrillic
Е) looks like the real thing to a person; matching on the normalised text
finds it as what it is.  ``normalize`` never adds or removes a newline, so
line numbers survive; columns may shift.

The character classes here are shared with the ``security`` family, which
reports the characters themselves (``security/invisible-character``,
``security/bidi-control``, ``security/homoglyph``).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Callable, Dict, List, NamedTuple, Optional, TypeVar

from guardrails.model import ChangeSet, FileChange, Hunk

# Bidirectional controls (Trojan Source, CVE-2021-42574).
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters that render as nothing (or as a blank) and can split a word.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f\u180e\u115f\u1160\u3164\uffa0"
    "\u17b4\u17b5\u2028\u2029"
) | frozenset(chr(c) for c in range(0xE0000, 0xE0080))  # tag characters
VARIATION_SELECTORS = frozenset(chr(c) for c in range(0xFE00, 0xFE10)) | \
    frozenset(chr(c) for c in range(0xE0100, 0xE01F0))

# Letters that look like ASCII letters (near-identical glyphs in common
# fonts): Cyrillic, Greek, Armenian and a few others.  NFKC already folds
# fullwidth and mathematical letters.
CONFUSABLES: Dict[str, str] = {
    # Cyrillic
    "а": "a", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l", "о": "o", "р": "p", "с": "c", "ѕ": "s",
    "у": "y", "х": "x", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "А": "A", "В": "B", "Е": "E", "Ѕ": "S", "І": "I", "Ј": "J", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "I",
    # Greek
    "ο": "o", "ϲ": "c", "ϳ": "j", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Armenian, Latin extensions
    "օ": "o", "ս": "u", "զ": "q", "ց": "g", "հ": "h", "ո": "n", "ȷ": "j", "ɡ": "g",
}
# Greek letters common on their own in scientific code (`dτ`, `kν`): folded
# for matching, but they do not make a word mixed.
WEAK_CONFUSABLES = frozenset("νικτυ")

# Kept by normalize(): U+2028 / U+2029 end a line in JavaScript, so a
# directive after one starts a new line of its comment (typescript-eslint
# reads `/* x<U+2028> * @ts-expect-error */` so); removing them would join
# the lines and hide the directive.  They are still reported as invisible.
LINE_SEPARATORS = frozenset("\u2028\u2029")
_REMOVE = {ord(c): None for c in (INVISIBLE - LINE_SEPARATORS) | BIDI | VARIATION_SELECTORS}
_FOLD = {ord(k): v for k, v in CONFUSABLES.items()}
_TABLE = {**_REMOVE, **_FOLD}
# Fullwidth Latin letters and digits, mathematical alphanumerics (NFKC folds
# them): a disguise inside an ASCII word.
_WIDE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\U0001d400-\U0001d7ff]")


def is_lookalike(char: str) -> bool:
    """A letter of another script (or a fullwidth/mathematical letter) that
    reads as an ASCII letter."""
    return (char in CONFUSABLES and char not in WEAK_CONFUSABLES) or _WIDE.match(char) is not None


def normalize(text: str) -> str:
    """TEXT with invisible and bidirectional characters removed, NFKC applied
    and look-alike letters folded to ASCII.  ASCII text is returned as is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text.translate(_REMOVE)).translate(_TABLE)


class Hidden(NamedTuple):
    """A character a reader cannot see, where it is on its line."""

    index: int  # offset in the line
    char: str
    kind: str  # "bidi" or "invisible"
    name: str  # e.g. "U+200B ZERO WIDTH SPACE"


def char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_OPENERS = frozenset("\u202a\u202b\u202d\u202e\u2066\u2067\u2068")
_JOINERS = frozenset("\u200b\u200c\u200d\u034f")
_FLAG = "\U0001f3f4"
_TAG_END = "\U000e007f"


def _emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2300 <= code <= 0x23FF or \
        0x2B00 <= code <= 0x2BFF or char in "\u00a9\u00ae\u203c\u2049\u2122\u2139\u3030\u303d"


def _script_letter(char: str) -> bool:
    """A letter or mark beyond Latin (scripts that join or break words with
    zero-width characters: Arabic, Persian, Indic, Thai, Khmer ...)."""
    return ord(char) > 0x24F and unicodedata.category(char)[0] in "LM"


def _balanced(line: str) -> bool:
    depth = 0
    for c in line:
        if c in _OPENERS:
            depth += 1
        elif c in "\u202c\u2069":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def hidden(line: str, first_line: bool = False) -> List[Hidden]:
    """The invisible and bidirectional characters of LINE that can hide
    something.  Not reported: a BOM opening the file (FIRST_LINE), joiners
    inside emoji sequences and between letters of scripts that use them,
    variation selectors after a symbol or ideograph, tag characters of a
    flag emoji, and marks of direction in a line of right-to-left text whose
    embeddings and isolates are balanced."""
    if line.isascii():
        return []
    out: List[Hidden] = []
    rtl: Optional[bool] = None
    n = len(line)
    for i, c in enumerate(line):
        if c in BIDI:
            if rtl is None:
                rtl = bool(_RTL.search(line)) and _balanced(line)
            if not rtl:
                out.append(Hidden(i, c, "bidi", char_name(c)))
            continue
        if c in VARIATION_SELECTORS:
            prev = line[i - 1] if i else ""
            keycap = i + 1 < n and line[i + 1] == "\u20e3"
            if (prev and not prev.isascii() and prev not in VARIATION_SELECTORS) or keycap:
                continue
            out.append(Hidden(i, c, "invisible", char_name(c)))
            continue
        if c not in INVISIBLE:
            continue
        if c == "\ufeff" and i == 0 and first_line:
            continue
        if c in _JOINERS and 0 < i < n - 1:
            prev, nxt = line[i - 1], line[i + 1]
            if c == "\u200d" and (_emoji(prev) or 0x1F3FB <= ord(prev) <= 0x1F3FF or prev in VARIATION_SELECTORS) \
                    and _emoji(nxt):
                continue
            if _script_letter(prev) and _script_letter(nxt):
                continue
        if "\U000e0000" <= c <= _TAG_END:
            start = i
            while start > 0 and "\U000e0000" <= line[start - 1] <= _TAG_END:
                start -= 1
            end = i
            while end < n and "\U000e0000" <= line[end] <= _TAG_END:
                end += 1
            if start > 0 and line[start - 1] == _FLAG and line[end - 1] == _TAG_END:
                continue
        out.append(Hidden(i, c, "invisible", char_name(c)))
    return out


def tag_text(line: str) -> str:
    """What the tag characters of LINE spell (ASCII smuggled past a reader)."""
    return "".join(chr(ord(c) - 0xE0000) for c in line if "\U000e0020" <= c <= "\U000e007e")


def is_disguised(text: str) -> bool:
    """Could TEXT hide a word from a reader?  True when it holds an invisible
    or bidirectional character that ``hidden`` reports, a fullwidth or
    mathematical letter, or a word that mixes ASCII letters with look-alikes.
    (French, Chinese or Russian prose, emoji sequences are not disguised.)"""
    if text.isascii():
        return False
    if hidden(text):
        return True
    return _WIDE.search(text) is not None or mixed_words(text)


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def mixed_words(text: str) -> bool:
    return any(mixes_scripts(m.group(0)) for m in _WORD.finditer(text) if not m.group(0).isascii())


def mixes_scripts(word: str) -> bool:
    """A word holding both ASCII letters and look-alike letters (``rеquests``
    with a Cyrillic е, ``ｎoqa``)."""
    return any("a" <= c <= "z" or "A" <= c <= "Z" for c in word) and any(is_lookalike(c) for c in word)


# --- changes, as the checks that match directives read them ---------------------------

T = TypeVar("T")


def _cached(load: Callable[[], Optional[str]]) -> Callable[[], Optional[str]]:
    @functools.lru_cache(maxsize=1)
    def loader() -> Optional[str]:
        text = load()
        return normalize(text) if text is not None else None
    return loader


def normalize_file(fc: FileChange) -> FileChange:
    """FC itself when none of its changed lines is disguised; else a copy
    whose lines and whole texts are normalised (same line numbers)."""
    if fc.is_binary:
        return fc
    changed = [line.text for line in fc.lines() if line.kind != " "]
    # All-ASCII changed lines (nearly every file) hide nothing: one C-level
    # test instead of a call per line.
    if "\n".join(changed).isascii() or not any(is_disguised(text) for text in changed):
        return fc
    hunks = tuple(Hunk(h.old_start, h.old_len, h.new_start, h.new_len, h.section,
                       tuple(line._replace(text=normalize(line.text)) for line in h.lines))
                  for h in fc.hunks)
    return fc._replace(hunks=hunks, load_old=_cached(fc.load_old), load_new=_cached(fc.load_new))


def normalize_change(change: ChangeSet) -> ChangeSet:
    """CHANGE with its disguised files normalised (itself when there are none)."""
    files = tuple(normalize_file(fc) for fc in change.files)
    if all(a is b for a, b in zip(files, change.files)):
        return change
    return change._replace(files=files)
