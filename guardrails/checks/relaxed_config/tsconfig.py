"""TypeScript: tsconfig*.json / jsconfig*.json (JSON with comments), each
file on its own (tsconfig.build.json is another project)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    TYPE,
    Relaxation,
    as_list,
    dropped_paths,
    grown,
    load_jsonc,
    minus,
    plus,
    relax,
    some,
)

TOOL = "tsc"
RULE = TYPE
STRATEGY = "each"
FILES = ()
_NAME = re.compile(r"^(ts|js)config(\.[^/]*)?\.json$")

STRICT_MEMBERS = ("noImplicitAny", "noImplicitThis", "alwaysStrict", "strictBindCallApply", "strictFunctionTypes",
                  "strictNullChecks", "strictPropertyInitialization", "useUnknownInCatchVariables",
                  "strictBuiltinIteratorReturn")
# Default false; true is stricter.
STRICTER_TRUE = ("noUnusedLocals", "noUnusedParameters", "noImplicitReturns", "noFallthroughCasesInSwitch",
                 "noUncheckedIndexedAccess", "noImplicitOverride", "noPropertyAccessFromIndexSignature",
                 "exactOptionalPropertyTypes", "forceConsistentCasingInFileNames", "checkJs", "noEmitOnError",
                 "noUncheckedSideEffectImports", "allowUnreachableCode=false", "allowUnusedLabels=false")
# True is weaker (severity, or None for the rule default).
WEAKER_TRUE = {"skipLibCheck": "info", "skipDefaultLibCheck": "info", "suppressImplicitAnyIndexErrors": None,
               "suppressExcessPropertyErrors": None, "noStrictGenericChecks": None, "allowUnreachableCode": None,
               "allowUnusedLabels": None}


def matches(path: str) -> bool:
    return bool(_NAME.match(path.rsplit("/", 1)[-1]))


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    data = load_jsonc(text)
    return data if isinstance(data, dict) else {}


def empty() -> Dict[str, Any]:
    return {}


def _opts(cfg: Dict[str, Any]) -> Dict[str, Any]:
    co = cfg.get("compilerOptions")
    return co if isinstance(co, dict) else {}


def _on(co: Dict[str, Any], name: str) -> bool:
    if name in co:
        return co[name] is True
    return co.get("strict") is True if name in STRICT_MEMBERS else False


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    co, cn = _opts(old), _opts(new)
    strict_off = co.get("strict") is True and cn.get("strict") is not True
    if strict_off:
        weakened = [m for m in STRICT_MEMBERS if _on(co, m) and not _on(cn, m)]
        if weakened:
            out.append(relax(RULE, "compilerOptions.strict",
                             f"strict: true -> {str(cn['strict']).lower() if 'strict' in cn else '(unset)'}",
                             ('"strict"',), side="new" if "strict" in cn else "old", severity="block",
                             note="turns off " + some(weakened), extra={"turned_off": weakened}))
    inherits = bool(new.get("extends"))
    if inherits and cn.get("strict") is False and "strict" not in co:
        # A package's tsconfig that extends a shared base: the base's strictness
        # is inherited, so an explicit false turns it off for this package.
        out.append(relax(RULE, "compilerOptions.strict", "strict: (inherited) -> false", ('"strict"',),
                         severity="block", note=f"overrides the strictness {new['extends']} may set"))
    for name in STRICT_MEMBERS + tuple(n for n in STRICTER_TRUE if "=" not in n):
        if inherits and cn.get(name) is False and name not in co and not _on(co, name):
            out.append(relax(RULE, f"compilerOptions.{name}", f"{name}: (inherited) -> false", (name,),
                             note=f"overrides what {new['extends']} may set"))
    for name in STRICT_MEMBERS:
        if strict_off and name not in cn:
            continue
        if _on(co, name) and not _on(cn, name):
            out.append(relax(RULE, f"compilerOptions.{name}", f"{name}: true -> false", (name,),
                             side="new" if name in cn else "old"))
    for name in STRICTER_TRUE:
        if "=" in name:
            key = name.split("=")[0]
            if co.get(key) is False and cn.get(key) is not False:
                out.append(relax(RULE, f"compilerOptions.{key}", f"{key}: false -> {cn.get(key, '(unset)')}",
                                 (key,), side="new" if key in cn else "old"))
            continue
        if co.get(name) is True and cn.get(name) is not True:
            out.append(relax(RULE, f"compilerOptions.{name}", f"{name}: true -> {str(cn.get(name, '(unset)')).lower()}",
                             (name,), side="new" if name in cn else "old"))
    for name, severity in WEAKER_TRUE.items():
        if cn.get(name) is True and co.get(name) is not True:
            out.append(relax(RULE, f"compilerOptions.{name}", f"{name}: {str(co.get(name, '(unset)')).lower()} -> true",
                             (name,), severity=severity))
    default_exclude = ["node_modules", "bower_components", "jspm_packages"]
    more = grown(as_list(old.get("exclude", default_exclude)), as_list(new.get("exclude", default_exclude)))
    more = [m for m in more if m.strip("./") not in ("node_modules", "dist", "build", "out")]
    if more:
        out.append(relax(RULE, "exclude", "exclude: " + plus(more), (more[0],), ('"exclude"',),
                         note="files no longer type-checked"))
    for key in ("include", "files"):
        lo, ln = as_list(old.get(key)), as_list(new.get(key))
        gone = dropped_paths(lo, ln)
        if lo and ln and gone:
            out.append(relax(RULE, key, f"{key}: " + minus(gone), (gone[0],), side="old",
                             note="files no longer type-checked", extra={"_exists": gone}))
    eo, en = old.get("extends"), new.get("extends")
    if en and en != eo and old:  # a new file's extends is its setup, not a change
        out.append(relax(RULE, "extends", f"extends: {eo or '(none)'} -> {en}", ('"extends"',),
                         note="compiler options now come from another file"))
    return out
