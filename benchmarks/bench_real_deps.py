#!/usr/bin/env python3
"""Benchmark the dependency family on real commits that add dependencies.

Input: ``shared/corpus/real-dep-commits.tsv`` (repo, commit, manifest path,
ecosystem, added packages, note) and a folder of clones, one per repository,
named ``owner+name`` (a bare mirror ``owner+name/repo`` as the ``fetch``
tool leaves it, or a normal clone), ``owner/name`` or ``name``.

For each commit it runs ``guardrails check --base <commit>^ --head <commit>
--format json`` (offline unless --online) and reports, per listed package,
whether a ``dependency/*`` finding names it (found) or not (missed), and
every dependency finding that names a package not in the list (false).
A bare mirror is checked through a throw-away ``git clone --shared
--no-checkout`` (no files are written but git metadata) in a temp folder.

With ``--names DIR`` it measures instead how often the look-alike check
fires on real, non-popular package names: DIR holds ``pypi.tsv`` and
``npm.tsv`` (one package a line, the name first, a header line first); every
name not in the shipped popular list (or a seeded random SAMPLE of them) is
matched, and the report gives, per ecosystem, the share matched, the kind of
difference (typo / plural / separator / affix / digit), and the share
blocked offline before weak matches were escalated (every match blocked) and
after (plural- or separator-only matches of targets ranked after
names.WEAK_TARGETS escalated).

Usage:
  python benchmarks/bench_real_deps.py --clones /work/.mirror [--corpus TSV] [--json OUT]
  python benchmarks/bench_real_deps.py --names /work/.library/env/packages [--sample N]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "real-dep-commits.tsv")


def norm(eco: str, name: str) -> str:
    name = name.strip()
    if eco == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name.lower()


def find_clone(folder: str, repo: str) -> Optional[str]:
    owner, name = repo.split("/", 1)
    for cand in (f"{owner}+{name}/repo", f"{owner}+{name}", f"{owner}/{name}", name, f"{owner}__{name}"):
        path = os.path.join(folder, cand)
        if os.path.isdir(path):
            return path
    return None


def work_repo(path: str, tmp: str) -> str:
    """A repository guardrails can run in: the clone itself, or a shared no-checkout clone of a bare one."""
    bare = subprocess.run(["git", "-C", path, "rev-parse", "--is-bare-repository"],
                          capture_output=True, text=True).stdout.strip() == "true"
    if not bare:
        return path
    target = os.path.join(tmp, os.path.basename(os.path.dirname(path.rstrip("/"))) or "repo")
    if not os.path.isdir(target):
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", path, target], check=True)
    return target


def has_commit(path: str, commit: str) -> bool:
    return subprocess.run(["git", "-C", path, "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True).returncode == 0


def run_check(path: str, commit: str, online: bool) -> Tuple[dict, float, str]:
    cmd = [sys.executable, "-m", "guardrails", "check", "--base", f"{commit}^", "--head", commit,
           "--format", "json", "--no-llm"]
    if online:
        cmd.append("--online")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=path, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        return {}, took, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
    return json.loads(proc.stdout), took, ""


def time_family(path: str, commit: str) -> float:
    """Seconds the dependency family alone takes on the commit (in-process, offline)."""
    sys.path.insert(0, ROOT)
    from guardrails import change as change_mod
    from guardrails.checks import dependency
    from guardrails.model import Context, Options

    ch = change_mod.from_revisions(f"{commit}^", commit, cwd=path)
    ctx = Context(options=Options(), settings=dict(dependency.CONFIG_SCHEMA), warn=lambda _m: None)
    start = time.perf_counter()
    list(dependency.check(ch, ctx))
    return time.perf_counter() - start


def finding_names(f: dict) -> List[str]:
    d = f.get("details") or {}
    out = []
    for key in ("package", "packages", "name", "action", "repo", "module", "command"):
        v = d.get(key)
        if isinstance(v, str) and v:
            out.append(v)
        elif isinstance(v, list):
            out.extend(str(x) for x in v)
    return out


def names_match(expected: str, eco: str, f: dict) -> bool:
    e = norm(eco, expected)
    for n in finding_names(f):
        if norm(eco, n) == e:
            return True
        # "actions/upload-artifact@<sha>" vs details "actions/upload-artifact"; maven group:artifact.
        if e.split("@")[0] == norm(eco, n).split("@")[0]:
            return True
    msg = (f.get("message") or "").lower()
    hay = " ".join([msg, (f.get("evidence") or "").lower()] + [n.lower() for n in finding_names(f)])
    if bool(e) and e in msg:
        return True
    # Installer rows of the corpus: "curl <url> | sh" -> the URL; "apt-get:curl" -> apt-get + curl;
    # "npm i" -> the command.
    urls = re.findall(r"https?://\S+", expected)
    if urls:
        return all(u.lower() in hay for u in urls)
    if re.match(r"^[\w-]+:[\w.@/-]+$", expected) and eco in ("docker",):
        tool, _, pkg = expected.partition(":")
        return tool.lower() in hay and re.search(rf"(^|[^\w-]){re.escape(pkg.lower())}([^\w-]|$)", hay) is not None
    if eco == "docker" and " " in expected:
        return expected.lower() in hay
    return False


def names_report(folder: str, sample: int, seed: int = 1) -> None:
    """Look-alike matches on real non-popular names (see the module docstring)."""
    import random
    from collections import Counter

    sys.path.insert(0, ROOT)
    from guardrails.checks.dependency import names as N

    for eco in ("pypi", "npm"):
        path = os.path.join(folder, f"{eco}.tsv")
        if not os.path.exists(path):
            print(f"{eco}: no {path}")
            continue
        popular = N.rank(eco)
        with open(path, encoding="utf-8") as f:
            next(f, None)
            all_names = dict.fromkeys(N.normalise(eco, ln.split("\t", 1)[0]) for ln in f if ln.strip())
        pool = [n for n in all_names if n and n not in popular]
        if sample and sample < len(pool):
            pool = random.Random(seed).sample(pool, sample)
        start = time.perf_counter()
        hits = [h for h in (N.lookalike(eco, n) for n in pool) if h is not None]
        took = time.perf_counter() - start
        kinds = Counter(h.kind for h in hits)
        weak = [h for h in hits if h.weak]
        total = len(pool) or 1
        print(f"{eco}: {len(pool)} real non-popular names ({took:.0f}s); matched {len(hits)} "
              f"({100 * len(hits) / total:.2f}%): " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        print(f"  blocked offline before: {len(hits)} ({100 * len(hits) / total:.2f}%); after: "
              f"{len(hits) - len(weak)} ({100 * (len(hits) - len(weak)) / total:.2f}%), "
              f"escalated instead: {len(weak)}")
        for kind in ("plural", "separator"):
            ranks = [h.target_rank for h in hits if h.kind == kind]
            top = sum(r <= N.WEAK_TARGETS for r in ranks)
            print(f"  {kind}-only: {len(ranks)}, of which {top} resemble a top-{N.WEAK_TARGETS} name (still blocked)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", help="folder with pypi.tsv / npm.tsv: measure look-alike matches on real names")
    ap.add_argument("--sample", type=int, default=0, help="with --names: match a random sample of this size")
    ap.add_argument("--clones", help="folder of clones (owner+name[/repo])")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--online", action="store_true", help="let the check ask the registries")
    ap.add_argument("--json", help="write the full results here")
    args = ap.parse_args(argv)
    if args.names:
        names_report(args.names, args.sample)
        return 0
    if not args.clones:
        ap.error("--clones (or --names) is required")

    rows = []
    with open(args.corpus, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows.append(r)
    by_commit: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
    for r in rows:
        by_commit[(r["repo"], r["commit"])].append(r)

    found: List[Tuple[str, str, str]] = []
    missed: List[Tuple[str, str, str, str]] = []
    false: List[Tuple[str, str, str, str, str]] = []
    skipped: List[Tuple[str, str, str]] = []
    times: List[float] = []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-deps-") as tmp:
        for (repo, commit), group in by_commit.items():
            clone = find_clone(args.clones, repo)
            expected = [(r["ecosystem"], n.strip()) for r in group for n in r["added_packages"].split(",") if n.strip()]
            if clone is None or not has_commit(clone, commit):
                why = "no clone" if clone is None else "commit not in clone"
                skipped.append((repo, commit, why))
                for eco, n in expected:
                    missed.append((repo, commit[:10], n, why))
                continue
            path = work_repo(clone, tmp)
            report, took, err = run_check(path, commit, args.online)
            if not err:
                try:
                    took = time_family(path, commit)
                except Exception as exc:  # timing is a side figure; never fail the run on it
                    print(f"timing failed for {repo} {commit[:10]}: {exc}", file=sys.stderr)
            times.append(took)
            if err:
                skipped.append((repo, commit, err))
                for eco, n in expected:
                    missed.append((repo, commit[:10], n, f"check failed: {err}"))
                continue
            deps = [f for f in report.get("findings", []) if f["rule"].startswith("dependency/")]
            matched = set()
            for eco, n in expected:
                hits = [i for i, f in enumerate(deps) if names_match(n, eco, f)]
                matched.update(hits)
                if hits:
                    found.append((repo, commit[:10], n))
                else:
                    missed.append((repo, commit[:10], n, "no finding names it"))
            for i, f in enumerate(deps):
                if i not in matched:
                    false.append((repo, commit[:10], f["rule"], ",".join(finding_names(f)) or "?",
                                  f"{f['path']}:{f['line']} {f['message'][:140]}"))
            results.append({"repo": repo, "commit": commit, "seconds": round(took, 2),
                            "expected": [n for _, n in expected],
                            "findings": [{"rule": f["rule"], "severity": f["severity"], "path": f["path"],
                                          "line": f["line"], "names": finding_names(f),
                                          "evidence": f.get("evidence", ""),
                                          "message": f["message"]} for f in deps]})

    total = len(found) + len(missed)
    print(f"commits: {len(by_commit)} ({len(skipped)} not checked); listed packages: {total}")
    print(f"found: {len(found)}  missed: {len(missed)}  false findings: {len(false)}")
    if times:
        print(f"dependency family time per commit: median {sorted(times)[len(times) // 2]:.2f}s, "
              f"max {max(times):.2f}s")
    if skipped:
        print("\nnot checked:")
        for repo, commit, why in skipped:
            print(f"  {repo} {commit[:10]}: {why}")
    if missed:
        print("\nmissed:")
        for repo, commit, n, why in missed:
            print(f"  {repo} {commit} {n}: {why}")
    if false:
        print("\nfindings naming a package not in the list:")
        for repo, commit, rule, names, where in false:
            print(f"  {repo} {commit} {rule} [{names}] {where}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"found": found, "missed": missed, "false": false, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
