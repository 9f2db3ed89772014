"""Benchmark of the relaxed-configuration gates on real files of real projects.

Each case is a real git repository with two commits: the base holds real
configuration files taken from a fetched project (workflows, pyproject.toml,
.nycrc, .golangci.yml, a monorepo's tsconfigs ...); the change injects one
bypass of one class (BYPASSES) or makes one legitimate edit (LEGIT:
tightening, reordering, comments, unrelated keys).  Each change is judged
twice with `guardrails check --format json --no-llm`, in-process: with the
repository (`--base HEAD~1`, full coverage) and as a bare diff read from a
folder outside it (`--diff`, hunks-only coverage).  A bypass counts as found
when a finding of a relaxed-config rule sits on a line of the file it
touched; the report gives recall per class in both modes and, on the
legitimate edits, how many were blocked or escalated.

    python benchmarks/bench_gates.py [MIRRORS] [--json OUT] [--only CLASS]

MIRRORS is the folder of fetched git dirs (default /work/.mirror), laid out as
<owner>+<name>/repo (the `fetch` of the search tool); files are read with
`git show HEAD:path` at run time and copied only into temporary repositories.
Projects missing from MIRRORS are skipped with a note.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

OURS = {"suppression/relaxed-lint-config", "suppression/relaxed-type-config", "suppression/relaxed-test-config",
        "suppression/relaxed-coverage-config", "suppression/relaxed-ci"}

# (project, files) the cases are built from.
SOURCES = {
    "workflows": [
        ("pallets+flask", [".github/workflows/tests.yaml", ".github/workflows/pre-commit.yaml",
                           ".github/workflows/publish.yaml"]),
        ("spf13+cobra", [".github/workflows/test.yml"]),
        ("fastapi+fastapi", [".github/workflows/test.yml", ".github/workflows/build-docs.yml",
                             ".github/workflows/publish.yml", ".github/workflows/test-redistribute.yml"]),
        ("pytest-dev+pytest", [".github/workflows/test.yml", ".github/workflows/deploy.yml"]),
        ("honojs+middleware", [".github/workflows/ci.yml", ".github/workflows/release.yml"]),
        ("yargs+yargs", [".github/workflows/ci.yaml"]),
        ("istanbuljs+nyc", [".github/workflows/ci.yaml"]),
    ],
    "ruff": [
        ("fastapi+fastapi", ["pyproject.toml"]),
        ("pytest-dev+pytest", ["pyproject.toml"]),
    ],
    "nycrc": [("yargs+yargs", [".nycrc"])],
    "scripts": [("yargs+yargs", ["package.json"]), ("istanbuljs+nyc", ["package.json"]),
                ("pytest-dev+pytest", ["tox.ini"])],
    "tsconfig": [("honojs+middleware", ["tsconfig.base.json", "tsconfig.build.json"])],
    "golangci": [("spf13+cobra", [".golangci.yml"])],
    "vitest": [("honojs+middleware", ["vitest.config.ts"])],
}
TS_PACKAGES = 6  # hono packages whose tsconfig.build.json get the tsconfig bypasses


def git_show(mirrors: str, project: str, path: str) -> Optional[str]:
    git_dir = os.path.join(mirrors, project, "repo")
    if not os.path.isdir(git_dir):
        return None
    proc = subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def git_ls(mirrors: str, project: str) -> List[str]:
    git_dir = os.path.join(mirrors, project, "repo")
    if not os.path.isdir(git_dir):
        return []
    return subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", "HEAD"],
                          stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()


class Case(NamedTuple):
    klass: str  # bypass class, or "legit:<kind>"
    project: str
    path: str  # the file the edit touches
    before: Dict[str, str]
    after: Dict[str, str]

    @property
    def positive(self) -> bool:
        return not self.klass.startswith("legit:")


# ---------------------------------------------------------------------- workflow edits

# A step "runs a check" in this benchmark's own words (independent of the detector).
CHECK_WORDS = re.compile(
    r"\b(?:py\.?test|tox|nox|ruff|mypy|pyright|eslint|tsc|cargo\s+(?:test|check|build|clippy|fmt)|go\s+(?:test|vet|build)"
    r"|golangci-lint|make\b(?:\s+[\w-]+)?|(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?:test|lint|typecheck|build|check)[\w:-]*"
    r"|(?:uv|python[\d.]*\s+-m)\s+build|pre-commit\s+run|coverage\s+(?:run|report)"
    r"|scripts?/\S*(?:test|lint|check|build|release|verify)\S*)")


def _steps_with_checks(lines: List[str]) -> Iterator[Tuple[int, str, str]]:
    """(line index, indent of the step's keys, command) of one-line `run:` steps that run a check."""
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(-\s+)?run:\s*(\S.*)$", line)
        if not m or m.group(3).startswith(("|", ">")):
            continue
        parent = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()
                       and len(lines[j]) - len(lines[j].lstrip()) < len(m.group(1))), "")
        if parent.strip() == "with:":
            continue  # an action's input, not the step's own command
        if CHECK_WORDS.search(m.group(3)):
            yield i, m.group(1) + (" " * len(m.group(2)) if m.group(2) else ""), m.group(3)


