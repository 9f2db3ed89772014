"""Stage 5: the cross-model review of the escalated findings, and only those.

Deterministic checks decide what they can; an ``escalate`` finding goes to
an LLM of another family than the model that wrote the change (a model
should not grade its own work).  A ``block`` is never sent and can never be
cleared by a model.  What the reviewer decides:

- ``block``  the finding becomes a block finding;
- ``allow``  at or above ``min_confidence``: the finding no longer holds the
  verdict (``review.cleared``);
- ``needs-human``, a low-confidence allow, or no decision: the finding stays
  escalated and the verdict follows ``on_unreviewed``.

Every way a review did not happen is a named state, per finding and for the
run (``STATES``), so a run never looks green because nothing was reviewed.
"""
from __future__ import annotations

import os
import time
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from guardrails.config import Config
from guardrails.model import BLOCK, ESCALATE, ChangeSet, Finding, Options, glob_match
from guardrails.review import items as items_mod, prompt
from guardrails.review.settings import ReviewerModel, Settings, load as load_settings

DECIDED = "decided"
NOTHING = "nothing-to-review"
NOT_CONFIGURED = "not-configured"
NO_LLM = "no-llm"
NO_KEY = "no-key"
NO_QUALIFYING_MODEL = "no-qualifying-model"
BUDGET_REACHED = "budget-reached"
ENDPOINT_FAILED = "endpoint-failed"
OUTPUT_INVALID = "output-invalid"
TRUNCATED = "truncated"
NEVER_SEND = "never-send"
# A finding's review state -> what it means (README and `guardrails explain`
# speak of these names; the JSON schema lists them).
STATES = {
    DECIDED: "the reviewer decided it",
    TRUNCATED: "reviewed on input cut to fit: a block counts, an allow does not clear it",
    NOT_CONFIGURED: "no reviewer pool in the policy and no --reviewer",
    NO_LLM: "--no-llm: the reviewer was not called",
    NO_KEY: "no API key in the environment for any qualifying model (e.g. a pull request from a fork)",
    NO_QUALIFYING_MODEL: "every model of the pool is of the family that wrote the change",
    BUDGET_REACHED: "the run's budget (USD, tokens or time) was reached before it was sent",
    ENDPOINT_FAILED: "every qualifying endpoint failed (after the client's retries)",
    OUTPUT_INVALID: "the answer was not valid after one repair request: needs a human",
    NEVER_SEND: "its path matches never_send: kept on this machine",
}


class Outcome(NamedTuple):
    findings: List[Finding]
    review: Dict[str, Any]
    authorship: Dict[str, Any]
    notes: List[str]


class Candidate(NamedTuple):
    model: ReviewerModel
    family: str
    qualifies: bool
    why: str


def _family(model: ReviewerModel, settings: Settings) -> str:
    if model.family:
        return model.family
    from guardrails import model_families
    return model_families.family_of(model.model, settings.families)


def candidates(settings: Settings, author_families: Sequence[str]) -> List[Candidate]:
    """Every model of the pool with its family and whether it may review a
    change written by AUTHOR_FAMILIES (empty: unknown author, all qualify)."""
    out = []
    for model in settings.pool:
        family = _family(model, settings)
        if family in author_families:
            out.append(Candidate(model, family, False, f"same family as the author ({family})"))
        else:
            out.append(Candidate(model, family, True, "differs from the author's family"
                                 if author_families else "author's family unknown"))
    return out


def endpoint(model: ReviewerModel) -> str:
    """Where a model is reached, without credentials or query."""
    if not model.base_url:
        return "api.openai.com"
    parts = urlsplit(model.base_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}".rstrip("/")


def _detect_authorship(change: ChangeSet, options: Options, settings: Settings) -> Any:
    from guardrails import authorship
    policy = {"author_model": settings.author_model, "agents": dict(settings.agents),
              "families": dict(settings.families)}
    return authorship.detect(change.commits(), options.pull_request, options.author_model or None, policy)


def _mark(finding: Finding, state: str, **extra: Any) -> Finding:
    review: Dict[str, Any] = {"state": state, "decision": None, "confidence": None, "rationale": "",
                              "model": None, "cached": False, "truncated": False, "cleared": False}
    review.update(extra)
    return finding._replace(review=review)


