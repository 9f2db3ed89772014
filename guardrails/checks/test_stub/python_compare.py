"""Test files, old tree against new tree: deleted or uncollected tests, new
skips, weakened assertions, changed expected values, and test configuration
that forces passes (outcome-rewriting hooks, exit 0, mocking the unit under
test)."""
from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.test_stub import python_ast as pa
from guardrails.checks.test_stub import python_tests as pt
from guardrails.checks.test_stub.testfiles import PytestConfig
from guardrails.model import ESCALATE, INFO, Finding

DELETED = "test-stub/deleted-test"
SKIPPED = "test-stub/skipped-test"
WEAK = "test-stub/weakened-assertion"
EXPECTED = "test-stub/expected-value-changed"
TAMPER = "test-stub/checker-tampering"

_SKIP_MARKS = {"skip", "skipif", "xfail"}
_UNITTEST_SKIPS = {"skip", "skipIf", "skipUnless", "expectedFailure"}
_PATCHERS = {"patch", "object", "setattr", "patch.object", "patch_object"}
_EXPECTED_NAMES = ("expected", "expect", "want", "wanted", "result", "output", "out", "answer", "exp", "res")


def _collected_file(path: str, cfg: PytestConfig) -> bool:
    import fnmatch
    base = posixpath.basename(path)
    return any(fnmatch.fnmatchcase(base, p) for p in cfg.python_files) or base == "tests.py"


def check_test_file(pf: Any, session: Any) -> List[Finding]:
    out: List[Finding] = []
    if pf.new_text is not None and pf.new_tree is None:
        return out  # broken Python: other tools report it
    cfg = session.cfg(pf.path)
    old_cfg = session.cfg(pf.old_path)
    old_tests = pt.collected_tests(pf.old_tree, old_cfg) if _collected_file(pf.old_path, old_cfg) else {}
    new_tests = pt.collected_tests(pf.new_tree, cfg) if (pf.new_tree is not None and
                                                        _collected_file(pf.path, cfg)) else {}
    if old_tests and pf.new_tree is not None and not _collected_file(pf.path, cfg):
        # Renamed to a file name the runner does not collect: every test is gone.
        names = [pt.test_id(pf.old_path, q) for q in old_tests]
        out.append(finding(
            DELETED, pf.path, 0,
            f"{pf.old_path} was renamed to {pf.path}, which the test runner does not collect "
            f"(python_files = {' '.join(cfg.python_files)}): its {len(names)} tests no longer run",
            pf.path, details={"test": names[0], "tests": names[:50], "renamed_to": pf.path}))
        return out
    pairs = _match(pf, old_tests, new_tests, session, out)
    old_helpers = pt.helper_counts(pf.old_tree, pf.old_lines)
    new_helpers = pt.helper_counts(pf.new_tree, pf.new_lines)
    for old_q, new_q in pairs:
        out.extend(_compare_test(pf, old_tests[old_q], new_tests[new_q], new_q, old_helpers, new_helpers, session))
    out.extend(_skips(pf, old_tests, new_tests))
    out.extend(_skips_in_support(pf, new_tests))
    out.extend(_module_marks(pf))
    out.extend(_tampering(pf))
    out.extend(_mock_the_unit(pf, new_tests, old_tests))
    return out


# ---------------------------------------------------------------- deleted tests

def _match(pf: Any, old_tests: Dict[str, pa.Func], new_tests: Dict[str, pa.Func], session: Any,
           out: List[Finding]) -> List[Tuple[str, str]]:
    pairs = [(q, q) for q in old_tests if q in new_tests]
    gone = [q for q in old_tests if q not in new_tests]
    if not gone:
        return pairs
    new_by_body: Dict[str, List[str]] = {}
    for q, fn in new_tests.items():
        if q not in old_tests:
            new_by_body.setdefault(pa.body_dump(fn.node), []).append(q)
    all_new = pa.functions(pf.new_tree)
    uncollected_by_body = {pa.body_dump(fn.node): q for q, fn in all_new.items() if q not in new_tests}
    moved = _moved_elsewhere(pf, session)
    reported_classes: Set[str] = set()
    for q in gone:
        fn = old_tests[q]
        body = pa.body_dump(fn.node)
        if new_by_body.get(body):
            pairs.append((q, new_by_body[body].pop(0)))  # renamed, still collected
            continue
        tid = pt.test_id(pf.old_path, q)
        renamed = uncollected_by_body.get(body)
        if renamed is None and ((fn.node.name, body) in moved or _carried_over(fn.node, moved["*statements*"])):
            continue
        if renamed is None and session.duplicate_elsewhere(fn.node.name, body, {pf.path, pf.old_path}):
            continue  # a duplicate of a test that still runs elsewhere
        if renamed is None and q in all_new:
            renamed = q  # same name, but its class or file is no longer collected
        code = sorted(pt.subjects(fn.node))
        line, evidence = _old_line(pf, fn)
        if renamed is not None:
            out.append(finding(
                DELETED, pf.path, line,
                f"test {tid} was renamed to {renamed} and is no longer collected",
                evidence, side="old",
                details={"test": tid, "renamed_to": renamed, "code_under_test": code}))
            continue
        if fn.cls is not None and fn.cls.name not in {c.rsplit(".", 1)[-1] for c in pa.classes(pf.new_tree)}:
            cls_q = ".".join(c.name for c in fn.classes)
            if cls_q in reported_classes:
                continue
            reported_classes.add(cls_q)
            members = [pt.test_id(pf.old_path, x) for x in old_tests if x.startswith(cls_q + ".")
                       and x not in new_tests]
            cline = fn.classes[-1].lineno
            out.append(finding(
                DELETED, pf.path, cline,
                f"test class {pt.test_id(pf.old_path, cls_q)} was removed with its {len(members)} tests",
                pa.source_line(pf.old_lines, cline), side="old",
                details={"test": members[0] if members else tid, "tests": members, "code_under_test": code}))
            continue
        gone_code = sorted(pt.called_names(fn.node) & _removed_code(session))
        if gone_code:
            out.append(finding(
                DELETED, pf.path, line,
                f"test {tid} was removed together with the code it tested ({', '.join(gone_code)})", evidence,
                side="old", severity=ESCALATE,
                details={"test": tid, "code_under_test": code, "code_removed": gone_code}))
            continue
        out.append(finding(
            DELETED, pf.path, line, f"test {tid} was removed", evidence, side="old",
            details={"test": tid, "code_under_test": code}))
    return pairs


