"""The verdict says what is known; the exit code applies on_unreviewed."""
from __future__ import annotations

import pytest

from conftest import run_cli
from guardrails import config as config_mod, verdict
from guardrails.model import Approval, Finding


def f(severity: str, waived: bool = False) -> Finding:
    return Finding(rule="suppression/guard-tampering", severity=severity, path="a.py", line=1,
                   message="m", waived=waived)


BLOCKING = config_mod.Config()
LENIENT = config_mod.Config(on_unreviewed="pass")


@pytest.mark.parametrize("findings, config, expected", [
    ([], BLOCKING, ("pass", 0)),
    ([f("info"), f("info")], BLOCKING, ("pass", 0)),
    ([f("block", waived=True), f("escalate", waived=True)], BLOCKING, ("pass", 0)),
    ([f("escalate")], BLOCKING, ("review", 1)),
    ([f("escalate")], LENIENT, ("review", 0)),
    ([f("escalate"), f("info")], LENIENT, ("review", 0)),
    ([f("block"), f("escalate")], LENIENT, ("block", 1)),
    ([f("block", waived=True), f("escalate")], BLOCKING, ("review", 1)),
    ([f("info"), f("block")], BLOCKING, ("block", 1)),
])
def test_decide(findings, config, expected):
    result = verdict.decide(findings, config)
    assert (result.verdict, result.exit_code) == expected


def test_counts_split_unwaived_by_severity_and_count_waived_apart():
    result = verdict.decide([f("block"), f("block", True), f("escalate"), f("info"), f("info", True)], BLOCKING)
    assert result.counts == {"block": 1, "escalate": 1, "info": 1, "waived": 2, "allowed": 0}


def _reviewed(decision: str, cleared: bool):
    return f("escalate")._replace(review={"state": "decided", "decision": decision, "cleared": cleared})


def test_a_cleared_escalation_no_longer_holds_the_verdict():
    result = verdict.decide([_reviewed("allow", True), f("info")], BLOCKING)
    assert (result.verdict, result.exit_code) == ("pass", 0)
    assert result.counts["allowed"] == 1 and result.counts["escalate"] == 0


def test_an_uncleared_allow_or_needs_human_still_holds_it():
    for finding in (_reviewed("allow", False), _reviewed("needs-human", False)):
        result = verdict.decide([finding], BLOCKING)
        assert (result.verdict, result.exit_code) == ("review", 1)


def test_an_approval_turns_block_and_review_into_pass():
    approval = Approval(login="maintainer", at="2026-12-05T10:00:00Z", label="guardrails:approved")
    for findings in ([f("block")], [f("escalate")]):
        result = verdict.decide(findings, BLOCKING, approval=approval)
        assert (result.verdict, result.exit_code, result.approved) == ("pass", 0, True)
    clean = verdict.decide([f("info")], BLOCKING, approval=approval)
    assert clean.approved is False  # nothing to approve: the approval is not recorded


def test_a_finding_without_a_severity_is_a_bug_not_a_pass():
    with pytest.raises(ValueError):
        verdict.decide([f("high")], BLOCKING)


# --- end to end: escalated findings and on_unreviewed ---------------------------

APP = "def total(items):\n    return sum(items)\n"
ESCALATED = "rules:\n  suppression/waiver-unknown-rule: escalate\n"
CHANGE = APP + "VERSION = 2  # guardrails: allow suppresion/typo -- misspelt on purpose\n"


def run(repo, *extra):
    res = run_cli(["check", "--format", "json", "--base", "HEAD~1", *extra], cwd=repo.path)
    return res.code, res.json()


def test_review_fails_closed_by_default(repo):
    repo.commit({".guardrails.yml": ESCALATED, "app.py": APP})
    repo.commit({"app.py": CHANGE})
    code, report = run(repo)
    assert code == 1 and report["verdict"] == "review" and report["exit_code"] == 1
    assert report["counts"] == {"block": 0, "escalate": 1, "info": 0, "waived": 0, "allowed": 0}
    text = run_cli(["check", "--base", "HEAD~1"], cwd=repo.path)
    assert text.code == 1 and "REVIEW" in text.out


def test_review_exits_0_under_on_unreviewed_pass_and_still_says_review(repo):
    repo.commit({".guardrails.yml": ESCALATED + "on_unreviewed: pass\n", "app.py": APP})
    repo.commit({"app.py": CHANGE})
    code, report = run(repo)
    assert code == 0 and report["verdict"] == "review" and report["on_unreviewed"] == "pass"


def test_on_unreviewed_pass_never_lets_a_block_through(repo):
    repo.commit({".guardrails.yml": "on_unreviewed: pass\n", "app.py": APP})
    repo.commit({"app.py": APP + "VERSION = 2  # guardrails: allow suppression/blanket-noqa\n"})
    code, report = run(repo)
    assert code == 1 and report["verdict"] == "block"


def test_info_findings_never_change_the_verdict(repo):
    repo.commit({"app.py": APP})
    repo.commit({"app.py": CHANGE})
    code, report = run(repo)
    assert code == 0 and report["verdict"] == "pass" and report["counts"]["info"] == 1


def test_a_config_error_exits_2(repo):
    repo.commit({".guardrails.yml": "on_unreviewed: sometimes\n", "app.py": APP})
    repo.commit({"app.py": CHANGE})
    res = run_cli(["check", "--base", "HEAD~1"], cwd=repo.path)
    assert res.code == 2 and res.out == ""
    assert res.err == "guardrails: error: .guardrails.yml:1: on_unreviewed: must be one of block, pass (got 'sometimes')\n"
