"""--deep evidence for new Python suppressions: what does each one hide?

For every changed Python file with a new ``# noqa`` we run ruff once on the
new file text with ``--ignore-noqa``; for every file with a new
``# type: ignore`` we run mypy once on the new text with those comments
blanked.  A diagnostic on the suppression's line is what it silences; none
at all makes the suppression ``suppression/unused-suppression``.

The change is untrusted.  Files are written to a temporary folder (never the
repository), the configuration comes from the base revision, mypy runs
without plugins (they execute code), without site-packages and with a
temporary cache, and each tool has a timeout.  A missing or failing tool is
a note in the report; the findings stay, without evidence.
"""
from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from guardrails import checks
from guardrails.model import ChangeSet, Context, FileChange, Finding

RULE_UNUSED = "suppression/unused-suppression"
MAX_LISTED = 10
# ruff rules about suppression comments themselves (unused / blanket /
# invalid noqa): they sit on the suppression's line but are not hidden by it.
RUFF_ABOUT_SUPPRESSIONS = frozenset({"RUF100", "RUF101", "RUF102", "RUF103", "RUF104", "PGH003", "PGH004"})

# mypy options never copied from the project's configuration: code
# execution (plugins), paths outside our temporary folder, outputs.
_MYPY_DROP = re.compile(r"^(plugins|mypy_path|files|packages|modules|exclude|cache_dir|sqlite_cache|"
                        r"python_executable|custom_typeshed_dir|junit_xml|.*_report|site_packages|"
                        r"no_site_packages|cache_fine_grained|python_path|follow_imports|"
                        r"exclude_gitignore|incremental)$")


def executable(name: str) -> Optional[str]:
    """NAME next to the running interpreter first, then on PATH."""
    here = os.path.dirname(os.path.abspath(sys.executable))
    for candidate in (os.path.join(here, name), os.path.join(here, name + ".exe")):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def _safe_relpath(path: str) -> Optional[str]:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _write(root: str, rel: str, text: str) -> str:
    target = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)
    return target


def _run(cmd: Sequence[str], cwd: str, timeout: float) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH", "RUFF_CACHE_DIR")}
    env["MYPY_FORCE_COLOR"] = "0"
    env["NO_COLOR"] = "1"
    return subprocess.run(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, check=False)


# --- configuration from the base revision ------------------------------------

def _toml(text: str) -> Optional[dict]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]  # standard library from 3.11
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]  # the 3.10 backport
        except ImportError:
            return None
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError, MemoryError):  # TOMLDecodeError, or nested too deep
        return None


def ruff_config(change: ChangeSet, root: str) -> Tuple[Optional[str], str]:
    """Write the base revision's ruff configuration into ROOT.
    Returns (path or None, a sentence naming what was used)."""
    for name in ("ruff.toml", ".ruff.toml", "pyproject.toml"):
        text = change.read_base(name)
        if text is None:
            continue
        if name == "pyproject.toml":
            data = _toml(text)
            if not data or "ruff" not in data.get("tool", {}):
                continue
        return _write(root, name, text), f"ruff with the base revision's {name}"
    return None, "ruff with its default rules (no ruff configuration in the base revision)"


