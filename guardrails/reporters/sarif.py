"""SARIF 2.1.0, as GitHub code scanning accepts it.

- tool.driver.rules: every rule that has a result, with help text (markdown)
  and the default level; GitHub shows `help.markdown` beside the alert.
- results: ruleId, ruleIndex, level (block -> error, escalate -> warning,
  info -> note), message, one physical location with a 1-based startLine
  (GitHub rejects 0), and partialFingerprints so alerts survive rebases.
- waived findings carry `suppressions` with the reason (GitHub closes them
  as "dismissed").
- findings on removed lines (side "old") cannot be placed in the new file:
  they point at line 1 of the file's new path and say so in the message.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

from guardrails import __version__, rules
from guardrails.model import BLOCK, ESCALATE, Finding, Report
from guardrails.reporters import reviewing
from guardrails.reporters.escape import uri, wellformed

LEVELS = {BLOCK: "error", ESCALATE: "warning"}
INFO_URI = "https://pypi.org/project/merge-guardrails/"


def level(severity: str) -> str:
    return LEVELS.get(severity, "note")


def _rule(rule_id: str) -> Dict[str, Any]:
    rule = rules.all_rules().get(rule_id)
    summary = rule.summary if rule else rule_id
    docs = rule.docs if rule else ""
    severity = rule.severity if rule else "info"
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": docs or summary, "markdown": docs or summary},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {"category": rule_id.split("/", 1)[0], "tags": [rule_id.split("/", 1)[0], "guardrails"]},
    }


def _result(f: Finding, index: int) -> Dict[str, Any]:
    message = f.message
    review = reviewing.finding_line(f)
    if review:
        message = f"{message} [{review}]"
    line = f.line if f.line > 0 else 1
    if f.side == "old":
        message = f"{message} (on a removed line: old line {f.line})"
        line = 1
    region: Dict[str, Any] = {"startLine": line}
    if f.side == "new" and f.end_line and f.end_line > f.line:
        region["endLine"] = f.end_line
    if f.column and f.side == "new":
        region["startColumn"] = f.column
    if f.evidence:
        region["snippet"] = {"text": f.evidence}
    result: Dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(f.path), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        }],
        "partialFingerprints": {"guardrails/v1": f.fingerprint},
        "properties": {"severity": f.severity, "side": f.side, "details": dict(f.details)},
    }
    if f.review:
        result["properties"]["review"] = dict(f.review)
    if f.waived:
        result["suppressions"] = [{
            "kind": "inSource" if f.waiver_source in ("base", "change") else "external",
            "justification": f.waiver_reason,
        }]
    return result


def as_dict(report: Report) -> Dict[str, Any]:
    rule_ids: List[str] = sorted({f.rule for f in report.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "guardrails",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFO_URI,
                "rules": [_rule(r) for r in rule_ids],
            }},
            "automationDetails": {"id": "guardrails/"},
            "results": [_result(f, index[f.rule]) for f in report.findings],
            "properties": {"verdict": report.verdict, "counts": dict(report.counts), "source": report.source,
                           "review": dict(report.review), "authorship": dict(report.authorship)},
        }],
    }


def render(report: Report, color: bool = False) -> str:
    return wellformed(json.dumps(as_dict(report), indent=2, ensure_ascii=False, default=str)) + "\n"