def _job_of(lines: List[str], i: int) -> Optional[int]:
    for j in range(i, -1, -1):
        if re.match(r"^  [\w-]+:\s*$", lines[j]):
            return j
    return None


def _insert(lines: List[str], at: int, text: str) -> str:
    return "\n".join(lines[:at] + [text] + lines[at:]) + "\n"


def _block_of(lines: List[str], i: int, indent: str) -> Tuple[int, int]:
    """[start, end) of the mapping whose keys sit at INDENT and that holds line I
    (a step starts at its `- `, a job at its id)."""
    item = indent[:-2] + "- "
    lo = i
    while lo > 0 and not lines[lo].startswith(item) and not re.match(r"^  [\w-]+:\s*$", lines[lo]):
        lo -= 1
    hi = i + 1
    while hi < len(lines) and (not lines[hi].strip() or lines[hi].startswith(indent)):
        hi += 1
    return lo, hi


def _set_key(lines: List[str], i: int, indent: str, key: str, value: str) -> str:
    """KEY: VALUE in the step or job holding line I: an existing KEY is replaced
    (YAML keeps one value per key), else the line is inserted after line I."""
    lo, hi = _block_of(lines, i, indent)
    for n in range(lo, hi):
        if re.match(rf"^(?:{re.escape(indent)}|{re.escape(indent[:-2])}-\s+){re.escape(key)}\s*:", lines[n]):
            changed = list(lines)
            changed[n] = lines[n][:lines[n].index(key)] + f"{key}: {value}"
            return "\n".join(changed) + "\n"
    return _insert(lines, i + 1, f"{indent}{key}: {value}")


def wf_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    seen_jobs = set()
    for n, (i, indent, cmd) in enumerate(_steps_with_checks(lines)):
        if n >= 3:
            break
        yield "wf: step continue-on-error", _set_key(lines, i, indent, "continue-on-error", "true")
        yield "wf: step if false", _set_key(lines, i, indent, "if", "false")
        yield "wf: step if ${{ false }}", _set_key(lines, i, indent, "if", "${{ false }}")
        yield "wf: step if 0 == 1", _set_key(lines, i, indent, "if", "0 == 1")
        for tail, klass in ((" || exit 0", "wf: || exit 0"), ("; exit 0", "wf: ; exit 0"), (" || true", "wf: || true")):
            changed = list(lines)
            changed[i] = lines[i].rstrip() + tail
            yield klass, "\n".join(changed) + "\n"
        job = _job_of(lines, i)
        if job is not None and job not in seen_jobs:
            seen_jobs.add(job)
            yield "wf: job continue-on-error", _set_key(lines, job, "    ", "continue-on-error", "true")
            yield "wf: job if false", _set_key(lines, job, "    ", "if", "${{ false }}")
            yield "wf: job if 1 == 2", _set_key(lines, job, "    ", "if", "1 == 2")


