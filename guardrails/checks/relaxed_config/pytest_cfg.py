"""pytest: pytest.toml, pytest.ini, pyproject.toml [tool.pytest.ini_options]
(or pytest 9's [tool.pytest]), tox.ini [pytest], setup.cfg [tool:pytest].
The pytest-cov options in addopts belong to the coverage gate."""
from __future__ import annotations

import shlex
from typing import Any, Dict, List, Optional, Tuple

from guardrails.checks.relaxed_config.base import (
    COVERAGE,
    TEST,
    Relaxation,
    as_bool,
    as_list,
    as_number,
    basename_in,
    dig,
    dropped_paths,
    fmt_num,
    grown,
    ini_section,
    load_ini,
    load_toml,
    minus,
    plus,
    relax,
)

TOOL = "pytest"
RULE = TEST
FILES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
matches = basename_in(FILES)
SECTION = ("pytest", "tool:pytest", "tool.pytest")

DEFAULT_NORECURSE = ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"]
DEFAULT_PATTERNS = {"python_files": ["test_*.py", "*_test.py"], "python_classes": ["Test"],
                    "python_functions": ["test"]}
# Options that take a value and narrow what runs.
_VALUED = {"-k": "-k", "-m": "-m", "--deselect": "--deselect", "--ignore": "--ignore",
           "--ignore-glob": "--ignore-glob", "-p": "-p", "--cov-fail-under": "--cov-fail-under",
           "-W": "-W", "--pythonwarnings": "-W"}
_FLAGS = {"--lf": "--last-failed", "--last-failed": "--last-failed", "--sw": "--stepwise",
          "--stepwise": "--stepwise", "--co": "--collect-only", "--collect-only": "--collect-only",
          "--continue-on-collection-errors": "--continue-on-collection-errors", "--no-cov": "--no-cov",
          "--runxfail": "--runxfail"}


def _options(opts: Dict[str, Any]) -> Dict[str, Any]:
    return {str(k).lower().replace("-", "_"): v for k, v in opts.items()}


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    if name.endswith(".toml"):
        data = load_toml(text)
        if name == "pyproject.toml":
            table = dig(data, "tool", "pytest", "ini_options")
            if not isinstance(table, dict):
                table = dig(data, "tool", "pytest")
                table = {k: v for k, v in table.items() if k != "ini_options"} if isinstance(table, dict) else None
            return _options(table) if isinstance(table, dict) else None
        table = data.get("pytest")
        return _options(table) if isinstance(table, dict) else {}
    parser = load_ini(text)
    opts = ini_section(parser, "tool:pytest") if name == "setup.cfg" else None
    if opts is None:
        opts = ini_section(parser, "pytest")  # setup.cfg's old [pytest] spelling too
    if opts is None:
        return {} if name in ("pytest.ini", ".pytest.ini") else None
    return _options(opts)


def empty() -> Dict[str, Any]:
    return {}


