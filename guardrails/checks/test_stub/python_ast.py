"""Syntax-tree helpers for the Python part of the test-stub family: parsing,
functions by qualified name, literals normalised for comparison, calls."""
from __future__ import annotations

import ast
import warnings
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

FuncNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
MISSING = object()


def parse(text: Optional[str]) -> Optional[ast.Module]:
    """The module's tree, or None when it does not parse (the change may be
    broken Python; other tools say so)."""
    if text is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class Func(NamedTuple):
    qualname: str  # "Class.method" or "function"
    node: FuncNode
    cls: Optional[ast.ClassDef]  # the innermost enclosing class
    classes: Tuple[ast.ClassDef, ...]  # enclosing classes, outermost first


def functions(tree: Optional[ast.AST]) -> Dict[str, Func]:
    """Module-level functions and methods of (nested) classes, by qualified
    name. Functions nested in functions are part of their parent."""
    out: Dict[str, Func] = {}
    if tree is None:
        return out

    def visit(body: List[ast.stmt], prefix: str, classes: Tuple[ast.ClassDef, ...]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + node.name
                out[name] = Func(name, node, classes[-1] if classes else None, classes)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".", classes + (node,))
            elif isinstance(node, (ast.If, ast.Try)):
                # `if TYPE_CHECKING:` / `try: ... except ImportError:` definitions
                for part in _blocks(node):
                    visit(part, prefix, classes)

    visit(tree.body, "", ())  # type: ignore[attr-defined]
    return out


def classes(tree: Optional[ast.AST]) -> Dict[str, ast.ClassDef]:
    out: Dict[str, ast.ClassDef] = {}
    if tree is None:
        return out

    def visit(body: List[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                out[prefix + node.name] = node
                visit(node.body, prefix + node.name + ".")

    visit(tree.body, "")  # type: ignore[attr-defined]
    return out


def _blocks(node: ast.stmt) -> Iterator[List[ast.stmt]]:
    if isinstance(node, ast.If):
        yield node.body
        yield node.orelse
    elif isinstance(node, ast.Try):
        yield node.body
        for h in node.handlers:
            yield h.body
        yield node.orelse
        yield node.finalbody


def body_without_docstring(node: FuncNode) -> List[ast.stmt]:
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def params(node: FuncNode, is_method: bool) -> List[str]:
    """Parameter names a caller passes (without self / cls of a method)."""
    a = node.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if is_method and names and not _is_static(node):
        names = names[1:]
    return names + [p.arg for p in a.kwonlyargs]


def all_params(node: FuncNode) -> List[str]:
    a = node.args
    names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    if a.vararg:
        names.append(a.vararg.arg)
    if a.kwarg:
        names.append(a.kwarg.arg)
    return names


def _is_static(node: FuncNode) -> bool:
    return any(dotted(d) in ("staticmethod",) for d in node.decorator_list)


def dotted(node: Optional[ast.AST]) -> str:
    """"a.b.c" for a Name/Attribute chain (calls are looked through), else ""."""
    parts: List[str] = []
    while node is not None:
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        else:
            return ""
    return ".".join(reversed(parts))


def callee(call: ast.AST) -> str:
    """The simple name a call calls: f(...) -> f, a.b.f(...) -> f."""
    if not isinstance(call, ast.Call):
        return ""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


# ---------------------------------------------------------------- literals

class Lit(NamedTuple):
    key: Any  # hashable, normalised: 37.8 == 37.80 == Decimal("37.80")
    text: str  # as written


def _num(v: Any) -> Any:
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, complex):
        return ("num", v)
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return ("num", v)
    return ("num", f)


def literal_key(node: Optional[ast.AST], depth: int = 0) -> Any:
    """A normalised, hashable key for a literal expression, or MISSING."""
    if node is None or depth > 6:
        return MISSING
    if isinstance(node, ast.Constant):
        v = node.value
        if v is None:
            return ("none",)
        if isinstance(v, (bool, int, float, complex)):
            return _num(v)
        if isinstance(v, str):
            return ("str", v)
        if isinstance(v, bytes):
            return ("bytes", v)
        if v is Ellipsis:
            return MISSING
        return MISSING
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float, complex)) \
            and not isinstance(node.operand.value, bool):
        v = node.operand.value
        return _num(-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, (ast.Tuple, ast.List)):
        keys = tuple(literal_key(e, depth + 1) for e in node.elts)
        if any(k is MISSING for k in keys):
            return MISSING
        return ("seq", keys)
    if isinstance(node, ast.Set):
        keys = tuple(literal_key(e, depth + 1) for e in node.elts)
        if any(k is MISSING for k in keys):
            return MISSING
        return ("set", frozenset(keys))
    if isinstance(node, ast.Dict):
        items = []
        for knode, vnode in zip(node.keys, node.values):
            kk, vk = literal_key(knode, depth + 1), literal_key(vnode, depth + 1)
            if kk is MISSING or vk is MISSING:
                return MISSING
            items.append((kk, vk))
        return ("dict", frozenset(items))
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = dotted(node.func)
        if name.rsplit(".", 1)[-1] in ("Decimal", "Fraction", "approx", "float", "int", "str"):
            inner = node.args[0]
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str) \
                    and name.rsplit(".", 1)[-1] in ("Decimal", "float", "Fraction"):
                try:
                    return _num(float(inner.value))
                except ValueError:
                    return MISSING
            return literal_key(inner, depth + 1)
    if isinstance(node, ast.Call) and dotted(node.func).endswith("approx") and node.args:
        return literal_key(node.args[0], depth + 1)
    return MISSING