def _old_line(pf: Any, fn: pa.Func) -> Tuple[int, str]:
    """The old line to report a removed test on: its def line when removed,
    else its class line, else the first removed line inside it."""
    node = fn.node
    line = node.lineno
    if line not in pf.removed:
        for cls in reversed(fn.classes):
            if cls.lineno in pf.removed:
                line = cls.lineno
                break
        else:
            inside = [n for n in pa.node_lines(node) if n in pf.removed]
            if inside:
                line = inside[0]
    return line, pa.source_line(pf.old_lines, line)


_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Assert, ast.Expr, ast.Return, ast.Raise)


def _simple_statements(fn: ast.AST) -> List[str]:
    return [pa.dump(n) for n in pa.walk_no_defs(fn) if isinstance(n, _SIMPLE)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]


def _moved_elsewhere(pf: Any, session: Any) -> Dict[Any, Any]:
    """(name, body) -> path of the test functions that other changed test
    files gained, and under "*statements*" the simple statements of every
    function the change's test files gained or edited (this file included)."""
    key = "_moved_index"
    cache = session.__dict__.get(key)
    if cache is None:
        cache = {"*statements*": set()}
        for other in session.files:
            if not other.is_test or other.new_tree is None:
                continue
            old = pa.functions(other.old_tree)
            collected = pt.collected_tests(other.new_tree, session.cfg(other.path)) \
                if _collected_file(other.path, session.cfg(other.path)) else {}
            for q, fn in collected.items():
                b = pa.body_dump(fn.node)
                if q in old and pa.body_dump(old[q].node) == b:
                    continue  # already there before the change
                cache.setdefault(other.path, set()).add((fn.node.name, b))
                cache["*statements*"].update(_simple_statements(fn.node))
        session.__dict__[key] = cache
    out: Dict[Any, Any] = {"*statements*": cache["*statements*"]}
    for path, items in cache.items():
        if path == pf.path or path == "*statements*":
            continue
        for item in items:
            out[item] = path
    return out


def _carried_over(fn: ast.AST, statements: Set[str]) -> bool:
    """Most of a removed test's checks live on in tests the change added or
    edited: it was moved, renamed and edited, or merged, not dropped."""
    asserts = [pa.dump(a.node) for a in pt.assertions(fn, [])
               if isinstance(a.node, ast.stmt)]
    pool = asserts or _simple_statements(fn)
    if not pool:
        return False
    kept = sum(1 for x in pool if x in statements)
    return kept * 10 >= len(pool) * 6


def _removed_code(session: Any) -> Set[str]:
    """Names of non-test functions this change deleted."""
    key = "_removed_code"
    cache = session.__dict__.get(key)
    if cache is None:
        cache = set()
        for other in session.files:
            if other.is_test or other.old_tree is None:
                continue
            new = {fn.node.name for fn in pa.functions(other.new_tree).values()}
            cache |= {fn.node.name for fn in pa.functions(other.old_tree).values()} - new
        session.__dict__[key] = cache
    return cache


# ---------------------------------------------------------------- one test, old against new

def _compare_test(pf: Any, old: pa.Func, new: pa.Func, qual: str, old_helpers: Any,
                  new_helpers: Any, session: Any) -> List[Finding]:
    if not pf.touches_old(old.node) and not pf.touches_new(new.node):
        return []  # no line of it changed
    old_src, new_src = pa.text_of(pf.old_lines, old.node), pa.text_of(pf.new_lines, new.node)
    if old_src.split() == new_src.split():
        return []  # only re-indented or moved
    out: List[Finding] = []
    tid = pt.test_id(pf.path, qual)
    memo = session.__dict__.setdefault("_assert_memo", {})
    olds = pt.assertions(old.node, pf.old_lines, memo)
    news = pt.assertions(new.node, pf.new_lines, memo)
    old_count = Counter(a.key for a in olds)
    new_count = Counter(a.key for a in news)
    removed = [a for a in olds if _take(old_count, new_count, a)]
    new_count2 = Counter(a.key for a in olds)
    added = [a for a in news if _take(new_count2, Counter(), a, reverse=True)]
    if removed and added:
        # Reformatted, not changed (quotes, wrapping): the same tree.
        trees = Counter(pa.dump(a.node) for a in removed)
        kept = []
        for a in added:
            d = pa.dump(a.node)
            if trees[d] > 0:
                trees[d] -= 1
                continue
            kept.append(a)
        dropped = Counter(pa.dump(a.node) for a in added)
        removed2 = []
        for was in removed:
            d = pa.dump(was.node)
            if dropped[d] > 0:
                dropped[d] -= 1
                continue
            removed2.append(was)
        removed, added = removed2, kept
    paired_old: Set[int] = set()
    weakened = False
    changed_funcs = None
    for a in added:
        if a.line not in pf.added:
            continue
        match = _weaker(a, removed, paired_old)
        if match is not None:
            o, why = match
            paired_old.add(id(o))
            weakened = True
            out.append(finding(
                WEAK, pf.path, a.line, f"{tid}: {why}: `{o.text}` became `{a.text}`", a.text,
                details={"test": tid, "old": o.text, "new": a.text, "how": why,
                         "code_under_test": sorted(pt.subjects(new.node))}))
            continue
        shape = pt.masked_text(a.key)
        same = next((o for o in removed if id(o) not in paired_old and pt.masked_text(o.key) == shape), None)
        if same is None:
            continue
        paired_old.add(id(same))
        looser = _looser_tolerance(same.node, a.node)
        if looser:
            weakened = True
            out.append(finding(
                WEAK, pf.path, a.line, f"{tid}: tolerance widened ({looser}): `{same.text}` became `{a.text}`",
                a.text, details={"test": tid, "old": same.text, "new": a.text, "how": "tolerance widened",
                                 "tolerance": looser, "code_under_test": sorted(pt.subjects(new.node))}))
            continue
        if a.expected is not None and same.expected is not None and a.kind == pt.EXACT:
            if changed_funcs is None:
                changed_funcs = session.changed_functions()
            f = _changed_subject(new.node, a, changed_funcs)
            ol, nl = pa.literal(same.expected), pa.literal(a.expected)
            if f and ol is not None and nl is not None and ol.key != nl.key:
                out.append(_expected_finding(pf, tid, a.line, a.text, f, ol.text, nl.text))
            elif not f and _rewritten(same, a).startswith("what it checks and the expected") and \
                    not (_parametrized_names(new.node) & {x.id for x in ast.walk(a.node) if isinstance(x, ast.Name)}):
                # the input and the expected value rewritten together, the code it calls untouched
                weakened = True
                out.append(finding(
                    WEAK, pf.path, a.line,
                    f"{tid}: `{same.text}` became `{a.text}`: what it checks and the expected value were both "
                    "rewritten, and the change edits no function the assertion names", a.text, severity=ESCALATE,
                    details={"test": tid, "old": same.text, "new": a.text,
                             "how": "what it checks and the expected value were both rewritten",
                             "code_under_test": sorted(pt.subjects(new.node))}))
    swaps = _swapped_subjects(pf, old.node, new.node, olds, news, removed, added, paired_old, tid, session)
    if swaps:
        out.extend(swaps)
        weakened = True
    # Assertions wrapped so that their failure is swallowed.
    for extra in (_wrapped(pf, old.node, new.node, tid) if _WRAP_HINT.search(new_src) else [],
                  _discarded(pf, old.node, new.node, tid) if _BARE_CMP.search(new_src) else []):
        if extra:
            code = sorted(pt.subjects(old.node))
            out.extend(f._replace(details=dict(f.details, code_under_test=code)) for f in extra)
            weakened = True
    if out and weakened:
        return out + _param_changes(pf, old, new, tid, session)
    # Fewer assertions, counting those of helpers the test calls.
    # A parametrized test runs its assertions once per row.
    unpaired = [o for o in removed if id(o) not in paired_old]
    eff_old = eff_new = 0
    if unpaired:
        eff_old = pt.effective_count(old.node, pf.old_lines, old_helpers, memo=memo) * _runs(old.node, pf.old_tree)
        eff_new = pt.effective_count(new.node, pf.new_lines, new_helpers, memo=memo) * _runs(new.node, pf.new_tree)
    if eff_new < eff_old:
        still = {a.key for a in news}
        # A removed duplicate of an assertion the test still makes is no loss.
        gone = [o for o in removed if id(o) not in paired_old and o.line in pf.removed
                and o.key not in still]
        if gone:
            o = gone[0]
            out.append(finding(
                WEAK, pf.path, o.line,
                f"{tid}: assertions removed ({eff_old} -> {eff_new}), e.g. `{o.text}`", o.text, side="old",
                details={"test": tid, "old": o.text, "how": "fewer assertions", "before": eff_old,
                         "after": eff_new, "removed": [x.text for x in gone[:10]],
                         "code_under_test": sorted(pt.subjects(old.node))}))
    if old.node.decorator_list or new.node.decorator_list:
        out.extend(_param_changes(pf, old, new, tid, session))
    if _EXPECT_ASSIGN.search(new_src):
        out.extend(_expected_vars(pf, old.node, new.node, tid, session))
    return out


