"""ruff: pyproject.toml [tool.ruff] / ruff.toml / .ruff.toml, the [lint]
table and the legacy top-level keys alike."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    LINT,
    Relaxation,
    as_list,
    as_number,
    basename_in,
    codes_for_pattern,
    covered,
    dig,
    fmt_num,
    grown,
    load_toml,
    minus,
    plus,
    relax,
    tail_index,
)

TOOL = "ruff"
RULE = LINT
FILES = (".ruff.toml", "ruff.toml", "pyproject.toml")  # ruff's own precedence
matches = basename_in(FILES)

DEFAULT_SELECT = ["E4", "E7", "E9", "F"]
SECTION = ("tool.ruff",)


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    data = load_toml(text)
    if name == "pyproject.toml":
        ruff = dig(data, "tool", "ruff")
        return ruff if isinstance(ruff, dict) else None
    return data


def empty() -> Dict[str, Any]:
    return {}


def _settings(cfg: Dict[str, Any]) -> Dict[str, Any]:
    raw = cfg.get("lint")
    lint: Dict[str, Any] = raw if isinstance(raw, dict) else {}

    def opt(name: str) -> Any:
        return lint[name] if name in lint else cfg.get(name)

    select = opt("select")
    pfi: Dict[str, List[str]] = {}
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        table = opt(key)
        if isinstance(table, dict):
            for pattern, codes in table.items():
                pfi.setdefault(str(pattern), []).extend(as_list(codes))
    return {
        "select": as_list(select) if select is not None else list(DEFAULT_SELECT),
        "extend-select": as_list(opt("extend-select")),
        "ignore": as_list(opt("ignore")) + as_list(opt("extend-ignore")),
        "per-file-ignores": pfi,
        "exclude": as_list(cfg.get("exclude")) + as_list(cfg.get("extend-exclude"))
        + as_list(lint.get("exclude")),
        "line-length": as_number(dig(lint, "pycodestyle", "max-line-length")
                                 or cfg.get("line-length")),
        "max-complexity": as_number(dig(lint, "mccabe", "max-complexity") or dig(cfg, "mccabe", "max-complexity")),
        "extend": cfg.get("extend"),
    }


BROAD = {"*", "**", "**/*", "*.py", "**/*.py", "."}


def compare(old_cfg: Dict[str, Any], new_cfg: Dict[str, Any]) -> List[Relaxation]:
    old, new = _settings(old_cfg), _settings(new_cfg)
    out: List[Relaxation] = []
    sel_old = old["select"] + old["extend-select"]
    sel_new = new["select"] + new["extend-select"]
    dropped = [c for c in sel_old if not covered(c, sel_new)]
    if dropped:
        severity = "block" if not sel_new else None
        out.append(relax(RULE, "select", "select: " + minus(dropped), ("select", dropped[0]), (dropped[0],),
                         ("select",), side="old" if old_cfg else "new", severity=severity, note="rules no longer selected",
                         section=SECTION))

    def relevant(code: str) -> bool:
        if new["extend"] or code.upper() == "ALL":
            return True  # the extended file may select it
        return covered(code, sel_new) or any(s.upper().startswith(code.upper()) for s in sel_new)

    ignored = [c for c in new["ignore"] if not covered(c, old["ignore"]) and relevant(c)]
    if ignored:
        severity = "block" if any(c.upper() == "ALL" for c in ignored) else None
        out.append(relax(RULE, "ignore", "ignore: " + plus(ignored), ("ignore", ignored[0]), (ignored[0],),
                         ("ignore",), severity=severity, note="rules turned off", section=SECTION))
    index = tail_index(old["per-file-ignores"])
    for pattern, codes in new["per-file-ignores"].items():
        before = codes_for_pattern(pattern, old["per-file-ignores"], index) + old["ignore"]
        added = [c for c in codes if not covered(c, before) and relevant(c)]
        if added:
            broad = pattern in BROAD and any(c.upper() == "ALL" for c in added)
            out.append(relax(RULE, "per-file-ignores", f"per-file-ignores[{pattern}]: " + plus(added),
                             (pattern, added[0]), (added[0],), (pattern,), ("per-file-ignores",),
                             severity="block" if broad else None, note="rules turned off for matching files",
                             section=SECTION))
    excluded = grown(old["exclude"], new["exclude"])
    if excluded:
        out.append(relax(RULE, "exclude", "exclude: " + plus(excluded), (excluded[0],), ("exclude",),
                         note="files no longer linted", section=SECTION))
    for key, default in (("line-length", 88.0), ("max-complexity", 10.0)):
        o, n = old[key], new[key]
        if o is None:
            continue  # only a limit the project had set can be raised
        n_eff = n if n is not None else default
        if n_eff > o:
            out.append(relax(RULE, key, f"{key}: {fmt_num(o)} -> {fmt_num(n_eff)}", (key, fmt_num(n_eff)), (key,),
                             note="limit raised", section=SECTION, side="new" if n is not None else "old"))
    if new["extend"] and new["extend"] != old["extend"] and old_cfg:
        out.append(relax(RULE, "extend", f"extend: {old['extend'] or '(none)'} -> {new['extend']}",
                         ("extend",), note="settings now come from another file", section=SECTION))
    return out
