#!/usr/bin/env python3
"""What the cross-model reviewer costs on real commits of public repositories.

Runs the whole pipeline (``guardrails check --base <sha>^ --head <sha>
--format json``) on ordinary (human-authored) commits and on agent-authored
commits of real repositories, and reports which share of the changes needed
any LLM call, the requests, the tokens and the estimated cost per change
(mean, median, p95), and which rules cause the calls.

Input: a folder of snapshots as the search tool's ``fetch`` leaves them
(``/work/.mirror/owner+name/repo``, a git directory).  Each repository is
cloned from there into ``benchmarks/clones/owner+name`` (gitignored; fetched
content is never committed) unless the clone is already there.

Selection (deterministic, the default branch of each snapshot): the newest
non-merge, non-root commits.  A commit is agent-authored when its author or
committer, or a trailer of its message, carries one of the agent signatures
of ``shared/corpus/agent-signatures.md`` (account ids and emails such as
``198982749+Copilot``, ``noreply@anthropic.com``, ``codex@openai.com``,
``cursoragent``; ``Co-authored-by:`` / ``Assisted-by:`` trailers naming an
agent; "Generated with Claude Code"); every other commit is ordinary.
``--ordinary N`` (default 300) ordinary commits are taken as N / repos per
repository (the remainder from the first ones), ``--agent N`` (default 50)
agent commits round-robin over the repositories, newest first.

The reviewer: the benchmark starts its own recorded-answer server on
127.0.0.1 that speaks ``POST /v1/chat/completions``.  Each change gets its own
base URL (``http://127.0.0.1:PORT/c/<n>/v1``) so requests are attributed to
changes even with ``--jobs 2``.  The server reads the finding ids (the
32-hex-digit fingerprints) out of the request, answers
``{"decisions": [{"id": ..., "decision": "allow", "confidence": 0.9,
"rationale": ...}]}`` as a chat completion, and puts in ``usage``
prompt_tokens = (characters of the request body) / 4 and completion_tokens =
(characters of the answer) / 4 -- a token estimate, not a tokenizer count.
Every request is recorded.  The checks run with ``--reviewer`` for each of
``--model`` (default ``gpt-4o-mini`` then ``gemini-2.0-flash``, so that a
change written by an OpenAI model still has a reviewer of another family),
``--reviewer-base-url`` and ``--reviewer-api-key-env`` (a dummy key, never a
real one).  Cost = tokens x the price of the model that answered (default
gpt-4o-mini $0.15 / M input, $0.60 / M output; gemini-2.0-flash $0.10 /
$0.40).

Modes: ``--mode reviewer`` needs the reviewer stage (``--reviewer`` in
``guardrails check --help`` and a top-level ``"review"`` object in the JSON
report); ``--mode no-llm`` runs ``--no-llm`` and counts the escalated
findings per change (each change with one would need a call); ``--mode auto``
(default) probes the reviewer on a small repository and picks.

Usage:
  python benchmarks/bench_review_cost.py [--mirrors /work/.mirror]
      [--repos fastapi/fastapi,pallets/flask,...] [--ordinary 300] [--agent 50]
      [--mode auto|reviewer|no-llm] [--jobs 2] [--json OUT] [--top 12] [--src DIR]
Exit code: 0 when every change was checked, 1 when guardrails failed (exit 2
or a timeout) on some change, 2 on bad input (no snapshot, too few commits).
"""
from __future__ import annotations

import argparse
import collections
import http.server
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLONES = os.path.join(HERE, "clones")
DEFAULT_REPOS = ("fastapi/fastapi", "pallets/flask", "pytest-dev/pytest", "encode/httpx", "psf/black", "pypa/pip")
DEFAULT_MODELS = ("gpt-4o-mini", "gemini-2.0-flash")
# USD per million tokens (input, output): published list prices of small models.
PRICES = {"gpt-4o-mini": (0.15, 0.60), "gemini-2.0-flash": (0.10, 0.40)}
FALLBACK_PRICE = (0.15, 0.60)
KEY_ENV = "GUARDRAILS_BENCH_REVIEW_KEY"
TIMEOUT = 600
SCAN = 4000  # newest commits of the default branch looked at per repository

GIT_ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")

