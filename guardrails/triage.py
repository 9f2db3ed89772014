"""Stage 4: decide each finding's severity under the policy.

In order:

1. a finding on an excluded path, or of a rule turned ``off``, is dropped;
2. per-rule overrides set the severity (``default_severity`` keeps the
   check's own);
3. waivers mark findings waived, strongest authority first:

   - a ``waivers:`` entry of the policy (which comes from the base
     revision) waives any finding, block included;
   - an inline waiver that already stands on the base revision (its line is
     not one the change added; old-side findings read the old text) waives
     any finding;
   - an inline waiver the change itself adds waives an ``info`` finding
     only.  A ``block`` finding stays block, the attempt recorded in
     ``details["attempted_waiver"]``; an ``escalate`` finding stays
     escalate and its reason goes to the reviewer in
     ``details["waiver_reason_for_reviewer"]``.

A waiver without a reason waives nothing (the waivers family reports it).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from guardrails import waivers as waivers_mod
from guardrails.config import Config
from guardrails.model import BLOCK, ESCALATE, INFO, ChangeSet, FileChange, Finding

BASE = "base"
CHANGE = "change"
CONFIG = "config"


class _Lines:
    """The text of one side of one file, by line number, read on first use."""

    def __init__(self, change: ChangeSet, path: str, side: str):
        self.change = change
        self.path = path
        self.side = side
        self.lines: Optional[Dict[int, str]] = None
        self.text: Optional[str] = None
        self.comment_lines: Dict[int, bool] = {}
        self.added: frozenset = frozenset()
        self.fc: Optional[FileChange] = None
        for fc in change.files:
            if side == "old" and path in (fc.old_path, fc.path) and fc.old_path is not None:
                self.fc = fc
                break
            if side != "old" and fc.path == path and fc.status != "deleted":
                self.fc = fc
                break

    def _load(self) -> Dict[int, str]:
        fc = self.fc
        text: Optional[str]
        if fc is not None:
            text = fc.old_text() if self.side == "old" else fc.new_text()
            if self.side != "old":
                self.added = fc.added_line_numbers()
        else:
            # Not in the change: every line stands on the base as it is.
            text = self.change.read_base(self.path) if self.side == "old" else self.change.read_head(self.path)
        if text is not None:
            self.text = text
            return {i: line.rstrip("\r") for i, line in enumerate(text.split("\n"), 1)}
        if fc is None:
            return {}
        # Hunks-only coverage: what the diff shows is all there is.
        out: Dict[int, str] = {}
        for line in fc.lines():
            number = line.old_no if self.side == "old" else line.new_no
            if number is not None:
                out[number] = line.text
        return out

    def get(self, number: int) -> Optional[str]:
        if self.lines is None:
            self.lines = self._load()
        return self.lines.get(number)

    def in_comment(self, number: int) -> bool:
        """Is the waiver marker on line NUMBER inside a real comment?  (Only
        known when the whole text is; otherwise parse()'s look at the text
        before the marker decides.)"""
        if self.text is None:
            return True
        if number not in self.comment_lines:
            found = waivers_mod.lines_in_comments(self.text, self.path, [number])
            self.comment_lines[number] = found is None or number in found
        return self.comment_lines[number]

    def source(self, number: int) -> str:
        """Who wrote line NUMBER: the change (an added line) or the base."""
        if self.lines is None:
            self.lines = self._load()
        return CHANGE if self.side != "old" and number in self.added else BASE


def _inline(lines: _Lines, finding: Finding) -> List[Tuple[waivers_mod.Waiver, str]]:
    """Valid waivers covering FINDING: on its line, or alone on the line above."""
    found: List[Tuple[waivers_mod.Waiver, str]] = []
    if finding.line <= 0:
        return found
    for number, own_line in ((finding.line, True), (finding.line - 1, False)):
        text = lines.get(number) if number > 0 else None
        if not text or waivers_mod.MARKER not in text:
            continue
        waiver = waivers_mod.parse(text, finding.path)
        if waiver is None or not waiver.valid or not waivers_mod.covers(waiver, finding.rule):
            continue
        if not lines.in_comment(number):
            continue  # the text of a string, not a comment
        if not own_line and not waiver.standalone:
            continue  # a trailing waiver covers its own line only
        found.append((waiver, lines.source(number)))
    return found


def _judge(finding: Finding, config: Config, lines: Optional[_Lines]) -> Finding:
    rule_waiver = config.waiver_for(finding.rule, finding.path)
    if rule_waiver is not None:
        return finding._replace(waived=True, waiver_reason=rule_waiver.reason, waiver_source=CONFIG)
    if lines is None:
        return finding
    found = _inline(lines, finding)
    if not found:
        return finding
    for waiver, source in found:
        if source == BASE:
            return finding._replace(waived=True, waiver_reason=waiver.reason, waiver_source=BASE)
    reason = found[0][0].reason
    if finding.severity == INFO:
        return finding._replace(waived=True, waiver_reason=reason, waiver_source=CHANGE)
    details = dict(finding.details)
    if finding.severity == BLOCK:
        details["attempted_waiver"] = reason
    elif finding.severity == ESCALATE:
        details["waiver_reason_for_reviewer"] = reason
    return finding._replace(details=details)


def apply(findings: List[Finding], change: ChangeSet, config: Config) -> List[Finding]:
    out: List[Finding] = []
    texts: Dict[Tuple[str, str], _Lines] = {}
    for finding in findings:
        if config.excluded(finding.path):
            continue
        default = finding.default_severity or finding.severity
        severity = config.severity_for(finding.rule, finding.severity)
        if severity is None:
            continue
        finding = finding._replace(severity=severity, default_severity=default)
        key = (finding.path, "old" if finding.side == "old" else "new")
        lines = texts.get(key)
        if lines is None and finding.line > 0:
            lines = texts[key] = _Lines(change, *key)
        out.append(_judge(finding, config, lines))
    return out