def parse_addopts(value: Any) -> List[Tuple[str, str]]:
    """addopts -> [(option, value)] for the options that matter here."""
    words: List[str] = []
    for item in (value if isinstance(value, list) else [value or ""]):
        try:
            words.extend(shlex.split(str(item)))
        except ValueError:
            words.extend(str(item).split())
    out: List[Tuple[str, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, sep, val = word.partition("=")
        if name in _FLAGS:
            out.append((_FLAGS[name], ""))
        elif name in _VALUED and name.startswith("--"):
            if not sep:
                val = words[i + 1] if i + 1 < len(words) else ""
                i += 1
            out.append((_VALUED[name], val))
        elif len(word) >= 2 and word[:2] in ("-k", "-m", "-p", "-W"):
            val = word[2:]
            if not val:
                val = words[i + 1] if i + 1 < len(words) else ""
                i += 1
            out.append((word[:2], val))
        i += 1
    return out


def _cov_under(opts: List[Tuple[str, str]]) -> Optional[float]:
    values = [as_number(v) for o, v in opts if o == "--cov-fail-under"]
    values = [v for v in values if v is not None]
    return values[-1] if values else None


def narrowing(a_old: List[Tuple[str, str]], a_new: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """Options of A_NEW, not in A_OLD, that make pytest run fewer tests."""
    out = []
    for opt, val in a_new:
        if (opt, val) in a_old or opt in ("--cov-fail-under", "--no-cov", "--runxfail"):
            continue
        if opt == "-p" and not val.startswith("no:"):
            continue
        if opt == "-W" and not val.startswith("ignore"):
            continue
        out.append((opt, val))
    return out


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    a_old, a_new = parse_addopts(old.get("addopts")), parse_addopts(new.get("addopts"))
    narrowed = narrowing(a_old, a_new)
    collect_only = [x for x in narrowed if x[0] == "--collect-only"]
    if collect_only:
        out.append(relax(RULE, "addopts", "addopts: +--collect-only", ("--co",), ("collect-only",), ("addopts",),
                         severity="block", note="tests are collected but never run", section=SECTION))
    narrowed = [x for x in narrowed if x[0] != "--collect-only"]
    if narrowed:
        opt, val = narrowed[0]
        text = ", ".join(("+" + (f"{o} {v}" if v else o)) for o, v in narrowed)
        note = "tests deselected" if any(o in ("-k", "-m", "--deselect") for o, _ in narrowed) else "fewer tests run"
        out.append(relax(RULE, "addopts", "addopts: " + text, (opt, val.split()[0] if val else opt),
                         (val.split()[0],) if val else (opt,), ("addopts",), note=note, section=SECTION))
    removed_runxfail = ("--runxfail", "") in a_old and ("--runxfail", "") not in a_new
    if removed_runxfail:
        out.append(relax(RULE, "addopts", "addopts: --runxfail", ("--runxfail",), side="old", section=SECTION))
    co, cn = _cov_under(a_old), _cov_under(a_new)
    if co is not None and (cn is None or cn < co):
        out.append(relax(COVERAGE, "addopts --cov-fail-under",
                         f"--cov-fail-under: {fmt_num(co)} -> {fmt_num(cn)}",
                         ("--cov-fail-under",), side="new" if cn is not None else "old",
                         severity="block" if not cn else None, note="pytest-cov gate lowered", section=SECTION))
    if ("--no-cov", "") in a_new and ("--no-cov", "") not in a_old:
        out.append(relax(COVERAGE, "addopts --no-cov", "addopts: +--no-cov", ("--no-cov",),
                         note="coverage no longer measured", section=SECTION))
    paths_old, paths_new = as_list(old.get("testpaths")), as_list(new.get("testpaths"))
    gone = dropped_paths(paths_old, paths_new)
    if paths_old and paths_new and gone:
        out.append(relax(RULE, "testpaths", "testpaths: " + minus(gone), (gone[0],), ("testpaths",), side="old",
                         note="tests in these folders no longer collected", section=SECTION,
                         extra={"_exists": gone}))
    nr_old = as_list(old["norecursedirs"]) if "norecursedirs" in old else DEFAULT_NORECURSE
    nr_new = as_list(new["norecursedirs"]) if "norecursedirs" in new else DEFAULT_NORECURSE
    more = [m for m in grown(nr_old, nr_new) if m not in DEFAULT_NORECURSE]
    if more:
        out.append(relax(RULE, "norecursedirs", "norecursedirs: " + plus(more), (more[0],), ("norecursedirs",),
                         note="folders no longer searched for tests", section=SECTION))
    for key, default in DEFAULT_PATTERNS.items():
        po = as_list(old[key]) if key in old else default
        pn = as_list(new[key]) if key in new else default
        gone = grown(pn, po)
        if gone:
            out.append(relax(RULE, key, f"{key}: " + minus(gone), (key,), side="new" if key in new else "old",
                             note="tests named this way no longer collected", section=SECTION))
    fw_old = [str(x).strip() for x in as_list(old.get("filterwarnings"), sep=r"\n")]
    fw_new = [str(x).strip() for x in as_list(new.get("filterwarnings"), sep=r"\n")]
    if "error" in fw_old and "error" not in fw_new:
        out.append(relax(RULE, "filterwarnings", "filterwarnings: -error", ("error",), ("filterwarnings",),
                         side="old", note="warnings no longer fail the tests", section=SECTION))
    elif "error" in fw_new:
        ignores = [w for w in grown(fw_old, fw_new) if w.startswith("ignore")]
        if ignores:
            out.append(relax(RULE, "filterwarnings", "filterwarnings: " + plus(ignores), (ignores[0],),
                             ("filterwarnings",), note="warnings that fail the tests are ignored",
                             section=SECTION))
    if as_bool(old.get("xfail_strict")) and not as_bool(new.get("xfail_strict")):
        out.append(relax(RULE, "xfail_strict", "xfail_strict: true -> false", ("xfail_strict",),
                         side="new" if "xfail_strict" in new else "old", note="passing xfail tests no longer fail",
                         section=SECTION))
    return out
