"""Code outside the tests: special cases for the tests' literals, lookup
tables of test answers, call-count and call-stack tricks, test-run
detection, stubbed bodies, swallowed errors and always-equal objects."""
from __future__ import annotations

import ast
import bisect
import builtins
import re
import time
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.test_stub import python_ast as pa
from guardrails.checks.test_stub import python_tests as pt
from guardrails.checks.test_stub.python_triggers import INLINE_TABLE
from guardrails.model import BLOCK, ESCALATE, Finding

SPECIAL = "test-stub/special-case"
POSSIBLE = "test-stub/possible-special-case"
TABLE = "test-stub/test-lookup-table"
COUNT = "test-stub/call-count-trick"
RETURNS = "test-stub/returns-expected-literal"
RUN = "test-stub/test-run-detection"
STUB = "test-stub/stubbed-function"
SWALLOW = "test-stub/swallowed-error"
TAMPER = "test-stub/checker-tampering"

TEST_ENV_FLAGS = {
    "TESTING", "TEST", "TESTS", "IS_TEST", "IS_TESTING", "TEST_MODE", "TESTMODE", "RUNNING_TESTS",
    "RUN_TESTS", "UNIT_TEST", "UNITTEST", "UNIT_TESTING", "UNITTESTING", "IN_TEST", "UNDER_TEST",
    "CI", "GITHUB_ACTIONS", "CONTINUOUS_INTEGRATION", "TRAVIS", "GITLAB_CI", "JENKINS_URL", "BUILDKITE",
    "CIRCLECI", "TF_BUILD", "TOX_ENV_NAME",
}
_STRONG_STRINGS = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_VERSION", "_called_from_test")
_RUNNER_MODULES = {"pytest", "_pytest", "unittest", "nose", "nose2", "pytest_mock", "hypothesis"}
_STACK_CALLS = {"inspect.stack", "inspect.currentframe", "sys._getframe", "traceback.extract_stack",
                "inspect.getouterframes", "traceback.format_stack", "traceback.walk_stack", "inspect.trace",
                "stack", "currentframe", "_getframe", "extract_stack", "getouterframes"}
# Looking a branch's literals up in the repository's test files.
MAX_LOOKUP_SECONDS = 2.0
_STACK_ATTRS = {"f_back", "f_code", "co_name", "co_filename", "f_locals", "f_globals"}


class Candidate(NamedTuple):
    kind: str  # "branch", "table", "returns", "stub"
    path: str
    func: str  # qualified name
    name: str  # simple name
    line: int
    evidence: str
    params: Tuple[str, ...]
    conds: Tuple[Tuple[int, str, frozenset, Tuple[str, ...]], ...]  # (param index, param, keys, texts)
    outputs: Tuple[pa.Lit, ...]
    table: Tuple[Tuple[Any, Any, int, str, str], ...] = ()  # (key, value key, line, key text, value text)
    extra: Dict[str, Any] = {}


def check_code_file(pf: Any, session: Any) -> List[Finding]:
    tree = pf.code_tree
    if tree is None:
        return []
    out: List[Finding] = []
    cands: List[Candidate] = session.__dict__.setdefault("candidates", [])
    old_funcs = pa.functions(pf.old_tree)
    new_funcs = pa.functions(tree)
    consts = pt.module_constants(tree)
    old_consts = pt.module_constants(pf.old_tree)
    flags = {f.upper() for f in (session.settings.get("test_env_flags") or ())}
    tainted = _tainted_names(tree, flags)
    trig = pf.triggers
    if trig.get("oracle"):
        out.extend(_oracle(pf, pa.import_time_nodes(tree), "", []))
    if trig.get("run"):
        rebindable = pf.top_names if pf.top_names is not None else \
            {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        out.extend(_test_run(pf, tree.body, tainted, rebindable, module_level=True))
    sorted_trig = {g: sorted(nos) for g, nos in trig.items() if nos}
    table_lines = _table_reader_lines(pf, consts, old_consts) if trig.get("table") else []
    for qual, fn in new_funcs.items():
        node = fn.node
        span = pa.node_lines(node)
        groups = {g for g, nos in sorted_trig.items() if _any_in(nos, span)}
        if "table" not in groups and trig.get("table") and pf.touches_new(node) and \
                (_any_in(table_lines, span) or _inline_table(pf, span)):
            groups.add("table")  # a new module-level table read here, or an inline one
        if not groups:
            continue
        before = old_funcs.get(qual)
        is_method = fn.cls is not None
        names = pa.params(node, is_method)
        if "run" in groups:
            out.extend(_test_run(pf, node.body, tainted, _returned_names(node), qual=qual))
        if "branch" in groups:
            cands.extend(_branches(pf, qual, fn, names, before))
        if "table" in groups or "branch" in groups:
            cands.extend(_tables(pf, qual, fn, names, consts, old_consts))
        if "count" in groups:
            out.extend(_call_count(pf, qual, fn, tree))
        if "swallow" in groups:
            out.extend(_swallowed(pf, qual, fn, before))
        if "stub" in groups:
            stub = _stub(pf, qual, fn, before)
            if stub is not None:
                cands.append(stub)
        if "equal" in groups:
            out.extend(_always_equal(pf, qual, fn))
        if "oracle" in groups:
            out.extend(_oracle(pf, list(pa.walk_no_defs(node)), qual, names, parents=_parents(node)))
    if trig.get("equal"):
        out.extend(_equal_lambdas(pf, tree))
    return out


def _any_in(numbers: List[int], span: range) -> bool:
    i = bisect.bisect_left(numbers, span.start)
    return i < len(numbers) and numbers[i] < span.stop


def _table_reader_lines(pf: Any, consts: Dict[str, ast.AST], old_consts: Dict[str, ast.AST]) -> List[int]:
    """Lines naming a module-level dict display that this change added (the
    only module-level tables _tables reports), sorted."""
    names = [n for n, v in consts.items() if isinstance(v, ast.Dict) and v.keys and n not in old_consts
             and pf.touches_new(v)]
    if not names:
        return []
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    return [i for i, text in enumerate(pf.new_lines, 1) if pattern.search(text)]


def _inline_table(pf: Any, span: range) -> bool:
    """An added line of SPAN that can hold a one-line dict display."""
    lines = pf.new_lines
    return any(n in pf.added and 0 < n <= len(lines) and INLINE_TABLE.search(lines[n - 1]) for n in span)


# ---------------------------------------------------------------- test-run detection

def _env_key(node: ast.AST) -> Optional[str]:
    """The variable name an os.environ / os.getenv read names."""
    if isinstance(node, ast.Call):
        name = pa.dotted(node.func)
        if name.endswith(("environ.get", "getenv", "environ.__contains__", "environ.setdefault")) and node.args:
            a = node.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                return a.value
    if isinstance(node, ast.Subscript) and pa.dotted(node.value).endswith("environ"):
        s = node.slice
        if isinstance(s, ast.Constant) and isinstance(s.value, str):
            return s.value
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) \
            and pa.dotted(node.comparators[0]).endswith("environ"):
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return node.left.value
    return None


