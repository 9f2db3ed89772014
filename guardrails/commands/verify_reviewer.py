"""`guardrails verify-reviewer`: run the configured reviewer chain on a gold
set of escalations whose right answer is known, before trusting it to gate
merges.

Every model of the pool answers every item (the chain's fallbacks are used
when the first model fails, so each must be good enough on its own).  Per
model it prints accuracy (its allow/block agrees with the label; a
needs-human or no answer does not), the needs-human rate, tokens, cost and
latency, and exits 0 only when every model meets --threshold.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from typing import Any, Dict, List, NamedTuple

from guardrails import config as config_mod, git
from guardrails.errors import GuardError
from guardrails.model import ChangeSet, Finding, Options

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLD = os.path.join(HERE, "data", "reviewer-gold.jsonl")
LABELS = ("allow", "block")


class GoldItem(NamedTuple):
    id: str
    label: str
    source: str
    finding: Finding
    hunk: str
    context: str


def add_parser(sub: Any) -> None:
    p = sub.add_parser("verify-reviewer", help="measure the reviewer chain on a gold set before trusting it")
    p.add_argument("--gold", metavar="FILE", default=GOLD, help="gold set (JSON lines; default: the shipped one)")
    p.add_argument("--threshold", type=float, default=0.85, help="accuracy every model must reach (default 0.85)")
    p.add_argument("--config", metavar="FILE", help="policy file (default: .guardrails.yml of the working tree)")
    p.add_argument("--reviewer", metavar="MODEL", action="append", default=[], help="replaces the policy's pool")
    p.add_argument("--reviewer-base-url", metavar="URL")
    p.add_argument("--reviewer-api-key-env", metavar="NAME")
    p.add_argument("--limit", type=int, default=0, help="only the first N items (0 = all)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def load_gold(path: str) -> List[GoldItem]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise GuardError(f"cannot read --gold {path}: {exc.strerror}") from None
    items: List[GoldItem] = []
    seen = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise GuardError(f"{where}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise GuardError(f"{where}: each line must be a JSON object")
        finding = data.get("finding")
        if data.get("label") not in LABELS:
            raise GuardError(f"{where}: label must be one of {', '.join(LABELS)} (got {data.get('label')!r})")
        if not isinstance(finding, dict) or not isinstance(finding.get("rule"), str):
            raise GuardError(f"{where}: finding must be an object with a rule")
        ident = str(data.get("id") or f"line{number}")
        if ident in seen:
            raise GuardError(f"{where}: duplicate id {ident!r}")
        seen.add(ident)
        details = finding.get("details")
        if not isinstance(details, dict):
            details = {}
        fingerprint = hashlib.sha256(f"gold\0{ident}".encode()).hexdigest()[:32]
        items.append(GoldItem(
            id=ident, label=data["label"], source=str(data.get("source", "")),
            finding=Finding(rule=finding["rule"], severity="escalate", path=str(finding.get("path", "")),
                            line=int(finding.get("line") or 0), message=str(finding.get("message", "")),
                            evidence=str(finding.get("evidence", "")),
                            details=details,
                            fingerprint=fingerprint),
            hunk=str(data.get("hunk", "")), context=str(data.get("context", ""))))
    if not items:
        raise GuardError(f"--gold {path}: no items")
    return items


def _policy(args: argparse.Namespace) -> Any:
    repo = git.toplevel(os.getcwd())
    change = ChangeSet(files=(), source="verify-reviewer", mode="diff", repo=repo)
    return config_mod.load(change, args.config)


def evaluate(items: List[GoldItem], settings: Any) -> List[Dict[str, Any]]:
    """Per model of the pool: its answers on ITEMS and the figures."""
    from guardrails import review
    from guardrails.review import items as items_mod

    built = [items_mod.build(g.finding, g.hunk, g.context) for g in items]
    label = {item.id: g.label for item, g in zip(built, items)}
    results = []
    for model in settings.pool:
        cand = review.Candidate(model, review._family(model, settings), True, "")
        # Every model gets the whole budget; verification is not a gate run.
        work = review._Run(settings, [cand])
        if not work.keyed():
            results.append({"model": model.model, "family": cand.family, "ran": False,
                            "why": f"no API key in {model.api_key_env}"})
            continue
        answers: Dict[str, str] = {}
        failures: List[str] = []
        started = time.monotonic()
        for batch in review._batches(built, settings):
            decisions, state, _, note = review._ask(work, batch)
            if note:
                failures.append(note)
            for item in batch:
                decision = decisions.get(item.id)
                answers[item.id] = decision.decision if decision else f"({state})"
        seconds = time.monotonic() - started
        agree = sum(1 for i, a in answers.items() if a == label[i])
        human = sum(1 for a in answers.values() if a == "needs-human")
        unanswered = sum(1 for a in answers.values() if a.startswith("("))
        wrong = [{"id": g.id, "label": g.label, "answer": answers[b.id], "source": g.source}
                 for g, b in zip(items, built) if answers[b.id] != g.label]
        results.append({
            "model": model.model, "family": cand.family, "ran": True, "items": len(built),
            "accuracy": round(agree / len(built), 4), "needs_human_rate": round(human / len(built), 4),
            "unanswered": unanswered, "requests": work.requests,
            "tokens": {"prompt": work.prompt_tokens, "completion": work.completion_tokens},
            "cost_usd": round(work.cost, 6), "seconds": round(seconds, 3),
            "latency_per_request": round(seconds / work.requests, 3) if work.requests else None,
            "disagreements": wrong, "notes": list(dict.fromkeys(failures)),
        })
    return results


def run(args: argparse.Namespace) -> int:
    from guardrails.review.settings import load as load_settings
    if not 0 < args.threshold <= 1:
        raise GuardError(f"--threshold must be between 0 and 1 (got {args.threshold})")
    items = load_gold(args.gold)
    if args.limit > 0:
        items = items[:args.limit]
    config = _policy(args)
    options = Options(reviewer_models=tuple(args.reviewer), reviewer_base_url=args.reviewer_base_url,
                      reviewer_api_key_env=args.reviewer_api_key_env)
    settings = load_settings(config.reviewer, options)
    if not settings.pool:
        raise GuardError("no reviewer to verify: set reviewer.pool in the policy or pass --reviewer MODEL")
    results = evaluate(items, settings)
    ok = all(r["ran"] and r["accuracy"] >= args.threshold for r in results)
    if args.format == "json":
        json.dump({"gold": args.gold, "items": len(items), "threshold": args.threshold, "passed": ok,
                   "models": results}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _text(results, len(items), args.threshold, ok)
    return 0 if ok else 1


def _text(results: List[Dict[str, Any]], count: int, threshold: float, ok: bool) -> None:
    out = [f"gold set: {count} escalations; threshold {threshold:.0%}", ""]
    out.append(f"{'model':32} {'family':10} {'accuracy':>8} {'needs-human':>11} {'tokens':>9} "
               f"{'cost $':>9} {'s/request':>9}")
    for r in results:
        if not r["ran"]:
            out.append(f"{r['model'][:32]:32} {r['family'][:10]:10} not run: {r['why']}")
            continue
        tokens = r["tokens"]["prompt"] + r["tokens"]["completion"]
        latency = f"{r['latency_per_request']:.2f}" if r["latency_per_request"] is not None else "-"
        out.append(f"{r['model'][:32]:32} {r['family'][:10]:10} {r['accuracy']:>8.1%} "
                   f"{r['needs_human_rate']:>11.1%} {tokens:>9} {r['cost_usd']:>9.4f} {latency:>9}")
        for note in r["notes"]:
            out.append(f"    note: {note}")
        for wrong in r["disagreements"][:10]:
            out.append(f"    {wrong['id']}: expected {wrong['label']}, got {wrong['answer']} ({wrong['source']})")
    out += ["", "PASS: every model meets the threshold" if ok else
            "FAIL: a model of the chain is below the threshold (or could not run)"]
    sys.stdout.write("\n".join(out) + "\n")
