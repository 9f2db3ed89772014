"""The pipeline, one stage after another, data flowing one way:

change -> ChangeSet -> check families -> findings (diff filter, fingerprints)
-> triage -> review -> verdict -> Report

It prints nothing; commands/check.py renders the Report.
"""
from __future__ import annotations

import time
from typing import Callable, List, NamedTuple, Optional

from guardrails import checks, config as config_mod, findings as findings_mod, limits, review, triage, verdict, workers
from guardrails.model import Approval, ChangeSet, Finding, Options, Report


class Request(NamedTuple):
    get_change: Callable[[], ChangeSet]
    options: Options = Options()
    config_path: Optional[str] = None
    # A person's override (the Action's approval label, checked against
    # the person's permission before it gets here): turns block or review
    # into pass, and the report says who and when.
    approval: Optional[Approval] = None


def run(request: Request) -> Report:
    started = time.perf_counter()
    change = request.get_change()
    config = config_mod.load(change, request.config_path)
    held = limits.apply(change, config.families.get(limits.NAME, {}))  # files over a bound are not analysed
    notes: List[str] = list(held.notes)
    if change.coverage != "full":
        notes.append("hunks-only: the diff's pre-image is not in this repository, so checks "
                     "that need whole files (syntax trees, parsed configs) saw only the hunks")
    raw: List[Finding] = list(held.findings)
    outcome = workers.run(checks.families(), held.change, lambda name: config.families.get(name, {}),
                          request.options, held.settings, started)
    family_seconds = {}
    for ran in outcome.runs:
        if ran.stopped:  # limits.max_seconds or max_memory_mb: said, never a silent pass
            held.stopped(ran.name, ran.stopped, ran.reason, raw, notes)
            continue
        raw.extend(ran.findings)
        notes.extend(ran.notes)
        family_seconds[ran.name] = ran.seconds
    kept = findings_mod.fingerprint(findings_mod.diff_filter(raw, change))
    judged = triage.apply(kept, change, config)
    reviewed = review.run(judged, change, config, request.options)
    judged = reviewed.findings
    notes.extend(reviewed.notes)
    decision = verdict.decide(judged, config, approval=request.approval)
    stats = {
        "files": len(change.files),
        "lines_added": change.added_line_count(),
        "lines_removed": change.removed_line_count(),
        "coverage": change.coverage,
        "not_analysed": held.states(),
        "seconds": round(time.perf_counter() - started, 3),
        "family_seconds": family_seconds,
        "workers": outcome.workers,
    }
    return Report(
        verdict=decision.verdict, exit_code=decision.exit_code,
        findings=tuple(sorted(judged, key=lambda f: (f.path, f.side, f.line, f.rule))),
        counts=decision.counts, stats=stats, source=change.source,
        config_source=config.source, notes=tuple(dict.fromkeys(notes)),
        on_unreviewed=config.on_unreviewed,
        approval=request.approval if decision.approved else None,
        authorship=reviewed.authorship, review=reviewed.review,
    )
