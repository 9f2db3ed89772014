"""Line checks on any file: hook bypasses (`git commit --no-verify`), gates
neutered in CI scripts other than GitHub workflows (`pytest || true` in a
Makefile, .gitlab-ci.yml, package.json script, shell script; `-pytest` in a
Makefile recipe or tox commands), and `--cov-fail-under` lowered."""
from __future__ import annotations

import re
from typing import Iterable, List, Optional, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.relaxed_config import gates, pytest_cfg, workflows
from guardrails.checks.relaxed_config.base import CI, COVERAGE, NO_VERIFY, TEST
from guardrails.model import DELETED, ChangeSet, FileChange, Finding

_NO_VERIFY = re.compile(r"--no-verify\b")
_HOOKS_OFF = re.compile(r"core\.hookspath\s*[= ]\s*(?:/dev/null|nul\b|[\"']{2}|$)", re.I)
_COMMIT_N = re.compile(r"\bgit\b(?:\s+-c\s+\S+)*\s+commit\b[^|;&#\n]*?\s-[a-mo-zA-Z]*n[a-zA-Z]*(?=[\s\"',\]]|$)")
_COMMIT_N_LIST = re.compile(r"[\"']git[\"']\s*,\s*[\"']commit[\"'].*[\"']-[a-mo-zA-Z]*n[a-zA-Z]*[\"']")
_GIT = re.compile(r"\bgit\b|[\"']git[\"']")
_GIT_VERB = re.compile(r"\b(?:commit|push|merge|am|rebase|cherry-pick|revert|pull)\b")
_DOCS = (".md", ".markdown", ".rst", ".txt", ".adoc", ".html")
_COMMENT = ("#", "//", ";", "--", "*", "rem ", "REM ", "<!--")
_COV = re.compile(r"--(?:cov-)?fail-under[= ]+(\d+(?:\.\d+)?)")

_CI_NAMES = {".gitlab-ci.yml", "azure-pipelines.yml", "azure-pipelines.yaml", "Jenkinsfile",
             "bitbucket-pipelines.yml", ".travis.yml", ".drone.yml", "Makefile", "makefile", "GNUmakefile",
             "justfile", "Justfile", ".justfile", "package.json", "tox.ini", "Taskfile.yml", "Taskfile.yaml",
             "cloudbuild.yaml", "cloudbuild.yml"}
_CI_SUFFIX = (".sh", ".bash", ".mk", ".gitlab-ci.yml")
_CI_DIRS = (".circleci/", ".buildkite/", ".gitlab/ci/", "ci/", "scripts/ci/")