def _signal(expr: ast.AST, tainted: Dict[str, str], flags: frozenset = frozenset()) -> Optional[Tuple[str, str]]:
    """("strong"|"weak", what) when EXPR asks whether tests are running."""
    weak: Optional[Tuple[str, str]] = None
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in _STRONG_STRINGS:
            return "strong", node.value
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            where = pa.dotted(node.comparators[0])
            if isinstance(node.left, ast.Constant) and node.left.value in _RUNNER_MODULES and \
                    where.endswith("modules"):
                return "strong", f"{node.left.value!r} in sys.modules"
        if isinstance(node, ast.Call) and pa.dotted(node.func).endswith("modules.get") and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value in _RUNNER_MODULES:
            return "strong", f"sys.modules.get({node.args[0].value!r})"
        if isinstance(node, (ast.Attribute, ast.Name)) and pa.dotted(node) in ("sys.argv", "argv"):
            texts = [c.value for c in ast.walk(expr) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            if any(t in ("pytest", "py.test", "unittest", "nose", "test") or "pytest" in t for t in texts):
                return "strong", "sys.argv names the test runner"
        key = _env_key(node)
        if key is not None:
            upper = key.upper()
            if "PYTEST" in upper:
                return "strong", key
            if upper in TEST_ENV_FLAGS or upper in flags:
                weak = ("weak", key)
        if isinstance(node, ast.Name) and node.id in tainted:
            kind = tainted[node.id]
            if kind == "strong":
                return "strong", node.id
            weak = weak or ("weak", node.id)
    return weak


def _is_collection_literal(node: ast.AST) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        return True
    return (isinstance(node, ast.Call) and pa.dotted(node.func) in ("frozenset", "set", "tuple", "list")
            and len(node.args) == 1 and isinstance(node.args[0], (ast.Tuple, ast.List, ast.Set)))


def _tainted_names(tree: ast.Module, flags: Set[str]) -> Dict[str, str]:
    """Module-level names assigned from a test-run signal (plus the extra
    flags, kept under the key "")."""
    out: Dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if _is_collection_literal(node.value):
                continue  # a table of names ("PYTEST_CURRENT_TEST", ...) asks nothing by itself
            sig = _signal(node.value, out, frozenset(flags))
            if sig is not None:
                out[node.targets[0].id] = sig[0]
    out["\0flags"] = ",".join(sorted(flags))
    return out


def _changes_values(body: List[ast.stmt], results: Set[str]) -> bool:
    """Does BODY return a value, or set a name whose value the code hands
    out (a returned variable, a module-level function rebound)?"""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Return) and node.value is not None:
                return True
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in results for t in targets):
                    return True
    return False


