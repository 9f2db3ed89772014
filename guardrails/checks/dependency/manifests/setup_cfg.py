"""setup.cfg: [options] install_requires / setup_requires / tests_require and
[options.extras_require], read with a line-keeping INI reader."""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

from guardrails.checks.dependency.manifests import pep508
from guardrails.checks.dependency.model import BUILD, DEV, OPTIONAL, PYPI, RUNTIME, Dep, Parsed, mask, pep503

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_KEY = re.compile(r"^([A-Za-z0-9_.\-]+)\s*[=:]\s*(.*)$")


def read_ini(text: str) -> Dict[str, Dict[str, List[Tuple[int, str]]]]:
    """section -> key -> [(line, value piece)], continuation lines kept apart."""
    out: Dict[str, Dict[str, List[Tuple[int, str]]]] = {}
    section = ""
    key = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip()[:1] in "#;":
            continue
        if not raw[:1].isspace():
            m = _SECTION.match(line)
            if m:
                section = m.group(1).strip()
                out.setdefault(section, {})
                key = ""
                continue
            m = _KEY.match(line)
            if m:
                key = m.group(1).strip().lower().replace("-", "_")
                out.setdefault(section, {}).setdefault(key, [])
                if m.group(2).strip():
                    out[section][key].append((no, m.group(2).strip()))
                continue
            key = ""
            continue
        if key:
            out.setdefault(section, {}).setdefault(key, []).append((no, line.strip()))
    return out


def requirement_lines(pieces: List[Tuple[int, str]]) -> List[Tuple[int, str]]:
    """A value holds one requirement a line, or several separated by ';'-free commas."""
    out = []
    for no, piece in pieces:
        piece = re.sub(r"\s+#.*$", "", piece).strip()
        if not piece or piece.startswith("file:"):
            continue
        out.append((no, piece))
    return out


def parse(text: str, path: str) -> Parsed:
    ini = read_ini(text)
    deps: List[Dep] = []
    problems: List[str] = []
    options = ini.get("options", {})

    def add(pieces: List[Tuple[int, str]], group: str, subgroup: str = "") -> None:
        for no, item in requirement_lines(pieces):
            req = pep508.parse(item)
            if req is None:
                problems.append(f"{path}:{no}: not a requirement: {item[:80]}")
                continue
            deps.append(Dep(PYPI, pep503(req.name), req.spec, group, path, no, raw_name=req.name,
                            source=mask(req.url), text=item, extras=req.extras, marker=req.marker,
                            subgroup=subgroup))

    add(options.get("install_requires", []), RUNTIME)
    add(options.get("setup_requires", []), BUILD)
    add(options.get("tests_require", []), DEV, "tests")
    for extra, pieces in ini.get("options.extras_require", {}).items():
        add(pieces, OPTIONAL, extra)
    return Parsed(deps=tuple(deps), problems=tuple(problems))
