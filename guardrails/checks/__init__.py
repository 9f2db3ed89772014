"""Check families.

A family is a module with the same small interface (like pre-commit's
``languages/``)::

    NAME: str                     # the config section, e.g. "dependency"
    CONFIG_SCHEMA: dict           # option -> default value (its type is the option's type)
    def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]

Families never call the reviewer or a reporter: they only return findings.
Findings name a rule from ``guardrails/rules``; severity is normally the
rule's default (``finding()`` below fills it in).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Iterable, List

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


def finding(rule_id: str, path: str, line: int, message: str, evidence: str = "", **kw: Any) -> Finding:
    """Build a finding with the rule's default severity (``severity=`` overrides)."""
    severity = kw.pop("severity", None) or rules.get(rule_id).severity
    return Finding(rule=rule_id, severity=severity, path=path, line=line, message=message,
                   evidence=evidence.strip() if evidence else "", **kw)


def run_family(module: ModuleType, change: Any, ctx: Any) -> Iterable[Finding]:
    return list(module.check(change, ctx))
