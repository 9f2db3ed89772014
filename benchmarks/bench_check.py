#!/usr/bin/env python3
"""Speed of `guardrails check` on a big change (issue 11's targets for
100,000 added lines without --deep: at most half the time it took before
(1.5 s as a subprocess, 1.24 s in-process), at most a quarter of semgrep's
time on the same change in the same run (--semgrep), under 300 MB).

Builds, in a temporary folder, a real git repository with a base commit
(an existing project: Python, JS/TS, Go, Rust, manifests, CI config) and a
change commit that adds --lines lines (default 100,000) across many files in
Python, JavaScript, TypeScript, Go, Rust, TOML, YAML and Markdown, with
Python and JavaScript tests, plus edits to existing files and manifests.  The code is generated from
realistic templates and carries a few hundred suppression comments
(`# noqa`, `# type: ignore`, `// eslint-disable-line`, `// @ts-ignore`,
`//nolint`, `# nosec`, `# pragma: no cover`...), so the checks have
something to find.  Nothing in it is executed.

Then it times `guardrails check --base <base> --format json --no-llm`
in-process and as a subprocess (best of --repeat, default 3), and
in-process with every family in one process (no worker processes), and
prints seconds, files, lines, findings and peak RSS.  --profile prints the
cProfile hot spots of one in-process run.

Usage:
  python benchmarks/bench_check.py [--lines 100000] [--repeat 3] [--deep] [--semgrep]
                                   [--profile] [--keep DIR] [--json OUT]
Exit code: 0 when every run finished (whatever the time), 1 when guardrails
failed (exit 2) on the generated change.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET_SECONDS = 0.75  # subprocess; half of the 1.5 s measured before worker processes
TARGET_SEMGREP_RATIO = 0.25
SEED = 20240521

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}

WORDS = ("user order invoice item price total cache session token account report record batch queue "
         "payload config metric event message handler client server request response buffer index "
         "window frame node edge graph path route limit offset cursor page result status").split()


# --------------------------------------------------------------------------
# Code generators.  Each returns the file's lines (without newlines); the
# Sprinkler decides where suppression comments go.


class Sprinkler:
    """Adds a suppression comment to about RATE of the lines it is offered."""

    def __init__(self, rng: random.Random, rate: float):
        self.rng = rng
        self.rate = rate
        self.count = 0

    def maybe(self, line: str, choices: Tuple[str, ...]) -> str:
        if line.strip() and self.rng.random() < self.rate:
            self.count += 1
            return f"{line}  {self.rng.choice(choices)}"
        return line


PY_SUPPRESS = ("# noqa", "# noqa: E501", "# noqa: F401", "# type: ignore", "# type: ignore[attr-defined]",
               "# nosec", "# nosec B101", "# pragma: no cover", "# pylint: disable=broad-except")
JS_SUPPRESS = ("// eslint-disable-line", "// eslint-disable-line no-console", "// @ts-ignore",
               "/* istanbul ignore next */", "// eslint-disable-line @typescript-eslint/no-explicit-any")
GO_SUPPRESS = ("//nolint", "//nolint:errcheck", "// #nosec G104", "//nolint:gosec // legacy")
RS_SUPPRESS = ("// #[allow(clippy::unwrap_used)]",)


def _name(rng: random.Random, parts: int = 2) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def _camel(rng: random.Random, parts: int = 2) -> str:
    words = [rng.choice(WORDS) for _ in range(parts)]
    return words[0] + "".join(w.title() for w in words[1:])


def gen_python(rng: random.Random, target: int, sp: Sprinkler) -> List[str]:
    out = ['"""Generated service module."""', "from __future__ import annotations", "",
           "import json", "import logging", "from dataclasses import dataclass, field",
           "from typing import Any, Dict, List, Optional", "", "log = logging.getLogger(__name__)", "", ""]
    while len(out) < target:
        cls = _camel(rng).title()
        out += ["@dataclass", f"class {cls}:", f'    """A {cls} record."""', "",
                f"    {_name(rng)}: int = 0", f"    {_name(rng)}: str = \"\"",
                f"    {_name(rng)}: List[str] = field(default_factory=list)", ""]
        for _ in range(rng.randint(2, 5)):
            fn, arg, var = _name(rng), _name(rng, 1), _name(rng, 1)
            body = [
                f"    def {fn}(self, {arg}: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:",
                f'        """Compute {fn.replace("_", " ")}."""',
                f"        {var} = dict({arg} or {{}})",
                f"        for key, value in sorted({var}.items()):",
                "            if value is None:",
                "                continue",
                "            log.debug(\"%s=%r\", key, value)",
                f"        result = {{\"{fn}\": len({var}), \"payload\": json.dumps({var}, sort_keys=True)}}",
                "        try:",
                f"            result[\"score\"] = sum(int(v) for v in {var}.values() if str(v).isdigit())",
                "        except ValueError as exc:",
                "            log.warning(\"bad value: %s\", exc)",
                "        return result",
                "",
            ]
            out += [sp.maybe(line, PY_SUPPRESS) for line in body]
        out.append("")
    return out[:target]


def gen_js(rng: random.Random, target: int, sp: Sprinkler, ts: bool) -> List[str]:
    t = (lambda s: s) if ts else (lambda s: "")
    out = ["'use strict';", "", "import { EventEmitter } from 'events';", "", ""]
    while len(out) < target:
        cls = _camel(rng).title().replace("_", "")
        out += [f"export class {cls}Service extends EventEmitter {{",
                f"  constructor(options{t(': Record<string, unknown>')} = {{}}) {{",
                "    super();", "    this.options = options;", "    this.cache = new Map();", "  }", ""]
        for _ in range(rng.randint(2, 5)):
            fn = _camel(rng)
            body = [
                f"  async {fn}(input{t(': unknown[]')}){t(': Promise<number>')} {{",
                "    const items = Array.isArray(input) ? input : [];",
                "    let total = 0;",
                "    for (const item of items) {",
                "      if (item == null) continue;",
                "      total += Number(item) || 0;",
                f"      console.log('{fn}', item);",
                "    }",
                f"    this.cache.set('{fn}', total);",
                f"    this.emit('{fn}', {{ total, count: items.length }});",
                "    return total;",
                "  }",
                "",
            ]
            out += [sp.maybe(line, JS_SUPPRESS) for line in body]
        out += ["}", ""]
    return out[:target]


def gen_go(rng: random.Random, target: int, sp: Sprinkler) -> List[str]:
    out = ["package service", "", "import (", '\t"encoding/json"', '\t"errors"', '\t"fmt"', '\t"os"', ")", ""]
    while len(out) < target:
        typ = _camel(rng).title().replace("_", "")
        out += [f"// {typ} is a generated record.", f"type {typ} struct {{", "\tID    int    `json:\"id\"`",
                "\tName  string `json:\"name\"`", "\tItems []string", "}", ""]
        for _ in range(rng.randint(2, 4)):
            fn = _camel(rng).title().replace("_", "")
            body = [
                f"func (r *{typ}) {fn}(path string) (int, error) {{",
                "\tdata, err := os.ReadFile(path)",
                "\tif err != nil {",
                f"\t\treturn 0, fmt.Errorf(\"{fn}: %w\", err)",
                "\t}",
                "\tvar values []int",
                "\tif err := json.Unmarshal(data, &values); err != nil {",
                "\t\treturn 0, errors.New(\"bad json\")",
                "\t}",
                "\ttotal := 0",
                "\tfor _, v := range values {",
                "\t\ttotal += v",
                "\t}",
                "\tos.Remove(path + \".tmp\")",
                "\treturn total, nil",
                "}",
                "",
            ]
            out += [sp.maybe(line, GO_SUPPRESS) for line in body]
    return out[:target]


def gen_rust(rng: random.Random, target: int, sp: Sprinkler) -> List[str]:
    out = ["use std::collections::HashMap;", ""]
    while len(out) < target:
        fn = _name(rng)
        body = [f"pub fn {fn}(input: &[i64]) -> HashMap<String, i64> {{",
                "    let mut out = HashMap::new();",
                "    for (i, v) in input.iter().enumerate() {",
                "        out.insert(format!(\"k{}\", i), v * 2);",
                "    }",
                f"    out.insert(\"{fn}\".to_string(), input.iter().sum());",
                "    out", "}", ""]
        out += [sp.maybe(line, RS_SUPPRESS) if "insert" in line else line for line in body]
    return out[:target]


def gen_toml(rng: random.Random, target: int) -> List[str]:
    out = ["# Generated service settings"]
    while len(out) < target:
        out += [f"[{_name(rng)}]", f'name = "{_name(rng)}"', f"timeout = {rng.randint(1, 120)}",
                f"retries = {rng.randint(0, 5)}", f'tags = ["{rng.choice(WORDS)}", "{rng.choice(WORDS)}"]', ""]
    return out[:target]


def gen_yaml(rng: random.Random, target: int) -> List[str]:
    out = ["# Generated deployment settings", "services:"]
    while len(out) < target:
        out += [f"  {_name(rng)}:", f"    image: registry.example.com/{rng.choice(WORDS)}:{rng.randint(1, 9)}.0",
                f"    replicas: {rng.randint(1, 6)}", "    env:", f"      LOG_LEVEL: {rng.choice(['info', 'debug'])}",
                f"      TIMEOUT: \"{rng.randint(1, 60)}\""]
    return out[:target]


def gen_markdown(rng: random.Random, target: int) -> List[str]:
    out = ["# Service notes", ""]
    while len(out) < target:
        out += [f"## {_name(rng).replace('_', ' ').title()}", "",
                f"The {rng.choice(WORDS)} handler reads the {rng.choice(WORDS)} and writes a {rng.choice(WORDS)}.",
                "", "```python", f"result = service.{_name(rng)}({{'a': 1}})", "```", ""]
    return out[:target]


def gen_pytest(rng: random.Random, target: int, sp: Sprinkler) -> List[str]:
    out = ['"""Generated tests."""', "import pytest", "", "from src.app.core import add, sub", "", ""]
    k = 0
    while len(out) < target:
        k += 1
        a, b = rng.randint(-50, 50), rng.randint(-50, 50)
        body = [f"def test_{_name(rng)}_{k}():", f"    assert add({a}, {b}) == {a + b}",
                f"    assert sub({a}, {b}) == {a - b}", ""]
        if rng.random() < 0.1:
            body = [f"@pytest.mark.parametrize('x', [{a}, {b}, {a + b}])", f"def test_{_name(rng)}_{k}(x):",
                    "    assert add(x, 0) == x", "    assert sub(x, x) == 0", ""]
        out += [sp.maybe(line, PY_SUPPRESS) if "assert" in line else line for line in body]
        out.append("")
    return out[:target]


def gen_jstest(rng: random.Random, target: int, sp: Sprinkler) -> List[str]:
    out = ["import { describe, it, expect } from 'vitest';", "import { add } from '../src/math';", ""]
    while len(out) < target:
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        body = [f"describe('{_camel(rng)}', () => {{", f"  it('adds {a} and {b}', () => {{",
                f"    expect(add({a}, {b})).toBe({a + b});", "  });", "});", ""]
        out += [sp.maybe(line, JS_SUPPRESS) if "expect" in line else line for line in body]
    return out[:target]


# (kind, folder, share of the lines, file name pattern)
MIX: Tuple[Tuple[str, str, float, str], ...] = (
    ("py", "src/app", 0.33, "{name}_{i:03d}.py"), ("pytest", "tests", 0.05, "test_{name}_{i:03d}.py"),
    ("js", "web/src", 0.12, "{name}_{i:03d}.js"), ("jstest", "web/test", 0.04, "{name}_{i:03d}.test.js"),
    ("ts", "web/ts", 0.12, "{name}_{i:03d}.ts"), ("go", "svc", 0.14, "{name}_{i:03d}.go"),
    ("rs", "native/src", 0.05, "{name}_{i:03d}.rs"), ("toml", "config", 0.05, "{name}_{i:03d}.toml"),
    ("yaml", "deploy", 0.05, "{name}_{i:03d}.yaml"), ("md", "docs", 0.05, "{name}_{i:03d}.md"),
)


def _generate(kind: str, rng: random.Random, n: int, sp: Sprinkler) -> List[str]:
    gens: Dict[str, Callable[[], List[str]]] = {
        "py": lambda: gen_python(rng, n, sp), "js": lambda: gen_js(rng, n, sp, ts=False),
        "ts": lambda: gen_js(rng, n, sp, ts=True), "go": lambda: gen_go(rng, n, sp),
        "rs": lambda: gen_rust(rng, n, sp), "toml": lambda: gen_toml(rng, n), "yaml": lambda: gen_yaml(rng, n),
        "md": lambda: gen_markdown(rng, n), "pytest": lambda: gen_pytest(rng, n, sp),
        "jstest": lambda: gen_jstest(rng, n, sp),
    }
    return gens[kind]()


BASE_FILES = {
    "pyproject.toml": ('[project]\nname = "bench-app"\nversion = "1.0.0"\ndependencies = [\n'
                       '    "requests>=2.31",\n    "pyyaml>=6.0",\n]\n\n[project.optional-dependencies]\n'
                       'test = ["pytest>=8"]\n\n[tool.ruff]\nline-length = 100\n'),
    "package.json": ('{\n  "name": "bench-web",\n  "version": "1.0.0",\n  "dependencies": {\n'
                     '    "react": "^18.2.0"\n  },\n  "devDependencies": {\n    "eslint": "^8.57.0",\n'
                     '    "vitest": "^1.6.0"\n  }\n}\n'),
    "go.mod": "module example.com/bench\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
    ".github/workflows/ci.yml": ("name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                                "      - uses: actions/checkout@v4\n      - run: make test\n"),
    "tests/test_app.py": ("from src.app.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"),
    "src/app/core.py": ("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"),
}


def _added(numstat: str) -> int:
    return sum(int(row.split("\t")[0]) for row in numstat.splitlines() if row.split("\t")[0].isdigit())


def build_repo(path: str, total_lines: int, files_per_kind: int, rng: random.Random) -> Dict[str, Any]:
    """Create the repository; return facts about the change."""
    env = dict(os.environ, **GIT_ENV)

    def git(*args: str) -> str:
        return subprocess.run(("git",) + args, cwd=path, env=env, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE).stdout.decode().strip()

    def write(rel: str, text: str) -> None:
        full = os.path.join(path, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    os.makedirs(path, exist_ok=True)
    git("init", "-q", "-b", "main")
    for rel, text in BASE_FILES.items():
        write(rel, text)
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    base = git("rev-parse", "HEAD")

    # Edits to existing files first (a new dependency, a relaxed lint
    # setting, a changed function), so the generated files can make up the
    # rest of the exact total.
    write("pyproject.toml", BASE_FILES["pyproject.toml"].replace(
        '    "pyyaml>=6.0",\n', '    "pyyaml>=6.0",\n    "httpx>=0.27",\n').replace(
        "line-length = 100\n", "line-length = 100\nignore = [\"E501\"]\n"))
    write("package.json", BASE_FILES["package.json"].replace(
        '"react": "^18.2.0"\n', '"react": "^18.2.0",\n    "left-pad": "^1.3.0"\n'))
    write("src/app/core.py", BASE_FILES["src/app/core.py"] + "\n\ndef mul(a, b):  # noqa\n    return a * b\n")
    git("add", "-A")
    edits = _added(git("diff", "--cached", "--numstat"))

    # A few hundred suppressions in 100,000 lines: about 1 line in 330 of
    # the code files carries one.
    sp = Sprinkler(rng, rate=1 / 330)
    written = 0
    files = 0
    budget = total_lines - edits
    for kind, folder, share, pattern in MIX:
        lines_for_kind = int(budget * share)
        per_file = max(1, lines_for_kind // files_per_kind)
        for i in range(files_per_kind):
            n = per_file if i < files_per_kind - 1 else lines_for_kind - per_file * (files_per_kind - 1)
            if n <= 0:
                continue
            lines = _generate(kind, rng, n, sp)
            write(f"{folder}/{pattern.format(name=_name(rng), i=i)}", "\n".join(lines) + "\n")
            written += len(lines)
            files += 1
    # Top up to the exact total (shares are rounded down).
    short = budget - written
    if short > 0:
        lines = _generate("py", rng, short, sp)
        write("src/app/zz_topup.py", "\n".join(lines) + "\n")
        written += len(lines)
        files += 1
    git("add", "-A")
    git("commit", "-q", "-m", "big change")
    added = _added(git("diff", "--numstat", base, "HEAD"))
    return {"base": base, "files_changed": files + 3, "added_lines": added, "suppressions": sp.count + 1}


# --------------------------------------------------------------------------
# Timing


def run_in_process(repo: str, args: List[str], profile: bool = False) -> Tuple[float, int, str, str]:
    sys.path.insert(0, ROOT)
    from guardrails.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    prof = cProfile.Profile() if profile else None
    try:
        os.chdir(repo)
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if prof:
                prof.enable()
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
            finally:
                if prof:
                    prof.disable()
        elapsed = time.perf_counter() - started
    finally:
        os.chdir(old)
    if prof:
        stats = pstats.Stats(prof, stream=sys.stdout)
        print("\n--- cProfile, in-process run, by cumulative time (top 30) ---")
        stats.sort_stats("cumulative").print_stats(30)
        print("--- by own time (top 25) ---")
        stats.sort_stats("tottime").print_stats(25)
    return elapsed, code, out.getvalue(), err.getvalue()


def run_one_process(repo: str, args: List[str]) -> Tuple[float, int, str, str]:
    """In-process, every family in this process one after another (no
    worker processes): the time on a single core."""
    sys.path.insert(0, ROOT)
    from guardrails import workers

    saved = workers.WORKER_BYTES
    workers.WORKER_BYTES = 1 << 62
    try:
        return run_in_process(repo, args)
    finally:
        workers.WORKER_BYTES = saved


def run_semgrep(repo: str, base: str) -> Tuple[float, int, int]:
    """semgrep alone on the same change: our rule pack over the files the
    change adds or modifies (what a semgrep-based gate would scan), no
    metrics, no version check.  (seconds, exit code, files)."""
    names = subprocess.run(["git", "diff", "--name-only", "--diff-filter=AMR", base, "HEAD"], cwd=repo,
                           stdout=subprocess.PIPE, check=True).stdout.decode().split("\n")
    targets = [n for n in names if n and os.path.isfile(os.path.join(repo, n))]
    exe = os.path.join(os.path.dirname(sys.executable), "semgrep")
    if not os.path.exists(exe):
        exe = shutil.which("semgrep") or "semgrep"
    pack = os.path.join(ROOT, "guardrails", "semgrep", "rules")
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    started = time.perf_counter()
    proc = subprocess.run([exe, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
                           "--no-git-ignore", "--oss-only", "--config", pack, *targets], cwd=repo, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - started, proc.returncode, len(targets)


# Bytecode of the subprocess runs, kept outside the checkout: an installed
# package has its .pyc files (pip compiles them), so a run that compiled
# every module from source (PYTHONDONTWRITEBYTECODE) would time the
# compiler, not the gate.
_PYCACHE = tempfile.mkdtemp(prefix="guardrails-bench-pycache-")


def run_subprocess(repo: str, args: List[str]) -> Tuple[float, int, str, str]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONPYCACHEPREFIX=_PYCACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "guardrails", *args], cwd=repo, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    return elapsed, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def time_change_stage(repo: str, base: str, repeat: int) -> float:
    """Stage 1 only (guardrails.change), best of REPEAT: the part every
    check family builds on."""
    sys.path.insert(0, ROOT)
    from guardrails import change

    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        cs = change.from_revisions(base, "HEAD", cwd=repo)
        cs.added_line_count()
        for f in cs.files:
            f.old_text()
            f.new_text()
        best = min(best, time.perf_counter() - started)
    return best


def _summary(stdout: str) -> Dict[str, Any]:
    try:
        report = json.loads(stdout)
    except ValueError:
        return {}
    by_rule: Dict[str, int] = {}
    for f in report.get("findings", []):
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    return {"verdict": report.get("verdict"), "findings": len(report.get("findings", [])),
            "stats": report.get("stats", {}), "by_rule": by_rule, "notes": report.get("notes", [])}


def _rss_mb(who: int) -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="added lines in the change (default 100000)")
    parser.add_argument("--files-per-kind", type=int, default=32,
                        help="files per kind of file (10 kinds; default 32)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind; the best counts (default 3)")
    parser.add_argument("--deep", action="store_true", help="also pass --deep (ruff/mypy)")
    parser.add_argument("--semgrep", action="store_true",
                        help="also time semgrep alone (our pack) on the change's files, in the same run")
    parser.add_argument("--profile", action="store_true", help="print cProfile hot spots of one in-process run")
    parser.add_argument("--keep", metavar="DIR", help="build the repository in DIR and keep it")
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON to OUT")
    opts = parser.parse_args(argv)

    rng = random.Random(SEED)
    tmp = None
    if opts.keep:
        repo = os.path.abspath(opts.keep)
        if os.path.exists(repo):
            shutil.rmtree(repo)
    else:
        tmp = tempfile.mkdtemp(prefix="guardrails-bench-")
        repo = os.path.join(tmp, "repo")
    try:
        t0 = time.perf_counter()
        facts = build_repo(repo, opts.lines, opts.files_per_kind, rng)
        print(f"repository: {repo}  (built in {time.perf_counter() - t0:.1f} s)")
        print(f"change: {facts['files_changed']} files, {facts['added_lines']} added lines, "
              f"{facts['suppressions']} suppression comments")
        args = ["check", "--base", str(facts["base"]), "--format", "json", "--no-llm"]
        if opts.deep:
            args.append("--deep")

        results: Dict[str, List[float]] = {"in-process": [], "subprocess": [], "one process": [], "semgrep": []}
        last: Dict[str, Tuple[int, str, str]] = {}
        semgrep_files = 0
        for _ in range(max(1, opts.repeat)):
            for kind, fn in (("in-process", run_in_process), ("subprocess", run_subprocess),
                             ("one process", run_one_process)):
                elapsed, code, out, err = fn(repo, args)
                results[kind].append(elapsed)
                last[kind] = (code, out, err)
            if opts.semgrep:
                elapsed, sg_code, semgrep_files = run_semgrep(repo, str(facts["base"]))
                results["semgrep"].append(elapsed)
        stage = time_change_stage(repo, str(facts["base"]), max(1, opts.repeat))
        failed = False
        for kind, (code, out, err) in last.items():
            if code not in (0, 1):
                failed = True
                print(f"{kind}: guardrails exited {code}: {err.strip()[:500]}")
        summary = _summary(last["in-process"][1])
        best_in, best_sub = min(results["in-process"]), min(results["subprocess"])
        rss_in, rss_sub = _rss_mb(resource.RUSAGE_SELF), _rss_mb(resource.RUSAGE_CHILDREN)
        stats = summary.get("stats", {}) if summary else {}
        print(f"in-process: best {best_in:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in results['in-process'])})"
              f"  peak RSS {rss_in:.0f} MB (this process, includes the repository build)")
        print(f"subprocess (bytecode cached): best {best_sub:.2f} s  "
              f"(runs: {', '.join(f'{t:.2f}' for t in results['subprocess'])})"
              f"  peak RSS {rss_sub:.0f} MB (largest child: git or guardrails)")
        best_one = min(results["one process"])
        print(f"in-process, one process (no workers): best {best_one:.2f} s  "
              f"(runs: {', '.join(f'{t:.2f}' for t in results['one process'])})")
        best_sg = min(results["semgrep"]) if results["semgrep"] else None
        if best_sg is not None:
            print(f"semgrep alone, our pack on the {semgrep_files} changed files: best {best_sg:.2f} s  "
                  f"(runs: {', '.join(f'{t:.2f}' for t in results['semgrep'])}); guardrails / semgrep: "
                  f"in-process {best_in / best_sg:.2f}, subprocess {best_sub / best_sg:.2f}")
        print(f"change stage alone (get + parse the diff, count lines, read every old/new text): "
              f"best {stage:.2f} s")
        if summary:
            print(f"report: verdict {summary['verdict']}, {summary['findings']} findings, "
                  f"files {stats.get('files')}, lines added {stats.get('lines_added')}, "
                  f"pipeline seconds {stats.get('seconds')}, coverage {stats.get('coverage')}, "
                  f"workers {stats.get('workers')}")
            print(f"family seconds: {stats.get('family_seconds')}")
            top = sorted(summary["by_rule"].items(), key=lambda kv: -kv[1])[:12]
            print("findings by rule: " + ", ".join(f"{r} {n}" for r, n in top))
            for note in summary["notes"]:
                print(f"note: {note}")
        same = _summary(last["one process"][1]).get("by_rule") == summary.get("by_rule")
        print(f"one process gives the same findings as the workers: {'yes' if same else 'NO'}")
        failed = failed or not same
        if opts.deep:
            print("targets: n/a (--deep)")
        else:
            print(f"target subprocess <= {TARGET_SECONDS} s: {'met' if best_sub <= TARGET_SECONDS else 'NOT met'}"
                  f" ({best_sub:.2f} s)")
            if best_sg is not None:
                ratio = best_sub / best_sg
                print(f"target <= {TARGET_SEMGREP_RATIO} of semgrep's time: "
                      f"{'met' if ratio <= TARGET_SEMGREP_RATIO else 'NOT met'} ({ratio:.2f})")
        if opts.profile:
            run_in_process(repo, args, profile=True)
        if opts.json:
            with open(opts.json, "w", encoding="utf-8") as f:
                json.dump({"lines": facts["added_lines"], "files": facts["files_changed"],
                           "suppressions": facts["suppressions"], "in_process_best": best_in,
                           "subprocess_best": best_sub, "change_stage_best": stage,
                           "one_process_best": best_one, "semgrep_best": best_sg,
                           "workers": stats.get("workers"), "family_seconds": stats.get("family_seconds"),
                           "in_process_runs": results["in-process"],
                           "subprocess_runs": results["subprocess"], "rss_mb_in_process": rss_in,
                           "rss_mb_subprocess": rss_sub, "findings": summary.get("findings"),
                           "by_rule": summary.get("by_rule"), "deep": opts.deep}, f, indent=2)
        return 1 if failed else 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(_PYCACHE, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