def _runs(fn: ast.AST, tree: Optional[ast.Module]) -> int:
    n = 1
    for table in pt.parametrize_tables(fn, pt.module_constants(tree)):
        n *= max(1, len(table.rows))
    return n


def _discarded(pf: Any, old: ast.AST, new: ast.AST, tid: str) -> List[Finding]:
    """`x == expected` written as a statement: a comparison that asserts nothing."""
    before = {pa.dump(n) for n in pa.walk_no_defs(old) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Compare)}
    out = []
    for n in pa.walk_no_defs(new):
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Compare) and n.lineno in pf.added \
                and pa.dump(n) not in before:
            text = pa.source_line(pf.new_lines, n.lineno)
            out.append(finding(
                WEAK, pf.path, n.lineno, f"{tid}: `{text}` compares and discards the result: it asserts nothing",
                text, details={"test": tid, "new": text, "how": "comparison without assert"}))
    return out


_EXPECT_ASSIGN = re.compile(r"^\s*(?:" + "|".join(_EXPECTED_NAMES) + r")\w*\s*=[^=]", re.M | re.I)
_PATCH_HINT = re.compile(r"patch|setattr|Mock")
_WRAP_HINT = re.compile(r"\btry\b|suppress")
_BARE_CMP = re.compile(r"^[ \t]*(?![ \t])(?!assert\b|return\b|if\b|elif\b|while\b|for\b|with\b|yield\b|"
                       r"[\w.\[\]'\"]+\s*[-+*/]?=[^=])[^#\n]*(?:==|!=)", re.M)


def _take(a: Counter, b: Counter, item: pt.Assertion, reverse: bool = False) -> bool:
    """Multiset difference helper: True when ITEM is not matched on the other side."""
    d = item.key
    if reverse:
        if a[d] > 0:
            a[d] -= 1
            return False
        return True
    if b[d] > 0:
        b[d] -= 1
        return False
    return True


# How much a mock's call assertion pins down, most first.
_MOCK_RANK = {"assert_called_once_with": 4, "assert_awaited_once_with": 4, "assert_called_with": 3,
              "assert_has_calls": 3, "assert_awaited_with": 3, "assert_has_awaits": 3, "assert_called_once": 2,
              "assert_any_call": 2, "assert_awaited_once": 2, "assert_any_await": 2, "assert_called": 1,
              "assert_awaited": 1}


def _call_check(a: pt.Assertion) -> str:
    """The mock an assertion checks the calls of ("" when none): a mock
    assertion method, or `call_count` / `called` compared."""
    if a.kind == pt.MOCK:
        return a.subject
    for suffix in (".call_count", ".await_count", ".called", ".call_args", ".call_args_list"):
        if a.subject.endswith(suffix):
            return a.subject[:-len(suffix)]
    return ""


