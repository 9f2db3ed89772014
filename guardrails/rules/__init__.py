"""The rule registry.

One rule = one Markdown file: ``guardrails/rules/<category>/<name>.md`` with a
small front matter (``severity``, ``summary``, optional ``diff_filter``) and
fixed headings, as ruff documents its rules::

    ---
    severity: block
    summary: Blanket `# noqa` added
    ---
    ## What it does
    ## Why is this bad?
    ## Example
    ## Use instead
    ## How to waive

The id is the file's path: ``suppression/blanket-noqa``.
"""
from __future__ import annotations

import functools
import os
from typing import Dict

from guardrails.errors import GuardError
from guardrails.model import SEVERITIES, Rule

HERE = os.path.dirname(os.path.abspath(__file__))
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## How to waive")


def _parse(rule_id: str, text: str) -> Rule:
    if not text.startswith("---\n"):
        raise GuardError(f"rule {rule_id}: docs file lacks front matter")
    head, _, body = text[4:].partition("\n---\n")
    meta: Dict[str, str] = {}
    for raw in head.splitlines():
        key, sep, value = raw.partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    severity = meta.get("severity", "")
    if severity not in SEVERITIES:
        raise GuardError(f"rule {rule_id}: bad severity {severity!r}")
    return Rule(
        id=rule_id,
        severity=severity,
        summary=meta.get("summary", ""),
        docs=body.strip() + "\n",
        diff_filter=meta.get("diff_filter", "true").lower() != "false",
    )


@functools.lru_cache(maxsize=1)
def all_rules() -> Dict[str, Rule]:
    rules: Dict[str, Rule] = {}
    for category in sorted(os.listdir(HERE)):
        folder = os.path.join(HERE, category)
        if not os.path.isdir(folder) or category.startswith("__"):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".md"):
                continue
            rule_id = f"{category}/{name[:-3]}"
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                rules[rule_id] = _parse(rule_id, f.read())
    return rules


def get(rule_id: str) -> Rule:
    try:
        return all_rules()[rule_id]
    except KeyError:
        raise GuardError(f"unknown rule {rule_id!r} (see `guardrails rules`)") from None
