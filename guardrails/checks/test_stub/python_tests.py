"""What Python test files say: which tests pytest collects, the assertions of
each test, and the (function, input literals) -> expected literal pairs the
tests check (plain asserts, unittest asserts, parametrize tables, loops over
literal tables)."""
from __future__ import annotations

import ast
import copy
import itertools
import re
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from guardrails.checks.test_stub import python_ast as pa
from guardrails.checks.test_stub.testfiles import PytestConfig, collected_class, collected_function

MAX_ROWS = 200

# ---------------------------------------------------------------- collection

_TESTCASE_BASES = ("TestCase", "IsolatedAsyncioTestCase", "AsyncTestCase", "SimpleTestCase",
                   "TransactionTestCase", "LiveServerTestCase", "APITestCase")


def is_testcase(cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        name = pa.dotted(base).rsplit(".", 1)[-1]
        if name in _TESTCASE_BASES or name.endswith("TestCase"):
            return True
    return False


def _dunder_test_false(body: Sequence[ast.stmt]) -> Optional[ast.stmt]:
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__test__"
                                                for t in node.targets):
            if isinstance(node.value, ast.Constant) and not node.value.value:
                return node
    return None


def collected_tests(tree: Optional[ast.Module], cfg: PytestConfig) -> Dict[str, pa.Func]:
    """Qualified name -> test function, for the tests a runner collects."""
    out: Dict[str, pa.Func] = {}
    if tree is None or _dunder_test_false(tree.body):
        return out
    for qual, fn in pa.functions(tree).items():
        if fn.cls is None:
            if collected_function(fn.node.name, cfg):
                out[qual] = fn
            continue
        ok = True
        for cls in fn.classes:
            tc = is_testcase(cls)
            if not collected_class(cls.name, cfg, tc) or _dunder_test_false(cls.body):
                ok = False
                break
            if not tc and any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in cls.body):
                ok = False
                break
        if ok and collected_function(fn.node.name, cfg, in_testcase=is_testcase(fn.cls)):
            out[qual] = fn
    return out


def test_id(path: str, qual: str) -> str:
    return f"{path}::{qual.replace('.', '::')}"


# ---------------------------------------------------------------- assertions

EXACT, MEMBER, COMPARE, MOCK, RAISES, TYPE, TRUTHY, NOTNONE, TRIVIAL, HELPER = (
    "exact", "membership", "compare", "mock", "raises", "type", "truthy", "not-none", "trivial", "helper")
STRENGTH = {EXACT: 3, MOCK: 3, RAISES: 3, HELPER: 3, MEMBER: 2, COMPARE: 2, TYPE: 2, TRUTHY: 1,
            NOTNONE: 1, TRIVIAL: 0}

_EXACT_CALLS = {
    "assertEqual", "assertEquals", "failUnlessEqual", "assertIs", "assertListEqual", "assertDictEqual",
    "assertTupleEqual", "assertSetEqual", "assertSequenceEqual", "assertMultiLineEqual", "assertCountEqual",
    "assertAlmostEqual", "assertAlmostEquals", "assert_equal", "assert_array_equal", "assert_allclose",
    "assert_almost_equal", "assert_array_almost_equal", "assert_frame_equal", "assert_series_equal",
    "assertNotEqual", "assertIsNot", "assertRegex", "assertDictContainsSubset", "assertJSONEqual",
}
_COMPARE_CALLS = {"assertGreater", "assertGreaterEqual", "assertLess", "assertLessEqual", "assertNotAlmostEqual"}
_MEMBER_CALLS = {"assertIn", "assertNotIn", "assertContains", "assertNotContains"}
_RAISES = {"raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "warns", "assertWarns",
           "assertWarnsRegex", "deprecated_call", "assertLogs"}


class Assertion(NamedTuple):
    node: ast.AST
    line: int
    kind: str
    subject: str  # the source of what is checked ("" when unknown), or a helper's name
    expected: Optional[ast.AST]
    text: str  # its first line, as written
    key: str  # its whole source, whitespace normalised: equal keys = same assertion


def _truthy_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return any(_truthy_constant(v) for v in node.values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.Is)):
        return pa.dump(node.left) == pa.dump(node.comparators[0])
    return False


