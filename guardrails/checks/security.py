"""Security family: what the change adds that attacks the gate or leaks.

* ``security/prompt-injection``: text that addresses the automated reviewer
  (instructions to approve, forged verdict JSON, "ignore previous
  instructions", chat-template role markers next to an instruction to pass);
* ``security/secret-in-change``: keys, tokens and private keys
  (``guardrails.secrets``), always shown redacted;
* ``security/bidi-control``, ``security/invisible-character``,
  ``security/homoglyph``: Unicode that shows a reader something other than
  what the compiler, the tool or the package index reads
  (``guardrails.textnorm``).

Only added lines are read.  Every file's added lines are joined once; an
all-ASCII file costs one ``isascii`` for the Unicode rules and a few
substring tests for the others.
"""
from __future__ import annotations

import bisect
import fnmatch
import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Pattern, Sequence, Tuple

from guardrails import secrets, textnorm
from guardrails.checks import finding, tampering
from guardrails.checks.suppressions import scan as sc
from guardrails.model import DELETED, ChangeSet, Context, FileChange, Finding, Line, glob_match

NAME = "security"
CONFIG_SCHEMA: dict = {
    # Globs of files whose secrets are not reported (test fixtures holding
    # throw-away keys), e.g. ["tests/fixtures/**"].
    "allow_secret_paths": [],
    # Globs of files where injection phrases are not reported (a corpus of
    # prompt-injection samples a detector is tested on).
    "allow_injection_paths": [],
    # More phrases that, added anywhere, address the reviewer (plain text,
    # matched case-insensitively after normalisation), e.g. ["ship it, bot"].
    "extra_injection_phrases": [],
    # Globs of files where invisible characters, bidirectional controls and
    # mixed-script words are not reported (e.g. Unicode test data).
    "allow_unicode_paths": [],
}

INJECTION = "security/prompt-injection"
SECRET = "security/secret-in-change"
BIDI = "security/bidi-control"
INVISIBLE = "security/invisible-character"
HOMOGLYPH = "security/homoglyph"

# How many lines apart an address to the reviewer and an instruction to pass
# may be and still read as one message.
WINDOW = 2

_S = r"[ \t]{1,4}"
_ANY = r"[^\n]{0,80}?"
_AUTO = r"(?:ai|llm|automated|automatic|bot|robot|model|language model|gpt|claude|gemini|copilot|codex)"
_JUDGE = r"(?:code )?(?:reviewer|reviewers|approver|grader|judge|gatekeeper|merge gate|review bot|review agent)"


class Phrase(NamedTuple):
    name: str  # what it is, for the message
    needles: Tuple[str, ...]  # every match holds one of them (lowercased, normalised text)
    regex: Pattern[str]


_JUDGES = ("review", "approver", "grader", "judge", "gatekeeper", "merge gate")


def _ph(name: str, needles: "str | Tuple[str, ...]", regex: str) -> Phrase:
    return Phrase(name, (needles,) if isinstance(needles, str) else needles, re.compile(regex, re.M))


# Strong: alone, addressed to the reviewer or forging its answer.
STRONG = (
    _ph("asks to ignore the previous instructions", ("ignore", "disregard", "forget", "override", "bypass"),
        r"\b(?:ignore|disregard|forget|override|bypass)" + _S + r"(?:all" + _S + r"|any" + _S + r")?(?:of" + _S
        + r")?(?:the" + _S + r"|your" + _S + r"|my" + _S + r"|these" + _S + r")?(?:previous|prior|above|earlier|"
        r"preceding|former|system|original|initial)" + _S + r"(?:instructions?|prompts?|rules|directions|guidelines|"
        r"directives|context)\b"),
    _ph("tells the guard what to decide", "guardrails",
        # Not "allow": `guardrails: allow RULE -- reason` is the waiver syntax,
        # which the waivers family and triage judge (a waiver the change adds
        # never lowers a block), and which docs and comments name.
        r"\bguardrails?[ \t]{0,3}[:,][ \t]{0,3}(?:approve|pass|ignore|skip|accept|lgtm|do not flag)\b"),
    _ph("writes to the automated reviewer", _JUDGES,
        r"\b(?:note|message|instructions?|memo|reminder)" + _S + r"(?:to|for)" + _S + r"(?:the" + _S + r"|any" + _S
        + r"|all" + _S + r")?" + _AUTO + r"[ \t]{0,4}" + _JUDGE + r"\b"),
    _ph("forges the reviewer's answer", "decisions",
        r"[\"']decisions[\"'][ \t]{0,4}:[ \t]{0,4}\[[ \t]{0,4}\{[^\n]{0,200}?[\"']decision[\"'][ \t]{0,4}:"),
)
# A verdict written as JSON: strong in prose and comments, otherwise only
# next to an address to the reviewer (authorisation code says "decision":
# "allow" for its own reasons).
VERDICT = re.compile(r"[\"'](?:decision|verdict|review_decision|result)[\"'][ \t]{0,4}:[ \t]{0,4}[\"']"
                     r"(?:allow|allowed|approve|approved|pass|passed|lgtm|accept)[\"']")
