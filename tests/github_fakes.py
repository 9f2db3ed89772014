"""Test helpers for the GitHub Action: a stand-in for the GitHub REST API on
127.0.0.1 that checks every request against the documented endpoints, and a
small runner that executes action.yml's `run:` steps the way the Actions
runner does (expressions substituted, `bash --noprofile --norc -eo pipefail`,
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_EVENT_PATH files)."""
from __future__ import annotations

import datetime
import email.utils
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghs_test_token_0123456789"
OWNER_REPO = "octo/shop"

# GitHub's documented endpoints (REST API 2022-11-28) that the Action may
# call: method, path pattern, required body keys, allowed body keys.
ENDPOINTS: List[Tuple[str, str, Tuple[str, ...], Tuple[str, ...]]] = [
    ("GET", r"/repos/[^/]+/[^/]+/issues/\d+/comments", (), ()),
    ("POST", r"/repos/[^/]+/[^/]+/issues/\d+/comments", ("body",), ("body",)),
    ("PATCH", r"/repos/[^/]+/[^/]+/issues/comments/\d+", ("body",), ("body",)),
    ("GET", r"/repos/[^/]+/[^/]+/issues/\d+/labels", (), ()),
    ("DELETE", r"/repos/[^/]+/[^/]+/issues/\d+/labels/[^/]+", (), ()),
    ("GET", r"/repos/[^/]+/[^/]+/issues/\d+/timeline", (), ()),
    ("GET", r"/repos/[^/]+/[^/]+/collaborators/[^/]+/permission", (), ()),
    ("POST", r"/repos/[^/]+/[^/]+/statuses/[0-9a-f]{40}", ("state",),
     ("state", "target_url", "description", "context")),
]
STATUS_STATES = ("error", "failure", "pending", "success")


class Call(NamedTuple):
    method: str
    path: str
    query: Dict[str, List[str]]
    body: Any
    headers: Dict[str, str]


