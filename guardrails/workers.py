"""Running the check families: in the gate's own process for a small
change, in worker processes for a big one.

A big change (``WORKER_BYTES`` of added text or more) is checked by forked
worker processes, each taking the next family not yet run, so that:

- the families of a change run side by side on the machine's cores
  (``limits.jobs``; 0 means one worker per core, at most ``MAX_JOBS``);
- a family still running when ``limits.max_seconds`` are spent is stopped,
  not waited for (state ``time-limit``);
- a worker whose resident memory passes ``limits.max_memory_mb`` is stopped
  (state ``memory-limit``), and the families left go on in a new worker.

A family stopped either way is never a silent pass: the report lists it
under ``stats.not_analysed`` (path "."), the notes say so and it is a
``security/not-analysed`` finding (escalate). Workers need ``fork`` (the
change is shared with them as it is, not copied) and /proc for memory, so
they run on Linux; elsewhere, and for small changes, the families run one
after another in this process, and a family not started when max_seconds
are spent does not run.

The findings and notes of a change are the same whichever way it ran:
they are put together in the families' fixed order.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from types import ModuleType
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from guardrails import checks
from guardrails.errors import GuardError
from guardrails.model import ChangeSet, Context, Finding, Options

# Below this many bytes of added text, forking costs more than it saves
# (a typical commit adds well under 64 KB).
WORKER_BYTES = 64 * 1024
MAX_JOBS = 4
# How often the memory of busy workers is read while waiting for them.
POLL_SECONDS = 0.02
# The costliest units go first, so the others fill the remaining workers. A
# unit is a family, or a part of one that declares PARTS ("family:part").
_WEIGHT = {"test_stub:python": 4, "test_stub:other_languages": 4, "test_stub": 4, "dependency": 2, "security": 2,
           "suppressions": 2, "relaxed_config": 1}


class FamilyRun(NamedTuple):
    name: str
    findings: Tuple[Finding, ...] = ()
    notes: Tuple[str, ...] = ()
    seconds: float = 0.0
    stopped: str = ""  # "" ran to its end; "time-limit" or "memory-limit": stopped, with `reason`
    reason: str = ""


class Outcome(NamedTuple):
    runs: Tuple[FamilyRun, ...]  # in the families' order
    workers: int  # worker processes used (0: in this process)


def can_fork() -> bool:
    # fork shares the change with the workers at no cost; macOS's system
    # libraries are not fork-safe (CPython made spawn its default there in
    # 3.8), and /proc, where a worker's memory is read, is Linux's.
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.path.isdir("/proc/self")


def _cores() -> int:
    # The cores this process may run on (a CI container's share), not the
    # host's count that os.cpu_count() reports.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _added_bytes(change: ChangeSet, limit: int) -> int:
    total = 0
    for fc in change.files:
        for line in fc.added():
            total += len(line.text) + 1
            if total >= limit:
                return total
    return total


def run(modules: Sequence[ModuleType], change: ChangeSet, settings: Callable[[str], Dict[str, Any]],
        options: Options, limits: Dict[str, Any], started: float) -> Outcome:
    """Run MODULES (check families) on CHANGE; SETTINGS(name) is a family's
    validated options, LIMITS the policy's ``limits`` section, STARTED the
    run's perf_counter start (max_seconds count from it)."""
    jobs = int(limits.get("jobs", 0)) or _cores()
    jobs = max(1, min(jobs, MAX_JOBS))
    if can_fork() and _added_bytes(change, WORKER_BYTES) >= WORKER_BYTES:
        return _Pool(modules, change, settings, options, limits, started, jobs).run()
    return Outcome(tuple(_in_process(modules, change, settings, options, float(limits["max_seconds"]), started)),
                   0)


