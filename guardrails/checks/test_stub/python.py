"""The Python part of the test-stub family.

Each changed ``.py`` file is parsed on both sides of the change and the two
syntax trees are compared, so that "deleted", "weakened" and "replaced" are
facts: test files through ``python_compare``, the code under test through
``python_special``. Tests elsewhere in the repository are read (in one git
batch) only when a suspicious literal needs a test to tie it to.
"""
from __future__ import annotations

import ast
import bisect
import posixpath
import re
import warnings
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from guardrails.change import read_many
from guardrails.checks.test_stub import python_ast as pa
from guardrails.checks.test_stub import python_hunks
from guardrails.checks.test_stub import python_tests as pt
from guardrails.checks.test_stub.python_triggers import INLINE_TABLE, code_triggers
from guardrails.checks.test_stub.testfiles import (PytestConfig, is_test_file, pytest_config)
from guardrails.model import ChangeSet, Context, FileChange, Finding

MAX_BYTES = 1_000_000
# Reading the repository's other tests, when a literal needs tying to one.
MAX_REPO_TEST_FILES = 400
MAX_REPO_TEST_BYTES = 8_000_000

# Added lines of a test file that can start a finding without any removed line.
_TEST_ADDED = re.compile(
    r"skip|xfail|SkipTest|expectedFailure|exit\s*\(|pytest_|outcome|exitstatus|testsfailed|patch|"
    r"monkeypatch|Mock|__test__|pytestmark|collect_ignore|longrepr|force_result|returncode")
# Added lines that matter only against an old side: assertions newly wrapped
# in try/suppress are found by comparing a test with its old version, and
# the body of an existing pytest hook (`items.clear()`) is read when the
# file defines one (a new file's hook names itself on an added line).
_TEST_ADDED_PAIRED = re.compile(r"\btry\b|suppress")


def _any_in(numbers: List[int], span: range) -> bool:
    """Does the sorted list NUMBERS hold a number of SPAN?"""
    i = bisect.bisect_left(numbers, span.start)
    return i < len(numbers) and numbers[i] < span.stop


class PyFile:
    """One changed Python file, both sides, parsed on demand."""

    def __init__(self, fc: FileChange, is_test: bool, old_text: Optional[str], new_text: Optional[str]):
        self.fc = fc
        self.path = fc.path
        self.old_path = fc.old_path or fc.path
        self.is_test = is_test
        self.old_text = old_text
        self.new_text = new_text
        self.added = fc.added_line_numbers()
        self.removed = fc.removed_line_numbers()
        self._added_sorted = sorted(self.added)
        self._removed_sorted = sorted(self.removed)
        self._trees: Dict[str, Optional[ast.Module]] = {}
        self.old_lines = old_text.splitlines() if old_text else []
        self.worth = True
        self.triggers: Dict[str, Set[int]] = {}
        self.top_names: Optional[Set[str]] = None  # top-level def/class names, when code_tree is partial
        self.new_lines = new_text.splitlines() if new_text else []
        self.partial = False  # sides rebuilt from the diff's hunks (python_hunks)

    @property
    def old_tree(self) -> Optional[ast.Module]:
        if "old" not in self._trees:
            self._trees["old"] = pa.parse(self.old_text)
        return self._trees["old"]

    @property
    def new_tree(self) -> Optional[ast.Module]:
        if "new" not in self._trees:
            self._trees["new"] = pa.parse(self.new_text)
        return self._trees["new"]

    @property
    def code_tree(self) -> Optional[ast.Module]:
        """The new side as the checks of code outside the tests read it:
        every module-level statement, but of the top-level functions and
        classes only those that can hold a finding (see partial_tree)."""
        if "code" not in self._trees:
            tree = self._trees.get("new")
            if tree is None:
                tree = partial_tree(self)
            self._trees["code"] = tree if tree is not None else self.new_tree
        return self._trees["code"]

    def added_text(self) -> str:
        return "\n".join(self.new_lines[n - 1] for n in sorted(self.added) if 0 < n <= len(self.new_lines))

    def touches_new(self, node: ast.AST) -> bool:
        return _any_in(self._added_sorted, pa.node_lines(node))

    def touches_old(self, node: ast.AST) -> bool:
        return _any_in(self._removed_sorted, pa.node_lines(node))