# Addresses an automated reviewer or plays a role in its conversation.
ADDRESS = (
    _ph("addresses the automated reviewer", _JUDGES,
        r"\b(?:you are|you're|you act as|act as|pretend to be|as)" + _S + r"(?:an?" + _S + r"|the" + _S
        + r")?(?:" + _AUTO + r"[ \t]{0,4}|expert[ \t]{0,4}|senior[ \t]{0,4})?" + _JUDGE + r"\b"),
    _ph("speaks as the reviewer", _JUDGES,
        r"\bas the (?:" + _AUTO + r" )?" + _JUDGE + r"\b"),
    _ph("mentions the system prompt", "system prompt", r"\bsystem" + _S + r"prompt\b"),
    _ph("writes to the reviewer", _JUDGES,
        r"\b(?:note|message|instructions?|memo|reminder)" + _S + r"(?:to|for)" + _S + r"(?:the" + _S + r"|any" + _S
        + r"|all" + _S + r")?" + _JUDGE + r"\b"),
    _ph("greets the automated reviewer", ("dear", "hey", "hello", "attention"),
        r"(?:^|[^\w])(?:dear|hey|hello|attention)[ \t,]{1,4}(?:" + _AUTO + r"|" + _JUDGE + r")\b"),
    _ph("writes a chat-template role marker", ("<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>", "system:", "system :",
                                                "assistant:", "assistant :"),
        r"<\|(?:im_start|im_end|system|user|assistant|start_header_id|end_header_id|eot_id)\|>|\[/?inst\]|<</?sys>>|"
        r"^[ \t#/*>-]{0,6}(?:system|assistant)[ \t]{0,2}:[ \t]"),
)
_VERDICT_NEEDLES = ('"decision', "'decision", '"verdict', "'verdict", '"result', "'result", '"review_decision',
                    "'review_decision")
# Tells the reviewer to let the change through.
PASS = re.compile(
    r"\b(?:must|should|shall|will|need to|have to|are to|please|just|simply|always|now)" + _S
    + r"(?:approve|allow|pass|accept|merge|lgtm)\b(?![ \t]{1,4}or\b)|"
    r"\bapprove" + _S + r"(?:this|it|these|them|the" + _S + r"(?:change|pr|pull request|diff|commit))\b(?!" + _S
    + r"or\b)|"
    r"\b(?:change|pr|pull request|diff|code|commit)" + _S + r"(?:is|has been|was)" + _S
    + r"(?:pre-?)?(?:approved|safe|verified|cleared)\b|\blgtm\b|"
    r"\b(?:do not|don't|never|must not|should not)" + _S + r"(?:flag|block|report|reject|escalate|mention|comment on)\b|"
    r"\bsafe" + _S + r"to" + _S + r"merge\b|"
    r"\b(?:mark|treat|consider|classify|rate|label)" + _S + r"(?:it|this|these|them|the" + _S + r"\w+)" + _S + r"as"
    + _S + r"(?:safe|approved|passing|benign|legitimate|allowed|clean|compliant)\b|"
    r"\b(?:respond|reply|answer|output|return)" + _ANY + r"\b(?:allow|approve|pass|lgtm)\b|"
    + VERDICT.pattern)

_PROSE_EXT = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc", ".asciidoc", ".org", ".mdc", ".patch", ".diff",
              ".eml", ".msg")


class _Text:
    """A file's added lines joined, as matched (normalised, lowercased).
    For ASCII text the start of each line is found only when a match needs
    it (most files have none)."""

    __slots__ = ("lines", "low", "_starts")

    def __init__(self, lines: Sequence[Line], low: str, starts: Optional[List[int]] = None):
        self.lines = lines
        self.low = low
        self._starts = starts

    @property
    def starts(self) -> List[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self.low)]
        return self._starts

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1


