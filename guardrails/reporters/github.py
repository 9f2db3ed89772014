"""GitHub Actions workflow commands: one annotation per finding.

    ::error file=src/a.py,line=3,title=suppression/blanket-noqa::message

block -> error, escalate -> warning, info and waived -> notice.  Values are
escaped as the runner expects (%, CR, LF; and ':' ',' in properties), which
also keeps text from the change from starting a command of its own.
"""
from __future__ import annotations

from typing import List

from guardrails.model import BLOCK, ESCALATE, Finding, Report
from guardrails.reporters.escape import visible
from guardrails.reporters import reviewing
from guardrails.reporters.text import render_summary

COMMANDS = {BLOCK: "error", ESCALATE: "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    command = "notice" if f.waived else COMMANDS.get(f.severity, "notice")
    props = [f"file={escape_property(visible(f.path))}"]
    message = f.message
    if f.side == "old":
        message = f"{message} (removed line {f.line})"
    elif f.line > 0:
        props.append(f"line={f.line}")
        if f.end_line and f.end_line > f.line:
            props.append(f"endLine={f.end_line}")
        if f.column:
            props.append(f"col={f.column}")
    title = f.rule + (" (waived)" if f.waived else "")
    props.append(f"title={escape_property(title)}")
    body = message
    if f.evidence:
        body += f"\n{f.evidence}"
    if f.waived:
        body += f"\nwaived: {f.waiver_reason}"
    review = reviewing.finding_line(f)
    if review:
        body += f"\n{review}"
    return f"::{command} {','.join(props)}::{escape_data(visible(body, keep_newlines=True))}"


def render(report: Report, color: bool = False) -> str:
    lines: List[str] = [annotation(f) for f in report.findings]
    for note in report.notes:
        lines.append(f"::notice title=guardrails::{escape_data(visible(note, keep_newlines=True))}")
    for line in reviewing.run_lines(report):
        lines.append(f"::notice title=guardrails review::{escape_data(visible(line, keep_newlines=True))}")
    lines.append(render_summary(report).rstrip("\n"))
    return "\n".join(lines) + "\n"
