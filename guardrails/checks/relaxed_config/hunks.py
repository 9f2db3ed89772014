"""Relaxations read from the hunks alone.

A diff judged outside its repository (`--diff`, hunks-only coverage) has no
old text, so the tool modules cannot parse and compare the settings.  The
hunks still show most bypasses: an added `continue-on-error: true` under a
step whose `run:` is in the context, a code added to a ruff `ignore` list
whose key line is in the context or in the hunk's section header, a coverage
threshold whose old and new values are both in the hunk.  This module reads
those; where the deciding context is outside the hunks it escalates and says
so.  Coverage thresholds of .nycrc / .c8rc files are read this way in both
modes (the pairs of old and new values are the whole story there).
"""
from __future__ import annotations

import re
from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.relaxed_config import gates, golangci, tsconfig, workflows
from guardrails.checks.relaxed_config.base import COVERAGE, CI, LINT, TYPE, fmt_num
from guardrails.model import ADDED, ADDED_FILE, DELETED, REMOVED, ChangeSet, FileChange, Finding, Hunk, Line

HUNKS_NOTE = "only the hunks were seen"


class _Ctx(NamedTuple):
    fc: FileChange
    removed: Set[str]  # stripped removed lines of the file (a line moved is not added)
    added: Set[str]


def _ctx(fc: FileChange) -> _Ctx:
    return _Ctx(fc, {ln.text.strip() for ln in fc.removed()}, {ln.text.strip() for ln in fc.added()})


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _blank(text: str) -> bool:
    s = text.strip()
    return not s or s.startswith("#")


def _side(hunk: Hunk, new: bool) -> List[Line]:
    drop = REMOVED if new else ADDED
    return [ln for ln in hunk.lines if ln.kind != drop]


def _emit(rule: str, fc: FileChange, line: Line, tool: str, key: str, change: str, note: str,
          severity: Optional[str], hunks_only: bool) -> Finding:
    side = "old" if line.kind == REMOVED else "new"
    number = (line.old_no if side == "old" else line.new_no) or 0
    tail = f" ({HUNKS_NOTE})" if hunks_only else ""
    return finding(rule, fc.path, number, f"{tool}: {change} - {note}{tail}", line.text, side=side,
                   severity=severity, details={"tool": tool, "key": key, "change": change,
                                               "seen": "hunks" if hunks_only else "file"})


# ---------------------------------------------------------------- workflows

_WF_KEY = re.compile(r"^(\s*)(-\s+)?(continue-on-error|if)\s*:\s*(.*?)\s*(?:\s#.*)?$")
_GATE_WORD = re.compile(r"(?:^|[\s_:'\"-])(tests?|lint\w*|check\w*|typecheck|types|typing|mypy|pyright|tsc|build|ci|verify|release"
                        r"|coverage|e2e|unit|integration|format|fmt|clippy|vet)"
                        r"(?:$|[\s_:'\"-])", re.I)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _at_eof(hunk: Hunk) -> bool:
    """Does the hunk reach the end of the file?  git shows three lines of
    context after the last change when the file has them."""
    tail = 0
    for ln in reversed(hunk.lines):
        if ln.kind != " ":
            break
        tail += 1
    return tail < 3


def _block(lines: List[Line], i: int, key_indent: int, item: bool,
           eof: bool = False) -> Tuple[List[Line], str, bool, str]:
    """The step or job holding the key at LINES[i]: (its lines, "step"/"job",
    whether it is cut by the hunk's edge, the job id when known)."""
    start = i if item else -1
    if not item:
        for j in range(i - 1, -1, -1):
            t = lines[j].text
            if _blank(t) or _indent(t) >= key_indent:
                continue
            start = j
            break
    if start < 0:
        return lines, "step", True, ""
    head = lines[start].text
    level = "step" if head.lstrip().startswith("- ") else "job"
    base = _indent(head)
    end, cut = len(lines), not eof
    for j in range(start + 1, len(lines)):
        t = lines[j].text
        if _blank(t):
            continue
        if _indent(t) < base or (_indent(t) == base and (level == "job" or t.lstrip().startswith("- "))):
            end, cut = j, False
            break
    job = head.strip().rstrip(":") if level == "job" else ""
    if cut and level == "step":
        # A step runs one action or one command: once its `uses:` or a
        # one-line `run:` is in view, the rest of it cannot add a gate.
        for ln in lines[start:end]:
            m = re.match(r"\s*(?:-\s+)?(uses|run)\s*:\s*(\S.*)?$", ln.text)
            if m and (m.group(1) == "uses" or (m.group(2) and m.group(2)[0] not in "|>")):
                cut = False
    return lines[start:end], level, cut, job