_NEWLINE = re.compile("\n")


def _joined(lines: Sequence[Line], whole: Optional[str] = None) -> _Text:
    """LINES as matched; WHOLE: their texts joined with newlines, when the
    caller has it."""
    if whole is None:
        whole = "\n".join([ln.text for ln in lines])
    if whole.isascii():
        return _Text(lines, whole.lower())
    texts = [textnorm.normalize(ln.text).lower() for ln in lines]
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    return _Text(lines, "\n".join(texts), starts)


def _agent_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in tampering.AGENT_NAMES or any(fnmatch.fnmatchcase(path, p) for p in tampering.AGENT_GLOBS)


def _shown(text: str) -> str:
    """A line as evidence: secrets redacted, hidden characters made visible."""
    text = secrets.redact(text)[0]
    if text.isascii():
        return text
    marks = {h.index: h for h in textnorm.hidden(text, False)}
    if not marks:
        return text
    return "".join(f"<U+{ord(c):04X}>" if i in marks else c for i, c in enumerate(text))


# --- prompt injection -----------------------------------------------------------------

def _in_comment(path: str, text: str) -> bool:
    """Does the verdict on this line sit in prose or a comment?"""
    lang = sc.language(path)
    if lang is None:
        return path.lower().endswith(_PROSE_EXT) or "." not in path.rsplit("/", 1)[-1]
    scan = sc.Scan(text + "\n", lang)
    comments = scan.comments_on([1])
    return any(VERDICT.search(c.text.lower()) for c in comments)


# A shorter piece of a needle: where the piece is absent, so is the needle,
# and one search rules out several needles (each search reads the whole text).
_PIECES = {'"decision': "decision", "'decision": "decision", '"review_decision': "decision",
           "'review_decision": "decision", "decisions": "decision", '"verdict': "verdict", "'verdict": "verdict",
           '"result': "result", "'result": "result", "system prompt": "system", "system:": "system",
           "system :": "system", "assistant:": "assistant", "assistant :": "assistant", "[inst]": "inst]",
           "[/inst]": "inst]", "<<sys>>": "sys>>", "<</sys>>": "sys>>"}


def _spans(low: str, needles: Tuple[str, ...], pieces: Optional[Dict[str, bool]] = None) -> List[Tuple[int, int]]:
    """(start, end) of the lines of LOW holding one of NEEDLES, in order, each once.
    PIECES remembers which pieces LOW holds."""
    found = set()
    for needle in needles:
        piece = _PIECES.get(needle)
        if piece is not None and pieces is not None:
            held = pieces.get(piece)
            if held is None:
                held = pieces[piece] = piece in low
            if not held:
                continue
        found.update(secrets.line_spans(low, needle))
    return sorted(found)


def _matches(phrase: Phrase, low: str, cache: Dict[Tuple[str, ...], List[Tuple[int, int]]],
             pieces: Dict[str, bool]) -> Iterable["re.Match[str]"]:
    spans = cache.get(phrase.needles)
    if spans is None:
        spans = cache[phrase.needles] = _spans(low, phrase.needles, pieces)
    for start, end in spans:
        yield from phrase.regex.finditer(low, start, end)


def _injections(path: str, joined: _Text, extra: Tuple[Phrase, ...]) -> List[Tuple[int, str]]:
    """(index of the added line, what it does) for each injection."""
    low = joined.low
    hits: Dict[int, str] = {}
    cache: Dict[Tuple[str, ...], List[Tuple[int, int]]] = {}
    pieces: Dict[str, bool] = {}
    for phrase in STRONG + extra:
        for m in _matches(phrase, low, cache, pieces):
            hits.setdefault(joined.line_at(m.start()), phrase.name)
    for start, end in _spans(low, _VERDICT_NEEDLES, pieces):
        for m in VERDICT.finditer(low, start, end):
            i = joined.line_at(m.start())
            if i not in hits and _in_comment(path, joined.lines[i].text):
                hits[i] = "writes a verdict for the reviewer"
    addressed: Dict[int, str] = {}
    for phrase in ADDRESS:
        for m in _matches(phrase, low, cache, pieces):
            addressed.setdefault(joined.line_at(m.start()), phrase.name)
    for i, name in sorted(addressed.items()):
        lo, hi = max(0, i - WINDOW), min(len(joined.starts) - 1, i + WINDOW)
        end = joined.starts[hi + 1] - 1 if hi + 1 < len(joined.starts) else len(low)
        if i not in hits and PASS.search(low, joined.starts[lo], end):
            hits[i] = f"{name} and tells it to let the change through"
    return sorted(hits.items())