def _cache_path(settings: Settings, options: Options, change: ChangeSet, notes: List[str]) -> str:
    path = options.review_cache or ""
    if not path and settings.cache:
        path = os.path.join(change.repo or os.getcwd(), settings.cache)
    if not path:
        return ""
    path = os.path.abspath(path)
    if change.repo:
        try:
            rel = os.path.relpath(os.path.realpath(path), os.path.realpath(change.repo)).replace(os.sep, "/")
        except ValueError:
            rel = ".."
        if not rel.startswith(".."):
            touched = {p for fc in change.files for p in (fc.path, fc.old_path) if p}
            if rel in touched or rel in set(change.list_head()):
                notes.append(f"review cache {rel} is part of the repository or of the change, so the change "
                             "could have written it: not used")
                return ""
    return path


class _Run:
    """The state of one review stage: budget, clients, counters."""

    def __init__(self, settings: Settings, qualifying: List[Candidate]):
        self.settings = settings
        self.qualifying = qualifying
        self.started = time.monotonic()
        self.deadline = self.started + settings.time_budget
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost = 0.0
        self.clients: Dict[int, Any] = {}
        self.dead: Dict[int, str] = {}
        self.used: Optional[Candidate] = None
        self.notes: List[str] = []
        self.budget_note = ""

    def keyed(self) -> List[Tuple[int, Candidate, str]]:
        out = []
        for index, cand in enumerate(self.qualifying):
            key = os.environ.get(cand.model.api_key_env, "")
            if key.strip():
                out.append((index, cand, key))
        return out

    def within_budget(self, model: ReviewerModel, estimate: int) -> bool:
        settings = self.settings
        remaining = self.deadline - time.monotonic()
        if remaining < 1:
            self.budget_note = f"time budget of {settings.time_budget:g} s reached"
            return False
        worst_tokens = estimate + model.max_output_tokens
        if self.prompt_tokens + self.completion_tokens + worst_tokens > settings.budget_tokens:
            self.budget_note = f"token budget of {settings.budget_tokens} reached"
            return False
        if self.cost + model.cost(estimate, model.max_output_tokens) > settings.budget_usd:
            self.budget_note = f"cost budget of ${settings.budget_usd:g} reached"
            return False
        return True

    def client(self, index: int, cand: Candidate, key: str) -> Any:
        if index not in self.clients:
            from guardrails.review.client import Client
            self.clients[index] = Client(cand.model, key, self.settings.timeout, self.settings.max_retries)
        return self.clients[index]

    def count(self, model: ReviewerModel, answer: Any, sent: List[Dict[str, str]]) -> None:
        self.requests += 1
        prompt_tokens, completion_tokens = answer.prompt_tokens, answer.completion_tokens
        if not answer.usage_reported:  # the endpoint gave no usage: estimate it
            prompt_tokens = prompt.estimate_tokens("".join(m["content"] for m in sent))
            completion_tokens = prompt.estimate_tokens(answer.text)
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cost += model.cost(prompt_tokens, completion_tokens)


