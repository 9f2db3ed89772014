"""What the Action does through the REST API: the sticky pull-request
comment, the optional commit status, and the override label.

Endpoints (GitHub REST API, version 2022-11-28):

| what | method and path |
|---|---|
| list comments | GET /repos/{owner}/{repo}/issues/{number}/comments |
| add the comment | POST /repos/{owner}/{repo}/issues/{number}/comments |
| update it | PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} |
| current labels | GET /repos/{owner}/{repo}/issues/{number}/labels |
| who added a label | GET /repos/{owner}/{repo}/issues/{number}/timeline |
| their permission | GET /repos/{owner}/{repo}/collaborators/{username}/permission |
| commit status | POST /repos/{owner}/{repo}/statuses/{sha} |
"""
from __future__ import annotations

import urllib.parse
from typing import Any, Dict, NamedTuple, Optional, Tuple

from guardrails.github.api import Client
from guardrails.github.event import Event
from guardrails.model import Approval
from guardrails.reporters.markdown import MARKER  # the first line of our comment
STATUS_CONTEXT = "guardrails"
WRITE_ROLES = frozenset(("admin", "maintain", "write"))
STATE_OF = {"pass": "success", "review": "failure", "block": "failure"}


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


def upsert_comment(client: Client, repo: str, number: int, body: str, clean: bool, clean_body: str) -> str:
    """Create, update or leave the one comment.  Returns what was done:
    "created", "updated", "unchanged" or "none" (clean, and no comment yet)."""
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


def labels(client: Client, repo: str, number: int) -> Tuple[str, ...]:
    return tuple(str(item.get("name", "")) for item in client.pages(f"/repos/{repo}/issues/{number}/labels")
                 if isinstance(item, dict))


def label_actor(client: Client, event: Event, label: str) -> Tuple[str, str]:
    """(login, ISO time) of whoever last added LABEL: the event itself when it
    is that `labeled` event, else the issue timeline."""
    if event.action == "labeled" and event.label == label and event.sender:
        return event.sender, ""
    actor, at = "", ""
    for item in client.pages(f"/repos/{event.repo}/issues/{event.number}/timeline"):
        if not isinstance(item, dict) or (item.get("label") or {}).get("name") != label:
            continue
        if item.get("event") == "labeled":
            actor, at = str((item.get("actor") or {}).get("login", "")), str(item.get("created_at", ""))
        elif item.get("event") == "unlabeled":
            actor, at = "", ""
    return actor, at


def permission(client: Client, repo: str, login: str) -> str:
    """The user's role: admin, maintain, write, triage, read or none."""
    data = client.request("GET", f"/repos/{repo}/collaborators/{_q(login)}/permission").data or {}
    role = str(data.get("role_name") or "")
    return role if role else str(data.get("permission") or "none")


def find_approval(client: Client, event: Event, label: str, allow_self: bool, now: str) -> Approver:
    if not event.number or label not in labels(client, event.repo, event.number):
        return Approver(None, "")
    login, at = label_actor(client, event, label)
    if not login:
        return Approver(None, f"the label {label!r} is on the pull request, but the timeline does not say who "
                              "added it: it does not count")
    author = event.pull_request.author if event.pull_request else ""
    if author and login.lower() == author.lower() and not allow_self:
        return Approver(None, f"the label {label!r} was added by {login}, the pull request's author, who cannot "
                              "approve their own change (policy: approval.allow_self_approval)")
    role = permission(client, event.repo, login)
    if role not in WRITE_ROLES:
        return Approver(None, f"the label {label!r} was added by {login}, whose permission is {role!r}: it takes "
                              "write access to approve")
    return Approver(Approval(login=login, at=at or now, label=label, permission=role), "")
