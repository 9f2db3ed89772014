#!/usr/bin/env python3
"""The long fuzz run: at least 100,000 generated inputs through the diff
parser and every check family, in-process, without starting semgrep, ruff
or mypy per input.

Each input is one generated document (tests/fuzzkit.py, seeded): a git
unified diff, a plain `diff -u` or a `git format-patch` series of 1-4 files
(manifests, lockfiles, workflows, tool configs, source in every supported
language, odd paths and characters), damaged in about a third of the cases.
It is judged as `guardrails check --diff - --format json --no-llm` by
`guardrails.cli.main` in a folder outside any repository whose policy turns
semgrep off (test_stub.semgrep: false; --deep and --online are off, so no
tool and no network is used).  `git rev-parse` is skipped (there is no
repository), so no process starts per input.

Properties checked on every input: no exception escapes; the exit code is
0, 1 or 2; a 2 comes with exactly one line "guardrails: error: ..."; the
JSON report parses and matches guardrails/schema/report-v1.schema.json;
and, on every --recheck-th input, a second run gives the same report.
Failing inputs are written to --out (default benchmarks/out/fuzz/).

Usage:
  python benchmarks/bench_fuzz.py [--inputs 100000] [--seed 11] [--workers 2]
                                  [--recheck 50] [--out DIR]
Exit code 0 when no input broke a property, 1 otherwise.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import traceback
from typing import Any, Dict, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

POLICY = "test_stub:\n  semgrep: false\n"


def _stable(report: Dict[str, Any]) -> Dict[str, Any]:
    report = dict(report)
    report["stats"] = {k: v for k, v in report["stats"].items() if k not in ("seconds", "family_seconds")}
    return report


def _run(main: Any, data: bytes) -> Tuple[Any, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["check", "--diff", "-", "--format", "json", "--no-llm"])
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def _problem(validator: Any, code: Any, out: str, err: str) -> str:
    if code not in (0, 1, 2):
        return f"exit code {code!r}"
    if "Traceback" in err or "Traceback" in out:
        return "traceback"
    if code == 2:
        lines = err.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("guardrails: error: "):
            return f"exit 2 without one error line: {err[:300]!r}"
        return ""
    try:
        report = json.loads(out)
    except ValueError as exc:
        return f"report is not JSON: {exc}"
    errors = sorted(validator.iter_errors(report), key=str)
    if errors:
        return f"report does not match the schema: {errors[0].message[:300]}"
    if report["exit_code"] != code:
        return "exit code differs from the report's"
    return ""


def worker(args: Tuple[int, int, int, int, str]) -> Dict[str, Any]:
    first, count, seed, recheck, out_dir = args
    import jsonschema

    import fuzzkit
    from guardrails import git
    from guardrails.cli import main

    git.toplevel = lambda cwd=None: None  # type: ignore[assignment]  # no repository: no `git rev-parse` per input
    with open(os.path.join(ROOT, "guardrails", "schema", "report-v1.schema.json"), encoding="utf-8") as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    work = tempfile.mkdtemp(prefix="guardrails-fuzz-")
    with open(os.path.join(work, ".guardrails.yml"), "w", encoding="utf-8") as f:
        f.write(POLICY)
    os.chdir(work)
    stats: Dict[str, Any] = {"inputs": 0, "files": 0, "codes": {0: 0, 1: 0, 2: 0}, "kinds": {}, "rules": {},
                             "failures": [], "rechecked": 0, "seconds": 0.0}
    started = time.perf_counter()
    for n in range(first, first + count):
        rnd = random.Random(seed * 1_000_003 + n)
        kind, data = "generator", b""
        try:
            kind, text = fuzzkit.gen_diff(rnd)
            data = text.encode("utf-8", "surrogateescape")
            code, out, err = _run(main, data)
            problem = _problem(validator, code, out, err)
            if not problem and recheck and n % recheck == 0:
                stats["rechecked"] += 1
                again = _run(main, data)
                if again[0] != code or (code != 2 and _stable(json.loads(again[1])) != _stable(json.loads(out))) \
                        or (code == 2 and again[2] != err):
                    problem = "not deterministic"
        except Exception:  # a property broken: recorded, the run goes on
            code, out, err = -1, "", ""
            problem = "exception: " + traceback.format_exc()[-1500:]
        stats["inputs"] += 1
        stats["kinds"][kind] = stats["kinds"].get(kind, 0) + 1
        if code in (0, 1, 2):
            stats["codes"][code] += 1
        if code in (0, 1) and not problem:
            report = json.loads(out)
            stats["files"] += report["stats"]["files"]
            for finding in report["findings"]:
                stats["rules"][finding["rule"]] = stats["rules"].get(finding["rule"], 0) + 1
        if problem:
            path = os.path.join(out_dir, f"input-{seed}-{n}.patch")
            with open(path, "wb") as f:
                f.write(data)
            stats["failures"].append({"input": n, "kind": kind, "problem": problem, "saved": path})
    stats["seconds"] = time.perf_counter() - started
    stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recheck", type=int, default=50, help="re-run every Nth input for determinism (0: never)")
    parser.add_argument("--chunk", type=int, default=2_000)
    parser.add_argument("--out", default=os.path.join(HERE, "out", "fuzz"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    jobs = [(first, min(args.chunk, args.inputs - first), args.seed, args.recheck, args.out)
            for first in range(0, args.inputs, args.chunk)]
    started = time.perf_counter()
    total: Dict[str, Any] = {"inputs": 0, "files": 0, "codes": {0: 0, 1: 0, 2: 0}, "kinds": {}, "rules": {},
                             "failures": [], "rechecked": 0, "peak_rss_mb": 0.0}
    # A fresh process per chunk keeps a leak in one chunk from hiding in the average.
    with multiprocessing.get_context("spawn").Pool(args.workers, maxtasksperchild=1) as pool:
        for stats in pool.imap_unordered(worker, jobs):
            total["inputs"] += stats["inputs"]
            total["files"] += stats["files"]
            total["rechecked"] += stats["rechecked"]
            total["peak_rss_mb"] = max(total["peak_rss_mb"], stats["peak_rss_mb"])
            for code, c in stats["codes"].items():
                total["codes"][int(code)] += c
            for key in ("kinds", "rules"):
                for name, c in stats[key].items():
                    total[key][name] = total[key].get(name, 0) + c
            total["failures"].extend(stats["failures"])
            print(f"  {total['inputs']:>7,} inputs, {len(total['failures'])} failing, "
                  f"{time.perf_counter() - started:7.1f} s", flush=True)
    seconds = time.perf_counter() - started
    print(f"\n{total['inputs']:,} generated inputs ({total['files']:,} files judged) in {seconds:.0f} s "
          f"with {args.workers} workers, seed {args.seed}")
    print(f"exit codes: 0 = {total['codes'][0]:,}, 1 = {total['codes'][1]:,}, 2 = {total['codes'][2]:,}; "
          f"re-run for determinism: {total['rechecked']:,}; peak RSS per worker {total['peak_rss_mb']:.0f} MB")
    print("inputs by kind: " + ", ".join(f"{k} {v:,}" for k, v in sorted(total["kinds"].items())))
    print("findings by rule: " + ", ".join(f"{k} {v:,}" for k, v in sorted(total["rules"].items(), key=lambda kv: -kv[1])))
    if total["failures"]:
        print(f"\n{len(total['failures'])} inputs broke a property (saved in {args.out}):")
        for failure in total["failures"][:20]:
            print(f"  input {failure['input']} ({failure['kind']}): {failure['problem'][-600:]}")
        return 1
    print("no input broke a property")
    return 0


if __name__ == "__main__":
    sys.exit(main())
