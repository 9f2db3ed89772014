"""`guardrails rules`: every rule with its category, default severity and,
for rules whose findings can be stronger or weaker than the default, when
(front matter `blocks_when` / `escalates_when` of the rule's docs file)."""
from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Dict

from guardrails import rules

# Front-matter fields that name the cases a finding leaves its default severity.
EXCEPTIONS = (("blocks_when", "block"), ("escalates_when", "escalate"))


@functools.lru_cache(maxsize=None)
def exceptions(rule_id: str) -> Dict[str, str]:
    """{"blocks_when": "...", ...} from the rule's docs file ({} when none)."""
    category, _, name = rule_id.partition("/")
    path = os.path.join(rules.HERE, category, name + ".md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    head = text[4:].partition("\n---\n")[0] if text.startswith("---\n") else ""
    out: Dict[str, str] = {}
    for raw in head.splitlines():
        key, sep, value = raw.partition(":")
        if sep and key.strip() in dict(EXCEPTIONS) and value.strip():
            out[key.strip()] = value.strip()
    return out


def severity_text(rule: rules.Rule, full: bool = True) -> str:
    """"escalate" or "escalate; block when a test gate is removed ..." (the
    short form names only the severities: "escalate, block when ...")."""
    extra = exceptions(rule.id)
    parts = [rule.severity]
    for key, severity in EXCEPTIONS:
        if key in extra:
            parts.append(f"{severity} when {extra[key]}" if full else f"{severity} in some cases")
    return "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    table = rules.all_rules()
    if args.format == "json":
        rows = []
        for r in table.values():
            row = {"id": r.id, "category": r.category, "severity": r.severity, "summary": r.summary}
            for key, _ in EXCEPTIONS:  # added fields: older readers ignore them
                row[key] = exceptions(r.id).get(key)
            rows.append(row)
        print(json.dumps(rows, indent=2))
        return 0
    if args.format == "markdown":
        print(markdown_table())
        return 0
    width = max((len(r) for r in table), default=10)
    for rule in table.values():
        print(f"{rule.id:<{width}}  {rule.severity:<8}  {rule.summary}")
        for key, severity in EXCEPTIONS:
            when = exceptions(rule.id).get(key)
            if when:
                print(f"{'':<{width}}  {severity:<8}  when {when}")
    return 0


def markdown_table() -> str:
    """The rules table the README carries (a test keeps the two in step)."""
    rows = ["| rule | default | what it catches |", "|---|---|---|"]
    for rule in rules.all_rules().values():
        summary = rule.summary.replace("|", "\\|")
        severity = severity_text(rule).replace("|", "\\|")
        rows.append(f"| `{rule.id}` | {severity} | {summary} |")
    return "\n".join(rows)
