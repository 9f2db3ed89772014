"""YAML from an untrusted change, without crashing the process.

libyaml's CSafeLoader is fast but crashes the whole process (a segfault, no
exception) on deeply nested flow collections ("[[[[..." x 100,000), and the
pure-Python loader raises RecursionError on them.  A change can contain such
a file, so every YAML read of change text measures the nesting first.

Aliases are the other bomb: ``b: &b [*a, *a, ...]`` nine levels deep is a
few hundred bytes that stand for 10^9 nodes.  Composing shares the aliased
node, but whoever walks the result (a check, json.dumps) expands it.  LOADER
counts what the aliases would add to a document and refuses one that
expands by more than MAX_ALIAS_EXPANSION nodes and four times its size (or
refers to itself) with a yaml.YAMLError, which every reader already reports
as unreadable YAML.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FLOW_DEPTH = 200
MAX_ALIAS_EXPANSION = 100_000
_BRACKETS = re.compile(r"[^\[\]{}]+")


def flow_depth(text: str) -> int:
    """Deepest [ / { nesting (brackets in strings and comments count too)."""
    depth = deepest = 0
    for ch in _BRACKETS.sub("", text):
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def too_deep(text: str) -> bool:
    """True when TEXT nests flow collections deeper than any real file does."""
    if "[[" not in text and "{{" not in text and text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return False
    return flow_depth(text) > MAX_FLOW_DEPTH


class AliasBomb(yaml.YAMLError):
    """A document whose aliases expand past MAX_ALIAS_EXPANSION nodes, or
    that contains itself."""


def alias_expansion(root: yaml.Node, limit: int = MAX_ALIAS_EXPANSION) -> int:
    """How many nodes the aliases of ROOT's graph add when it is expanded
    as a tree (0 without aliases).  Iterative, memoised by node: linear in
    the distinct nodes, however much the aliases stand for.  Raises
    AliasBomb on a cycle, or when the aliases add more than LIMIT nodes and
    more than four times the document's own."""
    scalar = yaml.ScalarNode
    sizes: dict = {}
    active: set = set()
    distinct = 0
    stack = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in sizes:
            stack.pop()
            continue
        kids = _children(node)
        if key not in active:
            active.add(key)
            pending = [c for c in kids if c.__class__ is not scalar and id(c) not in sizes]
            if pending:
                for child in pending:
                    if id(child) in active:
                        raise AliasBomb("a node contains itself through an alias")
                stack.extend(pending)
                continue
        stack.pop()
        active.discard(key)
        total = 1
        for child in kids:
            if child.__class__ is scalar:
                total += 1
                distinct += 1  # a shared scalar counts once per use: harmless
            else:
                total += sizes[id(child)]
        sizes[key] = total
        distinct += 1
    added = sizes[id(root)] - distinct if id(root) in sizes else 0
    if added > limit and added > 4 * distinct:
        raise AliasBomb(f"aliases expand the document by {added:,} nodes, more than {limit:,} and four times "
                        "its size (an alias bomb)")
    return added


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class LOADER(_BASE_LOADER):  # type: ignore[misc,valid-type]  # the base is chosen at import (C or Python)
    """The safe loader (libyaml's when present), refusing alias bombs."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # An alias needs an anchor: without both characters there is none.
        self._may_alias = not isinstance(stream, str) or ("&" in stream and "*" in stream)

    def _measured(self, node: "yaml.Node | None") -> "yaml.Node | None":
        if node is not None and self._may_alias and not isinstance(node, yaml.ScalarNode):
            alias_expansion(node)
        return node

    def get_single_node(self) -> "yaml.Node | None":
        return self._measured(super().get_single_node())

    def get_node(self) -> "yaml.Node | None":
        return self._measured(super().get_node())
