"""Cheap line triggers for code outside the tests.

A file is parsed only when one of its added lines looks like something a
rule group finds, and a group then runs only on the functions that hold
such a line. This keeps the family fast on large changes: most added code
(computation, calls, plain branches) never reaches the parser. Each pattern
runs once over the file's added lines joined together (re.M), not line by
line.
"""
from __future__ import annotations

import bisect
import re
import sys
from typing import Dict, List, Optional, Sequence, Set, Union

_S = r"[ \t]"  # horizontal space only: the patterns run over many lines at once
# Possessive (3.11+) where giving characters back can never help the match
# (the next item cannot start with them): same matches, no backtracking.
_P = "+" if sys.version_info >= (3, 11) else ""
_LIT = r"(?:[-+]?\d|[rbuf]?[\"']|\[|\(|\{|True\b|False\b|None\b|Decimal\(|Fraction\()"
_M = re.M
_RUN = r"PYTEST|pytest|unittest|sys\.argv|_called_from_test|environ|getenv"
_RUN_RE = re.compile(_RUN)
_RUN_NEEDLES = ("PYTEST", "pytest", "unittest", "sys.argv", "_called_from_test", "environ", "getenv")
# The patterns that run over the joined added lines anchor a line start on
# "\n" (the block starts with one), not on `^` under re.M: a literal first
# character lets the regex engine skip ahead instead of trying every position.
_IF_LIT = re.compile(rf"\n{_S}*{_P}(?:el)?if\b.*(?:==|\bin\b|\bis\b)")
_SETS_LIT = re.compile(rf"^\s*(?:return|[A-Za-z_]\w*\s*=)\s*{_LIT}")
# A return of a conditional expression, `\breturn\b.*\bif\b.*(?:==|\bin\b).*\belse\b`,
# found by its parts searched one after the other: as one pattern, a line of
# 10,000 "return if ==" without "else" took cubic time; in parts, linear.
_IFEXP_STEPS = tuple(re.compile(p) for p in (r"\breturn\b", r"\bif\b", r"==|\bin\b", r"\belse\b"))


def _ifexp_lines(texts: List[str], numbers: List[int]) -> List[int]:
    """The NUMBERS of the TEXTS holding a return of a conditional expression
    (return ... if ... == ... else ...), as the pattern above matches them."""
    found = []
    for no, text in zip(numbers, texts):
        if "return" not in text or "else" not in text:
            continue
        pos = 0
        for step in _IFEXP_STEPS:
            m = step.search(text, pos)
            if m is None:
                break
            pos = m.end()
        else:
            found.append(no)
    return found
_CASE_LIT = re.compile(rf"\n{_S}*{_P}case{_S}+{_LIT}")
# A table of answers is a dict display with literal keys and values (a
# `dict(...)` call is never one: python_special reads ast.Dict only).
_TABLE = re.compile(rf"\n{_S}*{_P}{_LIT}[^:\n]*{_P}:{_S}*{_LIT}")
_TABLE_OPEN = re.compile(rf"={_S}*\{{{_S}*$", _M)
# An inline dict display on one line, read at once: `{"a": 1}[key]`,
# `{...}.get(key)`, `key in {...}`: a ":" after a "{" on the same line. Only
# the line's first "{" is tried (a ":" after any "{" is after the first one),
# so a line of 100,000 "{" is one scan, not one per "{" (quadratic). Callers
# use the match as a yes/no only.
INLINE_TABLE = re.compile(rf"^[^{{\n]*{_P}\{{[^\n:]*{_P}:", _M)
_TABLE_READ = re.compile(rf"\}}{_S}*(?:\[|\.get\()|\bin{_S}+\{{")  # `{...}[key]`, `{...}.get(`, `in {...}`
_COUNT = re.compile(r"inspect\.|_getframe|traceback\.|f_back|f_code")
_COUNT_NEEDLES = ("inspect.", "_getframe", "traceback.", "f_back", "f_code")
_GLOBAL = re.compile(r"\bglobal\b")  # only where "global" occurs
_COUNT_BUMP = re.compile(rf"\.\w*(?:call|count)\w*{_S}*\+=")  # only where "+=" occurs
_STUB = re.compile(
    rf"\n{_S}*{_P}(?:return(?:{_S}+{_LIT}.*)?|pass|\.\.\.|raise{_S}+NotImplementedError\b.*){_S}*(?:#.*)?$", _M)
