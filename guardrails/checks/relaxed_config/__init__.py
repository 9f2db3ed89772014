"""Relaxed configuration: a semantic diff of the old and new settings of the
tools that gate a change (linters, type checkers, test runners, coverage,
CI workflows, pre-commit), plus hook bypasses (`--no-verify`).

Each tool module says which files configure its tool and how to compare two
parsed configurations; this module finds the changed config files (a cheap
path test first), works out which file is in force in each folder on each
side (adding a `mypy.ini` that shadows `[tool.mypy]` counts), and turns the
tool's relaxations into findings on the line that carries them.
"""
from __future__ import annotations

import posixpath
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.relaxed_config import (
    coverage_cfg,
    eslint,
    flake8,
    golangci,
    hunks,
    js_test,
    mypy,
    precommit,
    pylint,
    pyright,
    pytest_cfg,
    ruff,
    scripts,
    tsconfig,
    workflows,
)
from guardrails.checks.relaxed_config.base import (
    ParseError,
    Relaxation,
    SideText,
    locate,
)
from guardrails.model import (
    ADDED_FILE,
    COPIED,
    DELETED,
    ChangeSet,
    Context,
    FileChange,
    Finding,
)

NAME = "relaxed_config"
CONFIG_SCHEMA: dict = {
    # Tool names to leave alone, e.g. ["pylint", "eslint"].
    "skip_tools": [],
}

TOOLS = (ruff, flake8, pylint, mypy, pyright, pytest_cfg, coverage_cfg, tsconfig, eslint,
         eslint.IGNORE_FILE, js_test.JEST, js_test.VITEST, golangci, precommit, workflows)

_UNKNOWN = object()


class _Reader:
    """Old and new text of any path, from the change or (unchanged) the repository."""

    def __init__(self, change: ChangeSet):
        self.change = change
        self.new_map: Dict[str, FileChange] = {}
        self.old_map: Dict[str, FileChange] = {}
        for f in change.files:
            if f.status != DELETED:
                self.new_map[f.path] = f
            if f.status not in (ADDED_FILE, COPIED):  # a copy's source is still there
                self.old_map[f.old_path or f.path] = f
        self._existing: Optional[Set[str]] = None
        self._unchanged: Dict[str, Optional[str]] = {}
        self.skipped: Set[str] = set()  # changed config files whose settings could not be compared

    def exists_now(self, path: str) -> Optional[bool]:
        """Is PATH (a file or folder; a glob is cut at its first wildcard) on
        the new side?  None when the tree cannot be listed."""
        if self._existing is None:
            self._existing = set(self.change.list_head())
        if not self._existing:
            return None
        cut = path
        for i, ch in enumerate(path):
            if ch in "*?[{":
                cut = path[:i].rsplit("/", 1)[0] if "/" in path[:i] else ""
                break
        cut = posixpath.normpath(cut).lstrip("./") if cut else ""
        if not cut:
            return True
        prefix = cut.rstrip("/") + "/"
        return cut in self._existing or any(p.startswith(prefix) for p in self._existing)

    def in_change(self, path: str) -> bool:
        return path in self.new_map or path in self.old_map

    def _read_unchanged(self, path: str) -> Optional[str]:
        if path not in self._unchanged:
            if self._existing is None:
                self._existing = set(self.change.list_head())
            text = None
            if not self._existing or path in self._existing:
                text = self.change.read_head(path)
                if text is None:
                    text = self.change.read_base(path)
            self._unchanged[path] = text
        return self._unchanged[path]

    def text(self, path: str, side: str) -> Tuple[Any, frozenset]:
        """(text or None or _UNKNOWN, changed line numbers) of PATH on SIDE."""
        if side == "old":
            fc = self.old_map.get(path)
            if fc is not None:
                text = fc.old_text()
                if text is None and not fc.is_binary:
                    return _UNKNOWN, frozenset()  # hunks-only coverage
                return text, fc.removed_line_numbers()
            if path in self.new_map:
                return None, frozenset()
        else:
            fc = self.new_map.get(path)
            if fc is not None:
                text = fc.new_text()
                if text is None and not fc.is_binary:
                    return _UNKNOWN, frozenset()
                return text, fc.added_line_numbers()
            if path in self.old_map:
                return None, frozenset()
        return self._read_unchanged(path), frozenset()