def _swapped_subjects(pf: Any, old: ast.AST, new: ast.AST, olds: List[pt.Assertion], news: List[pt.Assertion],
                      removed: List[pt.Assertion], added: List[pt.Assertion], paired: Set[int],
                      tid: str, session: Any = None) -> List[Finding]:
    """Assertions rewritten to check something else: a repeat of another
    assertion, a value the test computes itself instead of the code under
    test, a mock's calls no longer checked (or checked more loosely)."""
    out: List[Finding] = []
    # an assertion spread over lines counts as changed when any of its lines is
    gone = [o for o in removed if id(o) not in paired and pf.touches_old(o.node)]
    fresh = [a for a in added if pf.touches_new(a.node)]
    if not gone:
        return out
    new_src = " ".join(pa.text_of(pf.new_lines, new).split())
    new_keys = Counter(a.key for a in news)
    old_keys = Counter(a.key for a in olds)
    code = sorted(pt.subjects(old))
    still_called = pt.called_names(new)
    used: Set[int] = set()
    changed: Optional[Dict[str, str]] = None

    def add(a: Optional[pt.Assertion], o: pt.Assertion, how: str, msg: str, **sev: Any) -> None:
        paired.add(id(o))
        if a is not None:
            used.add(id(a))
        line, side = (a.line, "new") if a is not None else (o.line, "old")
        # the first changed line of an assertion spread over lines
        numbers, lines = (pf.added, pf.new_lines) if a is not None else (pf.removed, pf.old_lines)
        line = next((n for n in pa.node_lines(a.node if a is not None else o.node) if n in numbers), line)
        text = pa.source_line(lines, line)
        out.append(finding(WEAK, pf.path, line, f"{tid}: {msg}", text, side=side,
                           details={"test": tid, "old": o.text, "new": a.text if a else "", "how": how,
                                    "code_under_test": code}, **sev))

    for o in gone:
        mock = _call_check(o)
        if mock:
            same = [a for a in news if _call_check(a) == mock]
            if not same:
                add(None, o, "call check dropped",
                    f"the check of {mock}'s calls was dropped: `{o.text}`")
                continue
            method = pa.callee(o.node.value) if isinstance(o.node, ast.Expr) and \
                isinstance(getattr(o.node, "value", None), ast.Call) else ""
            rank = _MOCK_RANK.get(method, 0)
            looser = [a for a in same if id(a) not in used and a.line in pf.added and isinstance(a.node, ast.Expr)
                      and isinstance(getattr(a.node, "value", None), ast.Call)
                      and 0 < _MOCK_RANK.get(pa.callee(a.node.value), 0) < rank]
            if looser and not any(_MOCK_RANK.get(pa.callee(a.node.value), 0) >= rank for a in same
                                  if isinstance(a.node, ast.Expr) and isinstance(getattr(a.node, "value", None),
                                                                                ast.Call)):
                add(looser[0], o, "mock check weakened",
                    f"mock check weakened: `{o.text}` became `{looser[0].text}`")
            continue
        a = next((x for x in fresh if id(x) not in used and id(x) not in paired and x.kind == o.kind
                  and x.subject != o.subject), None)
        if a is None or not o.subject:
            continue
        if new_keys[a.key] > 1 and new_keys[a.key] > old_keys[a.key]:
            add(a, o, "replaced by a repeat",
                f"`{o.text}` was replaced by `{a.text}`, a repeat of a check the test already makes")
            continue
        old_calls = pt.subjects(old)
        if old_calls and not (old_calls & still_called):
            add(a, o, "code under test no longer called",
                f"`{o.text}` became `{a.text}`: the test no longer calls {', '.join(sorted(old_calls))}")
            continue
        rewrite = _rewritten(o, a)
        if rewrite and not (_parametrized_names(new) & {x.id for x in ast.walk(a.node) if isinstance(x, ast.Name)}):
            if changed is None:
                changed = session.changed_functions() if session is not None else {}
            calls = {pa.callee(c) for c in ast.walk(o.node) if isinstance(c, ast.Call)} | \
                {pa.callee(c) for c in ast.walk(a.node) if isinstance(c, ast.Call)}
            touched = sorted(changed[n] for n in calls if n in changed)
            tail = f" in the change that also changed {touched[0]}" if touched else \
                ", and the change edits no function the assertion names"
            was = " ".join(pa.segment(pf.old_lines, o.node).split())
            now = " ".join(pa.segment(pf.new_lines, a.node).split())
            add(a, o, rewrite, f"`{_short(was)}` became `{_short(now)}`: {rewrite}{tail}", severity=ESCALATE)
            continue
        if " ".join(o.subject.split()) in new_src:
            add(a, o, "subject changed",
                f"`{o.text}` now checks {a.subject} instead of {o.subject} (still computed, no longer checked)",
                severity=ESCALATE)
    return out


def _parametrized_names(fn: ast.AST) -> Set[str]:
    """The argument names a test's parametrize decorators declare: an
    assertion rewritten to read them moved its cases into a table."""
    names: Set[str] = set()
    for deco in getattr(fn, "decorator_list", ()):
        if isinstance(deco, ast.Call) and pa.callee(deco).endswith("parametrize") and deco.args:
            first = deco.args[0]
            items = first.elts if isinstance(first, (ast.List, ast.Tuple)) else [first]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    names |= {n.strip() for n in item.value.split(",") if n.strip()}
    return names


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _rewritten(o: pt.Assertion, a: pt.Assertion) -> str:
    """How an existing assertion was rewritten to check something else: its
    input and its expected value both changed, or what it checks was
    narrowed by a call or a subscript added onto the old subject."""
    old_subject, new_subject = " ".join(o.subject.split()), " ".join(a.subject.split())
    if not old_subject or not new_subject or old_subject == new_subject:
        return ""
    if o.expected is not None and a.expected is not None and pa.dump(o.expected) != pa.dump(a.expected):
        return "what it checks and the expected value were both rewritten"
    if new_subject.startswith(old_subject) and new_subject[len(old_subject):][:1] in (".", "["):
        return "what it checks was narrowed (a call or subscript added onto the old subject)"
    return ""


def _broad_raises(node: ast.AST) -> bool:
    if isinstance(node, ast.Tuple):
        return any(_broad_raises(e) for e in node.elts)
    return pa.dotted(node) in ("Exception", "BaseException", "builtins.Exception")


def _weaker(a: pt.Assertion, removed: List[pt.Assertion], paired: Set[int]) -> Optional[Tuple[pt.Assertion, str]]:
    for o in removed:
        if id(o) in paired:
            continue
        if o.kind == pt.RAISES and a.kind == pt.RAISES and o.expected is not None and a.expected is not None:
            if _broad_raises(a.expected) and not _broad_raises(o.expected):
                return o, f"expected exception broadened to {ast.unparse(a.expected)}"
            if pa.dump(a.expected) == pa.dump(o.expected) and pt.checks_message(o.node) and \
                    not pt.checks_message(a.node):
                return o, "the check of the exception's message was dropped"
            continue
        so, sa = pt.STRENGTH.get(o.kind, 3), pt.STRENGTH.get(a.kind, 3)
        if a.kind == pt.TRIVIAL and so > 0:
            return o, "assertion replaced by one that always passes"
        if sa < so and a.subject and (a.subject == o.subject or (
                o.subject.startswith(a.subject) and o.subject[len(a.subject):len(a.subject) + 1] in ("[", ".", "("))):
            return o, f"{o.kind} check weakened to a {a.kind} check"
    return None


_TOL = {  # keyword -> (default, larger is looser)
    "rel": (1e-6, True), "abs": (1e-12, True), "rel_tol": (1e-9, True), "abs_tol": (0.0, True),
    "rtol": (1e-7, True), "atol": (0.0, True), "delta": (0.0, True), "places": (7, False),
    "decimal": (6, False), "msg": None,
}


def _tolerances(node: ast.AST) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        name = pa.callee(call)
        for k in call.keywords:
            if k.arg in _TOL and _TOL[k.arg] is not None:
                lit = pa.literal(k.value)
                if lit is not None and isinstance(lit.key, tuple) and lit.key[0] == "num":
                    out[f"{name}.{k.arg}"] = float(lit.key[1])
        if name in ("assertAlmostEqual", "assertNotAlmostEqual") and len(call.args) >= 3:
            lit = pa.literal(call.args[2])
            if lit is not None and lit.key[0] == "num":
                out[f"{name}.places"] = float(lit.key[1])
    return out


