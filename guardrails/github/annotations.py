"""Annotations within GitHub's caps.

GitHub shows at most 10 error and 10 warning annotations per step and 50
annotations per job; the rest are silently dropped.  So we choose: block
findings (errors) first, then escalations (warnings), then notices (info,
waived), each in report order, and say in the summary how many were not
annotated (they are all in the step summary, the JSON and the SARIF).
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Sequence

from guardrails.model import BLOCK, ESCALATE, Finding
from guardrails.reporters.github import annotation, escape_data

# Per step, by workflow command; and one budget for the whole job (other
# steps of the job may annotate too, so we keep some of it for them).
STEP_CAPS = {"error": 10, "warning": 10, "notice": 10}
JOB_BUDGET = 30
RANK = {"error": 0, "warning": 1, "notice": 2}


class Annotated(NamedTuple):
    lines: List[str]  # workflow commands to print
    shown: int
    left_out: Dict[str, int]  # command -> findings not annotated


def command_of(f: Finding) -> str:
    if f.waived:
        return "notice"
    return {BLOCK: "error", ESCALATE: "warning"}.get(f.severity, "notice")


def select(findings: Sequence[Finding], notes: Sequence[str] = (),
           caps: Dict[str, int] = STEP_CAPS, budget: int = JOB_BUDGET) -> Annotated:
    ordered = sorted(enumerate(findings), key=lambda item: (RANK[command_of(item[1])], item[0]))
    used = {name: 0 for name in caps}
    lines: List[str] = []
    left_out = {name: 0 for name in caps}
    # Notes are notices too; they count against the same caps, after findings.
    for _, f in ordered:
        kind = command_of(f)
        if used[kind] < caps[kind] and len(lines) < budget:
            used[kind] += 1
            lines.append(annotation(f))
        else:
            left_out[kind] += 1
    for note in notes:
        if used["notice"] < caps["notice"] and len(lines) < budget:
            used["notice"] += 1
            lines.append(f"::notice title=guardrails::{escape_data(note)}")
    return Annotated(lines, len(lines), {k: v for k, v in left_out.items() if v})


def left_out_sentence(left_out: Dict[str, int]) -> str:
    if not left_out:
        return ""
    names = {"error": "block", "warning": "escalated", "notice": "info or waived"}
    parts = [f"{n} {names[k]}" for k, n in sorted(left_out.items(), key=lambda kv: RANK[kv[0]])]
    total = sum(left_out.values())
    return (f"{total} finding{'s' if total != 1 else ''} not annotated ({', '.join(parts)}): GitHub shows at most "
            f"{STEP_CAPS['error']} error and {STEP_CAPS['warning']} warning annotations per step; "
            "every finding is in this summary, the JSON and the SARIF report")