class _Side:
    def __init__(self) -> None:
        self.cfg: Any = None
        self.files: List[SideText] = []
        self.error: Optional[Tuple[str, str]] = None  # (path, message) of a config that does not parse
        self.unknown = False

    @property
    def winner(self) -> Optional[str]:
        return self.files[0].path if self.files else None


def _load_side(tool: Any, paths: List[str], side: str, reader: _Reader, merge: bool) -> _Side:
    out = _Side()
    cfgs = []
    for path in paths:
        text, changed = reader.text(path, side)
        if text is _UNKNOWN:
            out.unknown = True
            return out
        if text is None:
            continue
        try:
            try:
                cfg = tool.extract(posixpath.basename(path), text)
            except (RecursionError, TypeError, ValueError, AttributeError) as exc:
                raise ParseError(f"cannot be read ({type(exc).__name__})") from None
        except ParseError as exc:
            out.error = (path, str(exc))
            if reader.in_change(path):
                return out
            out.unknown = True
            return out
        if cfg is None:
            continue
        out.files.append(SideText(path, text, changed))
        cfgs.append(cfg)
        if not merge:
            break
    if cfgs:
        out.cfg = tool.merge(cfgs) if merge else cfgs[0]
    return out


def _groups(tool: Any, change: ChangeSet) -> Dict[str, List[str]]:
    """Folder (or file, for per-file tools) -> candidate paths in precedence order."""
    strategy = getattr(tool, "STRATEGY", "first")
    groups: Dict[str, List[str]] = {}
    for f in change.files:
        for path in {f.path, f.old_path} - {None}:
            assert path is not None
            if not tool.matches(path):
                continue
            if strategy == "each":
                groups.setdefault(f.path, [])
            else:
                folder = posixpath.dirname(path)
                groups.setdefault(folder, [posixpath.join(folder, b) if folder else b for b in tool.FILES])
    return groups


def _exists_filter(r: Relaxation, old: _Side, new: _Side, reader: _Reader) -> bool:
    """False when every path a narrowing dropped is gone from the tree
    (renamed or deleted in the change): nothing was left unchecked."""
    paths = (r.extra or {}).get("_exists")
    if not paths:
        return True
    winner = old.winner or new.winner or ""
    folder = posixpath.dirname(winner)
    for path in paths:
        found = reader.exists_now(posixpath.join(folder, path) if folder else path)
        if found is None or found:
            return True
    return False


def _findings_for(tool: Any, rels: List[Relaxation], old: _Side, new: _Side,
                  fallback: str, reader: _Reader) -> Iterable[Finding]:
    moved = ""
    if getattr(tool, "STRATEGY", "first") != "first":
        pass
    elif old.winner and new.winner and old.winner != new.winner:
        moved = f" ({new.winner} now takes precedence over {old.winner})"
    elif not new.winner and old.winner:
        moved = f" ({old.winner} no longer configures {tool.TOOL})"
    for r in rels:
        if not _exists_filter(r, old, new, reader):
            continue
        side_files = new.files if r.side == "new" else old.files
        target, line = locate(side_files, r)
        side = r.side
        if target is None:
            target, line = locate(new.files or old.files, r)
            side = "new" if new.files else "old"
            line = 0
        path = target.path if target is not None else fallback
        evidence = target.lines[line - 1] if target is not None and line else ""
        message = f"{tool.TOOL}: {r.change}" + (f" - {r.note}" if r.note else "") + moved
        details: Dict[str, Any] = {"tool": tool.TOOL, "key": r.key, "change": r.change}
        if r.extra:
            details.update((k, v) for k, v in r.extra.items() if not k.startswith("_"))
        if old.winner != new.winner:
            details["config_in_force"] = {"old": old.winner, "new": new.winner}
        yield finding(r.rule, path, line, message, evidence, side=side, details=details,
                      severity=r.severity)