def _looser_tolerance(old: ast.AST, new: ast.AST) -> str:
    to, tn = _tolerances(old), _tolerances(new)
    for key in set(to) | set(tn):
        kw = key.rsplit(".", 1)[1]
        spec = _TOL.get(kw)
        if not spec:
            continue
        default, larger_looser = spec
        a, b = to.get(key, default), tn.get(key, default)
        if (larger_looser and b > a) or (not larger_looser and b < a):
            return f"{kw} {a:g} -> {b:g}"
    return ""


def _changed_subject(fn: ast.AST, a: pt.Assertion, changed: Dict[str, str]) -> str:
    names = {pa.callee(c) for c in ast.walk(a.node) if isinstance(c, ast.Call)}
    env = {}
    for n in pa.walk_no_defs(fn):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                and isinstance(n.value, ast.Call):
            env[n.targets[0].id] = pa.callee(n.value)
    for n in ast.walk(a.node):
        if isinstance(n, ast.Name) and n.id in env:
            names.add(env[n.id])
    for name in sorted(names):
        if name in changed:
            return changed[name]
    return ""


def _expected_finding(pf: Any, tid: str, line: int, text: str, func: str, old: str, new: str) -> Finding:
    return finding(
        EXPECTED, pf.path, line,
        f"{tid}: expected value changed from {old} to {new} in the change that also changed {func}",
        text, details={"test": tid, "function": func, "old": old, "new": new})


def _param_changes(pf: Any, old: pa.Func, new: pa.Func, tid: str, session: Any) -> List[Finding]:
    out: List[Finding] = []
    old_consts = pt.module_constants(pf.old_tree)
    new_consts = pt.module_constants(pf.new_tree)
    olds = {tuple(t.names): t for t in pt.parametrize_tables(old.node, old_consts)}
    subjects = None
    for table in pt.parametrize_tables(new.node, new_consts):
        before = olds.get(tuple(table.names))
        if before is None or len(before.rows) != len(table.rows):
            continue
        exp_idx = {i for i, n in enumerate(table.names) if n.lower().startswith(_EXPECTED_NAMES)}
        if not exp_idx and len(table.names) > 1:
            exp_idx = {len(table.names) - 1}
        for (orow, ovals), (nrow, nvals) in zip(before.rows, table.rows):
            if pa.dump(orow) == pa.dump(nrow) or nrow.lineno not in pf.added:
                continue
            diff = {i for i, (a, b) in enumerate(zip(ovals, nvals)) if pa.dump(a) != pa.dump(b)}
            if not diff or not diff <= exp_idx:
                continue
            if subjects is None:
                changed = session.changed_functions()
                subjects = [changed[n] for n in sorted(pt.subjects(new.node)) if n in changed]
            if not subjects:
                return out
            i = sorted(diff)[0]
            line = getattr(nvals[i], "lineno", nrow.lineno)
            if line not in pf.added:
                line = nrow.lineno
            out.append(_expected_finding(pf, tid, line, pa.source_line(pf.new_lines, line), subjects[0],
                                         ast.unparse(ovals[i]), ast.unparse(nvals[i])))
    return out


def _expected_vars(pf: Any, old: ast.AST, new: ast.AST, tid: str, session: Any) -> List[Finding]:
    """`expected = 21` -> `expected = 20` inside a test."""
    def assigns(fn: ast.AST) -> Dict[str, ast.Assign]:
        return {n.targets[0].id: n for n in pa.walk_no_defs(fn)
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id.lower().startswith(_EXPECTED_NAMES) and pa.literal(n.value) is not None}
    before, after = assigns(old), assigns(new)
    out: List[Finding] = []
    for name, node in after.items():
        prev = before.get(name)
        if prev is None or node.lineno not in pf.added:
            continue
        ol, nl = pa.literal(prev.value), pa.literal(node.value)
        if ol is None or nl is None or ol.key == nl.key:
            continue
        changed = session.changed_functions()
        funcs = [changed[n] for n in sorted(pt.subjects(new)) if n in changed]
        if funcs:
            out.append(_expected_finding(pf, tid, node.lineno, pa.source_line(pf.new_lines, node.lineno),
                                         funcs[0], ol.text, nl.text))
    return out


def _swallows(handler: ast.ExceptHandler) -> bool:
    t = handler.type
    names = [pa.dotted(e) for e in (t.elts if isinstance(t, ast.Tuple) else [t])] if t is not None else [""]
    if not any(n in ("", "AssertionError", "Exception", "BaseException") for n in names):
        return False
    for n in ast.walk(handler):
        if isinstance(n, ast.Raise) or (isinstance(n, ast.Call) and pa.callee(n) in ("fail", "fail_json")):
            return False
    return True


def _wrapped(pf: Any, old: ast.AST, new: ast.AST, tid: str) -> List[Finding]:
    def guarded(fn: ast.AST) -> List[Tuple[ast.stmt, str]]:
        found: List[Tuple[ast.stmt, str]] = []
        for n in pa.walk_no_defs(fn):
            if isinstance(n, ast.Try) and any(_swallows(h) for h in n.handlers):
                if any(isinstance(x, ast.Assert) or (isinstance(x, ast.Call) and pa.callee(x).startswith("assert"))
                       for s in n.body for x in ast.walk(s)):
                    found.append((n, "try/except"))
            if isinstance(n, (ast.With, ast.AsyncWith)):
                for item in n.items:
                    c = item.context_expr
                    if isinstance(c, ast.Call) and pa.callee(c) == "suppress" and any(
                            pa.dotted(a) in ("AssertionError", "Exception", "BaseException") for a in c.args):
                        found.append((n, "contextlib.suppress"))
        return found
    before = {pt.masked(n) for n, _ in guarded(old)}
    out = []
    for n, how in guarded(new):
        if n.lineno in pf.added and pt.masked(n) not in before:
            out.append(finding(
                WEAK, pf.path, n.lineno, f"{tid}: assertions wrapped in {how} that swallows their failure",
                pa.source_line(pf.new_lines, n.lineno),
                details={"test": tid, "how": f"wrapped in {how}"}))
    return out


# ---------------------------------------------------------------- skips

