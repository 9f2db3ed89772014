"""A light, language-aware scanner for JS/TS, Go, Rust and Java sources.

No real parser: the text is *masked* (string contents and comments become
spaces, line breaks are kept, so offsets and line numbers do not move), then
braces are matched on the masked text to cut the file into blocks:

* tests: ``it("name", ...)`` / ``test(...)`` (nested in ``describe``),
  ``func TestX(t *testing.T)`` (and its ``t.Run("sub", ...)``),
  ``#[test] fn x``, ``@Test void x()``;
* functions: the named functions and methods of the file.

Each block knows its name, line range and body, which is enough to compare
the old and the new side of a change test by test and function by function.
"""
from __future__ import annotations

import bisect
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

LANGUAGES = {
    ".js": "js", ".jsx": "js", ".mjs": "js", ".cjs": "js",
    ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js",
    ".go": "go", ".rs": "rust", ".java": "java",
}


def language(path: str) -> Optional[str]:
    dot = path.rfind(".")
    if dot < 0 or path.endswith(".d.ts"):
        return None
    return LANGUAGES.get(path[dot:].lower())


# ---------------------------------------------------------------- masking

_COMMON = r"//[^\n]*|/\*[\s\S]*?\*/"
_DQ = r'"(?:[^"\\\n]|\\.)*"'
_SQ = r"'(?:[^'\\\n]|\\.)*'"
_TOKENS = {
    "js": re.compile("|".join([_COMMON, _DQ, _SQ, r"`(?:[^`\\]|\\[\s\S])*`"])),
    "go": re.compile("|".join([_COMMON, _DQ, _SQ, r"`[^`]*`"])),
    "rust": re.compile("|".join([_COMMON, r'(?<![\w])b?r(#*)"[\s\S]*?"\1', r'"(?:[^"\\]|\\[\s\S])*"',
                                 r"'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'"])),
    "java": re.compile("|".join([_COMMON, r'"""[\s\S]*?"""', _DQ,
                                 r"'(?:\\(?:u[0-9a-fA-F]{4}|[0-7]{1,3}|.)|[^\\'\n])'"])),
}
_NOT_NL = re.compile(r"[^\n]")
_NEWLINE = re.compile("\n")


def mask(text: str, lang: str, strings: bool = True) -> str:
    """TEXT with comment and (when STRINGS) string contents replaced by
    spaces; quotes and line breaks are kept so offsets do not move."""

    def blank(m: "re.Match[str]") -> str:
        tok = m.group(0)
        # most tokens hold no line break: spaces of the same length, no regex
        if tok.startswith("/"):
            return _NOT_NL.sub(" ", tok) if "\n" in tok else " " * len(tok)
        if not strings:
            return tok
        if tok.startswith('"""'):
            head = tail = 3
        elif tok[0] in "rb":  # Rust r"..", r#".."#, b".."
            head, tail = tok.index('"') + 1, len(tok) - tok.rindex('"')
        else:
            head = tail = 1
        inner = tok[head:len(tok) - tail]
        return tok[:head] + (_NOT_NL.sub(" ", inner) if "\n" in inner else " " * len(inner)) + tok[len(tok) - tail:]

    return _TOKENS[lang].sub(blank, text)


