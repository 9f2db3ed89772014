"""Jest and Vitest: coverage thresholds lowered, tests or files ignored.

jest.config.{js,ts,mjs,cjs,json} and package.json "jest"; vitest.config.*
and vite.config.* (`test:`).  JS/TS files are read by the light literal
parser, never run."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    COVERAGE,
    TEST,
    Relaxation,
    as_number,
    basename_in,
    dig,
    fmt_num,
    grown,
    load_jsonc,
    plus,
    relax,
)
from guardrails.checks.relaxed_config.jsparse import top_objects

JS_EXT = ("js", "ts", "mjs", "cjs", "mts", "cts")
JEST_FILES = tuple(f"jest.config.{e}" for e in JS_EXT) + ("jest.config.json", "package.json")
VITEST_FILES = tuple(f"vitest.config.{e}" for e in JS_EXT) + tuple(f"vite.config.{e}" for e in JS_EXT)


def _jest_extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name == "package.json":
        data = load_jsonc(text)
        conf = data.get("jest") if isinstance(data, dict) else None
        return conf if isinstance(conf, dict) else None
    if name.endswith(".json"):
        data = load_jsonc(text)
        return data if isinstance(data, dict) else {}
    return top_objects(text)


def _vitest_extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    test = top_objects(text).get("test")
    if not isinstance(test, dict):
        return None if name.startswith("vite.") else {}
    return test


def _numbers(table: Any, prefix: str = "") -> Dict[str, float]:
    """{global: {lines: 90}} -> {"global.lines": 90.0}."""
    out: Dict[str, float] = {}
    if not isinstance(table, dict):
        return out
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_numbers(value, name + "."))
        else:
            number = as_number(value)
            if number is not None:
                out[name] = number
    return out


def _strings(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _thresholds(old: Dict[str, float], new: Dict[str, float], key: str) -> List[Relaxation]:
    lowered = []
    for name, before in old.items():
        after = new.get(name)
        if after is None or after < before:
            lowered.append((name, before, after))
    if not lowered:
        return []
    name, before, after = lowered[0]
    change = ", ".join(f"{n}: {fmt_num(b)} -> {fmt_num(a)}" for n, b, a in lowered)
    leaf = name.rsplit(".", 1)[-1]
    gone = all(a is None for _, _, a in lowered) and not new
    return [relax(COVERAGE, key, f"{key}: {change}", (leaf, fmt_num(after)) if after is not None else (leaf,),
                  (key.rsplit(".", 1)[-1],), side="new" if after is not None else "old",
                  severity="block" if gone else None,
                  note="the coverage gate is off" if gone else "less coverage passes")]


def _grown(old: Any, new: Any, rule: str, key: str, note: str) -> List[Relaxation]:
    more = grown(_strings(old), _strings(new))
    if not more:
        return []
    return [relax(rule, key, f"{key}: " + plus(more), (more[0],), (key.rsplit(".", 1)[-1],), note=note)]


def _jest_compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out = _thresholds(_numbers(old.get("coverageThreshold")), _numbers(new.get("coverageThreshold")),
                      "coverageThreshold")
    out += _grown(old.get("testPathIgnorePatterns"), new.get("testPathIgnorePatterns"), TEST,
                  "testPathIgnorePatterns", "tests no longer run")
    out += _grown(old.get("coveragePathIgnorePatterns"), new.get("coveragePathIgnorePatterns"), COVERAGE,
                  "coveragePathIgnorePatterns", "files no longer counted")
    if new.get("passWithNoTests") is True and old.get("passWithNoTests") is not True:
        out.append(relax(TEST, "passWithNoTests", "passWithNoTests: true", ("passWithNoTests",),
                         note="a run that finds no test passes"))
    return out


def _vitest_thresholds(test: Dict[str, Any]) -> Dict[str, float]:
    coverage = test.get("coverage")
    if not isinstance(coverage, dict):
        return {}
    if isinstance(coverage.get("thresholds"), dict):
        return _numbers(coverage["thresholds"])
    # Vitest < 1: thresholds sat directly in `coverage`.
    return {k: v for k, v in _numbers(coverage).items() if k in ("lines", "functions", "branches", "statements")}


def _vitest_compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out = _thresholds(_vitest_thresholds(old), _vitest_thresholds(new), "test.coverage.thresholds")
    out += _grown(old.get("exclude"), new.get("exclude"), TEST, "test.exclude", "tests no longer run")
    out += _grown(dig(old, "coverage", "exclude"), dig(new, "coverage", "exclude"), COVERAGE,
                  "test.coverage.exclude", "files no longer counted")
    if new.get("passWithNoTests") is True and old.get("passWithNoTests") is not True:
        out.append(relax(TEST, "test.passWithNoTests", "passWithNoTests: true", ("passWithNoTests",),
                         note="a run that finds no test passes"))
    return out


JEST = SimpleNamespace(TOOL="jest", RULE=TEST, FILES=JEST_FILES, matches=basename_in(JEST_FILES),
                       extract=_jest_extract, compare=_jest_compare, empty=dict)
VITEST = SimpleNamespace(TOOL="vitest", RULE=TEST, FILES=VITEST_FILES, matches=basename_in(VITEST_FILES),
                         extract=_vitest_extract, compare=_vitest_compare, empty=dict)
