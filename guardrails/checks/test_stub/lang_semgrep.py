"""Run the bundled semgrep rule pack once over the new side of a change.

The new texts of the changed files are written to a temporary folder under
their own relative paths and passed to semgrep as explicit targets (so
semgrep's default ignore list, which skips ``tests/`` and ``*_test.go``, does
not apply).  One invocation per change, no network, no metrics, a timeout.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

PACK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "semgrep", "rules")
TIMEOUT = 60
# semgrep skips bigger files (its --max-target-bytes default); they get the built-in patterns
MAX_BYTES = 1_000_000
# nor is a file with a line longer than this (minified or generated code, not
# what the pack is for): semgrep's own parse of a long line of attributes or
# calls grows faster than the line (5,000 characters of `#[ignore]` take it
# 7 s, 20,000 take 36 s), so such a file gets the built-in patterns too
MAX_LINE_CHARS = 4_000
# repository-relative paths of the last run that semgrep reported an error for
failed_paths: Set[str] = set()


class Hit(NamedTuple):
    id: str  # the pack's rule id (last dotted part of semgrep's check_id)
    rule: str  # the guardrails rule id from metadata
    path: str  # repository-relative
    line: int
    end_line: int
    message: str
    metadata: Dict[str, object]


def find_semgrep() -> Optional[str]:
    """semgrep next to the running Python first (a venv), then on PATH."""
    here = os.path.dirname(sys.executable)
    for name in ("semgrep", "semgrep.exe"):
        candidate = os.path.join(here, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("semgrep")


def accepts(text: str) -> bool:
    """Whether semgrep is given a file with this new text (else the built-in
    patterns read it)."""
    if len(text) > MAX_BYTES:
        return False
    return len(text) <= MAX_LINE_CHARS or max(map(len, text.splitlines())) <= MAX_LINE_CHARS


def run(files: List[Tuple[str, str]], timeout: int = TIMEOUT) -> Tuple[Optional[List[Hit]], str]:
    """Scan FILES [(relative path, text)]. Returns (hits, "") or (None, why
    not).  Files semgrep could not parse are listed in ``failed_paths``."""
    failed_paths.clear()
    exe = find_semgrep()
    if exe is None:
        return None, "semgrep not found (next to Python or on PATH)"
    if not os.path.isdir(PACK):
        return None, f"semgrep rule pack missing at {PACK}"
    with tempfile.TemporaryDirectory(prefix="guardrails-semgrep-") as tmp:
        root = os.path.join(tmp, "new")
        targets = []
        for rel, text in files:
            rel = rel.replace("\\", "/").lstrip("/")
            if ".." in rel.split("/"):
                continue
            dest = os.path.join(root, *rel.split("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
                fh.write(text)
            targets.append(os.path.join("new", *rel.split("/")))
        if not targets:
            return [], ""
        env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
        env.setdefault("SEMGREP_USER_HOME", tmp)
        cmd = [exe, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet",
               "--no-git-ignore", "--oss-only", "--config", PACK, "--timeout", "10", *targets]
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, f"semgrep timed out after {timeout} s"
        except OSError as exc:
            return None, f"semgrep could not start: {exc}"
        try:
            data = json.loads(proc.stdout.decode("utf-8", "replace") or "{}")
        except ValueError:
            data = None
        if not isinstance(data, dict) or "results" not in data:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return None, f"semgrep failed (exit {proc.returncode}): {tail[0][:200]}"
        for e in data.get("errors", []) or []:
            path = str((e or {}).get("path", "")).replace("\\", "/")
            if path:
                failed_paths.add(path[4:] if path.startswith("new/") else path)
        hits = []
        for r in data.get("results", []):
            path = str(r.get("path", "")).replace("\\", "/")
            if path.startswith("new/"):
                path = path[4:]
            extra = r.get("extra") or {}
            meta = extra.get("metadata") or {}
            rule = meta.get("guardrails_rule")
            if not isinstance(rule, str):
                continue
            check_id = str(r.get("check_id", "")).rsplit(".", 1)[-1]
            hits.append(Hit(check_id, rule, path, int(r["start"]["line"]), int(r["end"]["line"]),
                            str(extra.get("message", "")).strip(), dict(meta)))
        return hits, ""
