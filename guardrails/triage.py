"""Stage 4: decide each finding's severity under the policy.

Order: path excludes and disabled rules drop findings; per-rule overrides
set the severity; waivers then mark findings waived (or keep them, when the
change itself wrote the waiver for a block finding).
"""
from __future__ import annotations

from typing import List

from guardrails.config import Config
from guardrails.model import ChangeSet, Finding


def apply(findings: List[Finding], change: ChangeSet, config: Config) -> List[Finding]:
    out = []
    for finding in findings:
        if config.excluded(finding.path):
            continue
        severity = config.severity_for(finding.rule, finding.severity)
        if severity is None:
            continue
        out.append(finding._replace(severity=severity, default_severity=finding.severity))
    return out