# Agent signatures (shared/corpus/agent-signatures.md): identities (author or
# committer "name <email>") and message lines.  Account ids and emails, not
# bare names: people named Claude, Devin or Jules are not agents.
AGENT_IDENTITY = re.compile(
    r"\(aider\)|noreply@anthropic\.com|claude\[bot\]|codex@openai\.com|noreply@openai\.com"
    r"|\+copilot@users\.noreply|copilot-swe-agent|cursoragent|ai@cursor\.sh|grok@x\.ai"
    r"|devin-ai-integration\[bot\]|google-labs-jules\[bot\]|gemini-cli\[bot\]|gemini-cli@google\.com"
    r"|gemini-code-assist\[bot\]|sweep-ai\[bot\]|factory-droid\[bot\]|amp@ampcode\.com|kiro\.dev"
    r"|crush@charm\.land|opencode@users", re.I)
AGENT_TRAILER = re.compile(
    r"^\s*(?:co-authored-by|assisted-by)\s*:?\s*.*\b(?:claude|codex|chatgpt|openai|copilot|cursor|windsurf"
    r"|gemini|jules|devin ai|aider|amp|opencode|kiro|grok|glm|kimi)\b", re.I | re.M)
AGENT_MESSAGE = re.compile(
    r"generated with \[?(?:claude code|codebuff)|generated with assistance from openai codex"
    r"|chatgpt\.com/codex/tasks|^aider: |^made-with: cursor|^amp-thread-id:", re.I | re.M)
# How the request names the findings: "### Finding <id>" headers, the
# "Decide these N finding(s): a, b" line, the repair's "these ids: a, b.";
# failing those, any run of 12 to 64 hex digits (a fingerprint or its prefix).
ID_LISTS = re.compile(r"(?:^### Finding |finding\(s\): |these ids: )([0-9A-Za-z_, -]+)", re.M)
HEX_ID = re.compile(r"\b[0-9a-f]{12,64}\b")


class Commit(NamedTuple):
    repo: str
    sha: str
    kind: str  # "ordinary" or "agent"
    author: str
    subject: str


class Outcome(NamedTuple):
    commit: Commit
    exit_code: int
    seconds: float
    escalated: Tuple[Tuple[str, str], ...]  # (rule, fingerprint) of every escalated finding
    review_state: str
    error: str = ""


class Request(NamedTuple):
    change: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    ids: Tuple[str, ...]
    chars: int


# --------------------------------------------------------------------------
# The recorded-answer server.


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: List[Request] = []
        self.unexpected: List[str] = []

    def add(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)


