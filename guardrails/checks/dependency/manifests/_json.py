"""JSON with line numbers: the line of every key path, from one pass of a
small tokenizer (json.loads keeps no positions)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,\n]')


def loads(text: str) -> Tuple[Any, Optional[str]]:
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        return None, f"invalid JSON: {exc}"


def key_lines(text: str, max_depth: int = 6) -> Dict[Tuple[str, ...], int]:
    """(key, subkey, ...) -> 1-based line of that key.  Array elements are
    skipped over (their keys are not recorded)."""
    out: Dict[Tuple[str, ...], int] = {}
    stack: List[Any] = []  # each: [kind, current key] kind "{" or "["
    path: List[str] = []
    line = 1
    pending: Optional[str] = None
    pending_line = 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok == "\n":
            line += 1
            continue
        if tok[0] == '"':
            if stack and stack[-1][0] == "{" and pending is None and stack[-1][1] is None:
                try:
                    pending = json.loads(tok)
                except ValueError:
                    pending = tok[1:-1]
                pending_line = line
            continue
        if tok == ":":
            if pending is not None and stack:
                stack[-1][1] = pending
                keypath = tuple(path) + (pending,)
                if len(keypath) - 1 <= max_depth and all(s[0] == "{" for s in stack):
                    out.setdefault(keypath, pending_line)
                pending = None
            continue
        if tok == ",":
            if stack:
                stack[-1][1] = None
            pending = None
            continue
        if tok in "{[":
            if stack and stack[-1][1] is not None:
                path.append(stack[-1][1])
            else:
                path.append("\0")  # inside an array
            stack.append([tok, None])
            continue
        if tok in "}]":
            if stack:
                stack.pop()
            if path:
                path.pop()
            if stack:
                stack[-1][1] = None
    return {tuple(k[1:]) if k and k[0] == "\0" else k: v for k, v in out.items()}
