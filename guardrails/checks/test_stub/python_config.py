"""pytest configuration that focuses the run: `addopts` gaining `-k`,
`--deselect`, `--last-failed` or `--ignore` makes every pytest run skip the
rest of the suite silently, the Python form of a committed `.only`."""
from __future__ import annotations

import configparser
import posixpath
import shlex
from typing import Any, List, Optional, Tuple

from guardrails.checks import finding
from guardrails.checks.test_stub.testfiles import _toml  # the one TOML reader of the family
from guardrails.model import ChangeSet, Finding

CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
FOCUSED = "test-stub/focused-test"
# option -> takes a value
_FOCUS = {"-k": True, "--deselect": True, "--lf": False, "--last-failed": False, "--ignore": True,
          "--ignore-glob": True, "--sw": False, "--stepwise": False}


def addopts(name: str, text: Optional[str]) -> List[str]:
    """The `addopts` tokens of a pytest configuration file ([] when none)."""
    if not text:
        return []
    base = posixpath.basename(name)
    value: Any = None
    if base == "pyproject.toml":
        try:
            value = _toml.loads(text).get("tool", {}).get("pytest", {}).get("ini_options", {}).get("addopts")
        except (ValueError, TypeError, AttributeError, RecursionError, MemoryError):
            return []
    else:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error:
            return []
        section = "tool:pytest" if base == "setup.cfg" else "pytest"
        if parser.has_option(section, "addopts"):
            value = parser.get(section, "addopts")
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:
            return value.split()
    return []


def _focus(tokens: List[str]) -> List[Tuple[str, str]]:
    out = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        opt, eq, val = tok.partition("=")
        if opt in _FOCUS or (tok.startswith("-k") and len(tok) > 2):
            if opt.startswith("-k") and opt != "-k" and not eq:
                out.append(("-k", tok[2:]))
            elif _FOCUS.get(opt) and not eq and i + 1 < len(tokens):
                out.append((opt, tokens[i + 1]))
                i += 1
            else:
                out.append((opt, val))
        i += 1
    return out


def check(change: ChangeSet) -> List[Finding]:
    found: List[Finding] = []
    for fc in change.files:
        if posixpath.basename(fc.path) not in CONFIG_NAMES or fc.is_binary or not fc.hunks:
            continue
        new = fc.new_text()
        if new is None or "addopts" not in new:
            continue
        before = set(_focus(addopts(fc.old_path or fc.path, fc.old_text())))
        lines = new.splitlines()
        added = sorted(fc.added_line_numbers())
        for opt, val in _focus(addopts(fc.path, new)):
            if (opt, val) in before:
                continue
            if opt.startswith("--ignore") and "test" not in val.lower():
                continue  # --ignore=docs, --ignore=build: not tests
            line = next((n for n in added if 0 < n <= len(lines) and opt in lines[n - 1]), 0)
            if line == 0:
                line = next((n for n in added if 0 < n <= len(lines) and "addopts" in lines[n - 1]), 0)
            what = f"{opt} {val}".strip()
            found.append(finding(
                FOCUSED, fc.path, line,
                f"pytest addopts now includes `{what}`: every run of the suite silently runs only part of it",
                lines[line - 1] if line else what,
                details={"option": opt, "value": val, "file": fc.path}))
    return found
