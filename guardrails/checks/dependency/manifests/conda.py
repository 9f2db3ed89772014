"""conda environment files: `channels:` and `dependencies:` (conda packages,
and the `pip:` sub-list, which holds PyPI requirements)."""
from __future__ import annotations

import re
from typing import List

from guardrails.checks.dependency.manifests import _yaml, pep508
from guardrails.checks.dependency.model import (
    CONDA, PYPI, RUNTIME, Dep, Index, Parsed, mask, pep503,
)

_SPEC = re.compile(r"^(?:([\w.-]+)::)?([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*(.*)$")
_DEFAULT_CHANNELS = {"defaults", "conda-forge", "nodefaults", "bioconda", "main", "pytorch", "nvidia"}
_SKIP = {"python", "pip"}


def parse(text: str, path: str) -> Parsed:
    root = _yaml.compose(text)
    if root is None:
        return Parsed(problems=(f"{path}: invalid YAML: {_yaml.problem(text)}",))
    lines = text.splitlines()
    deps_node = _yaml.get(root, "dependencies")
    if deps_node is None:
        return Parsed()
    deps: List[Dep] = []
    indexes: List[Index] = []
    problems: List[str] = []
    for ch in _yaml.seq(_yaml.get(root, "channels")):
        value = _yaml.scalar(ch)
        if value:
            no = _yaml.line(ch)
            indexes.append(Index(url=mask(value), kind="channel", ecosystem=CONDA, path=path, line=no,
                                 text=mask(lines[no - 1].strip()) if no <= len(lines) else value,
                                 name=value, default=value in _DEFAULT_CHANNELS))
    for item in _yaml.seq(deps_node):
        value = _yaml.scalar(item)
        if value is not None:
            m = _SPEC.match(value.strip())
            if not m:
                problems.append(f"{path}:{_yaml.line(item)}: not a conda package: {value[:80]}")
                continue
            name = m.group(2)
            if name.lower() in _SKIP:
                continue
            spec = m.group(3).strip().lstrip("=") if m.group(3).strip().startswith("=") and not \
                m.group(3).strip().startswith("==") else m.group(3).strip()
            spec = spec.split(" ")[0] if " " in spec and not re.search(r"[<>,|]", spec) else spec
            no = _yaml.line(item)
            deps.append(Dep(CONDA, pep503(name), spec.replace(" ", ""), RUNTIME, path, no, raw_name=name,
                            source=f"channel:{m.group(1)}" if m.group(1) else "",
                            text=lines[no - 1].strip() if no <= len(lines) else value))
            continue
        pip = _yaml.get(item, "pip")
        for sub in _yaml.seq(pip):
            value = _yaml.scalar(sub)
            if not value:
                continue
            no = _yaml.line(sub)
            text_line = lines[no - 1].strip() if no <= len(lines) else value
            if value.startswith("-"):
                opt, _, arg = value.partition(" ")
                if opt in ("--index-url", "-i", "--extra-index-url") and arg.strip():
                    indexes.append(Index(url=mask(arg.strip()), kind="extra-index-url" if opt == "--extra-index-url"
                                         else "index-url", ecosystem=PYPI, path=path,
                                         line=no, text=mask(text_line), default=opt != "--extra-index-url"))
                continue
            req = pep508.parse(value)
            if req is None:
                name = pep508.name_from_url(value)
                if name:
                    deps.append(Dep(PYPI, pep503(name), "", RUNTIME, path, no, raw_name=name,
                                    source=mask(value), text=mask(text_line), subgroup="pip"))
                continue
            deps.append(Dep(PYPI, pep503(req.name), req.spec, RUNTIME, path, no, raw_name=req.name,
                            source=mask(req.url), text=mask(text_line), extras=req.extras,
                            marker=req.marker, subgroup="pip"))
    return Parsed(deps=tuple(deps), indexes=tuple(indexes), problems=tuple(problems))
