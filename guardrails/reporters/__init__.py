"""Reporters: one interface, ``render(report, color=False) -> str``.

Reporters render a Report; they never decide anything (the verdict, the
severities and the exit code are already in it).
"""
from __future__ import annotations

import importlib

from guardrails.model import Report

MODULES = {
    "text": "guardrails.reporters.text",
    "summary": "guardrails.reporters.text",  # the one-line summary only
    "json": "guardrails.reporters.json_report",
    "sarif": "guardrails.reporters.sarif",
    "github": "guardrails.reporters.github",
    "markdown": "guardrails.reporters.markdown",
}


def render(fmt: str, report: Report, color: bool = False) -> str:
    module = importlib.import_module(MODULES[fmt])
    if fmt == "summary":
        return module.render_summary(report, color=color)
    return module.render(report, color=color)