def _constant_subject(node: Optional[ast.AST]) -> bool:
    """A literal checked for being there (`assertIsNotNone(3)`,
    `assert "x" is not None`): it always is."""
    if node is None:
        return False
    lit = pa.literal(node)
    return lit is not None and lit.key != ("none",) and not (isinstance(node, ast.Call))


def _classify_assert(test: ast.expr) -> Tuple[str, Any, Optional[ast.AST]]:
    if _truthy_constant(test):
        return TRIVIAL, "", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) and \
            isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None and \
            _constant_subject(test.left):
        return TRIVIAL, "", None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        left = test.left
        if isinstance(op, ast.IsNot) and isinstance(right, ast.Constant) and right.value is None:
            return NOTNONE, left, None
        if isinstance(op, (ast.Eq, ast.Is)):
            if pa.literal(left) is not None and pa.literal(right) is None:
                left, right = right, left
            return EXACT, left, right
        if isinstance(op, (ast.In, ast.NotIn)):
            return MEMBER, right, left
        return COMPARE, left, right
    if isinstance(test, ast.Call) and pa.dotted(test.func) == "isinstance" and test.args:
        return TYPE, test.args[0], None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return TRUTHY, test.operand, None
    if isinstance(test, ast.BoolOp):
        return TRUTHY, test, None
    return TRUTHY, test, None


def _classify_call(call: ast.Call) -> Optional[Tuple[str, Any, Optional[ast.AST]]]:
    name = pa.callee(call)
    args = call.args
    if name in _EXACT_CALLS:
        if len(args) >= 2:
            return EXACT, args[0], args[1]
        return EXACT, "", None
    if name in ("assertTrue", "assert_", "failUnless", "assertFalse", "failIf"):
        if args and isinstance(args[0], ast.Constant):
            truth = bool(args[0].value) == name.startswith(("assertT", "assert_", "failU"))
            return (TRIVIAL if truth else TRUTHY), "", None
        return TRUTHY, args[0] if args else "", None
    if name == "assertIsNotNone":
        if args and _constant_subject(args[0]):
            return TRIVIAL, "", None
        return NOTNONE, args[0] if args else "", None
    if name == "assertIsNone":
        return EXACT, args[0] if args else "", ast.Constant(None)
    if name in ("assertIsInstance", "assertNotIsInstance"):
        return TYPE, args[0] if args else "", None
    if name in _COMPARE_CALLS:
        return COMPARE, args[0] if args else "", args[1] if len(args) > 1 else None
    if name in _MEMBER_CALLS:
        return MEMBER, args[1] if len(args) > 1 else "", args[0] if args else None
    if name in _RAISES and isinstance(call.func, ast.Attribute):
        return RAISES, "", args[0] if args else None
    if name.startswith("assert_") and isinstance(call.func, ast.Attribute) and \
            name.startswith(("assert_called", "assert_not_called", "assert_any_call", "assert_has_calls",
                             "assert_awaited")):
        return MOCK, call.func.value, None
    if name.startswith(("assert", "check_", "verify_", "expect_")) and name not in ("assert",):
        return HELPER, name, None
    return None


def assertions(fn: ast.AST, lines: List[str], memo: Optional[Dict[int, List[Assertion]]] = None) -> List[Assertion]:
    """The assertions of a function body, in source order (nested functions
    and classes excluded). MEMO caches them by node."""
    if memo is not None and id(fn) in memo:
        return memo[id(fn)]
    out: List[Assertion] = []
    for node in pa.walk_no_defs(fn):
        res: Optional[Tuple[str, Any, Optional[ast.AST]]] = None
        if isinstance(node, ast.Assert):
            res = _classify_assert(node.test)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            res = _classify_call(node.value)
        elif isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call) \
                and pa.callee(node.context_expr) in _RAISES:
            call = node.context_expr
            res = RAISES, "", call.args[0] if call.args else None
            node = call
        if res is None:
            continue
        line = getattr(node, "lineno", 0)
        subject = res[1] if isinstance(res[1], str) else pa.segment(lines, res[1])
        out.append(Assertion(node, line, res[0], subject, res[2], pa.source_line(lines, line),
                             pa.segment(lines, node)))
    out.sort(key=lambda a: a.line)
    if memo is not None:
        memo[id(fn)] = out
    return out