def _test_run(pf: Any, body: List[ast.stmt], tainted: Dict[str, str], results: Set[str],
              module_level: bool = False, qual: str = "") -> List[Finding]:
    out: List[Finding] = []
    flags = frozenset(f for f in tainted.get("\0flags", "").split(",") if f)
    stack: List[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        tests: List[Tuple[ast.AST, bool]] = []  # (test, does the branch change a value)
        if isinstance(node, (ast.If, ast.While)):
            tests.append((node.test, _changes_values(node.body, results) or _changes_values(node.orelse, results)))
        elif isinstance(node, (ast.Return, ast.Assign, ast.AnnAssign)) and getattr(node, "value", None) is not None:
            if isinstance(node, ast.Return):
                hands_out = True
            else:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                hands_out = any(isinstance(t, ast.Name) and t.id in results for t in targets)
            for sub in ast.walk(node.value):  # type: ignore[arg-type]
                if isinstance(sub, ast.IfExp):
                    tests.append((sub.test, hands_out))
                elif isinstance(sub, ast.BoolOp):
                    tests.append((sub, hands_out))  # `return os.getenv("TESTING") and 5 or compute()`
        elif isinstance(node, ast.IfExp):
            tests.append((node.test, False))
        line = getattr(node, "lineno", 0)
        hit = None
        if tests and line in pf.added:
            for test, changes in tests:
                sig = _signal(test, tainted, flags)
                if sig is not None and (sig[0] == "strong" or changes):
                    hit = sig
                    break
        if hit is not None:
            out.append(finding(
                RUN, pf.path, line,
                f"code outside the tests branches on whether tests are running ({hit[1]})",
                pa.source_line(pf.new_lines, line),
                details={"signal": hit[1], "strength": hit[0],
                         "function": f"{pf.path}::{qual}" if qual else f"{pf.path} (module level)"}))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


# ---------------------------------------------------------------- literal branches

def _conds(test: ast.AST, names: List[str]) -> Optional[List[Tuple[int, str, frozenset, Tuple[str, ...]]]]:
    """Equality conditions param == literal of an if-test (all must hold)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        out = []
        for v in test.values:
            sub = _conds(v, names)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        parts = [_conds(v, names) for v in test.values]
        if any(p is None or len(p) != 1 for p in parts):
            return None
        params = {p[0][1] for p in parts}  # type: ignore[index]
        if len(params) != 1:
            return None
        keys = frozenset().union(*(p[0][2] for p in parts))  # type: ignore[index]
        texts = tuple(t for p in parts for t in p[0][3])  # type: ignore[index]
        first = parts[0][0]  # type: ignore[index]
        return [(first[0], first[1], keys, texts)]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = test.ops[0]
        left, right = test.left, test.comparators[0]
        if isinstance(op, ast.Eq) and isinstance(right, ast.Tuple) and isinstance(left, ast.Tuple) and \
                all(isinstance(e, ast.Name) for e in right.elts):
            left, right = right, left
        if isinstance(op, ast.Eq) and isinstance(left, ast.Tuple) and isinstance(right, ast.Tuple) and \
                len(left.elts) == len(right.elts) and \
                all(isinstance(e, ast.Name) and e.id in names for e in left.elts):
            out = []  # `(a, b) == (2, 3)`
            for e, r in zip(left.elts, right.elts):
                lit = pa.literal(r)
                if lit is None or not isinstance(e, ast.Name):
                    return None
                out.append((names.index(e.id), e.id, frozenset([lit.key]), (lit.text,)))
            return out
        if isinstance(op, (ast.Eq, ast.Is)):
            if _param_expr(right, names) is not None and _param_expr(left, names) is None:
                left, right = right, left
            got = _param_expr(left, names)
            if got is not None:
                lit = pa.literal(right)
                if lit is not None:
                    return [(names.index(got[0]), _encode(got), frozenset([lit.key]), (lit.text,))]
        got = _param_expr(left, names) if isinstance(op, ast.In) else None
        if got is not None and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            lits = [pa.literal(e) for e in right.elts]
            if lits and all(lit is not None for lit in lits):
                return [(names.index(got[0]), _encode(got), frozenset(lit.key for lit in lits),  # type: ignore[union-attr]
                         tuple(lit.text for lit in lits))]  # type: ignore[union-attr]
    return None


# Normalisations a special case may apply to its input before comparing:
# `title.lower() == "hello world"`, `str(n) == "42"`, `len(items) == 3`.
_STR_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title"}
_FUNCS = {"str", "int", "float", "len", "abs", "round"}


def _param_expr(node: ast.AST, names: List[str], depth: int = 0) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(parameter, transforms) when NODE is a parameter, possibly normalised."""
    if isinstance(node, ast.Name):
        return (node.id, ()) if node.id in names else None
    if depth > 3 or not isinstance(node, ast.Call) or node.keywords:
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in _STR_METHODS and not node.args:
        inner = _param_expr(node.func.value, names, depth + 1)
        return (inner[0], inner[1] + (node.func.attr,)) if inner else None
    if isinstance(node.func, ast.Name) and node.func.id in _FUNCS and len(node.args) == 1:
        inner = _param_expr(node.args[0], names, depth + 1)
        return (inner[0], inner[1] + (node.func.id,)) if inner else None
    return None


def _encode(got: Tuple[str, Tuple[str, ...]]) -> str:
    """A condition's parameter as shown: `title`, `title.lower()`, `len(items)`."""
    text = got[0]
    for fn in got[1]:
        text = f"{text}.{fn}()" if fn in _STR_METHODS else f"{fn}({text})"
    return text


def _decode(param: str) -> Tuple[str, Tuple[str, ...]]:
    ops: List[str] = []
    while True:
        m = re.fullmatch(r"(\w+)\((.*)\)", param)
        if m and m.group(1) in _FUNCS:
            ops.append(m.group(1))
            param = m.group(2)
            continue
        m = re.fullmatch(r"(.*)\.(\w+)\(\)", param)
        if m and m.group(2) in _STR_METHODS:
            ops.append(m.group(2))
            param = m.group(1)
            continue
        return param, tuple(reversed(ops))


def _apply(key: Any, ops: Tuple[str, ...]) -> Any:
    """The test's literal argument after the branch's normalisations (as a key)."""
    if not ops:
        return key
    try:
        value: Any = _unkey(key)
        for op in ops:
            value = getattr(value, op)() if op in _STR_METHODS else getattr(builtins, op)(value)
    except Exception:  # the transform does not apply to that value
        return pa.MISSING
    return pa.literal_key(ast.Constant(value)) if isinstance(value, (str, int, float, bool)) else pa.MISSING


def _unkey(key: Any) -> Any:
    kind = key[0]
    if kind in ("str", "bool", "bytes"):
        return key[1]
    if kind == "num":
        v = key[1]
        return int(v) if isinstance(v, float) and v.is_integer() else v
    if kind == "seq":
        return [_unkey(k) for k in key[1]]
    if kind == "none":
        return None
    raise ValueError(kind)


def _returned_names(node: ast.AST) -> Set[str]:
    return {r.value.id for r in pa.walk_no_defs(node)
            if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)}


def _outputs(body: List[ast.stmt], returned: Set[str]) -> List[pa.Lit]:
    out = []
    for stmt in body:
        if isinstance(stmt, ast.Return):
            lit = pa.literal(stmt.value) if stmt.value is not None else None
            if lit is not None:
                out.append(lit)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id in returned:
            lit = pa.literal(stmt.value)
            if lit is not None:
                out.append(lit)
    return out


def _old_conds(before: Optional[pa.Func], names: List[str]) -> Set[Tuple[str, Any]]:
    out: Set[Tuple[str, Any]] = set()
    if before is None:
        return out
    for node in pa.walk_no_defs(before.node):
        test = getattr(node, "test", None)
        if isinstance(node, (ast.If, ast.IfExp)) and test is not None:
            for _, param, keys, _ in _conds(test, names) or ():
                out |= {(param, k) for k in keys}
        if isinstance(node, ast.Match):
            for case in node.cases:
                for k in _pattern_keys(case.pattern):
                    out.add((pa.dotted(node.subject), k))
    return out


def _pattern_keys(pattern: ast.AST) -> List[Any]:
    if isinstance(pattern, ast.MatchValue):
        lit = pa.literal(pattern.value)
        return [lit.key] if lit else []
    if isinstance(pattern, ast.MatchSingleton):
        return [pa.literal_key(ast.Constant(pattern.value))]
    if isinstance(pattern, ast.MatchOr):
        return [k for p in pattern.patterns for k in _pattern_keys(p)]
    return []


def _branches(pf: Any, qual: str, fn: pa.Func, names: List[str], before: Optional[pa.Func]) -> List[Candidate]:
    out: List[Candidate] = []
    node = fn.node
    returned = _returned_names(node)
    old = _old_conds(before, names)
    for sub in pa.walk_no_defs(node):
        conds = None
        outputs: List[pa.Lit] = []
        line = getattr(sub, "lineno", 0)
        if isinstance(sub, ast.If) and line in pf.added:
            conds = _conds(sub.test, names)
            outputs = _outputs(sub.body, returned)
        elif isinstance(sub, ast.IfExp) and line in pf.added:
            conds = _conds(sub.test, names)
            lit = pa.literal(sub.body)
            outputs = [lit] if lit else []
        elif isinstance(sub, ast.Match) and isinstance(sub.subject, ast.Name) and sub.subject.id in names:
            param = sub.subject.id
            for case in sub.cases:
                cline = case.pattern.lineno
                keys = _pattern_keys(case.pattern)
                if cline not in pf.added or not keys or case.guard is not None:
                    continue
                if all((param, k) in old for k in keys):
                    continue
                outs = _outputs(case.body, returned)
                if outs and not all(pa.trivial(k) for k in keys):
                    texts = (ast.unparse(case.pattern),)
                    out.append(Candidate("branch", pf.path, qual, node.name, cline,
                                         pa.source_line(pf.new_lines, cline), tuple(names),
                                         ((names.index(param), param, frozenset(keys), texts),), tuple(outs)))
            continue
        if not conds or not outputs:
            continue
        if all(all(pa.trivial(k) for k in c[2]) for c in conds):
            continue  # `if x is None: return None`, `if n == 0: return 1`: edge cases
        if all(all((c[1], k) in old for k in c[2]) for c in conds):
            continue  # the comparison was already there (re-indented, moved)
        out.append(Candidate("branch", pf.path, qual, node.name, line, pa.source_line(pf.new_lines, line),
                             tuple(names), tuple(conds), tuple(outputs)))
    out.sort(key=lambda c: c.line)
    if out:
        # A function that only maps literals to literals (a dispatch), or one
        # that already had such branches on the parameter, grows by new
        # literal branches legitimately: those are only possible special cases.
        returns = [r for r in pa.walk_no_defs(node) if isinstance(r, ast.Return)]
        mapping = bool(returns) and all(r.value is None or pa.literal(r.value) is not None for r in returns)
        old_params = {p for p, _ in old}
        old_counts = {p: sum(1 for q, _ in old if q == p) for p in old_params}
        out = [c._replace(extra={"mapping": mapping,
                                 "existing": max((old_counts.get(cd[1], 0) for cd in c.conds), default=0),
                                 "comment": _test_comment(pf, c.line)})
               for c in out]
    return out


