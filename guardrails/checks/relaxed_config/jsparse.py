"""A light, tolerant reader of the literals in a JavaScript/TypeScript config
file (eslint.config.js, jest.config.ts, vitest.config.ts).  It never runs
the file: object and array literals are read, anything computed (a call, a
variable, a spread, a template with ${}) becomes UNKNOWN and is skipped."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<spread>\.\.\.)
  | (?P<name>[A-Za-z_$][\w$.]*)
  | (?P<punct>.)
""", re.S | re.X)


class _Unknown:
    """A computed value: equal to any other, so two reads of a file compare equal."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unknown)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def tokenize(text: str) -> List[Tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind != "ws":
            out.append((kind, m.group()))
    return out


_CLOSE = {"{": "}", "[": "]", "(": ")"}


def _skip(tokens: List[Tuple[str, str]], i: int) -> int:
    """Skip one expression: up to a , or a closing bracket at depth 0."""
    depth = 0
    while i < len(tokens):
        t = tokens[i][1] if tokens[i][0] == "punct" else ""
        if t in _CLOSE:
            depth += 1
        elif t in ("}", "]", ")"):
            if depth == 0:
                return i
            depth -= 1
        elif t in (",", ";") and depth == 0:
            return i
        i += 1
    return i


def parse_value(tokens: List[Tuple[str, str]], i: int) -> Tuple[Any, int]:
    if i >= len(tokens):
        return UNKNOWN, i
    kind, text = tokens[i]
    if kind == "punct" and text == "{":
        return parse_object(tokens, i + 1)
    if kind == "punct" and text == "[":
        return parse_array(tokens, i + 1)
    nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ","
    simple = nxt in (",", "}", "]", ")", ";")
    if kind == "str" and simple:
        if text.startswith("`") and "${" in text:
            return UNKNOWN, i + 1
        return text[1:-1], i + 1
    if kind == "num" and simple:
        return float(text) if "." in text else int(text), i + 1
    if kind == "name" and simple and text in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[text], i + 1
    return UNKNOWN, _skip(tokens, i)


def parse_object(tokens: List[Tuple[str, str]], i: int) -> Tuple[Dict[str, Any], int]:
    out: Dict[str, Any] = {}
    while i < len(tokens):
        kind, text = tokens[i]
        if text == "}" and kind == "punct":
            return out, i + 1
        if text == "," and kind == "punct":
            i += 1
            continue
        if kind == "spread" or (kind == "punct" and text == "["):
            i = _skip(tokens, i + 1 if kind == "spread" else i)
            if kind == "punct":
                # computed key: skip its value too
                i = _skip(tokens, i)
            continue
        key = text[1:-1] if kind == "str" else text
        if i + 1 < len(tokens) and tokens[i + 1][1] == ":":
            value, i = parse_value(tokens, i + 2)
            out[key] = value
        else:
            i = _skip(tokens, i + 1)
    return out, i


def parse_array(tokens: List[Tuple[str, str]], i: int) -> Tuple[List[Any], int]:
    out: List[Any] = []
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "punct" and text == "]":
            return out, i + 1
        if kind == "punct" and text == ",":
            i += 1
            continue
        if kind == "spread":
            out.append(UNKNOWN)
            i = _skip(tokens, i + 1)
            continue
        start = i
        value, i = parse_value(tokens, i)
        out.append(value)
        if i == start:
            i += 1
    return out, i


def top_objects(text: str) -> Dict[str, Any]:
    """The object literals at the top level of the file (`export default {`,
    `module.exports = {`, `defineConfig({`, `const config = {`), merged."""
    tokens = tokenize(text)
    out: Dict[str, Any] = {}
    depth = 0
    i = 0
    while i < len(tokens):
        kind, tok = tokens[i]
        if kind == "punct" and tok in "{[":
            prev = tokens[i - 1][1] if i else ""
            if tok == "{" and depth == 0 and prev in ("=", "(", "default"):
                obj, i = parse_object(tokens, i + 1)
                out.update(obj)
                continue
            depth += 1
        elif kind == "punct" and tok in "}]":
            depth = max(0, depth - 1)
        i += 1
    return out