# From a line's first "#" only: one scan per line, not one per "#" (a line of
# 100,000 "#" would otherwise take quadratic time); matches the same lines.
_TODO = re.compile(r"^[^#\n]*#[^\n]*\b(?:TODO|FIXME|XXX)\b", _M)
_EXCEPT = re.compile(rf"\n{_S}*{_P}except\b.*:{_S}*(?:#.*)?$", _M)
_IGNORE = re.compile(r"^\s*(?:pass|\.\.\.|continue)\s*(?:#.*)?$")
_CONST_RETURN = re.compile(rf"\n{_S}*{_P}return{_S}+(?:True|False|[-+]?\d+){_S}*(?:#.*)?$", _M)
_DEF = re.compile(r"^\s*(?:async\s+)?def\s")
_DUNDER_CMP = re.compile(r"^\s*def\s+__(?:eq|ne|hash)__\b")
_EQ_LAMBDA = re.compile(r"__(?:eq|ne|hash)__\s*=\s*lambda", _M)
_SIG_END = re.compile(r"\)\s*(?:->.*)?:\s*(?:#.*)?$")
_DOC_END = re.compile(r"(?:\"\"\"|''')\s*$")

_FILE_RUN = re.compile(r"PYTEST|[\"']_?pytest[\"']|[\"']unittest[\"']|sys\.argv|_called_from_test|"
                       r"[\"'](?:TESTING|TEST|TESTS|IS_TEST|IS_TESTING|TEST_MODE|RUNNING_TESTS|UNIT_TEST(?:ING)?|"
                       r"UNITTEST|CI|GITHUB_ACTIONS)[\"']")
# Substrings one of which every match of _FILE_RUN holds (a cheap gate).
_FILE_RUN_NEEDLES = ("PYTEST", "pytest", "unittest", "sys.argv", "_called_from_test", "TEST", "CI'", 'CI"',
                     "GITHUB_ACTIONS")
_BRANCHY = re.compile(r"\bif\b|\bwhile\b|\band\b|\bor\b", _M)
# Without the leading \b the words are literals the engine scans for; hits()
# re-checks a match that starts inside a word with _BRANCHY.
_BRANCHY_FAST = re.compile(r"(?:if|while|and|or)\b")

# Exits reached from code under test, and code that rewrites the test
# machinery or reads the tests to decide an answer.
_EXIT = re.compile(r"\b(?:sys\.exit|_exit|exit|quit)[ \t]*\(")
_ORACLE = re.compile(r"excepthook|\batexit\.|\bunittest\.|\b_?pytest\.|TestCase\b|TestResult\b|getsource|"
                     r"[\"'][^\"'\n]*(?:\btests?[/\\]|\btest_\w*\.py|conftest)[^\"'\n]*[\"']")
# Every match of _ORACLE holds one of these (the string alternative "test"):
# the pattern runs only on the lines that do.
_ORACLE_NEEDLES = ("test", "Test", "excepthook", "atexit.", "getsource")

GROUPS = ("run", "branch", "table", "count", "stub", "swallow", "equal", "oracle")


def line_indexes_holding(block: str, starts: List[int], needles: Sequence[str]) -> Set[int]:
    """Indexes of the lines of BLOCK (lines joined, each after a "\n" at
    STARTS[i]) that hold one of NEEDLES (no line breaks in them), found with
    str.find: one search per line found, not one per line."""
    found: Set[int] = set()
    for needle in needles:
        at = block.find(needle)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            found.add(i)
            if i + 1 >= len(starts):
                break
            at = block.find(needle, starts[i + 1] + 1)  # on to the next line
    return found


def _significant(lines: List[str], no: int, step: int) -> str:
    no += step
    while 0 < no <= len(lines):
        text = lines[no - 1].strip()
        if text and not text.startswith("#"):
            return lines[no - 1]
        no += step
    return ""


