"""Other ways code comes in (being written)."""
from __future__ import annotations

from typing import List

from guardrails.model import ChangeSet, Context, Finding


def check(change: ChangeSet, ctx: Context) -> List[Finding]:
    return []