class Session:
    """What the Python checks share for one change."""

    def __init__(self, change: ChangeSet, ctx: Context, files: List[PyFile]):
        self.change = change
        self.ctx = ctx
        self.files = files
        self.settings = ctx.settings
        self._index: Dict[str, List[pt.Expect]] = {}
        self._indexed: Set[str] = set()
        self._changed_funcs: Optional[Dict[str, str]] = None
        self._changed_tests: Optional[Dict[str, List[str]]] = None
        self._repo_tests: Optional[List[Tuple[str, str]]] = None
        self._parsed: Dict[str, Optional[ast.Module]] = {}

    def cfg(self, path: str) -> PytestConfig:
        return pytest_config(path, self.change)

    # -- the code under test that this change changed
    def changed_functions(self) -> Dict[str, str]:
        """Simple name -> "path::Qual.name" of non-test functions whose body
        the change added or edited."""
        if self._changed_funcs is None:
            out: Dict[str, str] = {}
            for pf in self.files:
                if pf.is_test or pf.new_tree is None:
                    continue
                old = pa.functions(pf.old_tree)
                for qual, fn in pa.functions(pf.new_tree).items():
                    if not pf.touches_new(fn.node) and qual in old and not pf.touches_old(old[qual].node):
                        continue  # no line of it changed
                    before = old.get(qual)
                    if before is None or pa.text_of(pf.old_lines, before.node).split() != \
                            pa.text_of(pf.new_lines, fn.node).split():
                        out.setdefault(fn.node.name, f"{pf.path}::{qual}")
            self._changed_funcs = out
        return self._changed_funcs

    # -- tests this change edited, by the functions they call
    def changed_tests(self) -> Dict[str, List[str]]:
        if self._changed_tests is None:
            out: Dict[str, List[str]] = {}
            for pf in self.files:
                if not pf.is_test:
                    continue
                cfg = self.cfg(pf.path)
                new_tests = pt.collected_tests(pf.new_tree, cfg)
                old_tests = pt.collected_tests(pf.old_tree, cfg)
                for qual, fn in new_tests.items():
                    if pf.touches_new(fn.node):
                        for name in pt.called_names(fn.node):
                            out.setdefault(name, []).append(pt.test_id(pf.path, qual))
                for qual, fn in old_tests.items():
                    if pf.touches_old(fn.node):
                        for name in pt.called_names(fn.node):
                            tid = pt.test_id(pf.old_path, qual)
                            if tid not in out.setdefault(name, []):
                                out[name].append(tid)
            self._changed_tests = out
        return self._changed_tests

    # -- what the tests expect, by function name
    def expectations(self, names: Iterable[str]) -> Dict[str, List[pt.Expect]]:
        wanted = {n for n in names if n and n not in self._indexed}
        if wanted:
            self._indexed |= wanted
            seen: Set[str] = set()
            for pf in self.files:
                if pf.is_test and pf.new_text is not None:
                    seen.add(pf.path)
                    # A call of NAME names it in the source: a test file that
                    # never writes any wanted name is not parsed for them.
                    if any(n in pf.new_text for n in wanted) and pf.new_tree is not None:
                        self._add_expectations(pf.new_tree, pf.path, wanted)
            for path, text in self._repo_test_texts(wanted):
                if path in seen:
                    continue
                if not any(n + "(" in text for n in wanted):
                    continue
                self._add_expectations(pa.parse(text), path, wanted)
        return {n: self._index.get(n, []) for n in names}

    def duplicate_elsewhere(self, name: str, body: str, exclude: Set[str]) -> str:
        """A test file of the new side (outside EXCLUDE) that holds a function
        NAME with this very body: the deleted test was a duplicate."""
        needle = f"def {name}("
        for pf in self.files:
            if pf.is_test and pf.path not in exclude and pf.new_text and needle in pf.new_text:
                for fn in pa.functions(pf.new_tree).values():
                    if fn.node.name == name and pa.body_dump(fn.node) == body:
                        return pf.path
        for path, text in self._repo_test_texts(set()):
            if path in exclude or needle not in text:
                continue
            tree = self._parsed.get(path)
            if tree is None:
                tree = self._parsed[path] = pa.parse(text)
            for fn in pa.functions(tree).values():
                if fn.node.name == name and pa.body_dump(fn.node) == body:
                    return path
        return ""

    def _add_expectations(self, tree: Optional[ast.Module], path: str, wanted: Set[str]) -> None:
        if tree is None:
            return
        tests = pt.collected_tests(tree, self.cfg(path))
        for exp in pt.expectations(tree, path, tests, wanted):
            self._index.setdefault(exp.func, []).append(exp)

    def _repo_test_texts(self, wanted: Set[str]) -> List[Tuple[str, str]]:
        """The repository's Python test files on the new side (read once, in
        one batch, the most likely first, within a budget)."""
        if self._repo_tests is not None:
            return self._repo_tests
        self._repo_tests = []
        try:
            listing = self.change.list_head()
        except Exception:  # no listing: the change's own tests only
            listing = ()
        changed = {pf.path for pf in self.files}
        candidates = [p for p in listing if p.endswith(".py") and p not in changed
                      and is_test_file(p, self.change) and not p.endswith("conftest.py")]
        if not candidates:
            return self._repo_tests
        stems = {posixpath.splitext(posixpath.basename(pf.path))[0] for pf in self.files if not pf.is_test}
        stems |= set(wanted)

        def rank(p: str) -> int:
            base = posixpath.basename(p)
            return 0 if any(s and s in base for s in stems) else 1
        candidates.sort(key=rank)
        if len(candidates) > MAX_REPO_TEST_FILES:
            self.ctx.warn(f"test-stub: read {MAX_REPO_TEST_FILES} of {len(candidates)} test files of the "
                          "repository to tie literals to tests")
            candidates = candidates[:MAX_REPO_TEST_FILES]
        texts = read_many(self.change, candidates)
        total = 0
        for path in candidates:
            text = texts.get(path)
            if text is None or len(text) > MAX_BYTES:
                continue
            total += len(text)
            if total > MAX_REPO_TEST_BYTES:
                break
            self._repo_tests.append((path, text))
        return self._repo_tests