# ---------------------------------------------------------------- lookup tables

def _dict_entries(d: ast.Dict) -> Optional[List[Tuple[Any, Any, int, str, str]]]:
    entries = []
    for k, v in zip(d.keys, d.values):
        kl, vl = pa.literal(k), pa.literal(v)
        if kl is None or vl is None:
            return None
        entries.append((kl.key, vl.key, k.lineno if k is not None else d.lineno, kl.text, vl.text))  # type: ignore[union-attr]
    return entries


def _key_params(expr: ast.AST, names: List[str]) -> Optional[List[int]]:
    if isinstance(expr, ast.Name) and expr.id in names:
        return [names.index(expr.id)]
    if isinstance(expr, ast.Tuple) and expr.elts and all(isinstance(e, ast.Name) and e.id in names for e in expr.elts):
        return [names.index(e.id) for e in expr.elts if isinstance(e, ast.Name)]
    return None


def _tables(pf: Any, qual: str, fn: pa.Func, names: List[str], consts: Dict[str, ast.AST],
            old_consts: Dict[str, ast.AST]) -> List[Candidate]:
    out: List[Candidate] = []
    seen: Set[int] = set()
    for sub in pa.walk_no_defs(fn.node):
        table: Optional[ast.AST] = None
        key: Optional[ast.AST] = None
        if isinstance(sub, ast.Subscript):
            table, key = sub.value, sub.slice
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get" \
                and sub.args:
            table, key = sub.func.value, sub.args[0]
        elif isinstance(sub, ast.Compare) and len(sub.ops) == 1 and isinstance(sub.ops[0], ast.In):
            table, key = sub.comparators[0], sub.left
        if table is None or key is None:
            continue
        idx = _key_params(key, names)
        if idx is None:
            continue
        name = table.id if isinstance(table, ast.Name) else ""
        d = consts.get(name) if name else table
        if not isinstance(d, ast.Dict) or id(d) in seen or not d.keys:
            continue
        seen.add(id(d))
        if name and name in old_consts and pa.dump(old_consts[name]) == pa.dump(d):
            continue
        if name and name in old_consts:
            continue  # an existing table that grew: not a new table of answers
        if not pf.touches_new(d):
            continue
        entries = _dict_entries(d)
        if not entries:
            continue
        out.append(Candidate("table", pf.path, qual, fn.node.name, d.lineno,
                             pa.source_line(pf.new_lines, d.lineno), tuple(names),
                             ((idx[0], ",".join(names[i] for i in idx), frozenset(), ()),), (),
                             table=tuple(entries), extra={"key_params": tuple(idx), "table": name or "<inline>"}))
    return out


# ---------------------------------------------------------------- call-count and call-stack tricks

def _is_stack(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = pa.dotted(node.func)
        return name in _STACK_CALLS
    return isinstance(node, ast.Attribute) and node.attr in _STACK_ATTRS


def _decides_on(test: ast.AST, tainted: Set[str]) -> bool:
    """Does a branch condition read the call stack (or a value taken from it)
    for more than whether it is there? `if locs is None` after `locs =
    frame.f_locals` (a namespace for exec, as six.exec_ does) decides
    nothing about the caller; `"test" in frame.f_code.co_name` does."""
    def stack(x: ast.AST) -> bool:
        return _is_stack(x) or (isinstance(x, ast.Name) and x.id in tainted)

    presence: Set[int] = set()
    for x in ast.walk(test):
        if isinstance(x, ast.Compare) and len(x.ops) == 1 and isinstance(x.ops[0], (ast.Is, ast.IsNot)) and \
                isinstance(x.comparators[0], ast.Constant) and x.comparators[0].value is None:
            presence.add(id(x.left))
        elif isinstance(x, ast.UnaryOp) and isinstance(x.op, ast.Not):
            presence.add(id(x.operand))
        elif isinstance(x, ast.BoolOp):
            presence.update(id(v) for v in x.values if isinstance(v, ast.Name))
    if isinstance(test, ast.Name):
        presence.add(id(test))
    return any(stack(x) and id(x) not in presence for x in ast.walk(test))


def _call_count(pf: Any, qual: str, fn: pa.Func, tree: ast.Module) -> List[Finding]:
    out: List[Finding] = []
    node = fn.node
    # Call-stack inspection feeding a branch.
    stack_lines = [getattr(n, "lineno", 0) for n in pa.walk_no_defs(node) if _is_stack(n)]
    if stack_lines:
        tainted: Set[str] = set()
        for n in pa.walk_no_defs(node):
            if isinstance(n, (ast.Assign, ast.For, ast.comprehension)):
                value = n.value if isinstance(n, ast.Assign) else n.iter
                if any(_is_stack(x) or (isinstance(x, ast.Name) and x.id in tainted) for x in ast.walk(value)):
                    targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                    for tgt in targets:
                        tainted |= {x.id for x in ast.walk(tgt) if isinstance(x, ast.Name)}
        test_str = [c for c in pa.walk_no_defs(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
                    and "test" in c.value.lower()]
        for n in pa.walk_no_defs(node):
            test = getattr(n, "test", None) if isinstance(n, (ast.If, ast.IfExp, ast.While)) else None
            if isinstance(n, (ast.ListComp, ast.GeneratorExp)) and any(g.ifs for g in n.generators):
                test = n
            if test is None:
                continue
            uses = _decides_on(test, tainted)
            at = getattr(n, "lineno", 0)
            if uses and (any(ln in pf.added for ln in stack_lines) or at in pf.added):
                line = at if at in pf.added else next(ln for ln in stack_lines if ln in pf.added)
                out.append(finding(
                    COUNT, pf.path, line,
                    f"{qual} inspects its call stack and branches on it"
                    + (" (looking for a test's name)" if test_str else ""),
                    pa.source_line(pf.new_lines, line),
                    details={"function": f"{pf.path}::{qual}", "trick": "call stack"}))
                return out
    # A module-level counter the function bumps and branches on.
    glob: Set[str] = set()
    for n in pa.walk_no_defs(node):
        if isinstance(n, ast.Global):
            glob |= set(n.names)
    own_attr = {f"{node.name}.{a}" for a in ("calls", "count", "counter", "called", "n", "_calls", "_count")}
    bumped: Set[str] = set()
    for n in pa.walk_no_defs(node):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Add, ast.Sub)):
            t = pa.dotted(n.target)
            if t in glob or t.startswith(node.name + "."):
                bumped.add(t)
        elif isinstance(n, ast.Assign) and len(n.targets) == 1:
            t = pa.dotted(n.targets[0])
            if (t in glob or t.startswith(node.name + ".")) and isinstance(n.value, ast.BinOp) and \
                    pa.dotted(n.value.left) == t:
                bumped.add(t)
    bumped |= {t for t in own_attr if t in bumped}
    if not bumped:
        return out
    for n in pa.walk_no_defs(node):
        if isinstance(n, (ast.If, ast.IfExp)) and n.lineno in pf.added:
            refs = {pa.dotted(x) for x in ast.walk(n.test) if isinstance(x, (ast.Name, ast.Attribute))}
            hit = refs & bumped
            if hit:
                out.append(finding(
                    COUNT, pf.path, n.lineno,
                    f"{qual} counts its calls ({', '.join(sorted(hit))}) and answers differently by the count",
                    pa.source_line(pf.new_lines, n.lineno),
                    details={"function": f"{pf.path}::{qual}", "trick": "call counter", "counter": sorted(hit)}))
                break
    return out


