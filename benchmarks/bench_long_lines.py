#!/usr/bin/env python3
"""The whole guard against one long adversarial line, in every kind of file.

A change may add a line of up to limits.max_line_chars (250,000) characters.
For each kind of file the checks read (Python, JS/TS, Go, Rust, Java,
manifests, lockfiles, workflows, linter configs, Makefiles, Dockerfiles,
Markdown) and each adversarial line (one character repeated, two
alternating, and the keywords the checks look for, repeated), this builds a
unified diff adding that line (with a few ordinary lines around it) and
times `guardrails check --diff` in-process (every family in this process)
at N and 4 x N characters.  Time
linear in the line's length grows about 4x; a check that backtracks grows
about 16x.

Prints the (file, line) pairs whose time grows more than --ratio (default 8)
and that take more than --floor seconds (default 0.05) on the longer line,
worst first, the slowest case overall, and exits 1 when there is any.

Usage:
  python benchmarks/bench_long_lines.py [--n 20000] [--ratio 8] [--floor 0.05] [--only KIND]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import sys
import tempfile
import time
from typing import Iterator, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from guardrails import cli  # noqa: E402  (after the path is set)

# Where the long line goes, when not at the start of a line: a Dockerfile's
# RUN, a Makefile recipe, a workflow's run step (the lines those checks read).
PREFIX = {"Dockerfile": "RUN ", "Makefile": "\t", ".github/workflows/ci.yml": "      - run: "}

# path -> ordinary lines around the long one (so each file looks like its kind)
KINDS = {
    "src/app.py": ["import os", "def f(x):", "    return x"],
    "tests/test_app.py": ["import pytest", "def test_f():", "    assert f(1) == 1"],
    "src/app.ts": ["import x from 'y';", "export function f(a: number) {", "  return a;", "}"],
    "src/app.test.js": ["describe('f', () => {", "  it('works', () => {", "    expect(f(1)).toBe(1);", "  });", "});"],
    "pkg/x_test.go": ["package x", "func TestF(t *testing.T) {", "\tif f(1) != 1 { t.Fatal(\"no\") }", "}"],
    "src/lib.rs": ["#[cfg(test)]", "mod tests {", "    #[test]", "    fn t() { assert_eq!(f(1), 1); }", "}"],
    "src/test/java/ATest.java": ["class ATest {", "  @Test void t() { assertEquals(1, f(1)); }", "}"],
    "requirements.txt": ["requests==2.31.0", "# comment"],
    "pyproject.toml": ["[project]", "name = \"x\"", "dependencies = [\"requests\"]", "[tool.ruff]"],
    "package.json": ["{", "  \"name\": \"x\",", "  \"dependencies\": {\"left-pad\": \"1.0.0\"}", "}"],
    "Gemfile": ["source 'https://rubygems.org'", "gem 'rails'"],
    "go.mod": ["module x", "require (", "\tgithub.com/a/b v1.0.0", ")"],
    "Cargo.toml": ["[package]", "name = \"x\"", "[dependencies]", "serde = \"1\""],
    "setup.cfg": ["[flake8]", "ignore = E501", "[mypy]"],
    ".eslintrc.json": ["{", "  \"rules\": {\"no-console\": \"off\"}", "}"],
    ".github/workflows/ci.yml": ["on: push", "jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:",
                                 "      - run: pytest"],
    "Makefile": ["test:", "\tpytest"],
    "Dockerfile": ["FROM python:3.12", "RUN pip install x"],
    "README.md": ["# Title", "Some text."],
    ".pre-commit-config.yaml": ["repos:", "  - repo: https://github.com/x/y", "    rev: v1"],
}

CHARS = " \t#/*-:=,;.'\"`{}[]()<>\\|!?@$%&+_~0aA\u0430\u200b"
PAIRS = " #:=-'\"{a0(/"
WORDS = ("noqa", "# noqa:", "type: ignore[", "eslint-disable", "@ts-ignore", "nolint", "pragma: no cover",
         "if x == ", "return ", "assert ", "expect(", "skip", "pytest", "PYTEST_CURRENT_TEST", "import ", "require(",
         "pip install ", "curl ", "| sh", "ignore", "--no-verify", "continue-on-error: true", "uses: a/b@",
         "password = '", "sk-", "ignore previous instructions", "gem '", "[", "{\"", "\"a\": ", "mod ", "fn ",
         "def ", "class ", "@Test", "@Test(", "t.Skip(", "#[ignore]", "#[cfg(test)]", "==", "rules: ", "off", "A1",
         "E501,", "iex ", "-x ", "a=")


def lines(n: int) -> Iterator[Tuple[str, str]]:
    for c in CHARS:
        yield repr(c), c * n
    for a, b in itertools.combinations(PAIRS, 2):
        yield repr(a + b), (a + b) * (n // 2)
    for w in WORDS:
        yield repr(w), (w * (n // len(w) + 1))[:n]


def diff_for(path: str, around: List[str], line: str) -> str:
    body = around[:1] + [PREFIX.get(path, "") + line] + around[1:]
    head = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    return head + f"@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{x}\n" for x in body)


def run(diff_path: str) -> Tuple[float, int, str]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["check", "--diff", diff_path, "--format", "json", "--no-llm", "--stage", "ci"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return time.perf_counter() - start, code, err.getvalue().strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--ratio", type=float, default=8.0)
    parser.add_argument("--floor", type=float, default=0.05)
    parser.add_argument("--only", default="", help="only file kinds whose path contains this")
    args = parser.parse_args()
    os.environ["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    from guardrails import workers
    # The checks' own growth, in this process: a line over workers.WORKER_BYTES
    # would otherwise add the fork of worker processes to the longer run only.
    workers.WORKER_BYTES = 1 << 62
    work = tempfile.mkdtemp(prefix="guardrails-long-lines-")
    os.chdir(work)  # not a repository: --diff is read hunks-only
    bad = []
    slowest = (0.0, "", "")
    count = 0
    errors: List[str] = []
    started = time.perf_counter()
    for path, around in KINDS.items():
        if args.only and args.only not in path:
            continue
        for label, short in lines(args.n):
            times = []
            for text in (short, short * 4):
                name = os.path.join(work, "p.diff")
                with open(name, "w", encoding="utf-8") as fh:
                    fh.write(diff_for(path, around, text))
                seconds, code, said = run(name)
                if code == 2:
                    errors.append(f"{path} with {label} repeated: {said[:150]}")
                times.append(seconds)
            count += 1
            if times[1] > slowest[0]:
                slowest = (times[1], path, label)
            ratio = times[1] / max(times[0], 1e-3)
            if times[1] > args.floor and ratio > args.ratio:
                bad.append((times[1], ratio, path, label))
    print(f"{count} cases (file kind x line), lines of {args.n:,} and {4 * args.n:,} characters, "
          f"{time.perf_counter() - started:.0f} s; exit 2 (input error) in {len(errors)} runs")
    for said in errors[:10]:
        print("  exit 2:", said)
    print(f"slowest: {slowest[0]:.3f} s, {slowest[1]} with {slowest[2]} repeated")
    for seconds, ratio, path, label in sorted(bad, reverse=True):
        print(f"  {seconds:7.3f} s  x{ratio:5.1f}  {path}  {label} repeated")
    print(f"super-linear: {len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