def wf_legit(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    for n, (i, indent, cmd) in enumerate(_steps_with_checks(lines)):
        if n >= 2:
            break
        yield "legit: comment", _insert(lines, i, f"{indent}# keep this step in sync with the docs")
        yield "legit: step if event", _insert(lines, i + 1, f"{indent}if: github.event_name != 'schedule'")
        yield "legit: timeout", _insert(lines, i + 1, f"{indent}timeout-minutes: 30")
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(-\s+)?uses:\s*actions/(?:cache|upload-artifact|setup-\w+)@", line)
        if m:
            indent = m.group(1) + (" " * len(m.group(2)) if m.group(2) else "")
            yield "legit: continue-on-error on a setup/cache step", _insert(lines, i + 1,
                                                                             f"{indent}continue-on-error: true")
            break


# ---------------------------------------------------------------------- ruff edits

RUFF_NEW_CODES = ("B904", "S101", "E711", "PLR0913", "UP035", "F841", "W605", "C408")


def _ignore_list(lines: List[str]) -> Optional[Tuple[int, int, str]]:
    """(index of the `ignore = [` line, index of its `]`, item indent) of a one-per-line ignore list."""
    for i, line in enumerate(lines):
        if re.match(r"^\s*(?:lint\.)?(?:extend-)?ignore\s*=\s*\[\s*(?:#.*)?$", line):
            for j in range(i + 1, len(lines)):
                if lines[j].strip().startswith("]"):
                    item = next((ln for ln in lines[i + 1:j] if ln.strip().startswith('"')), '    "X",')
                    return i, j, item[:len(item) - len(item.lstrip())]
    return None


def _selected(lines: List[str]) -> List[str]:
    """The codes of the select / extend-select lists ("ALL" selects everything)."""
    out: List[str] = []
    inside = False
    for line in lines:
        if re.match(r"^\s*(?:lint\.)?(?:extend-)?select\s*=\s*\[", line):
            inside = True
        if inside:
            out += re.findall(r"\"([A-Z]+[0-9]*)\"", line.split("#")[0])
            if "]" in line.split("#")[0]:
                inside = False
    return [""] if "ALL" in out else out


def ruff_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    found = _ignore_list(lines)
    if not found:
        return
    start, end, indent = found
    selected = _selected(lines)
    for code in RUFF_NEW_CODES:
        if f'"{code}"' in text or not any(code.startswith(p) for p in selected):
            continue  # ignoring a rule that is not selected changes nothing
        yield "ruff: code added to ignore (end)", _insert(lines, end, f'{indent}"{code}",')
        yield "ruff: code added to ignore (top)", _insert(lines, start + 1, f'{indent}"{code}",  # noisy')


def ruff_legit(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    found = _ignore_list(lines)
    if not found:
        return
    start, end, indent = found
    items = [i for i in range(start + 1, end) if lines[i].strip().startswith('"')]
    if len(items) >= 2:
        swapped = list(lines)
        swapped[items[0]], swapped[items[1]] = lines[items[1]], lines[items[0]]
        yield "legit: ignore reordered", "\n".join(swapped) + "\n"
        dropped = [ln for k, ln in enumerate(lines) if k != items[-1]]
        yield "legit: code removed from ignore", "\n".join(dropped) + "\n"
    yield "legit: comment in ignore", _insert(lines, start + 1, f"{indent}# keep this list short")
    for i, line in enumerate(lines):
        if re.match(r"^\s*(?:lint\.)?(?:extend-)?select\s*=\s*\[\s*(?:#.*)?$", line):
            item_indent = lines[i + 1][:len(lines[i + 1]) - len(lines[i + 1].lstrip())]
            yield "legit: code added to select", _insert(lines, i + 1, f'{item_indent}"PERF",')
            break


# ---------------------------------------------------------------------- coverage edits

def _numbers(text: str, pattern: str) -> List[Tuple[re.Match, float]]:
    return [(m, float(m.group(2))) for m in re.finditer(pattern, text)]


NYC_KEY = r"(\"(?:lines|branches|statements|functions)\"\s*:\s*\"?)(\d+)"


def nycrc_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    for m, value in _numbers(text, NYC_KEY):
        lower = str(int(value * 2 // 3))
        yield "coverage: .nycrc threshold lowered", text[:m.start(2)] + lower + text[m.end(2):]
    if '"check-coverage"' in text:
        yield "coverage: check-coverage off", text.replace('"check-coverage": true', '"check-coverage": false')
    else:
        yield "coverage: check-coverage off", text.replace("{\n", '{\n  "check-coverage": false,\n', 1)


def nycrc_legit(text: str) -> Iterator[Tuple[str, str]]:
    for m, value in _numbers(text, NYC_KEY)[:2]:
        higher = str(min(100, int(value) + 1)) if value < 100 else str(int(value))
        if higher != m.group(2):
            yield "legit: threshold raised", text[:m.start(2)] + higher + text[m.end(2):]
    yield "legit: reporter added", text.replace('"text"', '"text",\n    "lcov"', 1)


SCRIPT_BASE = {  # a coverage command the base commit adds to the real file (the projects gate in other ways)
    "package.json": ('"scripts": {\n', '"scripts": {\n    "coverage:check": "c8 check-coverage --statements 98 '
                                        '--branches 96 --functions 98 --lines 98",\n'),
    "tox.ini": ("[testenv]\n", "[testenv]\ncoverage_commands = pytest --cov --cov-fail-under=92\n"),
}


def script_base(path: str, text: str) -> Optional[str]:
    name = path.rsplit("/", 1)[-1]
    anchor, replacement = SCRIPT_BASE.get(name, ("", ""))
    return text.replace(anchor, replacement, 1) if anchor and anchor in text else None


def script_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    for flag in ("--statements", "--branches", "--functions", "--lines", "--cov-fail-under="):
        m = re.search(re.escape(flag) + r"\s?(\d+)", text)
        if m:
            yield "coverage: script threshold lowered", text[:m.start(1)] + "67" + text[m.end(1):]


def script_legit(text: str) -> Iterator[Tuple[str, str]]:
    m = re.search(r"--branches (\d+)|--cov-fail-under=(\d+)", text)
    if m:
        g = 1 if m.group(1) else 2
        yield "legit: threshold raised", text[:m.start(g)] + "99" + text[m.end(g):]


VITEST_BASE = ("thresholds: {\n        autoUpdate: true,\n",
               "thresholds: {\n        autoUpdate: true,\n        lines: 90,\n        branches: 85,\n")


def vitest_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    yield "coverage: vitest threshold lowered", text.replace("lines: 90", "lines: 50")
    yield "coverage: vitest threshold lowered", text.replace("branches: 85", "branches: 40")


def vitest_legit(text: str) -> Iterator[Tuple[str, str]]:
    yield "legit: threshold raised", text.replace("lines: 90", "lines: 95")


# ---------------------------------------------------------------------- tsconfig and golangci

def ts_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    for flag, klass in (("strict", "tsconfig: strict false in a package"),
                        ("strictNullChecks", "tsconfig: strict member false in a package"),
                        ("noImplicitAny", "tsconfig: strict member false in a package")):
        yield klass, _ts_option(text, f'"{flag}": false')


def ts_legit(text: str) -> Iterator[Tuple[str, str]]:
    yield "legit: strict true", _ts_option(text, '"strict": true')
    yield "legit: outDir", _ts_option(text, '"declarationMap": true')


def _ts_option(text: str, option: str) -> str:
    if '"compilerOptions": {}' in text:
        return text.replace('"compilerOptions": {}', '"compilerOptions": {\n    ' + option + "\n  }", 1)
    return re.sub(r'("compilerOptions"\s*:\s*\{\n)(\s*)', lambda m: m.group(1) + m.group(2) + option + ",\n"
                  + m.group(2), text, count=1)


def golangci_bypasses(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"^\s+enable:\s*$", ln)), None)
    if start is None:
        return
    for i in range(start + 1, len(lines)):
        if not re.match(r"^\s+(?:#\s*)?-\s", lines[i]):
            break
        if re.match(r"^\s+-\s+[\w-]+\s*$", lines[i]):
            yield "golangci: linter removed from enable", "\n".join(lines[:i] + lines[i + 1:]) + "\n"
    if not re.search(r"^\s+default:\s*none|^\s+disable-all:\s*true", text, re.M):
        # (with `default: none` a disable list next to enable is a configuration error, not a bypass)
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        yield "golangci: linter added to disable", _insert(lines, start, f"{indent}disable:\n{indent}  - errcheck")


def golangci_legit(text: str) -> Iterator[Tuple[str, str]]:
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"^\s+enable:\s*$", ln)), None)
    if start is None:
        return
    item = next(ln for ln in lines[start + 1:] if re.match(r"^\s+-\s+[\w-]+\s*$", ln))
    indent = item[:len(item) - len(item.lstrip())]
    yield "legit: linter added", _insert(lines, start + 1, f"{indent}- revive")
    comment = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("#-")), None)
    if comment is not None:
        yield "legit: comment removed", "\n".join(lines[:comment] + lines[comment + 1:]) + "\n"
    items = [i for i in range(start + 1, len(lines)) if re.match(r"^\s+-\s+[\w-]+\s*$", lines[i])][:2]
    if len(items) == 2:
        swapped = list(lines)
        swapped[items[0]], swapped[items[1]] = lines[items[1]], lines[items[0]]
        yield "legit: enable reordered", "\n".join(swapped) + "\n"


