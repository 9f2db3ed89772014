"""YAML nodes with line numbers (yaml.compose keeps the marks that
safe_load throws away).  Never constructs arbitrary Python objects."""
from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

import yaml

from guardrails.yamlsafe import LOADER as _Loader, too_deep


def compose(text: str) -> Optional[yaml.Node]:
    """The first document's node tree, or None when the text is not YAML."""
    if too_deep(text):
        return None
    try:
        return yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def problem(text: str) -> str:
    """Why TEXT is not a YAML document (for a message), "" when it is one."""
    if too_deep(text):
        return "nested too deeply"
    try:
        return "" if yaml.compose(text, Loader=_Loader) is not None else "no document"
    except yaml.YAMLError as exc:
        return " ".join(str(exc).split())[:200]
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__


def compose_all(text: str) -> List[yaml.Node]:
    if too_deep(text):
        return []
    try:
        return [n for n in yaml.compose_all(text, Loader=_Loader) if n is not None]
    except (yaml.YAMLError, ValueError, RecursionError):
        return []


def line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def items(node: Optional[yaml.Node]) -> Iterator[Tuple[str, yaml.Node, yaml.Node]]:
    """(key text, key node, value node) of a mapping."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                yield str(k.value), k, v


def get(node: Optional[yaml.Node], key: str) -> Optional[yaml.Node]:
    for k, _, v in items(node):
        if k == key:
            return v
    return None


def seq(node: Optional[yaml.Node]) -> List[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def scalar(node: Optional[yaml.Node]) -> Optional[str]:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None
