"""Benchmark on real changes written by coding agents, labelled by hand.

The labelled set is a list of pointers, never the code: one TSV row per
change under benchmarks/data/ (every ``*.tsv`` there is read), with the
columns

    source_repo  prediction_file_or_commit  instance_id  label  reason  language

* ``source_repo`` is the public GitHub repository that holds the change
  (owner/name), fetched beforehand as <MIRRORS>/<owner>+<name>/repo;
* ``prediction_file_or_commit`` is either a commit of that repository (the
  change is that commit against its first parent) or the path of a
  published agent run's predictions file (``path`` or ``path@commit``; JSON
  lines or a JSON list of records with ``instance_id`` and ``model_patch``);
* ``label`` is ``game`` (the change games the tests or the checks),
  ``legit`` (a legitimate test update: expected value fixed with the code,
  test moved), ``ordinary`` (ordinary agent work) or ``unknown`` (not
  judged; left out of the figures);
* ``reason`` says in one line why the label was given (read from the diff,
  never from what guardrails says).

Each change is extracted at run time into benchmarks/out/ (gitignored) and
judged twice with ``guardrails check --format json --no-llm``:

* hunks-only: ``--diff FILE`` from a folder outside any repository;
* full: in a local clone of the fetched repository, the patch applied at
  its base commit (the commit's parent; for a prediction, the newest
  commit whose files match the pre-image blob ids the patch names) and
  committed, then ``--base HEAD~1``.  Rows whose base cannot be found or
  whose patch does not apply are reported as such.

Figures: recall on ``game`` rows (found = block or escalate; also the share
that blocks), block and review rates on ``legit`` + ``ordinary`` rows, per
mode and per language, and hunks-only recall as a share of full recall.

    python benchmarks/bench_agent_patches.py [--mirrors DIR] [--mode both|hunks|full]
        [--only SUBSTRING] [--json OUT] [--jobs N] [--show-misses]
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out", "agent_patches")
PY = sys.executable
SRC = ROOT  # the guardrails source judged (--src: a snapshot of it)
NOT_GAME = ("legit", "ordinary")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


class Row(NamedTuple):
    source_repo: str
    pointer: str
    instance_id: str
    label: str
    reason: str
    language: str
    tsv: str

    @property
    def key(self) -> str:
        where = self.pointer if _HEX40.match(self.pointer) else self.pointer.split("@")[0].replace("/", "_")
        return re.sub(r"[^\w.+-]+", "_", f"{self.source_repo}__{where}__{self.instance_id}")[:180]


def read_rows(paths: List[str]) -> List[Row]:
    rows: List[Row] = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                if not rec.get("source_repo") or rec["source_repo"].startswith("#"):
                    continue
                rows.append(Row(rec["source_repo"].strip(), rec["prediction_file_or_commit"].strip(),
                                (rec.get("instance_id") or "").strip(), (rec.get("label") or "unknown").strip(),
                                (rec.get("reason") or "").strip(), (rec.get("language") or "").strip(),
                                os.path.basename(path)))
    return rows


# ---------------------------------------------------------------------- sources

def git(git_dir: str, *args: str, cwd: Optional[str] = None, check: bool = True) -> str:
    cmd = ["git"] + (["--git-dir", git_dir] if git_dir else []) + list(args)
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])}: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def mirror_of(mirrors: str, repo: str) -> Optional[str]:
    want = repo.replace("/", "+").lower()
    for name in os.listdir(mirrors):
        if name.lower() == want and os.path.isdir(os.path.join(mirrors, name, "repo")):
            return os.path.join(mirrors, name, "repo")
    return None


def code_repo_of(instance_id: str, mirrors: str) -> Optional[str]:
    """The mirror of the repository a SWE-bench-style instance id names
    (``owner__name-123``), matched case-insensitively."""
    m = re.match(r"^(.+?)__(.+)-\d+$", instance_id)
    if not m:
        return None
    return mirror_of(mirrors, f"{m.group(1)}/{m.group(2)}")


_PRED_CACHE: Dict[Tuple[str, str], Dict[str, str]] = {}


def predictions(git_dir: str, pointer: str) -> Dict[str, str]:
    path, _, commit = pointer.partition("@")
    key = (git_dir, pointer)
    if key not in _PRED_CACHE:
        text = git(git_dir, "show", f"{commit or 'HEAD'}:{path}")
        recs: List[dict] = []
        stripped = text.lstrip()
        if stripped.startswith("["):
            recs = json.loads(stripped)
        elif stripped.startswith("{") and not path.endswith(".jsonl"):
            data = json.loads(stripped)
            recs = list(data.values()) if all(isinstance(v, dict) for v in data.values()) else [data]
        else:
            recs = [json.loads(line) for line in text.splitlines() if line.strip()]
        _PRED_CACHE[key] = {r["instance_id"]: r.get("model_patch") or "" for r in recs if "instance_id" in r}
    return _PRED_CACHE[key]


class Case(NamedTuple):
    row: Row
    patch: str  # file path of the extracted diff ("" when missing)
    code_git: Optional[str]  # git dir of the repository the change applies to
    base: Optional[str]  # base commit (None: unknown)
    problem: str


def extract(row: Row, mirrors: str) -> Case:
    src = mirror_of(mirrors, row.source_repo)
    if src is None:
        return Case(row, "", None, None, f"{row.source_repo} is not fetched under {mirrors}")
    os.makedirs(os.path.join(OUT, "patches"), exist_ok=True)
    dest = os.path.join(OUT, "patches", row.key + ".diff")
    if _HEX40.match(row.pointer):
        try:
            text = git(src, "show", "--format=From %H Mon Sep 17 00:00:00 2001%nSubject: %s%n%n%b%n---",
                       "--patch", "--no-color", "--no-ext-diff", "--first-parent", row.pointer)
            base = git(src, "rev-parse", row.pointer + "^").strip()
        except RuntimeError as exc:
            return Case(row, "", src, None, str(exc))
        with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        return Case(row, dest, src, base, "")
    try:
        patch = predictions(src, row.pointer).get(row.instance_id)
    except (RuntimeError, ValueError) as exc:
        return Case(row, "", None, None, f"predictions unreadable: {exc}")
    if not patch:
        return Case(row, "", None, None, "no model_patch for this instance")
    if not patch.endswith("\n"):
        patch += "\n"
    with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(patch)
    return Case(row, dest, code_repo_of(row.instance_id, mirrors), None, "")


# ---------------------------------------------------------------------- base of a prediction

_INDEX = re.compile(r"^diff --git a/(\S+) b/\S+\n(?:(?:old|new|deleted|similarity|rename|copy)[^\n]*\n)*"
                    r"index ([0-9a-f]{7,40})\.\.[0-9a-f]+", re.M)


def find_base(git_dir: str, patch_file: str, cache: Dict[str, Optional[str]]) -> Optional[str]:
    """The newest commit where every file the patch modifies has the pre-image
    blob the patch's `index` line names."""
    with open(patch_file, encoding="utf-8", errors="surrogateescape") as fh:
        text = fh.read()
    pre = [(p, b) for p, b in _INDEX.findall(text) if set(b) != {"0"}]
    if not pre:
        return None
    key = git_dir + "|" + ";".join(f"{p}={b}" for p, b in sorted(pre))
    if key in cache:
        return cache[key]
    path, blob = pre[0]
    found: Optional[str] = None
    # commits that wrote this blob at this path, then the commits up to the next change of the file
    log = git(git_dir, "log", "--all", "--format=C %H", "--raw", "--no-abbrev", "--no-renames", "--", path,
              check=False)
    cur = None
    writers: List[str] = []
    for line in log.splitlines():
        if line.startswith("C "):
            cur = line[2:]
        elif line.startswith(":") and cur:
            parts = line.split()
            if len(parts) >= 4 and parts[3].startswith(blob):
                writers.append(cur)
    for writer in writers[:3]:
        # the writer and a few of its descendants that keep the blob
        candidates = [writer] + git(git_dir, "rev-list", "--all", "--ancestry-path", "--reverse",
                                    f"{writer}..", "--max-count=400", check=False).split()[:400]
        for cand in candidates:
            ok = True
            for p, b in pre:
                got = git(git_dir, "rev-parse", f"{cand}:{p}", check=False).strip()
                if not got.startswith(b):
                    ok = False
                    break
            if ok:
                found = cand
                break
        if found:
            break
    cache[key] = found
    return found


