"""The decision cache: a JSON file the Action can keep between runs (e.g.
with actions/cache), so a re-run on the same change sends nothing and a
changed hunk is asked again.

A key is the hash of the finding's fingerprint, everything sent for it, the
model and the prompt template; nothing else can make a hit.  A file that
cannot be read is ignored (with a note), never trusted in part.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from typing import Any, Dict, Optional

from guardrails.review.prompt import Decision

VERSION = 1
MAX_ENTRIES = 20000  # oldest dropped beyond this


def key(item_hash: str, model: str, template_hash: str) -> str:
    return hashlib.sha256("\0".join((item_hash, model, template_hash)).encode()).hexdigest()


class Cache:
    def __init__(self, path: str):
        self.path = path
        self.entries: Dict[str, Dict[str, Any]] = {}
        self.dirty = False
        self.note: Optional[str] = None
        self.hits = 0
        self._load()

    def _load(self) -> None:
        if not self.path or not os.path.exists(self.path):
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            self.note = f"review cache {self.path} could not be read ({exc.__class__.__name__}); starting empty"
            return
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entries"), dict):
            self.note = f"review cache {self.path} is not a guardrails cache of version {VERSION}; starting empty"
            return
        self.entries = {k: v for k, v in data["entries"].items() if isinstance(v, dict)}

    def get(self, cache_key: str) -> Optional[Decision]:
        entry = self.entries.get(cache_key)
        if entry is None:
            return None
        decision, confidence = entry.get("decision"), entry.get("confidence")
        if decision not in ("allow", "block", "needs-human") or not isinstance(confidence, (int, float)):
            return None
        self.hits += 1
        return Decision(decision, float(confidence), str(entry.get("rationale", "")))

    def put(self, cache_key: str, decision: Decision, model: str) -> None:
        self.entries[cache_key] = {"decision": decision.decision, "confidence": decision.confidence,
                                   "rationale": decision.rationale, "model": model, "at": int(time.time())}
        self.dirty = True

    def save(self) -> Optional[str]:
        """Write the file atomically; returns a note when it cannot."""
        if not self.path or not self.dirty:
            return None
        entries = self.entries
        if len(entries) > MAX_ENTRIES:
            keep = sorted(entries.items(), key=lambda kv: kv[1].get("at", 0))[-MAX_ENTRIES:]
            entries = dict(keep)
        folder = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".guardrails-cache-", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": VERSION, "entries": entries}, f, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:
            return f"review cache {self.path} could not be written: {exc.strerror}"
        return None