def run_one(module: ModuleType, change: ChangeSet, settings: Dict[str, Any], options: Options,
            part: Optional[str] = None) -> FamilyRun:
    """One family (or one PART of it, uncapped), here; a bug of ours fails
    the run (exit 2), never passes it."""
    notes: List[str] = []
    began = time.perf_counter()
    ctx = Context(options=options, settings=settings, warn=notes.append)
    try:
        if part is None:
            found = tuple(checks.run_family(module, change, ctx))
        else:
            found = tuple(checks.run_part(module, part, change, ctx))
    except GuardError:
        raise
    except Exception as exc:
        raise GuardError(f"check family {module.NAME!r} failed on this change: "
                         f"{type(exc).__name__}: {exc}") from exc
    return FamilyRun(module.NAME, found, tuple(notes), round(time.perf_counter() - began, 3))


def _in_process(modules: Sequence[ModuleType], change: ChangeSet, settings: Callable[[str], Dict[str, Any]],
                options: Options, max_seconds: float, started: float) -> List[FamilyRun]:
    out = []
    for module in modules:
        spent = time.perf_counter() - started
        if spent > max_seconds:
            out.append(FamilyRun(module.NAME, stopped="time-limit",
                                 reason=f"check family {module.NAME} not run: {spent:.0f} s spent "
                                        f"(limits.max_seconds {max_seconds:g})"))
            continue
        out.append(run_one(module, change, settings(module.NAME), options))
    return out


# ---------------------------------------------------------------------------
# Workers

def _worker(conn: Any, modules: Dict[str, ModuleType], change: ChangeSet,
            settings: Callable[[str], Dict[str, Any]], options: Options) -> None:
    # Its own process group, so that stopping it also stops what it started
    # (semgrep, ruff, mypy) instead of leaving them running.
    os.setpgrp()
    while True:
        try:
            unit = conn.recv()
        except EOFError:
            return
        if unit is None:
            return
        name, part = unit
        try:
            reply: Tuple[str, Any] = ("ok", run_one(modules[name], change, settings(name), options, part))
        except GuardError as exc:
            reply = ("error", str(exc))
        except MemoryError:
            reply = ("memory", "")
        conn.send(reply)


class _Busy(NamedTuple):
    process: Any
    conn: Any
    unit: str  # "family" or "family:part"


