"""*.gemspec, read as data: `spec.add_dependency` / `add_runtime_dependency`
/ `add_development_dependency` lines (never evaluated)."""
from __future__ import annotations

import re
from typing import List

from guardrails.checks.dependency.manifests.gemfile import _args, _strip_comment
from guardrails.checks.dependency.model import DEV, RUBYGEMS, RUNTIME, Dep, Parsed, normalise

_ADD = re.compile(r"^\w+\.add_(runtime_|development_)?dependency\b\s*\(?(.*?)\)?\s*$")


def parse(text: str, path: str) -> Parsed:
    deps: List[Dep] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        m = _ADD.match(line)
        if not m:
            continue
        pos, _ = _args(m.group(2))
        if not pos:
            continue
        group = DEV if m.group(1) == "development_" else RUNTIME
        spec = ",".join(p.replace(" ", "") for p in pos[1:])
        deps.append(Dep(RUBYGEMS, normalise(RUBYGEMS, pos[0]), spec, group, path, no, raw_name=pos[0],
                        text=raw.strip()))
    return Parsed(deps=tuple(deps))