def _check_tool(tool: Any, change: ChangeSet, reader: _Reader, ctx: Context) -> Iterable[Finding]:
    strategy = getattr(tool, "STRATEGY", "first")
    groups = _groups(tool, change)
    if not groups:
        return
    pairs = []
    for key, paths in groups.items():
        if strategy == "each":
            fc = reader.new_map.get(key) or reader.old_map.get(key)
            assert fc is not None
            old_path = fc.old_path if fc.status not in (ADDED_FILE, COPIED) else None
            old = _load_side(tool, [old_path] if old_path else [], "old", reader, False)
            new = _load_side(tool, [key] if fc.status != DELETED else [], "new", reader, False)
        else:
            merge = strategy == "merge"
            old = _load_side(tool, paths, "old", reader, merge)
            new = _load_side(tool, paths, "new", reader, merge)
        if new.error is None and (old.unknown or new.unknown or old.error is not None):
            reader.skipped.update(p for p in (paths or [key]) if reader.in_change(p))
            continue
        pairs.append((key, old, new))
    extra = tool.prepare([(o.cfg, n.cfg) for _, o, n in pairs if n.error is None]) \
        if hasattr(tool, "prepare") else None
    for key, old, new in pairs:
        if new.error is not None:
            path, message = new.error
            yield finding(tool.RULE, path, 0,
                          f"{tool.TOOL}: {path} does not parse ({message}); whether it relaxes "
                          f"{tool.TOOL} cannot be checked", "",
                          details={"tool": tool.TOOL, "key": "(file)", "change": "unparseable",
                                   "error": message})
            continue
        if old.cfg is None and new.cfg is None:
            continue
        old_cfg = old.cfg if old.cfg is not None else tool.empty()
        new_cfg = new.cfg if new.cfg is not None else tool.empty()
        if old_cfg == new_cfg:
            continue
        try:
            rels = tool.compare(old_cfg, new_cfg, extra) if extra is not None else tool.compare(old_cfg, new_cfg)
        except (TypeError, AttributeError, ValueError, KeyError) as exc:
            # A value of a shape the tool itself would reject (`repos: 5`).
            path = new.winner or old.winner or key
            yield finding(tool.RULE, path, 0, f"{tool.TOOL}: {path} has settings of an unexpected shape "
                          f"({type(exc).__name__}); whether it relaxes {tool.TOOL} cannot be checked", "",
                          details={"tool": tool.TOOL, "key": "(file)", "change": "unexpected shape"})
            continue
        if rels:
            yield from _findings_for(tool, rels, old, new, key, reader)


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    skip = {str(s).lower() for s in (ctx.settings.get("skip_tools") or ())}
    reader = _Reader(change)
    out: List[Finding] = []
    for tool in TOOLS:
        if tool.TOOL in skip:
            continue
        out.extend(_check_tool(tool, change, reader, ctx))
    if reader.skipped:
        ctx.warn("relaxed_config: settings not compared in " + ", ".join(sorted(reader.skipped))
                 + " (the old text is unknown or does not parse; their hunks were read instead)")
    seen = {(f.rule, f.path, f.details.get("change")) for f in out}
    out.extend(f for f in scripts.check(change, skip)
               if (f.rule, f.path, f.details.get("change")) not in seen)  # addopts: judged as config already
    seen = {(f.rule, f.path, f.line, f.side) for f in out}
    out.extend(f for f in hunks.check(change, skip) if (f.rule, f.path, f.line, f.side) not in seen)
    return out
