"""pyright / basedpyright: pyrightconfig.json, [tool.pyright] and
[tool.basedpyright] in pyproject.toml."""
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
    load_jsonc,
    load_toml,
    minus,
    plus,
    relax,
)

TOOL = "pyright"
RULE = TYPE
FILES = ("pyrightconfig.json", "pyproject.toml")
matches = basename_in(FILES)

MODE_RANK = {"off": 0, "basic": 1, "standard": 2, "strict": 3, "recommended": 4, "all": 5}
LEVEL = {"none": 0, "false": 0, "hint": 1, "information": 1, "warning": 2, "error": 3, "true": 3}
LEVEL_NAME = {0: "none", 1: "information", 2: "warning", 3: "error"}

# Rules that are errors already in "basic" mode (and so in standard/strict).
_BASIC_ERRORS = frozenset("""reportMissingImports reportAttributeAccessIssue reportArgumentType reportCallIssue
reportGeneralTypeIssues reportOptionalMemberAccess reportOptionalSubscript reportOptionalCall
reportOptionalIterable reportOptionalContextManager reportOptionalOperand reportIndexIssue reportReturnType
reportAssignmentType reportUndefinedVariable reportTypedDictNotRequiredAccess reportRedeclaration
reportAbstractUsage reportOperatorIssue reportInvalidTypeForm reportNoOverloadImplementation reportUnhashable
reportUnusedCoroutine reportSelfClsParameterName reportPrivateImportUsage reportInvalidTypeVarUse
reportInvalidStringEscapeSequence reportUnboundVariable reportPossiblyUnbound reportAssertAlwaysTrue
reportInvalidTypeArguments reportTypeCommentUsage reportUnsupportedDunderAll reportUnusedExpression
reportMissingModuleSource""".split())
_BASIC_WARNINGS = frozenset("""reportPossiblyUnbound reportAssertAlwaysTrue reportInvalidStringEscapeSequence
reportUnsupportedDunderAll reportUnusedExpression reportMissingModuleSource reportTypeCommentUsage""".split())
_STANDARD_ERRORS = frozenset("""reportFunctionMemberAccess reportIncompatibleMethodOverride
reportIncompatibleVariableOverride reportOverlappingOverload""".split())


def _default_level(rule: str, mode: str) -> int:
    rank = MODE_RANK.get(mode, 2)
    if rank >= MODE_RANK["strict"]:
        return 3
    if rank == 0:
        return 0
    if rank >= MODE_RANK["standard"] and rule in _STANDARD_ERRORS:
        return 3
    if rule in _BASIC_WARNINGS:
        return 2
    return 3 if rule in _BASIC_ERRORS else 0


def _level(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return 3 if value else 0
    return LEVEL.get(str(value).strip().lower())


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name == "pyproject.toml":
        data = load_toml(text)
        table = dig(data, "tool", "basedpyright")
        if isinstance(table, dict):
            return dict(table, __default_mode="recommended")
        table = dig(data, "tool", "pyright")
        return table if isinstance(table, dict) else None
    data = load_jsonc(text)
    return data if isinstance(data, dict) else {}


def empty() -> Dict[str, Any]:
    return {}


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    section = ("tool.pyright", "tool.basedpyright")
    mo = str(old.get("typeCheckingMode") or old.get("__default_mode") or "standard").lower()
    mn = str(new.get("typeCheckingMode") or new.get("__default_mode") or "standard").lower()
    if MODE_RANK.get(mn, 2) < MODE_RANK.get(mo, 2):
        out.append(relax(RULE, "typeCheckingMode", f"typeCheckingMode: {mo} -> {mn}", ("typeCheckingMode", mn),
                         ("typeCheckingMode",), side="new" if "typeCheckingMode" in new else "old",
                         severity="block" if mn == "off" else None, section=section))
    lowered = []
    for key in sorted(set(old) | set(new)):
        if not key.startswith("report"):
            continue
        lo = _level(old[key]) if key in old else _default_level(key, mo)
        ln = _level(new[key]) if key in new else _default_level(key, mn)
        if lo is None or ln is None or ln >= lo:
            continue
        if key not in new and ln == _default_level(key, mn) and MODE_RANK.get(mn, 2) < MODE_RANK.get(mo, 2):
            continue  # already reported as the mode change
        lowered.append((key, lo, ln))
    if lowered:
        first = lowered[0][0]
        change = ", ".join(f"{k} {LEVEL_NAME[a]} -> {LEVEL_NAME[b]}" for k, a, b in lowered)
        out.append(relax(RULE, "report*", change, (first,), side="new" if first in new else "old",
                         note="diagnostics lowered", section=section))
    for key, note in (("ignore", "diagnostics hidden for these paths"), ("exclude", "files no longer checked")):
        more = grown(as_list(old.get(key)), as_list(new.get(key)))
        if more:
            out.append(relax(RULE, key, f"{key}: " + plus(more), (more[0],), (key,), note=note, section=section))
    for key in ("include", "strict"):
        gone = dropped_paths(as_list(old.get(key)), as_list(new.get(key)))
        if gone and (key == "strict" or as_list(new.get(key))):
            out.append(relax(RULE, key, f"{key}: " + minus(gone), (gone[0],), (key,), side="old", section=section,
                             extra={"_exists": gone}))
    for key, default, weaker in (("enableTypeIgnoreComments", True, True), ("analyzeUnannotatedFunctions", True, False),
                                 ("failOnWarnings", False, False), ("strictParameterNoneValue", True, False)):
        o = as_bool(old.get(key, default))
        n = as_bool(new.get(key, default))
        if o != n and n == weaker:
            out.append(relax(RULE, key, f"{key}: {str(o).lower()} -> {str(n).lower()}", (key,),
                             side="new" if key in new else "old", section=section))
    return out
