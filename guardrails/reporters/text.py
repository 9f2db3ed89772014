"""Human text: grouped by file, each finding with its line, rule, evidence,
why it matters and how to fix or waive it; a one-line summary last."""
from __future__ import annotations

from itertools import groupby
from typing import List

from guardrails import rules
from guardrails.model import BLOCK, ESCALATE, INFO, Finding, Report
from guardrails.reporters import reviewing
from guardrails.reporters.escape import visible

_COLORS = {BLOCK: "\033[31m", ESCALATE: "\033[33m", INFO: "\033[36m", "waived": "\033[2m",
           "pass": "\033[32m", "review": "\033[33m", "block": "\033[31m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def _c(text: str, key: str, color: bool) -> str:
    return f"{_COLORS.get(key, '')}{text}{_RESET}" if color else text


def _section(docs: str, heading: str) -> str:
    """The first paragraph of prose under HEADING in a rule's docs (code
    blocks are left to `guardrails explain`)."""
    marker = f"## {heading}"
    if marker not in docs:
        return ""
    body = docs.split(marker, 1)[1].split("\n## ", 1)[0].split("```", 1)[0].strip()
    paragraph = " ".join(body.split("\n\n", 1)[0].split())
    return paragraph.rstrip(":").rstrip() + ("." if paragraph.endswith(":") else "")


def _shown(value: object) -> bool:
    return value not in (None, "", [], (), {})


def _finding(f: Finding, color: bool, explained: set) -> List[str]:
    label = "waived" if f.waived else f.severity
    where = f"{f.line}" if f.side == "new" else f"{f.line} (old)"
    out = [f"  {where}: {_c(label, label, color)} {_c(f.rule, 'bold', False)} {visible(f.message)}"]
    if f.evidence:
        out.append(f"      | {visible(f.evidence)}")
    for key, value in f.details.items():
        if not _shown(value):
            continue
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value)
        out.append(f"      {visible(str(key))}: {visible(str(value))}")
    review = reviewing.finding_line(f)
    if review:
        out.append(f"      {visible(review)}")
    if f.waived:
        out.append(f"      waived ({f.waiver_source}): {visible(f.waiver_reason)}")
    elif f.rule in explained:
        out.append(f"      (why, fix and waiver: see the first {f.rule} above)")
    else:
        explained.add(f.rule)
        rule = rules.all_rules().get(f.rule)
        if rule is not None:
            why = _section(rule.docs, "Why is this bad?")
            fix = _section(rule.docs, "Use instead")
            if why:
                out.append(f"      why: {why}")
            if fix:
                out.append(f"      fix: {fix}")
            if f.severity == BLOCK:
                # An inline waiver the change adds never lowers a block (triage refuses it).
                out.append(f"      waive: a block is overridden only by a `waivers:` entry for {f.rule} (path, "
                           f"reason) in the policy on the base branch, or by the approval label "
                           f"(`guardrails:approved` unless the policy renames it) added by a user with write access "
                           f"(GitHub Action); an inline waiver this change adds is refused "
                           f"(details: guardrails explain {f.rule})")
            else:
                out.append(f"      waive: `guardrails: allow {f.rule} -- <reason>` on the line or the line above "
                           f"(details: guardrails explain {f.rule})")
    return out


def render_summary(report: Report, color: bool = False) -> str:
    c = report.counts
    verdict = _c(report.verdict.upper(), report.verdict, color)
    return (f"guardrails: {verdict}: {c.get('block', 0)} block, {c.get('escalate', 0)} escalate, "
            f"{c.get('info', 0)} info, {c.get('waived', 0)} waived "
            f"in {report.stats.get('files', 0)} files (+{report.stats.get('lines_added', 0)} "
            f"-{report.stats.get('lines_removed', 0)} lines) [{visible(report.source)}]\n")


def render(report: Report, color: bool = False) -> str:
    lines: List[str] = []
    explained: set = set()
    for path, group in groupby(report.findings, key=lambda f: f.path):
        lines.append(visible(path) if not color else f"{_BOLD}{visible(path)}{_RESET}")
        for f in group:
            lines.extend(_finding(f, color, explained))
        lines.append("")
    for note in report.notes:
        lines.append(f"note: {visible(note)}")
    lines.extend(visible(line) for line in reviewing.run_lines(report))
    if report.verdict == "review" and report.exit_code:
        lines.append("note: escalated findings await review; the policy (on_unreviewed: block) fails the run until they are decided")
    lines.append(render_summary(report, color).rstrip("\n"))
    return "\n".join(lines) + "\n"
