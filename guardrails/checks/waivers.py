"""Check family (being written)."""
from __future__ import annotations

from typing import Iterable

from guardrails.model import ChangeSet, Context, Finding

NAME = "waivers"
CONFIG_SCHEMA: dict = {}


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    return []
