"""Running the check families in worker processes (guardrails/workers.py):
a big change gets the same findings as in one process, and a family that
runs too long, takes too much memory, fails or dies is stopped and named,
never a silent pass."""
from __future__ import annotations

import json
import os
import subprocess
import time
import types
from typing import Iterator, List

import jsonschema
import pytest

from conftest import ROOT, Repo, check_json, deadline
from guardrails import checks, limits, workers
from guardrails.errors import GuardError
from guardrails.model import ADDED_FILE, ChangeSet, FileChange, Hunk, Line, Options

SCHEMA = json.loads((ROOT / "guardrails" / "schema" / "report-v1.schema.json").read_text())

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="workers need fork and /proc (Linux)")


@pytest.fixture(autouse=True)
def alarm() -> Iterator[None]:
    # A runner that fails to stop a family would hang the suite: fail instead.
    with deadline(120, message="the workers did not stop in 120 s"):
        yield


def _change(lines: int = 6000) -> ChangeSet:
    body = tuple(Line("+", f"value_{i} = compute({i})  # noqa" if i % 100 == 0 else f"value_{i} = {i}", None, i)
                 for i in range(1, lines + 1))
    fc = FileChange(path="big.py", old_path=None, status=ADDED_FILE, hunks=(Hunk(0, 0, 1, lines, "", body),))
    return ChangeSet(files=(fc,), source="test")


def _family(name: str, check) -> types.ModuleType:
    module = types.ModuleType(f"fake_{name}")
    # a family's interface, set on a module built here
    for attr, value in (("NAME", name), ("CONFIG_SCHEMA", {}), ("check", check)):
        setattr(module, attr, value)
    return module


def _quick(change, ctx):
    from guardrails.checks import finding
    ctx.warn("quick ran")
    return [finding("suppression/blanket-noqa", "big.py", 1, "found")]


def _hangs(change, ctx):
    time.sleep(600)
    return []


def _run(modules, change=None, **limit):
    settings = dict(limits.CONFIG_SCHEMA)
    settings.update(limit)
    return workers.run(modules, change or _change(), lambda name: {}, Options(), settings, time.perf_counter())


def test_a_big_change_runs_in_workers_with_the_same_result_as_in_process(repo: Repo, monkeypatch):
    repo.commit({"README.md": "x\n"})
    files = {f"pkg/mod_{k}.py": "".join(f"def f{i}(x):\n    return x + {i}  # noqa\n" for i in range(400))
             for k in range(12)}
    files["requirements.txt"] = "requests==2.31.0\n"
    files["tests/test_mod.py"] = "import pytest\n\n@pytest.mark.skip\ndef test_x():\n    assert True\n"
    repo.commit(files)
    parallel = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(parallel, SCHEMA)
    assert parallel["stats"]["workers"] >= 1
    monkeypatch.setattr(workers, "WORKER_BYTES", 10 ** 12)  # the same change, in this process
    serial = check_json(repo, "--base", "HEAD~1")
    assert serial["stats"]["workers"] == 0
    assert parallel["findings"] and parallel["findings"] == serial["findings"]
    assert parallel["notes"] == serial["notes"]
    assert list(parallel["stats"]["family_seconds"]) == list(serial["stats"]["family_seconds"])