def _ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def mypy_config(change: ChangeSet, root: str) -> Tuple[str, str]:
    """Write a mypy.ini into ROOT from the base revision's mypy settings,
    without plugins or paths.  Returns (path, a sentence naming the source)."""
    sections: Dict[str, Dict[str, str]] = {}
    source = "mypy defaults (no mypy configuration in the base revision)"
    for name in ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"):
        text = change.read_base(name)
        if text is None:
            continue
        if name == "pyproject.toml":
            data = _toml(text)
            table = (data or {}).get("tool", {}).get("mypy")
            if not isinstance(table, dict):
                continue
            sections["mypy"] = {k: _ini_value(v) for k, v in table.items() if not isinstance(v, dict)
                                and k != "overrides"}
            for override in table.get("overrides", []) or []:
                modules = override.get("module", [])
                for module in [modules] if isinstance(modules, str) else modules:
                    sections[f"mypy-{module}"] = {k: _ini_value(v) for k, v in override.items() if k != "module"}
        else:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            found = [s for s in parser.sections() if s == "mypy" or s.startswith("mypy-")]
            if not found:
                continue
            for s in found:
                sections[s] = dict(parser.items(s))
        source = f"mypy with the base revision's {name} (plugins and paths removed)"
        break
    out = configparser.ConfigParser(interpolation=None)
    out.add_section("mypy")
    for section, options in sections.items():
        if not out.has_section(section):
            out.add_section(section)
        for key, value in options.items():
            if not _MYPY_DROP.match(key.replace("-", "_")):
                out.set(section, key.replace("-", "_"), value)
    path = os.path.join(root, "guardrails-mypy.ini")
    with open(path, "w", encoding="utf-8") as f:
        out.write(f)
    return path, source


# --- ruff ------------------------------------------------------------------------

_known_ruff_codes: Dict[str, frozenset] = {}


def ruff_codes(ruff: str, timeout: float) -> frozenset:
    """Every rule code this ruff knows (cached per executable; a failed
    lookup is not cached)."""
    if ruff not in _known_ruff_codes:
        try:
            proc = _run([ruff, "rule", "--all", "--output-format", "json"], tempfile.gettempdir(), timeout)
            if proc.returncode != 0:
                return frozenset()
            codes = frozenset(r["code"] for r in json.loads(proc.stdout) if r.get("code"))
        except (OSError, subprocess.SubprocessError, ValueError):
            return frozenset()
        _known_ruff_codes[ruff] = codes
    return _known_ruff_codes[ruff]


def _ruff_evidence(change: ChangeSet, items: List[Tuple[FileChange, List[Tuple[Any, int]]]], root: str,
                   ctx: Context, timeout: float) -> Dict[int, Dict[str, Any]]:
    ruff = executable("ruff")
    if ruff is None:
        ctx.warn("--deep: ruff not found (next to Python or on PATH); new noqa comments were not checked")
        return {}
    files: Dict[str, str] = {}
    for f, directives in items:
        rel = _safe_relpath(f.path)
        text = f.new_text()
        if rel is None or text is None:
            continue
        files[f.path] = _write(root, rel, text)
    if not files:
        return {}
    known = ruff_codes(ruff, timeout)
    named = sorted({c for _, ds in items for d, _ in ds for c in d.reading.codes if c in known})
    config, used = ruff_config(change, root)
    base = [ruff, "check", "--no-cache", "--ignore-noqa", "--exit-zero", "--output-format", "json", "--quiet"]
    extra = ["--extend-select", ",".join(named)] if named else []
    # The base config may not load here (an `extend` outside the repo root);
    # a named code may be one this ruff rejects: fall back step by step.
    settings = ([["--config", config]] if config else []) + [["--isolated"]]
    attempts = [(s, e) for s in settings for e in ([extra, []] if extra else [[]])]
    diagnostics = None
    for setting, more in attempts:
        cmd = base + setting + more
        try:
            proc = _run(cmd + sorted(files.values()), root, timeout)
        except subprocess.TimeoutExpired:
            ctx.warn(f"--deep: ruff timed out after {timeout:g}s; new noqa comments were not checked")
            return {}
        except OSError as exc:
            ctx.warn(f"--deep: could not run ruff: {exc}")
            return {}
        if proc.returncode == 0:
            try:
                diagnostics = json.loads(proc.stdout or "[]")
            except ValueError:
                diagnostics = None
            if diagnostics is not None:
                if config and setting[0] == "--isolated":
                    used = "ruff with its default rules (the base revision's configuration did not load)"
                if not more:
                    named = []
                break
    if diagnostics is None:
        ctx.warn("--deep: ruff failed on the changed files; new noqa comments were not checked")
        return {}
    if named:
        used += f", plus the rules the new noqa comments name ({', '.join(named)})"
    by_place: Dict[Tuple[str, int], List[Tuple[str, str]]] = {}
    real = {os.path.realpath(v): k for k, v in files.items()}
    for diag in diagnostics:
        path = real.get(os.path.realpath(diag.get("filename", "")))
        if path is None or not diag.get("code") or diag["code"] in RUFF_ABOUT_SUPPRESSIONS:
            continue
        row = int(diag.get("noqa_row") or (diag.get("location") or {}).get("row") or 0)
        by_place.setdefault((path, row), []).append((diag["code"], diag.get("message", "")))
    out: Dict[int, Dict[str, Any]] = {}
    for f, directives in items:
        if f.path not in files:
            continue
        for d, index in directives:
            found = by_place.get((f.path, d.line), [])
            codes = d.reading.codes
            if d.reading.blanket or not codes:
                hidden = found
            else:
                hidden = [(c, m) for c, m in found if any(c == x or c.startswith(x) for x in codes)]
            unknown = [c for c in codes if c not in known and not d.reading.blanket]
            evidence: Dict[str, Any] = {
                "hidden": [f"{c} {m}" for c, m in hidden[:MAX_LISTED]],
                "checked_with": used,
            }
            if unknown:
                evidence["not_checked"] = unknown
                evidence["notes_deep"] = f"ruff does not know {', '.join(unknown)} (another tool's codes?)"
            if codes and not d.reading.blanket:
                evidence["unused_codes"] = [x for x in codes if x in known and
                                            not any(c == x or c.startswith(x) for c, _ in found)]
            evidence["unused"] = not hidden and not unknown
            out[index] = evidence
    return out