def _decode(data: Optional[bytes]) -> Optional[str]:
    if data is None or len(data) > MAX_BYTES:
        return None
    return data.decode("utf-8", "surrogateescape")


def _load(change: ChangeSet, ctx: Context) -> List[PyFile]:
    extra = tuple(ctx.settings.get("test_files") or ())
    flags = [str(f) for f in ctx.settings.get("test_env_flags") or ()]
    extra_run = "|".join(re.escape(f) for f in flags)
    out: List[PyFile] = []
    for fc in change.files:
        if fc.is_binary or fc.is_submodule:
            continue
        if not (fc.path.endswith(".py") or (fc.old_path or "").endswith(".py")):
            continue
        if not fc.hunks and fc.status not in ("deleted", "renamed"):
            continue
        is_test = is_test_file(fc.path, change) or is_test_file(fc.old_path or fc.path, change) or \
            _glob(fc.path, extra)
        old = fc.old_text() if fc.status != "added" else None
        new = fc.new_text() if fc.status != "deleted" else None
        if (old and len(old) > MAX_BYTES) or (new and len(new) > MAX_BYTES):
            ctx.warn(f"test-stub: skipped {fc.path}: larger than 1 MB")
            continue
        partial = None
        if fc.hunks and ((old is None and fc.status != "added") or (new is None and fc.status != "deleted")):
            # hunks-only coverage: each side as far as the hunks show it
            partial = python_hunks.sides(fc)
            old = partial[0].text if partial[0] is not None else None
            new = partial[1].text if partial[1] is not None else None
        if old is None and new is None:
            continue
        pf = PyFile(fc, is_test, old, new)
        if partial is not None:
            pf.partial = True
            pf._trees["old"] = partial[0].tree if partial[0] is not None else None
            pf._trees["new"] = partial[1].tree if partial[1] is not None else None
        pf.worth = _worth_parsing(pf, extra_run)
        out.append(pf)
    return out


