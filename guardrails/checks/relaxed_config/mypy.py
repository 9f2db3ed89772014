"""mypy: mypy.ini, .mypy.ini, pyproject.toml [tool.mypy] (with
[[tool.mypy.overrides]]), setup.cfg [mypy] and [mypy-pkg.*] sections."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    TYPE,
    Relaxation,
    as_bool,
    as_list,
    basename_in,
    dig,
    dropped_paths,
    grown,
    load_ini,
    load_toml,
    minus,
    plus,
    regex_parts,
    relax,
    seq,
    some,
)

TOOL = "mypy"
RULE = TYPE
FILES = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")  # mypy's own order
matches = basename_in(FILES)

# Flags `strict = true` turns on.
STRICT_IMPLIES = (
    "warn_unused_configs", "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls",
    "disallow_untyped_defs", "disallow_incomplete_defs", "check_untyped_defs", "disallow_untyped_decorators",
    "warn_redundant_casts", "warn_unused_ignores", "warn_return_any", "strict_equality", "extra_checks",
    "strict_concatenate",  # older mypy; extra_checks now covers it
)
# Flags where True is the stricter value, with mypy's defaults.
STRICTER_TRUE: Dict[str, bool] = {name: False for name in STRICT_IMPLIES}
STRICTER_TRUE.update({
    "disallow_any_unimported": False, "disallow_any_expr": False, "disallow_any_decorated": False,
    "disallow_any_explicit": False, "warn_unreachable": False, "warn_no_return": True,
    "strict_optional": True, "local_partial_types": False, "strict_bytes": False,
    "warn_incomplete_stub": False,
})
# Flags where True is the weaker value (default False unless noted).
WEAKER_TRUE: Dict[str, bool] = {
    "ignore_errors": False, "ignore_missing_imports": False, "allow_untyped_globals": False,
    "allow_redefinition": False, "implicit_reexport": True, "implicit_optional": False,
}
_TWINS = {"strict_concatenate": "extra_checks", "extra_checks": "strict_concatenate"}  # old and new name
FOLLOW_RANK = {"error": 3, "normal": 2, "silent": 1, "skip": 0}


def _norm(opts: Dict[str, Any]) -> Dict[str, Any]:
    return {str(k).lower().replace("-", "_"): v for k, v in opts.items()}


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name == "pyproject.toml":
        table = dig(load_toml(text), "tool", "mypy")
        if not isinstance(table, dict):
            return None
        glob = _norm({k: v for k, v in table.items() if k != "overrides"})
        modules: Dict[str, Dict[str, Any]] = {}
        for override in seq(table.get("overrides")):
            if not isinstance(override, dict):
                continue
            opts = _norm({k: v for k, v in override.items() if k != "module"})
            for pattern in as_list(override.get("module")):
                modules.setdefault(pattern, {}).update(opts)
        return {"global": glob, "modules": modules}
    parser = load_ini(text)
    if not parser.has_section("mypy"):
        return None
    glob = _norm(dict(parser.items("mypy")))
    modules = {}
    for section in parser.sections():
        if section.startswith("mypy-"):
            opts = _norm(dict(parser.items(section)))
            for pattern in as_list(section[5:], sep=r","):
                modules.setdefault(pattern, {}).update(opts)
    return {"global": glob, "modules": modules}


def empty() -> Dict[str, Any]:
    return {"global": {}, "modules": {}}


def _strict(opts: Dict[str, Any]) -> bool:
    return bool(as_bool(opts.get("strict")))


def _eff(opts: Dict[str, Any], flag: str, inherited: Optional[Dict[str, Any]] = None) -> bool:
    if flag in opts and as_bool(opts[flag]) is not None:
        return bool(as_bool(opts[flag]))
    twin = _TWINS.get(flag)
    if twin and twin in opts and as_bool(opts[twin]) is not None:
        return bool(as_bool(opts[twin]))
    if inherited is not None:
        return _eff(inherited, flag)
    if flag == "implicit_reexport" and _strict(opts):
        return False
    if flag in STRICT_IMPLIES and _strict(opts):
        return True
    if flag in STRICTER_TRUE:
        return STRICTER_TRUE[flag]
    return WEAKER_TRUE.get(flag, False)


def _follow(opts: Dict[str, Any], inherited: Optional[Dict[str, Any]] = None) -> str:
    value = str(opts.get("follow_imports", "")).strip().lower()
    if value in FOLLOW_RANK:
        return value
    return _follow(inherited) if inherited is not None else "normal"


def _scope(opts_old: Dict[str, Any], opts_new: Dict[str, Any], where: str, glob_old: Optional[Dict[str, Any]],
           glob_new: Optional[Dict[str, Any]], section: tuple, module: str = "") -> List[Relaxation]:
    out: List[Relaxation] = []
    prefix = f"[{where}] " if module else ""
    anchor_mod = (module,) if module else ()
    is_global = not module
    if is_global and _strict(opts_old) and not _strict(opts_new):
        weakened = [f for f in list(STRICT_IMPLIES) + ["implicit_reexport"]
                    if (_eff(opts_old, f) != _eff(opts_new, f))]
        if weakened:
            out.append(relax(RULE, "strict", "strict: true -> false", ("strict",),
                             side="new" if "strict" in opts_new else "old", severity="block",
                             note="turns off " + some(weakened), extra={"turned_off": weakened}, section=section))
    strict_changed = bool(out)
    explicit = set(opts_old) | set(opts_new)
    for flag in STRICTER_TRUE:
        if module and flag not in explicit:
            continue  # inherited from [mypy]: judged there
        if strict_changed and flag in STRICT_IMPLIES and flag not in opts_new:
            continue
        o = _eff(opts_old, flag, glob_old)
        n = _eff(opts_new, flag, glob_new)
        if o and not n:
            out.append(relax(RULE, flag, f"{prefix}{flag}: true -> false", anchor_mod + (flag,), (flag,),
                             side="new" if flag in opts_new else "old", section=section))
    for flag in WEAKER_TRUE:
        if module and flag not in explicit:
            continue
        if strict_changed and flag == "implicit_reexport" and flag not in opts_new:
            continue
        o = _eff(opts_old, flag, glob_old)
        n = _eff(opts_new, flag, glob_new)
        if n and not o:
            severity = None
            if flag == "ignore_errors" and (is_global or module in ("*",)):
                severity = "block"
            elif flag == "ignore_missing_imports" and not is_global:
                severity = "info"
            out.append(relax(RULE, flag, f"{prefix}{flag}: false -> true", anchor_mod + (flag,), (flag,),
                             side="new" if flag in opts_new else "old", severity=severity,
                             note="type errors of these modules hidden" if flag == "ignore_errors" and module
                             else "", section=section))
    fo, fn = _follow(opts_old, glob_old), _follow(opts_new, glob_new)
    if FOLLOW_RANK[fn] < FOLLOW_RANK[fo] and (not module or "follow_imports" in explicit):
        out.append(relax(RULE, "follow_imports", f"{prefix}follow_imports: {fo} -> {fn}",
                         anchor_mod + ("follow_imports",), ("follow_imports",), section=section))
    dis = grown(as_list(opts_old.get("disable_error_code")), as_list(opts_new.get("disable_error_code")))
    if dis:
        out.append(relax(RULE, "disable_error_code", f"{prefix}disable_error_code: " + plus(dis),
                         ("disable_error_code", dis[0]), (dis[0],), section=section))
    ena = grown(as_list(opts_new.get("enable_error_code")), as_list(opts_old.get("enable_error_code")))
    if ena:
        out.append(relax(RULE, "enable_error_code", f"{prefix}enable_error_code: " + minus(ena),
                         ("enable_error_code", ena[0]), ("enable_error_code",), side="old", section=section))
    return out


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    g_old, g_new = old["global"], new["global"]
    out = _scope(g_old, g_new, "mypy", None, None, ("mypy", "tool.mypy"))
    exc = grown(regex_parts(g_old.get("exclude")), regex_parts(g_new.get("exclude")))
    if exc:
        out.append(relax(RULE, "exclude", "exclude: " + plus(exc), ("exclude", exc[0]), (exc[0],), ("exclude",),
                         note="files no longer type-checked", section=("mypy", "tool.mypy")))
    for key in ("files", "packages", "modules"):
        old_list, new_list = as_list(g_old.get(key)), as_list(g_new.get(key))
        gone = dropped_paths(old_list, new_list) if key == "files" else grown(new_list, old_list)
        if old_list and new_list and gone:
            out.append(relax(RULE, key, f"{key}: " + minus(gone), (key, gone[0]), (gone[0],), (key,),
                             side="old", note="fewer files type-checked", section=("mypy", "tool.mypy"),
                             extra={"_exists": gone} if key == "files" else None))
    for pattern, opts in new["modules"].items():
        before = old["modules"].get(pattern, {})
        out.extend(_scope(before, opts, f"mypy-{pattern}", g_old, g_new,
                          (f"mypy-{pattern}", "tool.mypy"), module=pattern))
    return out
