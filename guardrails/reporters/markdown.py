"""Markdown: for the job's step summary and the one sticky PR comment.

The first line is a hidden marker the Action uses to find and update its own
comment instead of adding a new one on every push.  Text from the change is
escaped (it is untrusted: it must not open HTML, close a table cell or ping
people), and the body stays under GitHub's 65,536-character comment limit.
"""
from __future__ import annotations

import re
from typing import List

from guardrails.model import Finding, Report
from guardrails.reporters import reviewing
from guardrails.reporters.escape import visible

MARKER = "<!-- guardrails-report -->"
MAX_CHARS = 60000
ICONS = {"block": "⛔", "escalate": "⚠️", "info": "ℹ️", "waived": "💤"}
VERDICT_TEXT = {"pass": "✅ pass", "review": "⚠️ review needed", "block": "⛔ block"}

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def escape(text: str) -> str:
    text = " ".join(visible(text, keep_newlines=True).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u200b")  # no @-mentions from untrusted text


def code(text: str) -> str:
    text = " ".join(visible(text, keep_newlines=True).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _row(f: Finding) -> str:
    label = "waived" if f.waived else f.severity
    where = f"{escape(f.path)}:{f.line}" + (" (old)" if f.side == "old" else "")
    message = escape(f.message)
    if f.waived:
        message += f" — waived: {escape(f.waiver_reason)}"
    review = reviewing.finding_line(f)
    if review:
        message += f"<br>🤖 {escape(review)}"
    evidence = code(f.evidence[:200]) if f.evidence else ""
    return f"| {ICONS.get(label, '')} {label} | {where} | `{f.rule}` | {message} | {evidence} |"


def render(report: Report, color: bool = False) -> str:
    c = report.counts
    out: List[str] = [
        MARKER,
        f"## guardrails: {VERDICT_TEXT.get(report.verdict, report.verdict)}",
        "",
        f"**{c.get('block', 0)}** block · **{c.get('escalate', 0)}** escalate · "
        f"**{c.get('info', 0)}** info · **{c.get('waived', 0)}** waived — "
        f"{report.stats.get('files', 0)} files, +{report.stats.get('lines_added', 0)} "
        f"−{report.stats.get('lines_removed', 0)} lines ({escape(report.source)}; policy: {escape(report.config_source)})",
        "",
    ]
    if report.verdict == "review":
        out += ["Escalated findings await a reviewer's decision"
                + (" and fail this check until then." if report.exit_code else "."), ""]
    active = [f for f in report.findings if not f.waived]
    waived = [f for f in report.findings if f.waived]
    header = ["| severity | where | rule | message | evidence |", "|---|---|---|---|---|"]
    size = sum(len(line) + 1 for line in out)
    if active:
        out += header
        for i, f in enumerate(active):
            row = _row(f)
            if size + len(row) > MAX_CHARS:
                out.append(f"| … | | | {len(active) - i} more findings: see the JSON or SARIF report | |")
                break
            out.append(row)
            size += len(row) + 1
        out.append("")
    if waived:
        out += ["<details><summary>Waived findings</summary>", ""] + header
        for f in waived:
            row = _row(f)
            if size + len(row) > MAX_CHARS:
                break
            out.append(row)
            size += len(row) + 1
        out += ["", "</details>", ""]
    run_lines = reviewing.run_lines(report)
    if run_lines:
        out += [f"- {escape(line)}" for line in run_lines] + [""]
    if report.notes:
        out += [f"> note: {escape(n)}" for n in report.notes] + [""]
    out.append("Run `guardrails explain <rule>` for what a rule catches and how to fix or waive it.")
    return "\n".join(out) + "\n"