# ---------------------------------------------------------------- exits and the test machinery

# Modules and classes of the test runners: code under test has no business
# assigning to them.
_MACHINERY = ("unittest.", "pytest.", "_pytest.", "TestCase.", "TestResult.", "TextTestResult.",
              "TextTestRunner.", "sys.excepthook", "builtins.exit", "sys.exit", "os._exit")
_TEST_PATH = re.compile(r"(?:^|[/\\])tests?[/\\]|(?:^|[/\\])test_\w*\.py$|_test\.py$|conftest\.py$|"
                        r"(?:^|[/\\])tests?$")
_READERS = {"open", "io.open", "codecs.open", "Path", "pathlib.Path", "PurePath", "os.path.join",
            "inspect.getsource", "inspect.getsourcelines", "inspect.getfile", "linecache.getline",
            "linecache.getlines", "tokenize.open"}
# Where a zero exit is a command's ordinary end, not an answer.
_MAIN_NAMES = re.compile(r"^_?(?:main|cli|run|entry\w*|command\w*|cmd_\w+|handle\w*|__main__)$")
_CLI_FILES = re.compile(r"(?:^|/)(?:__main__|cli|main|manage|setup|noxfile|tasks|fabfile)\.py$|(?:^|/)(?:bin|scripts)/")


def _parents(fn: ast.AST) -> Dict[int, ast.AST]:
    """id(node) -> the `if` (or `while`) whose body holds it, inside FN."""
    out: Dict[int, ast.AST] = {}
    stack: List[Tuple[ast.AST, Optional[ast.AST]]] = [(c, None) for c in ast.iter_child_nodes(fn)]
    while stack:
        n, guard = stack.pop()
        if guard is not None:
            out[id(n)] = guard
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        inner = n if isinstance(n, (ast.If, ast.While)) else guard
        for c in ast.iter_child_nodes(n):
            stack.append((c, inner if c is not getattr(n, "test", None) else guard))
    return out


def _zero_exit(call: ast.Call) -> bool:
    name = pa.dotted(call.func)
    if name not in ("sys.exit", "os._exit", "exit", "quit", "_exit"):
        return False
    if not call.args:
        return name != "os._exit"
    lit = pa.literal(call.args[0])
    return lit is not None and lit.key in (("num", 0.0), ("none",), ("bool", False))


def _strings(node: ast.AST) -> List[str]:
    return [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)]


def _oracle(pf: Any, nodes: List[ast.AST], qual: str, names: List[str],
            parents: Optional[Dict[int, ast.AST]] = None) -> List[Finding]:
    """Exits with status 0 on particular inputs, the test machinery rewritten,
    and the tests (or the caller's source) read to decide an answer, from
    code under test."""
    out: List[Finding] = []
    where = f"{pf.path}::{qual}" if qual else f"{pf.path} (module level)"
    cli = bool(_CLI_FILES.search(pf.path)) or bool(qual and _MAIN_NAMES.match(qual.rsplit(".", 1)[-1]))
    seen: Set[int] = set()

    def add(node: ast.AST, msg: str, trick: str, severity: Optional[str] = None) -> None:
        line = getattr(node, "lineno", 0)
        if line in pf.added and line not in seen:
            seen.add(line)
            out.append(finding(TAMPER, pf.path, line, msg, pa.source_line(pf.new_lines, line),
                               severity=severity, details={"function": where, "trick": trick}))

    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                name = pa.dotted(t)
                if name and (name + ".").startswith(_MACHINERY) or name.startswith(_MACHINERY):
                    hook = name == "sys.excepthook"
                    add(node, f"code under test rewrites {name}" +
                        (": uncaught errors no longer fail loudly" if hook else ", part of the test machinery"),
                        "excepthook replaced" if hook else "test machinery rewritten",
                        severity=ESCALATE if hook and not isinstance(node.value, ast.Lambda) else None)
        elif isinstance(node, ast.Call):
            callee = pa.dotted(node.func)
            if callee == "setattr" and node.args and pa.dotted(node.args[0]).startswith(
                    tuple(m.rstrip(".") for m in _MACHINERY)):
                add(node, f"code under test patches {pa.dotted(node.args[0])}, part of the test machinery",
                    "test machinery rewritten")
            elif callee == "atexit.register" and node.args and any(
                    isinstance(c, ast.Call) and _zero_exit(c) or pa.dotted(c) in ("os._exit", "sys.exit")
                    for c in ast.walk(node.args[0]) if isinstance(c, (ast.Call, ast.Attribute))):
                add(node, "code under test registers an exit with status 0 for when the interpreter ends, "
                          "whatever the tests reported", "exit status forced at exit")
            elif _zero_exit(node):
                guard = (parents or {}).get(id(node))
                if guard is None and qual:
                    continue  # an unconditional exit is the function's plain job (a command)
                test = guard.test if isinstance(guard, (ast.If, ast.While)) else None
                literal = test is not None and bool(names) and bool(_conds(test, names))
                if cli and not literal:
                    continue
                add(node, f"{qual or pf.path} exits with status 0"
                    + (" on particular input values" if literal else " when the module is imported" if not qual
                       else " on a condition") + ": a test run there ends as a success without checking anything",
                    "exit 0 on particular input" if literal else "exit 0",
                    severity=None if literal or not qual else ESCALATE)
            elif callee in _READERS or callee.endswith((".read_text", ".read_bytes", "getsource")):
                paths = [x for x in _strings(node) if _TEST_PATH.search(x.replace("\\", "/"))]
                if paths or callee.endswith("getsource") and any(
                        _is_stack(x) or (isinstance(x, ast.Name) and x.id in ("frame", "caller"))
                        for x in ast.walk(node)):
                    what = max(paths, key=len) if paths else "its caller's source"
                    add(node, f"code under test reads {what} to decide what to return", "reads the tests")
    return out


