"""The human checkpoint's policy (`approval:` in .guardrails.yml).

Not a check: a section of options the GitHub Action reads, declared like a
family's so the policy loader validates it (type, unknown keys, line
numbers) and `guardrails init` documents it.  Like every policy setting it
is read from the base revision, so a pull request cannot rename the label
or let its author approve themselves.
"""
from __future__ import annotations

from typing import Iterable

from guardrails.model import ChangeSet, Context, Finding

NAME = "approval"
CONFIG_SCHEMA: dict = {
    # The pull-request label that turns block or review into pass, when a
    # user with write access (write, maintain, admin) added it.
    "label": "guardrails:approved",
    # May the pull request's author approve their own change with the label?
    "allow_self_approval": False,
}


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    return ()