def _skip_info(deco: ast.AST) -> Optional[Tuple[str, bool, str, str]]:
    """(kind, conditional-with-reason, condition, reason) of a skip decorator."""
    call = deco if isinstance(deco, ast.Call) else None
    target = call.func if call else deco
    name = pa.dotted(target)
    last = name.rsplit(".", 1)[-1]
    is_pytest = ".mark." in f".{name}" or name.startswith("mark.")
    is_unittest = name.startswith("unittest.") or (last in _UNITTEST_SKIPS and not is_pytest)
    if not ((is_pytest and last in _SKIP_MARKS) or (is_unittest and last in _UNITTEST_SKIPS)):
        return None
    args = call.args if call else []
    kw = {k.arg: k.value for k in call.keywords} if call else {}
    reason_node = kw.get("reason")
    cond_node: Optional[ast.AST] = kw.get("condition")
    if last in ("skipif", "xfail") and args:
        cond_node = args[0]
        if reason_node is None and len(args) > 1:
            reason_node = args[1]
    if last in ("skipIf", "skipUnless"):
        cond_node = args[0] if args else None
        reason_node = args[1] if len(args) > 1 else reason_node
    if last == "skip" and args:
        reason_node = args[0]
    reason = _text_of(reason_node)
    cond = ast.unparse(cond_node) if cond_node is not None else ""
    real_cond = cond_node is not None and not isinstance(cond_node, ast.Constant)
    if isinstance(cond_node, ast.Constant) and isinstance(cond_node.value, str):
        real_cond = True  # pytest's string conditions: "sys.platform == 'win32'"
    ok = bool(real_cond and reason)
    if last == "xfail" and not ok:
        strict = kw.get("strict")
        ok = isinstance(strict, ast.Constant) and strict.value is True and bool(reason)
    return last, ok, cond, reason


def _text_of(node: Optional[ast.AST]) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    return ast.unparse(node)


def _skips(pf: Any, old_tests: Dict[str, pa.Func], new_tests: Dict[str, pa.Func]) -> List[Finding]:
    out: List[Finding] = []
    old_all = pa.functions(pf.old_tree)
    old_classes = pa.classes(pf.old_tree)
    seen_classes: Set[str] = set()
    for q, fn in new_tests.items():
        touched = pf.touches_new(fn.node)
        decos = [d.lineno for c in fn.classes for d in c.decorator_list]
        if not touched and not any(n in pf.added for n in decos):
            continue
        tid = pt.test_id(pf.path, q)
        code = sorted(pt.subjects(fn.node))
        before = old_all.get(q)
        if touched:
            had = {pa.dump(d) for d in before.node.decorator_list} if before else set()
            for deco in fn.node.decorator_list:
                out.extend(_skip_finding(pf, deco, had, tid, code))
        # Classes the test belongs to.
        for i, cls in enumerate(fn.classes):
            cq = ".".join(c.name for c in fn.classes[:i + 1])
            if cq in seen_classes:
                continue
            seen_classes.add(cq)
            if not any(d.lineno in pf.added for d in cls.decorator_list):
                continue
            prev = old_classes.get(cq)
            chad = {pa.dump(d) for d in prev.decorator_list} if prev else set()
            for deco in cls.decorator_list:
                out.extend(_skip_finding(pf, deco, chad, pt.test_id(pf.path, cq), code))
        # Skips called inside the test.
        if touched:
            out.extend(_skip_calls(pf, fn.node, before, tid, code))
    return out


def _skips_in_support(pf: Any, new_tests: Dict[str, pa.Func]) -> List[Finding]:
    """Skip calls added to fixtures, setUp methods and helpers: they skip
    every test that uses them."""
    out: List[Finding] = []
    old_all = pa.functions(pf.old_tree)
    for q, fn in pa.functions(pf.new_tree).items():
        if q in new_tests or not pf.touches_new(fn.node):
            continue
        users = "the tests that use it"
        if fn.cls is not None and any(t.startswith(".".join(c.name for c in fn.classes) + ".") for t in new_tests):
            users = f"every test of {'.'.join(c.name for c in fn.classes)}"
        out.extend(f._replace(message=f.message.replace(" now skips itself", f" now skips {users}"))
                   for f in _skip_calls(pf, fn.node, old_all.get(q), pt.test_id(pf.path, q), []))
    return out


def _skip_finding(pf: Any, deco: ast.expr, had: Set[str], tid: str, code: List[str]) -> List[Finding]:
    if pa.dump(deco) in had or deco.lineno not in pf.added:
        return []
    info = _skip_info(deco)
    if info is None:
        return []
    kind, ok, cond, reason = info
    text = pa.source_line(pf.new_lines, deco.lineno)
    what = "expected to fail" if kind in ("xfail", "expectedFailure") else "skipped"
    msg = f"{tid} is now {what}" + (f" when {cond}" if cond else "") + (f" ({reason})" if reason else
                                                                        ", with no reason given")
    return [finding(SKIPPED, pf.path, deco.lineno, msg, text, severity=INFO if ok else None,
                    details={"test": tid, "mark": kind, "condition": cond, "reason": reason,
                             "code_under_test": code})]