class _Pool:
    def __init__(self, modules: Sequence[ModuleType], change: ChangeSet,
                 settings: Callable[[str], Dict[str, Any]], options: Options, limits: Dict[str, Any],
                 started: float, jobs: int):
        import multiprocessing  # here: its import costs a commit hook 20 ms it never needs

        self.ctx = multiprocessing.get_context("fork")
        self.wait = __import__("multiprocessing.connection", fromlist=["wait"]).wait
        self.modules = {m.NAME: m for m in modules}
        self.order = [m.NAME for m in modules]
        self.change = change
        self.settings = settings
        self.options = options
        self.deadline = started + float(limits["max_seconds"])
        self.max_seconds = float(limits["max_seconds"])
        self.max_rss = int(float(limits["max_memory_mb"]) * 1024 * 1024)
        self.jobs = jobs
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.spawned = 0

    def _spawn(self) -> Tuple[Any, Any]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, self.modules, self.change, self.settings, self.options),
                                daemon=True)
        proc.start()
        child.close()
        self.spawned += 1
        return proc, parent

    def _rss(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                return int(fh.read().split()[1]) * self.page
        except (OSError, ValueError, IndexError):
            return 0

    @staticmethod
    def _stop(proc: Any) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.kill()
        except (OSError, ValueError):
            pass
        proc.join()

    def run(self) -> Outcome:
        # Every text the families read comes from one git batch: read it here,
        # once, so the workers share it instead of each reading it again.
        for fc in self.change.files:
            fc.old_text()
            fc.new_text()
        units: List[str] = []
        for name in self.order:
            parts = getattr(self.modules[name], "PARTS", ())
            if parts:
                units.extend(f"{name}:{part}" for part in parts)
            else:
                units.append(name)
        pending = sorted(units, key=lambda u: -_WEIGHT.get(u, 0))
        self.jobs = min(self.jobs, len(units))
        done: Dict[str, FamilyRun] = {}
        idle: List[Tuple[Any, Any]] = []
        busy: Dict[Any, _Busy] = {}  # conn -> what it runs
        started_at: Dict[str, float] = {}
        try:
            while pending or busy:
                while pending and len(busy) < self.jobs:
                    proc, conn = idle.pop() if idle else self._spawn()
                    unit = pending.pop(0)
                    name, _, part = unit.partition(":")
                    conn.send((name, part or None))
                    started_at[unit] = time.perf_counter()
                    busy[conn] = _Busy(proc, conn, unit)
                left = self.deadline - time.perf_counter()
                if left <= 0:
                    for job in busy.values():
                        self._stop(job.process)
                        spent = time.perf_counter() - started_at[job.unit]
                        done[job.unit] = FamilyRun(job.unit, stopped="time-limit", reason=(
                            f"check family {_shown(job.unit)} stopped after {spent:.0f} s "
                            f"(limits.max_seconds {self.max_seconds:g})"))
                    busy.clear()
                    for unit in pending:
                        done[unit] = FamilyRun(unit, stopped="time-limit", reason=(
                            f"check family {_shown(unit)} not run: limits.max_seconds {self.max_seconds:g} spent"))
                    pending = []
                    break
                for conn in self.wait(list(busy), timeout=min(POLL_SECONDS, left)):
                    job = busy.pop(conn)
                    try:
                        kind, value = conn.recv()
                    except (EOFError, OSError):
                        self._stop(job.process)
                        code = job.process.exitcode
                        raise GuardError(f"check family {_shown(job.unit)!r} failed on this change: its worker "
                                         f"process ended ({_exit_text(code)})") from None
                    if kind == "error":
                        raise GuardError(value)
                    if kind == "memory":
                        self._stop(job.process)
                        done[job.unit] = self._over_memory(job.unit, 0)
                        continue
                    done[job.unit] = value
                    idle.append((job.process, conn))
                for conn, job in list(busy.items()):
                    rss = self._rss(job.process.pid)
                    if rss > self.max_rss:
                        busy.pop(conn)
                        self._stop(job.process)
                        done[job.unit] = self._over_memory(job.unit, rss)
        finally:
            for job in busy.values():
                self._stop(job.process)
            for proc, conn in idle:
                try:
                    conn.send(None)
                except OSError:
                    pass
            for proc, conn in idle:
                proc.join(1.0)
                if proc.is_alive():
                    self._stop(proc)
        return Outcome(tuple(self._family(name, units, done) for name in self.order), self.spawned)

    def _family(self, name: str, units: List[str], done: Dict[str, FamilyRun]) -> FamilyRun:
        """The family NAME's result from its units' (its parts, in order)."""
        mine = [done[u] for u in units if u == name or u.startswith(name + ":")]
        stopped = [r for r in mine if r.stopped]
        if stopped:
            return FamilyRun(name, stopped=stopped[0].stopped, reason=stopped[0].reason)
        if len(mine) == 1 and mine[0].name == name and not getattr(self.modules[name], "PARTS", ()):
            return mine[0]
        notes = [n for r in mine for n in r.notes]
        found = checks.cap((f for r in mine for f in r.findings), notes.append)
        return FamilyRun(name, tuple(found), tuple(notes), round(sum(r.seconds for r in mine), 3))

    def _over_memory(self, unit: str, rss: int) -> FamilyRun:
        used = f"{rss / 1048576:,.0f} MB resident" if rss else "out of memory"
        return FamilyRun(unit, stopped="memory-limit", reason=(
            f"check family {_shown(unit)} stopped: {used} (limits.max_memory_mb {self.max_rss // 1048576:,})"))


def _shown(unit: str) -> str:
    name, _, part = unit.partition(":")
    return f"{name} ({part})" if part else name


def _exit_text(code: Optional[int]) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