def _glob(path: str, patterns: Tuple[str, ...]) -> bool:
    from guardrails.model import glob_match
    return bool(patterns) and glob_match(path, patterns)


def _worth_parsing(pf: PyFile, extra_run: str = "") -> bool:
    """A cheap look at the added lines: can anything be found here?"""
    if pf.is_test:
        if pf.removed or pf.path != pf.old_path:
            return True
        text = pf.added_text()
        if _TEST_ADDED.search(text):
            return True
        if pf.old_text is None:
            return False  # a new file: no test in it has an old version
        return bool(_TEST_ADDED_PAIRED.search(text)) or "pytest_" in (pf.new_text or "")
    if not pf.added:
        return False
    pf.triggers = code_triggers(pf.new_lines, pf.added, extra_run, pf.new_text or "")
    return bool(pf.triggers)



# ---------------------------------------------------------------- partial parsing of code files
#
# python_special reads every module-level statement (constants, flags,
# `if TYPE_CHECKING:` blocks) but of the top-level functions and classes only
# those holding a trigger line (python_triggers) or reading a new module-level
# table. A file is cut into top-level blocks at lines that start in column 0;
# the blocks needed are parsed with their own line numbers and put together
# as one module. Whenever the cut might be wrong (a triple-quoted string
# crossing a block boundary, a block that does not parse alone) the whole
# file is parsed instead: the result is never a different reading of the
# file, only a smaller one.

# Below this size the whole file is parsed: cutting it gains nothing.
PARTIAL_MIN_LINES = 300
PARTIAL_MIN_BLOCKS = 4

# A column-0 line that continues the block above: a compound statement's
# next clause, a closing bracket, or what follows a decorator.
_BLOCK_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b|[)\]}]")
_TOP_DEF = re.compile(r"(?:async[ \t]+def|def|class)[ \t]+(\w+)")


class TopBlock:
    __slots__ = ("first", "last", "name")

    def __init__(self, first: int, name: str):
        self.first = first  # 1-based, inclusive
        self.last = first
        self.name = name  # the def/class name; "" for module-level statements


def top_blocks(lines: List[str]) -> List[TopBlock]:
    """The file cut at column-0 lines that start a statement of their own
    (not a comment, a clause such as `else:`, a closing bracket, or the
    definition under a decorator)."""
    out: List[TopBlock] = []
    after_decorator = False
    for no, line in enumerate(lines, 1):
        first = line[:1]
        if not first or first in " \t\f#" or not line.strip():
            continue
        if out and (after_decorator or _BLOCK_CONTINUES.match(line)):
            if out[-1].name == "@":
                m = _TOP_DEF.match(line)
                if m:
                    out[-1].name = m.group(1)
        else:
            if out:
                out[-1].last = no - 1
            m = _TOP_DEF.match(line)
            out.append(TopBlock(no, m.group(1) if m else ("@" if first == "@" else "")))
        after_decorator = first == "@"
    if out:
        out[-1].last = len(lines)
    return out


