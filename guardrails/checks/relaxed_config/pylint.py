"""pylint: pylintrc, .pylintrc (INI or TOML), pyproject.toml [tool.pylint.*],
setup.cfg / tox.ini [pylint.*] sections.  Sections are merged: pylint reads
options by name whatever section holds them."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    LINT,
    Relaxation,
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
    regex_parts,
    relax,
)

TOOL = "pylint"
RULE = LINT
FILES = ("pylintrc", "pylintrc.toml", ".pylintrc", ".pylintrc.toml", "pyproject.toml", "setup.cfg", "tox.ini")
matches = basename_in(FILES)
SECTION = ("tool.pylint", "pylint", "main", "master", "messages control", "messages-control", "format", "design",
           "basic", "similarities", "miscellaneous", "typecheck", "variables", "refactoring")

LIMITS = {"max-line-length": 100, "max-args": 5, "max-positional-arguments": 5, "max-locals": 15,
          "max-returns": 6, "max-branches": 12, "max-statements": 50, "max-attributes": 7,
          "max-nested-blocks": 5, "max-bool-expr": 5, "max-public-methods": 20, "max-module-lines": 1000,
          "max-parents": 7}


def _flatten(table: Any, out: Dict[str, Any]) -> Dict[str, Any]:
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, out)
        else:
            out[str(key).lower().replace("_", "-")] = value
    return out


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name.endswith(".toml"):
        table = dig(load_toml(text), "tool", "pylint")
        if not isinstance(table, dict):
            return {} if name != "pyproject.toml" else None
        return _flatten(table, {})
    parser = load_ini(text)
    wanted = [s for s in parser.sections()
              if name in ("pylintrc", ".pylintrc") or s.lower().startswith("pylint.")]
    if not wanted:
        return {} if name in ("pylintrc", ".pylintrc") else None
    out: Dict[str, Any] = {}
    for section in wanted:
        for key, value in parser.items(section):
            out[key.lower().replace("_", "-")] = value
    return out


def empty() -> Dict[str, Any]:
    return {}


def _names(value: Any) -> List[str]:
    return [v.lower() for v in as_list(value)]


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    before = set(_names(old.get("disable")))
    enabled_now = set(_names(new.get("enable")))
    disabled = [d for d in dict.fromkeys(as_list(new.get("disable")))
                if d.lower() not in before and d.lower() not in enabled_now]
    if disabled:
        out.append(relax(RULE, "disable", "disable: " + plus(disabled), ("disable", disabled[0]), (disabled[0],),
                         ("disable",), severity="block" if "all" in [d.lower() for d in disabled] else None,
                         note="messages turned off", section=SECTION))
    unenabled = grown(_names(new.get("enable")), _names(old.get("enable")))
    if unenabled:
        out.append(relax(RULE, "enable", "enable: " + minus(unenabled), ("enable", unenabled[0]), ("enable",),
                         side="old", note="messages no longer enabled", section=SECTION))
    fo = as_number(old.get("fail-under", 10))
    fn = as_number(new.get("fail-under", 10))
    if fo is not None and fn is not None and fn < fo:
        out.append(relax(RULE, "fail-under", f"fail-under: {fmt_num(fo)} -> {fmt_num(fn)}", ("fail-under",),
                         side="new" if "fail-under" in new else "old", note="a lower score passes",
                         section=SECTION))
    for key in ("ignore", "ignore-paths", "ignore-patterns"):
        split = regex_parts if key != "ignore" else as_list
        more = grown(split(old.get(key)), split(new.get(key)))
        if more:
            out.append(relax(RULE, key, f"{key}: " + plus(more), (key, more[0]), (more[0],), (key,),
                             note="files no longer linted", section=SECTION))
    if old:
        for key, default in LIMITS.items():
            o = as_number(old.get(key, default))
            n = as_number(new.get(key, default))
            if o is not None and n is not None and n > o:
                out.append(relax(RULE, key, f"{key}: {fmt_num(o)} -> {fmt_num(n)}", (key,), note="limit raised",
                                 section=SECTION))
    return out
