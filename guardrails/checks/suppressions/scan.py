"""Where the comments are.

A suppression only counts inside a comment (or, for Rust attributes, Java
annotations and C pragmas, in code), never inside a string.  Each language
gets one compiled scanner regex that knows its comment and string syntax;
``finditer`` walks the file once at C speed, and whatever starts first wins,
so a ``"`` inside a comment or a ``#`` inside a string is read correctly.

Python comments found this way are confirmed with the ``tokenize`` module on
the few lines where a marker occurs (tokenizing a whole 100,000-line file
costs seconds; a window of one statement costs microseconds).
"""
from __future__ import annotations

import bisect
import io
import re
import tokenize
from typing import Dict, Iterable, List, NamedTuple, Optional, Pattern, Tuple

# Language groups.
PY = "python"
JS = "js"
GO = "go"
RUST = "rust"
JAVA = "java"  # Java, Kotlin, Scala, Groovy
C = "c"  # C, C++, Objective-C
CS = "csharp"
RUBY = "ruby"
SH = "shell"

_EXT = {
    PY: (".py", ".pyi", ".pyw"),
    JS: (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    GO: (".go",),
    RUST: (".rs",),
    JAVA: (".java", ".kt", ".kts", ".scala", ".groovy"),
    C: (".c", ".h", ".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".m", ".mm",
        ".cu", ".cuh", ".ino"),
    CS: (".cs",),
    RUBY: (".rb", ".rake", ".gemspec", ".ru"),
    SH: (".sh", ".bash", ".zsh", ".ksh", ".bats"),
}
EXTENSIONS: Dict[str, str] = {ext: lang for lang, exts in _EXT.items() for ext in exts}
_BASENAMES = {"Rakefile": RUBY, "Gemfile": RUBY, "Guardfile": RUBY, "Vagrantfile": RUBY}
_SHEBANG = re.compile(r"#!\s*\S*?(?:\b(?:env\s+(?:-\S+\s+)*)?)(?P<i>python|bash|sh|zsh|ksh|ruby|node)[\d.]*\b")
_SHEBANG_LANG = {"python": PY, "bash": SH, "sh": SH, "zsh": SH, "ksh": SH, "ruby": RUBY, "node": JS}


def language(path: str, first_line: str = "") -> Optional[str]:
    """The language group of PATH (by extension, a few well-known names, or
    the shebang of an extension-less script)."""
    base = path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot > 0:
        lang = EXTENSIONS.get(base[dot:].lower())
        if lang:
            return lang
    if base in _BASENAMES:
        return _BASENAMES[base]
    if dot <= 0 and first_line.startswith("#!"):
        m = _SHEBANG.match(first_line)
        if m:
            return _SHEBANG_LANG[m.group("i")]
    return None


class Comment(NamedTuple):
    start: int  # offset of the comment's first character in the file text
    end: int  # offset just past its last character
    line: int  # 1-based line of that character
    col: int  # 0-based column
    end_line: int  # line of the comment's last character
    text: str  # the whole comment, delimiters included, "\r" removed
    body: int  # offset in ``text`` where the body starts (after "//", "/*", "#")
    own_line: bool  # nothing but whitespace before it on its line


# --- scanner regexes -----------------------------------------------------

_NOT_NEWLINE = re.compile(r"[^\n]")
_DQ = r'"(?:\\.|[^"\\\n])*(?:"|(?=\n)|\Z)'
_SQ = r"'(?:\\.|[^'\\\n])*(?:'|(?=\n)|\Z)"
_CHAR = r"'(?:\\.|[^'\\\n])'"
_LINE = r"(?P<c>//[^\n]*)"
_BLOCK = r"(?P<b>/\*[\s\S]*?(?:\*/|\Z))"
_HASH = r"(?P<c>#[^\n]*)"


def _rx(*alternatives: str) -> Pattern[str]:
    return re.compile("|".join(alternatives))


_SCANNERS: Dict[str, Pattern[str]] = {
    PY: _rx(_HASH, r"(?P<s>(?<![\w])[rRbBuUfFtT]{0,2}(?:\"\"\"[\s\S]*?(?:\"\"\"|\Z)|'''[\s\S]*?(?:'''|\Z)|"
                   + _DQ + "|" + _SQ + "))"),
    JS: _rx(_LINE, _BLOCK, r"(?P<s>" + _DQ + "|" + _SQ + r"|`(?:\\[\s\S]|[^`\\])*(?:`|\Z))"),
    GO: _rx(_LINE, _BLOCK, r"(?P<s>" + _DQ + r"|`[^`]*(?:`|\Z)|" + _CHAR + ")"),
    RUST: _rx(_LINE, _BLOCK, r"(?P<s>b?r(?P<h>#*)\"[\s\S]*?(?:\"(?P=h)|\Z)|b?\"(?:\\[\s\S]|[^\"\\])*(?:\"|\Z)|b?"
              + _CHAR + ")"),
    JAVA: _rx(_LINE, _BLOCK, r"(?P<s>\"\"\"[\s\S]*?(?:\"\"\"|\Z)|" + _DQ + "|" + _CHAR + ")"),
    C: _rx(_LINE, _BLOCK, r"(?P<s>(?:u8|[uUL])?" + _DQ + "|" + _CHAR + ")"),
    CS: _rx(_LINE, _BLOCK, r"(?P<s>\"\"\"[\s\S]*?(?:\"\"\"|\Z)|\$?@\$?\"(?:\"\"|[^\"])*(?:\"|\Z)|\$?" + _DQ + "|"
            + _CHAR + ")"),
    RUBY: _rx(r"(?P<c>(?<![\w$?])#(?!\{)[^\n]*)", r"(?P<s>" + _DQ + "|" + _SQ + ")"),
    SH: _rx(r"(?P<c>(?:(?<=[\s;&|()])|^)#[^\n]*)",
            r"(?P<s>'[^']*(?:'|\Z)|\"(?:\\[\s\S]|[^\"\\])*(?:\"|\Z))"),
}
# Every character a match of each scanner can start with.  The lookahead on
# them lets the engine reject other positions at once; without it each
# position tries every alternative (they start with groups, so the engine
# finds no literal or character set to skip ahead to): 2-4x faster.
_FIRST = {PY: "#\"'rRbBuUfFtT", JS: "/\"'`", GO: "/\"'`", RUST: "/\"'br", JAVA: "/\"'", C: "/\"'uUL", CS: "/\"'$@",
          RUBY: "#\"'", SH: "#\"'"}
_SCANNERS = {lang: re.compile("(?=[" + re.escape(_FIRST[lang]) + "])(?:" + rx.pattern + ")",
                              re.M if lang == SH else 0)
             for lang, rx in _SCANNERS.items()}


class Scan:
    """One file, scanned once: where its comments and strings are.

    Comment records are built only for the lines asked about (a big file
    has tens of thousands of comments and a handful of directives); the code
    with every comment and string blanked is built on demand."""

    def __init__(self, text: str, lang: str, lines_wanted: Optional[Iterable[int]] = None):
        self.text = text
        self.lang = lang
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._matches = list(_SCANNERS[lang].finditer(text))
        self._match_starts = [m.start() for m in self._matches]
        self._cache: Dict[int, Comment] = {}
        self._strings: Optional[List[Tuple[int, int]]] = None
        self._code: Optional[str] = None
        self._dropped: set = set()
        self.first_code_offset = self._first_code()
        if lang == PY and lines_wanted is not None:
            self._confirm_python(set(lines_wanted))

    def _first_code(self) -> int:
        last = 0
        for m in self._matches:
            gap = self.text[last:m.start()]
            if gap.strip():
                return last + len(gap) - len(gap.lstrip())
            if m.lastgroup == "s":
                return m.start()
            last = m.end()
        gap = self.text[last:]
        return last + len(gap) - len(gap.lstrip()) if gap.strip() else len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_text(self, line: int) -> str:
        # Cached: a long line holding thousands of directives is sliced once.
        cache = self.__dict__.setdefault("_line_texts", {})
        if line not in cache:
            start = self.starts[line - 1]
            end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
            cache[line] = self.text[start:end].rstrip("\r")
        return cache[line]

    @property
    def first_code_line(self) -> int:
        """The first line holding code (not comment, not blank); 0 if none."""
        return self.line_of(self.first_code_offset) if self.first_code_offset < len(self.text) else 0

    def _comment_at(self, index: int) -> Optional[Comment]:
        m = self._matches[index]
        if m.lastgroup == "s" or m.start() in self._dropped:
            return None
        c = self._cache.get(index)
        if c is None:
            start, end = m.start(), m.end()
            line = self.line_of(start)
            before = self.text[self.starts[line - 1]:start]
            c = Comment(start, end, line, start - self.starts[line - 1], self.line_of(end - 1),
                        self.text[start:end], 2 if self.text[start:start + 2] in ("//", "/*") else 1,
                        not before.strip())
            self._cache[index] = c
        return c

    def comments_on(self, lines: Iterable[int]) -> List[Comment]:
        """The comments touching any of LINES, in file order, each once."""
        found: Dict[int, Comment] = {}
        for line in lines:
            if line < 1 or line > len(self.starts):
                continue
            lo = self.starts[line - 1]
            hi = self.starts[line] if line < len(self.starts) else len(self.text) + 1
            i = bisect.bisect_left(self._match_starts, hi) - 1
            while i >= 0 and self._matches[i].end() > lo:
                c = self._comment_at(i)
                if c is not None:
                    found[i] = c
                i -= 1
                if self._matches[i + 1].start() < lo:
                    break
        return [found[i] for i in sorted(found)]

    def comments_after(self, offset: int, needle: str = "") -> Iterable[Comment]:
        """Comments starting at or after OFFSET (whose text contains NEEDLE,
        case-insensitively, when given)."""
        needle = needle.lower()
        for i in range(bisect.bisect_left(self._match_starts, offset), len(self._matches)):
            m = self._matches[i]
            if m.lastgroup == "s" or (needle and needle not in m.group(0).lower()):
                continue
            c = self._comment_at(i)
            if c is not None:
                yield c

    @property
    def strings(self) -> List[Tuple[int, int]]:
        if self._strings is None:
            self._strings = [(m.start(), m.end()) for m in self._matches if m.lastgroup == "s"]
        return self._strings

    def code(self) -> str:
        """The text with comments and string contents blanked (quotes kept,
        newlines kept, so offsets and line numbers still match)."""
        if self._code is None:
            parts, pos = [], 0
            for m in self._matches:
                a, b = (m.start(), m.end()) if m.lastgroup != "s" else (m.start() + 1, m.end() - 1)
                if b <= a:
                    continue
                parts.append(self.text[pos:a])
                parts.append(_NOT_NEWLINE.sub(" ", self.text[a:b]))
                pos = b
            parts.append(self.text[pos:])
            self._code = "".join(parts)
        return self._code

    def in_string(self, offset: int) -> Optional[Tuple[int, int]]:
        i = bisect.bisect_right(self._match_starts, offset) - 1
        if i >= 0:
            m = self._matches[i]
            if m.lastgroup == "s" and m.start() < offset < m.end():
                return (m.start(), m.end())
        return None

    # --- Python: confirm with tokenize on small windows -------------------

    def _confirm_python(self, wanted: set) -> None:
        """Re-read the comments on the wanted lines with ``tokenize``.

        The window is the wanted line, widened upwards to the start of a
        string that the line begins inside.  Where tokenize cannot reach the
        line (a window that starts mid-statement on some Python versions),
        the scanner's reading stands."""
        by_line: Dict[int, List[Comment]] = {}
        for c in self.comments_on(wanted):
            by_line.setdefault(c.line, []).append(c)
        for line in sorted(by_line):
            first = line
            inside = self.in_string(self.starts[line - 1])
            if inside:
                first = self.line_of(inside[0])
            found = _tokenize_comments(self, first, line)
            if found is None:
                continue
            for c in by_line[line]:
                if (c.line, c.col) not in found:
                    self._dropped.add(c.start)


def _tokenize_comments(scan: Scan, first: int, last: int) -> Optional[set]:
    start = scan.starts[first - 1]
    end = scan.starts[last] if last < len(scan.starts) else len(scan.text)
    window = scan.text[start:end]
    stripped = window.lstrip(" \t")
    shift = len(window) - len(stripped)
    found = set()
    reached = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(stripped).readline):
            row = tok.start[0] + first - 1
            if tok.type == tokenize.COMMENT:
                found.add((row, tok.start[1] + (shift if tok.start[0] == 1 else 0)))
            if row >= last and tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT,
                                             tokenize.ENDMARKER):
                reached = True
                if tok.type != tokenize.COMMENT:
                    break
    except (tokenize.TokenError, SyntaxError):
        pass
    return found if reached else None
