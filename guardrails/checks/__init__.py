"""Check families.

A family is a module with the same small interface (like pre-commit's
``languages/``)::

    NAME: str                     # the config section, e.g. "dependency"
    CONFIG_SCHEMA: dict           # option -> default value (its type is the option's type)
    def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]

and, optionally, parts that can run side by side in worker processes
(workers.py), whose findings and notes in PARTS order are check()'s::

    PARTS: Tuple[str, ...]
    def check_part(part: str, change: ChangeSet, ctx: Context) -> Iterable[Finding]

Families never call the reviewer or a reporter: they only return findings.
Findings name a rule from ``guardrails/rules``; severity is normally the
rule's default (``finding()`` below fills it in).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Dict, Iterable, List, Tuple

from guardrails import rules
from guardrails.model import Finding

# Module paths, in the order they run.
FAMILY_MODULES = (
    "guardrails.checks.suppressions",
    "guardrails.checks.relaxed_config",
    "guardrails.checks.tampering",
    "guardrails.checks.waivers",
    "guardrails.checks.dependency",
    "guardrails.checks.test_stub",
    "guardrails.checks.security",
    "guardrails.checks.approval",  # options only (the Action's override label)
)


def families() -> List[ModuleType]:
    return [importlib.import_module(name) for name in FAMILY_MODULES]


# Evidence is a line of the change: a 1 MB minified line found 3,000 times
# would make every later stage (redaction, fingerprints, reports) quadratic.
MAX_EVIDENCE = 1000


def _evidence(text: str, column: int) -> str:
    """TEXT stripped, cut to MAX_EVIDENCE characters around COLUMN (1-based)."""
    text = text.strip()
    if len(text) <= MAX_EVIDENCE:
        return text
    start = max(0, min(column - 1 - MAX_EVIDENCE // 4, len(text) - MAX_EVIDENCE)) if column else 0
    return ("…" if start else "") + text[start:start + MAX_EVIDENCE] + ("…" if start + MAX_EVIDENCE < len(text) else "")


def finding(rule_id: str, path: str, line: int, message: str, evidence: str = "", **kw: Any) -> Finding:
    """Build a finding with the rule's default severity (``severity=`` overrides)."""
    severity = kw.pop("severity", None) or rules.get(rule_id).severity
    return Finding(rule=rule_id, severity=severity, path=path, line=line, message=message,
                   evidence=_evidence(evidence, kw.get("column", 0)) if evidence else "", **kw)


# At most this many findings of one rule on one line: a line repeating a
# suppression comment 100,000 times is one problem, not 100,000 (and would make the
# later stages and the reports grow with it).
MAX_PER_LINE = 20


def run_family(module: ModuleType, change: Any, ctx: Any) -> Iterable[Finding]:
    return cap(module.check(change, ctx), ctx.warn)


def run_part(module: ModuleType, part: str, change: Any, ctx: Any) -> List[Finding]:
    """One part of a family that declares PARTS, uncapped: the parts of a
    family together are what its check() returns, and cap() runs on them
    together."""
    return list(module.check_part(part, change, ctx))


def cap(found: Iterable[Finding], warn: Any) -> List[Finding]:
    """FOUND with at most MAX_PER_LINE findings of one rule on one line; WARN
    says how many were left out."""
    out: List[Finding] = []
    seen: Dict[Tuple[str, str, str, int], int] = {}
    for f in found:
        if f.line > 0:
            key = (f.rule, f.path, f.side, f.line)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > MAX_PER_LINE:
                continue
        out.append(f)
    for (rule, path, side, line), n in seen.items():
        if n > MAX_PER_LINE:
            warn(f"{rule}: {n - MAX_PER_LINE} more on line {line} of {path}{' (old)' if side == 'old' else ''} "
                 "not listed")
    return out
