"""Stage 3: collect the findings of every family, keep those on the lines
the change touched (the diff filter, applied once, here), and give each a
fingerprint that survives rebases."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

from guardrails import rules, secrets
from guardrails.model import ChangeSet, Finding

_SPACE = re.compile(r"\s+")


def diff_filter(findings: Iterable[Finding], change: ChangeSet) -> List[Finding]:
    """Keep a finding only on a line the change added (new side) or removed
    (old side), unless its rule reports on semantics (diff_filter: false) or
    on the whole file (line 0)."""
    added: Dict[str, frozenset] = {}
    removed: Dict[str, frozenset] = {}
    for f in change.files:
        added[f.path] = f.added_line_numbers()
        removed[f.path] = f.removed_line_numbers()
        if f.old_path and f.old_path != f.path:
            removed[f.old_path] = removed[f.path]
    kept = []
    for finding in findings:
        if finding.line == 0 or not rules.get(finding.rule).diff_filter:
            kept.append(finding)
            continue
        lines = removed if finding.side == "old" else added
        if finding.line in lines.get(finding.path, frozenset()):
            kept.append(finding)
    return kept


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def fingerprint(findings: List[Finding]) -> List[Finding]:
    """rule + path + normalised evidence + occurrence index among identical
    ones; never the line number, so a rebase that shifts lines keeps it.
    Secrets in a finding's message, evidence and details are redacted first
    (whatever rule reported the line), so no report ever prints one."""
    seen: Dict[Tuple[str, str, str], int] = defaultdict(int)
    out = []
    for finding in sorted(map(secrets.redact_finding, findings), key=lambda f: (f.path, f.side, f.line, f.rule)):
        key = (finding.rule, finding.path, normalise(finding.evidence or finding.message))
        index = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join(key + (str(index),)).encode("utf-8", "surrogateescape"))
        out.append(finding._replace(fingerprint=digest.hexdigest()[:32]))
    return out
