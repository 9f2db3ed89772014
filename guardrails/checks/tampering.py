"""Guard tampering: a change to the files that decide how changes are judged.

The guard's own policy (`.guardrails.yml` and the files it `extends:`),
workflows and hooks that run guardrails, `.pre-commit-config.yaml`,
CODEOWNERS, and the instruction files coding agents read.  Only paths are
tested, except for CI files, whose text is searched for "guardrails".
"""
from __future__ import annotations

import fnmatch
import posixpath
from typing import Iterable, List, Optional, Set, Tuple

import yaml

from guardrails.checks import finding
from guardrails.model import (
    ADDED,
    DELETED,
    REMOVED,
    ChangeSet,
    Context,
    FileChange,
    Finding,
    glob_match,
)

NAME = "tampering"
CONFIG_SCHEMA: dict = {
    # More paths to protect (globs, as in `exclude`), e.g. ["ci/policy/**", "Makefile"].
    "paths": [],
}

RULE = "suppression/guard-tampering"
CONFIG_NAMES = (".guardrails.yml", ".guardrails.yaml")
CODEOWNERS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
PRE_COMMIT = (".pre-commit-config.yaml", ".pre-commit-config.yml")
# Instruction files agents read, by name anywhere in the tree ...
AGENT_NAMES = frozenset((
    "AGENTS.md", "AGENT.md", "CLAUDE.md", "CLAUDE.local.md", "GEMINI.md", ".cursorrules", ".windsurfrules",
    ".clinerules", ".roorules", ".goosehints", ".augment-guidelines", ".aider.conf.yml", ".rules",
))
# ... and by place.
AGENT_GLOBS = (
    ".github/copilot-instructions.md", ".github/instructions/*", ".github/prompts/*", ".github/chatmodes/*",
    ".cursor/rules/*", ".cursor/*.json", ".claude/*", ".gemini/*", ".windsurf/rules/*", ".clinerules/*",
    ".roo/*", ".kiro/steering/*", ".junie/*", ".continue/rules/*", ".amazonq/rules/*", ".codex/*",
    ".openhands/*", ".aider/*",
)
CI_GLOBS = (".github/workflows/*", ".github/actions/*", "action.yml", "action.yaml", ".gitlab-ci.yml", ".gitlab/ci/*", ".circleci/*", "azure-pipelines.yml",
            "azure-pipelines.yaml", "Jenkinsfile", "bitbucket-pipelines.yml", ".buildkite/*", ".drone.yml",
            ".travis.yml")
HOOK_GLOBS = (".husky/*", ".githooks/*", "lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".git-hooks/*")


def _under(path: str, patterns: Tuple[str, ...]) -> bool:
    """fnmatch where '*' may cross folders (".claude/*" covers .claude/commands/x.md)."""
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def _extends(change: ChangeSet) -> Set[str]:
    """Local files named by `extends:` in the policy, followed a few levels,
    on the base side (the policy in force) and the new side."""
    readers = [change.read_head] if change.mode == "diff" else [change.read_base, change.read_head]
    found: Set[str] = set()
    for read in readers:
        todo: List[Tuple[str, int]] = [(name, 0) for name in CONFIG_NAMES]
        seen: Set[str] = set()
        while todo:
            path, depth = todo.pop()
            if path in seen or depth > 5:
                continue
            seen.add(path)
            text = read(path)
            if not text:
                continue
            try:
                data = yaml.safe_load(text)
            except (yaml.YAMLError, RecursionError, ValueError):
                # ValueError: a value YAML types but Python refuses (an integer of
                # 5,000 digits, the date 2024-02-30)
                continue
            value = data.get("extends") if isinstance(data, dict) else None
            items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            for item in items:
                if not isinstance(item, str) or "://" in item or item.startswith("gh:"):
                    continue
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), item.strip()))
                if target.startswith("../") or target == "..":
                    continue
                found.add(target)
                todo.append((target, depth + 1))
    return found


def _mentions_guardrails(fc: FileChange) -> bool:
    for text in (fc.new_text(), fc.old_text()):
        if text and "guardrails" in text.lower():
            return True
    return any("guardrails" in ln.text.lower() for ln in fc.lines())


def _kind(fc: FileChange, path: str, extends: Set[str], extra: List[str]) -> Optional[str]:
    name = path.rsplit("/", 1)[-1]
    if path in CONFIG_NAMES:
        return "guardrails policy"
    if path in extends:
        return "guardrails policy (a file .guardrails.yml extends)"
    if path in PRE_COMMIT:
        return "pre-commit config"
    if path in CODEOWNERS:
        return "CODEOWNERS"
    if name in AGENT_NAMES or _under(path, AGENT_GLOBS):
        return "agent instructions"
    if _under(path, CI_GLOBS) and _mentions_guardrails(fc):
        return "CI workflow that runs guardrails"
    if _under(path, HOOK_GLOBS) and _mentions_guardrails(fc):
        return "git hook that runs guardrails"
    if extra and glob_match(path, extra):
        return "protected path (tampering.paths)"
    return None


def _only_revs(fc: FileChange) -> bool:
    """A pre-commit autoupdate: every changed line is a `rev:` line."""
    changed = [ln.text.strip() for ln in fc.lines() if ln.kind in (ADDED, REMOVED)]
    return bool(changed) and all(t.startswith("rev:") for t in changed)


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    extra = [str(p) for p in (ctx.settings.get("paths") or [])]
    extends = _extends(change) if change.files else set()
    from guardrails.checks import gate_lowering
    out: List[Finding] = gate_lowering.findings(change, ctx, extends)  # block; those files need no second finding
    lowered = {f.path for f in out}
    for fc in change.files:
        if fc.path in lowered:
            continue
        kind = None
        for path in dict.fromkeys(p for p in (fc.path, fc.old_path) if p):
            kind = _kind(fc, path, extends, extra)
            if kind:
                break
        if not kind:
            continue
        added = [ln for ln in fc.added()]
        removed = [ln for ln in fc.removed()]
        line, side, evidence = 0, "new", ""
        if fc.status != DELETED and added:
            line, evidence = added[0].new_no or 0, added[0].text
        elif fc.status != DELETED and removed:
            line, side, evidence = removed[0].old_no or 0, "old", removed[0].text
        status = fc.status
        where = f"{fc.old_path} -> {fc.path}" if fc.old_path and fc.old_path != fc.path else fc.path
        severity = "info" if kind == "pre-commit config" and _only_revs(fc) else None
        message = (f"{kind} {status}: {where} (+{len(added)} -{len(removed)}); the files that decide how "
                   "changes are judged need a human reviewer")
        details = {"file": fc.path, "kind": kind, "status": status, "lines_added": len(added),
                   "lines_removed": len(removed)}
        if fc.old_path and fc.old_path != fc.path:
            details["old_path"] = fc.old_path
        if severity:
            details["note"] = "only hook versions (rev:) changed"
        out.append(finding(RULE, fc.path, line, message, evidence, side=side, details=details,
                           severity=severity))
    return out