def code_triggers(lines: List[str], added: frozenset, extra_run: str = "",
                  text: str = "") -> Dict[str, Set[int]]:
    """Rule group -> the added line numbers that may start a finding of it.
    TEXT (the whole new file) lets a branch on a module-level flag such as
    `UNDER_TEST = "pytest" in sys.modules` trigger too."""
    numbers = sorted(n for n in added if 0 < n <= len(lines))
    if not numbers:
        return {}
    texts = [lines[n - 1] for n in numbers]
    block = "\n" + "\n".join(texts)  # line i starts after the "\n" at starts[i]
    starts: List[int] = []
    pos = 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1

    def hits(pattern: "re.Pattern[str]", exact: "Optional[re.Pattern[str]]" = None) -> List[int]:
        found: List[int] = []
        last = -1
        exact_ok: Dict[int, bool] = {}  # per line: one search, not one per match (long lines)
        for m in pattern.finditer(block):
            at = m.start()
            i = bisect.bisect_right(starts, at) - 1
            if i == last:
                continue  # the line is already found
            if exact is not None and (block[at - 1].isalnum() or block[at - 1] == "_"):
                if i not in exact_ok:
                    exact_ok[i] = exact.search(texts[i]) is not None
                if not exact_ok[i]:
                    continue  # matched inside a word: the line is judged by the exact pattern
            if i != last:
                found.append(numbers[i])
                last = i
        return found

    def lines_with(needles: "tuple[str, ...]", pattern: "re.Pattern[str]") -> List[int]:
        """The line numbers PATTERN matches, for a pattern that stays on one
        line and whose every match holds one of NEEDLES: the needles are found
        with str.find (fast) and PATTERN runs on those lines only. Same lines
        as hits(PATTERN) (a line alone and the line inside the block have the
        same text and the same boundaries)."""
        cands = line_indexes_holding(block, starts, needles)
        return [numbers[i] for i in sorted(cands) if pattern.search(texts[i])]

    out: Dict[str, Set[int]] = {}

    def add(group: str, nos: Union[List[int], Set[int]]) -> None:
        if nos:
            out.setdefault(group, set()).update(nos)

    if extra_run:
        add("run", hits(re.compile(_RUN + "|" + extra_run, _M)))
    else:
        add("run", lines_with(_RUN_NEEDLES, _RUN_RE))
    if text and ((any(s in text for s in _FILE_RUN_NEEDLES) and _FILE_RUN.search(text)) or
                 (extra_run and re.search(extra_run, text))):
        add("run", hits(_BRANCHY_FAST, _BRANCHY))
    branch = set(_ifexp_lines(texts, numbers)) | set(hits(_CASE_LIT))
    for no in hits(_IF_LIT):
        head = lines[no - 1]
        indent = len(head) - len(head.lstrip())
        for k in range(no + 1, min(no + 4, len(lines) + 1)):
            body = lines[k - 1]
            if len(body) - len(body.lstrip()) <= indent:
                break
            if _SETS_LIT.search(body):
                branch.add(no)
                break
    add("branch", branch)
    add("table", hits(_TABLE))
    add("table", hits(_TABLE_OPEN))
    if "}" in block:
        add("table", lines_with(("}", "{"), _TABLE_READ))
    add("count", lines_with(_COUNT_NEEDLES, _COUNT))
    if "global" in block:
        add("count", lines_with(("global",), _GLOBAL))
    if "+=" in block:
        add("count", hits(_COUNT_BUMP))
    stub = set()
    for no in hits(_STUB):
        prev = _significant(lines, no, -1)
        if _DEF.search(prev) or _DOC_END.search(prev) or _SIG_END.search(prev):
            stub.add(no)
    add("stub", stub)
    add("stub", lines_with(("TODO", "FIXME", "XXX"), _TODO))
    add("swallow", {no for no in hits(_EXCEPT) if _IGNORE.search(_significant(lines, no, 1))})
    add("equal", {no for no in hits(_CONST_RETURN) if _DUNDER_CMP.search(_significant(lines, no, -1))})
    add("equal", hits(_EQ_LAMBDA))
    if "exit" in block or "quit" in block:
        add("oracle", lines_with(("exit", "quit"), _EXIT))
    add("oracle", lines_with(_ORACLE_NEEDLES, _ORACLE))
    return out
