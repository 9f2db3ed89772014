"""suppression/gate-lowered: changes that weaken the gate judging them block,
other edits of the same files stay guard-tampering (escalate)."""
from __future__ import annotations

from conftest import Repo, check_json, rules_found

SHA = "4f1c2a9e0d7b6a5c4e3f2a1b0c9d8e7f6a5b4c3d"
WORKFLOW = f"""name: gate
on:
  pull_request:
permissions:
  contents: read
jobs:
  guardrails:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - uses: acme/guardrails@{SHA}
        with:
          fail-on: review
          online: "true"
"""
PATH = ".github/workflows/gate.yml"


def _judge(repo: Repo, files: dict, base_files: dict) -> dict:
    base = repo.commit(dict({"app.py": "x = 1\n"}, **base_files), "base")
    repo.commit(files, "change")
    return check_json(repo, "--base", base)


def _lowered(report: dict) -> list:
    return [f for f in report["findings"] if f["rule"] == "suppression/gate-lowered"]


def test_fail_on_relaxed_blocks(repo: Repo):
    report = _judge(repo, {PATH: WORKFLOW.replace("fail-on: review", "fail-on: never")}, {PATH: WORKFLOW})
    [f] = _lowered(report)
    assert f["severity"] == "block" and report["verdict"] == "block"
    assert "`fail-on` relaxed from review to never" in f["message"]
    assert "suppression/guard-tampering" not in rules_found(report)  # one finding per file


def test_on_unreviewed_pass_and_online_off_block(repo: Repo):
    new = WORKFLOW.replace('online: "true"', 'online: "false"\n          on-unreviewed: pass')
    [f] = _lowered(_judge(repo, {PATH: new}, {PATH: WORKFLOW}))
    assert "`on-unreviewed` relaxed from (default) to pass" in f["message"]
    assert "`online` turned off" in f["message"]


def test_uses_pointed_at_the_local_copy_blocks(repo: Repo):
    new = WORKFLOW.replace(f"acme/guardrails@{SHA}", "./")
    action = {"action.yml": "name: guardrails\nruns:\n  using: composite\n  steps: []\n"}
    [f] = _lowered(_judge(repo, dict({PATH: new}, **action), dict({PATH: WORKFLOW}, **action)))
    assert "`uses: ./` runs the pull request's own copy of the Action" in f["message"]


def test_step_removed_and_continue_on_error_block(repo: Repo):
    removed = WORKFLOW.split("      - uses: acme")[0]
    [f] = _lowered(_judge(repo, {PATH: removed}, {PATH: WORKFLOW}))
    assert "a step or job that runs guardrails was removed" in f["message"]


def test_continue_on_error_blocks(repo: Repo):
    new = WORKFLOW.replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    continue-on-error: true\n")
    [f] = _lowered(_judge(repo, {PATH: new}, {PATH: WORKFLOW}))
    assert "`continue-on-error` added" in f["message"]


def test_stricter_or_unrelated_workflow_edit_stays_an_escalation(repo: Repo):
    new = WORKFLOW.replace("fail-on: review", "fail-on: review\n          deep: \"true\"").replace("name: gate", "name: the gate")
    report = _judge(repo, {PATH: new}, {PATH: WORKFLOW})
    assert _lowered(report) == []
    assert rules_found(report) == ["suppression/guard-tampering"]


def test_policy_loosened_blocks(repo: Repo):
    old = "rules:\n  suppression/*: block\n"
    new = ("rules:\n  suppression/*: block\n  suppression/blanket-noqa: info\nexclude: [src/legacy/]\n"
           "on_unreviewed: pass\ndependency:\n  allow: [reqeusts]\n"
           "waivers:\n  - rule: test-stub/*\n    reason: flaky\n")
    [f] = _lowered(_judge(repo, {".guardrails.yml": new}, {".guardrails.yml": old}))
    for reason in ("`on_unreviewed: pass`", "rules lowered: suppression/blanket-noqa block -> info",
                   "paths excluded: src/legacy/", "1 waiver added (test-stub/*)", "dependency.allow loosened"):
        assert reason in f["message"], reason


def test_policy_tightened_stays_an_escalation(repo: Repo):
    old = "rules:\n  test-stub/skipped-test: info\n"
    new = "rules:\n  test-stub/skipped-test: block\nexclude: []\n"
    report = _judge(repo, {".guardrails.yml": new}, {".guardrails.yml": old})
    assert _lowered(report) == []
    assert "suppression/guard-tampering" in rules_found(report)


def test_self_approval_allowed_is_loosening(repo: Repo):
    [f] = _lowered(_judge(repo, {".guardrails.yml": "approval:\n  allow_self_approval: true\n"},
                          {".guardrails.yml": "approval:\n  label: ship-it\n"}))
    assert "approval.allow_self_approval loosened" in f["message"]


def test_policy_file_deleted_blocks(repo: Repo):
    [f] = _lowered(_judge(repo, {".guardrails.yml": None}, {".guardrails.yml": "on_unreviewed: block\n"}))
    assert "deleted" in f["message"] and f["side"] == "old"
