"""Registry look-ups against a real HTTP server on 127.0.0.1 that answers
like PyPI's JSON API, the npm registry, crates.io and the Go module proxy
(including 404s, a 500 followed by success, and answers too slow to wait
for). No test reaches the network."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List

import pytest

from guardrails.checks.dependency import registry
from tests.conftest import check_json, run_cli


def iso(days_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pypi_doc(name: str, ages: List[float]) -> dict:
    releases = {f"1.{i}.0": [{"filename": f"{name}-1.{i}.0.tar.gz", "upload_time_iso_8601": iso(a)}]
                for i, a in enumerate(ages)}
    return {"info": {"name": name, "version": f"1.{len(ages) - 1}.0"}, "releases": releases}


def npm_doc(name: str, ages: List[float]) -> dict:
    versions = {f"1.{i}.0": {"name": name, "version": f"1.{i}.0"} for i in range(len(ages))}
    times = {"created": iso(max(ages)), "modified": iso(min(ages))}
    times.update({f"1.{i}.0": iso(a) for i, a in enumerate(ages)})
    return {"name": name, "versions": versions, "time": times}


class Registry:
    """Routes: path -> list of (status, body, delay); the last entry repeats."""

    def __init__(self):
        self.routes: Dict[str, list] = {}
        self.requests: List[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                with outer.lock:
                    outer.requests.append(self.path)
                    answers = outer.routes.get(self.path, [(404, b'{"message": "Not Found"}', 0)])
                    status, body, delay = answers.pop(0) if len(answers) > 1 else answers[0]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, *answers) -> None:
        self.routes[path] = [(s, json.dumps(b).encode() if not isinstance(b, bytes) else b, d)
                             for s, b, d in answers]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reg():
    r = Registry()
    yield r
    r.close()


def settings(reg, tmp_path, **kw) -> registry.Settings:
    urls = {k: reg.url for k in registry.DEFAULT_URLS}
    base = dict(urls=urls, timeout=0.5, retries=2, backoff=0.05, cache_dir=str(tmp_path / "cache"))
    base.update(kw)
    return registry.Settings(**base)


def test_pypi_found_with_first_release_and_count(reg, tmp_path):
    reg.add("/pypi/requests/json", (200, pypi_doc("requests", [4000, 3000, 10]), 0))
    a = registry.lookup("pypi", "requests", settings(reg, tmp_path))
    assert a.status == registry.FOUND and a.releases == 3
    assert 3999 < registry.age_days(a.first_release) < 4001
    assert reg.requests == ["/pypi/requests/json"]


def test_pypi_404_is_missing_and_not_retried(reg, tmp_path):
    a = registry.lookup("pypi", "reqeusts-hallucinated", settings(reg, tmp_path))
    assert a.status == registry.MISSING
    assert reg.requests == ["/pypi/reqeusts-hallucinated/json"]


def test_500_then_success_is_retried(reg, tmp_path):
    reg.add("/pypi/flaky/json", (500, b"oops", 0), (503, b"busy", 0), (200, pypi_doc("flaky", [900, 800, 700]), 0))
    a = registry.lookup("pypi", "flaky", settings(reg, tmp_path))
    assert a.status == registry.FOUND and a.releases == 3
    assert reg.requests == ["/pypi/flaky/json"] * 3


def test_500_every_time_is_an_error_not_a_verdict(reg, tmp_path):
    reg.add("/pypi/down/json", (502, b"bad gateway", 0))
    a = registry.lookup("pypi", "down", settings(reg, tmp_path))
    assert a.status == registry.ERROR and "502" in a.error
    assert len(reg.requests) == 3  # first try + 2 retries
    # Errors are not cached: the next run asks again.
    registry.lookup("pypi", "down", settings(reg, tmp_path, retries=0))
    assert len(reg.requests) == 4


def test_slow_answer_times_out(reg, tmp_path):
    reg.add("/pypi/slow/json", (200, pypi_doc("slow", [900]), 2.0))
    start = time.perf_counter()
    a = registry.lookup("pypi", "slow", settings(reg, tmp_path, timeout=0.3, retries=1))
    took = time.perf_counter() - start
    assert a.status == registry.ERROR
    assert "timed out" in a.error.lower() or "timeout" in a.error.lower()
    assert took < 1.8, took
    assert reg.requests == ["/pypi/slow/json"] * 2


def test_npm_scoped_name_and_shape(reg, tmp_path):
    reg.add("/@acme%2Fwidget", (200, npm_doc("@acme/widget", [5, 2]), 0))
    a = registry.lookup("npm", "@acme/widget", settings(reg, tmp_path))
    assert a.status == registry.FOUND and a.releases == 2
    assert registry.age_days(a.first_release) < 6
    assert reg.requests == ["/@acme%2Fwidget"]
    assert registry.lookup("npm", "nope-not-here", settings(reg, tmp_path)).status == registry.MISSING


def test_crates_and_go_shapes(reg, tmp_path):
    reg.add("/api/v1/crates/serde", (200, {"crate": {"name": "serde", "created_at": iso(3000)},
                                           "versions": [{"num": "1.0.0"}, {"num": "1.0.1"}]}, 0))
    reg.add("/github.com/!burnt!sushi/toml/@v/list", (200, b"v1.2.0\nv0.3.1\nv1.0.0\n", 0))
    reg.add("/github.com/!burnt!sushi/toml/@v/v0.3.1.info", (200, {"Version": "v0.3.1", "Time": iso(2500)}, 0))
    s = settings(reg, tmp_path)
    c = registry.lookup("cargo", "serde", s)
    assert c.status == registry.FOUND and c.releases == 2 and registry.age_days(c.first_release) > 2999
    g = registry.lookup("go", "github.com/BurntSushi/toml", s)
    assert g.status == registry.FOUND and g.releases == 3 and registry.age_days(g.first_release) > 2499
    assert "/github.com/!burnt!sushi/toml/@v/v0.3.1.info" in reg.requests
    assert registry.lookup("go", "github.com/nobody/nothing", s).status == registry.MISSING


def test_answers_are_cached_on_disk_with_a_ttl(reg, tmp_path):
    reg.add("/pypi/requests/json", (200, pypi_doc("requests", [4000, 10, 5]), 0))
    s = settings(reg, tmp_path)
    first = registry.lookup("pypi", "requests", s)
    second = registry.lookup("pypi", "requests", s)
    assert second.where == "cache" and second.first_release == first.first_release
    assert reg.requests == ["/pypi/requests/json"]
    # Expire the entry: the next look-up asks again.
    for f in (tmp_path / "cache").iterdir():
        data = json.loads(f.read_text())
        data["at"] -= registry.TTL_FOUND + 1
        f.write_text(json.dumps(data))
    registry.lookup("pypi", "requests", s)
    assert reg.requests == ["/pypi/requests/json"] * 2
    # "-" turns the cache off.
    registry.lookup("pypi", "requests", s._replace(cache_dir="-"))
    assert len(reg.requests) == 3


def test_private_index_knows_private_packages(reg, tmp_path):
    reg.add("/simple/acme-internal/", (200, b"<html><a href='x'>acme_internal-1.0.tar.gz</a></html>", 0))
    s = settings(reg, tmp_path, index_url=reg.url + "/simple")
    a = registry.lookup("pypi", "acme-internal", s)
    assert a.status == registry.FOUND and a.where == "private index"
    assert reg.requests == ["/simple/acme-internal/"]  # the public index is not asked
    b = registry.lookup("pypi", "not-private", s)
    assert b.status == registry.MISSING
    assert reg.requests[-2:] == ["/simple/not-private/", "/pypi/not-private/json"]


def test_lookup_many_runs_concurrently(reg, tmp_path):
    for i in range(8):
        reg.add(f"/pypi/p{i}/json", (200, pypi_doc(f"p{i}", [900, 800, 700]), 0.3))
    start = time.perf_counter()
    got = registry.lookup_many([("pypi", f"p{i}") for i in range(8)], settings(reg, tmp_path))
    took = time.perf_counter() - start
    assert all(a.status == registry.FOUND for a in got.values()) and len(got) == 8
    assert took < 1.5, took  # 8 x 0.3 s one after the other would be 2.4 s


# --------------------------------------------------------------------------
# End to end: `guardrails check --online` against the local registry.

def policy(reg, tmp_path, online=False, extra="") -> str:
    return (f"dependency:\n"
            f"  pypi_url: {reg.url}\n"
            f"  npm_url: {reg.url}\n"
            f"  cache_dir: {tmp_path / 'cache'}\n"
            f"  timeout: 0.4\n"
            f"  online: {'true' if online else 'false'}\n" + extra)


REQS = "requests==2.32.3\n"


def test_online_check_end_to_end(repo, reg, tmp_path):
    reg.add("/pypi/requests/json", (200, pypi_doc("requests", [4000, 3000, 20]), 0))
    reg.add("/pypi/httpx/json", (500, b"", 0), (200, pypi_doc("httpx", [2000, 1000, 500]), 0))
    reg.add("/pypi/fresh-helper/json", (200, pypi_doc("fresh-helper", [3, 2, 1]), 0))
    reg.add("/pypi/two-releases/json", (200, pypi_doc("two-releases", [400, 300]), 0))
    reg.add("/pypi/sluggish/json", (200, pypi_doc("sluggish", [900]), 3.0))
    reg.add("/pypi/emojis/json", (200, pypi_doc("emojis", [2900, 2000, 1500, 900, 400, 100]), 0))
    reg.add("/pypi/colourama/json", (200, pypi_doc("colourama", [20, 10]), 0))
    repo.commit({".guardrails.yml": policy(reg, tmp_path), "requirements.txt": REQS,
                 "app.py": "import requests\n"}, "base")
    repo.commit({
        "requirements.txt": REQS + "httpx==0.27.0\nfastapi-magic-auth==1.0.0\nfresh-helper==0.0.3\n"
                                   "two-releases==1.0\nsluggish==1.0\nemojis==0.7\ncolourama==0.1\n",
        "app.py": "import requests\nimport httpx\nimport fastapi_magic_auth\nimport fresh_helper\n"
                  "import two_releases\nimport sluggish\nimport emojis\nimport colourama\n",
    })
    report = check_json(repo, "--base", "HEAD~1", "--online")
    by_pkg = {}
    for f in report["findings"]:
        if f["path"] == "requirements.txt":
            by_pkg.setdefault(f["details"]["package"], set()).add((f["rule"], f["severity"]))
    assert by_pkg["httpx"] == {("dependency/new-dependency", "info")}
    assert by_pkg["fastapi-magic-auth"] == {("dependency/unknown-package", "block")}
    assert by_pkg["fresh-helper"] == {("dependency/young-package", "escalate")}
    assert by_pkg["two-releases"] == {("dependency/young-package", "escalate")}
    assert by_pkg["sluggish"] == {("dependency/unverified-package", "escalate")}
    # Look-alikes: an established one is escalated, a young one blocked (and reported young too).
    assert by_pkg["emojis"] == {("dependency/lookalike-name", "escalate")}
    assert by_pkg["colourama"] == {("dependency/lookalike-name", "block"), ("dependency/young-package", "escalate")}
    young = [f for f in report["findings"] if f["details"].get("package") == "fresh-helper"][0]
    assert young["details"]["releases"] == 3 and young["details"]["age_days"] < 4
    assert "first published 3 days ago" in young["message"]
    assert report["verdict"] == "block"
    assert any("registry look-up failed for sluggish" in n for n in report["notes"])
    # What the registry was asked: each new name, httpx twice (500 then 200), nothing for requests.
    asked = sorted(set(reg.requests))
    assert asked == ["/pypi/colourama/json", "/pypi/emojis/json", "/pypi/fastapi-magic-auth/json",
                     "/pypi/fresh-helper/json", "/pypi/httpx/json", "/pypi/sluggish/json", "/pypi/two-releases/json"]
    assert reg.requests.count("/pypi/httpx/json") == 2
    assert reg.requests.count("/pypi/sluggish/json") == 3  # timeout, then two retries


def test_offline_by_default_and_online_from_config(repo, reg, tmp_path):
    repo.commit({".guardrails.yml": policy(reg, tmp_path), "requirements.txt": REQS}, "base")
    repo.commit({"requirements.txt": REQS + "fastapi-magic-auth==1.0.0\n", "app.py": "import fastapi_magic_auth\n"})
    report = check_json(repo, "--base", "HEAD~1")
    rules = {f["rule"] for f in report["findings"] if f["path"] == "requirements.txt"}
    assert rules == {"dependency/unverified-package"}
    assert reg.requests == []  # offline: nothing asked
    # online: true in the (base) policy turns the look-ups on without --online.
    repo.commit({".guardrails.yml": policy(reg, tmp_path, online=True)}, "policy")
    repo.commit({"requirements.txt": REQS + "fastapi-magic-auth==1.0.0\nanother-ghost==2.0\n",
                 "app.py": "import fastapi_magic_auth\nimport another_ghost\n"})
    report = check_json(repo, "--base", "HEAD~1")
    unknown = sorted(f["details"]["package"] for f in report["findings"] if f["rule"] == "dependency/unknown-package")
    assert unknown == ["another-ghost"]  # fastapi-magic-auth is not new in this change
    assert reg.requests == ["/pypi/another-ghost/json"]


def test_npm_online_end_to_end_and_private_index(repo, reg, tmp_path):
    reg.add("/left-pad", (200, npm_doc("left-pad", [3000, 2000, 1000]), 0))
    reg.add("/@acme%2Finternal", (200, npm_doc("@acme/internal", [1]), 0))  # the private registry has it
    pkg = {"name": "web", "version": "1.0.0", "dependencies": {}}
    repo.commit({".guardrails.yml": policy(reg, tmp_path, extra=f"  index_url: {reg.url}\n"),
                 "package.json": json.dumps(pkg, indent=2) + "\n"}, "base")
    pkg["dependencies"] = {"left-pad": "^1.3.0", "@acme/internal": "^1.0.0", "made-up-thing-9": "^1.0.0"}
    repo.commit({"package.json": json.dumps(pkg, indent=2) + "\n",
                 "index.js": "require('left-pad'); require('@acme/internal'); require('made-up-thing-9');\n"})
    res = run_cli(["check", "--format", "json", "--base", "HEAD~1", "--online"], cwd=repo.path)
    report = res.json()
    got = {(f["details"]["package"], f["rule"]) for f in report["findings"] if f["path"] == "package.json"}
    assert got == {("left-pad", "dependency/new-dependency"), ("@acme/internal", "dependency/new-dependency"),
                   ("made-up-thing-9", "dependency/unknown-package")}
    assert res.code == 1
