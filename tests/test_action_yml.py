"""action.yml itself: every input is used, every output is set by the step
it names, actions are pinned to full commit SHAs, secrets never reach a
command line, and every step runs on Linux, macOS and Windows (bash)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from conftest import ROOT, Repo
from github_fakes import FakeGitHub, clean_env, run_action

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
SECRET_INPUTS = ("reviewer-api-key", "github-token")


def _uses_of_input(name: str) -> list:
    pattern = re.compile(r"\$\{\{[^}]*\binputs\." + re.escape(name) + r"\b")
    return [step for step in STEPS if pattern.search(yaml.safe_dump(step))]


def test_every_input_is_used():
    unused = [name for name in ACTION["inputs"] if not _uses_of_input(name)]
    assert unused == []


def test_every_input_read_by_the_judging_step_reaches_the_command():
    check = next(s for s in STEPS if s.get("id") == "check")
    for key, value in check["env"].items():
        if str(value).startswith("${{ inputs."):
            # Read by the script, or named for guardrails to read (a secret, by its variable's name).
            assert re.search(r"\$\{?" + key + r"\b|--[\w-]+-env " + key + r"\b", check["run"]), key


def test_secrets_travel_by_environment_only():
    for name in SECRET_INPUTS:
        for step in _uses_of_input(name):
            assert f"inputs.{name}" not in step.get("run", ""), name
            assert any(f"inputs.{name}" in str(v) for v in (step.get("env") or {}).values()), name
    check = next(s for s in STEPS if s.get("id") == "check")
    assert "GUARDRAILS_REVIEWER_API_KEY" not in re.sub(r"--reviewer-api-key-env GUARDRAILS_REVIEWER_API_KEY|"
                                                       r"\[ -n \"\$GUARDRAILS_REVIEWER_API_KEY\" \]|"
                                                       r"=\"\$GUARDRAILS_REVIEWER_API_KEY\"", "", check["run"])


def test_actions_are_pinned_to_full_commit_shas():
    for step in STEPS:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_every_run_step_uses_bash_on_every_runner():
    for step in STEPS:
        if "run" in step:
            assert step.get("shell") == "bash", step.get("name")
            assert "python3 -m" not in step["run"] or step.get("id") == "python"


def test_every_output_is_set(repo: Repo, tmp_path: Path):
    """Run the steps as a runner would on a pull request; every output the
    Action declares comes out non-empty."""
    base = repo.commit({"app.py": "x = 1\n"}, "base")
    repo.git("checkout", "-q", "-b", "topic")
    head = repo.commit({"app.py": "x = 2  # noqa\n"}, "change")
    event = {"action": "opened", "number": 3,
             "pull_request": {"number": 3, "title": "t", "body": "", "user": {"login": "a", "type": "User"},
                              "labels": [], "base": {"sha": base, "repo": {"full_name": "octo/shop"}},
                              "head": {"sha": head, "ref": "topic", "repo": {"full_name": "octo/shop"}}},
             "repository": {"full_name": "octo/shop"}}
    api = FakeGitHub()
    try:
        env = dict(clean_env(), GITHUB_API_URL=api.url, HOME=str(repo.path.parent))
        run = run_action(repo.path, tmp_path / "runner", {"deep": "false", "online": "false", "cache": "true",
                                                          "sarif-file": str(tmp_path / "out.sarif")},
                         "pull_request", event, env)
    finally:
        api.close()
    assert run.code == 1, run.stderr
    for name, spec in ACTION["outputs"].items():
        assert re.fullmatch(r"\$\{\{ steps\.check\.outputs\.[\w-]+ \}\}", spec["value"]), name
        assert run.outputs[name], f"output {name} was not set"
    assert run.outputs["sarif-file"] == str(tmp_path / "out.sarif") and Path(run.outputs["sarif-file"]).exists()
    assert (tmp_path / "runner" / "guardrails-review-cache").is_dir()
    assert sorted(run.skipped_uses) == sorted(s["uses"] for s in STEPS if "uses" in s and "setup-python" not in s["uses"])


def test_the_step_scripts_are_valid_bash():
    for step in STEPS:
        if "run" in step:
            proc = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
            assert proc.returncode == 0, (step.get("name"), proc.stderr)


def test_examples_use_only_real_inputs_and_pinned_actions():
    examples = sorted((ROOT / "examples").glob("*.yml")) + [ROOT / ".github" / "workflows" / "guardrails.yml"]
    seen_guardrails = 0
    for path in examples:
        data = yaml.safe_load(path.read_text())
        for job in data["jobs"].values():
            if "uses" in job:
                assert job["uses"].endswith("@<full commit sha>"), path
            for step in job.get("steps", []):
                uses = step.get("uses", "")
                if not uses:
                    continue
                if "guardrails" in uses:
                    seen_guardrails += 1
                    assert uses in ("OWNER/guardrails@<full commit sha>", "./.guardrails-action"), (path, uses)
                    unknown = set(step.get("with") or {}) - set(ACTION["inputs"])
                    assert not unknown, (path, unknown)
                else:
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (path, uses)
    assert seen_guardrails >= 5