class Helpers:
    """Module-level functions of a test file that tests may call to assert
    for them; their assertions are counted on first use."""

    def __init__(self, tree: Optional[ast.Module], lines: List[str]):
        self.lines = lines
        self.nodes = {n.name: n for n in (tree.body if tree is not None else [])
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.counts: Dict[str, int] = {}

    def get(self, name: str, default: int = 0) -> int:
        if name not in self.nodes:
            return default
        if name not in self.counts:
            self.counts[name] = len(assertions(self.nodes[name], self.lines))
        return self.counts[name] or default


def helper_counts(tree: Optional[ast.Module], lines: List[str]) -> Helpers:
    return Helpers(tree, lines)


def checks_message(node: ast.AST) -> bool:
    """Does a pytest.raises / assertRaises also check the message?"""
    call = node if isinstance(node, ast.Call) else getattr(node, "value", None)
    if not isinstance(call, ast.Call):
        return False
    name = pa.callee(call)
    return name.endswith(("Regex", "Regexp")) or any(k.arg in ("match", "expected_regex") for k in call.keywords)


def effective_count(fn: ast.AST, lines: List[str], helpers: Any,
                    methods: Optional[Dict[str, int]] = None, memo: Optional[Dict[int, Any]] = None) -> int:
    """Assertions of a test, counting those of the helpers it calls."""
    count = 0
    for a in assertions(fn, lines, memo):
        if a.kind == HELPER:
            count += max(1, helpers.get(a.subject, 0) or (methods or {}).get(a.subject, 0))
        elif a.kind == RAISES and (pa.callee(a.node) == "deprecated_call" or (
                pa.callee(a.node) in ("warns", "assertWarns") and a.expected is not None and
                pa.dotted(a.expected).endswith(("DeprecationWarning", "FutureWarning")))):
            continue  # goes away with the deprecated code it watched
        else:
            count += 1
            if a.kind == RAISES and checks_message(a.node):
                count += 1  # `match=` checks the message as an assert would
    called = set()
    for node in pa.walk_no_defs(fn):
        if isinstance(node, ast.Call):
            name = pa.callee(node)
            if name and not name.startswith(("assert", "check_", "verify_", "expect_")):
                called.add(name)
    for name in called:
        count += helpers.get(name, 0) or (methods or {}).get(name, 0)
    return count


# ---------------------------------------------------------------- masking

class _Mask(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value="\0LIT")


_LITERAL_TEXT = re.compile(
    r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"|(?<![\w.])[-+]?(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?)")


def masked(node: ast.AST) -> str:
    return pa.dump(_Mask().visit(copy.deepcopy(node)))


def masked_text(text: str) -> str:
    """Source text with its literals replaced: equal when only literals differ."""
    return _LITERAL_TEXT.sub("\0", text)


# ---------------------------------------------------------------- expectations

class Expect(NamedTuple):
    """A test checks that FUNC(args) gives EXPECTED."""

    func: str
    args: Tuple[Any, ...]  # literal keys of positional args (pa.MISSING when not literal)
    kwargs: Tuple[Tuple[str, Any], ...]
    arg_texts: Tuple[str, ...]
    expected: Any  # literal key
    expected_text: str
    exact: bool  # == / assertEqual (False for truthiness)
    test: str  # path::Test::name
    line: int


def module_constants(tree: Optional[ast.Module]) -> Dict[str, ast.AST]:
    out: Dict[str, ast.AST] = {}
    if tree is None:
        return out
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = node.value
    return out


def _argnames(node: ast.AST) -> List[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [n.strip() for n in node.value.split(",") if n.strip()]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value.strip() for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _rows(node: ast.AST, consts: Dict[str, ast.AST]) -> List[ast.expr]:
    if isinstance(node, ast.Name) and node.id in consts:
        node = consts[node.id]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return list(node.elts)[:MAX_ROWS]
    return []


def _row_values(row: ast.expr, n: int) -> Optional[List[ast.expr]]:
    if isinstance(row, ast.Call) and pa.callee(row) == "param":
        values: List[ast.expr] = list(row.args)
    elif n == 1:
        values = [row]
    elif isinstance(row, (ast.Tuple, ast.List)):
        values = list(row.elts)
    else:
        return None
    return values if len(values) == n else None


class ParamTable(NamedTuple):
    node: ast.Call  # the parametrize call
    names: List[str]
    rows: List[Tuple[ast.expr, List[ast.expr]]]  # (row node, values)


def parametrize_tables(fn: ast.AST, consts: Dict[str, ast.AST]) -> List[ParamTable]:
    out = []
    for deco in getattr(fn, "decorator_list", []):
        if isinstance(deco, ast.Call) and pa.callee(deco) == "parametrize" and len(deco.args) >= 2:
            names = _argnames(deco.args[0])
            if not names:
                continue
            rows = []
            for row in _rows(deco.args[1], consts):
                values = _row_values(row, len(names))
                if values is not None:
                    rows.append((row, values))
            out.append(ParamTable(deco, names, rows))
    return out


def _bindings(fn: ast.AST, consts: Dict[str, ast.AST]) -> List[Dict[str, ast.AST]]:
    tables = parametrize_tables(fn, consts)
    if not tables:
        return [{}]
    envs: List[Dict[str, ast.AST]] = []
    per_table = [[dict(zip(t.names, values)) for _, values in t.rows] or [{}] for t in tables]
    for combo in itertools.islice(itertools.product(*per_table), MAX_ROWS):
        env: Dict[str, ast.AST] = {}
        for part in combo:
            env.update(part)
        envs.append(env)
    return envs


def expectations(tree: Optional[ast.Module], path: str, tests: Dict[str, pa.Func],
                 wanted: Optional[set] = None) -> List[Expect]:
    """Every (function, literal inputs) -> literal expected pair the tests check.
    WANTED limits the result to calls of those function names."""
    consts = module_constants(tree)
    out: List[Expect] = []
    for qual, fn in tests.items():
        tid = test_id(path, qual)
        for env in _bindings(fn.node, consts):
            _scan(fn.node.body, dict(env), consts, tid, wanted, out)
    return out


def _resolve(node: Optional[ast.AST], env: Dict[str, ast.AST], depth: int = 0) -> Optional[ast.AST]:
    while isinstance(node, ast.Name) and node.id in env and depth < 5:
        node = env[node.id]
        depth += 1
    return node


def _scan(body: List[ast.stmt], env: Dict[str, ast.AST], consts: Dict[str, ast.AST], tid: str,
          wanted: Optional[set], out: List[Expect]) -> None:
    for stmt in body:
        if len(out) > 20000:
            return
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                env[target.id] = stmt.value
            elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) \
                    and len(target.elts) == len(stmt.value.elts):
                for t, v in zip(target.elts, stmt.value.elts):
                    if isinstance(t, ast.Name):
                        env[t.id] = v
            continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            env[stmt.target.id] = stmt.value
            continue
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            rows = _rows(_resolve(stmt.iter, env) or stmt.iter, consts)
            names: List[str] = []
            if isinstance(stmt.target, ast.Name):
                names = [stmt.target.id]
            elif isinstance(stmt.target, (ast.Tuple, ast.List)):
                names = [e.id for e in stmt.target.elts if isinstance(e, ast.Name)]
                if len(names) != len(stmt.target.elts):
                    names = []
            if rows and names:
                for row in rows:
                    values = _row_values(row, len(names))
                    if values is None:
                        continue
                    sub = dict(env)
                    sub.update(zip(names, values))
                    _scan(stmt.body, sub, consts, tid, wanted, out)
            else:
                _scan(stmt.body, env, consts, tid, wanted, out)
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith, ast.If, ast.While)):
            _scan(stmt.body, env, consts, tid, wanted, out)
            if isinstance(stmt, (ast.If, ast.While)):
                _scan(stmt.orelse, env, consts, tid, wanted, out)
            continue
        if isinstance(stmt, ast.Try):
            _scan(stmt.body, env, consts, tid, wanted, out)
            continue
        pair = _pair(stmt, env)
        if pair is None:
            continue
        subject, expected, exact = pair
        call = _resolve(subject, env)
        if not isinstance(call, ast.Call):
            continue
        name = pa.callee(call)
        if not name or (wanted is not None and name not in wanted):
            continue
        exp = pa.literal(_resolve(expected, env))
        if exp is None:
            continue
        args = tuple(pa.literal_key(_resolve(a, env)) for a in call.args)
        kwargs = tuple((k.arg, pa.literal_key(_resolve(k.value, env))) for k in call.keywords if k.arg)
        texts = tuple(_text(_resolve(a, env)) for a in call.args) + \
            tuple(f"{k.arg}={_text(_resolve(k.value, env))}" for k in call.keywords if k.arg)
        out.append(Expect(name, args, kwargs, texts, exp.key, exp.text, exact, tid, stmt.lineno))


