"""Shared machinery of the relaxed-configuration checks.

A tool module (ruff.py, mypy.py, ...) knows which files configure its tool,
how to pull the tool's settings out of a parsed file, and how to compare the
old settings with the new ones.  Everything else lives here: parsing (TOML,
INI, JSONC, YAML), finding which file is in force in a folder, and placing a
finding on the line that carries the relaxed key or value.
"""
from __future__ import annotations

import configparser
import json
import re
import sys
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import yaml

from guardrails.yamlsafe import LOADER as _YAML_LOADER, too_deep

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LINT = "suppression/relaxed-lint-config"
TYPE = "suppression/relaxed-type-config"
TEST = "suppression/relaxed-test-config"
COVERAGE = "suppression/relaxed-coverage-config"
CI = "suppression/relaxed-ci"
NO_VERIFY = "suppression/no-verify"


class ParseError(Exception):
    """A config file that does not parse (message: one line)."""


class Relaxation(NamedTuple):
    """One weakening found by a tool's compare().

    ``change`` is the short human form ("ignore: +E501, +F401"); ``anchors``
    are token tuples, most specific first, used to find the line to report;
    ``side`` is "old" when the relaxation is a removal (reported at the old
    line).  ``severity`` None means the rule's default.
    """

    rule: str
    key: str
    change: str
    anchors: Tuple[Tuple[str, ...], ...] = ()
    side: str = "new"
    severity: Optional[str] = None
    note: str = ""
    section: Tuple[str, ...] = ()
    extra: Optional[Dict[str, Any]] = None  # more details for the finding


def relax(rule: str, key: str, change: str, *anchors: Sequence[str], side: str = "new",
          severity: Optional[str] = None, note: str = "", section: Sequence[str] = (),
          extra: Optional[Dict[str, Any]] = None) -> Relaxation:
    return Relaxation(rule, key, change, tuple(tuple(a) for a in anchors if a), side, severity, note,
                      tuple(section), extra)


# ---------------------------------------------------------------- parsing

_CACHE: Dict[Tuple[str, str], Any] = {}


def _cached(kind: str, text: str, fn: Any) -> Any:
    key = (kind, text)
    if key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        try:
            _CACHE[key] = (True, fn(text))
        except ParseError as exc:
            _CACHE[key] = (False, exc)
    ok, value = _CACHE[key]
    if not ok:
        raise value
    return value


def load_toml(text: str) -> Dict[str, Any]:
    def parse(t: str) -> Dict[str, Any]:
        try:
            return tomllib.loads(t)
        except tomllib.TOMLDecodeError as exc:
            raise ParseError(f"invalid TOML: {exc}") from None
        except RecursionError:
            raise ParseError("invalid TOML: nested too deeply") from None
    return _cached("toml", text, parse)


def load_ini(text: str) -> configparser.RawConfigParser:
    def parse(t: str) -> configparser.RawConfigParser:
        parser = configparser.RawConfigParser(strict=False, inline_comment_prefixes=("#", ";"))
        try:
            parser.read_string(t)
        except configparser.Error as exc:
            raise ParseError("invalid INI: " + str(exc).splitlines()[0]) from None
        return parser
    return _cached("ini", text, parse)


