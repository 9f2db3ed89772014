"""Shared test helpers: real git repositories in temporary folders, and the
CLI run in-process the way a user runs it."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Union

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@contextmanager
def deadline(seconds: int = 20, what: str = "super-linear on a long line",
             message: Optional[str] = None) -> Iterator[None]:
    """Fail with AssertionError (instead of running for minutes) when the block
    takes more than SECONDS: "no answer in SECONDS s: WHAT", or MESSAGE whole."""
    text = message if message is not None else f"no answer in {seconds} s: {what}"

    def expired(signum, frame):
        raise AssertionError(text)
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "",  # replaced per repo so the user's ~/.gitconfig never leaks in
}


class Repo:
    """A real git repository in a temporary folder."""

    def __init__(self, path: Path):
        self.path = path
        self.env = dict(os.environ, **GIT_ENV)
        self.env["HOME"] = str(path.parent)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, input: Optional[bytes] = None) -> str:
        proc = subprocess.run(("git",) + args, cwd=self.path, env=self.env, input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode("utf-8", "replace").strip()

    def write(self, files: Dict[str, Union[str, bytes, None]]) -> None:
        """Write (or with None, delete) files in the work tree."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                if target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(self, files: Optional[Dict[str, Union[str, bytes, None]]] = None,
               message: str = "change") -> str:
        if files:
            self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def stage(self, files: Dict[str, Union[str, bytes, None]]) -> None:
        self.write(files)
        self.git("add", "-A")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


class Result(NamedTuple):
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


def run_cli(args: List[str], cwd: Optional[Union[Path, str]] = None,
            stdin: Optional[bytes] = None) -> Result:
    """Run `guardrails ARGS` in-process (fast) and capture what it prints."""
    from guardrails.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    old_stdin = sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def check_json(repo: Repo, *args: str) -> dict:
    """`guardrails check --format json ARGS` in REPO; returns the report."""
    res = run_cli(["check", "--format", "json", *args], cwd=repo.path)
    assert res.code in (0, 1), (res.code, res.err)
    return res.json()


def rules_found(report: dict) -> List[str]:
    return sorted(f["rule"] for f in report["findings"])