def _skip_calls(pf: Any, fn: ast.AST, before: Optional[pa.Func], tid: str, code: List[str]) -> List[Finding]:
    out = []
    cache: List[Set[str]] = []

    def old_calls() -> Set[str]:
        if not cache:
            cache.append({pa.dump(c) for c in pa.walk_no_defs(before.node)
                          if isinstance(c, (ast.Call, ast.Raise))} if before is not None else set())
        return cache[0]

    def visit(body: List[ast.stmt], conditional: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                visit(stmt.body, True)
                visit(stmt.orelse, True)
                continue
            if isinstance(stmt, (ast.For, ast.While, ast.With, ast.AsyncWith, ast.AsyncFor)):
                visit(stmt.body, conditional)
                continue
            if isinstance(stmt, ast.Try):
                visit(stmt.body, conditional)
                for h in stmt.handlers:
                    visit(h.body, True)
                continue
            node: Optional[ast.AST] = None
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                name = pa.dotted(stmt.value.func)
                if name in ("pytest.skip", "pytest.xfail", "self.skipTest", "skip", "xfail") or \
                        name.endswith(".skipTest"):
                    node = stmt.value
            elif isinstance(stmt, ast.Raise) and stmt.exc is not None and \
                    pa.dotted(stmt.exc).rsplit(".", 1)[-1] in ("SkipTest", "Skipped"):
                node = stmt
            if node is None or stmt.lineno not in pf.added or pa.dump(node) in old_calls():
                continue
            args = node.args if isinstance(node, ast.Call) else []
            reason = _text_of(args[0]) if args else ""
            if isinstance(node, ast.Call):
                reason = reason or _text_of(next((k.value for k in node.keywords if k.arg in ("reason", "msg")), None))
            ok = conditional and bool(reason)
            out.append(finding(
                SKIPPED, pf.path, stmt.lineno,
                f"{tid} now skips itself" + (" on a condition" if conditional else "") +
                (f" ({reason})" if reason else ""),
                pa.source_line(pf.new_lines, stmt.lineno), severity=INFO if ok else None,
                details={"test": tid, "mark": "call", "conditional": conditional, "reason": reason,
                         "code_under_test": code}))

    visit(getattr(fn, "body", []), False)
    return out


def _module_marks(pf: Any) -> List[Finding]:
    """`pytestmark = pytest.mark.skip(...)` and `__test__ = False` at module level."""
    out: List[Finding] = []
    tree = pf.new_tree
    if tree is None:
        return out
    old = {pa.dump(n) for n in (pf.old_tree.body if pf.old_tree else [])}
    nodes: List[Tuple[ast.stmt, str]] = [(n, "") for n in tree.body]
    for c in tree.body:
        if isinstance(c, ast.ClassDef):
            nodes += [(n, c.name) for n in c.body]
    for node, owner in nodes:
        if not isinstance(node, ast.Assign) or node.lineno not in pf.added or pa.dump(node) in old:
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        where = pt.test_id(pf.path, owner) if owner else pf.path
        if "__test__" in names and isinstance(node.value, ast.Constant) and not node.value.value:
            out.append(finding(
                DELETED, pf.path, node.lineno, f"`__test__ = False` stops pytest collecting {where}",
                pa.source_line(pf.new_lines, node.lineno), details={"test": where, "how": "__test__ = False"}))
        if "pytestmark" in names:
            marks = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            for m in marks:
                info = _skip_info(m)
                if info is None:
                    continue
                kind, ok, cond, reason = info
                out.append(finding(
                    SKIPPED, pf.path, node.lineno,
                    f"every test in {where} is now {'skipped' if kind != 'xfail' else 'expected to fail'}"
                    + (f" when {cond}" if cond else "") + (f" ({reason})" if reason else ""),
                    pa.source_line(pf.new_lines, node.lineno), severity=INFO if ok else None,
                    details={"test": where, "mark": kind, "condition": cond, "reason": reason}))
    return out


# ---------------------------------------------------------------- tampering

_EXITS = {"sys.exit", "os._exit", "exit", "quit", "_exit", "os.abort"}
_HOOKS_OUTCOME = {"pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_report_teststatus",
                  "pytest_runtest_protocol", "pytest_runtest_call", "pytest_pyfunc_call",
                  "pytest_sessionfinish", "pytest_collection_modifyitems", "pytest_terminal_summary",
                  "pytest_unconfigure", "pytest_runtestloop"}


def _marker_skips(pf: Any, fn: pa.Func) -> List[Finding]:
    """`item.add_marker(pytest.mark.skip(...))` in a collection hook: it
    skips every test it touches."""
    out: List[Finding] = []
    marks: Dict[str, ast.AST] = {}
    for n in pa.walk_no_defs(fn.node):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            marks[n.targets[0].id] = n.value

    def visit(body: List[ast.stmt], conditional: bool, by_name: str = "") -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                named = by_name or _names_tests(stmt.test)
                visit(stmt.body, True, named)
                visit(stmt.orelse, True, named)
                continue
            if isinstance(stmt, (ast.For, ast.While, ast.With, ast.Try)):
                visit(stmt.body, conditional, by_name)
                continue
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
                continue
            call = stmt.value
            if pa.callee(call) != "add_marker" or not call.args or stmt.lineno not in pf.added:
                continue
            mark: ast.AST = call.args[0]
            if isinstance(mark, ast.Name) and mark.id in marks:
                mark = marks[mark.id]
            info = _skip_info(mark)
            if info is None:
                continue
            kind, ok, cond, reason = info
            if by_name:
                out.append(finding(
                    TAMPER, pf.path, stmt.lineno,
                    f"{fn.node.name} marks the tests it picks by name ({by_name}) {kind}: the run no longer "
                    "checks them, and the collection hook hides it from the test files",
                    pa.source_line(pf.new_lines, stmt.lineno),
                    details={"file": pf.path, "trick": "tests skipped by name in a hook", "hook": fn.node.name,
                             "mark": kind, "reason": reason}))
                continue
            ok = ok or (conditional and bool(reason))
            out.append(finding(
                SKIPPED, pf.path, stmt.lineno,
                f"{fn.node.name} marks collected tests {kind}" + (" on a condition" if conditional else "")
                + (f" ({reason})" if reason else ", with no reason given"),
                pa.source_line(pf.new_lines, stmt.lineno), severity=INFO if ok else None,
                details={"test": pf.path, "mark": kind, "conditional": conditional, "reason": reason,
                         "hook": fn.node.name}))

    visit(fn.node.body, False)
    return out


# What names a collected test: its name, id, file or keywords.
_ITEM_NAMES = {"name", "nodeid", "originalname", "fspath", "path", "location", "function", "cls", "module"}


def _names_tests(test: ast.AST) -> str:
    """The condition picks tests by name (`"test_x" in item.nodeid`,
    `item.name in {...}`, `item.name.startswith("test_y")`): its source."""
    attrs = {n.attr for n in ast.walk(test) if isinstance(n, ast.Attribute)}
    strings = [n.value for n in ast.walk(test) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    if "getoption" in attrs or "option" in attrs or "keywords" in attrs:
        return ""  # a marker or a command-line option decides (`--runslow`), not a list of tests
    if attrs & _ITEM_NAMES and any("test" in s.lower() or "::" in s for s in strings):
        return ast.unparse(test)[:120]
    return ""


def _zero_exit(call: ast.Call) -> bool:
    if pa.dotted(call.func) not in _EXITS:
        return False
    if not call.args:
        return True
    lit = pa.literal(call.args[0])
    return lit is not None and lit.key in (("num", 0.0), ("none",), ("bool", False))


def _tampering(pf: Any) -> List[Finding]:
    out: List[Finding] = []
    tree = pf.new_tree
    if tree is None:
        return out
    base = posixpath.basename(pf.path)
    is_conftest = base == "conftest.py"

    def add(node: ast.AST, msg: str, trick: str) -> None:
        line = getattr(node, "lineno", 0)
        if line in pf.added:
            out.append(finding(TAMPER, pf.path, line, msg, pa.source_line(pf.new_lines, line),
                               details={"file": pf.path, "trick": trick}))

    # exit(0) at import time (module level, outside functions, classes and
    # the `if __name__ == "__main__":` block).
    for node in pa.import_time_nodes(tree):
        if isinstance(node, ast.Call) and _zero_exit(node):
            add(node, f"{pf.path} exits with status 0 when the test runner imports it, so the run "
                      "reports success without running the tests", "exit 0 at import")
    # conftest's collect_ignore lists: test files the runner will not even import.
    if is_conftest:
        for node in tree.body:
            value: Optional[ast.AST] = None
            target = ""
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                target = next((pa.dotted(t) for t in targets if pa.dotted(t) in ("collect_ignore",
                                                                                 "collect_ignore_glob")), "")
                value = node.value
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                    pa.dotted(node.value.func) in ("collect_ignore.append", "collect_ignore.extend",
                                                   "collect_ignore_glob.append", "collect_ignore_glob.extend"):
                target = pa.dotted(node.value.func).split(".")[0]
                value = node.value
            if not target or value is None:
                continue
            names = [c.value for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            tests = [n for n in names if "test" in n.lower()]
            if tests:
                add(node, f"conftest.py tells pytest to ignore {', '.join(tests[:5])}: those tests no longer run",
                    "collect_ignore")
    for fn in pa.functions(tree).values():
        name = fn.node.name
        if name in ("pytest_collection_modifyitems", "pytest_itemcollected", "pytest_runtest_setup"):
            out.extend(_marker_skips(pf, fn))
        if name == "pytest_ignore_collect" and (is_conftest or name in _HOOKS_OUTCOME):
            for node in pa.walk_no_defs(fn.node):
                if isinstance(node, ast.Return) and node.value is not None:
                    lit = pa.literal(node.value)
                    if lit is not None and lit.key == ("bool", True):
                        add(node, "pytest_ignore_collect now skips collecting files", "ignore_collect")
        if name.startswith("pytest_") and (is_conftest or name in _HOOKS_OUTCOME):
            for node in pa.walk_no_defs(fn.node):
                if isinstance(node, ast.Call) and pa.dotted(node.func) in _EXITS and \
                        pa.dotted(node.func) != "os.abort" and _zero_exit(node):
                    add(node, f"hook {name} exits the run with status 0", "exit 0 in a hook")
                if isinstance(node, (ast.Assign, ast.AugAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        attr = t.attr if isinstance(t, ast.Attribute) else ""
                        lit = pa.literal(node.value)
                        if attr == "outcome" and lit is not None and lit.key in (("str", "passed"), ("str", "skipped")):
                            add(node, f"hook {name} rewrites test outcomes to {lit.text}", "outcome rewritten")
                        elif attr in ("exitstatus", "testsfailed", "returncode") and lit is not None and \
                                lit.key == ("num", 0.0):
                            add(node, f"hook {name} forces {attr} to 0", f"{attr} forced to 0")
                        elif attr == "longrepr" and lit is not None and lit.key == ("none",) and \
                                name == "pytest_runtest_makereport":
                            add(node, f"hook {name} erases failure reports", "longrepr erased")
                        elif name == "pytest_collection_modifyitems" and isinstance(t, ast.Subscript) and \
                                pa.dotted(t.value) == "items":
                            add(node, "pytest_collection_modifyitems replaces the collected tests", "items replaced")
                if isinstance(node, ast.Call):
                    callee = pa.dotted(node.func)
                    if name == "pytest_runtest_makereport" and callee.endswith("force_result"):
                        add(node, f"hook {name} forces the result of tests", "force_result")
                    if name == "pytest_collection_modifyitems" and (
                            callee in ("items.clear", "items.remove", "items.pop") or
                            callee.endswith("hook.pytest_deselected")):
                        add(node, f"pytest_collection_modifyitems removes collected tests ({callee})",
                            "tests deselected")
                if isinstance(node, ast.Delete) and name == "pytest_collection_modifyitems" and any(
                        isinstance(t, ast.Subscript) and pa.dotted(t.value) == "items" for t in node.targets):
                    add(node, "pytest_collection_modifyitems deletes collected tests", "tests deselected")
                if isinstance(node, ast.Return) and name in ("pytest_pyfunc_call", "pytest_runtest_call",
                                                             "pytest_runtest_protocol"):
                    lit = pa.literal(node.value) if node.value is not None else None
                    runs = any(isinstance(c, ast.Call) and (pa.dotted(c.func).endswith((".obj", "runtest",
                               "runtestprotocol"))) for c in pa.walk_no_defs(fn.node))
                    if lit is not None and lit.key == ("bool", True) and not runs:
                        add(node, f"hook {name} claims to have run tests it never runs", "test call skipped")
    return out


def _patched_name(call: ast.Call) -> Tuple[str, Optional[ast.AST]]:
    name = pa.dotted(call.func)
    last = name.rsplit(".", 1)[-1]
    if last == "setattr" and ("monkeypatch" in name or name == "setattr"):
        if len(call.args) >= 2 and isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str):
            return call.args[1].value, call.args[0]
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            return call.args[0].value.rsplit(".", 1)[-1], None
    if last == "patch" and call.args and isinstance(call.args[0], ast.Constant) and \
            isinstance(call.args[0].value, str):
        return call.args[0].value.rsplit(".", 1)[-1], None
    if last == "object" and name.endswith("patch.object") and len(call.args) >= 2 and \
            isinstance(call.args[1], ast.Constant) and isinstance(call.args[1].value, str):
        return call.args[1].value, call.args[0]
    return "", None


def _mock_the_unit(pf: Any, new_tests: Dict[str, pa.Func], old_tests: Dict[str, pa.Func]) -> List[Finding]:
    out: List[Finding] = []
    for q, fn in new_tests.items():
        if not pf.touches_new(fn.node) or not _PATCH_HINT.search(pa.text_of(pf.new_lines, fn.node)):
            continue
        subjects = pt.subjects(fn.node)
        if not subjects:
            continue
        before = old_tests.get(q)
        had: Set[str] = set()  # what the test already patched
        if before is not None:
            old_calls = [c for c in pa.walk_no_defs(before.node) if isinstance(c, ast.Call)]
            old_calls += [d for d in before.node.decorator_list if isinstance(d, ast.Call)]
            had = {_patched_name(c)[0] for c in old_calls}
        calls: List[ast.Call] = [c for c in pa.walk_no_defs(fn.node) if isinstance(c, ast.Call)]
        calls += [d for d in fn.node.decorator_list if isinstance(d, ast.Call)]
        for c in calls:
            name, _ = _patched_name(c)
            if not name or name not in subjects or c.lineno not in pf.added or name in had:
                continue
            tid = pt.test_id(pf.path, q)
            out.append(finding(
                TAMPER, pf.path, c.lineno,
                f"{tid} replaces {name}, the very function it asserts on, with a mock",
                pa.source_line(pf.new_lines, c.lineno),
                details={"test": tid, "function": name, "trick": "mocks the unit under test"}))
            break
    return out
