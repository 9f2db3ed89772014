"""Stage 6: the verdict and the exit code.

The verdict always says what is known:

- ``block``  any unwaived block finding remains;
- ``review`` escalated findings remain that nobody has cleared (the
  reviewer said needs-human, allowed with too little confidence, or did
  not run);
- ``pass``   neither.  ``info`` findings never change the verdict.

The exit code applies the policy: 0 pass, 1 block, and for ``review`` 1
unless ``on_unreviewed: pass`` (the default ``block`` fails closed: an
escalation nobody looked at must not merge).  The report still says
``review`` either way.  Exit code 2 (usage, configuration or input error)
never comes from here: those end the run before a verdict exists.
"""
from __future__ import annotations

from typing import Dict, Iterable, NamedTuple, Optional

from guardrails.config import Config
from guardrails.model import BLOCK, ESCALATE, INFO, Approval, Finding

PASS = "pass"
REVIEW = "review"
VERDICTS = (PASS, REVIEW, BLOCK)

EXIT_PASS = 0
EXIT_BLOCK = 1
EXIT_ERROR = 2


class Verdict(NamedTuple):
    verdict: str
    exit_code: int
    counts: Dict[str, int]
    approved: bool = False  # a person's approval turned block/review into pass


ALLOWED = "allowed"


def count(findings: Iterable[Finding]) -> Dict[str, int]:
    """Unwaived findings by severity, and the waived ones (of any severity).
    An escalated finding the reviewer allowed (``review.cleared``) counts as
    ``allowed``, not ``escalate``: it no longer holds the verdict."""
    counts = {BLOCK: 0, ESCALATE: 0, INFO: 0, "waived": 0, ALLOWED: 0}
    for f in findings:
        key = "waived" if f.waived else f.severity
        if key == ESCALATE and f.review.get("cleared"):
            key = ALLOWED
        if key not in counts:
            raise ValueError(f"finding of {f.rule} has no valid severity: {f.severity!r}")
        counts[key] += 1
    return counts


def decide(findings: Iterable[Finding], config: Config, approval: Optional[Approval] = None) -> Verdict:
    """APPROVAL (a person with write access took responsibility) turns a
    block or review verdict into pass; the report records who and when."""
    counts = count(findings)
    if approval is not None and (counts[BLOCK] or counts[ESCALATE]):
        return Verdict(PASS, EXIT_PASS, counts, approved=True)
    if counts[BLOCK]:
        return Verdict(BLOCK, EXIT_BLOCK, counts)
    if counts[ESCALATE]:
        return Verdict(REVIEW, EXIT_PASS if config.on_unreviewed == "pass" else EXIT_BLOCK, counts)
    return Verdict(PASS, EXIT_PASS, counts)
