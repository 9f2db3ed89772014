"""What the Action does through the REST API: the sticky pull-request
comment, the optional commit status, and the override label.

Endpoints (GitHub REST API, version 2022-11-28):

| what | method and path |
|---|---|
| list comments | GET /repos/{owner}/{repo}/issues/{number}/comments |
| add the comment | POST /repos/{owner}/{repo}/issues/{number}/comments |
| update it | PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} |
| current labels | GET /repos/{owner}/{repo}/issues/{number}/labels |
| remove a stale approval label | DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name} |
| who added a label, when; force pushes | GET /repos/{owner}/{repo}/issues/{number}/timeline |
| their permission | GET /repos/{owner}/{repo}/collaborators/{username}/permission |
| commit status | POST /repos/{owner}/{repo}/statuses/{sha} |
"""
from __future__ import annotations

import urllib.parse
from typing import Any, Dict, NamedTuple, Optional, Tuple

from guardrails.github import approval as approval_mod
from guardrails.github.api import Client
from guardrails.github.event import Event
from guardrails.model import Approval
from guardrails.reporters.markdown import MARKER  # the first line of our comment
STATUS_CONTEXT = "guardrails"
WRITE_ROLES = frozenset(("admin", "maintain", "write"))
STATE_OF = {"pass": "success", "review": "failure", "block": "failure"}
UNREADABLE = "unreadable"  # a push-like event whose time we cannot read: compares as unknown


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# -- the sticky comment ----------------------------------------------------

def find_comment(client: Client, repo: str, number: int) -> Optional[Dict[str, Any]]:
    """Our earlier comment: it starts with MARKER and a bot wrote it (a person
    could paste the marker into a comment of their own; we never edit that)."""
    found = None
    for item in client.pages(f"/repos/{repo}/issues/{number}/comments"):
        if not isinstance(item, dict):
            continue
        body, user = item.get("body") or "", item.get("user") or {}
        if body.startswith(MARKER) and user.get("type") == "Bot":
            found = found or item  # the oldest one: the one people have seen
    return found


_UNREAD: Dict[str, Any] = {}


def upsert_comment(client: Client, repo: str, number: int, body: str, clean: bool, clean_body: str,
                   existing: Optional[Dict[str, Any]] = _UNREAD) -> str:
    """Create, update or leave the one comment (EXISTING: what find_comment
    returned, when the caller already asked).  Returns what was done:
    "created", "updated", "unchanged" or "none" (clean, and no comment yet)."""
    if existing is _UNREAD:
        existing = find_comment(client, repo, number)
    if clean:
        if existing is None:
            return "none"  # nothing was ever said: stay quiet
        body = clean_body
    if existing is None:
        client.request("POST", f"/repos/{repo}/issues/{number}/comments", body={"body": body})
        return "created"
    if (existing.get("body") or "") == body:
        return "unchanged"
    client.request("PATCH", f"/repos/{repo}/issues/comments/{int(existing['id'])}", body={"body": body})
    return "updated"


# -- commit status -----------------------------------------------------------

def set_status(client: Client, repo: str, sha: str, verdict: str, failed: bool, description: str,
               target_url: str = "") -> None:
    state = "failure" if failed else "success"
    body: Dict[str, Any] = {"state": state, "context": STATUS_CONTEXT, "description": description[:140]}
    if target_url:
        body["target_url"] = target_url
    client.request("POST", f"/repos/{repo}/statuses/{sha}", body=body)


# -- the override label ------------------------------------------------------

class Approver(NamedTuple):
    approval: Optional[Approval]
    note: str  # why a present label does not count ("" when it does, or when there is none)
    stale: bool = False  # the label is known to predate the head: remove it
    label_event: Optional[approval_mod.LabelEvent] = None  # the labelling that approved (to record)


class Timeline(NamedTuple):
    label: Optional[approval_mod.LabelEvent]  # the newest `labeled` event not undone by `unlabeled`
    last_push: str  # the newest time of a push-like event
    complete: bool