# ---------------------------------------------------------------------- cases

def build_cases(mirrors: str, only: Optional[str]) -> List[Case]:
    cases: List[Case] = []

    def add(klass: str, project: str, path: str, before: Dict[str, str], after_text: str) -> None:
        if after_text == before[path] or (only and only not in klass):
            return
        cases.append(Case(klass, project, path, before, dict(before, **{path: after_text})))

    plan: List[Tuple[str, Callable, Callable]] = [
        ("workflows", wf_bypasses, wf_legit), ("ruff", ruff_bypasses, ruff_legit),
        ("nycrc", nycrc_bypasses, nycrc_legit), ("golangci", golangci_bypasses, golangci_legit),
    ]
    for group, bypasses, legit in plan:
        for project, paths in SOURCES[group]:
            for path in paths:
                text = git_show(mirrors, project, path)
                if text is None:
                    print(f"skip {project}:{path}: not in {mirrors}", file=sys.stderr)
                    continue
                for gen in (bypasses, legit):
                    for klass, after in gen(text):
                        add(klass, project, path, {path: text}, after)
    for project, paths in SOURCES["scripts"]:
        for path in paths:
            text = git_show(mirrors, project, path)
            base = script_base(path, text) if text else None
            if base is None:
                print(f"skip {project}:{path}: not in {mirrors} or no place for a coverage command", file=sys.stderr)
                continue
            for gen in (script_bypasses, script_legit):
                for klass, after in gen(base):
                    add(klass, project, path, {path: base}, after)
    for project, paths in SOURCES["vitest"]:
        for path in paths:
            text = git_show(mirrors, project, path)
            if text is None or VITEST_BASE[0] not in text:
                print(f"skip {project}:{path}", file=sys.stderr)
                continue
            base = text.replace(*VITEST_BASE)
            for gen in (vitest_bypasses, vitest_legit):
                for klass, after in gen(base):
                    add(klass, project, path, {path: base}, after)
    for project, roots in SOURCES["tsconfig"]:
        names = git_ls(mirrors, project)
        packages = sorted(p for p in names if re.match(r"^packages/[^/]+/tsconfig\.build\.json$", p))[:TS_PACKAGES]
        base = {p: git_show(mirrors, project, p) for p in list(roots) + packages}
        if any(v is None for v in base.values()) or not packages:
            print(f"skip {project}: tsconfigs not in {mirrors}", file=sys.stderr)
            continue
        for path in packages:
            for gen in (ts_bypasses, ts_legit):
                for klass, after in gen(base[path] or ""):
                    add(klass, project, path, base, after)  # type: ignore[arg-type]  # base maps to Optional[str]; the None case was skipped above
    return cases


