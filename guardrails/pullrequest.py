"""The pull request a change belongs to, handed in as a file
(``--pull-request FILE``): what author detection reads of it.

Two shapes are accepted:

- a GitHub Actions event payload, as the runner writes it to
  $GITHUB_EVENT_PATH.  ``pull_request`` and ``pull_request_target`` events
  (also ``pull_request_review`` ...) carry ``pull_request.title / body /
  labels[].name / head.ref / user.login / user.type / number``;
  ``issue_comment`` on a pull request carries the same under ``issue``
  (no head branch); ``merge_group`` carries only ``merge_group.head_ref``
  (the queue's branch); ``push`` carries ``ref``.  Other events give an
  empty record: the commits still speak for themselves.
- a small JSON written by hand or by another CI:
  ``{"title": "", "body": "", "labels": [], "head_branch": "", "author": "",
  "author_type": "", "number": 0}``, every key optional, no other key.

GitHub writes ``"body": null`` for an empty description; null counts as
absent everywhere.  Anything else of the wrong type is an error naming the
file and the field, as is a missing file or invalid JSON.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Tuple

from guardrails.change import show
from guardrails.errors import GuardError
from guardrails.model import PullRequest

MAX_BYTES = 25 * 1024 * 1024  # a push of many commits is a few MB at most
SMALL_KEYS = ("title", "body", "labels", "head_branch", "author", "author_type", "number")
# Keys every event payload has and a hand-written file has not.
_EVENT_KEYS = ("repository", "sender", "action", "organization", "installation", "enterprise")


class _Reader:
    """Typed field access that names the file and the field on error."""

    def __init__(self, path: str):
        self.where = f"--pull-request {show(path)}"

    def fail(self, what: str) -> GuardError:
        return GuardError(f"{self.where}: {what}")

    def obj(self, data: Mapping[str, Any], key: str, name: str) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{name} must be an object, not {_kind(value)}")
        return value

    def text(self, data: Mapping[str, Any], key: str, name: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{name} must be a string, not {_kind(value)}")
        return value

    def number(self, data: Mapping[str, Any], key: str, name: str) -> int:
        value = data.get(key)
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{name} must be a pull request number, not {_kind(value)}")
        return value

    def labels(self, data: Mapping[str, Any], key: str, name: str) -> Tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(f"{name} must be a list, not {_kind(value)}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):  # the event's label objects
                item = self.text(item, "name", f"{name}[{i}].name")
            elif not isinstance(item, str):
                raise self.fail(f"{name}[{i}] must be a label name, not {_kind(item)}")
            if item:
                out.append(item)
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}" if isinstance(value, int) else "a number"
    names = {"str": "a string", "list": "a list", "dict": "an object"}
    return names.get(type(value).__name__, type(value).__name__)


def _branch(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


def _from_pull_request(r: _Reader, pr: Mapping[str, Any], name: str, head_branch: bool = True) -> PullRequest:
    user = r.obj(pr, "user", f"{name}.user")
    head = r.obj(pr, "head", f"{name}.head") if head_branch else {}
    return PullRequest(
        number=r.number(pr, "number", f"{name}.number"),
        title=r.text(pr, "title", f"{name}.title"),
        body=r.text(pr, "body", f"{name}.body"),
        labels=r.labels(pr, "labels", f"{name}.labels"),
        head_branch=r.text(head, "ref", f"{name}.head.ref"),
        author=r.text(user, "login", f"{name}.user.login"),
        author_type=r.text(user, "type", f"{name}.user.type"),
    )


def _from_event(r: _Reader, data: Mapping[str, Any]) -> PullRequest:
    if "pull_request" in data and data["pull_request"] is not None:
        return _from_pull_request(r, r.obj(data, "pull_request", "pull_request"), "pull_request")
    issue = r.obj(data, "issue", "issue")
    if issue.get("pull_request") is not None:  # a comment on a pull request
        return _from_pull_request(r, issue, "issue", head_branch=False)
    if "merge_group" in data:
        group = r.obj(data, "merge_group", "merge_group")
        return PullRequest(head_branch=_branch(r.text(group, "head_ref", "merge_group.head_ref")))
    if "ref" in data and ("pusher" in data or "head_commit" in data or "commits" in data):
        return PullRequest(head_branch=_branch(r.text(data, "ref", "ref")))
    return PullRequest()


def _from_small(r: _Reader, data: Mapping[str, Any]) -> PullRequest:
    unknown = sorted(set(data) - set(SMALL_KEYS))
    if unknown:
        raise r.fail(f"unknown key {unknown[0]!r} (expected a GitHub event payload, or an object with "
                     f"{', '.join(SMALL_KEYS)})")
    return PullRequest(
        number=r.number(data, "number", "number"),
        title=r.text(data, "title", "title"),
        body=r.text(data, "body", "body"),
        labels=r.labels(data, "labels", "labels"),
        head_branch=_branch(r.text(data, "head_branch", "head_branch")),
        author=r.text(data, "author", "author"),
        author_type=r.text(data, "author_type", "author_type"),
    )


def load(path: str) -> PullRequest:
    """The pull request PATH describes; GuardError (one line naming the
    file and what is wrong) for anything unreadable."""
    r = _Reader(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise GuardError(f"cannot read --pull-request {show(path)}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise r.fail(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data: Optional[Any] = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise r.fail("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise r.fail(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise r.fail("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise r.fail(f"must be a JSON object, not {_kind(data)}")
    if any(key in data for key in _EVENT_KEYS) or "pull_request" in data or "merge_group" in data:
        return _from_event(r, data)
    return _from_small(r, data)
