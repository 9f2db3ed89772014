#!/usr/bin/env python3
"""The committed-virtual-environment case: an agent runs `python -m venv
.venv && pip install ...` in the checkout and commits everything.

Builds, in a temporary folder, a git repository with a small project (base
commit) and a change commit that adds a real virtual environment (made with
`python -m venv`, then `pip install` of a few packages from the package
index configured for pip) plus one real edit of the project.  Then it runs
`guardrails check --base HEAD~1 --format json --no-llm` as a subprocess
(the way CI runs it) and reports the change's size (files, added lines,
patch bytes), the wall time and the peak memory of the guard (the child's
maximum resident set size from getrusage, as /usr/bin/time -v reports it),
and whether the report names the committed environment
(dependency/vendored-tree) while still judging the real edit.

Targets (issue 11): within 30 s and 1 GB, for about 2,000 files, 650,000
added lines and a 24 MB patch.

Usage:
  python benchmarks/bench_venv.py [--packages "requests pyyaml ..."] [--keep DIR]
                                  [--min-lines 650000]
Exit code 0 when the targets are met and the finding is there, 1 otherwise.
Needs pip to reach a package index (the registry, or a local mirror).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ("requests pyyaml jinja2 click rich pygments urllib3 idna certifi charset-normalizer markupsafe "
            "packaging six python-dateutil attrs pluggy iniconfig tomli typing-extensions docutils setuptools pip pytest")
TARGET_SECONDS = 30.0
TARGET_MB = 1024.0
GIT_ENV = {"GIT_AUTHOR_NAME": "Agent", "GIT_AUTHOR_EMAIL": "agent@example.com", "GIT_COMMITTER_NAME": "Agent",
           "GIT_COMMITTER_EMAIL": "agent@example.com", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=dict(os.environ, **GIT_ENV), check=True,
                          stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")


def build(repo: str, packages: str) -> None:
    os.makedirs(os.path.join(repo, "src"), exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    with open(os.path.join(repo, "src", "app.py"), "w") as f:
        f.write("def price(qty):\n    return qty * 0.9\n")
    with open(os.path.join(repo, "pyproject.toml"), "w") as f:
        f.write('[project]\nname = "shop"\nversion = "0.1"\ndependencies = ["requests>=2"]\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    venv = os.path.join(repo, ".venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = os.path.join(venv, "bin", "pip")
    subprocess.run([pip, "install", "-q", "--disable-pip-version-check", *packages.split()], check=True)
    with open(os.path.join(repo, "src", "app.py"), "w") as f:  # the real edit, gamed
        f.write("def price(qty):\n    if qty == 42:  # noqa\n        return 37.80\n    return qty * 0.9\n")
    git(repo, "add", "-A", "-f")  # as an agent does it: everything, ignored files too
    git(repo, "commit", "-q", "-m", "add the environment")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", default=PACKAGES)
    parser.add_argument("--keep", help="build the repository in DIR and keep it")
    parser.add_argument("--min-lines", type=int, default=0, help="fail when the change adds fewer lines")
    args = parser.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="guardrails-bench-venv-")
    repo = os.path.join(tmp, "repo")
    try:
        if not os.path.isdir(os.path.join(repo, ".git")):
            print(f"building {repo} (python -m venv + pip install {len(args.packages.split())} packages) ...",
                  flush=True)
            build(repo, args.packages)
        numstat = git(repo, "diff", "--numstat", "HEAD~1", "HEAD")
        files = lines = 0
        for row in numstat.splitlines():
            added = row.split("\t", 1)[0]
            files += 1
            lines += int(added) if added.isdigit() else 0
        patch_bytes = len(subprocess.run(["git", "diff", "HEAD~1", "HEAD"], cwd=repo, check=True,
                                         stdout=subprocess.PIPE).stdout)
        print(f"change: {files:,} files, {lines:,} added lines, {patch_bytes / 1e6:.1f} MB patch")
        cmd = [sys.executable, "-m", "guardrails", "check", "--base", "HEAD~1", "--format", "json", "--no-llm"]
        env = dict(os.environ, PYTHONPATH=ROOT, SEMGREP_ENABLE_VERSION_CHECK="0")
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode not in (0, 1):
            print(f"guardrails failed (exit {proc.returncode}): {proc.stderr.decode()[-2000:]}")
            return 1
        report = json.loads(proc.stdout)
        trees = [f for f in report["findings"] if f["rule"] == "dependency/vendored-tree"]
        real = sorted({f["rule"] for f in report["findings"] if f["path"] == "src/app.py"})
        held = report["stats"].get("not_analysed", [])
        print(f"guardrails: exit {proc.returncode}, verdict {report['verdict']}, {seconds:.1f} s wall, "
              f"peak RSS {peak_mb:.0f} MB (report: {report['stats']['seconds']} s in-process)")
        print(f"family seconds: {report['stats'].get('family_seconds')}")
        for f in trees:
            print(f"  {f['rule']} ({f['severity']}) {f['path']}: {f['message']}")
        print(f"  not analysed: {len(held):,} files; findings on the real edit src/app.py: {', '.join(real) or 'none'}")
        ok = bool(trees) and bool(real) and seconds <= TARGET_SECONDS and peak_mb <= TARGET_MB \
            and lines >= args.min_lines
        print(f"target {TARGET_SECONDS:.0f} s / {TARGET_MB:.0f} MB with the finding: {'met' if ok else 'NOT met'}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