def _batches(items: List[items_mod.Item], settings: Settings) -> List[List[items_mod.Item]]:
    """Items grouped into as few requests as fit max_input_tokens; an item
    too large alone is cut down (and marked truncated)."""
    room = max(500, settings.max_input_tokens - prompt.overhead_tokens())
    batches: List[List[items_mod.Item]] = []
    current: List[items_mod.Item] = []
    used = 0
    for item in items:
        size = prompt.item_tokens(item)
        if size > room:
            item = items_mod.shrink(item, max(400, room * 7 // 2 - 1500))
            size = prompt.item_tokens(item)
        if current and used + size > room:
            batches.append(current)
            current, used = [], 0
        current.append(item)
        used += size
    if current:
        batches.append(current)
    return batches


def _ask(run: _Run, batch: List[items_mod.Item]) -> Tuple[Dict[str, prompt.Decision], str, Optional[Candidate], str]:
    """(decisions by item id, the state of the undecided ones, the model that
    answered, a note).  Tries the qualifying models in order."""
    sent = prompt.messages(batch)
    estimate = prompt.estimate_tokens("".join(m["content"] for m in sent))
    ids = [item.id for item in batch]
    failures = []
    for index, cand, key in run.keyed():
        if index in run.dead:
            continue
        if not run.within_budget(cand.model, estimate):
            return {}, BUDGET_REACHED, None, run.budget_note
        from guardrails.review.client import EndpointError
        client = run.client(index, cand, key)
        timeout = max(1.0, min(run.settings.timeout, run.deadline - time.monotonic()))
        try:
            answer = client.ask(sent, timeout)
        except EndpointError as exc:
            run.dead[index] = str(exc)
            failures.append(str(exc))
            continue
        run.count(cand.model, answer, sent)
        run.used = run.used or cand
        decisions, error = prompt.parse(answer.text, ids)
        earlier = "; ".join(failures)
        if error is None:
            return decisions, DECIDED, cand, earlier
        missing = [i for i in ids if i not in decisions]
        repair = sent + [{"role": "assistant", "content": answer.text[:4000]},
                         {"role": "user", "content": prompt.REPAIR.format(error=error, ids=", ".join(missing))}]
        if not run.within_budget(cand.model, estimate + prompt.estimate_tokens(repair[-1]["content"] + repair[-2]["content"])):
            return decisions, BUDGET_REACHED, cand, run.budget_note
        try:
            fixed_answer = client.ask(repair, timeout)
        except EndpointError as exc:
            run.dead[index] = str(exc)
            return decisions, OUTPUT_INVALID, cand, f"invalid answer ({error}); the repair request failed: {exc}"
        run.count(cand.model, fixed_answer, repair)
        fixed, error2 = prompt.parse(fixed_answer.text, missing)
        decisions.update(fixed)
        if error2 is None:
            return decisions, DECIDED, cand, earlier
        return decisions, OUTPUT_INVALID, cand, f"invalid answer after one repair request ({error2})"
    if failures:
        return {}, ENDPOINT_FAILED, None, "; ".join(failures)
    return {}, ENDPOINT_FAILED, None, "every qualifying endpoint failed earlier in this run"


def _apply(finding: Finding, item: items_mod.Item, decision: prompt.Decision, model: str,
           settings: Settings, cached: bool) -> Finding:
    state = TRUNCATED if item.truncated else DECIDED
    cleared = decision.decision == "allow" and decision.confidence >= settings.min_confidence \
        and state == DECIDED
    reviewed = _mark(finding, state, decision=decision.decision, confidence=decision.confidence,
                     rationale=decision.rationale, model=model, cached=cached, truncated=item.truncated,
                     cleared=cleared)
    if decision.decision == "block":
        reviewed = reviewed._replace(severity=BLOCK)
    return reviewed


def run(findings: List[Finding], change: ChangeSet, config: Config, options: Options) -> Outcome:
    notes: List[str] = []
    settings = load_settings(config.reviewer, options)
    author = _detect_authorship(change, options, settings)
    from guardrails import authorship as authorship_mod
    author_dict = authorship_mod.as_dict(author)
    escalated = [i for i, f in enumerate(findings) if f.severity == ESCALATE and not f.waived]
    summary: Dict[str, Any] = {"state": NOTHING, "states": {}, "reviewer": None, "candidates": [],
                               "reason": "", "prompt_version": prompt.PROMPT_VERSION,
                               "prompt_sha256": prompt.template_hash(), "requests": 0,
                               "tokens": {"prompt": 0, "completion": 0, "total": 0}, "cost_usd": 0.0,
                               "seconds": 0.0, "cache": None, "redactions": 0,
                               "min_confidence": settings.min_confidence, "pool_source": settings.pool_source}
    out = list(findings)
    if not escalated:
        summary["reason"] = "no escalated findings: nothing to review"
        return Outcome(out, summary, author_dict, notes)

    def everyone(state: str, reason: str) -> Outcome:
        for i in escalated:
            out[i] = _mark(out[i], state)
        summary.update(state=state, reason=reason, states={state: len(escalated)})
        return Outcome(out, summary, author_dict, notes)

    if options.no_llm:
        return everyone(NO_LLM, "--no-llm: the escalated findings were not sent to a reviewer")
    if not settings.pool:
        return everyone(NOT_CONFIGURED, "no reviewer configured (reviewer.pool in the policy, or --reviewer)")
    cands = candidates(settings, author.families)
    summary["candidates"] = [{"model": c.model.model, "family": c.family, "endpoint": endpoint(c.model),
                              "qualifies": c.qualifies, "why": c.why} for c in cands]
    qualifying = [c for c in cands if c.qualifies]
    if not qualifying:
        fams = ", ".join(author.families) or "unknown"
        return everyone(NO_QUALIFYING_MODEL, f"every model of the pool is of the author's family ({fams}); "
                        "a model does not review its own family's work")
    work = _Run(settings, qualifying)
    keyed = work.keyed()
    if not keyed:
        envs = ", ".join(dict.fromkeys(c.model.api_key_env for c in qualifying))
        return everyone(NO_KEY, f"no API key in {envs} (a pull request from a fork gets no secrets): "
                        "deterministic checks only")
    first = keyed[0][1]
    summary["reviewer"] = {"model": first.model.model, "family": first.family, "endpoint": endpoint(first.model)}

    # Kept back: paths the policy never sends.
    sendable: List[int] = []
    for i in escalated:
        if settings.never_send and glob_match(out[i].path, settings.never_send):
            out[i] = _mark(out[i], NEVER_SEND)
        else:
            sendable.append(i)

    built = items_mod.items_for([out[i] for i in sendable], change, settings.context_lines)
    by_id: Dict[str, int] = {}
    summary["redactions"] = sum(item.redactions for item in built)
    from guardrails.review import cache as cache_mod
    cache_path = _cache_path(settings, options, change, notes)
    cache = cache_mod.Cache(cache_path) if cache_path else None
    if cache is not None and cache.note:
        notes.append(cache.note)
    template = prompt.template_hash()
    pending: List[items_mod.Item] = []
    for i, item in zip(sendable, built):
        by_id[item.id] = i
        if cache is not None:
            hit = None
            for _, cand, _ in keyed:
                hit = cache.get(cache_mod.key(prompt.item_hash(item), cand.model.model, template))
                if hit is not None:
                    out[i] = _apply(out[i], item, hit, cand.model.model, settings, cached=True)
                    break
            if hit is not None:
                continue
        pending.append(item)

    fail_notes: List[str] = []
    for batch in _batches(pending, settings):
        decisions, state, answered_by, note = _ask(work, batch)
        if note:
            fail_notes.append(note)
        for item in batch:
            i = by_id[item.id]
            decision = decisions.get(item.id)
            if decision is not None and answered_by is not None:
                out[i] = _apply(out[i], item, decision, answered_by.model.model, settings, cached=False)
                if cache is not None:
                    cache.put(cache_mod.key(prompt.item_hash(item), answered_by.model.model, template), decision,
                              answered_by.model.model)
            elif state == OUTPUT_INVALID and answered_by is not None:
                out[i] = _mark(out[i], OUTPUT_INVALID, decision="needs-human", model=answered_by.model.model,
                               rationale="the reviewer's answer was invalid after one repair request",
                               truncated=item.truncated)
            else:
                out[i] = _mark(out[i], state if state != DECIDED else OUTPUT_INVALID, truncated=item.truncated)
    if cache is not None:
        saved = cache.save()
        if saved:
            notes.append(saved)
        summary["cache"] = {"path": cache_path, "hits": cache.hits, "stored": len(cache.entries)}

    states: Dict[str, int] = {}
    for i in escalated:
        state = out[i].review.get("state", "")
        states[state] = states.get(state, 0) + 1
    summary["states"] = states
    if work.used is not None:
        summary["reviewer"] = {"model": work.used.model.model, "family": work.used.family,
                               "endpoint": endpoint(work.used.model)}
    decided = states.get(DECIDED, 0) + states.get(TRUNCATED, 0)
    if decided == len(escalated):
        summary["state"] = "reviewed"
    elif decided:
        summary["state"] = "partial"
    else:
        summary["state"] = max(states, key=lambda s: states[s])
    reasons = list(dict.fromkeys(fail_notes))
    summary["reason"] = "; ".join(reasons) if reasons else (
        f"{decided} of {len(escalated)} escalated finding(s) decided by the reviewer")
    summary.update(requests=work.requests, cost_usd=round(work.cost, 6),
                   seconds=round(time.monotonic() - work.started, 3),
                   tokens={"prompt": work.prompt_tokens, "completion": work.completion_tokens,
                           "total": work.prompt_tokens + work.completion_tokens})
    for note in reasons:
        notes.append(f"reviewer: {note}")
    return Outcome(out, summary, author_dict, notes)