def _gates_of(lines: Sequence[Line], job: str) -> List[str]:
    names: List[str] = []
    # A step's name counts only while what it runs is out of view.
    runs = any(re.match(r"\s*(?:-\s+)?(?:uses|run)\s*:", ln.text) for ln in lines)
    for ln in lines:
        text = ln.text.strip()
        if text.startswith("#"):
            continue
        names.extend(n for n, _ in gates.gates_in(text))
        m = re.match(r"(?:-\s+)?uses\s*:\s*(\S+)", text)
        if m:
            names.extend(n for n, _ in gates.gates_of_action(m.group(1)))
        m = re.match(r"(?:-\s+)?name\s*:\s*(.+)", text)
        if m and not runs and _GATE_WORD.search(" " + m.group(1) + " "):
            names.append(f"step '{_unquote(m.group(1).strip())}'")
    if job and _GATE_WORD.search(" " + job + " "):
        names.append(f"job {job}")
    return list(dict.fromkeys(names))


def _workflow(cx: _Ctx, hunks_only: bool) -> Iterable[Finding]:
    fc = cx.fc
    for hunk in fc.hunks:
        lines = _side(hunk, new=True)
        for i, ln in enumerate(lines):
            if ln.kind != ADDED or ln.text.strip() in cx.removed or ln.text.lstrip().startswith("#"):
                continue
            m = _WF_KEY.match(ln.text)
            if m:
                key, value = m.group(3), _unquote(m.group(4))
                if key == "continue-on-error":
                    how = workflows._on_error(True if value.lower() in ("true", "yes", "on") else value)
                    if not how:
                        continue
                    mechanism, severity = "continue-on-error", "block" if how == "literal" else None
                else:
                    if not value or not workflows._is_false(value):
                        continue
                    mechanism, severity = f"if: {value}", "block"
                indent = len(m.group(1)) + (len(m.group(2)) if m.group(2) else 0)
                block, level, cut, job = _block(lines, i, indent, bool(m.group(2)), _at_eof(hunk))
                found = _gates_of(block, job)
                if found:
                    yield _emit(CI, fc, ln, workflows.TOOL, f"{level}.{key}",
                                f"{', '.join(found[:3])} {mechanism} on the {level}",
                                "a failing gate no longer fails the build", severity, hunks_only and cut)
                elif cut:
                    yield _emit(CI, fc, ln, workflows.TOOL, f"{level}.{key}", f"{mechanism} on a {level}",
                                f"the {level} may run a check that can no longer fail the build", "escalate", True)
                continue
            text = ln.text
            if not gates.NEUTER.search(text.lower()):
                continue
            for name, _kind, mechanism in gates.neutered(re.sub(r"^\s*(?:-\s+)?run\s*:\s*", "", text)):
                if mechanism == "set +e":
                    continue
                yield _emit(CI, fc, ln, workflows.TOOL, "run", f"{name} {mechanism}",
                            "a failing gate no longer fails the build", "block", False)


# ---------------------------------------------------------------- ruff (and flake8-style code lists)

_LIST_KEY = re.compile(r"^\s*([\w.\"'-]+)\s*=\s*\[\s*(?:#.*)?$")
_INLINE_LIST = re.compile(r"^\s*([\w.\"'-]+)\s*=\s*\[([^\]]*)\]")
# `\s*(?:,\s*)?` reads what `\s*,?\s*` reads, without trying every split of a
# run of blanks between the two (quadratic on a long line).
_CODE_ITEM = re.compile(r"^\s*[\"']([A-Z]+[0-9]*)[\"']\s*(?:,\s*)?(?:#.*)?$")
_CODE = re.compile(r"[\"']([A-Z]+[0-9]*)[\"']")
# A [table] header; group 1 is read stripped.  `([^\]]+)` up to the first "]"
# matches where `\s*([^\]]+?)\s*` did, and holds the same name once stripped,
# without the blanks being split every way (quadratic on a long line).
_TABLE = re.compile(r"^\s*\[\[?([^\]]+)\]\]?\s*(?:#.*)?$")
IGNORE_KEYS = {"ignore", "extend-ignore", "lint.ignore", "lint.extend-ignore"}
SELECT_KEYS = {"select", "extend-select", "lint.select", "lint.extend-select"}


