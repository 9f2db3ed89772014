"""Waiver family: inline waivers the change adds that cannot be honoured.

- ``suppression/waiver-without-reason`` (block): `guardrails: allow RULE`
  with no `-- <reason>` (or a placeholder reason).  It waives nothing.
- ``suppression/waiver-unknown-rule`` (info): a waiver whose rule list is
  empty or names no known rule (a typo waives nothing, silently).

Only added lines are read, with a substring prefilter, so a large change
costs one ``in`` test per added line.
"""
from __future__ import annotations

from typing import Iterable, List

from guardrails import rules as rules_mod, waivers
from guardrails.checks import finding
from guardrails.config import rule_matches
from guardrails.model import ChangeSet, Context, Finding

NAME = "inline_waivers"  # not "waivers": that key holds the policy's own waivers
CONFIG_SCHEMA: dict = {}

WITHOUT_REASON = "suppression/waiver-without-reason"
UNKNOWN_RULE = "suppression/waiver-unknown-rule"


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    found: List[Finding] = []
    known = None
    for fc in change.files:
        if fc.is_binary:
            continue
        marked = [line for line in fc.added() if waivers.MARKER in line.text and line.new_no is not None]
        if not marked:
            continue
        text = fc.new_text()
        in_comments = (waivers.lines_in_comments(text, fc.path, [line.new_no for line in marked])
                       if text is not None else None)
        for line in marked:
            if in_comments is not None and line.new_no not in in_comments:
                continue  # the marker is in a string or code, not a comment
            waiver = waivers.parse(line.text, fc.path)
            if waiver is None or line.new_no is None:
                continue
            if not waiver.reason:
                what = f"waiver for {', '.join(waiver.rules)}" if waiver.rules else "waiver"
                found.append(finding(
                    WITHOUT_REASON, fc.path, line.new_no,
                    f"{what} gives no reason, so it waives nothing: write "
                    "`guardrails: allow <rule-id>[,<rule-id>...] -- <why this is acceptable>`",
                    line.text, details={"waiver": waiver.text}))
                continue
            if known is None:
                known = tuple(rules_mod.all_rules())
            unknown = [p for p in waiver.rules if not any(rule_matches(p, r) for r in known)]
            if not waiver.rules or unknown:
                what = ", ".join(unknown) if unknown else "no rule id"
                found.append(finding(
                    UNKNOWN_RULE, fc.path, line.new_no,
                    f"waiver names {what}, which matches no rule, so it waives nothing "
                    "(see `guardrails rules`)",
                    line.text, details={"waiver": waiver.text, "unknown": unknown}))
    return found
