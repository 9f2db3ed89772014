"""`guardrails rules`: every rule with its category and default severity."""
from __future__ import annotations

import argparse
import json

from guardrails import rules


def run(args: argparse.Namespace) -> int:
    table = rules.all_rules()
    if args.format == "json":
        print(json.dumps([{"id": r.id, "category": r.category, "severity": r.severity, "summary": r.summary}
                          for r in table.values()], indent=2))
        return 0
    if args.format == "markdown":
        print(markdown_table())
        return 0
    width = max((len(r) for r in table), default=10)
    for rule in table.values():
        print(f"{rule.id:<{width}}  {rule.severity:<8}  {rule.summary}")
    return 0


def markdown_table() -> str:
    """The rules table the README carries (a test keeps the two in step)."""
    rows = ["| rule | default | what it catches |", "|---|---|---|"]
    for rule in rules.all_rules().values():
        summary = rule.summary.replace("|", "\\|")
        rows.append(f"| `{rule.id}` | {rule.severity} | {summary} |")
    return "\n".join(rows)
