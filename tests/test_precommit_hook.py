"""The real pre-commit runs our hook from this repository's committed HEAD,
installing it into pre-commit's own environment from the package registry."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Repo


def _pre_commit() -> str:
    here = Path(sys.executable).parent / "pre-commit"
    return str(here) if here.exists() else (shutil.which("pre-commit") or "pre-commit")


def test_pre_commit_hook_blocks_then_passes(repo: Repo, tmp_path: Path):
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    repo.commit({
        "app.py": "def f():\n    return 1\n",
        ".pre-commit-config.yaml": (
            "repos:\n"
            f"  - repo: {ROOT}\n"
            f"    rev: {rev}\n"
            "    hooks:\n"
            "      - id: guardrails\n"
        ),
    })
    env = dict(repo.env, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), SEMGREP_ENABLE_VERSION_CHECK="0")
    env.pop("VIRTUAL_ENV", None)

    repo.stage({"app.py": "import os  # noqa\n\n\ndef f():\n    return 1\n"})
    gamed = subprocess.run([_pre_commit(), "run"], cwd=repo.path, env=env, capture_output=True, text=True,
                           timeout=900)
    assert gamed.returncode == 1, gamed.stdout + gamed.stderr
    assert "suppression/blanket-noqa" in gamed.stdout
    assert "guardrails: BLOCK" in gamed.stdout

    repo.stage({"app.py": "def f():\n    return 2\n"})
    clean = subprocess.run([_pre_commit(), "run"], cwd=repo.path, env=env, capture_output=True, text=True,
                           timeout=900)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout  # pre-commit hides the output of a passing hook