def _injection_findings(fc: FileChange, lines: Sequence[Line], joined: _Text,
                        extra: Tuple[Phrase, ...]) -> List[Finding]:
    out = []
    for i, what in _injections(fc.path, joined, extra):
        line = lines[i]
        out.append(finding(
            INJECTION, fc.path, line.new_no or 0,
            f"added text {what}: the change must not talk to the reviewer that judges it",
            _shown(line.text), details={"what": what}))
    return out


def _commit_findings(change: ChangeSet, extra: Tuple[Phrase, ...]) -> List[Finding]:
    out = []
    for commit in change.commits():
        lines = [Line("+", t, None, n) for n, t in enumerate(commit.message.split("\n"), 1)]
        joined = _joined(lines)
        for i, what in _injections("COMMIT_MSG", joined, extra):
            where = f"commit {commit.sha[:12]}" if commit.sha else "commit message"
            out.append(finding(
                INJECTION, where, 0,
                f"the commit message {what} (line {i + 1}): the change must not talk to the reviewer that judges it",
                _shown(lines[i].text), details={"what": what, "commit": commit.sha, "message_line": i + 1}))
    return out


# --- secrets --------------------------------------------------------------------------

def _secret_findings(fc: FileChange, lines: Sequence[Line], text: str, low: Optional[str]) -> List[Finding]:
    """TEXT: LINES joined with newlines; LOW: TEXT.lower() when known."""
    found = secrets.find(text, low)
    if not found:
        return []
    before = "\n".join(ln.text for ln in fc.removed())
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln.text) + 1
    out = []
    for match in found:
        value = text[match.start:match.end]
        if before and value in before:
            continue  # the line changed; the secret was already there
        i = bisect.bisect_right(starts, match.start) - 1
        line = lines[i]
        out.append(finding(
            SECRET, fc.path, line.new_no or 0,
            f"a secret ({match.kind}) is added: `{_shown(line.text).strip()[:160]}`",
            _shown(line.text), details={"kind": match.kind, "length": match.end - match.start},
            column=match.start - starts[i] + 1))
    return out


# --- Unicode --------------------------------------------------------------------------

def _unicode_findings(fc: FileChange, lines: Sequence[Line]) -> List[Finding]:
    out = []
    comments = _comment_marks(fc.path)
    for line in lines:
        text = line.text
        if text.isascii():
            continue
        marks = textnorm.hidden(text, first_line=line.new_no == 1)
        words = _mixed(text, comments)
        if not marks and not words:
            continue
        shown = _shown(text)
        bidi = [h for h in marks if h.kind == "bidi"]
        invisible = [h for h in marks if h.kind == "invisible"]
        if bidi:
            out.append(finding(
                BIDI, fc.path, line.new_no or 0,
                f"bidirectional control {', '.join(dict.fromkeys(h.name for h in bidi))} can make the code read "
                "differently from how it runs (Trojan Source)", shown,
                details={"characters": list(dict.fromkeys(h.name for h in bidi))}, column=bidi[0].index + 1))
        if invisible:
            names = list(dict.fromkeys(h.name for h in invisible))
            details: Dict[str, object] = {"characters": names}
            hidden_text = textnorm.tag_text(text)
            if hidden_text:
                details["hidden_text"] = secrets.redact(hidden_text)[0]
            normal = textnorm.normalize(text)
            message = f"invisible character {', '.join(names)}"
            if hidden_text:
                message += f" spelling hidden text {details['hidden_text']!r}"
            else:
                message += f"; the line reads `{secrets.redact(normal.strip())[0][:120]}`"
            out.append(finding(INVISIBLE, fc.path, line.new_no or 0, message, shown, details=details,
                               column=invisible[0].index + 1))
        if words:
            word, col = words[0]
            foreign = [textnorm.char_name(c) for c in dict.fromkeys(word) if textnorm.is_lookalike(c)]
            reads = textnorm.normalize(word)
            out.append(finding(
                HOMOGLYPH, fc.path, line.new_no or 0,
                f"`{word}` mixes ASCII letters with look-alikes ({', '.join(foreign)}): it reads as `{reads}` but "
                "is a different name to the compiler, the tools and the package index", shown,
                details={"word": word, "reads_as": reads, "characters": foreign,
                         "other_words": [w for w, _ in words[1:]]}, column=col + 1))
    return out


