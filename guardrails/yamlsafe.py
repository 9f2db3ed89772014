"""YAML from an untrusted change, without crashing the process.

libyaml's CSafeLoader is fast but crashes the whole process (a segfault, no
exception) on deeply nested flow collections ("[[[[..." x 100,000), and the
pure-Python loader raises RecursionError on them.  A change can contain such
a file, so every YAML read of change text measures the nesting first.
"""
from __future__ import annotations

import re

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FLOW_DEPTH = 200
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
