"""golangci-lint: .golangci.{yml,yaml,toml,json}, configuration versions 1 and 2."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    LINT,
    Relaxation,
    as_bool,
    as_list,
    basename_in,
    dig,
    grown,
    load_jsonc,
    load_toml,
    load_yaml,
    minus,
    plus,
    relax,
)

TOOL = "golangci-lint"
RULE = LINT
FILES = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
matches = basename_in(FILES)

DEFAULT_RANK = {"none": 0, "fast": 1, "standard": 2, "all": 3}
STANDARD = ("errcheck", "govet", "ineffassign", "staticcheck", "unused")
# Linters golangci-lint removed or merged: name -> what replaced it ("" = nothing).
REPLACED = {
    "gas": "gosec", "megacheck": "staticcheck", "golint": "", "interfacer": "", "maligned": "govet",
    "scopelint": "exportloopref", "deadcode": "unused", "structcheck": "unused", "varcheck": "unused",
    "exportloopref": "copyloopvar", "ifshort": "", "nosnakecase": "", "exhaustivestruct": "exhaustruct",
    "tenv": "usetesting", "execinquery": "", "gomnd": "mnd", "typecheck": "",
    # v2 merged these into staticcheck and moved formatters to `formatters:`.
    "gosimple": "staticcheck", "stylecheck": "staticcheck",
}


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name.endswith(".toml"):
        data = load_toml(text)
    elif name.endswith(".json"):
        data = load_jsonc(text)
    else:
        data = load_yaml(text)
    return data if isinstance(data, dict) else {}


def empty() -> Dict[str, Any]:
    return {}


def _canon(items: Any) -> List[str]:
    if not isinstance(items, list):
        return []
    return [json.dumps(x, sort_keys=True, default=str) if isinstance(x, (dict, list)) else str(x) for x in items]


def _describe(item: str) -> str:
    try:
        data = json.loads(item)
    except ValueError:
        return item
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in data.items()) + "}"
    return item


def _first_token(item: str) -> str:
    try:
        data = json.loads(item)
    except ValueError:
        return item
    if isinstance(data, dict):
        for key in ("text", "path", "linters", "source"):
            if data.get(key):
                value = data[key]
                return str(value[0] if isinstance(value, list) else value)
    return item


def _v1_default(linters: Dict[str, Any]) -> str:
    if as_bool(linters.get("disable-all")):
        return "none"
    return "all" if as_bool(linters.get("enable-all")) else "standard"


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    lo, ln = dig(old, "linters") or {}, dig(new, "linters") or {}
    if not isinstance(lo, dict):
        lo = {}
    if not isinstance(ln, dict):
        ln = {}
    enabled_new = as_list(ln.get("enable")) + as_list(dig(new, "formatters", "enable"))
    gone = grown(enabled_new, as_list(lo.get("enable")) + as_list(dig(old, "formatters", "enable")))
    gone = [g for g in gone if REPLACED.get(g, g) not in enabled_new and REPLACED.get(g) != ""]
    if gone:
        out.append(relax(RULE, "linters.enable", "linters.enable: " + minus(gone), (gone[0],), ("enable",),
                         side="old", note="linters no longer run"))
    more = grown(as_list(lo.get("disable")), as_list(ln.get("disable")))
    if more:
        out.append(relax(RULE, "linters.disable", "linters.disable: " + plus(more), (more[0],), ("disable",),
                         note="linters turned off"))
    if as_bool(lo.get("enable-all")) and not as_bool(ln.get("enable-all")):
        out.append(relax(RULE, "linters.enable-all", "enable-all: true -> false", ("enable-all",),
                         side="new" if "enable-all" in ln else "old"))
    nothing = not as_list(ln.get("enable"))
    do = str(lo.get("default", _v1_default(lo))).lower()
    dn = str(ln.get("default", _v1_default(ln))).lower()
    missing = [x for x in STANDARD if x not in enabled_new]
    if DEFAULT_RANK.get(dn, 2) < DEFAULT_RANK.get(do, 2) and (do == "all" or dn == "fast" or missing):
        key = "default" if "default" in ln else "disable-all"
        out.append(relax(RULE, "linters.default", f"linters.default: {do} -> {dn}", (key,),
                         side="new" if key in ln else "old", severity="block" if dn == "none" and nothing else None,
                         note=f"no longer runs {', '.join(missing)}" if do == "standard" else ""))
    gone = grown(as_list(ln.get("presets")), as_list(lo.get("presets")))
    if gone:
        out.append(relax(RULE, "linters.presets", "linters.presets: " + minus(gone), (gone[0],), side="old"))
    lists = (
        ("issues.exclude", dig(old, "issues", "exclude"), dig(new, "issues", "exclude")),
        ("issues.exclude-rules", dig(old, "issues", "exclude-rules"), dig(new, "issues", "exclude-rules")),
        ("issues.exclude-dirs", dig(old, "issues", "exclude-dirs"), dig(new, "issues", "exclude-dirs")),
        ("issues.exclude-files", dig(old, "issues", "exclude-files"), dig(new, "issues", "exclude-files")),
        ("run.skip-dirs", dig(old, "run", "skip-dirs"), dig(new, "run", "skip-dirs")),
        ("run.skip-files", dig(old, "run", "skip-files"), dig(new, "run", "skip-files")),
        ("linters.exclusions.rules", dig(lo, "exclusions", "rules"), dig(ln, "exclusions", "rules")),
        ("linters.exclusions.paths", dig(lo, "exclusions", "paths"), dig(ln, "exclusions", "paths")),
        ("linters.exclusions.presets", dig(lo, "exclusions", "presets"), dig(ln, "exclusions", "presets")),
    )
    for key, a, b in lists:
        more = grown(_canon(a), _canon(b))
        if more:
            out.append(relax(RULE, key, f"{key}: " + ", ".join("+" + _describe(m) for m in more),
                             (_first_token(more[0]),), (key.rsplit(".", 1)[-1],), note="issues hidden"))
    if as_bool(dig(old, "issues", "exclude-use-default")) is False and \
            as_bool(dig(new, "issues", "exclude-use-default")) is not False:
        out.append(relax(RULE, "issues.exclude-use-default", "exclude-use-default: false -> true",
                         ("exclude-use-default",), side="new" if dig(new, "issues", "exclude-use-default")
                         is not None else "old"))
    if not as_bool(dig(old, "issues", "new")) and as_bool(dig(new, "issues", "new")):
        out.append(relax(RULE, "issues.new", "issues.new: false -> true", ("new:",), ("new",),
                         note="only issues in new code are reported"))
    for key in ("new-from-rev", "new-from-patch", "new-from-merge-base"):
        if dig(new, "issues", key) and not dig(old, "issues", key):
            out.append(relax(RULE, f"issues.{key}", f"issues.{key}: +{dig(new, 'issues', key)}", (key,),
                             note="only issues in new code are reported"))
    if as_bool(dig(old, "run", "tests")) is not False and as_bool(dig(new, "run", "tests")) is False:
        out.append(relax(RULE, "run.tests", "run.tests: true -> false", ("tests",), note="test files not linted"))
    return out