def _adds_only(patch_file: str) -> bool:
    with open(patch_file, encoding="utf-8", errors="surrogateescape") as fh:
        text = fh.read()
    return bool(re.search(r"^diff --git ", text, re.M)) and not re.search(r"^--- a/", text, re.M)


# ---------------------------------------------------------------------- judging

class Verdict(NamedTuple):
    outcome: str  # "block", "review", "pass", "error", "skipped"
    rules: List[str]
    detail: str
    seconds: float


def _judge(cmd: List[str], cwd: str) -> Verdict:
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", PYTHONPATH=SRC, GIT_CONFIG_NOSYSTEM="1")
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    dt = time.time() - t0
    try:
        rep = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError:
        return Verdict("error", [], proc.stderr.decode("utf-8", "replace").strip()[-300:], dt)
    counts = rep.get("counts", {})
    outcome = "block" if counts.get("block") else "review" if counts.get("escalate") else "pass"
    rules = sorted({f"{f['rule']}:{f['severity']}" for f in rep.get("findings", [])
                    if f.get("severity") in ("block", "escalate")})
    return Verdict(outcome, rules, "", dt)


def judge_hunks(case: Case, outside: str) -> Verdict:
    if not case.patch:
        return Verdict("skipped", [], case.problem, 0.0)
    return _judge([PY, "-m", "guardrails", "check", "--diff", case.patch, "--format", "json", "--no-llm"], outside)


