"""Manifests and lockfiles the change leaves unreadable.

A manifest that does not parse hides what it declares: the comparison sees
no dependencies on the new side, so a broken file must be a finding of its
own (``dependency/unreadable-manifest``), never a silent skip.  Manifest
parsers report their problems as "PATH[:LINE]: what"; lockfiles are parsed
leniently (an unexpected shape is not an error), so their syntax (JSON,
TOML, YAML) is checked here.
"""
from __future__ import annotations

import json
import posixpath
import re
import sys
from typing import Iterable, List, Optional, Sequence

import yaml

from guardrails.model import Finding
from guardrails.yamlsafe import LOADER, too_deep

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RULE = "dependency/unreadable-manifest"
_LINE = re.compile(r"^[^\n]*?:(\d+): ")
_TOML_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "Cargo.lock")
_JSON_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "Pipfile.lock", "composer.lock")
_YAML_LOCKS = ("pnpm-lock.yaml",)


def _finding(path: str, problem: str, kind: str) -> Finding:
    from guardrails.checks import finding
    m = _LINE.match(problem)
    line = int(m.group(1)) if m else 0
    shown = problem if len(problem) <= 300 else problem[:297] + "..."
    return finding(RULE, path, line, f"{kind} {path} cannot be read as written: {shown}",
                   details={"problem": shown, "kind": kind})


def manifest_findings(path: str, problems: Sequence[str]) -> List[Finding]:
    """One finding for a manifest whose parser reported PROBLEMS (the first
    one named; the rest are in the notes)."""
    return [_finding(path, problems[0], "manifest")] if problems else []


def lockfile_problem(path: str, text: Optional[str]) -> Optional[str]:
    """Why the lockfile TEXT at PATH is not valid in its format, or None."""
    if not text or not text.strip():
        return None
    base = posixpath.basename(path)
    try:
        if base in _JSON_LOCKS:
            if too_deep(text):
                return f"{path}: invalid JSON: nested too deeply"
            json.loads(text)
        elif base in _TOML_LOCKS:
            tomllib.loads(text)
        elif base in _YAML_LOCKS:
            if too_deep(text):
                return f"{path}: invalid YAML: nested too deeply"
            yaml.compose(text, Loader=LOADER)
    except (ValueError, RecursionError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        what = " ".join(str(exc).split())[:200]
        return f"{path}: invalid {_format(base)}: {what}"
    return None


def _format(base: str) -> str:
    return "JSON" if base in _JSON_LOCKS else "TOML" if base in _TOML_LOCKS else "YAML"


def lockfile_findings(path: str, text: Optional[str]) -> Iterable[Finding]:
    problem = lockfile_problem(path, text)
    return [_finding(path, problem, "lockfile")] if problem else []