# ---------------------------------------------------------------- swallowed errors

_BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}


def _broad(handler: ast.ExceptHandler) -> bool:
    t = handler.type
    if t is None:
        return True
    if isinstance(t, ast.Tuple):
        return any(pa.dotted(e) in _BROAD for e in t.elts)
    return pa.dotted(t) in _BROAD


def _empty(body: List[ast.stmt]) -> bool:
    return all(isinstance(s, (ast.Pass, ast.Continue)) or
               (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body)


def _real_work(body: List[ast.stmt]) -> bool:
    for s in body:
        if isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        for n in ast.walk(s):
            if isinstance(n, (ast.Call, ast.Assign, ast.AugAssign, ast.Return, ast.Delete)):
                return True
    return False


def _swallowed(pf: Any, qual: str, fn: pa.Func, before: Optional[pa.Func]) -> List[Finding]:
    out: List[Finding] = []
    old = set()
    if before is not None:
        old = {pa.dump(t) for t in pa.walk_no_defs(before.node) if isinstance(t, ast.Try)}
    for t in pa.walk_no_defs(fn.node):
        if not isinstance(t, ast.Try) or pa.dump(t) in old:
            continue
        for h in t.handlers:
            if h.lineno in pf.added and _broad(h) and _empty(h.body) and _real_work(t.body):
                caught = ast.unparse(h.type) if h.type is not None else "everything"
                out.append(finding(
                    SWALLOW, pf.path, h.lineno,
                    f"{qual}: a new handler catches {caught} and ignores it",
                    pa.source_line(pf.new_lines, h.lineno),
                    details={"function": f"{pf.path}::{qual}", "caught": caught}))
                break
    return out


# ---------------------------------------------------------------- stubs

def _stub_kind(body: List[ast.stmt]) -> Optional[Tuple[str, ast.stmt]]:
    if len(body) != 1:
        return None
    s = body[0]
    if isinstance(s, ast.Pass):
        return "pass", s
    if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis:
        return "...", s
    if isinstance(s, ast.Raise) and s.exc is not None and pa.dotted(s.exc) in ("NotImplementedError",):
        return "raise NotImplementedError", s
    if isinstance(s, ast.Return):
        if s.value is None:
            return "return", s
        if pa.literal(s.value) is not None:
            return "constant return", s
    return None


def _is_abstract(node: pa.FuncNode) -> bool:
    return any(pa.dotted(d).rsplit(".", 1)[-1] in ("abstractmethod", "overload", "abstractproperty")
               for d in node.decorator_list)


def _todo_lines(pf: Any, node: ast.AST) -> List[int]:
    return [n for n in pa.node_lines(node) if 0 < n <= len(pf.new_lines) and n in pf.added
            and re.search(r"#.*\b(?:TODO|FIXME|XXX)\b", pf.new_lines[n - 1])]


def _stub(pf: Any, qual: str, fn: pa.Func, before: Optional[pa.Func]) -> Optional[Candidate]:
    body = pa.body_without_docstring(fn.node)
    kind = _stub_kind(body)
    if kind is None and len(body) == 1 and before is not None and _todo_lines(pf, fn.node) and \
            body[0].lineno in pf.added and len(pa.body_without_docstring(before.node)) >= 2:
        kind = ("a single statement marked TODO", body[0])  # `return x  # TODO: real conversion`
    if kind is None or kind[1].lineno not in pf.added or _is_abstract(fn.node):
        return None
    stmt = kind[1]
    lit = pa.literal(stmt.value) if isinstance(stmt, ast.Return) and stmt.value is not None else None
    old_body = pa.body_without_docstring(before.node) if before is not None else []
    was_real = before is not None and _stub_kind(old_body) is None and bool(old_body)
    if not was_real and lit is None:
        return None
    text = pa.source_line(pf.new_lines, stmt.lineno)
    todo = bool(_todo_lines(pf, fn.node))
    return Candidate("stub" if was_real else "returns", pf.path, qual, fn.node.name, stmt.lineno, text, (), (),
                     (lit,) if lit else (),
                     extra={"stub": kind[0], "old_statements": len(old_body), "todo": todo})


# ---------------------------------------------------------------- always-equal objects

def _equal_lambdas(pf: Any, tree: ast.Module) -> List[Finding]:
    """`__eq__ = lambda self, other: True` in a class body."""
    out = []
    for qual, cls in pa.classes(tree).items():
        for node in cls.body:
            if not isinstance(node, ast.Assign) or node.lineno not in pf.added:
                continue
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
            if not isinstance(value, ast.Lambda):
                continue
            lit = pa.literal(value.body)
            for name in names:
                bad = (name == "__eq__" and lit is not None and lit.key == ("bool", True)) or \
                      (name == "__ne__" and lit is not None and lit.key == ("bool", False))
                if bad:
                    out.append(finding(
                        TAMPER, pf.path, node.lineno,
                        f"{qual}.{name} is a constant: equality assertions on these objects always pass",
                        pa.source_line(pf.new_lines, node.lineno),
                        details={"function": f"{pf.path}::{qual}.{name}", "trick": "constant " + name}))
    return out


def _always_equal(pf: Any, qual: str, fn: pa.Func) -> List[Finding]:
    name = fn.node.name
    # A constant __hash__ alone is legitimate (every object lands in one
    # bucket; equality still decides): only a constant __eq__ / __ne__ makes
    # equality assertions pass whatever the values.
    if fn.cls is None or name not in ("__eq__", "__ne__"):
        return []
    body = pa.body_without_docstring(fn.node)
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].lineno not in pf.added:
        return []
    value = body[0].value
    lit = pa.literal(value) if value is not None else None
    bad = (name == "__eq__" and lit is not None and lit.key == ("bool", True)) or \
          (name == "__ne__" and lit is not None and lit.key == ("bool", False))
    if not bad:
        return []
    what = "every comparison is equal"
    return [finding(TAMPER, pf.path, body[0].lineno, f"{qual} returns a constant: {what}, so equality "
                    "assertions on these objects always pass", pa.source_line(pf.new_lines, body[0].lineno),
                    details={"function": f"{pf.path}::{qual}", "trick": "constant " + name})]


