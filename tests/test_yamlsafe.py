"""A hostile YAML file in a change must not crash the run (libyaml segfaults
on deep flow nesting); run in a subprocess so a crash cannot take pytest down."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT, Repo
from guardrails.yamlsafe import flow_depth, too_deep


def test_depth_measure():
    assert flow_depth("a: [1, {b: [2]}]") == 3
    assert not too_deep("deps: [a, b, c]\n" * 500)
    assert too_deep("[" * 1000)


def test_deeply_nested_yaml_in_every_yaml_reader(repo: Repo):
    repo.commit({"README.md": "x\n"})
    bomb = "[" * 100_000 + "\n"
    repo.commit({
        "environment.yml": "dependencies: " + bomb,
        "pnpm-lock.yaml": bomb,
        ".pre-commit-config.yaml": "repos: " + bomb,
        ".github/workflows/ci.yml": "on: " + bomb,
        ".golangci.yml": bomb,
    })
    proc = subprocess.run([sys.executable, "-m", "guardrails", "check", "--base", "HEAD~1", "--format", "json"],
                          cwd=repo.path, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300)
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["stats"]["files"] == 5
