"""Property-based tests (hypothesis, seeded: derandomize=True): generated
unified diffs, plain diffs and format-patch series, damaged or not, with
manifests, lockfiles, workflows, tool configs and source in every supported
language (tests/fuzzkit.py), fed to the diff parser and to every check
family through the command line.

Properties: never a traceback; exit code 0, 1 or 2; a 2 comes with one
line naming what and where; the JSON report parses and matches
guardrails/schema/report-v1.schema.json; the same input gives the same
report.  The long run (100,000+ inputs) is benchmarks/bench_fuzz.py.
"""
from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import fuzzkit
from conftest import ROOT, Repo, run_cli
from guardrails.change import parse_diff
from guardrails.errors import GuardError

SCHEMA = json.loads((ROOT / "guardrails" / "schema" / "report-v1.schema.json").read_text())
POLICY = "test_stub:\n  semgrep: false\n"  # in-process checks only: no semgrep per input

FAST = settings(derandomize=True, deadline=None, database=None, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(FAST, max_examples=30)
# A real repository per example is slow: few examples, and no shrinking
# (the failing input is printed as it was generated).
GIT = settings(FAST, max_examples=6, phases=[Phase.explicit, Phase.reuse, Phase.generate])

_WORKDIR = Path(tempfile.mkdtemp(prefix="guardrails-fuzz-"))
(_WORKDIR / ".guardrails.yml").write_text(POLICY)


def stable(report: dict) -> dict:
    if not report:
        return report
    report = dict(report)
    report["stats"] = {k: v for k, v in report["stats"].items() if k not in ("seconds", "family_seconds")}
    return report


def judged(res) -> dict:
    """The properties every run must have; the report (or {} on exit 2)."""
    assert res.code in (0, 1, 2), res
    assert "Traceback" not in res.err and "Traceback" not in res.out
    if res.code == 2:
        lines = res.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("guardrails: error: "), res.err
        return {}
    report = json.loads(res.out)
    jsonschema.validate(report, SCHEMA)
    assert report["exit_code"] == res.code
    return report


def run_diff(text: str) -> dict:
    data = text.encode("utf-8", "surrogateescape")
    first = run_cli(["check", "--diff", "-", "--format", "json", "--no-llm"], cwd=_WORKDIR, stdin=data)
    report = judged(first)
    second = run_cli(["check", "--diff", "-", "--format", "json", "--no-llm"], cwd=_WORKDIR, stdin=data)
    assert (second.code, stable(judged(second))) == (first.code, stable(report)), "not deterministic"
    if first.code == 2:
        assert first.err == second.err
    return report


@FAST
@given(st.randoms(use_true_random=False))
def test_parser_on_generated_and_damaged_diffs(rnd: random.Random):
    _, text = fuzzkit.gen_diff(rnd)
    try:
        files = parse_diff(text, "diff file fuzz.patch")
    except GuardError as exc:
        message = str(exc)
        assert "\n" not in message and "fuzz.patch" in message, message
        return
    for f in files:
        assert f.path and "\0" not in f.path
        assert not f.path.startswith("/") and ".." not in f.path.split("/")


@FAST
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(fuzzkit.ODD),
                          st.sampled_from(["@@ -1 +1 @@", "--- a/x.py", "+++ b/x.py", "diff --git a/x b/x", "+", "-", " "])),
                max_size=25))
def test_parser_on_arbitrary_lines(lines):
    text = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n" + "\n".join(lines)
    try:
        parse_diff(text, "diff on standard input")
    except GuardError as exc:
        assert "\n" not in str(exc) and "standard input" in str(exc)


@SLOW
@given(st.randoms(use_true_random=False))
def test_every_family_on_generated_diffs(rnd: random.Random):
    _, text = fuzzkit.gen_diff(rnd)
    run_diff(text)


@SLOW
@given(st.sampled_from(fuzzkit.KIND_NAMES), st.randoms(use_true_random=False))
def test_every_kind_of_file_as_a_new_file(kind: str, rnd: random.Random):
    files = [fuzzkit.gen_file(rnd, kind)._replace(old=None) for _ in range(2)]
    files = [f._replace(new=f.new or ["x"]) for f in files]
    report = run_diff(fuzzkit.diff_text(files))
    assert not report or report["stats"]["files"] >= 1


def as_bytes(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


@GIT
@given(st.randoms(use_true_random=False))
def test_generated_changes_in_a_real_repository(rnd: random.Random):
    repo = Repo(Path(tempfile.mkdtemp(prefix="guardrails-fuzz-repo-")) / "r")
    files = fuzzkit.gen_files(rnd, 6)
    # The base's policy is ours: a generated one may be invalid, and the
    # guard's own invalid policy is an input error (exit 2) by design.
    repo.commit({**{f.path: as_bytes(f.old) for f in files if f.old is not None}, ".guardrails.yml": POLICY})
    repo.commit({f.path: None if f.new is None else as_bytes(f.new) for f in files})
    first = run_cli(["check", "--base", "HEAD~1", "--format", "json", "--no-llm"], cwd=repo.path)
    report = judged(first)
    assert first.code in (0, 1), first.err  # a real repository is never an input error
    assert report["stats"]["coverage"] == "full"
    again = run_cli(["check", "--base", "HEAD~1", "--format", "json", "--no-llm"], cwd=repo.path)
    assert stable(judged(again)) == stable(report)
