"""go.mod: require (direct and `// indirect`), replace; exclude and retract
add no code and are skipped."""
from __future__ import annotations

import re
from typing import List

from guardrails.checks.dependency.model import GO, OVERRIDE, RUNTIME, TRANSITIVE, Dep, Parsed

_BLOCK = re.compile(r"^(require|replace|exclude|retract|tool|godebug)\s*\(\s*$")
_SINGLE = re.compile(r"^(require|replace|exclude|retract|tool)\s+(.+)$")


def _unquote(token: str) -> str:
    return token[1:-1] if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"`" else token


def parse(text: str, path: str) -> Parsed:
    deps: List[Dep] = []
    problems: List[str] = []
    block = ""
    for no, raw in enumerate(text.splitlines(), 1):
        code, _, comment = raw.partition("//")
        line = code.strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = ""
                continue
            _entry(block, line, comment, raw, no, path, deps, problems)
            continue
        m = _BLOCK.match(line)
        if m:
            block = m.group(1)
            continue
        m = _SINGLE.match(line)
        if m:
            _entry(m.group(1), m.group(2).strip(), comment, raw, no, path, deps, problems)
    return Parsed(deps=tuple(deps), problems=tuple(problems))


def _entry(kind: str, body: str, comment: str, raw: str, no: int, path: str,
           deps: List[Dep], problems: List[str]) -> None:
    if kind == "require":
        parts = body.split()
        if len(parts) != 2:
            problems.append(f"{path}:{no}: malformed require")
            return
        module, version = _unquote(parts[0]), parts[1]
        group = TRANSITIVE if "indirect" in comment.split() or comment.strip() == "indirect" else RUNTIME
        deps.append(Dep(GO, module, version, group, path, no, raw_name=module, text=raw.strip(),
                        version=version))
    elif kind == "replace":
        left, arrow, right = body.partition("=>")
        if not arrow:
            problems.append(f"{path}:{no}: malformed replace")
            return
        lparts, rparts = left.split(), right.split()
        if not lparts or not rparts:
            return
        module = _unquote(lparts[0])
        target = _unquote(rparts[0])
        tversion = rparts[1] if len(rparts) > 1 else ""
        local = target.startswith((".", "/"))
        source = f"path:{target}" if local else f"{target}@{tversion}"
        deps.append(Dep(GO, module, tversion, OVERRIDE, path, no, raw_name=module, source=source,
                        text=raw.strip(), version=tversion,
                        marker=lparts[1] if len(lparts) > 1 else ""))