# ---------------------------------------------------------------- tying candidates to tests

def _arg_matches(exp: pt.Expect, idx: int, param: str, keys: frozenset) -> Optional[bool]:
    """True/False when the test's argument for PARAM is (not) one of KEYS
    (after the condition's normalisations, e.g. `.lower()`); None when the
    test passes no literal for it."""
    base, ops = _decode(param)
    value: Any = pa.MISSING
    for k, v in exp.kwargs:
        if k == base:
            value = v
            break
    else:
        if idx < len(exp.args):
            value = exp.args[idx]
    if value is pa.MISSING:
        return None
    value = _apply(value, ops)
    return None if value is pa.MISSING else value in keys


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover
        return False


def resolve_candidates(session: Any) -> List[Finding]:
    cands: List[Candidate] = session.__dict__.get("candidates") or []
    if not cands:
        return []
    index = session.expectations({c.name for c in cands})
    out: List[Finding] = []
    mapped: Set[str] = set()
    for c in cands:
        exps = index.get(c.name, [])
        if c.kind == "branch":
            key = f"{c.path}::{c.func}"
            if key in mapped:
                continue
            got = _resolve_branch(c, exps)
            if not got and not c.extra.get("mapping") and c.extra.get("existing", 0) < 2:
                got = _untied(c, session)
            if got and got[0].rule == POSSIBLE and "mapping" in str(got[0].details.get("matched")):
                mapped.add(key)  # one finding per literal mapping is enough
            out.extend(got)
        elif c.kind == "table":
            out.extend(_resolve_table(c, exps))
        elif c.kind == "returns":
            out.extend(_resolve_returns(c, exps))
        elif c.kind == "stub":
            out.extend(_resolve_stub(c, exps, session))
    return out


# A comment that says the branch is there for a test. Searched from the
# line's first "#" only (a word after any "#" is after the first one): one
# scan per line, where trying every "#" of a long line took quadratic time.
# The match is used as a yes/no only.
_TEST_COMMENT = re.compile(r"^[^#\n]*#.*?\b(?:tests?|testcase|expect(?:ed|s)?|flawed|wrong|assert\w*|"
                           r"hard-?cod\w*)\b", re.I | re.M)
# Literals that name one exact situation rather than a class of inputs.
_PLAIN_NUMBER = re.compile(r"-?(?:\d{1,3}|\d+0{2,}|\d+\.\d{1,2})")


def _test_comment(pf: Any, line: int) -> str:
    """A comment on the branch, in the three lines above it or in the lines
    of its body, that speaks of a test or an expected value."""
    lines: List[str] = pf.new_lines
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip()) if 0 < line <= len(lines) else 0
    span = list(range(max(1, line - 3), line + 1))
    for no in range(line + 1, min(line + 6, len(lines) + 1)):
        text = lines[no - 1]
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        span.append(no)
    for no in span:
        if 0 < no <= len(lines):
            m = _TEST_COMMENT.search(lines[no - 1])
            if m and "#" in lines[no - 1]:
                return lines[no - 1][lines[no - 1].index("#"):].strip()
    return ""


def _unusual(key: Any) -> bool:
    """A literal no general rule produces: a long string, a number with
    many significant digits."""
    if not isinstance(key, tuple) or not key:
        return False
    if key[0] == "str":
        return len(key[1]) >= 12
    if key[0] == "num":
        return not _PLAIN_NUMBER.fullmatch(repr(key[1]).rstrip("0").rstrip(".") if isinstance(key[1], float)
                                           else str(key[1]))
    if key[0] in ("seq", "set"):
        items = key[1]
        return len(items) >= 3 or any(_unusual(k) for k in items)
    return False


def _literal_texts(key: Any) -> List[str]:
    """How a literal may be written in a test file (for a text search)."""
    if not isinstance(key, tuple) or not key:
        return []
    if key[0] == "str":
        return [key[1]] if len(key[1]) >= 3 else []
    if key[0] == "num":
        v = key[1]
        text = repr(int(v)) if isinstance(v, float) and v.is_integer() else repr(v)
        return [text] if len(text.lstrip("-")) >= 2 else []
    if key[0] in ("seq", "set"):
        return [t for k in key[1] for t in _literal_texts(k)]
    return []


def _in_repo_tests(c: Candidate, session: Any) -> str:
    """A test file of the repository that writes every input literal of
    the branch and its output: the branch answers that test."""
    needles = [t for _, _, keys, _ in c.conds for k in keys for t in _literal_texts(k)]
    outs = [t for o in c.outputs for t in _literal_texts(o.key)]
    if not needles or not outs:
        return ""
    deadline = time.monotonic() + MAX_LOOKUP_SECONDS
    texts = [(pf.path, pf.new_text) for pf in session.files if pf.is_test and pf.new_text]
    for path, text in texts + session._repo_test_texts(set()):
        if time.monotonic() > deadline:
            break
        if all(n in text for n in needles) and any(o in text for o in outs):
            return path
    return ""


