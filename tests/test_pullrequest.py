"""--pull-request FILE: GitHub event payloads (as the runner writes
$GITHUB_EVENT_PATH) and the small hand-written JSON; bad input is one
line naming the file and the field."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guardrails import authorship, pullrequest
from guardrails.errors import GuardError
from guardrails.model import PullRequest

# The shape of a real `pull_request` event payload (fields GitHub sends,
# trimmed of the many URLs; values from a Copilot coding agent pull request).
USER_COPILOT = {"login": "Copilot", "id": 198982749, "node_id": "BOT_kgDOC9w8XQ", "type": "Bot",
                "site_admin": False, "html_url": "https://github.com/apps/copilot-swe-agent"}
USER_HUMAN = {"login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==", "type": "User",
              "site_admin": False}
REPO = {"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "hello-world",
        "full_name": "octo-org/hello-world", "private": False, "owner": USER_HUMAN, "default_branch": "main",
        "fork": False}
PULL_REQUEST_EVENT: dict = {
    "action": "opened",
    "number": 1347,
    "pull_request": {
        "url": "https://api.github.com/repos/octo-org/hello-world/pulls/1347",
        "id": 1, "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==", "number": 1347, "state": "open", "locked": False,
        "title": "[WIP] Fix the retry loop in the HTTP client",
        "user": USER_COPILOT,
        "body": "Fixes #1346.\r\n\r\n- [x] Add a bounded retry\r\n\r\n<!-- START COPILOT CODING AGENT TIPS -->",
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:05:00Z", "closed_at": None,
        "merged_at": None, "merge_commit_sha": None, "assignee": None, "assignees": [USER_HUMAN],
        "requested_reviewers": [], "requested_teams": [],
        "labels": [{"id": 208045946, "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=", "name": "bug",
                    "description": "Something isn't working", "color": "f29513", "default": True}],
        "milestone": None, "draft": True,
        "head": {"label": "octo-org:copilot/fix-1346", "ref": "copilot/fix-1346",
                 "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "user": USER_HUMAN, "repo": REPO},
        "base": {"label": "octo-org:main", "ref": "main", "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
                 "user": USER_HUMAN, "repo": REPO},
        "author_association": "CONTRIBUTOR", "auto_merge": None, "merged": False, "mergeable": None,
        "comments": 0, "review_comments": 0, "commits": 3, "additions": 40, "deletions": 2, "changed_files": 2,
    },
    "repository": REPO,
    "sender": USER_COPILOT,
}


def write(tmp_path: Path, data: Any, name: str = "event.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_pull_request_event(tmp_path: Path) -> None:
    pr = pullrequest.load(write(tmp_path, PULL_REQUEST_EVENT))
    assert pr == PullRequest(number=1347, title="[WIP] Fix the retry loop in the HTTP client",
                             body=PULL_REQUEST_EVENT["pull_request"]["body"], labels=("bug",),
                             head_branch="copilot/fix-1346", author="Copilot", author_type="Bot")
    signals = authorship.detect([], pr).signals
    assert [(s.agent, s.evidence) for s in signals] == [
        ("copilot", "pull request author: Copilot (and 1 more)")]


def test_pull_request_target_with_null_body_and_no_labels(tmp_path: Path) -> None:
    event = json.loads(json.dumps(PULL_REQUEST_EVENT))
    event["action"] = "synchronize"
    event["pull_request"].update(body=None, labels=[], user=USER_HUMAN)
    event["pull_request"]["head"]["ref"] = "codex/add-retries"
    pr = pullrequest.load(write(tmp_path, event))
    assert (pr.body, pr.labels, pr.author, pr.author_type, pr.head_branch) == (
        "", (), "octocat", "User", "codex/add-retries")


def test_comment_on_a_pull_request(tmp_path: Path) -> None:
    event = {"action": "created", "issue": {"number": 7, "title": "Add x", "body": "🤖 Generated with Claude Code",
                                            "labels": [{"name": "claude"}], "user": USER_HUMAN,
                                            "pull_request": {"url": "https://api.github.com/x"}},
             "comment": {"body": "lgtm"}, "repository": REPO, "sender": USER_HUMAN}
    pr = pullrequest.load(write(tmp_path, event))
    assert (pr.number, pr.title, pr.labels, pr.head_branch, pr.author) == (7, "Add x", ("claude",), "", "octocat")


def test_merge_group_and_push_events(tmp_path: Path) -> None:
    group = {"action": "checks_requested",
             "merge_group": {"head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
                             "head_ref": "refs/heads/gh-readonly-queue/main/pr-1347-9049f12",
                             "base_sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b", "base_ref": "refs/heads/main",
                             "head_commit": {"id": "ec26c3e", "message": "Merge pull request #1347"}},
             "repository": REPO, "sender": USER_HUMAN}
    assert pullrequest.load(write(tmp_path, group)) == PullRequest(head_branch="gh-readonly-queue/main/pr-1347-9049f12")
    push = {"ref": "refs/heads/claude/issue-12-20260101_1200", "before": "0" * 40, "after": "1" * 40,
            "commits": [], "head_commit": None, "pusher": {"name": "octocat"}, "repository": REPO,
            "sender": USER_HUMAN}
    pr = pullrequest.load(write(tmp_path, push))
    assert pr == PullRequest(head_branch="claude/issue-12-20260101_1200")
    release = {"action": "published", "release": {}, "repository": REPO}
    assert pullrequest.load(write(tmp_path, release)) == PullRequest()


def test_small_json(tmp_path: Path) -> None:
    data = {"title": "Add x", "body": "Made with Devin", "labels": ["devin"], "head_branch": "devin/17-x",
            "author": "devin-ai-integration[bot]", "number": 12}
    pr = pullrequest.load(write(tmp_path, data))
    assert pr == PullRequest(number=12, title="Add x", body="Made with Devin", labels=("devin",),
                             head_branch="devin/17-x", author="devin-ai-integration[bot]")
    assert pullrequest.load(write(tmp_path, "\ufeff{}")) == PullRequest()  # a BOM, every key optional


@pytest.mark.parametrize("content,message", [
    ("{", "invalid JSON at line 1 column 2"),
    ("[1, 2]", "must be a JSON object, not a list"),
    ('{"title": 3}', "title must be a string, not the number 3"),
    ('{"labels": "bug"}', "labels must be a list, not a string"),
    ('{"labels": [1]}', "labels[0] must be a label name, not the number 1"),
    ('{"number": "12"}', "number must be a pull request number, not a string"),
    ('{"number": true}', "number must be a pull request number, not a boolean"),
    ('{"titel": "x"}', "unknown key 'titel'"),
    ('{"action": "opened", "pull_request": []}', "pull_request must be an object, not a list"),
    ('{"action": "opened", "pull_request": {"head": {"ref": 5}}}', "pull_request.head.ref must be a string"),
    ('{"action": "opened", "pull_request": {"labels": [{"name": null}, {"name": 2}]}}',
     "pull_request.labels[1].name must be a string"),
])
def test_bad_input_is_one_line_naming_file_and_field(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content, "pr.json")
    with pytest.raises(GuardError) as info:
        pullrequest.load(path)
    text = str(info.value)
    assert text.startswith(f"--pull-request {path}: ") and message in text
    assert "\n" not in text


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(GuardError, match=r"cannot read --pull-request .*nope\.json: No such file"):
        pullrequest.load(str(tmp_path / "nope.json"))
    path = tmp_path / "bin.json"
    path.write_bytes(b'{"title": "\xff"}')
    with pytest.raises(GuardError, match="not UTF-8 text"):
        pullrequest.load(str(path))