# --- mypy -------------------------------------------------------------------------

_MYPY_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*error:\s*(?P<msg>.*?)"
                        r"(?:\s+\[(?P<code>[\w-]+)\])?\s*$")


_TYPE_IGNORE_AT = re.compile(r"#\s*type:\s*ignore(?:\s*\[[^\]#\n]*\])?")


def _blank_directive(lines: List[str], d: Any) -> None:
    """Keep the "#", blank the directive: the line is still a comment, but
    no tool reads an ignore in it any more."""
    i = d.line - 1
    if i >= len(lines):
        return
    line = lines[i]
    m = _TYPE_IGNORE_AT.match(line, d.col - 1)
    if m:
        lines[i] = line[:m.start()] + "#" + " " * (m.end() - m.start() - 1) + line[m.end():]


def _mypy_evidence(change: ChangeSet, items: List[Tuple[FileChange, List[Tuple[Any, int]]]], root: str,
                   ctx: Context, timeout: float) -> Dict[int, Dict[str, Any]]:
    mypy = executable("mypy")
    if mypy is None:
        ctx.warn("--deep: mypy not found (next to Python or on PATH); new type: ignore comments were not checked")
        return {}
    files: Dict[str, str] = {}
    for f, directives in items:
        rel = _safe_relpath(f.path)
        text = f.new_text()
        if rel is None or text is None:
            continue
        lines = text.split("\n")
        for d, _ in directives:
            _blank_directive(lines, d)
        files[rel] = f.path
        _write(root, rel, "\n".join(lines))
    if not files:
        return {}
    config, used = mypy_config(change, root)
    cmd = [mypy, "--config-file", config, "--no-site-packages", "--ignore-missing-imports",
           "--follow-imports=silent", "--cache-dir", os.path.join(root, ".mypy_cache"), "--show-error-codes",
           "--show-column-numbers", "--no-error-summary", "--no-pretty", "--hide-error-context",
           "--explicit-package-bases", "--no-color-output", *sorted(files)]
    try:
        proc = _run(cmd, root, timeout)
    except subprocess.TimeoutExpired:
        ctx.warn(f"--deep: mypy timed out after {timeout:g}s; new type: ignore comments were not checked")
        return {}
    except OSError as exc:
        ctx.warn(f"--deep: could not run mypy: {exc}")
        return {}
    if proc.returncode not in (0, 1):
        first = (proc.stderr or proc.stdout).strip().splitlines()[:1]
        ctx.warn("--deep: mypy failed on the changed files" + (f": {first[0]}" if first else "")
                 + "; new type: ignore comments were not checked")
        return {}
    errors: Dict[Tuple[str, int], List[Tuple[str, str]]] = {}
    for raw in proc.stdout.splitlines():
        m = _MYPY_LINE.match(raw.strip())
        if not m:
            continue
        rel = m.group("path").replace("\\", "/")
        if rel.startswith("./"):
            rel = rel[2:]
        path = files.get(rel)
        if path is None:
            continue
        errors.setdefault((path, int(m.group("line"))), []).append((m.group("code") or "", m.group("msg")))
    out: Dict[int, Dict[str, Any]] = {}
    for f, directives in items:
        for d, index in directives:
            if d.scope == "file":
                found = [(line, c, msg) for (p, line), errs in sorted(errors.items()) if p == f.path
                         for c, msg in errs]
                hidden = [f"line {line}: {msg} [{c}]" if c else f"line {line}: {msg}" for line, c, msg in found]
            else:
                found_here = errors.get((f.path, d.line), [])
                if not d.reading.blanket and d.reading.codes:
                    found_here = [(c, msg) for c, msg in found_here if c in d.reading.codes]
                hidden = [f"{msg} [{c}]" if c else msg for c, msg in found_here]
            out[index] = {"hidden": hidden[:MAX_LISTED], "checked_with": used + ", file checked on its own",
                          "unused": not hidden}
    return out


