"""The real pre-commit framework, end to end: it installs guardrails from
this repository's committed HEAD into its own environment (once per module)
and runs the hooks of .pre-commit-hooks.yaml in temporary repositories."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import ROOT, Repo

CLEAN = {"app.py": "def total(items):\n    return sum(items or [])\n"}
GAMED = {"app.py": "def total(items):\n    return sum(items)  # type: ignore\n"}
ESCALATED = {"app.py": "def total(items):\n    return sum(items)  # type: ignore[arg-type]\n"}


def _pre_commit() -> List[str]:
    here = Path(sys.executable).parent / "pre-commit"
    return [str(here)] if here.exists() else [shutil.which("pre-commit") or "pre-commit"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pre-commit's store outlives one session (beside pytest's rotating
    # temp folders), as ~/.cache/pre-commit does: building guardrails'
    # environment takes a minute or more, and is keyed by the commit.
    path = tmp_path_factory.getbasetemp().parent / "guardrails-pre-commit-home"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="module")
def rev() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _env(repo: Repo, home: Path) -> Dict[str, str]:
    env = dict(repo.env, PRE_COMMIT_HOME=str(home), SEMGREP_ENABLE_VERSION_CHECK="0")
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(args: List[str], repo: Repo, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=repo.path, env=_env(repo, home), capture_output=True, text=True, timeout=900)


def _configured(repo: Repo, rev: str) -> None:
    repo.commit({
        "app.py": "def total(items):\n    return sum(items)\n",
        ".pre-commit-config.yaml": (
            "repos:\n"
            f"  - repo: {ROOT}\n"
            f"    rev: {rev}\n"
            "    hooks:\n"
            "      - id: guardrails\n"
            "      - id: guardrails-push\n"
        ),
    }, "base")


def test_try_repo_refuses_a_blanket_type_ignore_and_accepts_a_clean_change(repo: Repo, home: Path, rev: str):
    repo.commit({"app.py": "def total(items):\n    return sum(items)\n"}, "base")
    repo.stage(GAMED)
    gamed = _run(_pre_commit() + ["try-repo", str(ROOT), "guardrails", "--ref", rev], repo, home)
    assert gamed.returncode == 1, gamed.stdout + gamed.stderr
    assert "suppression/blanket-type-ignore" in gamed.stdout
    assert "guardrails: BLOCK" in gamed.stdout
    repo.stage(CLEAN)
    clean = _run(_pre_commit() + ["try-repo", str(ROOT), "guardrails", "--ref", rev], repo, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout and "guardrails: PASS" in clean.stdout  # verbose: true shows the line


def test_git_commit_through_the_installed_hook(repo: Repo, home: Path, rev: str):
    _configured(repo, rev)
    assert _run(_pre_commit() + ["install"], repo, home).returncode == 0
    before = repo.git("rev-parse", "HEAD")
    repo.stage(GAMED)
    refused = _run(["git", "commit", "-m", "gamed"], repo, home)
    assert refused.returncode != 0
    assert "suppression/blanket-type-ignore" in refused.stdout + refused.stderr
    assert repo.git("rev-parse", "HEAD") == before
    # An escalation (a coded ignore) warns and lets the commit through: CI decides it.
    repo.stage(ESCALATED)
    warned = _run(["git", "commit", "-m", "coded ignore"], repo, home)
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "to be decided in CI" in warned.stdout + warned.stderr
    assert repo.git("rev-parse", "HEAD") != before


def test_pre_push_against_a_local_bare_remote(repo: Repo, home: Path, rev: str, tmp_path: Path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=repo.env)
    _configured(repo, rev)
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    assert _run(_pre_commit() + ["install", "--hook-type", "pre-push"], repo, home).returncode == 0
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"notes.txt": "hello\n"}, "harmless")
    gamed_sha = repo.commit(GAMED, "gamed")
    refused = _run(["git", "push", "origin", "feature"], repo, home)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "suppression/blanket-type-ignore" in refused.stdout + refused.stderr
    assert subprocess.run(["git", "--git-dir", str(remote), "rev-parse", "--verify", "-q", "refs/heads/feature"],
                          capture_output=True).returncode != 0
    # Fixed by a later commit: what the push adds (main...feature) is clean.
    repo.commit(CLEAN, "fix")
    accepted = _run(["git", "push", "origin", "feature"], repo, home)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    pushed = subprocess.run(["git", "--git-dir", str(remote), "rev-parse", "refs/heads/feature"],
                            capture_output=True, text=True).stdout.strip()
    assert pushed == repo.git("rev-parse", "HEAD") != gamed_sha