# ---------------------------------------------------------------------- judging

ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com", GIT_CONFIG_NOSYSTEM="1")


def _git(root: str, *args: str) -> bytes:
    return subprocess.run(("git",) + args, cwd=root, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=True).stdout


def _write(root: str, files: Dict[str, str]) -> None:
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(text)


def judge(root: str, hunks_only: bool) -> dict:
    from guardrails.cli import main
    out, err = io.StringIO(), io.StringIO()
    where, args = root, ["check", "--base", "HEAD~1", "--format", "json", "--no-llm"]
    if hunks_only:
        where = root + "-outside"
        os.makedirs(where, exist_ok=True)
        patch = os.path.join(where, "change.diff")
        with open(patch, "wb") as fh:
            fh.write(_git(root, "diff", "HEAD~1", "HEAD"))
        args = ["check", "--diff", patch, "--format", "json", "--no-llm"]
    old = os.getcwd()
    try:
        os.chdir(where)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(old)
    if code not in (0, 1):
        raise RuntimeError(f"guardrails exited {code}: {err.getvalue()[-500:]}")
    return json.loads(out.getvalue())


def run_case(case: Case, tmp: str, n: int) -> Dict[str, List[dict]]:
    root = os.path.join(tmp, f"case{n}")
    os.makedirs(root)
    _git(root, "init", "-q", "-b", "main")
    _write(root, case.before)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _write(root, {case.path: case.after[case.path]})
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "change")
    out = {}
    for mode in ("full", "hunks"):
        report = judge(root, hunks_only=mode == "hunks")
        out[mode] = [f for f in report["findings"] if f["rule"] in OURS and f["path"] == case.path]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mirrors", nargs="?", default="/work/.mirror")
    ap.add_argument("--json", help="write per-case results here")
    ap.add_argument("--only", help="only classes whose name contains this")
    args = ap.parse_args()
    cases = build_cases(args.mirrors, args.only)
    if not cases:
        print("no cases: fetch the projects in SOURCES into MIRRORS first", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, case in enumerate(cases):
            found = run_case(case, tmp, n)
            rows.append({"class": case.klass, "project": case.project, "path": case.path,
                         **{f"{m}_severities": sorted(f["severity"] for f in found[m]) for m in found},
                         **{f"{m}_changes": [f["details"].get("change") for f in found[m]] for m in found}})
    classes: Dict[str, Dict[str, int]] = {}
    for row in rows:
        c = classes.setdefault(row["class"], {"n": 0, "full": 0, "hunks": 0, "full_block": 0, "hunks_block": 0})
        c["n"] += 1
        for m in ("full", "hunks"):
            sev = row[f"{m}_severities"]
            c[m] += bool(sev)
            c[f"{m}_block"] += "block" in sev
    print(f"{'class':<48} {'n':>3}  {'full':>6} {'hunks':>6}  {'block full/hunks':>16}")
    totals = {"pos": [0, 0, 0], "neg": [0, 0, 0, 0, 0]}
    for name in sorted(classes, key=lambda k: (k.startswith("legit"), k)):
        c = classes[name]
        print(f"{name:<48} {c['n']:>3}  {c['full'] / c['n']:>6.2f} {c['hunks'] / c['n']:>6.2f}  "
              f"{c['full_block']:>7}/{c['hunks_block']:<8}")
        if name.startswith("legit"):
            t = totals["neg"]
            t[0] += c["n"]
            t[1] += c["full"]
            t[2] += c["hunks"]
            t[3] += c["full_block"]
            t[4] += c["hunks_block"]
        else:
            t = totals["pos"]
            t[0] += c["n"]
            t[1] += c["full"]
            t[2] += c["hunks"]
    p, q = totals["pos"], totals["neg"]
    if p[0]:
        print(f"\nbypasses: {p[0]}, recall full {p[1] / p[0]:.3f}, hunks-only {p[2] / p[0]:.3f} "
              f"(hunks-only / full = {p[2] / max(p[1], 1):.3f})")
    if q[0]:
        print(f"legitimate edits: {q[0]}, flagged full {q[1]} (block {q[3]}), hunks-only {q[2]} (block {q[4]})")
    misses = [r for r in rows if not r["class"].startswith("legit") and not (r["full_severities"] and
                                                                              r["hunks_severities"])]
    for r in misses[:20]:
        print(f"  missed: {r['class']} {r['project']}:{r['path']} full={r['full_severities']} "
              f"hunks={r['hunks_severities']}")
    noisy = [r for r in rows if r["class"].startswith("legit") and (r["full_severities"] or r["hunks_severities"])]
    for r in noisy[:20]:
        print(f"  flagged legit: {r['class']} {r['project']}:{r['path']} full={r['full_changes']} "
              f"hunks={r['hunks_changes']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
