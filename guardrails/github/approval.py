"""Which commit a human approval covers.

The override label says "I looked at this change and take responsibility".
It must cover what the person saw: the pull request's head commit when the
label was added, never commits pushed after it.  GitHub keeps no record of
that pairing, and its issue timeline has no time for an ordinary push
(`committed` events carry the git dates, which whoever commits chooses), so
we keep our own:

- the sticky comment carries a hidden state line (STATE_PREFIX ... -->):
  for each head commit a run judged, the GitHub server time (the `Date`
  header of an API answer) when a run first saw it, which is after that
  commit was pushed; and the binding "the label added by LOGIN at TIME was
  for head SHA" once a run established it;
- a `labeled` event for the label names the head in its own payload;
- force pushes, restored branches and a changed base branch do have a time
  in the timeline.

`judge()` decides, from these facts only, whether the newest `labeled` event
covers the head under judgement.  Anything it cannot tell is "unknown", and
unknown never approves (fail closed).  "stale" means we know the label
predates the head: the caller removes the label and says so.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any, Dict, NamedTuple, Optional

STATE_PREFIX = "<!-- guardrails-state "
_STATE = re.compile(r"^<!-- guardrails-state (\{[^\n]*\}) -->$", re.M)
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
MAX_SEEN = 20  # heads remembered (the newest ones)

# Timeline events that change what the pull request's head or diff is, with
# a time of their own (an ordinary push has none: see the module text).
PUSH_LIKE = ("head_ref_force_pushed", "head_ref_restored", "base_ref_changed", "base_ref_force_pushed")

VALID, STALE, UNKNOWN = "valid", "stale", "unknown"


class State(NamedTuple):
    """What earlier runs recorded in the sticky comment."""

    seen: Dict[str, str]  # head sha -> server time a run first saw it (ISO 8601)
    approved: str = ""  # the head sha the label event (by, at) was for
    by: str = ""
    at: str = ""


EMPTY = State({})


class LabelEvent(NamedTuple):
    actor: str
    at: str  # ISO 8601 (created_at of the timeline event)


class Facts(NamedTuple):
    head: str  # the head commit under judgement
    action: str  # the event's action ("synchronize", "labeled", ...)
    labeled_here: bool  # this run's event is the `labeled` event for the label
    label: Optional[LabelEvent]  # the newest `labeled` event still in force
    last_push: str  # newest time of a PUSH_LIKE timeline event ("" = none)
    timeline_complete: bool
    state: State


class Judgement(NamedTuple):
    outcome: str  # VALID, STALE or UNKNOWN
    approved_sha: str  # the commit the label covers, when known
    why: str  # for UNKNOWN and STALE: the reason, one clause


def parse_time(value: str) -> Optional[datetime.datetime]:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a time without a zone cannot be compared safely
    return parsed


def later(a: str, b: str) -> Optional[bool]:
    """a strictly after b; None when either is not a usable time."""
    ta, tb = parse_time(a), parse_time(b)
    if ta is None or tb is None:
        return None
    return ta > tb


def is_sha(value: Any) -> bool:
    return isinstance(value, str) and bool(_SHA.fullmatch(value))


def parse_state(body: str) -> State:
    """The state line of our comment; EMPTY when absent or malformed."""
    match = _STATE.search(body or "")
    if not match:
        return EMPTY
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return EMPTY
    if not isinstance(data, dict) or data.get("v") != 1:
        return EMPTY
    seen_raw = data.get("seen")
    seen = {sha: at for sha, at in (seen_raw.items() if isinstance(seen_raw, dict) else ())
            if is_sha(sha) and isinstance(at, str) and parse_time(at) is not None}
    approved = data.get("approved")
    if isinstance(approved, dict) and is_sha(approved.get("sha")) \
            and isinstance(approved.get("by"), str) and isinstance(approved.get("at"), str):
        return State(seen, approved["sha"], approved["by"], approved["at"])
    return State(seen)


def render_state(state: State) -> str:
    newest = sorted(state.seen.items(), key=lambda kv: parse_time(kv[1]) or datetime.datetime.min.replace(
        tzinfo=datetime.timezone.utc), reverse=True)[:MAX_SEEN]
    data: Dict[str, Any] = {"v": 1, "seen": dict(newest)}
    if state.approved:
        data["approved"] = {"sha": state.approved, "by": state.by, "at": state.at}
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    # Logins, shas and ISO times cannot hold "-->"; refuse anything that could.
    return f"{STATE_PREFIX}{text} -->" if "--" not in text else ""


def seen_now(state: State, head: str, now: str) -> State:
    """STATE with HEAD seen at NOW unless a run saw it earlier."""
    if not head or head in state.seen:
        return state
    return state._replace(seen=dict(state.seen, **{head: now}))


def bind(state: State, head: str, label: LabelEvent) -> State:
    return state._replace(approved=head, by=label.actor, at=label.at)


def judge(facts: Facts) -> Judgement:
    """Does the newest label event cover FACTS.head?  In order, first answer wins."""
    label, state, head = facts.label, facts.state, facts.head
    if label is None or not head:
        return Judgement(UNKNOWN, "", "the timeline does not say when the label was added")
    if facts.labeled_here:
        # The event is the labelling itself: its payload names the head then.
        return Judgement(VALID, head, "")
    if not facts.timeline_complete:
        return Judgement(UNKNOWN, "", "the timeline is too long to read in full")
    if parse_time(label.at) is None:
        return Judgement(UNKNOWN, "", "the timeline gives no usable time for the label")
    bound = bool(state.approved) and state.by == label.actor and state.at == label.at
    was_for = state.approved if bound else ""
    if facts.last_push:
        after_push = later(label.at, facts.last_push)
        if after_push is None:
            return Judgement(UNKNOWN, "", "the timeline gives no usable time for the last force push")
        if not after_push:
            return Judgement(STALE, was_for, "the branch was force-pushed, restored or re-based after it")
    if bound:
        # A run saw this very labelling and recorded the head it was for.
        if state.approved == head:
            return Judgement(VALID, head, "")
        return Judgement(STALE, was_for, "new commits were pushed")
    seen = state.seen.get(head, "")
    if seen and later(label.at, seen):
        return Judgement(VALID, head, "")  # added after a run saw this head, so after its push
    if facts.action == "synchronize":
        return Judgement(STALE, "", "new commits were pushed")
    return Judgement(UNKNOWN, "", f"nothing recorded shows it was added after {head[:12]} was pushed")
