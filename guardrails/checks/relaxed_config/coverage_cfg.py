"""coverage.py: .coveragerc, setup.cfg / tox.ini [coverage:*],
pyproject.toml [tool.coverage.*] (coverage's own order)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    COVERAGE,
    Relaxation,
    as_bool,
    as_list,
    as_number,
    basename_in,
    dig,
    fmt_num,
    grown,
    load_ini,
    load_toml,
    minus,
    plus,
    relax,
)

TOOL = "coverage"
RULE = COVERAGE
FILES = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")
matches = basename_in(FILES)
SECTION = ("run", "report", "coverage:run", "coverage:report", "tool.coverage")

_LIST = r"[,\n]+"
# exclude_lines entries everyone uses: reported as info.
_IDIOM = re.compile(r"TYPE_CHECKING|NotImplementedError|pragma: no cover|__name__|@(?:typing\.|t\.)?overload"
                    r"|@(?:abc\.)?abstractmethod|__repr__|\\\.\\\.\\\.|\\\.\{3\}|assert_never|Protocol|if 0:|if False:"
                    r"|raise AssertionError")
_LINES = r"\n"


def _norm(opts: Dict[str, Any]) -> Dict[str, Any]:
    return {str(k).lower().replace("-", "_"): v for k, v in opts.items()}


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name == "pyproject.toml":
        table = dig(load_toml(text), "tool", "coverage")
        if not isinstance(table, dict):
            return None
        return {part: _norm(table[part] if isinstance(table.get(part), dict) else {}) for part in ("run", "report")}
    parser = load_ini(text)
    prefix = "" if name == ".coveragerc" else "coverage:"
    found = False
    out: Dict[str, Dict[str, Any]] = {"run": {}, "report": {}}
    for part in ("run", "report"):
        for section in (prefix + part, "coverage:" + part):
            if parser.has_section(section):
                found = True
                out[part].update(_norm(dict(parser.items(section))))
    if not found and name != ".coveragerc":
        return None
    return out


def empty() -> Dict[str, Any]:
    return {"run": {}, "report": {}}


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    ro, rn = old["report"], new["report"]
    fo, fn = as_number(ro.get("fail_under")) or 0.0, as_number(rn.get("fail_under")) or 0.0
    if fn < fo:
        out.append(relax(RULE, "report.fail_under", f"fail_under: {fmt_num(fo)} -> {fmt_num(fn)}",
                         ("fail_under",), side="new" if "fail_under" in rn else "old",
                         severity="block" if fn == 0 else None,
                         note="the coverage gate is off" if fn == 0 else "less coverage passes", section=SECTION))
    for part, key, sep in (("run", "omit", _LIST), ("report", "omit", _LIST)):
        more = grown(as_list(old[part].get(key), sep), as_list(new[part].get(key), sep))
        if more:
            out.append(relax(RULE, f"{part}.{key}", f"{key}: " + plus(more), (more[0].strip("'\""),), (key,),
                             note="files no longer counted", section=SECTION))
    excl_old = as_list(ro.get("exclude_lines"), _LINES) + as_list(ro.get("exclude_also"), _LINES)
    excl_new = as_list(rn.get("exclude_lines"), _LINES) + as_list(rn.get("exclude_also"), _LINES)
    more = [m.strip("'\"") for m in grown(excl_old, excl_new)]
    if more:
        key = "exclude_also" if any(m in as_list(rn.get("exclude_also"), _LINES) for m in more) else "exclude_lines"
        idioms = all(_IDIOM.search(m) for m in more)
        out.append(relax(RULE, f"report.{key}", f"{key}: " + plus(more), (more[0][:40],), (key,),
                         severity="info" if idioms else None,
                         note="lines no longer counted" + (" (common idioms)" if idioms else ""), section=SECTION))
    for key in ("source", "include"):
        lo, ln = as_list(old["run"].get(key), _LIST), as_list(new["run"].get(key), _LIST)
        gone = grown(ln, lo)
        if lo and ln and gone:
            out.append(relax(RULE, f"run.{key}", f"{key}: " + minus(gone), (gone[0],), (key,), side="old",
                             note="code no longer measured", section=SECTION))
    if as_bool(old["run"].get("branch")) and not as_bool(new["run"].get("branch")):
        out.append(relax(RULE, "run.branch", "branch: true -> false", ("branch",),
                         side="new" if "branch" in new["run"] else "old", section=SECTION))
    return out