# --- entry point --------------------------------------------------------------------

def add_evidence(change: ChangeSet, work: Iterable[Tuple[FileChange, List[Tuple[Any, int]]]],
                 findings: List[Finding], ctx: Context) -> List[Finding]:
    """Put what each new noqa / type: ignore hides into its finding's
    details; add ``suppression/unused-suppression`` where it hides nothing."""
    timeout = float(ctx.settings.get("deep_timeout", 120) or 120)
    noqa_items, ignore_items = [], []
    for f, directives in work:
        noqa = [(d, i) for d, i in directives if d.row.key == "noqa" and d.reading.effect != "none"]
        ignores = [(d, i) for d, i in directives if d.row.key == "type-ignore" and d.reading.effect != "none"]
        if noqa:
            noqa_items.append((f, noqa))
        if ignores:
            ignore_items.append((f, ignores))
    if not noqa_items and not ignore_items:
        return findings
    evidence: Dict[int, Tuple[str, Dict[str, Any]]] = {}
    root = tempfile.mkdtemp(prefix="guardrails-deep-")
    try:
        if noqa_items:
            for index, ev in _ruff_evidence(change, noqa_items, os.path.join(root, "ruff"), ctx, timeout).items():
                evidence[index] = ("ruff", ev)
        if ignore_items:
            for index, ev in _mypy_evidence(change, ignore_items, os.path.join(root, "mypy"), ctx,
                                            timeout).items():
                evidence[index] = ("mypy", ev)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out = list(findings)
    for index, (tool, ev) in sorted(evidence.items()):
        finding = out[index]
        details = dict(finding.details)
        details["deep"] = {"tool": tool, **{k: v for k, v in ev.items() if k != "unused"}}
        out[index] = finding._replace(details=details)
        if ev["unused"]:
            what = details.get("written", "the suppression")
            out.append(checks.finding(
                RULE_UNUSED, finding.path, finding.line,
                f"`{what}` silences nothing: {tool} reports no "
                + ("diagnostic" if tool == "ruff" else "error") + " here without it",
                finding.evidence, column=finding.column,
                details={"tool": tool, "written": what, "codes": details.get("codes", []),
                         "checked_with": ev.get("checked_with", ""), "suppression_rule": finding.rule}))
    return out