def labels(client: Client, repo: str, number: int) -> Tuple[str, ...]:
    return tuple(str(item.get("name", "")) for item in client.pages(f"/repos/{repo}/issues/{number}/labels")
                 if isinstance(item, dict))


def remove_label(client: Client, repo: str, number: int, label: str) -> None:
    client.request("DELETE", f"/repos/{repo}/issues/{number}/labels/{_q(label)}")


def timeline(client: Client, repo: str, number: int, label: str) -> Timeline:
    path = f"/repos/{repo}/issues/{number}/timeline"
    found: Optional[approval_mod.LabelEvent] = None
    last_push = ""
    for item in client.pages(path):
        if not isinstance(item, dict):
            continue
        kind = item.get("event")
        at = str(item.get("created_at") or "")
        if kind in approval_mod.PUSH_LIKE:
            # Newest by time, not by position: a time we cannot read counts as "now".
            if last_push != UNREADABLE and (not last_push or approval_mod.later(at, last_push) is not False):
                last_push = at if approval_mod.parse_time(at) else UNREADABLE
        if (item.get("label") or {}).get("name") != label:
            continue
        if kind == "labeled":
            found = approval_mod.LabelEvent(str((item.get("actor") or {}).get("login", "")), at)
        elif kind == "unlabeled":
            found = None
    return Timeline(found, last_push, path not in client.truncated)


def permission(client: Client, repo: str, login: str) -> str:
    """The user's role: admin, maintain, write, triage, read or none."""
    data = client.request("GET", f"/repos/{repo}/collaborators/{_q(login)}/permission").data or {}
    role = str(data.get("role_name") or "")
    return role if role else str(data.get("permission") or "none")


def find_approval(client: Client, event: Event, label: str, allow_self: bool, now: str,
                  state: approval_mod.State = approval_mod.EMPTY) -> Approver:
    """The override label counts when a writer (not the author, unless allowed)
    added it while the head under judgement (event.head) was the head."""
    if not event.number or label not in labels(client, event.repo, event.number):
        return Approver(None, "")
    line = timeline(client, event.repo, event.number, label)
    labeled_here = event.action == "labeled" and event.label == label and bool(event.sender)
    found = line.label
    if labeled_here and (found is None or found.actor != event.sender):
        found = approval_mod.LabelEvent(event.sender, "")  # the event is the authority on who
    if found is None or not found.actor:
        return Approver(None, f"the label {label!r} is on the pull request, but the timeline does not say who "
                              "added it: it does not count")
    login = found.actor
    author = event.pull_request.author if event.pull_request else ""
    if author and login.lower() == author.lower() and not allow_self:
        return Approver(None, f"the label {label!r} was added by {login}, the pull request's author, who cannot "
                              "approve their own change (policy: approval.allow_self_approval)")
    head = event.head or ""
    verdict = approval_mod.judge(approval_mod.Facts(
        head=head, action=event.action, labeled_here=labeled_here, label=found,
        last_push=line.last_push, timeline_complete=line.complete, state=state))
    if verdict.outcome == approval_mod.STALE:
        was_for = verdict.approved_sha[:12] or "an earlier commit"
        return Approver(None, f"approval by @{login} was for {was_for}; {verdict.why}: re-add the label {label!r} "
                              f"to approve them (head {head[:12]})", stale=True)
    if verdict.outcome != approval_mod.VALID:
        return Approver(None, f"the label {label!r} by @{login} does not count: {verdict.why}; re-add the label "
                              f"to approve {head[:12] or 'the head commit'}")
    role = permission(client, event.repo, login)
    if role not in WRITE_ROLES:
        return Approver(None, f"the label {label!r} was added by {login}, whose permission is {role!r}: it takes "
                              "write access to approve")
    return Approver(Approval(login=login, at=found.at or now, label=label, permission=role, head_sha=head), "",
                    label_event=found)