def literal(node: Optional[ast.AST]) -> Optional[Lit]:
    key = literal_key(node)
    if key is MISSING:
        return None
    try:
        text = ast.unparse(node)  # type: ignore[arg-type]
    except Exception:  # pragma: no cover - unparse of a literal does not fail
        text = "?"
    return Lit(key, text)


_TRIVIAL: set = {("none",), ("bool", True), ("bool", False), ("num", 0.0), ("num", 1.0), ("num", -1.0),
            ("str", ""), ("bytes", b""), ("seq", ()), ("dict", frozenset()), ("set", frozenset())}


def trivial(key: Any) -> bool:
    """Canonical edge values (None, booleans, 0, 1, -1, empty) that real
    code branches on for good reasons."""
    try:
        return key in _TRIVIAL
    except TypeError:
        return False


# ---------------------------------------------------------------- misc

def dump(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False)


def body_dump(node: FuncNode) -> str:
    return "\n".join(dump(s) for s in node.body)


def node_lines(node: ast.AST) -> range:
    """The lines of NODE, decorators included."""
    start = getattr(node, "lineno", 0)
    for deco in getattr(node, "decorator_list", ()):
        start = min(start, deco.lineno)
    end = getattr(node, "end_lineno", start) or start
    return range(start, end + 1)


def segment(lines: List[str], node: Optional[ast.AST]) -> str:
    """The source of NODE, whitespace normalised ("" when unknown)."""
    if node is None:
        return ""
    start, end = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0)
    if not start or not end or end > len(lines):
        return ""
    col, end_col = getattr(node, "col_offset", 0) or 0, getattr(node, "end_col_offset", None)
    if start == end:
        # ast offsets are in UTF-8 bytes
        raw = lines[start - 1].encode("utf-8", "surrogateescape")
        text = raw[col:end_col].decode("utf-8", "surrogateescape")
    else:
        first = lines[start - 1].encode("utf-8", "surrogateescape")[col:].decode("utf-8", "surrogateescape")
        last = lines[end - 1].encode("utf-8", "surrogateescape")[:end_col].decode("utf-8", "surrogateescape")
        text = "\n".join([first] + lines[start:end - 1] + [last])
    return " ".join(text.split())


def text_of(lines: List[str], node: ast.AST) -> str:
    """The lines of NODE (decorators included), as written."""
    span = node_lines(node)
    return "\n".join(lines[span.start - 1:span.stop - 1])


def source_line(lines: List[str], no: int) -> str:
    return lines[no - 1].strip() if 0 < no <= len(lines) else ""


def walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk that does not enter nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(n))


def import_time_nodes(tree: ast.Module) -> List[ast.AST]:
    """The nodes that run when the module is imported: outside functions,
    classes, lambdas and the `if __name__ == "__main__":` block."""
    out: List[ast.AST] = []
    stack: List[ast.AST] = [n for n in tree.body if not (
        isinstance(n, ast.If) and isinstance(n.test, ast.Compare) and dotted(n.test.left) == "__name__")]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return out
