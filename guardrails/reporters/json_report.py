"""The JSON report: a public, versioned interface (docs: README "JSON report").

Bump model.SCHEMA_VERSION whenever a field changes meaning or goes away;
adding a field is compatible and keeps the version.
"""
from __future__ import annotations

import json
from typing import Any, Dict

from guardrails import __version__
from guardrails.model import Finding, Report
from guardrails.reporters.escape import wellformed


def finding_dict(f: Finding) -> Dict[str, Any]:
    return {
        "rule": f.rule,
        "category": f.category,
        "severity": f.severity,
        "default_severity": f.default_severity or f.severity,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line or f.line,
        "column": f.column,
        "side": f.side,
        "message": f.message,
        "evidence": f.evidence,
        "fingerprint": f.fingerprint,
        "waived": f.waived,
        "waiver": {"reason": f.waiver_reason, "source": f.waiver_source} if f.waived or f.waiver_reason else None,
        "details": dict(f.details),
        "review": dict(f.review) if f.review else None,
    }


def as_dict(report: Report) -> Dict[str, Any]:
    return {
        "schema_version": report.schema_version,
        "tool": {"name": "guardrails", "version": __version__},
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "on_unreviewed": report.on_unreviewed,
        "source": report.source,
        "config": report.config_source,
        "counts": dict(report.counts),
        "stats": dict(report.stats),
        "notes": list(report.notes),
        "findings": [finding_dict(f) for f in report.findings],
        "review": dict(report.review),
        "authorship": dict(report.authorship),
        "approval": report.approval._asdict() if report.approval is not None else None,
    }


def render(report: Report, color: bool = False) -> str:
    return wellformed(json.dumps(as_dict(report), indent=2, ensure_ascii=False, default=str)) + "\n"
