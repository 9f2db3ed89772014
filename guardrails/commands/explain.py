"""`guardrails explain RULE`: the rule's docs."""
from __future__ import annotations

import argparse

from guardrails import rules


def run(args: argparse.Namespace) -> int:
    rule = rules.get(args.rule)
    print(f"# {rule.id}\n\nDefault severity: {rule.severity}. {rule.summary}\n")
    print(rule.docs, end="")
    return 0
