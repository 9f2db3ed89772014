"""How every reporter words the review stage: per escalated finding the
decision, confidence, rationale and model (or why it was not reviewed), and
per run the author detected, the reviewer chosen, the prompt's hash, tokens
and cost.  Plain text; each reporter escapes it for its format."""
from __future__ import annotations

from typing import List, Mapping

from guardrails.model import Finding, Report

NOT_REVIEWED = {
    "not-configured": "not reviewed: no reviewer configured",
    "no-llm": "not reviewed: --no-llm",
    "no-key": "not reviewed: no API key for the reviewer (e.g. a fork's pull request)",
    "no-qualifying-model": "not reviewed: every reviewer model is of the author's family",
    "budget-reached": "not reviewed: the review budget was reached",
    "endpoint-failed": "not reviewed: the reviewer's endpoint failed",
    "never-send": "not reviewed: its path is kept back by never_send",
}


def finding_line(f: Finding) -> str:
    """One line on F's review, or "" when it was not escalated."""
    review: Mapping = f.review or {}
    if not review:
        return ""
    state = review.get("state", "")
    if state in NOT_REVIEWED:
        return NOT_REVIEWED[state]
    decision = review.get("decision") or "undecided"
    confidence = review.get("confidence")
    parts = [f"reviewer: {decision}"]
    facts = []
    if isinstance(confidence, (int, float)):
        facts.append(f"confidence {confidence:.2f}")
    if review.get("model"):
        facts.append(str(review["model"]))
    if review.get("cached"):
        facts.append("cached")
    if review.get("truncated"):
        facts.append("input cut to fit: an allow does not clear it")
    if state == "output-invalid":
        facts.append("invalid answer after one repair")
    if facts:
        parts.append(f"({', '.join(facts)})")
    if decision == "allow" and not review.get("cleared"):
        parts.append("[below min_confidence: still needs a decision]")
    line = " ".join(parts)
    if review.get("rationale"):
        line += f": {review['rationale']}"
    return line


def _authors(authorship: Mapping) -> str:
    signals = authorship.get("signals") or []
    names = []
    for signal in signals:
        if not isinstance(signal, Mapping):
            continue
        name = str(signal.get("agent") or "")
        if signal.get("model"):
            name += f" ({signal['model']})"
        if name and name not in names:
            names.append(name)
    families = ", ".join(authorship.get("families") or []) or "unknown family"
    if not names:
        return f"author: no agent detected ({families})" if authorship else ""
    return f"author: {', '.join(names[:4])}{' …' if len(names) > 4 else ''} → {families}"


def run_lines(report: Report) -> List[str]:
    """Lines on who wrote the change and what the review stage did."""
    out: List[str] = []
    author = _authors(report.authorship)
    if author:
        out.append(author)
    review: Mapping = report.review or {}
    state = review.get("state")
    if not state or state == "nothing-to-review":
        return out
    reviewer = review.get("reviewer") or {}
    tokens = review.get("tokens") or {}
    if reviewer:
        line = (f"reviewer: {reviewer.get('model')} ({reviewer.get('family')}) — {state}, "
                f"{review.get('requests', 0)} request(s), {tokens.get('total', 0)} tokens, "
                f"${float(review.get('cost_usd', 0.0)):.4f}")
        cache = review.get("cache")
        if isinstance(cache, Mapping) and cache.get("hits"):
            line += f", {cache['hits']} cached"
        line += f"; prompt {str(review.get('prompt_sha256', ''))[:12]}"
    else:
        line = f"reviewer: {state}"
    if review.get("reason"):
        line += f" — {review['reason']}"
    out.append(line)
    if report.approval is not None:
        a = report.approval
        commit = f" for commit {a.head_sha[:12]}" if getattr(a, "head_sha", "") else ""
        out.append(f"approved by {a.login} at {a.at}{commit} (label {a.label})")
    return out