def _text(node: Optional[ast.AST]) -> str:
    try:
        return ast.unparse(node) if node is not None else "?"
    except Exception:  # pragma: no cover
        return "?"


def _pair(stmt: ast.stmt, env: Dict[str, ast.AST]) -> Optional[Tuple[ast.AST, ast.AST, bool]]:
    """(subject, expected, exact) of an assertion statement."""
    if isinstance(stmt, ast.Assert):
        test = stmt.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
            left, right = test.left, test.comparators[0]
            if isinstance(_resolve(right, env), ast.Call) and not isinstance(_resolve(left, env), ast.Call):
                left, right = right, left
            resolved = _resolve(right, env)
            if isinstance(resolved, ast.Call) and pa.callee(resolved) == "approx" and resolved.args:
                right = resolved.args[0]
            return left, right, True
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return test.operand, ast.Constant(False), False
        if isinstance(test, (ast.Call, ast.Name)):
            return test, ast.Constant(True), False
        return None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        name = pa.callee(call)
        a = call.args
        if name in ("assertEqual", "assertEquals", "assertIs", "assertAlmostEqual", "assertListEqual",
                    "assertDictEqual", "assertTupleEqual", "assert_equal", "assert_allclose") and len(a) >= 2:
            first, second = a[0], a[1]
            if isinstance(_resolve(second, env), ast.Call) and not isinstance(_resolve(first, env), ast.Call):
                first, second = second, first
            return first, second, True
        if name in ("assertTrue", "assertFalse") and a:
            return a[0], ast.Constant(name == "assertTrue"), False
        if name == "assertIsNone" and a:
            return a[0], ast.Constant(None), True
    return None