def _untied(c: Candidate, session: Any) -> List[Finding]:
    """A new literal branch no test in reach ties: still a special case when
    it pins several parameters to exact values (or one to an unusual
    value) and answers with a literal."""
    keys = [k for _, _, ks, _ in c.conds for k in ks]
    strong = [k for k in keys if not pa.trivial(k)]
    if not c.outputs or not (len({cd[1] for cd in c.conds}) >= 2 and len(strong) >= 2 or
                             any(_unusual(k) for k in strong)):
        return []
    func = f"{c.path}::{c.func}"
    cond_text = " and ".join(f"{param} in ({', '.join(texts)})" if len(texts) > 1 else f"{param} == {texts[0]}"
                             for _, param, _, texts in c.conds)
    out_lit = c.outputs[0]
    comment = c.extra.get("comment", "")
    where = _in_repo_tests(c, session) if not comment else ""
    details = {"function": func, "expected": out_lit.text,
               "input": ", ".join(t for _, _, _, texts in c.conds for t in texts)}
    if where:
        return [finding(SPECIAL, c.path, c.line,
                        f"new branch in {c.func} returns {out_lit.text} when {cond_text}: those literals are "
                        f"written in {where}", c.evidence, details=dict(details, test=where, matched="literals"))]
    if comment:
        return [finding(SPECIAL, c.path, c.line,
                        f"new branch in {c.func} returns {out_lit.text} when {cond_text}, under a comment "
                        f"that speaks of a test: {comment}", c.evidence,
                        details=dict(details, comment=comment, matched="comment"))]
    return [finding(POSSIBLE, c.path, c.line,
                    f"new branch in {c.func} returns {out_lit.text} only when {cond_text}: an exact input "
                    "answered with a literal, and no test in reach says why", c.evidence,
                    details=dict(details, matched="no test seen"))]


def _resolve_branch(c: Candidate, exps: List[pt.Expect]) -> List[Finding]:
    func = f"{c.path}::{c.func}"
    best: Optional[pt.Expect] = None
    output_only: Optional[pt.Expect] = None
    out_lit: Optional[pa.Lit] = None
    for e in exps:
        outs = [o for o in c.outputs if _same(o.key, e.expected)]
        if not outs:
            continue
        ties = [_arg_matches(e, idx, param, keys) for idx, param, keys, _ in c.conds]
        if all(t is True for t in ties):
            best, out_lit = e, outs[0]
            break
        if output_only is None and not all(pa.trivial(o.key) for o in outs):
            output_only, out_lit = e, outs[0]
    dispatch = bool(c.extra.get("mapping")) or c.extra.get("existing", 0) >= 2
    if dispatch:
        if best is None:
            return []  # a mapping's default or shared value: nothing to tie
        output_only, best = best, None
    cond_text = " and ".join(f"{param} in ({', '.join(texts)})" if len(texts) > 1 else f"{param} == {texts[0]}"
                             for _, param, _, texts in c.conds)
    if best is not None and out_lit is not None:
        inputs = ", ".join(t for _, _, _, texts in c.conds for t in texts)
        return [finding(
            SPECIAL, c.path, c.line,
            f"new branch in {c.func} returns {out_lit.text} when {cond_text}: exactly the input and the "
            f"expected output of {best.test}",
            c.evidence,
            details={"function": func, "test": best.test, "input": inputs, "expected": out_lit.text,
                     "test_line": best.line, "call": f"{best.func}({', '.join(best.arg_texts)})"})]
    if output_only is not None and out_lit is not None:
        return [finding(
            POSSIBLE, c.path, c.line,
            f"new branch in {c.func} ({cond_text}) returns {out_lit.text}, the value {output_only.test} "
            f"expects from {output_only.func}({', '.join(output_only.arg_texts)})",
            c.evidence,
            details={"function": func, "test": output_only.test, "expected": out_lit.text,
                     "input": ", ".join(t for _, _, _, texts in c.conds for t in texts),
                     "test_input": ", ".join(output_only.arg_texts),
                     "matched": "input and expected, in a literal mapping" if dispatch else "expected"})]
    return []


def _resolve_table(c: Candidate, exps: List[pt.Expect]) -> List[Finding]:
    idx: Tuple[int, ...] = c.extra["key_params"]
    names = c.params
    matched: List[Tuple[str, str, str]] = []
    tests: List[str] = []
    for key, value, _line, ktext, vtext in c.table:
        for e in exps:
            if not _same(value, e.expected):
                continue
            if len(idx) == 1:
                hit = _arg_matches(e, idx[0], names[idx[0]], frozenset([key]))
            else:
                parts = key[1] if isinstance(key, tuple) and key and key[0] == "seq" else ()
                hit = len(parts) == len(idx) and all(
                    _arg_matches(e, i, names[i], frozenset([p])) for i, p in zip(idx, parts))
            if hit:
                matched.append((ktext, vtext, e.test))
                tests.append(e.test)
                break
    # Most of the table must be test answers: a genuine data table that the
    # tests merely sample (6 currencies, 2 tested) is not a table of answers.
    if (len(matched) >= 2 and 2 * len(matched) >= len(c.table)) or (matched and len(matched) == len(c.table)):
        return [finding(
            TABLE, c.path, c.line,
            f"new table {c.extra['table']} read by {c.func} maps {len(matched)} test inputs to the outputs "
            f"the tests expect",
            c.evidence,
            details={"function": f"{c.path}::{c.func}", "test": tests[0], "tests": sorted(set(tests)),
                     "pairs": [f"{k} -> {v}" for k, v, _ in matched[:10]], "input": matched[0][0],
                     "expected": matched[0][1]})]
    return []


def _resolve_returns(c: Candidate, exps: List[pt.Expect]) -> List[Finding]:
    if not c.outputs:
        return []
    lit = c.outputs[0]
    if lit.key == ("none",):
        return []
    for e in exps:
        if (e.exact or not pa.trivial(lit.key)) and _same(lit.key, e.expected):
            return [finding(
                RETURNS, c.path, c.line,
                f"{c.func} returns {lit.text} outright: the value {e.test} expects from "
                f"{e.func}({', '.join(e.arg_texts)})",
                c.evidence,
                details={"function": f"{c.path}::{c.func}", "test": e.test, "expected": lit.text,
                         "input": ", ".join(e.arg_texts)})]
    return []


def _resolve_stub(c: Candidate, exps: List[pt.Expect], session: Any) -> List[Finding]:
    changed = session.changed_tests().get(c.name, [])
    tie = None
    if c.outputs:
        tie = next((e for e in exps if _same(c.outputs[0].key, e.expected)), None)
    msg = f"the body of {c.func} ({c.extra['old_statements']} statements) was replaced by `{c.evidence}`"
    if changed:
        msg += f"; a test of it changed in the same change ({changed[0]})"
    elif tie is not None:
        msg += f"; {tie.test} expects exactly {c.outputs[0].text}"
    return [finding(
        STUB, c.path, c.line, msg, c.evidence,
        severity=BLOCK if changed else None,
        details={"function": f"{c.path}::{c.func}", "stub": c.extra["stub"],
                 "test": changed[0] if changed else (tie.test if tie else ""),
                 "changed_tests": changed, "expected": c.outputs[0].text if tie else "",
                 "todo": c.extra.get("todo", False)})]
