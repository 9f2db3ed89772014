"""Test-stub family: changes that game the tests instead of fixing the code.

Python is compared through the syntax trees of the old and new files
(``python.py`` with ``python_compare.py`` for test files and
``python_special.py`` for the code under test); other languages through a
semgrep rule pack and a light old/new comparison (``other_languages.py``).
Which files are tests is decided once, in ``testfiles.py``.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Iterable, List, Optional

from guardrails.checks.test_stub import python, testfiles
from guardrails.model import ChangeSet, Context, Finding

NAME = "test_stub"
CONFIG_SCHEMA: dict = {
    # Extra globs of test files, for layouts the conventions and the pytest
    # configuration do not describe (e.g. ["checks/**/*.py"]).
    "test_files": [],
    # Extra environment variables that mean "tests are running" (besides
    # TESTING, CI, PYTEST_CURRENT_TEST, ...).
    "test_env_flags": [],
}

_OTHER = "guardrails.checks.test_stub.other_languages"


def _other_languages() -> Optional[ModuleType]:
    try:
        return importlib.import_module(_OTHER)
    except ModuleNotFoundError as exc:
        if exc.name == _OTHER:
            return None  # not there (yet): Python only
        raise


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    testfiles.register_extra(change, tuple(ctx.settings.get("test_files") or ()))
    found: List[Finding] = list(python.check(change, ctx))
    other = _other_languages()
    if other is not None:
        found.extend(other.check(change, ctx))
    return found