def match_brace(masked: str, open_pos: int) -> int:
    """Offset of the brace closing the one at OPEN_POS (len(masked) when unclosed)."""
    depth = 0
    for k in range(open_pos, len(masked)):
        c = masked[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(masked)


def match_paren(masked: str, open_pos: int) -> int:
    depth = 0
    for k in range(open_pos, len(masked)):
        c = masked[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(masked)


# ---------------------------------------------------------------- blocks

class Block(NamedTuple):
    name: str  # qualified: "describe > it", "TestX/sub", "fn_name", "Class.method"
    kind: str  # "test", "suite", "function"
    start: int  # 1-based line of the header
    end: int  # 1-based line of the closing brace
    body_start: int  # offset just after the opening brace
    body_end: int  # offset of the closing brace
    header: str  # the header's text (original)


class Source:
    """One side of one file, scanned."""

    def __init__(self, path: str, text: str, lang: str):
        self.path = path
        self.text = text
        self.lang = lang
        self.masked = mask(text, lang)
        self._code: Optional[str] = None
        self._nl = [m.start() for m in _NEWLINE.finditer(text)]  # the regex scan beats a per-character loop
        self.lines = text.splitlines()
        self._tests: Optional[List[Block]] = None
        self._functions: Optional[List[Block]] = None
        self._indexes: Dict[int, Tuple[List[Block], List[int]]] = {}
        self.cache: Dict[str, object] = {}  # per-source facts computed by the checks

    @property
    def code(self) -> str:
        """The text without comments (strings kept)."""
        if self._code is None:
            self._code = mask(self.text, self.lang, strings=False)
        return self._code

    def offset_of_line(self, no: int) -> int:
        return 0 if no <= 1 else (self._nl[no - 2] + 1 if no - 2 < len(self._nl) else len(self.text))

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._nl, offset) + 1  # line breaks before OFFSET, plus one

    def line_text(self, no: int) -> str:
        return self.lines[no - 1] if 0 < no <= len(self.lines) else ""

    def body(self, block: Block) -> str:
        return self.text[block.body_start:block.body_end]

    def masked_body(self, block: Block) -> str:
        return self.masked[block.body_start:block.body_end]

    # -- tests
    def tests(self) -> List[Block]:
        if self._tests is None:
            self._tests = _TEST_FINDERS[self.lang](self)
        return self._tests

    def functions(self) -> List[Block]:
        if self._functions is None:
            self._functions = _FUNCTION_FINDERS[self.lang](self)
        return self._functions

    def block_at(self, line: int, blocks: List[Block]) -> Optional[Block]:
        """The innermost block of BLOCKS (a list from tests() or functions())
        containing LINE, through a per-line index built once per list."""
        key = id(blocks)
        index = self._indexes.get(key)
        if index is None or index[0] is not blocks:
            owner: List[int] = [-1] * (len(self.lines) + 2)
            # outer blocks first, inner ones overwrite them
            order = sorted(range(len(blocks)), key=lambda k: (blocks[k].start, -blocks[k].end))
            for k in order:
                b = blocks[k]
                for n in range(max(b.start, 0), min(b.end, len(owner) - 1) + 1):
                    owner[n] = k
            index = (blocks, owner)
            self._indexes[key] = index
        owner = index[1]
        if 0 <= line < len(owner) and owner[line] >= 0:
            return blocks[owner[line]]
        return None

    def _block(self, name: str, kind: str, header_pos: int, brace: int) -> Block:
        close = match_brace(self.masked, brace)
        return Block(name, kind, self.line_of(header_pos), self.line_of(close),
                     brace + 1, close, self.line_text(self.line_of(header_pos)).strip())


def _string_at(src: Source, pos: int) -> Tuple[Optional[str], int]:
    """The string literal starting at POS (after spaces): (content, end offset)."""
    text = src.text
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    if pos >= len(text) or text[pos] not in "'\"`":
        return None, pos
    quote = text[pos]
    j = pos + 1
    while j < len(text) and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return text[pos + 1:j], j + 1


# JS: it/test/describe and their variants.
_JS_CALL = re.compile(
    r"(?<![\w.$])(?P<fn>it|test|specify|describe|context|suite|xit|xtest|xdescribe|xcontext|xspecify|"
    r"fit|fdescribe|ftest)"
    r"(?P<mod>(?:\s*\.\s*(?:only|skip|todo|concurrent|sequential|fails|failing|serial|each|skipIf|runIf)"
    r"(?:\s*\([^()]*(?:\([^()]*\)[^()]*)*\))?)*)\s*(?P<tpl>`)?\s*\(")
_SUITES = {"describe", "context", "suite", "xdescribe", "xcontext", "fdescribe"}
# _JS_CALL without its lookbehind, which defeats the engine's scan for the
# names' first letters; _js_calls checks the character before in Python.
_JS_CALL_FAST = re.compile(_JS_CALL.pattern.replace(r"(?<![\w.$])", "", 1))


def _js_calls(masked: str) -> "List[re.Match[str]]":
    """The matches of _JS_CALL.finditer(MASKED), found with _JS_CALL_FAST: a
    match whose name follows a word character, "." or "$" is dropped and the
    search goes on from the next character (as _JS_CALL's search would)."""
    found = []
    pos = 0
    while True:
        m = _JS_CALL_FAST.search(masked, pos)
        if m is None:
            return found
        at = m.start()
        if at and (masked[at - 1].isalnum() or masked[at - 1] in "_.$"):
            pos = at + 1
            continue
        found.append(m)
        pos = m.end()


def _js_tests(src: Source) -> List[Block]:
    masked = src.masked
    raw: List[Tuple[str, str, int, int, int]] = []  # name, kind, header, open paren, close paren
    for m in _js_calls(masked):
        if m.group("tpl"):
            continue
        paren = m.end() - 1
        name, after = _string_at(src, paren + 1)
        if name is None:
            continue
        close = match_paren(masked, paren)
        kind = "suite" if m.group("fn") in _SUITES else "test"
        raw.append((name, kind, m.start(), paren, close))
    blocks: List[Block] = []
    stack: List[Tuple[int, str]] = []  # (close paren, qualified name)
    for name, kind, header, paren, close in raw:
        while stack and stack[-1][0] < header:
            stack.pop()
        qual = " > ".join([s[1] for s in stack[-1:]] + [name]) if stack else name
        brace = masked.find("{", paren, close)
        if brace < 0:  # it.todo("x") or it("x", fn): a range without a body
            blocks.append(Block(qual, kind, src.line_of(header), src.line_of(close), paren + 1, close,
                                src.line_text(src.line_of(header)).strip()))
        else:
            blocks.append(src._block(qual, kind, header, brace))
        stack.append((close, qual))
    return [b for b in blocks if b.kind == "test"] + [b for b in blocks if b.kind == "suite"]


_GO_TEST = re.compile(r"^func\s+((?:Test|Benchmark|Fuzz|Example)\w*)\s*\(([^)]*)\)[^{\n]*\{", re.M)
_GO_RUN = re.compile(r"\b\w+\.Run\s*\(")


def _go_tests(src: Source) -> List[Block]:
    blocks: List[Block] = []
    for m in _GO_TEST.finditer(src.masked):
        top = src._block(m.group(1), "test", m.start(), m.end() - 1)
        blocks.append(top)
        for r in _GO_RUN.finditer(src.masked, top.body_start, top.body_end):
            name, after = _string_at(src, r.end())
            if name is None:
                continue
            brace = src.masked.find("{", after, top.body_end)
            if brace < 0:
                continue
            blocks.append(src._block(f"{top.name}/{name}", "test", r.start(), brace))
    return blocks


_RUST_TEST = re.compile(
    r"#\s*\[\s*(?:[\w:]*::)?(?:test|rstest|test_case[^\]]*|quickcheck)\s*\]"
    r"(?:\s*#\s*\[[^\]]*\])*\s*(?:pub\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)[^{;]*\{")


def _rust_tests(src: Source) -> List[Block]:
    # the masked text keeps `#[...]` (not a comment), so attributes are visible
    return [src._block(m.group(1), "test", m.start(), m.end() - 1) for m in _RUST_TEST.finditer(src.masked)]


# a Java type: a dotted name, generic arguments, array brackets (no ambiguous spaces:
# the pattern must stay linear on long lines)
_JAVA_TYPE = r"[\w$.]+(?:\s*<[^(){};=]*?>)?(?:\s*\[\s*\])*"
# An annotation's arguments are read up to _ARGS characters: without a bound
# a line of `@Test(` repeated read to its end from every `@Test` (quadratic);
# no real annotation has an argument list that long.
_ARGS = r"\([^)]{0,2000}\)"
_JAVA_TEST = re.compile(
    r"@(?:\w+\.)*(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property)\b(?:\s*" + _ARGS + r")?"
    r"(?:\s*@[\w.]+(?:\s*" + _ARGS + r")?)*\s*(?:(?:public|protected|private|static|final|synchronized)\s+)*"
    r"(?:<[^>]*>\s*)?" + _JAVA_TYPE + r"\s+(\w+)\s*\([^)]*\)[^{;]*\{")
_JAVA_JUNIT3 = re.compile(r"\bpublic\s+void\s+(test\w*)\s*\(\s*\)[^{;]*\{")
# Where a _JAVA_TEST match can start, and one more annotation of its run.
_JAVA_TEST_HEAD = re.compile(r"@(?:\w+\.)*(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property)\b")
_JAVA_ANNOTATION = re.compile(r"\s*@[\w.]+(?:\s*" + _ARGS + r")?")
_JAVA_ARGS = re.compile(r"\s*" + _ARGS)


def _java_test_matches(text: str) -> List["re.Match[str]"]:
    """_JAVA_TEST.finditer(TEXT), without trying again inside a run of
    annotations that already failed: a match from a later `@Test` of the
    run would be one from the first (its annotations are read by the run's
    loop), so none can start there either. A line of 4,000 `@Test` was
    read once per `@Test` (quadratic: 8 s)."""
    found: List["re.Match[str]"] = []
    pos = 0
    failed: set = set()  # the annotation starts of runs read from a failed start
    for head in _JAVA_TEST_HEAD.finditer(text):
        start = head.start()
        if start < pos or start in failed:
            continue
        m = _JAVA_TEST.match(text, start)
        if m is not None:
            found.append(m)
            pos = m.end()
            continue
        args = _JAVA_ARGS.match(text, head.end())  # the head's own arguments, if any
        at = args.end() if args is not None else head.end()
        while True:
            nxt = _JAVA_ANNOTATION.match(text, at)
            if nxt is None:
                break
            mark = text.index("@", at)
            if mark in failed:
                break  # the rest of the run is known from an earlier start
            failed.add(mark)
            at = nxt.end()
    return found


def _java_tests(src: Source) -> List[Block]:
    seen = set()
    blocks = []
    for m in _java_test_matches(src.masked) + list(_JAVA_JUNIT3.finditer(src.masked)):
        brace = m.end() - 1
        if brace in seen:
            continue
        seen.add(brace)
        blocks.append(src._block(m.group(1), "test", m.start(), brace))
    return blocks


_TEST_FINDERS = {"js": _js_tests, "go": _go_tests, "rust": _rust_tests, "java": _java_tests}

_KEYWORDS = frozenset(
    "if for while switch catch function return else do try with synchronized new typeof await "
    "match loop unsafe select go defer case it test describe context suite specify xit xtest xdescribe "
    "fit fdescribe beforeEach afterEach beforeAll afterAll before after".split())

_JS_FUNCS = [
    re.compile(r"(?<![\w$.])function\s*\*?\s*([\w$]+)\s*\([^)]*\)[^{;]*\{"),
    re.compile(r"(?<![\w$.])(?:const|let|var)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?"
               r"(?:function\s*\*?\s*[\w$]*\s*\([^)]*\)|\([^()]*(?:\([^()]*\)[^()]*)*\)|[\w$]+)\s*(?::[^=]+)?"
               r"(?:=>)?\s*\{"),
    re.compile(r"^[ \t]*(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*"
               r"\*?([\w$]+)\s*(?:<[^>]*>)?\s*\([^)]*\)\s*(?::\s*[^{;]+)?\{", re.M),
]
_GO_FUNC = re.compile(r"^func\s+(?:\(\s*\w*\s*\*?\s*([\w.]+)(?:\[[^\]]*\])?\s*\)\s*)?(\w+)\s*(?:\[[^\]]*\])?"
                      r"\s*\([^)]*\)[^{\n]*\{", re.M)
_RUST_FUNC = re.compile(r"(?<![\w])fn\s+(\w+)\s*(?:<[^{]*?>)?\s*\([^)]*\)[^{;]*\{")
_JAVA_FUNC = re.compile(
    r"^[ \t]*(?:@[\w.]+(?:\([^)]*\))?\s*)*(?:(?:public|protected|private|static|final|synchronized|abstract|"
    r"native|default|strictfp)\s+)*(?:<[^>]*>\s*)?" + _JAVA_TYPE + r"\s+(\w+)\s*\([^)]*\)\s*"
    r"(?:throws\s+[\w.,\s]+)?\{", re.M)


def _named(src: Source, pattern: "re.Pattern[str]", group: int = 1) -> List[Block]:
    blocks = []
    for m in pattern.finditer(src.masked):
        name = m.group(group)
        if name in _KEYWORDS:
            continue
        blocks.append(src._block(name, "function", m.start(group), m.end() - 1))
    return blocks


def _js_functions(src: Source) -> List[Block]:
    seen: Dict[int, Block] = {}
    for pat in _JS_FUNCS:
        for b in _named(src, pat):
            seen.setdefault(b.body_start, b)
    return sorted(seen.values(), key=lambda b: b.body_start)


def _go_functions(src: Source) -> List[Block]:
    blocks = []
    for m in _GO_FUNC.finditer(src.masked):
        recv, name = m.group(1), m.group(2)
        qual = f"{recv.lstrip('*')}.{name}" if recv else name
        blocks.append(src._block(qual, "function", m.start(), m.end() - 1))
    return blocks


def _rust_functions(src: Source) -> List[Block]:
    return _named(src, _RUST_FUNC)


def _java_functions(src: Source) -> List[Block]:
    return _named(src, _JAVA_FUNC)


_FUNCTION_FINDERS = {"js": _js_functions, "go": _go_functions, "rust": _rust_functions,
                     "java": _java_functions}


# ---------------------------------------------------------------- literals

_LITERAL = re.compile(
    r"""(?P<s>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`$\\]*`)"""
    r"""|(?<![\w.$])(?P<n>-?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?))"""
    r"""(?:_?(?:[iu](?:8|16|32|64|128|size)|f32|f64|[lLfFdDn]))?(?![\w.])"""
    r"""|(?<![\w$.])(?P<k>true|false|null|nil|undefined|None)(?![\w$])""")


def norm_literal(token: str) -> str:
    """A literal in a form comparable across languages: strings by content,
    numbers by value."""
    if token[0] in "'\"`":
        return "s:" + token[1:-1]
    if token in ("true", "false"):
        return "k:" + token
    if token in ("null", "nil", "undefined", "None"):
        return "k:null"
    t = token.replace("_", "")
    try:
        value = int(t, 0) if not any(c in t for c in ".eE") or t.lower().startswith(("0x", "-0x")) else float(t)
    except ValueError:
        return "n:" + t
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"n:{value}"


def literals(text: str) -> List[Tuple[str, str, int]]:
    """(raw, normalised, offset) for every literal of TEXT."""
    found = []
    for m in _LITERAL.finditer(text):
        raw = m.group(0)
        found.append((raw, norm_literal(raw), m.start()))
    return found


TRIVIAL = frozenset({"s:", "n:0", "n:1", "n:-1", "k:true", "k:false", "k:null"})


def shape(line: str) -> str:
    """LINE with every literal replaced by a placeholder and spaces removed."""
    return re.sub(r"\s+", "", _LITERAL.sub("\u2022", line))