class FakeGitHub:
    """State of one repository's pull request, served over HTTP."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.violations: List[str] = []
        self.comments: List[Dict[str, Any]] = []
        self.labels: List[str] = []
        self.timeline: List[Dict[str, Any]] = []
        self.permissions: Dict[str, str] = {}  # login -> role_name
        self.statuses: List[Dict[str, Any]] = []
        self.fail: Optional[Callable[[str, str], Optional[Tuple[int, str]]]] = None
        # GitHub's clock: the Date header of every answer (None = the real time).
        self.clock: Optional[datetime.datetime] = None
        self._next_id = 1000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_label(self, name: str, actor: str, at: str = "2026-11-20T10:00:00Z") -> None:
        self.labels.append(name)
        self.timeline.append({"event": "labeled", "label": {"name": name}, "actor": {"login": actor},
                              "created_at": at})

    def tick(self, at: str) -> None:
        """Set GitHub's clock (ISO 8601, UTC)."""
        self.clock = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))

    def calls_to(self, method: str, pattern: str) -> List[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    # -- the HTTP side ---------------------------------------------------
    def _handler(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: Optional[float] = None) -> str:
                if fake.clock is None:
                    return super().date_time_string(timestamp)
                return email.utils.format_datetime(fake.clock.astimezone(datetime.timezone.utc), usegmt=True)

            def _answer(self, status: int, data: Any, headers: Optional[Dict[str, str]] = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _do(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = "<not json>"
                call = Call(self.command, parts.path, parse_qs(parts.query), body, dict(self.headers))
                fake.calls.append(call)
                problem = fake._validate(call)
                if problem:
                    fake.violations.append(problem)
                    return self._answer(404, {"message": "Not Found"})
                if fake.fail is not None:
                    failure = fake.fail(call.method, call.path)
                    if failure:
                        status, message = failure
                        return self._answer(status, {"message": message}, {"Retry-After": "0"})
                status, data = fake._serve(call)
                self._answer(status, data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _do

        return Handler

    def _validate(self, call: Call) -> str:
        if call.headers.get("Authorization") != f"Bearer {TOKEN}":
            return f"{call.method} {call.path}: missing or wrong Authorization header"
        if "application/vnd.github+json" not in call.headers.get("Accept", ""):
            return f"{call.method} {call.path}: Accept is not application/vnd.github+json"
        for method, pattern, required, allowed in ENDPOINTS:
            if method == call.method and re.fullmatch(pattern, call.path):
                if method in ("POST", "PATCH"):
                    if not isinstance(call.body, dict):
                        return f"{method} {call.path}: body is not a JSON object"
                    missing = [k for k in required if k not in call.body]
                    unknown = [k for k in call.body if k not in allowed]
                    if missing or unknown:
                        return f"{method} {call.path}: missing {missing}, unknown {unknown}"
                    if "statuses" in call.path and call.body.get("state") not in STATUS_STATES:
                        return f"{method} {call.path}: bad state {call.body.get('state')!r}"
                    if "statuses" in call.path and len(call.body.get("description", "")) > 140:
                        return f"{method} {call.path}: description over 140 characters"
                return ""
        return f"{call.method} {call.path}: not an endpoint the Action may call"

    def _serve(self, call: Call) -> Tuple[int, Any]:
        path = call.path
        if call.method == "GET" and path.endswith("/comments"):
            return 200, self.comments
        if call.method == "POST" and path.endswith("/comments"):
            self._next_id += 1
            comment = {"id": self._next_id, "body": call.body["body"],
                       "user": {"login": "github-actions[bot]", "type": "Bot"}}
            self.comments.append(comment)
            return 201, comment
        if call.method == "PATCH":
            cid = int(path.rsplit("/", 1)[1])
            for comment in self.comments:
                if comment["id"] == cid:
                    comment["body"] = call.body["body"]
                    return 200, comment
            return 404, {"message": "Not Found"}
        if path.endswith("/labels"):
            return 200, [{"name": name} for name in self.labels]
        if call.method == "DELETE" and "/labels/" in path:
            name = unquote(path.rsplit("/", 1)[1])
            if name not in self.labels:
                return 404, {"message": "Label does not exist"}
            self.labels.remove(name)
            at = (self.clock or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.timeline.append({"event": "unlabeled", "label": {"name": name},
                                  "actor": {"login": "github-actions[bot]"}, "created_at": at})
            return 200, [{"name": n} for n in self.labels]
        if path.endswith("/timeline"):
            return 200, self.timeline
        if path.endswith("/permission"):
            login = path.split("/")[-2]
            role = self.permissions.get(login, "none")
            legacy = {"maintain": "write", "triage": "read"}.get(role, role)
            return 200, {"permission": legacy, "role_name": role, "user": {"login": login}}
        if "/statuses/" in path:
            self.statuses.append(dict(call.body, sha=path.rsplit("/", 1)[1]))
            return 201, call.body
        return 404, {"message": "Not Found"}


# ---------------------------------------------------------------------------
# Running action.yml's steps.

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _evaluate(expr: str, ctx: Dict[str, Any]) -> str:
    """The subset of GitHub's expression language action.yml uses: context
    paths, string literals, `a || b`, `a == 'x'`, `a != 'x'`."""
    for op in ("==", "!="):
        if op in expr:
            left, right = (part.strip() for part in expr.split(op, 1))
            equal = _evaluate(left, ctx) == _evaluate(right, ctx)
            return "true" if equal == (op == "==") else ""
    for operand in (part.strip() for part in expr.split("||")):
        if operand.startswith("'") and operand.endswith("'"):
            value: Any = operand[1:-1]
        else:
            value = ctx
            for key in operand.split("."):
                value = value.get(key, "") if isinstance(value, dict) else ""
        if value not in ("", None, False):
            return str(value)
    return ""


def substitute(text: str, ctx: Dict[str, Any]) -> str:
    return _EXPR.sub(lambda m: _evaluate(m.group(1), ctx), text)


class ActionRun(NamedTuple):
    code: int  # the exit code of the judging step
    stdout: str
    stderr: str
    outputs: Dict[str, str]  # the Action's outputs, as action.yml maps them
    step_outputs: Dict[str, Dict[str, str]]
    summary: str
    skipped_uses: List[str]


def read_output_file(path: Path) -> Dict[str, str]:
    """GITHUB_OUTPUT's two forms: name=value and name<<DELIMITER ... DELIMITER."""
    out: Dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            j = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def run_action(workspace: Path, temp: Path, inputs: Dict[str, str], event_name: str, event: Dict[str, Any],
               env: Dict[str, str], python: str = sys.executable) -> ActionRun:
    """Run action.yml in WORKSPACE as a runner would.  `uses:` steps
    (setup-python, actions/cache) need the network: they are listed in
    skipped_uses, and the install step is replaced by this Python, which has
    guardrails installed (the step's own pip install needs the network too)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    temp.mkdir(parents=True, exist_ok=True)
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(event))
    summary_path = temp / "step_summary.md"
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    ctx: Dict[str, Any] = {"github": {"token": TOKEN, "action_path": str(ROOT), "repository": OWNER_REPO,
                                      "run_id": "42", "run_attempt": "1"},
                           "runner": {"temp": str(temp), "os": "Linux"}, "steps": {}}
    values = {k: substitute(v, ctx) for k, v in values.items()}
    values.update(inputs)
    ctx["inputs"] = values
    base_env = dict(env, GITHUB_EVENT_PATH=str(event_path), GITHUB_EVENT_NAME=event_name,
                    GITHUB_STEP_SUMMARY=str(summary_path), RUNNER_TEMP=str(temp), GITHUB_ACTION_PATH=str(ROOT),
                    GITHUB_REPOSITORY=OWNER_REPO, GITHUB_ACTIONS="true", CI="true")
    skipped: List[str] = []
    last = (0, "", "")
    for index, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"step{index}")
        if "if" in step and not _evaluate(step["if"], ctx):
            continue
        if "uses" in step:
            skipped.append(step["uses"])
            continue
        output_path = temp / f"output_{sid}"
        output_path.write_text("")
        step_env = dict(base_env, GITHUB_OUTPUT=str(output_path))
        step_env.update({k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()})
        if sid == "install":
            ctx["steps"][sid] = {"outputs": {"python": python}}
            continue
        script = temp / f"{sid}.sh"
        script.write_text(step["run"])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=step_env, capture_output=True, text=True, timeout=300)
        ctx["steps"][sid] = {"outputs": read_output_file(output_path)}
        last = (proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode != 0:
            break
    outputs = {name: substitute(spec["value"], ctx) for name, spec in action["outputs"].items()}
    summary = summary_path.read_text(encoding="utf-8") if summary_path.exists() else ""
    return ActionRun(last[0], last[1], last[2], outputs, {k: v["outputs"] for k, v in ctx["steps"].items()},
                     summary, skipped)


def clean_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_"))}
    env.pop("VIRTUAL_ENV", None)
    env["SEMGREP_ENABLE_VERSION_CHECK"] = "0"
    return env
