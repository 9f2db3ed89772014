"""The command line as users' scripts see it: flags, exit codes, JSON schema."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from conftest import ROOT, Repo, check_json, run_cli

SCHEMA = json.loads((ROOT / "guardrails" / "schema" / "report-v1.schema.json").read_text())


def _one_line_error(res, *needles):
    assert res.code == 2, (res.code, res.out, res.err)
    assert "Traceback" not in res.err
    assert res.err.count("\n") == 1, res.err
    for needle in needles:
        assert needle in res.err, res.err


def test_clean_change_passes_and_report_matches_schema(repo: Repo):
    repo.commit({"lib/calc.py": "def add(a, b):\n    return a + b\n"})
    repo.commit({"lib/calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"})
    report = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(report, SCHEMA)
    assert report["verdict"] == "pass" and report["exit_code"] == 0
    assert report["stats"]["files"] == 1 and report["stats"]["lines_added"] == 4
    assert report["schema_version"] == 1


def test_blocking_change_exits_1_and_report_matches_schema(repo: Repo):
    repo.commit({"lib/calc.py": "def add(a, b):\n    return a + b\n"})
    repo.commit({"lib/calc.py": "import os  # noqa\n\ndef add(a, b):\n    return a + b\n"})
    res = run_cli(["check", "--base", "HEAD~1", "--format", "json"], cwd=repo.path)
    assert res.code == 1
    report = res.json()
    jsonschema.validate(report, SCHEMA)
    assert report["verdict"] == "block"
    noqa = [f for f in report["findings"] if f["rule"] == "suppression/blanket-noqa"]
    assert noqa and noqa[0]["line"] == 1 and noqa[0]["evidence"] == "import os  # noqa"


def test_default_source_is_head_parent_without_upstream(repo: Repo):
    repo.commit({"a.py": "x = 1\n"})
    repo.commit({"a.py": "x = 2\n"})
    report = check_json(repo)
    assert report["source"].startswith("HEAD~1..HEAD")


def test_default_source_uses_upstream_merge_base(repo: Repo, tmp_path: Path):
    repo.commit({"a.py": "x = 1\n"})
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", "feature", "--track", "origin/main")
    repo.commit({"a.py": "x = 2\n"})
    repo.commit({"b.py": "y = 3\n"})
    report = check_json(repo)
    assert report["source"].startswith("origin/main...HEAD")
    assert report["stats"]["files"] == 2


def test_mutually_exclusive_sources(repo: Repo):
    repo.commit({"a.py": "x = 1\n"})
    _one_line_error(run_cli(["check", "--staged", "--base", "HEAD"], cwd=repo.path), "not allowed with")


def test_head_needs_base(repo: Repo):
    repo.commit({"a.py": "x = 1\n"})
    _one_line_error(run_cli(["check", "--head", "HEAD"], cwd=repo.path), "--head goes with --base")


def test_bad_ref_names_it(repo: Repo):
    repo.commit({"a.py": "x = 1\n"})
    _one_line_error(run_cli(["check", "--base", "no-such-branch"], cwd=repo.path), "no-such-branch")


def test_unknown_flag_and_format(repo: Repo):
    _one_line_error(run_cli(["check", "--frobnicate"], cwd=repo.path), "--frobnicate")
    _one_line_error(run_cli(["check", "--format", "xml"], cwd=repo.path), "xml")


def test_outside_a_repository(tmp_path: Path):
    _one_line_error(run_cli(["check"], cwd=tmp_path), "not a git repository")


def test_rules_lists_every_rule_with_category_and_severity():
    res = run_cli(["rules", "--format", "json"])
    assert res.code == 0
    table = res.json()
    ids = [r["id"] for r in table]
    assert "suppression/guard-tampering" in ids and len(ids) == len(set(ids))
    for row in table:
        assert row["category"] == row["id"].split("/")[0]
        assert row["severity"] in ("block", "escalate", "info")
    text = run_cli(["rules"]).out
    assert "suppression/guard-tampering" in text and "escalate" in text


def test_explain_prints_the_docs():
    res = run_cli(["explain", "suppression/guard-tampering"])
    assert res.code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## How to waive"):
        assert heading in res.out


def test_explain_unknown_rule():
    _one_line_error(run_cli(["explain", "suppression/nope"]), "suppression/nope")


def test_module_entry_point_and_console_script(repo: Repo):
    repo.commit({"a.py": "x = 1\n"})
    repo.commit({"a.py": "x = 2\n"})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "guardrails", "check", "--format", "json"],
                          cwd=repo.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "pass"
    version = subprocess.run([sys.executable, "-m", "guardrails", "--version"], env=env,
                             capture_output=True, text=True)
    assert version.stdout.startswith("guardrails ")


def test_hook_start_does_not_import_openai(repo: Repo):
    """The pre-commit hook must start fast: openai is imported lazily."""
    repo.commit({"a.py": "x = 1\n"})
    repo.stage({"a.py": "x = 2\n"})
    code = ("import sys; from guardrails.cli import main; rc = main(['check', '--staged', '--format', 'json']); "
            "sys.stderr.write('OPENAI=' + str('openai' in sys.modules)); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo.path, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "OPENAI=False" in proc.stderr