def load_yaml(text: str) -> Any:
    def parse(t: str) -> Any:
        if too_deep(t):
            raise ParseError("invalid YAML: nested too deeply")
        try:
            return yaml.load(t, Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            raise ParseError("invalid YAML: " + " ".join(str(exc).split())[:200]) from None
        except RecursionError:
            raise ParseError("invalid YAML: nested too deeply") from None
    return _cached("yaml", text, parse)


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (tsconfig, .eslintrc) -> JSON."""
    out: List[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def load_jsonc(text: str) -> Any:
    def parse(t: str) -> Any:
        if t.startswith("\ufeff"):
            t = t[1:]
        try:
            return json.loads(t)
        except ValueError:
            pass
        except RecursionError:
            raise ParseError("invalid JSON: nested too deeply") from None
        try:
            return json.loads(strip_jsonc(t))
        except ValueError as exc:
            raise ParseError(f"invalid JSON: {exc}") from None
        except RecursionError:
            raise ParseError("invalid JSON: nested too deeply") from None
    return _cached("jsonc", text, parse)


# ---------------------------------------------------------------- values

def dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def seq(value: Any) -> List[Any]:
    """VALUE when it is a list, else [] (configs of the wrong shape)."""
    return value if isinstance(value, list) else []


def as_list(value: Any, sep: str = r"[,\s]+") -> List[str]:
    """A list option as strings: TOML/JSON lists, or a comma/space separated string."""
    if value is None or value is False:
        return []
    if isinstance(value, (list, tuple)):
        out: List[str] = []
        for item in value:
            out.extend(as_list(item, sep) if isinstance(item, (list, tuple)) else [str(item).strip()])
        return [x for x in out if x]
    return [x.strip() for x in re.split(sep, str(value)) if x.strip()]


def as_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    return None


def as_number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().rstrip("%"))
    except ValueError:
        return None


def fmt_num(value: Optional[float]) -> str:
    if value is None:
        return "(unset)"
    return str(int(value)) if float(value).is_integer() else str(value)


def covered(code: str, patterns: Iterable[str]) -> bool:
    """Is CODE (E501) covered by a prefix in PATTERNS (E, E5, ALL)?"""
    code_u = code.upper()
    for pattern in patterns:
        p = pattern.upper()
        if p == "ALL" or code_u.startswith(p):
            return True
    return False


def grown(old: Iterable[str], new: Iterable[str]) -> List[str]:
    """Entries of NEW that OLD did not have (order of NEW, no duplicates)."""
    seen = set(old)
    out: List[str] = []
    for item in new:
        if item not in seen and item not in out:
            out.append(item)
    return out


def some(items: Sequence[str], limit: int = 5) -> str:
    """'a, b, c, d, e and 3 more'."""
    items = list(items)
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


def dropped_paths(old: Iterable[str], new: Iterable[str]) -> List[str]:
    """Entries of OLD that no entry of NEW covers ("src" covers "src/flask")."""
    new_l = [n.rstrip("/") for n in new]
    out: List[str] = []
    for item in old:
        base = item.rstrip("/")
        if any(base == n or base.startswith(n + "/") or n in ("", ".") for n in new_l):
            continue
        if item not in out:
            out.append(item)
    return out


def _tail(pattern: str) -> str:
    tail = pattern.rstrip("/").rsplit("/", 1)[-1]
    return "" if not tail or any(ch in tail for ch in "*?[") else tail


def codes_for_pattern(pattern: str, table: Dict[str, List[str]],
                      index: Optional[Dict[str, List[str]]] = None) -> List[str]:
    """Codes TABLE ignores for PATTERN or for a pattern that names the same
    file under another folder ("flask/_compat.py", "**/_compat.py"): a
    moved per-file ignore is not a new one.  INDEX is tail_index(TABLE)."""
    tail = _tail(pattern)
    if not tail:
        return list(table.get(pattern, []))
    index = index if index is not None else tail_index(table)
    return [c for other in index.get(tail, []) for c in table[other]]


def tail_index(table: Dict[str, List[str]]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for pattern in table:
        tail = _tail(pattern)
        if tail:
            out.setdefault(tail, []).append(pattern)
    return out


def plus(items: Iterable[str]) -> str:
    return ", ".join("+" + i for i in items)


def minus(items: Iterable[str]) -> str:
    return ", ".join("-" + i for i in items)


def regex_parts(pattern: Any) -> List[str]:
    """The alternatives of an exclude regex (or of a list of them), with one
    level of groups expanded and anchors dropped:
    '^(docs|src/legacy)/' -> ['docs/', 'src/legacy/']."""
    parts: List[str] = []
    for item in as_list(pattern, sep=r"\n"):
        item = re.sub(r"\(\?[a-zA-Z]+\)", "", item)
        item = re.sub(r"\s+#.*$", "", item).strip()
        for alt in _expand(item):
            alt = alt.replace("(?:", "").replace("(", "").replace(")", "").strip().strip("^$").strip()
            if alt:
                parts.append(alt)
    return parts


def _split_top(text: str) -> List[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _expand(item: str, depth: int = 0) -> List[str]:
    out: List[str] = []
    for alt in _split_top(item):
        m = re.search(r"\((?:\?:)?([^()]*)\)", alt)
        if m and "|" in m.group(1) and depth < 3:
            for inner in m.group(1).split("|"):
                out.extend(_expand(alt[:m.start()] + inner + alt[m.end():], depth + 1))
        else:
            out.append(alt)
    return out


# ---------------------------------------------------------------- locating

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:[#;].*)?$")


def _norm(text: str) -> str:
    return text.lower().replace("_", "-")


class SideText:
    """One file on one side, ready for line searches."""

    def __init__(self, path: str, text: str, changed: frozenset):
        self.path = path
        self.lines = text.splitlines()
        self.norm = [_norm(line) for line in self.lines]
        self.changed = changed
        self._headers: Optional[List[Tuple[int, str]]] = None

    def headers(self) -> List[Tuple[int, str]]:
        if self._headers is None:
            self._headers = []
            for i, line in enumerate(self.lines):
                if line.lstrip().startswith("["):
                    m = _HEADER.match(line)
                    if m:
                        name = ".".join(p.strip().strip("\"'") for p in m.group(1).split("."))
                        self._headers.append((i, _norm(name)))
        return self._headers

    def region(self, sections: Sequence[str]) -> Optional[List[int]]:
        """Line indexes inside the named sections (prefix match), or None
        when no header of the file names one of them."""
        if not sections:
            return None
        wanted = [_norm(s) for s in sections]
        heads = self.headers()
        idx: List[int] = []
        for k, (start, name) in enumerate(heads):
            if any(name == w or name.startswith(w + ".") for w in wanted):
                end = heads[k + 1][0] if k + 1 < len(heads) else len(self.lines)
                idx.extend(range(start, end))
        return idx or None


def locate(files: Sequence[SideText], relaxation: Relaxation) -> Tuple[Optional[SideText], int]:
    """The file and 1-based line that carry RELAXATION: a changed line holding
    all tokens of an anchor first, then any line; (first file, 0) when none."""
    if not files:
        return None, 0
    anchors = [tuple(_norm(t) for t in a) for a in relaxation.anchors]
    for changed_only in (True, False):
        for anchor in anchors:
            for f in files:
                region = f.region(relaxation.section)
                indexes: Iterable[int] = region if region is not None else range(len(f.lines))
                for i in indexes:
                    if changed_only and (i + 1) not in f.changed:
                        continue
                    line = f.norm[i]
                    if all(t in line for t in anchor):
                        return f, i + 1
    return files[0], 0


def basename_in(names: Sequence[str]) -> Any:
    """A cheap path test: the file's name is one of NAMES."""
    wanted = frozenset(names)

    def matches(path: str) -> bool:
        return path.rsplit("/", 1)[-1] in wanted
    return matches


def ini_section(parser: configparser.RawConfigParser, name: str) -> Optional[Dict[str, str]]:
    """Options of section NAME (keys lower-case, "-" for "_"), None when absent."""
    if not parser.has_section(name):
        return None
    return {k.lower().replace("_", "-"): v for k, v in parser.items(name)}


def norm_keys(data: Any, sep: str = "-") -> Dict[str, Any]:
    """Top-level keys lower-case with SEP between words."""
    if not isinstance(data, dict):
        return {}
    other = "_" if sep == "-" else "-"
    return {str(k).lower().replace(other, sep): v for k, v in data.items()}
