"""Pipfile: [packages], [dev-packages] (and custom categories), [[source]]."""
from __future__ import annotations

from typing import Any, List

from guardrails.checks.dependency.manifests import _toml
from guardrails.checks.dependency.model import DEV, PYPI, RUNTIME, Dep, Index, Parsed, mask, pep503

_NOT_PACKAGES = {"source", "requires", "pipenv", "scripts"}


def _source(entry: dict) -> str:
    for key in ("git", "file", "path"):
        if key in entry:
            ref = entry.get("ref", "")
            if key == "git":
                return f"git+{entry[key]}" + (f"@{ref}" if ref else "")
            return f"path:{entry[key]}" if key == "path" else str(entry[key])
    if entry.get("index"):
        return f"index:{entry['index']}"
    return ""


def parse(text: str, path: str) -> Parsed:
    data, problem = _toml.loads(text, path)
    if problem:
        return Parsed(problems=(problem,))
    loc = _toml.Locator(text)
    deps: List[Dep] = []
    for section, table in data.items():
        if section in _NOT_PACKAGES or not isinstance(table, dict):
            continue
        group = RUNTIME if section == "packages" else DEV
        for name, value in table.items():
            line = loc.key((section, name))
            spec, src, extras, marker = "", "", (), ""
            if isinstance(value, str):
                spec = value
            elif isinstance(value, dict):
                spec = str(value.get("version", ""))
                src = _source(value)
                extras = tuple(value.get("extras") or ())
                marker = str(value.get("markers", ""))
            spec = "" if spec.strip() == "*" else spec.replace(" ", "")
            deps.append(Dep(PYPI, pep503(name), spec, group, path, line, raw_name=name, source=mask(src),
                            text=loc.text(line), extras=extras, marker=marker,
                            subgroup="" if group == RUNTIME else section))
    indexes: List[Index] = []
    sources: Any = data.get("source") or []
    for i, src in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(src, dict) and isinstance(src.get("url"), str):
            line = loc.key(("source", "url"), i) or loc.key(("source",), i)
            indexes.append(Index(url=mask(src["url"]), kind="source", ecosystem=PYPI, path=path, line=line,
                                 text=mask(loc.text(line)), name=str(src.get("name", "")), default=i == 0))
    return Parsed(deps=tuple(deps), indexes=tuple(indexes))
