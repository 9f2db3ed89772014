"""What the reviewer is shown for one escalated finding: its hunk, the lines
of the new file around it, the deterministic evidence, the waiver reason the
change wrote and the rule's docs.  Secrets are redacted here, before anything
can leave the machine, and every part is capped so one finding cannot crowd
out the others."""
from __future__ import annotations

import json
from typing import Any, List, Mapping, NamedTuple, Optional, Tuple

from guardrails import rules
from guardrails.model import ADDED, REMOVED, ChangeSet, FileChange, Finding, Hunk

# Caps per finding (characters): a hunk is cut around the finding's line.
MAX_HUNK_LINES = 80
MAX_FIELD_CHARS = 2000
DOC_CHARS = 900


class Item(NamedTuple):
    id: str  # the finding's fingerprint as the model sees it
    fingerprint: str
    rule: str
    rule_summary: str
    rule_docs: str  # what it catches, when it is legitimate
    path: str
    line: int
    message: str
    evidence: str
    details: str  # JSON text
    waiver_reason: str
    hunk: str
    context: str
    truncated: bool  # some part was cut to fit
    redactions: int  # secrets replaced


def _section(docs: str, heading: str) -> str:
    start = docs.find(heading)
    if start < 0:
        return ""
    start += len(heading)
    end = docs.find("\n## ", start)
    return docs[start:end if end >= 0 else len(docs)].strip()


def rule_docs(rule_id: str) -> Tuple[str, str]:
    """(summary, the docs a reviewer needs: what it does, when it is fine)."""
    try:
        rule = rules.get(rule_id)
    except Exception:
        return "", ""
    what = _section(rule.docs, "## What it does")
    fine = _section(rule.docs, "## How to waive") or _section(rule.docs, "## Use instead")
    text = f"What it catches: {what}\nWhen it may be legitimate / how it is accepted: {fine}"
    return rule.summary, _cap(text, DOC_CHARS)[0]


def _cap(text: str, limit: int) -> Tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit] + "\n[... cut to fit ...]", True


def _file(change: ChangeSet, finding: Finding) -> Optional[FileChange]:
    for fc in change.files:
        if finding.side == "old" and finding.path in (fc.path, fc.old_path):
            return fc
        if finding.side != "old" and fc.path == finding.path:
            return fc
    return None


def _hunk_text(hunk: Hunk, around: int, side: str) -> Tuple[str, bool]:
    lines = list(hunk.lines)
    cut = False
    if len(lines) > MAX_HUNK_LINES:
        centre = 0
        for i, line in enumerate(lines):
            number = line.old_no if side == "old" else line.new_no
            if number == around:
                centre = i
                break
        start = max(0, min(centre - MAX_HUNK_LINES // 2, len(lines) - MAX_HUNK_LINES))
        lines = lines[start:start + MAX_HUNK_LINES]
        cut = True
    head = f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@ {hunk.section}".rstrip()
    body = [head] + [("+" if l.kind == ADDED else "-" if l.kind == REMOVED else " ") + l.text for l in lines]
    return "\n".join(body), cut


def hunk_for(change: ChangeSet, finding: Finding) -> Tuple[str, bool]:
    fc = _file(change, finding)
    if fc is None or not fc.hunks:
        return "", False
    side = "old" if finding.side == "old" else "new"
    chosen = None
    for hunk in fc.hunks:
        start, length = (hunk.old_start, hunk.old_len) if side == "old" else (hunk.new_start, hunk.new_len)
        if start <= finding.line < start + max(length, 1):
            chosen = hunk
            break
    if chosen is None:
        chosen = fc.hunks[0]  # a whole-file finding: the first hunk shows the change
    header = f"--- a/{fc.old_path or fc.path}\n+++ b/{fc.path}\n"
    text, cut = _hunk_text(chosen, finding.line, side)
    return header + text, cut


def context_for(change: ChangeSet, finding: Finding, lines: int) -> str:
    if finding.line <= 0 or lines <= 0:
        return ""
    fc = _file(change, finding)
    text = None
    if fc is not None:
        text = fc.old_text() if finding.side == "old" else fc.new_text()
    if text is None:
        return ""
    all_lines = text.split("\n")
    lo = max(1, finding.line - lines)
    hi = min(len(all_lines), finding.line + lines)
    return "\n".join(f"{n:>5} {'>' if n == finding.line else ' '} {all_lines[n - 1].rstrip(chr(13))}"
                     for n in range(lo, hi + 1))


def _redact(text: str) -> Tuple[str, int]:
    from guardrails import secrets
    return secrets.redact(text)


def build(finding: Finding, hunk: str, context: str, hunk_cut: bool = False) -> Item:
    """An Item from a finding and its texts, redacted and capped."""
    summary, docs = rule_docs(finding.rule)
    details: Mapping[str, Any] = {k: v for k, v in dict(finding.details).items()
                                  if k != "waiver_reason_for_reviewer"}
    parts = {
        "message": finding.message,
        "evidence": finding.evidence,
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else "",
        "waiver_reason": str(finding.details.get("waiver_reason_for_reviewer", "") or ""),
        "hunk": hunk,
        "context": context,
    }
    redactions = 0
    truncated = hunk_cut
    out = {}
    for key, value in parts.items():
        value, count = _redact(value)
        redactions += count
        limit = MAX_FIELD_CHARS * (3 if key in ("hunk", "context") else 1)
        value, cut = _cap(value, limit)
        truncated = truncated or cut
        out[key] = value
    return Item(id=finding.fingerprint[:16], fingerprint=finding.fingerprint, rule=finding.rule,
                rule_summary=summary, rule_docs=docs, path=finding.path, line=finding.line,
                truncated=truncated, redactions=redactions, **out)


def items_for(findings: List[Finding], change: ChangeSet, context_lines: int) -> List[Item]:
    out = []
    for finding in findings:
        hunk, cut = hunk_for(change, finding)
        out.append(build(finding, hunk, context_for(change, finding, context_lines), cut))
    return out


def shrink(item: Item, max_chars: int) -> Item:
    """ITEM cut down to about MAX_CHARS of hunk and context (marked truncated)."""
    half = max(200, max_chars // 2)
    hunk, a = _cap(item.hunk, half)
    context, b = _cap(item.context, half)
    return item._replace(hunk=hunk, context=context, truncated=item.truncated or a or b)
