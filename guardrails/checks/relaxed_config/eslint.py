"""ESLint: flat config (eslint.config.{js,mjs,cjs,ts,...}, read by a light
parse of its `rules: {...}` and `ignores: [...]` literals, never run),
legacy .eslintrc{,.json,.yaml,.yml,.js,.cjs}, package.json "eslintConfig",
and .eslintignore.  The files of one folder are read together, so moving
from .eslintrc.json to eslint.config.js with the same rules is neutral."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple

from guardrails.checks.relaxed_config.base import (
    LINT,
    ParseError,
    Relaxation,
    as_list,
    basename_in,
    grown,
    load_jsonc,
    load_yaml,
    plus,
    relax,
    seq,
)
from guardrails.checks.relaxed_config.jsparse import parse_object, parse_value, tokenize

TOOL = "eslint"
RULE = LINT
STRATEGY = "merge"
JS_NAMES = tuple(f"eslint.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts")) + (
    ".eslintrc.js", ".eslintrc.cjs")
FILES = JS_NAMES + (".eslintrc.yaml", ".eslintrc.yml", ".eslintrc.json", ".eslintrc", "package.json")
matches = basename_in(FILES)

LEVEL_NAME = {0: "off", 1: "warn", 2: "error"}


def level(value: Any) -> Optional[int]:
    if isinstance(value, list):
        return level(value[0]) if value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value in (0, 1, 2) else None
    return {"off": 0, "warn": 1, "error": 2, "0": 0, "1": 1, "2": 2}.get(str(value).strip().lower())


def parse_js(text: str) -> Dict[str, Any]:
    """Every `rules: {...}`, `ignores: [...]`, `ignorePatterns: [...]` and
    `extends: [...]` literal of a JS config, wherever it sits."""
    tokens = tokenize(text)
    cfg: Dict[str, Any] = _new()
    for i, (kind, tok) in enumerate(tokens):
        if kind not in ("name", "str") or i + 2 >= len(tokens) or tokens[i + 1][1] != ":":
            continue
        key = tok.strip("'\"")
        if key == "rules" and tokens[i + 2][1] == "{":
            obj, _ = parse_object(tokens, i + 3)
            cfg["rules"].extend((name, lv) for name, v in obj.items() if (lv := level(v)) is not None)
        elif key in _STRICT_OPTIONS:
            value, _ = parse_value(tokens, i + 2)
            cfg["options"].append((key, _strictness(key, value)))
        elif key in ("ignores", "ignorePatterns", "extends"):
            value, _ = parse_value(tokens, i + 2)
            items = value if isinstance(value, list) else [value]
            target = "extends" if key == "extends" else "ignores"
            cfg[target].extend(x for x in items if isinstance(x, str))
    return cfg


# ------------------------------------------------------------ formats

def _from_dict(data: Any, cfg: Dict[str, Any]) -> Dict[str, Any]:
    if not isinstance(data, dict):
        return cfg
    rules = data.get("rules")
    if isinstance(rules, dict):
        cfg["rules"].extend((str(n), lv) for n, v in rules.items() if (lv := level(v)) is not None)
    cfg["ignores"].extend(as_list(data.get("ignorePatterns")))
    cfg["extends"].extend(as_list(data.get("extends")))
    for key in _STRICT_OPTIONS:
        if key in data:
            cfg["options"].append((key, _strictness(key, data[key])))
    for override in seq(data.get("overrides")):
        _from_dict(override, cfg)
    return cfg


def _new() -> Dict[str, Any]:
    return {"rules": [], "ignores": [], "extends": [], "options": []}


# Linter options that keep suppression comments honest: True is strict.
_STRICT_OPTIONS = ("noInlineConfig", "reportUnusedDisableDirectives", "reportUnusedInlineConfigs")


def _strictness(key: str, value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    lv = level(value)
    return None if lv is None else lv > 0


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name in JS_NAMES:
        return parse_js(text)
    if name == "package.json":
        data = load_jsonc(text)
        conf = data.get("eslintConfig") if isinstance(data, dict) else None
        return _from_dict(conf, _new()) if isinstance(conf, dict) else None
    if name.endswith((".yaml", ".yml")):
        return _from_dict(load_yaml(text), _new())
    try:
        return _from_dict(load_jsonc(text), _new())
    except ParseError:
        if name == ".eslintrc":  # the legacy name may hold YAML
            return _from_dict(load_yaml(text), _new())
        raise


def empty() -> Dict[str, Any]:
    return _new()


def merge(cfgs: List[Dict[str, Any]]) -> Dict[str, Any]:
    out = _new()
    for cfg in cfgs:
        for key in out:
            out[key].extend(cfg[key])
    return out


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    by_old: Dict[str, List[int]] = {}
    by_new: Dict[str, List[int]] = {}
    for name, lv in old["rules"]:
        by_old.setdefault(name, []).append(lv)
    for name, lv in new["rules"]:
        by_new.setdefault(name, []).append(lv)
    lowered: List[Tuple[str, str]] = []
    removed: List[Tuple[str, str]] = []
    for name in list(by_new) + [n for n in by_old if n not in by_new]:
        o, n = by_old.get(name, []), by_new.get(name, [])
        if not n:
            if max(o) > 0:
                removed.append((name, f"{name} {LEVEL_NAME[max(o)]} -> (removed)"))
            continue
        co, cn = Counter(o), Counter(n)
        for cut in (0, 1):
            below_old = sum(c for lv, c in co.items() if lv <= cut)
            below_new = sum(c for lv, c in cn.items() if lv <= cut)
            if below_new > below_old and (o or cut == 0):
                was = LEVEL_NAME[max(o)] if o else "(unset)"
                lowered.append((name, f"{name} {was} -> {LEVEL_NAME[min(n)]}"))
                break
    if lowered:
        first = lowered[0][0]
        out.append(relax(RULE, "rules", "rules: " + ", ".join(t for _, t in lowered), (first, LEVEL_NAME[0]),
                         (first,), note="rules turned off or down"))
    if removed:
        first = removed[0][0]
        out.append(relax(RULE, "rules", "rules: " + ", ".join(t for _, t in removed), (first,), side="old",
                         note="rules removed"))
    strict_old = {k for k, v in old["options"] if v}
    strict_new = {k for k, v in new["options"] if v}
    loosened = sorted(strict_old - strict_new)
    if loosened:
        out.append(relax(RULE, "linterOptions", "linterOptions: " + ", ".join(f"{k} on -> off" for k in loosened),
                         (loosened[0],), side="new" if any(k == loosened[0] for k, _ in new["options"]) else "old",
                         note="eslint-disable comments are honoured or left unchecked again"))
    more = grown(old["ignores"], new["ignores"])
    if more:
        out.append(relax(RULE, "ignores", "ignores: " + plus(more), (more[0],), note="files no longer linted"))
    gone = grown(new["extends"], old["extends"])
    if gone:
        out.append(relax(RULE, "extends", "extends: " + ", ".join("-" + g for g in gone), (gone[0],), side="old",
                         note="shared rule sets dropped"))
    return out


# ------------------------------------------------------------ .eslintignore

def _ignore_extract(name: str, text: str) -> List[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _ignore_compare(old: List[str], new: List[str]) -> List[Relaxation]:
    more = [m for m in grown(old, new) if not m.startswith("!")]
    if not more:
        return []
    return [relax(RULE, ".eslintignore", ".eslintignore: " + plus(more), (more[0],), note="files no longer linted")]


IGNORE_FILE = SimpleNamespace(
    TOOL="eslint", RULE=RULE, STRATEGY="each", FILES=(".eslintignore",), matches=basename_in((".eslintignore",)),
    extract=_ignore_extract, compare=_ignore_compare, empty=list,
)