def make_handler(recorder: Recorder) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            recorder.unexpected.append("GET " + self.path)
            self.reply(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            match = re.match(r"^/c/([^/]+)/v1/chat/completions$", self.path)
            if not match:
                recorder.unexpected.append("POST " + self.path)
                self.reply(404, {"error": {"message": "not found"}})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if isinstance(m, dict))
            listed = [i.strip() for group in ID_LISTS.findall(text) for i in group.split(",")]
            ids = tuple(dict.fromkeys(i for i in listed if i)) or tuple(dict.fromkeys(HEX_ID.findall(text)))
            decisions = [{"id": i, "decision": "allow", "confidence": 0.9,
                          "rationale": "Recorded answer: the change explains this and it is legitimate."}
                         for i in ids]
            content = json.dumps({"decisions": decisions})
            model = str(body.get("model", ""))
            prompt_tokens = max(1, len(raw) // 4)
            completion_tokens = max(1, len(content) // 4)
            recorder.add(Request(match.group(1), model, prompt_tokens, completion_tokens, ids, len(raw)))
            self.reply(200, {
                "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens},
            })

        def reply(self, status: int, payload: Dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def start_server(recorder: Recorder) -> Tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(recorder))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


# --------------------------------------------------------------------------
# Repositories and commits.


def git(cwd: str, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True,
                          text=True, errors="replace").stdout


def ensure_clone(mirrors: str, repo: str) -> str:
    name = repo.replace("/", "+")
    source = os.path.join(mirrors, name, "repo")
    if not os.path.isdir(source):
        raise ValueError(f"no snapshot of {repo} at {source} (fetch it first)")
    target = os.path.join(CLONES, name)
    if not os.path.isdir(os.path.join(target, ".git")):
        os.makedirs(CLONES, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--no-checkout", source, target], env=GIT_ENV, check=True)
    return target


def is_agent(identities: str, message: str) -> bool:
    return bool(AGENT_IDENTITY.search(identities) or AGENT_TRAILER.search(message)
                or AGENT_MESSAGE.search(message))


def list_commits(repo: str, clone: str) -> List[Commit]:
    out = git(clone, "log", "--no-merges", f"-n{SCAN}", "--format=%H%x1f%P%x1f%an <%ae>%x1f%cn <%ce>%x1f%B%x1e",
              "HEAD")
    commits: List[Commit] = []
    for record in out.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) < 5 or not fields[1].strip():
            continue  # root commit
        sha, _parents, author, committer, message = fields[:5]
        kind = "agent" if is_agent(author + "\n" + committer, message) else "ordinary"
        commits.append(Commit(repo, sha, kind, author, message.strip().split("\n", 1)[0][:80]))
    return commits


def select(per_repo: Dict[str, List[Commit]], ordinary: int, agent: int) -> List[Commit]:
    repos = list(per_repo)
    chosen: List[Commit] = []
    share, extra = divmod(ordinary, len(repos))
    for index, repo in enumerate(repos):
        want = share + (1 if index < extra else 0)
        chosen += [c for c in per_repo[repo] if c.kind == "ordinary"][:want]
    queues = {repo: [c for c in per_repo[repo] if c.kind == "agent"] for repo in repos}
    picked: List[Commit] = []
    while len(picked) < agent and any(queues.values()):
        for repo in repos:
            if queues[repo] and len(picked) < agent:
                picked.append(queues[repo].pop(0))
    return chosen + picked


# --------------------------------------------------------------------------
# Running the pipeline.


def check_command(base: str, head: str, mode: str, port: int, key: str, models: Sequence[str]) -> List[str]:
    command = [sys.executable, "-m", "guardrails", "check", "--base", base, "--head", head, "--format", "json"]
    if mode == "no-llm":
        return command + ["--no-llm"]
    for model in models:
        command += ["--reviewer", model]
    return command + ["--reviewer-base-url", f"http://127.0.0.1:{port}/c/{key}/v1",
                      "--reviewer-api-key-env", KEY_ENV]


SOURCE = [ROOT]  # where `python -m guardrails` is imported from (--src)


def run_env() -> Dict[str, str]:
    env = dict(GIT_ENV)
    env[KEY_ENV] = "bench-dummy-key"
    env["PYTHONPATH"] = SOURCE[0] + os.pathsep + env.get("PYTHONPATH", "")
    return env


def escalated_of(report: Dict[str, Any]) -> Tuple[Tuple[str, str], ...]:
    out = []
    for finding in report.get("findings", []):
        if finding.get("waived"):
            continue
        if finding.get("severity") == "escalate" or finding.get("review"):
            out.append((finding.get("rule", "?"), finding.get("fingerprint", "")))
    return tuple(out)


def review_state(report: Dict[str, Any]) -> str:
    review = report.get("review")
    if not isinstance(review, dict):
        return "-"
    return str(review.get("state") or review.get("status") or "present")


def run_one(index: int, commit: Commit, clone: str, mode: str, port: int, models: Sequence[str]) -> Outcome:
    command = check_command(commit.sha + "^", commit.sha, mode, port, str(index), models)
    start = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=clone, env=run_env(), capture_output=True, text=True,
                              errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return Outcome(commit, -1, time.monotonic() - start, (), "-", f"timeout after {TIMEOUT} s")
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        return Outcome(commit, proc.returncode, seconds, (), "-", (proc.stderr.strip().splitlines() or ["?"])[-1])
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        last = (proc.stderr.strip().splitlines() or ["no stderr"])[-1]
        return Outcome(commit, proc.returncode, seconds, (), "-", f"the JSON report did not parse ({last[:200]})")
    return Outcome(commit, proc.returncode, seconds, escalated_of(report), review_state(report))


def probe_reviewer(port: int, recorder: Recorder, models: Sequence[str]) -> Tuple[bool, str]:
    """Is the reviewer stage there?  Its flags in --help, and a top-level
    "review" object in the JSON report of a change with one escalation."""
    env = run_env()
    helptext = subprocess.run([sys.executable, "-m", "guardrails", "check", "--help"], env=env,
                              capture_output=True, text=True).stdout
    if "--reviewer" not in helptext:
        return False, "guardrails check has no --reviewer flag"
    with tempfile.TemporaryDirectory(prefix="bench-review-probe") as work:
        ident = {"GIT_AUTHOR_NAME": "Probe", "GIT_AUTHOR_EMAIL": "probe@example.com",
                 "GIT_COMMITTER_NAME": "Probe", "GIT_COMMITTER_EMAIL": "probe@example.com"}
        genv = dict(GIT_ENV, **ident)
        for args in (["init", "-q"], ):
            subprocess.run(["git", *args], cwd=work, env=genv, check=True)
        with open(os.path.join(work, "app.py"), "w") as handle:
            handle.write("import os\n\n\ndef home():\n    return os.getcwd()\n")
        subprocess.run(["git", "add", "app.py"], cwd=work, env=genv, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=work, env=genv, check=True)
        with open(os.path.join(work, "app.py"), "a") as handle:
            handle.write("\n\nVALUE = os.environ.get('X')  # noqa: SIM112\n")
        subprocess.run(["git", "commit", "-q", "-am", "change"], cwd=work, env=genv, check=True)
        command = check_command("HEAD~1", "HEAD", "reviewer", port, "probe", models)
        proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return False, f"the probe's report did not parse (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"
    if not isinstance(report.get("review"), dict):
        return False, "the JSON report has no top-level \"review\" object"
    asked = [r for r in recorder.requests if r.change == "probe"]
    return True, f"reviewer stage present (probe: {len(asked)} request(s), state {review_state(report)})"


# --------------------------------------------------------------------------
# Figures.


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def spread(values: Sequence[float]) -> Dict[str, float]:
    return {"mean": statistics.fmean(values) if values else 0.0,
            "median": statistics.median(values) if values else 0.0,
            "p95": percentile(values, 0.95), "max": max(values) if values else 0.0}


def price_of(model: str) -> Tuple[float, float]:
    return PRICES.get(model, FALLBACK_PRICE)


def summarise(outcomes: List[Outcome], requests: List[Request], mode: str) -> Dict[str, Any]:
    by_change: Dict[str, List[Request]] = collections.defaultdict(list)
    for request in requests:
        by_change[request.change].append(request)
    groups: Dict[str, Dict[str, Any]] = {}
    for kind in ("ordinary", "agent", "all"):
        rows = [(i, o) for i, o in enumerate(outcomes) if kind == "all" or o.commit.kind == kind]
        ok = [(i, o) for i, o in rows if not o.error]
        reqs = [len(by_change.get(str(i), [])) for i, _ in ok]
        tok_in = [sum(r.prompt_tokens for r in by_change.get(str(i), [])) for i, _ in ok]
        tok_out = [sum(r.completion_tokens for r in by_change.get(str(i), [])) for i, _ in ok]
        cost = [sum(r.prompt_tokens * price_of(r.model)[0] + r.completion_tokens * price_of(r.model)[1]
                    for r in by_change.get(str(i), [])) / 1e6 for i, _ in ok]
        escalated = [len(o.escalated) for _, o in ok]
        needing = sum(1 for n in (reqs if mode == "reviewer" else escalated) if n)
        groups[kind] = {
            "changes": len(rows), "errors": len(rows) - len(ok),
            "with_escalation": sum(1 for n in escalated if n),
            "needing_call": needing, "share_needing_call": needing / len(ok) if ok else 0.0,
            "escalated_findings": spread([float(n) for n in escalated]),
            "requests": spread([float(n) for n in reqs]), "tokens_in": spread([float(n) for n in tok_in]),
            "tokens_out": spread([float(n) for n in tok_out]), "cost_usd": spread(cost),
            "total_cost_usd": sum(cost), "seconds": spread([o.seconds for _, o in ok]),
        }
    rules: Dict[str, Dict[str, int]] = collections.defaultdict(lambda: {"findings": 0, "changes": 0,
                                                                         "ordinary_changes": 0, "agent_changes": 0,
                                                                         "asked": 0})
    asked_ids = {i for r in requests for i in r.ids}

    def asked(fingerprint: str) -> bool:  # the request may name a finding by a prefix of its fingerprint
        return any(fingerprint.startswith(i) for i in asked_ids)

    for outcome in outcomes:
        seen = set()
        for rule, fingerprint in outcome.escalated:
            rules[rule]["findings"] += 1
            rules[rule]["asked"] += bool(fingerprint) and asked(fingerprint)
            if rule not in seen:
                seen.add(rule)
                rules[rule]["changes"] += 1
                rules[rule][outcome.commit.kind + "_changes"] += 1
    return {"groups": groups, "rules": dict(sorted(rules.items(), key=lambda kv: -kv[1]["changes"]))}


def money(value: float) -> str:
    return f"${value:.5f}"


def print_report(summary: Dict[str, Any], outcomes: List[Outcome], mode: str, models: Sequence[str],
                 note: str, top: int, requests: List[Request]) -> None:
    print(f"mode: {mode} ({note})")
    if mode == "reviewer":
        prices = ", ".join(f"{m} ${price_of(m)[0]}/M in, ${price_of(m)[1]}/M out" for m in models)
        print(f"reviewers: {', '.join(models)}; prices assumed: {prices}; tokens = characters / 4 (estimate)")
    for kind in ("ordinary", "agent", "all"):
        g = summary["groups"][kind]
        print(f"\n{kind}: {g['changes']} changes ({g['errors']} errors); "
              f"{g['with_escalation']} with an escalated finding; "
              f"{g['needing_call']} needed an LLM call ({100 * g['share_needing_call']:.1f} %)")
        print(f"  escalated findings per change: mean {g['escalated_findings']['mean']:.2f}, "
              f"median {g['escalated_findings']['median']:.0f}, p95 {g['escalated_findings']['p95']:.0f}, "
              f"max {g['escalated_findings']['max']:.0f}")
        if mode == "reviewer":
            for label, key, fmt in (("requests", "requests", "{:.2f}"), ("tokens in", "tokens_in", "{:.0f}"),
                                    ("tokens out", "tokens_out", "{:.0f}")):
                s = g[key]
                print(f"  {label} per change: mean {fmt.format(s['mean'])}, median {fmt.format(s['median'])}, "
                      f"p95 {fmt.format(s['p95'])}, max {fmt.format(s['max'])}")
            c = g["cost_usd"]
            print(f"  cost per change: mean {money(c['mean'])}, median {money(c['median'])}, "
                  f"p95 {money(c['p95'])}, max {money(c['max'])}; total {money(g['total_cost_usd'])}")
        s = g["seconds"]
        print(f"  seconds per change: mean {s['mean']:.2f}, median {s['median']:.2f}, p95 {s['p95']:.2f}")
    print(f"\nrules behind the escalations (changes with the rule: ordinary / agent; findings{'; asked' if mode == 'reviewer' else ''}):")
    for rule, r in list(summary["rules"].items())[:top]:
        asked = f"; {r['asked']} asked" if mode == "reviewer" else ""
        print(f"  {rule:46} {r['ordinary_changes']:4d} / {r['agent_changes']:3d}   {r['findings']:5d} findings{asked}")
    by_change: Dict[str, List[Request]] = collections.defaultdict(list)
    for request in requests:
        by_change[request.change].append(request)
    costly = sorted(((sum(r.prompt_tokens * price_of(r.model)[0] + r.completion_tokens * price_of(r.model)[1]
                          for r in by_change.get(str(i), [])) / 1e6, i) for i in range(len(outcomes))), reverse=True)
    shown = [(cost, i) for cost, i in costly[:5] if cost > 0 or outcomes[i].escalated]
    if shown:
        print("\nmost expensive changes (cost; requests; tokens in; escalated findings):")
    for cost, i in shown:
        o, reqs = outcomes[i], by_change.get(str(i), [])
        print(f"  {money(cost)}  {len(reqs):3d} req  {sum(r.prompt_tokens for r in reqs):7d} tok  "
              f"{len(o.escalated):4d}  {o.commit.kind:8} {o.commit.repo}@{o.commit.sha[:12]} {o.commit.subject[:60]}")
    errors = [o for o in outcomes if o.error]
    for o in errors[:20]:
        print(f"error: {o.commit.repo}@{o.commit.sha[:12]}: exit {o.exit_code}: {o.error}")
    if mode == "reviewer":
        states = collections.Counter(o.review_state for o in outcomes)
        print("review states: " + ", ".join(f"{k} {v}" for k, v in states.most_common()))
        unmatched = sum(1 for r in requests if not r.ids)
        if unmatched:
            print(f"warning: {unmatched} request(s) named no finding id")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", default="/work/.mirror")
    parser.add_argument("--repos", default=",".join(DEFAULT_REPOS))
    parser.add_argument("--ordinary", type=int, default=300)
    parser.add_argument("--agent", type=int, default=50)
    parser.add_argument("--mode", choices=("auto", "reviewer", "no-llm"), default="auto")
    parser.add_argument("--model", action="append", help="reviewer model, repeatable (default: %s)"
                        % ", ".join(DEFAULT_MODELS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", help="write the figures and every outcome to this file")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--src", default=ROOT, help="the folder that holds the guardrails package to run "
                        "(default: this checkout; a frozen copy keeps a long run off work in progress)")
    args = parser.parse_args(argv)
    if not os.path.isfile(os.path.join(args.src, "guardrails", "__init__.py")):
        print(f"bench_review_cost: no guardrails package in {args.src}", file=sys.stderr)
        return 2
    SOURCE[0] = os.path.abspath(args.src)
    models = tuple(args.model or DEFAULT_MODELS)
    repos = [r.strip() for r in args.repos.split(",") if r.strip()]
    if not repos or args.ordinary < 0 or args.agent < 0:
        print("bench_review_cost: give at least one repository and non-negative counts", file=sys.stderr)
        return 2

    try:
        clones = {repo: ensure_clone(args.mirrors, repo) for repo in repos}
    except ValueError as exc:
        print(f"bench_review_cost: {exc}", file=sys.stderr)
        return 2
    per_repo = {repo: list_commits(repo, clones[repo]) for repo in repos}
    chosen = select(per_repo, args.ordinary, args.agent)
    got = collections.Counter(c.kind for c in chosen)
    for repo in repos:
        kinds = collections.Counter(c.kind for c in per_repo[repo])
        print(f"{repo}: scanned {len(per_repo[repo])} commits ({kinds['agent']} agent); "
              f"chosen {sum(1 for c in chosen if c.repo == repo and c.kind == 'ordinary')} ordinary, "
              f"{sum(1 for c in chosen if c.repo == repo and c.kind == 'agent')} agent")
    if got["ordinary"] < args.ordinary or got["agent"] < args.agent:
        print(f"bench_review_cost: only {got['ordinary']} ordinary and {got['agent']} agent commits found",
              file=sys.stderr)
        return 2

    recorder = Recorder()
    server, port = start_server(recorder)
    try:
        mode, note = args.mode, "as asked"
        if mode in ("auto", "reviewer"):
            works, note = probe_reviewer(port, recorder, models)
            if not works and mode == "reviewer":
                print(f"bench_review_cost: the reviewer stage is not there: {note}", file=sys.stderr)
                return 2
            mode = "reviewer" if works else "no-llm"
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_one, i, c, clones[c.repo], mode, port, models) for i, c in enumerate(chosen)]
            outcomes = []
            for n, future in enumerate(futures, 1):
                outcomes.append(future.result())
                if n % 50 == 0:
                    print(f"... {n}/{len(futures)} changes, {time.monotonic() - start:.0f} s", file=sys.stderr)
        requests = [r for r in recorder.requests if r.change != "probe"]
    finally:
        server.shutdown()
    summary = summarise(outcomes, requests, mode)
    print()
    print_report(summary, outcomes, mode, models, note, args.top, requests)
    print(f"\nwall time {time.monotonic() - start:.0f} s with {args.jobs} job(s)")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as handle:
            json.dump({"mode": mode, "note": note, "models": models,
                       "prices": {m: price_of(m) for m in models}, "summary": summary,
                       "outcomes": [{"repo": o.commit.repo, "sha": o.commit.sha, "kind": o.commit.kind,
                                     "author": o.commit.author, "subject": o.commit.subject,
                                     "exit_code": o.exit_code, "seconds": round(o.seconds, 3),
                                     "escalated": [list(e) for e in o.escalated], "review_state": o.review_state,
                                     "error": o.error} for o in outcomes],
                       "requests": [r._asdict() for r in requests]}, handle, indent=1)
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
