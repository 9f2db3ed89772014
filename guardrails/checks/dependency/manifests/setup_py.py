"""setup.py, read with `ast` and never run: literal lists passed to setup()
as install_requires / extras_require / setup_requires / tests_require,
directly or through a module-level name bound to a literal."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional

from guardrails.checks.dependency.manifests import pep508
from guardrails.checks.dependency.model import BUILD, DEV, OPTIONAL, PYPI, RUNTIME, Dep, Parsed, mask, pep503

_GROUPS = {"install_requires": RUNTIME, "setup_requires": BUILD, "tests_require": DEV}


def _strings(node: Optional[ast.AST], names: Dict[str, ast.AST], depth: int = 0) -> List[ast.Constant]:
    """The string constants a literal list expression holds (lists, tuples,
    + concatenation, names bound to those at module level)."""
    if node is None or depth > 10:
        return []
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out: List[ast.Constant] = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append(elt)
            elif isinstance(elt, ast.Starred):
                out.extend(_strings(elt.value, names, depth + 1))
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    if isinstance(node, ast.Name) and node.id in names:
        return _strings(names[node.id], names, depth + 1)
    return []


def _is_setup(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup")


def parse(text: str, path: str) -> Parsed:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        return Parsed(problems=(f"{path}: cannot parse: {exc}",))
    except MemoryError:
        # The parser's own stack overflowing on hostile input (a long chain
        # of operators); a RecursionError is reported by manifests.parse.
        return Parsed(problems=(f"{path}: cannot parse: too complex for the Python parser",))
    lines = text.splitlines()
    names: Dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            names[stmt.targets[0].id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            names[stmt.target.id] = stmt.value
    deps: List[Dep] = []
    problems: List[str] = []

    def add(const: ast.Constant, group: str, subgroup: str = "") -> None:
        value = str(const.value)
        req = pep508.parse(value)
        if req is None:
            problems.append(f"{path}:{const.lineno}: not a requirement: {value[:80]}")
            return
        line = lines[const.lineno - 1].strip() if const.lineno <= len(lines) else value
        deps.append(Dep(PYPI, pep503(req.name), req.spec, group, path, const.lineno, raw_name=req.name,
                        source=mask(req.url), text=line, extras=req.extras, marker=req.marker,
                        subgroup=subgroup))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not _is_setup(node):
            continue
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        for key, group in _GROUPS.items():
            value = kwargs.get(key)
            if value is None:
                continue
            found = _strings(value, names)
            if not found and not (isinstance(value, (ast.List, ast.Tuple)) and not value.elts):
                problems.append(f"{path}:{value.lineno}: {key} is not a literal list (not evaluated)")
            for const in found:
                add(const, group, "tests" if group == DEV else "")
        extras: Optional[ast.AST] = kwargs.get("extras_require")
        if isinstance(extras, ast.Name):
            extras = names.get(extras.id)
        if isinstance(extras, ast.Dict):
            for k, v in zip(extras.keys, extras.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    for const in _strings(v, names):
                        add(const, OPTIONAL, k.value)
        elif extras is not None:
            problems.append(f"{path}: extras_require is not a literal dict (not evaluated)")
    return Parsed(deps=tuple(deps), problems=tuple(problems))
