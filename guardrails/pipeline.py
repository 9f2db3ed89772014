"""The pipeline, one stage after another, data flowing one way:

change -> ChangeSet -> check families -> findings (diff filter, fingerprints)
-> triage -> review -> verdict -> Report

It prints nothing; commands/check.py renders the Report.
"""
from __future__ import annotations

import time
from typing import Callable, List, NamedTuple, Optional

from guardrails import checks, config as config_mod, findings as findings_mod, limits, review, triage, verdict
from guardrails.errors import GuardError
from guardrails.model import Approval, ChangeSet, Context, Finding, Options, Report


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
    family_seconds = {}
    for module in checks.families():
        if held.out_of_time(started, module.NAME, raw, notes):  # limits.max_seconds spent: said, not silent
            continue
        family_started = time.perf_counter()
        ctx = Context(options=request.options, settings=config.families.get(module.NAME, {}),
                      warn=notes.append)
        try:
            raw.extend(checks.run_family(module, held.change, ctx))
        except GuardError:
            raise
        except Exception as exc:  # a bug of ours must not let a change through
            raise GuardError(f"check family {module.NAME!r} failed on this change: "
                             f"{type(exc).__name__}: {exc}") from exc
        family_seconds[module.NAME] = round(time.perf_counter() - family_started, 3)
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
