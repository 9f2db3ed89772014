"""flake8: [flake8] in setup.cfg, tox.ini or .flake8."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    LINT,
    Relaxation,
    as_bool,
    as_list,
    as_number,
    basename_in,
    codes_for_pattern,
    covered,
    fmt_num,
    grown,
    ini_section,
    load_ini,
    minus,
    plus,
    relax,
    tail_index,
)

TOOL = "flake8"
RULE = LINT
FILES = ("setup.cfg", "tox.ini", ".flake8")  # flake8 takes the first with a [flake8] section
matches = basename_in(FILES)
SECTION = ("flake8",)

DEFAULT_IGNORE = ["E121", "E123", "E126", "E226", "E24", "E704", "W503", "W504"]
DEFAULT_SELECT = ["E", "F", "W", "C90"]
DEFAULT_EXCLUDE = [".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs", "*.egg"]


def extract(name: str, text: str) -> Optional[Dict[str, str]]:
    return ini_section(load_ini(text), "flake8")


def empty() -> Dict[str, str]:
    return {}


def per_file_ignores(value: Any) -> Dict[str, List[str]]:
    """'tests/*: S101, E501  __init__.py:F401' -> {pattern: [codes]}."""
    out: Dict[str, List[str]] = {}
    current: Optional[str] = None
    tokens = re.findall(r"[^\s,:]+|:", str(value or ""))
    for i, token in enumerate(tokens):
        if token == ":":
            continue
        if i + 1 < len(tokens) and tokens[i + 1] == ":":
            current = token
            out.setdefault(current, [])
        elif current is not None:
            out[current].append(token)
    return out


def _codes(cfg: Dict[str, str], key: str, default: List[str]) -> List[str]:
    return as_list(cfg[key]) if key in cfg else list(default)


def compare(old: Dict[str, str], new: Dict[str, str]) -> List[Relaxation]:
    out: List[Relaxation] = []
    ign_old = _codes(old, "ignore", DEFAULT_IGNORE) + as_list(old.get("extend-ignore"))
    explicit = as_list(new.get("ignore")) + as_list(new.get("extend-ignore"))
    added = [c for c in explicit if not covered(c, ign_old)]  # flake8's own defaults are not news
    if added:
        key = "extend-ignore" if any(c in as_list(new.get("extend-ignore")) for c in added) else "ignore"
        out.append(relax(RULE, key, f"{key}: " + plus(added), (key, added[0]), (added[0],), (key,),
                         note="checks turned off", section=SECTION))
    sel_old = _codes(old, "select", DEFAULT_SELECT) + as_list(old.get("extend-select"))
    sel_new = _codes(new, "select", DEFAULT_SELECT) + as_list(new.get("extend-select"))
    dropped = [c for c in sel_old if not covered(c, sel_new)]
    if dropped:
        key = "extend-select" if all(c in as_list(old.get("extend-select")) for c in dropped) else "select"
        out.append(relax(RULE, key, f"{key}: " + minus(dropped), (key, dropped[0]), (key,),
                         side="old" if key in old else "new", severity="block" if not sel_new else None, note="checks no longer selected",
                         section=SECTION))
    pfi_old = per_file_ignores(old.get("per-file-ignores"))
    pfi_old_ext = per_file_ignores(old.get("extend-per-file-ignores"))
    olds = {**pfi_old, **{k: pfi_old.get(k, []) + v for k, v in pfi_old_ext.items()}}
    index = tail_index(olds)
    for table_key in ("per-file-ignores", "extend-per-file-ignores"):
        for pattern, codes in per_file_ignores(new.get(table_key)).items():
            before = codes_for_pattern(pattern, olds, index) + ign_old
            grew = [c for c in codes if not covered(c, before)]
            if grew:
                out.append(relax(RULE, table_key, f"{table_key}[{pattern}]: " + plus(grew),
                                 (pattern, grew[0]), (grew[0],), (pattern,), (table_key,),
                                 note="checks turned off for matching files", section=SECTION))
    exc_old = _codes(old, "exclude", DEFAULT_EXCLUDE) + as_list(old.get("extend-exclude"))
    exc_new = _codes(new, "exclude", DEFAULT_EXCLUDE) + as_list(new.get("extend-exclude"))
    more = grown(exc_old, exc_new)
    if more:
        out.append(relax(RULE, "exclude", "exclude: " + plus(more), (more[0],), ("exclude",),
                         note="files no longer linted", section=SECTION))
    for key, default in (("max-line-length", 79.0), ("max-doc-length", None), ("max-complexity", -1.0)):
        o = as_number(old.get(key)) if key in old else default
        n = as_number(new.get(key)) if key in new else default
        if o is None or o < 0 or not old:
            continue  # no [flake8] section before: a first config sets limits, it does not raise them
        if n is None or n < 0 or n > o:
            out.append(relax(RULE, key, f"{key}: {fmt_num(o)} -> {fmt_num(n) if n is not None and n >= 0 else 'off'}",
                             (key,), side="new" if key in new else "old", note="limit raised",
                             section=SECTION))
    if as_bool(old.get("disable-noqa")) and not as_bool(new.get("disable-noqa")):
        out.append(relax(RULE, "disable-noqa", "disable-noqa: true -> false", ("disable-noqa",),
                         side="new" if "disable-noqa" in new else "old", note="# noqa comments honoured again",
                         section=SECTION))
    return out
