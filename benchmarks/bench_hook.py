"""How long the pre-commit hook takes, start-up included.

Builds a real git repository in a temporary folder (a small Python + JS
project with tests, pyproject.toml, package.json, a workflow), stages a
change, and times the hook's command as git runs it, a fresh process each
time: `python -m guardrails check --staged --stage pre-commit`.  Two
changes: a typical commit (--files files, about --lines added lines in all,
code and tests, one manifest edit) and a one-line commit.  Prints the median
and the spread of --repeat runs of each; the target is 0.2 s median for the
typical commit.  Nothing generated is executed.

    python benchmarks/bench_hook.py                # 20 files, ~300 lines, 15 runs each
    python benchmarks/bench_hook.py --repeat 31 --files 10 --lines 150
    python benchmarks/bench_hook.py --importtime   # where start-up goes (python -X importtime)
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

TARGET = 0.2
ENV = {
    "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "SEMGREP_ENABLE_VERSION_CHECK": "0",
}

PY_MODULE = '''"""Orders: {name}."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List


@dataclass
class {cls}:
    sku: str
    quantity: int
    unit_price: float

    def total(self) -> float:
        return round(self.quantity * self.unit_price, 2)


def {fn}(items: List[{cls}], discount: float = 0.0) -> float:
    subtotal = sum(item.total() for item in items)
    if discount:
        subtotal -= subtotal * discount
    return round(subtotal, 2)
'''

PY_TEST = '''from shop.{mod} import {cls}, {fn}


def test_{fn}_sums_lines():
    items = [{cls}("a", 2, 1.5), {cls}("b", 1, 4.0)]
    assert {fn}(items) == 7.0


def test_{fn}_applies_discount():
    assert {fn}([{cls}("a", 10, 1.0)], discount=0.1) == 9.0
'''

JS_MODULE = '''export function {fn}(items) {{
  return items.reduce((sum, item) => sum + item.qty * item.price, 0);
}}
'''

JS_TEST = '''import {{ {fn} }} from "./{name}";

test("{fn} sums", () => {{
  expect({fn}([{{ qty: 2, price: 3 }}])).toBe(6);
}});
'''


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=dict(os.environ, **ENV, HOME=str(repo.parent)), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _write(repo: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def build(repo: Path, modules: int) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "shop"\nversion = "1.0"\ndependencies = ["requests>=2.31"]\n',
        "package.json": '{\n  "name": "shop-web",\n  "dependencies": {"react": "^18.2.0"}\n}\n',
        ".github/workflows/ci.yml": "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                                    "    steps:\n      - run: pytest\n",
        "shop/__init__.py": "",
    }
    for i in range(modules):
        names = dict(name=f"orders{i}", cls=f"Line{i}", fn=f"order_total{i}", mod=f"orders{i}")
        files[f"shop/orders{i}.py"] = PY_MODULE.format(**names)
        files[f"tests/test_orders{i}.py"] = PY_TEST.format(**names)
        files[f"web/cart{i}.js"] = JS_MODULE.format(fn=f"cartTotal{i}")
        files[f"web/cart{i}.test.js"] = JS_TEST.format(fn=f"cartTotal{i}", name=f"cart{i}")
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _write(repo, files)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")


def typical_change(repo: Path, files: int, lines: int, seed: int = 7) -> int:
    """Edit FILES files (code, tests, one manifest), about LINES added lines."""
    rng = random.Random(seed)
    per_file = max(1, lines // files)
    added = 0
    changed: Dict[str, str] = {}
    for i in range(files - 1):
        kind = i % 4
        path = [f"shop/orders{i}.py", f"tests/test_orders{i}.py", f"web/cart{i}.js", f"web/cart{i}.test.js"][kind]
        text = (repo / path).read_text()
        extra: List[str] = []
        for j in range(per_file):
            if kind == 0:
                extra.append(f"RATE_{j} = {rng.randint(1, 99)} / 100  # tax band {j}")
            elif kind == 1:
                extra.append(f"def test_band_{j}():\n    assert round({j} * 1.5, 2) == {round(j * 1.5, 2)}")
            elif kind == 2:
                extra.append(f"export const band{j} = (x) => x * {rng.randint(1, 9)};")
            else:
                extra.append(f'test("band {j}", () => {{ expect({j} + 1).toBe({j + 1}); }});')
        changed[path] = text + "\n" + "\n".join(extra) + "\n"
        added += sum(e.count("\n") + 1 for e in extra)
    pyproject = (repo / "pyproject.toml").read_text().replace('["requests>=2.31"]', '["requests>=2.31", "rich>=13"]')
    changed["pyproject.toml"] = pyproject
    _write(repo, changed)
    _git(repo, "add", "-A")
    return added + 1


CPU: List[float] = []  # CPU seconds (user + system) of each run: steadier than wall time on a busy machine


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_hook(repo: Path, repeat: int) -> List[float]:
    cmd = [sys.executable, "-m", "guardrails", "check", "--staged", "--stage", "pre-commit"]
    env = dict(os.environ, **ENV, HOME=str(repo.parent))
    env.pop("VIRTUAL_ENV", None)
    # An installed guardrails has its bytecode compiled (pip does it); this
    # checkout may be run with PYTHONDONTWRITEBYTECODE, which would time the
    # compiler instead.  The bytecode goes to a cache of the benchmark's own.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(repo.parent / "pycache")
    subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    times = []
    CPU.clear()
    for _ in range(repeat):
        cpu = _cpu()
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - started)
        CPU.append(_cpu() - cpu)
        if proc.returncode == 2:
            raise SystemExit(f"guardrails failed: {proc.stderr.decode()}")
    return times


def describe(label: str, times: List[float]) -> str:
    times = sorted(times)
    return (f"{label}: median {statistics.median(times):.3f} s wall (min {times[0]:.3f}, max {times[-1]:.3f}, "
            f"{len(times)} runs), median {statistics.median(CPU):.3f} s CPU (git included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--modules", type=int, default=40, help="size of the generated project (x4 files)")
    parser.add_argument("--importtime", action="store_true", help="print the slowest imports of one run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guardrails-bench-hook-") as tmp:
        repo = Path(tmp) / "repo"
        build(repo, args.modules)
        added = typical_change(repo, args.files, args.lines)
        typical = time_hook(repo, args.repeat)
        typical_line = describe(f"typical commit ({args.files} files, +{added} lines)", typical)
        if args.importtime:
            env = dict(os.environ, PYTHONPYCACHEPREFIX=str(repo.parent / "pycache"))
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "guardrails", "check", "--staged",
                                   "--stage", "pre-commit"], cwd=repo, capture_output=True, text=True, env=env)
            rows = [ln.split("|") for ln in proc.stderr.splitlines() if ln.startswith("import time:")][1:]
            rows = sorted(rows, key=lambda r: -int(r[1].strip()))[:15]
            print("slowest imports (cumulative microseconds):")
            for r in rows:
                print(f"  {r[1].strip():>8}  {r[2].rstrip()}")
        _git(repo, "commit", "-q", "-m", "typical", "--no-verify")
        (repo / "shop/orders0.py").write_text((repo / "shop/orders0.py").read_text() + "LIMIT = 10\n")
        _git(repo, "add", "-A")
        one = time_hook(repo, args.repeat)
        one_line = describe("one-line commit", one)
    print(f"load average: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")
    print(typical_line)
    print(one_line)
    ok = statistics.median(typical) < TARGET
    print(f"target {TARGET} s median on the typical commit: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