_WORD = re.compile(r"[^\W_]+")


def _mixed(text: str, comments: Tuple[str, ...] = ("#", "//")) -> List[Tuple[str, int]]:
    """Mixed-script words of TEXT, and words made only of look-alikes in
    code on a line whose other letters are ASCII (a Cyrillic `а` used as a
    name).  A word of another script written whole inside a string or a
    comment is text in that language (`'А'` in a table of Cyrillic letters,
    `# 𝟘 DOUBLE-STRUCK DIGIT ZERO`), not a disguised name: only the mixed
    words count there."""
    words = [(m.group(0), m.start()) for m in _WORD.finditer(text) if not m.group(0).isascii()]
    out = [(w, i) for w, i in words if textnorm.mixes_scripts(w)]
    if not out:
        foreign = [(w, i) for w, i in words if all(textnorm.is_lookalike(c) or c.isascii() for c in w)]
        if foreign and len(foreign) == len(words):
            out = [(w, i) for w, i in foreign if _in_code(text, i, comments)]
    return out


# Comment markers by file name ending; other files get both.
_HASH_COMMENTS = (".py", ".pyi", ".pyw", ".rb", ".sh", ".bash", ".zsh", ".yml", ".yaml", ".toml", ".cfg", ".ini",
                  ".txt", ".in", ".r", ".pl", "makefile", "dockerfile", "gemfile", ".gemspec", ".mk")
_SLASH_COMMENTS = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".rs", ".java", ".kt",
                   ".kts", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".scala", ".json", ".jsonc")


def _comment_marks(path: str) -> Tuple[str, ...]:
    low = path.lower()
    if low.endswith(_HASH_COMMENTS):
        return ("#",)
    if low.endswith(_SLASH_COMMENTS):
        return ("//", "/*")
    return ("#", "//")


def _code_until(text: str, comments: Tuple[str, ...], stop: int = -1) -> Tuple[int, bool]:
    """(where a comment starts on the line TEXT, or len(TEXT); whether
    position STOP, when given, is inside a string).  Quotes are taken into
    account: a comment marker inside a string does not start one."""
    quote = ""
    i, n = 0, len(text)
    while i < n:
        if i == stop:
            return n, bool(quote)
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif any(text.startswith(m, i) for m in comments):
            return i, False
        i += 1
    return n, bool(quote)


def _in_code(text: str, at: int, comments: Tuple[str, ...]) -> bool:
    """Whether position AT of the line TEXT is code: before any comment, and
    outside a string."""
    ends, in_string = _code_until(text, comments, at)
    return at < ends and not in_string


def _extra_phrase(text: str) -> Phrase:
    words = textnorm.normalize(text).lower().split()
    return Phrase("writes a phrase the policy forbids", (words[0],),
                  re.compile(r"(?<!\w)" + r"[ \t]+".join(re.escape(w) for w in words) + r"(?!\w)"))


# --- the family -----------------------------------------------------------------------

def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    allow_secret = tuple(str(p) for p in ctx.settings.get("allow_secret_paths") or ())
    allow_injection = tuple(str(p) for p in ctx.settings.get("allow_injection_paths") or ())
    allow_unicode = tuple(str(p) for p in ctx.settings.get("allow_unicode_paths") or ())
    extra = tuple(_extra_phrase(str(p)) for p in ctx.settings.get("extra_injection_phrases") or () if str(p).split())
    out: List[Finding] = []
    for fc in change.files:
        if fc.is_binary or fc.status == DELETED:
            continue
        lines = list(fc.added())
        if not lines:
            continue
        # Joined once; an ASCII text's lowered form serves secrets and injections.
        text = "\n".join([ln.text for ln in lines])
        is_ascii = text.isascii()
        joined = _joined(lines, text) if is_ascii else None
        if not is_ascii and not (allow_unicode and glob_match(fc.path, allow_unicode)):
            out.extend(_unicode_findings(fc, lines))
        if not (allow_secret and glob_match(fc.path, allow_secret)):
            out.extend(_secret_findings(fc, lines, text, joined.low if joined is not None else None))
        if not _agent_file(fc.path) and not (allow_injection and glob_match(fc.path, allow_injection)):
            out.extend(_injection_findings(fc, lines, joined or _joined(lines, text), extra))
    out.extend(_commit_findings(change, extra))
    return out