def test_a_small_change_stays_in_process(repo: Repo):
    repo.commit({"README.md": "x\n"})
    repo.commit({"a.py": "x = 1  # noqa\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["stats"]["workers"] == 0 and report["findings"]


def test_results_keep_the_families_order_whatever_finishes_first():
    def slow(change, ctx):
        time.sleep(0.3)
        ctx.warn("slow ran")
        return []
    out = _run([_family("first", slow), _family("second", _quick)], jobs=2)
    assert [r.name for r in out.runs] == ["first", "second"]
    assert out.runs[0].notes == ("slow ran",) and out.runs[1].notes == ("quick ran",)
    assert [f.rule for f in out.runs[1].findings] == ["suppression/blanket-noqa"]
    assert out.workers == 2


def _parted() -> types.ModuleType:
    """A family in two parts; each finds the same rule on line 1, so together
    they pass the per-line cap that one part alone does not."""
    from guardrails.checks import finding

    def check_part(part, change, ctx):
        if part == "slow":
            time.sleep(0.2)
        ctx.warn(f"{part} ran")
        return [finding("suppression/blanket-noqa", "big.py", 1, f"{part} {i}") for i in range(15)]

    module = _family("parted", lambda change, ctx: [f for p in module.PARTS for f in check_part(p, change, ctx)])
    setattr(module, "PARTS", ("slow", "fast"))
    setattr(module, "check_part", check_part)
    return module


def test_a_family_in_parts_gives_what_its_check_gives():
    module = _parted()
    parallel = _run([module, _family("quick", _quick)], jobs=3)
    assert parallel.workers == 3  # one per part, one for the other family
    serial = workers._in_process([module, _family("quick", _quick)], _change(), lambda name: {}, Options(),
                                 300.0, time.perf_counter())
    assert [r.name for r in parallel.runs] == ["parted", "quick"]
    assert parallel.runs[0].findings == serial[0].findings
    assert [f.message for f in parallel.runs[0].findings] == [f"slow {i}" for i in range(15)] + \
        [f"fast {i}" for i in range(5)]  # parts in order, capped together at 20 per line
    assert parallel.runs[0].notes == serial[0].notes == (
        "slow ran", "fast ran", "suppression/blanket-noqa: 10 more on line 1 of big.py not listed")


def test_a_family_past_the_time_limit_is_stopped_and_named():
    out = _run([_family("hangs", _hangs), _family("quick", _quick)], max_seconds=1.0, jobs=2)
    by_name = {r.name: r for r in out.runs}
    assert by_name["hangs"].stopped == "time-limit"
    assert "check family hangs stopped after" in by_name["hangs"].reason
    assert "limits.max_seconds 1" in by_name["hangs"].reason
    assert by_name["quick"].stopped == "" and by_name["quick"].findings


def test_a_stopped_family_stops_the_processes_it_started(tmp_path):
    pid_file = tmp_path / "pid"

    def spawns(change, ctx):
        proc = subprocess.Popen(["sleep", "600"])
        pid_file.write_text(str(proc.pid))
        proc.wait()
        return []
    out = _run([_family("spawns", spawns)], max_seconds=1.0, jobs=1)
    assert out.runs[0].stopped == "time-limit"
    pid = int(pid_file.read_text())
    for _ in range(100):  # the kill is sent; give the kernel a moment to reap it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{pid}/stat") as fh:
            if fh.read().split(") ", 1)[1].startswith("Z"):
                break  # killed, waiting for its parent (the init process) to reap it
        time.sleep(0.05)
    else:
        pytest.fail("the family's child process outlived the stopped family")


def test_a_family_over_the_memory_limit_is_stopped_and_the_others_go_on():
    def greedy(change, ctx):
        hoard: List[bytearray] = []
        for _ in range(200):  # up to 2 GB, 10 MB at a time (each page written, so resident)
            hoard.append(bytearray(b"x" * (10 * 1024 * 1024)))
            time.sleep(0.005)
        return []
    out = _run([_family("greedy", greedy), _family("after", _quick)], max_memory_mb=150, jobs=1)
    by_name = {r.name: r for r in out.runs}
    assert by_name["greedy"].stopped == "memory-limit"
    assert "limits.max_memory_mb 150" in by_name["greedy"].reason
    assert by_name["after"].stopped == "" and by_name["after"].findings  # in a new worker
    assert out.workers == 2


def test_a_guard_error_in_a_worker_is_the_runs_error():
    def refuses(change, ctx):
        raise GuardError("x.toml:3: cannot be read")
    with pytest.raises(GuardError, match=r"^x\.toml:3: cannot be read$"):
        _run([_family("refuses", refuses), _family("quick", _quick)])


def test_a_bug_in_a_worker_fails_the_run():
    def buggy(change, ctx):
        return [1 / 0]
    with pytest.raises(GuardError, match=r"check family 'buggy' failed on this change: ZeroDivisionError"):
        _run([_family("buggy", buggy)])


def test_a_worker_that_dies_fails_the_run_never_passes():
    def dies(change, ctx):
        os._exit(3)
    with pytest.raises(GuardError, match=r"check family 'dies' failed on this change: its worker process "
                                         r"ended \(exit code 3\)"):
        _run([_family("dies", dies)])


def test_time_and_memory_limits_in_the_report(repo: Repo, monkeypatch):
    """End to end: the stopped family is a not-analysed finding, a note and a
    state, and the verdict is not pass."""
    real = checks.families
    monkeypatch.setattr(checks, "families", lambda: real() + [_family("hangs", _hangs)])
    repo.commit({".guardrails.yml": "limits:\n  max_seconds: 2\n", "README.md": "x\n"})
    repo.commit({"big.py": "".join(f"value_{i} = {i}\n" for i in range(8000))})
    report = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(report, SCHEMA)
    assert report["stats"]["workers"] >= 1
    late = [n for n in report["stats"]["not_analysed"] if n["path"] == "."]
    assert [n["state"] for n in late] == ["time-limit"] and "check family hangs stopped" in late[0]["reason"]
    assert any(f["rule"] == "security/not-analysed" and f["path"] == "." for f in report["findings"])
    assert report["verdict"] != "pass"
    assert "hangs" not in report["stats"]["family_seconds"] and "suppressions" in report["stats"]["family_seconds"]


def test_jobs_and_memory_are_policy_options(repo: Repo):
    repo.commit({".guardrails.yml": "limits:\n  jobs: 1\n  max_memory_mb: 4096\n", "README.md": "x\n"})
    repo.commit({"big.py": "".join(f"value_{i} = {i}  # noqa\n" for i in range(5000))})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["stats"]["workers"] == 1 and report["findings"]
