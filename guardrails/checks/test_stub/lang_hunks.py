"""Tests compared from a diff's hunks alone (JS/TS, Go, Rust, Java).

A bare diff shows a few lines around each change, not whole files, so the
test blocks of lang_scan cannot be matched across the two sides.  This walk
reads each hunk of a test file twice, as the old side (context and removed
lines) and as the new side (context and added lines), and follows

* which test a line belongs to: the hunk's section header when it names a
  test (``@@ ... @@ func TestX``), then every test header met on the way
  (``void testFoo()`` after ``@Test``, ``it("...")``, ``func TestX``,
  ``#[test] fn x``); a helper's header ends the test;
* assertion statements, over several lines when their parentheses stay open
  (a removed continuation line counts as a changed assertion);
* test headers removed and added.

It reports nothing itself: ``other_languages`` turns the summary into
findings (removed assertions not replaced inside the same test, an
assertion that now checks another subject, a call-count check dropped, a
test header removed and not added back anywhere in the change).
"""
from __future__ import annotations

import re
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from guardrails.checks.test_stub.lang_scan import mask
from guardrails.model import FileChange

UNKNOWN = "?"  # the test a hunk starts in, when nothing names it


class Stmt(NamedTuple):
    test: str  # test name ("?" unknown, "#name" a helper)
    line: int  # first changed line of the statement on its side (else its first line)
    text: str  # the statement, lines joined
    changed: bool  # one of its lines is removed (old side) / added (new side)
    complete: bool = True  # False: cut by a test or function header before its parentheses closed


class Header(NamedTuple):
    name: str
    line: int
    text: str


class Side(NamedTuple):
    stmts: List[Stmt]
    headers: List[Header]  # test headers on changed lines


_ASSERT_START = {
    "js": re.compile(r"\bexpect\s*\(|\bassert(?:\.\w+)?\s*\(|\bt\.(?:is|not|deepEqual|notDeepEqual|true|false|"
                     r"throws|truthy|falsy|snapshot|regex)\s*\(|\.should\b|\bsinon\.assert\.\w+\s*\("),
    "java": re.compile(r"\b(?:Assert\.|Assertions\.)?(?:assert\w*|fail)\s*\(|\bverify\s*\("),
    "go": re.compile(r"\b[a-z]\w*\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\b(?:assert|require)\.\w+\s*\("),
    "rust": re.compile(r"\b(?:debug_)?assert\w*!\s*\(|\bpanic!\s*\("),
}
_COUNT = re.compile(r"\btimes\s*\(\s*\d+\s*\)|\bTimes\s*\(\s*\d+\s*\)|\bto(?:HaveBeen|Be)CalledTimes\s*\("
                    r"|\bcall[Cc]ount\b|\bcalled(?:Once|Twice|Thrice)\b|\bnever\s*\(\s*\)|\bverifyNoMoreInteractions\b")
_JAVA_ANNOT_TEST = re.compile(r"^\s*@(?:\w+\.)*(?:Test|ParameterizedTest|RepeatedTest|TestFactory|Theory)\b")
_JAVA_METHOD = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|protected|private|static|final|synchronized|"
                          r"abstract)\s+)*(?:<[^>]*>\s*)?([\w$.]+(?:<[^()]*>)?(?:\[\])*)\s+(\w+)\s*\(")
