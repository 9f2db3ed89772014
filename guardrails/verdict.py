"""Stage 6: the verdict and the exit code.

verdict: "block" when any unwaived block finding remains, "review" when
escalate findings are still undecided, else "pass".  The exit code applies
the policy: 0 pass, 1 block, and for review 1 unless on_unreviewed: pass.
"""
from __future__ import annotations

from typing import Dict, Iterable, NamedTuple

from guardrails.config import Config
from guardrails.model import BLOCK, ESCALATE, INFO, Finding

PASS = "pass"
REVIEW = "review"

EXIT_PASS = 0
EXIT_BLOCK = 1
EXIT_ERROR = 2


class Verdict(NamedTuple):
    verdict: str
    exit_code: int
    counts: Dict[str, int]


def count(findings: Iterable[Finding]) -> Dict[str, int]:
    counts = {BLOCK: 0, ESCALATE: 0, INFO: 0, "waived": 0}
    for f in findings:
        if f.waived:
            counts["waived"] += 1
        else:
            counts[f.severity] += 1
    return counts


def decide(findings: Iterable[Finding], config: Config) -> Verdict:
    counts = count(findings)
    if counts[BLOCK]:
        return Verdict(BLOCK, EXIT_BLOCK, counts)
    if counts[ESCALATE]:
        return Verdict(REVIEW, EXIT_PASS if config.on_unreviewed == "pass" else EXIT_BLOCK, counts)
    return Verdict(PASS, EXIT_PASS, counts)