def called_names(fn: ast.AST) -> set:
    return {pa.callee(n) for n in pa.walk_no_defs(fn) if isinstance(n, ast.Call)} - {""}


_BUILTINS = {"len", "sorted", "list", "set", "str", "int", "float", "bool", "tuple", "dict", "repr", "type",
             "isinstance", "any", "all", "sum", "min", "max", "abs", "round", "next", "iter", "frozenset",
             "approx", "getattr", "hasattr", "vars", "id", "hash", "bytes", "print"}


def _outer_calls(expr: Optional[ast.AST], env: Dict[str, ast.AST], out: set, depth: int = 0) -> None:
    """Callees of the calls EXPR checks: the outermost ones, looking through
    builtins (`len(parse(x))` -> parse) and skipping literal constructors
    (`Decimal("1.00")`)."""
    if expr is None or depth > 8:
        return
    expr = _resolve(expr, env)
    if expr is None:
        return
    if isinstance(expr, ast.Call):
        name = pa.callee(expr)
        if pa.literal_key(expr) is not pa.MISSING:
            return
        if name and name not in _BUILTINS:
            out.add(name)
            return
        for arg in list(expr.args) + [k.value for k in expr.keywords]:
            _outer_calls(arg, env, out, depth + 1)
        if isinstance(expr.func, ast.Attribute):
            _outer_calls(expr.func.value, env, out, depth + 1)
        return
    for child in ast.iter_child_nodes(expr):
        _outer_calls(child, env, out, depth + 1)


def subjects(fn: ast.AST) -> set:
    """Names of the functions whose results a test asserts on."""
    names: set = set()
    env: Dict[str, ast.AST] = {}
    for node in pa.walk_no_defs(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            env[node.targets[0].id] = node.value
    for node in pa.walk_no_defs(fn):
        pair = _pair(node, env) if isinstance(node, ast.stmt) else None
        if pair is not None:
            _outer_calls(pair[0], env, names)
        elif isinstance(node, ast.Assert):
            _outer_calls(node.test, env, names)
    return names


def iter_calls(fn: ast.AST) -> Iterator[ast.Call]:
    for node in pa.walk_no_defs(fn):
        if isinstance(node, ast.Call):
            yield node
