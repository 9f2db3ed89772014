"""The findings stage: the diff filter (added lines only) and fingerprints
that survive a rebase."""
from __future__ import annotations

from conftest import Repo, check_json


def _noqa_findings(report):
    return [f for f in report["findings"] if f["rule"] == "suppression/blanket-noqa"]


def test_only_added_lines_are_reported(repo: Repo):
    repo.commit({"app.py": "import os  # noqa\n\n\ndef f():\n    return 1\n"})
    repo.commit({"app.py": "import os  # noqa\n\n\ndef f():\n    return 2\n\n\nimport sys  # noqa\n"})
    found = _noqa_findings(check_json(repo, "--base", "HEAD~1"))
    assert [(f["line"], f["evidence"]) for f in found] == [(8, "import sys  # noqa")]


def test_fingerprints_survive_a_rebase_that_shifts_lines(repo: Repo):
    base = {"app.py": "def f():\n    return 1\n"}
    change = {"app.py": "def f():\n    return 1\n\n\nimport sys  # noqa\nimport re  # noqa\nimport os  # noqa\nimport re  # noqa\n"}
    repo.commit(base)
    repo.git("checkout", "-q", "-b", "agent")
    repo.commit(change)
    before = _noqa_findings(check_json(repo, "--base", "main"))

    # main moves on: twenty lines land above the agent's change; rebase.
    repo.git("checkout", "-q", "main")
    header = "".join(f"# header line {i}\n" for i in range(20))
    repo.commit({"app.py": header + base["app.py"]})
    repo.git("checkout", "-q", "agent")
    repo.git("rebase", "-q", "main")
    after = _noqa_findings(check_json(repo, "--base", "main"))

    assert len(before) == len(after) == 4
    assert [f["line"] + 20 for f in before] == [f["line"] for f in after]
    assert [f["fingerprint"] for f in before] == [f["fingerprint"] for f in after]
    # Two identical lines are told apart by their occurrence index.
    assert len({f["fingerprint"] for f in after}) == 4