def _parse_units(lines: List[str], units: List[Tuple[int, int]]) -> Optional[List[ast.stmt]]:
    body: List[ast.stmt] = []
    for first, last in units:
        # Leading newlines keep the line numbers of the file (cheaper than
        # ast.increment_lineno over the tree).
        text = "\n" * (first - 1) + "\n".join(lines[first - 1:last])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        body.extend(tree.body)
    return body


def _merge(ranges: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    out: List[Tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and first == out[-1][1] + 1:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def partial_tree(pf: Any) -> Optional[ast.Module]:
    """The module with only the needed top-level blocks, or None when the
    whole file should be parsed. Sets pf.top_names."""
    lines: List[str] = pf.new_lines
    if pf.new_text is None or len(lines) < PARTIAL_MIN_LINES:
        return None
    bl = top_blocks(lines)
    if len(bl) < PARTIAL_MIN_BLOCKS or any(b.name == "@" for b in bl):
        return None
    text = pf.new_text
    if ('"""' in text or "'''" in text) and any(
            ("\n".join(lines[b.first - 1:b.last]).count('"""') +
             "\n".join(lines[b.first - 1:b.last]).count("'''")) % 2 for b in bl):
        return None  # a triple-quoted string may cross a cut
    trig = pf.triggers
    trigger_lines: Set[int] = set().union(*trig.values()) if trig else set()
    added = pf.added
    module = [(b.first, b.last) for b in bl if not b.name]
    body = _parse_units(lines, _merge(module))
    if body is None:
        return None

    def holds(b: TopBlock, numbers: Set[int]) -> bool:
        return any(n in numbers for n in range(b.first, b.last + 1))

    table_names: List[str] = []
    if trig.get("table"):
        for node in body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
                getattr(node, "target", None) if isinstance(node, ast.AnnAssign) else None
            value = getattr(node, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.Dict) and \
                    any(n in added for n in range(value.lineno, (value.end_lineno or value.lineno) + 1)):
                table_names.append(target.id)
    names_re = re.compile(r"\b(?:" + "|".join(map(re.escape, table_names)) + r")\b") if table_names else None
    wanted: List[Tuple[int, int]] = []
    for b in bl:
        if not b.name:
            continue
        need = holds(b, trigger_lines)
        if not need and (trig.get("table") or trig.get("equal")) and holds(b, added):
            span = "\n".join(lines[b.first - 1:b.last])
            need = bool(trig.get("equal")) or (names_re is not None and bool(names_re.search(span))) or any(
                n in added and INLINE_TABLE.search(lines[n - 1]) for n in range(b.first, b.last + 1))
        if need:
            wanted.append((b.first, b.last))
    rest = _parse_units(lines, _merge(wanted))
    if rest is None:
        return None
    nodes = sorted(body + rest, key=lambda n: n.lineno)
    pf.top_names = {b.name for b in bl if b.name}
    return ast.Module(body=nodes, type_ignores=[])


def check(change: ChangeSet, ctx: Context) -> List[Finding]:
    from guardrails.checks.test_stub import python_compare, python_config, python_special, python_testonly

    focused = python_config.check(change)
    files = _load(change, ctx)
    if not any(pf.worth for pf in files):
        return focused
    session = Session(change, ctx, files)
    found: List[Finding] = list(focused)
    for pf in files:
        if not pf.worth:
            continue
        if pf.is_test:
            found.extend(python_compare.check_test_file(pf, session))
        else:
            found.extend(python_special.check_code_file(pf, session))
    found.extend(python_special.resolve_candidates(session))
    found.extend(python_testonly.check(change, found, files))
    partial = {pf.path for pf in files if pf.partial}
    if partial:
        found = [f for f in found if f.path not in partial] + \
            python_hunks.mark([f for f in found if f.path in partial])
    # Empty facts say nothing to a reader: drop them from the details.
    return [f._replace(details={k: v for k, v in f.details.items() if v not in ("", None, [], ())})
            for f in found]


def details(**kw: Any) -> Dict[str, Any]:
    return {k: v for k, v in kw.items() if v not in (None, "", [], ())}
