"""Test-stub family: changes that game the tests instead of fixing the code.

Python is compared through the syntax trees of the old and new files
(``python.py``); other languages through a semgrep rule pack and a light
old/new comparison (``other_languages.py``).
"""
from __future__ import annotations

from typing import Iterable, List

from guardrails.model import ChangeSet, Context, Finding

NAME = "test_stub"
CONFIG_SCHEMA: dict = {}


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    found: List[Finding] = []
    return found
