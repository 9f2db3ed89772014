"""`--stage pre-commit|pre-push` and `guardrails install-hook`: plain git
hooks in real repositories, real `git commit` and `git push` runs."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import Repo, run_cli

GAMED = {"app.py": "def total(items):\n    return sum(items)  # type: ignore\n"}
ESCALATED = {"app.py": "def total(items):\n    return sum(items)  # type: ignore[arg-type]\n"}
CLEAN = {"app.py": "def total(items):\n    return sum(items or [])\n"}


def _base(repo: Repo) -> str:
    return repo.commit({"app.py": "def total(items):\n    return sum(items)\n"}, "base")


def test_pre_commit_stage_blocks_a_block_and_lets_a_review_through(repo: Repo):
    _base(repo)
    repo.stage(GAMED)
    blocked = run_cli(["check", "--staged", "--stage", "pre-commit"], cwd=repo.path)
    assert blocked.code == 1 and "suppression/blanket-type-ignore" in blocked.out
    repo.stage(ESCALATED)
    warned = run_cli(["check", "--staged", "--stage", "pre-commit"], cwd=repo.path)
    assert warned.code == 0
    assert "REVIEW" in warned.out and "to be decided in CI" in warned.err
    # Without a stage, the same review fails closed.
    assert run_cli(["check", "--staged"], cwd=repo.path).code == 1


def test_pre_commit_stage_never_runs_semgrep_or_deep(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    from guardrails.checks.test_stub import lang_semgrep
    started = []
    monkeypatch.setattr(lang_semgrep, "run", lambda *a, **k: started.append(a) or ([], ""))
    repo.commit({"src/price.js": "export function price(q) {\n  return q * 2;\n}\n",
                 "src/price.test.js": "import { price } from './price';\n"
                                      "test('p', () => { expect(price(2)).toBe(4); });\n"}, "base")
    repo.stage({"src/price.test.js": "import { price } from './price';\n"
                                     "test.only('p', () => { expect(price(2)).toBe(4); });\n"})
    res = run_cli(["check", "--staged", "--stage", "pre-commit", "--deep", "--format", "json"], cwd=repo.path)
    assert res.code == 1 and "test-stub/focused-test" in res.out  # the built-in patterns still see it
    assert started == []
    assert "mypy" not in res.out and "ruff" not in res.json()["stats"].get("family_seconds", {})
    res = run_cli(["check", "--staged", "--format", "json"], cwd=repo.path)
    assert started, "without the stage, semgrep runs"


def test_pre_push_stage_reads_pre_commits_refs(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    base = _base(repo)
    gamed = repo.commit(GAMED, "gamed")
    repo.commit(CLEAN, "fixed")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", gamed)
    res = run_cli(["check", "--stage", "pre-push", "--format", "json"], cwd=repo.path)
    assert res.code == 1 and base[:12] in res.json()["source"]
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    assert run_cli(["check", "--stage", "pre-push"], cwd=repo.path).code == 0


def _hook_env(repo: Repo) -> dict:
    env = dict(repo.env, SEMGREP_ENABLE_VERSION_CHECK="0")
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = "/usr/bin:/bin"  # guardrails is not on PATH: the hook finds its own Python
    return env


def test_install_hook_refuses_a_gamed_commit(repo: Repo):
    _base(repo)
    res = run_cli(["install-hook"], cwd=repo.path)
    assert res.code == 0, res.err
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    assert os.access(hook, os.X_OK)
    before = repo.git("rev-parse", "HEAD")
    repo.write(GAMED)
    refused = subprocess.run(["git", "commit", "-qam", "gamed"], cwd=repo.path, env=_hook_env(repo),
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "suppression/blanket-type-ignore" in refused.stdout + refused.stderr
    assert repo.git("rev-parse", "HEAD") == before
    repo.write(CLEAN)
    accepted = subprocess.run(["git", "commit", "-qam", "clean"], cwd=repo.path, env=_hook_env(repo),
                              capture_output=True, text=True, timeout=300)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    # Installing again is a no-op; it is ours, so --force is not needed to update it.
    assert "already installed" in run_cli(["install-hook"], cwd=repo.path).out


def test_install_hook_refuses_to_overwrite_another_hook(repo: Repo):
    _base(repo)
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexec make lint\n")
    res = run_cli(["install-hook"], cwd=repo.path)
    assert res.code == 2 and "exists and is not guardrails' hook" in res.err
    assert hook.read_text() == "#!/bin/sh\nexec make lint\n"
    assert run_cli(["install-hook", "--force"], cwd=repo.path).code == 0
    assert "guardrails check --staged --stage pre-commit" in hook.read_text()


def test_install_hook_honours_core_hooks_path(repo: Repo):
    _base(repo)
    repo.git("config", "core.hooksPath", ".githooks")
    assert run_cli(["install-hook", "--pre-push"], cwd=repo.path).code == 0
    assert (repo.path / ".githooks" / "pre-push").exists()


def test_install_hook_pre_push_against_a_bare_remote(repo: Repo, tmp_path: Path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=repo.env)
    _base(repo)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    assert run_cli(["install-hook", "--pre-push"], cwd=repo.path).code == 0
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit(GAMED, "gamed")
    push = ["git", "push", "-q", "origin", "feature"]
    refused = subprocess.run(push, cwd=repo.path, env=_hook_env(repo), capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "suppression/blanket-type-ignore" in refused.stdout + refused.stderr
    repo.commit(CLEAN, "fix")
    accepted = subprocess.run(push, cwd=repo.path, env=_hook_env(repo), capture_output=True, text=True, timeout=300)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    # A further push of main (already on the remote) judges only what is new.
    repo.git("checkout", "-q", "main")
    repo.commit({"notes.txt": "ok\n"}, "notes")
    assert subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.path, env=_hook_env(repo),
                          capture_output=True, timeout=300).returncode == 0
