"""TOML reading for manifests: the standard parser for values, and a line
locator (tomllib keeps no positions) that finds the line of a key or of a
string inside an array, from the table headers and keys as written."""
from __future__ import annotations

import re
import sys
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def loads(text: str, path: str) -> Tuple[Dict[str, Any], Optional[str]]:
    """(data, problem).  Bad TOML gives ({}, "path: invalid TOML: ...")."""
    try:
        return tomllib.loads(text), None
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: surrogates in text
        return {}, f"{path}: invalid TOML: {exc}"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_KEY = re.compile(r"^\s*(" + _KEY_PART + r"(?:\s*\.\s*" + _KEY_PART + r")*)\s*=")


def split_key(key: str) -> Tuple[str, ...]:
    parts = re.findall(_KEY_PART, key)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class Locator:
    """Where keys and values are, by line."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        # (header path, is array table, first line index of the body, end index)
        self.sections: List[Tuple[Tuple[str, ...], bool, int, int]] = []
        current: Tuple[str, ...] = ()
        is_array = False
        start = 0
        in_multiline: Optional[str] = None
        for i, line in enumerate(self.lines):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
            m = _HEADER.match(line) if line.lstrip().startswith("[") else None
            if m:
                self.sections.append((current, is_array, start, i))
                current = split_key(m.group(2))
                is_array = m.group(1) == "[["
                start = i + 1
        self.sections.append((current, is_array, start, len(self.lines)))
        self._key_cache: Dict[int, Dict[Tuple[str, ...], int]] = {}

    def _keys_of(self, start: int, end: int) -> Dict[Tuple[str, ...], int]:
        """Key path -> first line index, for the lines of one section (computed once)."""
        table = self._key_cache.get(start)
        if table is None:
            table = {}
            for i in range(start, end):
                line = self.lines[i]
                if "=" not in line:
                    continue
                m = _KEY.match(line)
                if m:
                    table.setdefault(split_key(m.group(1)), i)
            self._key_cache[start] = table
        return table

    def _find_key(self, start: int, end: int, rest: Tuple[str, ...]) -> int:
        return self._keys_of(start, end).get(rest, -1)

    def key(self, path: Tuple[str, ...], nth: int = 0) -> int:
        """1-based line of the key PATH (0 when not found).  NTH picks the
        NTH array-table element when PATH runs through ``[[...]]`` tables."""
        seen: Dict[Tuple[str, ...], int] = {}
        for header, is_array, start, end in self.sections:
            if is_array:
                seen[header] = seen.get(header, -1) + 1
                if seen[header] != nth:
                    continue
            if header == path:
                return start  # the header line is start - 1; 1-based = start
            if path[:len(header)] == header and len(path) > len(header):
                i = self._find_key(start, end, path[len(header):])
                if i >= 0:
                    return i + 1
        return 0

    def value(self, path: Tuple[str, ...], needle: str, nth: int = 0) -> int:
        """1-based line of the string NEEDLE inside the value of PATH (an
        array), searching from the key's line; falls back to the key's line."""
        line = self.key(path, nth)
        if not line:
            return 0
        end = self._section_end(line - 1)
        escaped = needle.replace("\\", "\\\\").replace('"', '\\"')
        quoted = ('"' + needle + '"', "'" + needle + "'", '"' + escaped + '"')
        for i in range(line - 1, end):
            text = self.lines[i]
            if any(q in text for q in quoted):
                return i + 1
        head = re.split(r"[^A-Za-z0-9._\[\]-]", needle, 1)[0]
        for probe in (needle, escaped, '"' + head, "'" + head):
            if not probe.strip("\"'"):
                continue
            for i in range(line - 1, end):
                if probe in self.lines[i]:
                    return i + 1
        return line

    def _section_end(self, index: int) -> int:
        for _, _, start, end in self.sections:
            if start <= index < end:
                return end
        return len(self.lines)

    def text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