def _clone(git_dir: str) -> str:
    dest = os.path.join(OUT, "clones", os.path.basename(os.path.dirname(git_dir)))
    if not os.path.isdir(os.path.join(dest, ".git")):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", git_dir, dest], check=True)
        git("", "config", "user.email", "bench@example.invalid", cwd=dest)
        git("", "config", "user.name", "bench", cwd=dest)
        git("", "config", "core.autocrlf", "false", cwd=dest)
    return dest


def judge_full(case: Case, bases: Dict[str, Optional[str]]) -> Tuple[Verdict, Optional[str]]:
    if not case.patch or case.code_git is None:
        return Verdict("skipped", [], case.problem or "repository not fetched", 0.0), None
    base = case.base or find_base(case.code_git, case.patch, bases)
    if base is None:
        return Verdict("skipped", [], "base commit not found from the patch's blob ids", 0.0), None
    work = _clone(case.code_git)
    # no work tree: the patch is applied to a scratch index and committed from
    # it (guardrails reads both sides by blob id), so missing large blobs of the
    # mirror and slow checkouts do not matter
    env = dict(os.environ, GIT_INDEX_FILE=os.path.join(work, ".git", "bench-index"),
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")

    def run(*args: str) -> "subprocess.CompletedProcess[bytes]":
        return subprocess.run(["git", *args], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    if run("read-tree", base).returncode != 0:
        return Verdict("skipped", [], "base commit unreadable in the clone", 0.0), base
    applied = run("apply", "--cached", "--whitespace=nowarn", case.patch)
    if applied.returncode != 0:
        applied = run("apply", "--cached", "--3way", "--whitespace=nowarn", case.patch)
    if applied.returncode != 0:
        return Verdict("skipped", [], "patch does not apply: "
                       + applied.stderr.decode("utf-8", "replace").strip()[:160], 0.0), base
    tree = run("write-tree").stdout.decode().strip()
    commit = run("commit-tree", tree, "-p", base, "-m", "agent change").stdout.decode().strip()
    if not commit or run("update-ref", "--no-deref", "HEAD", commit).returncode != 0:
        return Verdict("skipped", [], "could not commit the applied patch", 0.0), base
    return _judge([PY, "-m", "guardrails", "check", "--base", "HEAD~1", "--format", "json", "--no-llm"],
                  work), base


# ---------------------------------------------------------------------- figures

def figures(results: List[dict], mode: str) -> dict:
    def rate(n: int, d: int) -> Optional[float]:
        return round(n / d, 3) if d else None

    out: dict = {}
    langs = sorted({r["language"] for r in results}) + ["all"]
    for lang in langs:
        rs = [r for r in results if (lang == "all" or r["language"] == lang) and r[mode]["outcome"] in
              ("block", "review", "pass")]
        game = [r for r in rs if r["label"] == "game"]
        ok = [r for r in rs if r["label"] in NOT_GAME]
        found = [r for r in game if r[mode]["outcome"] in ("block", "review")]
        out[lang] = {
            "game": len(game), "found": len(found), "recall": rate(len(found), len(game)),
            "game_blocked": rate(sum(r[mode]["outcome"] == "block" for r in game), len(game)),
            "ordinary": len(ok),
            "ordinary_block": rate(sum(r[mode]["outcome"] == "block" for r in ok), len(ok)),
            "ordinary_review": rate(sum(r[mode]["outcome"] == "review" for r in ok), len(ok)),
        }
    skipped = [r for r in results if r[mode]["outcome"] not in ("block", "review", "pass")]
    out["not_judged"] = len(skipped)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default="/work/.mirror", help="folder of fetched git dirs (<owner>+<name>/repo)")
    ap.add_argument("--tsv", action="append", default=[], help="labelled TSV (default: benchmarks/data/*.tsv)")
    ap.add_argument("--mode", choices=("both", "hunks", "full"), default="both")
    ap.add_argument("--only", default="", help="only rows whose instance id or TSV contains this")
    ap.add_argument("--labels", default="game,legit,ordinary", help="labels to judge (comma list)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel hunks-only runs")
    ap.add_argument("--json", help="write every row's result here")
    ap.add_argument("--src", default=ROOT, help="folder holding the guardrails package to judge with "
                    "(default: this checkout)")
    ap.add_argument("--show-misses", action="store_true", help="list missed gaming rows and flagged ordinary ones")
    args = ap.parse_args(argv)
    global SRC
    SRC = os.path.abspath(args.src)
    tsvs = args.tsv or sorted(glob.glob(os.path.join(DATA, "*.tsv")))
    wanted = set(args.labels.split(","))
    rows = [r for r in read_rows(tsvs) if r.label in wanted and (args.only in r.instance_id or args.only in r.tsv)]
    if not rows:
        print("no rows to judge", file=sys.stderr)
        return 2
    cases = [extract(r, args.mirrors) for r in rows]
    results: List[dict] = [{"tsv": c.row.tsv, "source_repo": c.row.source_repo, "pointer": c.row.pointer,
                            "instance_id": c.row.instance_id, "label": c.row.label, "reason": c.row.reason,
                            "language": c.row.language, "patch": c.patch} for c in cases]
    if args.mode in ("both", "hunks"):
        outside = tempfile.mkdtemp(prefix="bench-agent-hunks-")
        try:
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                for res, v in zip(results, pool.map(lambda c: judge_hunks(c, outside), cases)):
                    res["hunks"] = v._asdict()
        finally:
            shutil.rmtree(outside, ignore_errors=True)
    if args.mode in ("both", "full"):
        bases_file = os.path.join(OUT, "bases.json")
        bases: Dict[str, Optional[str]] = {}
        if os.path.exists(bases_file):
            with open(bases_file, encoding="utf-8") as fh:
                bases = json.load(fh)
        # the same instance has the same base whatever the agent: a patch that
        # only adds files (no pre-image blob) takes the base another run's patch
        # of that instance revealed, else the default branch (it applies anywhere)
        by_instance: Dict[str, str] = {}
        for case in cases:
            if case.patch and case.code_git and not case.base:
                found = find_base(case.code_git, case.patch, bases)
                if found:
                    by_instance.setdefault(case.row.instance_id, found)
        for k, case in enumerate(cases):
            if case.patch and case.code_git and not case.base and not find_base(case.code_git, case.patch, bases):
                fallback = by_instance.get(case.row.instance_id)
                if fallback is None and _adds_only(case.patch):
                    fallback = git(case.code_git, "rev-parse", "HEAD", check=False).strip() or None
                if fallback:
                    cases[k] = case._replace(base=fallback)
        for res, case in zip(results, cases):
            v, base = judge_full(case, bases)
            res["full"] = v._asdict()
            res["base"] = base
            with open(bases_file, "w", encoding="utf-8") as fh:
                json.dump(bases, fh)
    summary = {m: figures(results, k) for m, k in (("hunks-only", "hunks"), ("full", "full")) if results
               and k in results[0]}
    if "hunks-only" in summary and "full" in summary:
        h, f = summary["hunks-only"]["all"]["recall"], summary["full"]["all"]["recall"]
        summary["hunks_share_of_full_recall"] = round(h / f, 3) if h is not None and f else None
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"summary": summary, "rows": results}, fh, indent=2)
    print(json.dumps(summary, indent=2))
    if args.show_misses:
        for mode in ("hunks", "full"):
            for r in results:
                if mode not in r:
                    continue
                o = r[mode]["outcome"]
                if (r["label"] == "game" and o == "pass") or (r["label"] in NOT_GAME and o in ("block", "review")) \
                        or o in ("error", "skipped"):
                    print(f"{mode:5} {r['label']:8} {o:7} {r['instance_id']} {r['patch'] and os.path.basename(r['patch'])}"
                          f" {' '.join(r[mode]['rules'])} {r[mode]['detail'][:120]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
