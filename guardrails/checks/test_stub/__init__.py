"""Test-stub family: changes that game the tests instead of fixing the code.

Python is compared through the syntax trees of the old and new files
(``python.py`` with ``python_compare.py`` for test files and
``python_special.py`` for the code under test); other languages through a
semgrep rule pack and a light old/new comparison (``other_languages.py``).
Which files are tests is decided once, in ``testfiles.py``.
"""
from __future__ import annotations

from typing import Iterable, List

from guardrails import textnorm
from guardrails.checks.test_stub import other_languages, python, testfiles
from guardrails.model import ChangeSet, Context, Finding

NAME = "test_stub"
CONFIG_SCHEMA: dict = {
    # Extra globs of test files, for layouts the conventions and the pytest
    # configuration do not describe (e.g. ["checks/**/*.py"]).
    "test_files": [],
    # Extra environment variables that mean "tests are running" (besides
    # TESTING, CI, PYTEST_CURRENT_TEST, ...).
    "test_env_flags": [],
    # Run the semgrep rule pack on JS/TS, Go, Rust and Java files (once per
    # change, only where something can match); false keeps the built-in
    # patterns only, which is faster and finds a little less.
    "semgrep": True,
}

# Two halves that share nothing but the change: on a big change they run in
# separate worker processes (see guardrails/workers.py).
PARTS = ("python", "other_languages")


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    change = _prepared(change, ctx)
    found: List[Finding] = []
    for part in PARTS:
        found.extend(_run(part, change, ctx))
    return found


def check_part(part: str, change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    return _run(part, _prepared(change, ctx), ctx)


def _prepared(change: ChangeSet, ctx: Context) -> ChangeSet:
    # Files whose changed lines hide characters are read normalised, so a
    # `PYTEST_CURRENT<U+200B>_TEST` or a Cyrillic look-alike is found as what it is.
    change = textnorm.normalize_change(change)
    testfiles.register_extra(change, tuple(ctx.settings.get("test_files") or ()))
    return change


def _run(part: str, change: ChangeSet, ctx: Context) -> List[Finding]:
    if part == "python":
        return list(python.check(change, ctx))
    return list(other_languages.check(change, ctx))
