"""Git hooks: what `--stage pre-commit|pre-push` changes in a check run.

- pre-commit: the in-process checks only.  No semgrep (the test-stub family
  falls back to its built-in patterns), no --deep (ruff, mypy), no registry
  look-ups unless the policy itself turns them on, never the LLM reviewer.
  A commit must stay instant; CI runs the rest.
- pre-push: the commits being pushed (pre-commit passes them in
  PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF), semgrep and --deep allowed, no LLM.
- At both, `block` stops the commit or push; `review` (escalated findings
  nobody has decided) warns and lets it through: CI is where escalations
  are decided.
"""
from __future__ import annotations

import argparse
import os
import sys

from guardrails.model import Report

HOOK_STAGES = ("pre-commit", "pre-push")


def apply_stage(args: argparse.Namespace) -> None:
    """Adjust the check flags ARGS for the stage they name (in place)."""
    stage = getattr(args, "stage", None)
    if stage not in HOOK_STAGES:
        return
    args.no_llm = True
    if stage == "pre-commit":
        args.deep = False
        args.online = False
    elif not (args.base or args.diff or args.staged):
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF", "")
        to_ref = os.environ.get("PRE_COMMIT_TO_REF", "")
        if from_ref and to_ref:
            args.base, args.head = from_ref, to_ref


def exit_code(args: argparse.Namespace, report: Report) -> int:
    if getattr(args, "stage", None) in HOOK_STAGES and report.verdict == "review":
        escalated = report.counts.get("escalate", 0)
        print(f"guardrails: {escalated} escalated finding{'s' if escalated != 1 else ''} to be decided in CI "
              f"(review); the {args.stage} hook lets this through", file=sys.stderr)
        return 0
    return report.exit_code