_JS_TEST = re.compile(r"""^\s*(?:it|test|specify)(?:\.\w+(?:\([^()]*\))?)*\s*\(\s*(['"`])((?:\\.|(?!\1).)*)\1""")
_JS_FUNC = re.compile(r"^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*(\w+)\s*\(")
_GO_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)\s*[\[(]")
_RUST_ATTR_TEST = re.compile(r"^\s*#\[(?:\w+::)*test\b")
_RUST_FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")
_NOT_SUBJECT = frozenset({
    "expect", "assert", "assertEquals", "assertThat", "assertTrue", "assertFalse", "assertNull", "assertNotNull",
    "assertSame", "assertNotSame", "assertArrayEquals", "assertThrows", "assert_eq", "assert_ne", "fail",
    "verify", "times", "never", "Equal", "NotEqual", "True", "False", "Nil", "NotNil", "NoError", "Error",
    "Errorf", "Fatal", "Fatalf", "t", "is", "deepEqual", "equal", "strictEqual", "ok", "isEqualTo", "isTrue",
    "isFalse", "isNull", "isNotNull", "toBe", "toEqual", "toStrictEqual", "new", "if", "for", "return",
    "String", "valueOf", "of", "asList", "Some", "Ok", "Err", "vec", "format", "get", "Arrays", "List",
})


def _header(lang: str, text: str, masked: str, annotated: bool) -> Optional[Tuple[str, bool]]:
    """(name, is_test) when TEXT declares a test or a function."""
    if lang == "js":
        m = _JS_TEST.match(text)
        if m:
            return m.group(2), True
        m = _JS_FUNC.match(masked)
        return (m.group(1), False) if m else None
    if lang == "go":
        m = _GO_FUNC.match(masked)
        if m:
            return m.group(1), bool(re.match(r"(?:Test|Benchmark|Fuzz|Example)", m.group(1)))
        return None
    if lang == "rust":
        m = _RUST_FN.match(masked)
        return (m.group(1), annotated or m.group(1).startswith("test_")) if m else None
    m = _JAVA_METHOD.match(masked)
    if m and m.group(1) not in ("new", "return", "else", "throw", "case") and not masked.rstrip().endswith(";"):
        name = m.group(2)
        if name in ("if", "for", "while", "switch", "catch", "synchronized"):
            return None
        return name, annotated or (m.group(1) == "void" and name.startswith("test"))
    return None


def section_test(lang: str, section: str) -> str:
    """The test named by a hunk's section header, "#name" for another function, else UNKNOWN."""
    text = section.strip()
    if not text:
        return UNKNOWN
    got = _header(lang, text, mask(text, lang), annotated=False)
    if got is None:
        return UNKNOWN
    return got[0] if got[1] else "#" + got[0]


def _rows(fc: FileChange, side: str) -> List[Tuple[int, str, bool, str]]:
    """(line number, text, changed, section) of one side, hunk by hunk; a 0
    line number separates two hunks."""
    keep = "-" if side == "old" else "+"
    rows: List[Tuple[int, str, bool, str]] = []
    for hunk in fc.hunks:
        rows.append((0, "", False, hunk.section))
        for ln in hunk.lines:
            if ln.kind == " " or ln.kind == keep:
                no = ln.old_no if side == "old" else ln.new_no
                rows.append((no or 0, ln.text, ln.kind == keep, hunk.section))
    return rows


def helpers(sides: List[Side]) -> Set[str]:
    """Functions (not tests) that hold an assertion in the lines shown."""
    return {s.test[1:] for side in sides for s in side.stmts if s.test.startswith("#") and len(s.test) > 3}


def walk(fc: FileChange, side: str, lang: str, assert_helpers: Set[str] = frozenset()) -> Side:
    """The assertion statements and changed test headers of one side of FC;
    a call to one of ASSERT_HELPERS counts as an assertion."""
    stmts: List[Stmt] = []
    headers: List[Header] = []
    start = _ASSERT_START[lang]
    if assert_helpers:
        names = "|".join(re.escape(h) for h in sorted(assert_helpers))
        start = re.compile(start.pattern + r"|(?<![\w.$])(?:" + names + r")\s*\(")
    test = UNKNOWN
    annotated = False
    open_stmt: Optional[List] = None  # [test, first line, changed line, texts, changed, depth]

    def close(complete: bool = True) -> None:
        nonlocal open_stmt
        if open_stmt is not None:
            t, first, changed_line, texts, changed, _depth = open_stmt
            stmts.append(Stmt(t, changed_line or first, " ".join(s.strip() for s in texts), changed, complete))
            open_stmt = None

    for no, text, changed, section in _rows(fc, side):
        if no == 0:  # a new hunk
            close()
            test, annotated = section_test(lang, section), False
            continue
        masked = mask(text, lang)
        if lang == "java" and _JAVA_ANNOT_TEST.match(masked) or lang == "rust" and _RUST_ATTR_TEST.match(masked):
            close(complete=False)
            annotated = True
            continue
        got = _header(lang, text, masked, annotated)
        if got is not None:
            close(complete=False)
            name, is_test = got
            test = name if is_test else "#" + name
            annotated = False
            if is_test and changed:
                headers.append(Header(name, no, text))
            continue
        if open_stmt is not None:
            stripped = masked.strip()
            if open_stmt[5] > 0 or stripped.startswith((".", "?.")):
                open_stmt[3].append(text)
                open_stmt[5] += masked.count("(") - masked.count(")")
                if changed and not open_stmt[4]:
                    open_stmt[4], open_stmt[2] = True, no
                if open_stmt[5] <= 0 and not lang == "js" or len(open_stmt[3]) > 12:
                    close()
                continue
            close()
        if masked.strip() and not masked.strip().startswith("@"):
            annotated = False
        m = start.search(masked)
        if m:
            depth = masked[m.start():].count("(") - masked[m.start():].count(")")
            open_stmt = [test, no, no if changed else 0, [text], changed, depth]
            if depth <= 0 and lang != "js":
                close()
    close()
    return Side(stmts, headers)


def subjects(text: str) -> Set[str]:
    """The functions an assertion calls, without the assertion vocabulary."""
    names = set(re.findall(r"([A-Za-z_$][\w$]*)\s*!?\(", mask(text, "js")))
    return {n for n in names if n not in _NOT_SUBJECT and not n.startswith(("assert", "to", "is"))}


def has_count(text: str) -> bool:
    return bool(_COUNT.search(text))


class TestDelta(NamedTuple):
    test: str
    removed: List[Stmt]  # assertion statements with a removed line
    added: List[Stmt]  # complete assertion statements with an added line
    before: int  # assertion statements of the test the hunks show, old side
    after: int  # the same, new side (complete ones)


def deltas(old: Side, new: Side) -> List[TestDelta]:
    """Per test, the assertions the hunks show on each side and the changed
    ones.  A context assertion counts on the side of the test that holds it
    there: a test header inserted above it moves it to another test."""
    keys: List[str] = []
    rem: Dict[str, List[Stmt]] = {}
    add: Dict[str, List[Stmt]] = {}
    before: Dict[str, int] = {}
    after: Dict[str, int] = {}
    for s in old.stmts:
        before[s.test] = before.get(s.test, 0) + 1
        if s.changed:
            rem.setdefault(s.test, []).append(s)
            if s.test not in keys:
                keys.append(s.test)
    for s in new.stmts:
        if not s.complete:
            continue
        after[s.test] = after.get(s.test, 0) + 1
        if s.changed:
            add.setdefault(s.test, []).append(s)
            if s.test not in keys:
                keys.append(s.test)
    for k in before:
        if k not in keys and before[k] > after.get(k, 0):
            keys.append(k)
    return [TestDelta(k, rem.get(k, []), add.get(k, []), before.get(k, 0), after.get(k, 0)) for k in keys]