def _toml_key(lines: List[Line], i: int, section: str) -> Tuple[str, str]:
    """(list key, table) that the item at LINES[i] belongs to, from the lines
    above it in the hunk, else from the hunk's section header."""
    key, table = "", ""
    for j in range(i - 1, -1, -1):
        t = lines[j].text
        if not key:
            m = _LIST_KEY.match(t)
            if m:
                key = m.group(1).strip("\"'")
                continue
            if "]" in t.split("#")[0] or "=" in t.split("#")[0]:
                return "", ""  # another list closed or another key: the item is not in a list we know
        m = _TABLE.match(t)
        if m:
            table = m.group(1).strip()
            break
    if not key:
        m = _LIST_KEY.match(section) or re.match(r"^\s*([\w.\"'-]+)\s*=\s*\[", section)
        if m:
            key = m.group(1).strip("\"'")
        m = _TABLE.match(section)
        if m:
            table = m.group(1).strip()
    return key, table


def _is_ruff(path: str, table: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name in ("ruff.toml", ".ruff.toml"):
        return True
    return not table or table.startswith("tool.ruff")


def _ruff(cx: _Ctx, hunks_only: bool) -> Iterable[Finding]:
    fc = cx.fc
    removed_codes: Set[str] = set()
    for ln in fc.removed():
        removed_codes.update(_CODE.findall(ln.text))
    for hunk in fc.hunks:
        for new in (True, False):
            lines = _side(hunk, new)
            kind = ADDED if new else REMOVED
            for i, ln in enumerate(lines):
                if ln.kind != kind:
                    continue
                m = _CODE_ITEM.match(ln.text)
                codes: List[str] = []
                if m:
                    key, table = _toml_key(lines, i, hunk.section)
                    codes = [m.group(1)]
                else:
                    inline = _INLINE_LIST.match(ln.text)
                    if not inline:
                        continue
                    key, table = inline.group(1).strip("\"'"), _toml_key(lines, i, hunk.section)[1]
                    codes = _CODE.findall(inline.group(2))
                if not _is_ruff(fc.path, table):
                    continue
                if table.startswith("tool.ruff.") and not key.startswith("lint."):
                    key = key if table == "tool.ruff.lint" or table == "tool.ruff" else ""
                if new and key in IGNORE_KEYS:
                    fresh = [c for c in codes if c not in removed_codes]
                    if fresh:
                        change = f"{key}: " + ", ".join("+" + c for c in fresh)
                        yield _emit(LINT, fc, ln, "ruff", key, change, "rules turned off",
                                    "block" if "ALL" in fresh else None, hunks_only)
                elif not new and key in SELECT_KEYS:
                    added_codes = {c for a in fc.added() for c in _CODE.findall(a.text)}
                    gone = [c for c in codes if c not in added_codes]
                    if gone:
                        change = f"{key}: " + ", ".join("-" + c for c in gone)
                        yield _emit(LINT, fc, ln, "ruff", key, change, "rules no longer selected", None,
                                    hunks_only)


# ---------------------------------------------------------------- coverage thresholds

_THRESHOLD = re.compile(r"""["']?\b(branches|lines|functions|statements|perFile|per-file)\b["']?\s*[:=]\s*["']?"""
                        r"""(\d+(?:\.\d+)?)["']?""")
_CHECK_OFF = re.compile(r"""["']?\b(check-coverage|checkCoverage)\b["']?\s*[:=]\s*["']?false\b""")
_COVERAGE_WORD = re.compile(r"\b(?:nyc|c8|coverage|coverageThreshold|thresholds|jest|vitest)\b", re.I)
_NYC_WORD = re.compile(r"[\"']\s*(?:nyc|c8)\s*[\"']\s*:")
COVERAGE_RC = (".nycrc", ".nycrc.json", ".nycrc.yml", ".nycrc.yaml", ".c8rc", ".c8rc.json", ".c8rc.yml",
               ".c8rc.yaml")


def _coverage(cx: _Ctx, hunks_only: bool) -> Iterable[Finding]:
    fc = cx.fc
    name = fc.path.rsplit("/", 1)[-1]
    tool = "c8" if name.startswith(".c8rc") else "nyc" if name.startswith(".nycrc") else \
        "jest" if name.startswith("jest.") else "vitest" if name.startswith(("vitest.", "vite.")) else "coverage"
    if not hunks_only and name not in COVERAGE_RC and name != "package.json":
        return  # jest and vitest configs are parsed and compared (js_test)
    wanted = _COVERAGE_WORD if hunks_only else _NYC_WORD
    for hunk in fc.hunks:
        text = hunk.section + "\n" + "\n".join(ln.text for ln in hunk.lines)
        if name not in COVERAGE_RC and not wanted.search(text):
            continue
        old: Dict[str, List[Tuple[float, Line]]] = {}
        new: Dict[str, List[Tuple[float, Line]]] = {}
        for ln in hunk.lines:
            if ln.kind == " " or ln.text.lstrip().startswith(("//", "#")):
                continue
            for m in _THRESHOLD.finditer(ln.text):
                (old if ln.kind == REMOVED else new).setdefault(m.group(1), []).append((float(m.group(2)), ln))
            if ln.kind == ADDED and _CHECK_OFF.search(ln.text) and ln.text.strip() not in cx.removed:
                yield _emit(COVERAGE, fc, ln, tool, "check-coverage", "check-coverage: true -> false",
                            "the coverage gate is off", "block", False)
        for key, before in old.items():
            after = new.get(key, [])
            for k, (value, line) in enumerate(before):
                if k < len(after):
                    now, at = after[k]
                    if now < value:
                        yield _emit(COVERAGE, fc, at, tool, key, f"{key}: {fmt_num(value)} -> {fmt_num(now)}",
                                    "the coverage gate is off" if now == 0 else "less coverage passes",
                                    "block" if now == 0 else None, False)
                elif not any(key in a for a in cx.added):
                    yield _emit(COVERAGE, fc, line, tool, key, f"{key}: {fmt_num(value)} -> (unset)",
                                "a coverage threshold removed", None, hunks_only)


# ---------------------------------------------------------------- tsconfig

_TS_FLAG = re.compile(r"""^\s*["']?(\w+)["']?\s*:\s*(true|false)\b""")


def _tsconfig(cx: _Ctx, hunks_only: bool) -> Iterable[Finding]:
    fc = cx.fc
    members = set(tsconfig.STRICT_MEMBERS) | {n for n in tsconfig.STRICTER_TRUE if "=" not in n}
    for ln in fc.added():
        m = _TS_FLAG.match(ln.text)
        if not m or ln.text.strip() in cx.removed:
            continue
        key, value = m.group(1), m.group(2)
        if key == "strict" and value == "false":
            yield _emit(TYPE, fc, ln, tsconfig.TOOL, "compilerOptions.strict", "strict: (inherited or true) -> false",
                        "turns off the whole strict family", "block", False)
        elif key in members and value == "false":
            yield _emit(TYPE, fc, ln, tsconfig.TOOL, f"compilerOptions.{key}", f"{key}: -> false",
                        "a strict check turned off", None, hunks_only)
        elif value == "true" and tsconfig.WEAKER_TRUE.get(key, "info") is None:
            yield _emit(TYPE, fc, ln, tsconfig.TOOL, f"compilerOptions.{key}", f"{key}: -> true",
                        "errors suppressed", None, hunks_only)
    added_keys = {m.group(1) for ln in fc.added() for m in [_TS_FLAG.match(ln.text)] if m}
    for ln in fc.removed():
        m = _TS_FLAG.match(ln.text)
        if m and m.group(2) == "true" and m.group(1) not in added_keys and \
                (m.group(1) == "strict" or m.group(1) in members):
            yield _emit(TYPE, fc, ln, tsconfig.TOOL, f"compilerOptions.{m.group(1)}",
                        f"{m.group(1)}: true -> (unset)", "a strict check may be off", None, True)


# ---------------------------------------------------------------- golangci-lint

# `key: value  # comment` was one regex ending `\s*(.*?)\s*(?:#.*)?$`: the
# lazy value stopped at each blank of a run to read the run to its end
# (quadratic on a long line).  The head is matched (it has one parse) and the
# value cut with str methods: blanks stripped, up to the first "#".  Same
# parts on a line without "\n", which a diff line never holds.
_YAML_KEY_HEAD = re.compile(r"(\s*)([\w-]+)\s*:")


def _yaml_key(text: str) -> Optional[Tuple[str, str, str]]:
    """(indent, key, value without its comment) of a `key: value` line, or None."""
    m = _YAML_KEY_HEAD.match(text)
    if m is None:
        return None
    return m.group(1), m.group(2), text[m.end():].lstrip().split("#", 1)[0].rstrip()


_YAML_ITEM = re.compile(r"^(\s*)-\s+([\w-]+)\s*(?:#.*)?$")


def _yaml_parent(lines: List[Line], i: int) -> str:
    indent = _indent(lines[i].text)
    for j in range(i - 1, -1, -1):
        t = lines[j].text
        if _blank(t) or _YAML_ITEM.match(t):
            continue
        m = _yaml_key(t)
        if m and len(m[0]) <= indent:
            return m[1] if not m[2] else ""
        if _indent(t) < indent:
            return ""
    return ""


def _golangci(cx: _Ctx, hunks_only: bool) -> Iterable[Finding]:
    fc = cx.fc
    items: List[Tuple[bool, str, str, Line]] = []  # (new side, parent key, linter, line)
    keys: List[Line] = []
    for hunk in fc.hunks:
        section = re.sub(r"\s*#.*$", "", hunk.section).strip().rstrip(":")
        for new in (True, False):
            lines = _side(hunk, new)
            for i, ln in enumerate(lines):
                if ln.kind == " ":
                    continue
                item = _YAML_ITEM.match(ln.text)
                if item:
                    parent = _yaml_parent(lines, i) or (section if section in ("enable", "disable") else "")
                    if not parent and section not in ("linters", "formatters", ""):
                        continue
                    items.append((new, parent, item.group(2), ln))
                elif new:
                    keys.append(ln)
    added = {(p, name) for new, p, name, _ in items if new}
    removed = {(p, name) for new, p, name, _ in items if not new}
    for new, parent, linter, ln in items:
        if not new and parent in ("enable", "") and (parent, linter) not in added \
                and golangci.REPLACED.get(linter) != "":
            if parent:
                yield _emit(LINT, fc, ln, golangci.TOOL, "linters.enable", f"linters.enable: -{linter}",
                            "linters no longer run", None, hunks_only)
            elif ("", linter) not in added and ("disable", linter) not in added:
                yield _emit(LINT, fc, ln, golangci.TOOL, "linters", f"linters: -{linter}",
                            "a linter taken out of a list whose key is outside the hunk (enable, or disable)",
                            "escalate", True)
        elif new and parent == "disable" and ("disable", linter) not in removed:
            yield _emit(LINT, fc, ln, golangci.TOOL, "linters.disable", f"linters.disable: +{linter}",
                        "linters turned off", None, hunks_only)
    for ln in keys:
        key = _yaml_key(ln.text)
        if key and ln.text.strip() not in cx.removed:
            k, v = key[1], key[2].lower()
            if (k == "disable-all" and v == "true") or (k == "default" and v == "none"):
                yield _emit(LINT, fc, ln, golangci.TOOL, "linters.default", f"{k}: {v}",
                            "only the linters listed under enable still run", None, hunks_only)


# ---------------------------------------------------------------- dispatch

def _rc(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in COVERAGE_RC


def _coverage_js(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == "package.json" or re.match(r"^(?:jest|vitest|vite)\.config\.[cm]?[jt]s$|^jest\.config\.json$",
                                               name) is not None


def _golangci_yaml(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in (".golangci.yml", ".golangci.yaml")


def _ruff_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ("pyproject.toml", "ruff.toml", ".ruff.toml")


# (path test, reader, runs in full mode too)
READERS: Tuple[Tuple[Callable[[str], bool], Callable[[_Ctx, bool], Iterable[Finding]], bool], ...] = (
    (workflows.matches, _workflow, False),
    (_ruff_file, _ruff, False),
    (_rc, _coverage, True),
    (_coverage_js, _coverage, True),
    (tsconfig.matches, _tsconfig, False),
    (_golangci_yaml, _golangci, False),
)


def _texts_unknown(fc: FileChange) -> bool:
    return fc.status != ADDED_FILE and not fc.is_binary and fc.old_text() is None


def check(change: ChangeSet, skip: Set[str]) -> List[Finding]:
    out: List[Finding] = []
    if "hunks" in skip:
        return out
    for fc in change.files:
        if fc.status in (DELETED, ADDED_FILE) or fc.is_binary or not fc.hunks:
            continue
        unknown = None
        for matches, reader, always in READERS:
            if not matches(fc.path):
                continue
            if unknown is None:
                unknown = _texts_unknown(fc)
            if unknown or always:
                out.extend(reader(_ctx(fc), bool(unknown)))
    return out
