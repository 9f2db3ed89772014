"""The Action's steps run as a runner runs them (action.yml's own `run:`
scripts, a real pull_request event payload file, real GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files) against a stand-in for the GitHub REST API on
127.0.0.1 that checks every request against GitHub's documented endpoints."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from conftest import Repo
from guardrails.github import approval
from guardrails.reporters.markdown import escape
from github_fakes import OWNER_REPO, TOKEN, ActionRun, FakeGitHub, clean_env, run_action

AUTHOR = "agent-dev"
WRITER = "maintainer-mo"
BASE_FILES = {"app.py": "def total(items):\n    return sum(items)\n", "README.md": "shop\n"}
GAMED = {"app.py": "def total(items):\n    return sum(items)  # type: ignore\n"}


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.close()


def pr_event(repo: Repo, base: str, head: str, fork: bool = False, action: str = "synchronize",
             labels: List[str] = (), extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    head_repo = "forker/shop" if fork else OWNER_REPO
    event = {
        "action": action,
        "number": 7,
        "pull_request": {
            "number": 7, "title": "Fix totals", "body": "Generated with Claude Code", "state": "open",
            "user": {"login": AUTHOR, "type": "User"},
            "labels": [{"name": n} for n in labels],
            "base": {"ref": "main", "sha": base, "repo": {"full_name": OWNER_REPO}},
            "head": {"ref": "fix-totals", "sha": head, "repo": {"full_name": head_repo}},
        },
        "repository": {"full_name": OWNER_REPO, "default_branch": "main"},
        "sender": {"login": AUTHOR},
    }
    event.update(extra or {})
    return event


def make_pr(repo: Repo, change: Dict[str, Optional[str]]) -> tuple:
    base = repo.commit(BASE_FILES, "base")
    repo.git("checkout", "-q", "-b", "fix-totals")
    head = repo.commit(change, "change")
    return base, head


def act(repo: Repo, tmp_path: Path, api: FakeGitHub, event: Dict[str, Any], name: str = "run",
        **inputs: str) -> ActionRun:
    env = clean_env()
    env["GITHUB_API_URL"] = api.url
    env["GITHUB_SERVER_URL"] = "https://github.com"
    env["GITHUB_RUN_ID"] = "42"
    env["GITHUB_WORKFLOW_REF"] = f"{OWNER_REPO}/.github/workflows/guardrails.yml@refs/pull/7/merge"
    env["HOME"] = str(repo.path.parent)
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env[key] = repo.env[key]
    defaults = {"deep": "false", "online": "false", "cache": "false"}
    defaults.update(inputs)
    return run_action(repo.path, tmp_path / name, defaults, "pull_request", event, env)


def report_of(run: ActionRun) -> dict:
    return json.loads(Path(run.outputs["report-json"]).read_text())


def no_violations(api: FakeGitHub) -> None:
    assert api.violations == []


def test_first_run_blocks_comments_and_sets_every_output(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    run = act(repo, tmp_path, api, pr_event(repo, base, head))
    assert run.code == 1, run.stderr
    assert run.outputs["verdict"] == "block"
    assert run.outputs["blocking"] == "1" and run.outputs["findings"] == "1"
    report = report_of(run)
    assert report["verdict"] == "block" and report["exit_code"] == 1
    assert [f["rule"] for f in report["findings"]] == ["suppression/blanket-type-ignore"]
    sarif = json.loads(Path(run.outputs["sarif-file"]).read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "suppression/blanket-type-ignore"
    # One annotation on the changed line, outside the stop-commands block.
    assert re.search(r"^::error file=app.py,line=2,(col=\d+,)?title=suppression/blanket-type-ignore::", run.stdout, re.M)
    stop = run.stdout.split("::stop-commands::", 1)[1].split("\n", 1)[0]
    assert f"::{stop}::" in run.stdout
    assert "guardrails: ⛔ block" in run.summary or "block" in run.summary.splitlines()[1]
    # The comment: created once, with the hidden marker first.
    no_violations(api)
    posts = api.calls_to("POST", r"/repos/octo/shop/issues/7/comments")
    assert len(posts) == 1
    assert posts[0].body["body"].startswith("<!-- guardrails-report -->")
    assert "blanket-type-ignore" in posts[0].body["body"]
    assert not api.statuses  # status is off by default
    # The token was sent in the header only, and never printed.
    assert TOKEN not in run.stdout + run.stderr + run.summary


def test_rerun_updates_the_same_comment_then_says_clean(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    act(repo, tmp_path, api, pr_event(repo, base, head), "first")
    head2 = repo.commit({"app.py": "def total(items):\n    return sum(items)  # type: ignore\n# noqa\n"}, "more")
    second = act(repo, tmp_path, api, pr_event(repo, base, head2), "second")
    assert second.code == 1
    assert len(api.comments) == 1
    patches = api.calls_to("PATCH", r"/repos/octo/shop/issues/comments/\d+")
    assert len(patches) == 1 and patches[0].path.endswith(str(api.comments[0]["id"]))
    assert head2[:12] in api.comments[0]["body"]
    # The author fixes it: the one comment now says the change is clean.
    head3 = repo.commit({"app.py": "def total(items):\n    return sum(items or [])\n"}, "fix")
    third = act(repo, tmp_path, api, pr_event(repo, base, head3), "third")
    assert third.code == 0 and third.outputs["verdict"] == "pass"
    assert len(api.comments) == 1 and len(api.calls_to("POST", r".*/comments")) == 1
    assert "clean now" in api.comments[0]["body"] and head3[:12] in api.comments[0]["body"]
    assert api.comments[0]["body"].startswith("<!-- guardrails-report -->")
    no_violations(api)


def test_clean_change_creates_no_comment(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, {"app.py": "def total(items):\n    return sum(items or [])\n"})
    run = act(repo, tmp_path, api, pr_event(repo, base, head), status="true")
    assert run.code == 0 and run.outputs["verdict"] == "pass" and run.outputs["findings"] == "0"
    assert api.comments == [] and api.calls_to("GET", r".*/comments")
    assert api.statuses == [{"state": "success", "context": "guardrails", "description": "pass: 0 block, 0 escalate",
                             "target_url": "https://github.com/octo/shop/actions/runs/42", "sha": head}]
    no_violations(api)


LABEL = "guardrails:approved"
DELETE_LABEL = r"/repos/octo/shop/issues/7/labels/guardrails%3Aapproved"


def labeled_event(repo: Repo, base: str, head: str, sender: str = WRITER, label: str = LABEL) -> Dict[str, Any]:
    return pr_event(repo, base, head, action="labeled", labels=[label],
                    extra={"label": {"name": label}, "sender": {"login": sender}})


def state_of(api: FakeGitHub) -> Dict[str, Any]:
    """The hidden state line of the one sticky comment."""
    [comment] = api.comments
    match = re.search(r"^<!-- guardrails-state (\{.*\}) -->$", comment["body"], re.M)
    assert match, comment["body"][:300]
    return json.loads(match.group(1))


def test_override_label_by_a_writer_passes_and_is_recorded(repo: Repo, tmp_path: Path, api: FakeGitHub):
    # The usual way: the gate blocks, a maintainer reads the change, adds the
    # label and re-runs the job (the same synchronize event).
    base, head = make_pr(repo, GAMED)
    api.tick("2026-11-20T09:00:00Z")
    first = act(repo, tmp_path, api, pr_event(repo, base, head), "first", status="true")
    assert first.code == 1
    assert state_of(api)["seen"] == {head: "2026-11-20T09:00:00Z"}  # GitHub's clock, not the runner's
    api.add_label(LABEL, WRITER, "2026-11-20T10:00:00Z")
    api.permissions[WRITER] = "maintain"
    api.tick("2026-11-20T10:01:00Z")
    run = act(repo, tmp_path, api, pr_event(repo, base, head, labels=[LABEL]), "rerun", status="true")
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["verdict"] == "pass" and run.outputs["blocking"] == "1"
    report = report_of(run)
    assert report["verdict"] == "pass" and report["exit_code"] == 0
    assert report["approval"] == {"login": WRITER, "at": "2026-11-20T10:00:00Z", "label": LABEL,
                                  "permission": "maintain", "head_sha": head}
    assert api.calls_to("GET", rf"/repos/octo/shop/collaborators/{WRITER}/permission")
    assert api.calls_to("GET", r"/repos/octo/shop/issues/7/timeline")
    assert f"Approved** by `{WRITER}`" in api.comments[0]["body"] and head[:12] in api.comments[0]["body"]
    assert f"Approved** by `{WRITER}`" in run.summary
    assert api.statuses[-1]["state"] == "success" and WRITER in api.statuses[-1]["description"]
    # The binding is recorded for later runs; the first sighting is kept.
    state = state_of(api)
    assert state["approved"] == {"sha": head, "by": WRITER, "at": "2026-11-20T10:00:00Z"}
    assert state["seen"] == {head: "2026-11-20T09:00:00Z"}
    assert not api.calls_to("DELETE", r".*")
    no_violations(api)


def test_override_label_from_the_labeled_event_itself(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.labels.append(LABEL)  # not in the timeline yet: the event names the sender and the head
    api.permissions[WRITER] = "write"
    run = act(repo, tmp_path, api, labeled_event(repo, base, head))
    assert run.code == 0
    approval = report_of(run)["approval"]
    assert approval["login"] == WRITER and approval["head_sha"] == head
    no_violations(api)


def test_label_then_push_is_stale_removed_and_re_added(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.permissions[WRITER] = "write"
    api.tick("2026-11-20T10:00:05Z")
    api.add_label(LABEL, WRITER, "2026-11-20T10:00:00Z")
    first = act(repo, tmp_path, api, labeled_event(repo, base, head), "labeled")
    assert first.code == 0 and report_of(first)["approval"]["head_sha"] == head
    # The agent pushes after the approval.
    head2 = repo.commit({"app.py": "def total(items):\n    return sum(items)  # type: ignore\nimport os\n"}, "more")
    api.tick("2026-11-20T11:00:00Z")
    pushed = act(repo, tmp_path, api, pr_event(repo, base, head2, labels=[LABEL]), "pushed")
    assert pushed.code == 1 and pushed.outputs["verdict"] == "block"
    report = report_of(pushed)
    assert report["approval"] is None
    said = (f"approval by @{WRITER} was for {head[:12]}; new commits were pushed: re-add the label "
            f"'{LABEL}' to approve them (head {head2[:12]})")
    assert said in report["notes"]
    [delete] = api.calls_to("DELETE", DELETE_LABEL)
    assert delete.body is None and LABEL not in api.labels
    assert escape(said) in api.comments[0]["body"] and "Approved**" not in api.comments[0]["body"]
    assert head2 in state_of(api)["seen"]
    # The maintainer looks at the new commits and adds the label again: a re-run approves them.
    api.add_label(LABEL, WRITER, "2026-11-20T11:30:00Z")
    api.tick("2026-11-20T11:31:00Z")
    again = act(repo, tmp_path, api, pr_event(repo, base, head2, labels=[LABEL]), "again")
    assert again.code == 0, again.stdout
    assert report_of(again)["approval"] == {"login": WRITER, "at": "2026-11-20T11:30:00Z", "label": LABEL,
                                            "permission": "write", "head_sha": head2}
    assert len(api.calls_to("DELETE", r".*")) == 1 and LABEL in api.labels
    assert escape(said) not in api.comments[0]["body"]
    no_violations(api)


def test_rerun_with_a_stale_label_whose_removal_failed(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.permissions[WRITER] = "admin"
    api.tick("2026-11-20T10:00:05Z")
    api.add_label(LABEL, WRITER, "2026-11-20T10:00:00Z")
    assert act(repo, tmp_path, api, labeled_event(repo, base, head), "labeled").code == 0
    head2 = repo.commit({"app.py": "def total(items):\n    return sum(items)  # type: ignore\nimport os\n"}, "more")
    api.fail = lambda method, path: (403, "Resource not accessible by integration") if method == "DELETE" else None
    said = f"approval by @{WRITER} was for {head[:12]}; new commits were pushed"
    for n, event in enumerate([pr_event(repo, base, head2, labels=[LABEL]),   # the push
                               pr_event(repo, base, head2, labels=[LABEL]),   # its re-run
                               labeled_event(repo, base, head2, label="bug")]):  # another label's event
        api.tick(f"2026-11-20T11:0{n}:00Z")
        run = act(repo, tmp_path, api, event, f"run{n}")
        assert run.code == 1 and run.outputs["verdict"] == "block", n
        report = report_of(run)
        assert report["approval"] is None
        assert sum(said in note for note in report["notes"]) == 1, report["notes"]
        failed = [note for note in report["notes"] if "could not remove the stale label" in note]
        assert len(failed) == 1 and "HTTP 403" in failed[0]
        assert run.summary.count(escape(said)) == 1 and api.comments[0]["body"].count(escape(said)) == 1
        assert "Approved**" not in api.comments[0]["body"]
    assert LABEL in api.labels and len(api.calls_to("DELETE", DELETE_LABEL)) == 3
    assert len(api.comments) == 1
    no_violations(api)


def test_force_push_after_the_label_makes_it_stale(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.permissions[WRITER] = "write"
    api.tick("2026-11-20T09:00:00Z")
    act(repo, tmp_path, api, pr_event(repo, base, head), "first")
    api.add_label(LABEL, WRITER, "2026-11-20T10:00:00Z")
    # Added after the first run saw the head, but the branch was force-pushed since.
    api.timeline.append({"event": "head_ref_force_pushed", "actor": {"login": AUTHOR},
                         "created_at": "2026-11-20T10:05:00Z", "commit_id": None})
    api.tick("2026-11-20T10:06:00Z")
    run = act(repo, tmp_path, api, pr_event(repo, base, head, action="reopened", labels=[LABEL]), "reopened")
    assert run.code == 1 and report_of(run)["approval"] is None
    assert any("force-pushed, restored or re-based after it" in n for n in report_of(run)["notes"])
    assert api.calls_to("DELETE", DELETE_LABEL)
    no_violations(api)


def test_label_without_a_record_does_not_count_and_stays(repo: Repo, tmp_path: Path, api: FakeGitHub):
    # No earlier run recorded when this head was first seen, and the event is
    # not the labelling: nothing says which commit the approver saw.
    base, head = make_pr(repo, GAMED)
    api.add_label(LABEL, WRITER, "2026-11-20T10:00:00Z")
    api.permissions[WRITER] = "write"
    # A comment with a forged state, written by a person, is not ours and is ignored.
    forged = {"v": 1, "seen": {head: "2026-01-01T00:00:00Z"},
              "approved": {"sha": head, "by": WRITER, "at": "2026-11-20T10:00:00Z"}}
    api.comments.append({"id": 5, "body": f"<!-- guardrails-report -->\n<!-- guardrails-state "
                                          f"{json.dumps(forged)} -->\n", "user": {"login": AUTHOR, "type": "User"}})
    api.tick("2026-11-20T10:30:00Z")
    run = act(repo, tmp_path, api, pr_event(repo, base, head, action="edited", labels=[LABEL]))
    assert run.code == 1 and report_of(run)["approval"] is None
    assert any(f"the label '{LABEL}' by @{WRITER} does not count: nothing recorded shows it was added after "
               f"{head[:12]} was pushed" in n for n in report_of(run)["notes"])
    assert not api.calls_to("DELETE", r".*") and LABEL in api.labels
    assert api.comments[0]["body"].startswith("<!-- guardrails-report -->\n<!-- guardrails-state")  # untouched
    assert len(api.comments) == 2
    no_violations(api)


def test_override_label_by_the_author_does_not_count(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.add_label(LABEL, AUTHOR)
    api.permissions[AUTHOR] = "admin"
    run = act(repo, tmp_path, api, labeled_event(repo, base, head, sender=AUTHOR))
    assert run.code == 1 and run.outputs["verdict"] == "block"
    report = report_of(run)
    assert report.get("approval") is None
    assert any("the pull request's author, who cannot approve their own change" in n for n in report["notes"])
    no_violations(api)


def test_override_label_by_the_author_counts_when_the_policy_allows(repo: Repo, tmp_path: Path, api: FakeGitHub):
    repo.commit({".guardrails.yml": "approval:\n  allow_self_approval: true\n  label: ship-it\n"}, "policy")
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "fix-totals")
    head = repo.commit(GAMED, "change")
    api.add_label("ship-it", AUTHOR)
    api.permissions[AUTHOR] = "write"
    run = act(repo, tmp_path, api, labeled_event(repo, base, head, sender=AUTHOR, label="ship-it"))
    assert run.code == 0 and report_of(run)["approval"]["label"] == "ship-it"
    no_violations(api)


def test_label_by_a_reader_does_not_count(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    api.add_label(LABEL, "drive-by")
    api.permissions["drive-by"] = "triage"
    run = act(repo, tmp_path, api, labeled_event(repo, base, head, sender="drive-by"))
    assert run.code == 1
    assert any("whose permission is 'triage'" in n for n in report_of(run)["notes"])


def test_fork_without_secrets_runs_the_deterministic_checks(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    # A fork's token is read-only: writing the comment is refused.
    api.fail = lambda method, path: (403, "Resource not accessible by integration") if method != "GET" else None
    run = act(repo, tmp_path, api, pr_event(repo, base, head, fork=True),
              **{"reviewer-models": "gpt-4.1, claude-sonnet", "reviewer-api-key": ""})
    assert run.code == 1 and run.outputs["verdict"] == "block"
    notes = report_of(run)["notes"]
    assert any("a pull request from a fork gets no secrets" in n for n in notes)
    assert any("could not comment on the pull request" in n and "403" in n for n in notes)
    assert Path(run.outputs["sarif-file"]).exists()
    no_violations(api)


@pytest.mark.parametrize("status,message", [(403, "Resource not accessible by integration"),
                                            (500, "Internal Server Error"),
                                            (403, "You have exceeded a secondary rate limit")])
def test_api_errors_never_lose_the_verdict(repo: Repo, tmp_path: Path, api: FakeGitHub, status: int, message: str):
    base, head = make_pr(repo, GAMED)
    api.add_label("guardrails:approved", WRITER)
    api.permissions[WRITER] = "write"
    api.fail = lambda method, path: (status, message)
    run = act(repo, tmp_path, api, pr_event(repo, base, head), status="true")
    # The label could not be checked: fail closed, the gate still blocks.
    assert run.code == 1 and run.outputs["verdict"] == "block"
    report = report_of(run)
    assert report["verdict"] == "block" and Path(run.outputs["sarif-file"]).exists()
    api_notes = [n for n in report["notes"] if f"HTTP {status}" in n]
    if status == 500 or "rate limit" in message:
        # An outage is said once, and the client stops calling.
        assert len(api_notes) == 1 and "not answering" in api_notes[0]
        assert len(api.calls) <= 2  # the first call and its one retry
    else:
        assert api_notes and all(n.count("HTTP 403") == 1 for n in api_notes)
    # Said once in each report: the step summary and one notice annotation.
    said = "not answering" if (status == 500 or "rate limit" in message) else "could not comment on the pull request"
    notices = [ln for ln in run.stdout.splitlines() if ln.startswith("::notice ")]
    assert run.summary.count(said) == 1
    assert sum(said in ln for ln in notices) == 1
    no_violations(api)


def test_more_findings_than_annotation_caps(repo: Repo, tmp_path: Path, api: FakeGitHub):
    lines = ["import os"]
    lines += [f"a{i} = os.getcwd()  # type: ignore" for i in range(14)]  # 14 block findings
    lines += [f"b{i} = os.getcwd()  # type: ignore[attr-defined]" for i in range(13)]  # 13 escalations
    base, head = make_pr(repo, {"many.py": "\n".join(lines) + "\n"})
    run = act(repo, tmp_path, api, pr_event(repo, base, head), comment="false")
    assert run.code == 1
    annotations = [ln for ln in run.stdout.splitlines() if ln.startswith(("::error ", "::warning "))]
    assert sum(ln.startswith("::error ") for ln in annotations) == 10
    assert sum(ln.startswith("::warning ") for ln in annotations) == 10
    # The most severe first: every block finding annotated comes before any warning.
    kinds = [ln.split(" ", 1)[0] for ln in annotations]
    assert kinds == sorted(kinds, key=lambda k: k != "::error")
    assert "7 findings not annotated (4 block, 3 escalated)" in run.summary
    report = report_of(run)
    assert report["counts"]["block"] == 14 and report["counts"]["escalate"] == 13
    assert api.calls_to("GET", r".*/comments") == []  # comment: false


def test_fail_on_never_reports_without_failing(repo: Repo, tmp_path: Path, api: FakeGitHub):
    base, head = make_pr(repo, GAMED)
    run = act(repo, tmp_path, api, pr_event(repo, base, head), **{"fail-on": "never", "comment": "false"})
    assert run.code == 0 and run.outputs["verdict"] == "block"
    assert any("report-only mode" in n for n in report_of(run)["notes"])


def test_shallow_checkout_fetches_the_merge_base(tmp_path: Path, api: FakeGitHub):
    origin = Repo(tmp_path / "origin")
    base = origin.commit(BASE_FILES, "base")
    for i in range(3):
        origin.commit({f"m{i}.txt": f"{i}\n"}, f"main {i}")
    base = origin.git("rev-parse", "HEAD")
    origin.git("checkout", "-q", "-b", "fix-totals", "HEAD~2")
    origin.commit({"x.py": "a = 1\n"}, "one")
    head = origin.commit(GAMED, "two")
    origin.git("checkout", "-q", "main")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "fix-totals", f"file://{origin.path}",
                    str(work)], check=True, env=origin.env)
    clone = Repo.__new__(Repo)
    clone.path, clone.env = work, origin.env
    assert clone.git("rev-parse", "--is-shallow-repository") == "true"
    run = act(clone, tmp_path, api, pr_event(clone, base, head), comment="false")
    assert run.code == 1, run.stdout + run.stderr
    report = report_of(run)
    assert [f["rule"] for f in report["findings"]] == ["suppression/blanket-type-ignore"]
    assert report["stats"]["files"] == 2  # x.py and app.py: what the pull request changed, not main's files
    assert any("shallow clone: fetched" in n for n in report["notes"])


def test_bad_event_payload_is_one_line_exit_2(repo: Repo, tmp_path: Path, api: FakeGitHub):
    make_pr(repo, GAMED)
    run = act(repo, tmp_path, api, {"action": "opened"})  # a pull_request event without pull_request
    assert run.code == 2
    assert run.stderr.strip().splitlines()[-1].startswith("guardrails: error: the pull_request event payload")
    assert "Traceback" not in run.stderr


def test_editing_the_workflow_running_the_check_blocks(repo: Repo, tmp_path: Path, api: FakeGitHub):
    workflow = ("on: pull_request\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n")
    base = repo.commit(dict(BASE_FILES, **{".github/workflows/guardrails.yml": workflow}), "base")
    repo.git("checkout", "-q", "-b", "fix-totals")
    # Even an edit that looks harmless: this run follows the pull request's copy.
    head = repo.commit({".github/workflows/guardrails.yml": workflow.replace("gate:", "judge:")}, "rename job")
    run = act(repo, tmp_path, api, pr_event(repo, base, head), comment="false")
    assert run.code == 1 and run.outputs["verdict"] == "block"
    [f] = report_of(run)["findings"]
    assert f["rule"] == "suppression/gate-lowered" and f["details"]["kind"] == "own-workflow"


# -- which head an approval covers: the decision table ------------------------

A, B = "a" * 40, "b" * 40
BY, AT = WRITER, "2026-11-20T10:00:00Z"


def facts(**over: Any) -> "approval.Facts":
    base = dict(head=B, action="edited", labeled_here=False, label=approval.LabelEvent(BY, AT), last_push="",
                timeline_complete=True, state=approval.EMPTY)
    base.update(over)
    return approval.Facts(**base)


@pytest.mark.parametrize("name,over,outcome,sha", [
    ("the labelling event itself", dict(labeled_here=True, action="labeled"), "valid", B),
    ("bound to this head", dict(state=approval.State({}, B, BY, AT)), "valid", B),
    ("bound to an earlier head", dict(state=approval.State({B: "2026-11-20T09:00:00Z"}, A, BY, AT)), "stale", A),
    ("binding of another labelling", dict(state=approval.State({}, B, BY, "2026-11-19T10:00:00Z")), "unknown", ""),
    ("added after the head was first seen", dict(state=approval.State({B: "2026-11-20T09:59:59Z"})), "valid", B),
    ("added in the same second as first seen", dict(state=approval.State({B: AT})), "unknown", ""),
    ("added before the head was first seen", dict(state=approval.State({B: "2026-11-20T10:00:01Z"})), "unknown", ""),
    ("a push with no record", dict(action="synchronize"), "stale", ""),
    ("force-pushed after", dict(state=approval.State({}, B, BY, AT), last_push="2026-11-20T10:00:01Z"), "stale", B),
    ("force-pushed before", dict(state=approval.State({}, B, BY, AT), last_push="2026-11-20T09:00:00Z"), "valid", B),
    ("unreadable push time", dict(state=approval.State({}, B, BY, AT), last_push="unreadable"), "unknown", ""),
    ("timeline cut short", dict(state=approval.State({}, B, BY, AT), timeline_complete=False), "unknown", ""),
    ("label time missing", dict(label=approval.LabelEvent(BY, ""), state=approval.State({B: "2026-01-01T00:00:00Z"})),
     "unknown", ""),
    ("no label event", dict(label=None), "unknown", ""),
])
def test_judge_decision_table(name: str, over: Dict[str, Any], outcome: str, sha: str):
    got = approval.judge(facts(**over))
    assert (got.outcome, got.approved_sha) == (outcome, sha), name


@pytest.mark.parametrize("body", [
    "", "<!-- guardrails-report -->\n",
    '<!-- guardrails-state {"v":2,"seen":{}} -->',
    '<!-- guardrails-state {"v":1,"seen":[1]} -->',
    '<!-- guardrails-state {not json} -->',
    '<!-- guardrails-state {"v":1,"seen":{"HEAD":"2026-11-20T10:00:00Z"},"approved":{"sha":"HEAD","by":"x","at":""}} -->',
])
def test_malformed_state_is_no_state(body: str):
    assert approval.parse_state(body) == approval.EMPTY


def test_state_round_trips_and_keeps_the_newest_heads():
    seen = {f"{i:040x}": f"2026-11-20T10:{i:02d}:00Z" for i in range(30)}
    state = approval.State(seen, A, BY, AT)
    line = approval.render_state(state)
    back = approval.parse_state("<!-- guardrails-report -->\n" + line + "\n## guardrails")
    assert back.approved == A and back.by == BY and back.at == AT
    assert len(back.seen) == approval.MAX_SEEN and f"{29:040x}" in back.seen and f"{0:040x}" not in back.seen
    # A first sighting is never moved later.
    assert approval.seen_now(back, f"{29:040x}", "2027-01-01T00:00:00Z").seen[f"{29:040x}"] == "2026-11-20T10:29:00Z"
