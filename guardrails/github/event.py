"""The event that started the workflow (GITHUB_EVENT_PATH, GITHUB_EVENT_NAME):
which change to judge and what the pull request says about itself.

| event | base | head |
|---|---|---|
| pull_request, pull_request_target | pull_request.base.sha | pull_request.head.sha |
| push | before (none for a new branch) | after |
| merge_group | merge_group.base_sha | merge_group.head_sha |
| anything else | none (guardrails' default source) | HEAD |

A pull request is judged as `git diff base...head` (its merge-base), what its
"Files changed" tab shows, so annotations land on the lines people see.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, NamedTuple, Optional

from guardrails.errors import GuardError
from guardrails.model import PullRequest

PR_EVENTS = ("pull_request", "pull_request_target")
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


class Event(NamedTuple):
    name: str  # GITHUB_EVENT_NAME
    action: str = ""  # "opened", "synchronize", "labeled" ...
    repo: str = ""  # owner/name of the base repository
    base: Optional[str] = None  # commit ids; None = let guardrails choose
    head: Optional[str] = None
    number: int = 0  # the pull request's number (0 = not a pull request)
    pull_request: Optional[PullRequest] = None
    fork: bool = False  # the head branch lives in another repository
    label: str = ""  # the label of a `labeled` / `unlabeled` event
    sender: str = ""  # who caused the event
    default_branch: str = ""


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _sha(value: Any) -> Optional[str]:
    """A commit id, or None for missing / all-zero ids (a new or deleted branch)."""
    if isinstance(value, str) and _SHA.fullmatch(value) and value.strip("0"):
        return value
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def pull_request(data: Dict[str, Any]) -> PullRequest:
    pr = data if "head" in data else (_get(data, "pull_request") or {})
    labels = tuple(_text(_get(label, "name")) for label in (pr.get("labels") or []) if isinstance(label, dict))
    number = pr.get("number")
    return PullRequest(
        number=number if isinstance(number, int) else 0,
        title=_text(pr.get("title")),
        body=_text(pr.get("body")),
        labels=tuple(label for label in labels if label),
        head_branch=_text(_get(pr, "head", "ref")),
        author=_text(_get(pr, "user", "login")),
        author_type=_text(_get(pr, "user", "type")),
    )


def parse(name: str, data: Any, repo_env: str = "") -> Event:
    if not isinstance(data, dict):
        raise GuardError(f"the {name or 'GitHub'} event payload is not a JSON object")
    repo = _text(_get(data, "repository", "full_name")) or repo_env
    common = dict(name=name, action=_text(data.get("action")), repo=repo,
                  sender=_text(_get(data, "sender", "login")),
                  default_branch=_text(_get(data, "repository", "default_branch")))
    if name in PR_EVENTS or (not name and isinstance(data.get("pull_request"), dict)):
        pr = data.get("pull_request")
        if not isinstance(pr, dict):
            raise GuardError(f"the {name} event payload has no pull_request object")
        head_repo = _text(_get(pr, "head", "repo", "full_name"))
        base_repo = _text(_get(pr, "base", "repo", "full_name")) or repo
        meta = pull_request(pr)
        return Event(base=_sha(_get(pr, "base", "sha")), head=_sha(_get(pr, "head", "sha")),
                     number=meta.number, pull_request=meta,
                     # A deleted fork has head.repo null: treat as a fork (no trust).
                     fork=head_repo != base_repo,
                     label=_text(_get(data, "label", "name")), **common)
    if name == "push":
        return Event(base=_sha(data.get("before")), head=_sha(data.get("after")), **common)
    if name == "merge_group":
        group = data.get("merge_group") or {}
        return Event(base=_sha(_get(group, "base_sha")), head=_sha(_get(group, "head_sha")), **common)
    return Event(**common)


def load(path: str, name: str, repo_env: str = "") -> Event:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise GuardError(f"event payload {path}: no such file") from None
    except OSError as exc:
        raise GuardError(f"cannot read event payload {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise GuardError(f"event payload {path} is not valid JSON: {exc}") from None
    return parse(name, data, repo_env)