def _is_ci_script(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name in _CI_NAMES or path.endswith(_CI_SUFFIX):
        return True
    return path.startswith(_CI_DIRS) and path.endswith((".yml", ".yaml", ".sh"))


def _is_ci_config(path: str) -> bool:
    """A pipeline definition run by CI, not a script a developer or agent runs."""
    name = path.rsplit("/", 1)[-1]
    return (workflows.matches(path) or path.startswith((".circleci/", ".buildkite/", ".gitlab/ci/"))
            or name in (".gitlab-ci.yml", "azure-pipelines.yml", "azure-pipelines.yaml", "Jenkinsfile",
                        "bitbucket-pipelines.yml", ".travis.yml", ".drone.yml"))


def _is_comment(text: str) -> bool:
    return text.lstrip().startswith(_COMMENT)


class _Old:
    """Stripped lines of the old text, to tell a moved line from a new one."""

    def __init__(self, fc: FileChange):
        self.fc = fc
        self.lines: Optional[Set[str]] = None

    def has(self, text: str) -> bool:
        if self.lines is None:
            old = self.fc.old_text() or ""
            self.lines = {ln.strip() for ln in old.splitlines()}
            self.lines |= {ln.text.strip() for ln in self.fc.removed()}
        return text.strip() in self.lines


# Starts with its literal so the engine can skip ahead to it; the word
# boundary before "commit" is checked on the character before the match.
_COMMIT_WORD = re.compile(r"commit\b")
_WORD_CHAR = re.compile(r"\w")


def _may_bypass(text: str) -> bool:
    """Could TEXT hold a hook bypass (`--no-verify`, `hooksPath`, a word `commit`)?"""
    if "--no-verify" in text or "ooksPath" in text or "ookspath" in text:
        return True
    if "commit" not in text:
        return False
    for m in _COMMIT_WORD.finditer(text):
        i = m.start()
        if i == 0 or not _WORD_CHAR.match(text, i - 1):
            return True
    return False
_NEUTER_ANY = re.compile(r"\|\||;|--exit-zero|^\t\s*[@+]*-|^\s*(?:commands\s*=\s*)?-|ignore_(?:outcome|errors)", re.M)


def _added_text(fc: FileChange) -> str:
    return "\n".join(ln.text for ln in fc.added())


def is_test_path(path: str) -> bool:
    """Test code and fixtures quote these commands; they do not run them on a commit."""
    low = "/" + path.lower()
    name = low.rsplit("/", 1)[-1]
    return (any(part in low for part in ("/tests/", "/test/", "/__tests__/", "/testdata/", "/fixtures/"))
            or name.startswith("test_") or re.search(r"[._-](test|spec)\.[a-z]+$", name) is not None)


_INLINE_CODE = re.compile(r"`[^`]*`")


def _no_verify(fc: FileChange, old: _Old, added: str) -> Iterable[Finding]:
    if fc.path.lower().endswith(_DOCS) or not _may_bypass(added):
        return
    for hunk in fc.hunks:
        lines = hunk.lines
        for i, line in enumerate(lines):
            if line.kind != "+":
                continue
            t = line.text
            if "-n" not in t and "ooksPath" not in t and "ookspath" not in t:
                continue
            if _is_comment(t):
                continue
            if "`" in t:
                t = _INLINE_CODE.sub("", t)  # `git commit --no-verify` quoted in a docstring
            kind = ""
            if _NO_VERIFY.search(t):
                context = t
                j = i - 1
                while j >= 0 and lines[j].kind != "-" and lines[j].text.rstrip().endswith("\\"):
                    context = lines[j].text + " " + context  # a shell continuation
                    j -= 1
                if _GIT.search(context) and _GIT_VERB.search(context):
                    kind = "--no-verify"
            elif _HOOKS_OFF.search(t):
                kind = "core.hooksPath"
            elif _COMMIT_N.search(t) or _COMMIT_N_LIST.search(t):
                kind = "commit -n"
            if not kind or old.has(t):
                continue
            in_ci = _is_ci_config(fc.path)
            yield finding(NO_VERIFY, fc.path, line.new_no or 0,
                          f"git hooks bypassed ({kind}): commits made this way skip the pre-commit checks"
                          + (" (in CI, where hooks rarely run: a human judges)" if in_ci else ""), line.text,
                          severity="escalate" if in_ci else None,
                          details={"tool": "git", "key": kind, "change": f"+{kind}"})


def _neutered_lines(fc: FileChange, old: _Old, added: str) -> Iterable[Finding]:
    name = fc.path.rsplit("/", 1)[-1]
    makefile = name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk")
    tox = name == "tox.ini"
    if not _NEUTER_ANY.search(added):
        return
    for line in fc.added():
        t = line.text
        if not _NEUTER_ANY.search(t) or _is_comment(t):
            continue
        low = t.lower()
        mechanism = ""
        found = gates.gates_in(t) if ("|" in t or ";" in t or "-" in t) else []
        if found:
            m = gates.NEUTER.search(low)
            if m and "set" not in m.group():
                mechanism = re.sub(r"\s+", " ", m.group().strip())
            elif makefile and re.match(r"^\t\s*[@+]*-", t):
                mechanism = "leading '-': make ignores the exit status"
            elif tox and re.match(r"^\s*(?:commands\s*=\s*)?-\s*\S", t):
                mechanism = "leading '-': tox ignores the exit status"
        severity = "block"
        if tox and not mechanism and re.match(r"^\s*ignore_(?:outcome|errors)\s*=\s*true", low):
            found, mechanism = [("tox", gates.TEST)], t.strip()
            severity = "escalate"  # often an experimental env; a human judges
        if not mechanism or old.has(t):
            continue
        names = ", ".join(n for n, _ in found)
        yield finding(CI, fc.path, line.new_no or 0,
                      f"{names}: failure swallowed ({mechanism}): the gate can no longer fail", t,
                      severity=severity, details={"tool": names, "key": "command", "change": f"+{mechanism}"})


_PYTEST_CMD = re.compile(r"\bpy\.?test\b")


def _pytest_opts(line: str) -> List[Tuple[str, str]]:
    m = _PYTEST_CMD.search(line)
    if not m:
        return []
    command = re.split(r"\s(?:&&|\|\||;|\|)\s", line[m.end():], maxsplit=1)[0]
    command = command.strip().rstrip("\\").strip().rstrip(",")
    for quote in "\"'":
        if command.count(quote) % 2:  # the end of a JSON/YAML string around the command
            command = command.rstrip(quote)
    return pytest_cfg.parse_addopts(command)


def _pytest_cli(fc: FileChange, old: _Old) -> Iterable[Finding]:
    """`pytest --deselect ...` / `-k "not ..."` added to a CI command."""
    added = [ln for ln in fc.added() if "test" in ln.text and _PYTEST_CMD.search(ln.text)
             and not _is_comment(ln.text)]
    if not added:
        return
    before: List[Tuple[str, str]] = []
    for text in (fc.old_text() or "").splitlines():
        if "test" in text:
            before.extend(_pytest_opts(text))
    for line in added:
        if old.has(line.text):
            continue
        new_opts = pytest_cfg.narrowing(before, _pytest_opts(line.text))
        if not new_opts:
            continue
        text = ", ".join("+" + (f"{o} {v}" if v else o) for o, v in new_opts)
        block = any(o == "--collect-only" for o, _ in new_opts)
        yield finding(TEST, fc.path, line.new_no or 0, f"pytest: {text} - fewer tests run in CI", line.text,
                      severity="block" if block else None,
                      details={"tool": "pytest", "key": "command line", "change": text})


_COV_TOOL = re.compile(r"\b(?:c8|nyc|istanbul|check-coverage)\b")
_COV_FLAG = re.compile(r"--(statements|branches|functions|lines)[= ]+[\"']?(\d+(?:\.\d+)?)")
_CHECK_CMD = re.compile(r"--check-coverage\b|\b(?:c8|nyc)\s+check-coverage\b")
_COV_FLAGS = re.compile(r"--(?:statements|branches|functions|lines)\b")


def _may_set_coverage(text: str) -> bool:
    return "fail-under" in text or "check-coverage" in text or ("--" in text and _COV_FLAGS.search(text) is not None)


def _cov_values(line: str) -> List[Tuple[str, float]]:
    """(flag, threshold) pairs a command line sets: --cov-fail-under / --fail-under,
    and c8 / nyc `--statements 90 --branches 80 ...`."""
    out = [("--cov-fail-under", float(m.group(1))) for m in _COV.finditer(line)]
    if _COV_TOOL.search(line):
        out += [("--" + m.group(1), float(m.group(2))) for m in _COV_FLAG.finditer(line)]
    return out


def _cov_lowered(fc: FileChange, added: str) -> Iterable[Finding]:
    # One search over the joined text instead of one per line (no match spans a line).
    if not (_may_set_coverage(added) or _may_set_coverage("\n".join(ln.text for ln in fc.removed()))):
        return
    old_vals: dict = {}
    new_vals: dict = {}
    for ln in fc.removed():
        for flag, value in _cov_values(ln.text):
            old_vals.setdefault(flag, []).append((value, ln))
    for ln in fc.added():
        for flag, value in _cov_values(ln.text):
            new_vals.setdefault(flag, []).append((value, ln))
    new_text: Optional[str] = None
    checks_removed = (any(_CHECK_CMD.search(ln.text) for ln in fc.removed())
                      and not any(_CHECK_CMD.search(ln.text) for ln in fc.added()))
    for flag, before in old_vals.items():
        lowest_old = min(v for v, _ in before)
        tool = "coverage" if flag == "--cov-fail-under" else "c8/nyc"
        after = new_vals.get(flag)
        if after:
            value, line = min(after, key=lambda x: x[0])
            if value < lowest_old:
                yield finding(COVERAGE, fc.path, line.new_no or 0,
                              f"{tool}: {flag} {lowest_old:g} -> {value:g}", line.text,
                              severity="block" if value == 0 else None,
                              details={"tool": tool, "key": flag, "change": f"{flag}: {lowest_old:g} -> {value:g}"})
            continue
        if new_text is None:
            new_text = fc.new_text() or ""
        if any(flag == f for text in new_text.splitlines() for f, _ in _cov_values(text)):
            continue  # still gated elsewhere in the file
        value, line = before[0]
        gone = flag == "--cov-fail-under" or checks_removed
        yield finding(COVERAGE, fc.path, line.old_no or 0, f"{tool}: {flag} {value:g} removed", line.text,
                      side="old", severity="block" if gone else None,
                      details={"tool": tool, "key": flag, "change": f"{flag}: {value:g} -> (unset)"})


def check(change: ChangeSet, skip: Set[str]) -> List[Finding]:
    out: List[Finding] = []
    for fc in change.files:
        if fc.status == DELETED or fc.is_binary or is_test_path(fc.path):
            continue
        old = _Old(fc)
        added = _added_text(fc)  # joined once, searched by each check below
        if "git" not in skip:
            out.extend(_no_verify(fc, old, added))
        if "scripts" not in skip and _is_ci_script(fc.path) and not workflows.matches(fc.path):
            out.extend(_neutered_lines(fc, old, added))
        if "pytest" not in skip and (_is_ci_script(fc.path) or workflows.matches(fc.path)):
            out.extend(_pytest_cli(fc, old))
        if "coverage" not in skip:
            out.extend(_cov_lowered(fc, added))
    return out
