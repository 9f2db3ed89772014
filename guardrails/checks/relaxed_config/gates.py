"""What counts as a gate command (tests, linters, type checkers) in a CI
script, and what neuters one (`|| true`, `; exit 0`, `--exit-zero`)."""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

TEST = "test"
LINT = "lint"
BUILD = "build"  # builds, type checks and release scripts: a gate when swallowed, not counted when moved

# (name, kind, needle, pattern): the pattern runs on a lower-cased command line that
# contains the needle (a substring test first keeps 100,000 lines cheap).
GATES: Tuple[Tuple[str, str, Tuple[str, ...], "re.Pattern[str]"], ...] = tuple(
    (name, kind, needle if isinstance(needle, tuple) else (needle,), re.compile(pattern)) for name, kind, needle, pattern in (
        ("pytest", TEST, "test", r"\bpy\.?test\b"),
        ("unittest", TEST, "unittest", r"\bpython[\d.]*\s+-m\s+unittest\b"),
        ("tox", TEST, "tox", r"(?:^|[\s;&|(])tox(?:\s|$)"),
        ("nox", TEST, "nox", r"(?:^|[\s;&|(])nox(?:\s|$)"),
        ("go test", TEST, "test", r"\bgo\s+test\b"),
        ("npm test", TEST, " t", r"\b(?:npm|yarn|pnpm|bun)\s+(?:(?:-r|--recursive|-w|--workspaces|--if-present"
                                 r"|(?:--filter|--workspace|-F)[= ]\S+)\s+)*(?:run\s+)?test\b|\bnpm\s+t\b"),
        ("jest", TEST, "jest", r"\bjest\b"),
        ("vitest", TEST, "vitest", r"\bvitest\b"),
        ("mocha", TEST, "mocha", r"\bmocha\b"),
        ("playwright", TEST, "playwright", r"\bplaywright\s+test\b"),
        ("cargo test", TEST, "cargo", r"\bcargo\s+(?:test|nextest)\b"),
        ("make test", TEST, "make", r"\bmake\s+(?:[\w-]+\s+)*[\w-]*(?:test|check)[\w-]*\b"),
        ("ctest", TEST, "ctest", r"\bctest\b"),
        ("phpunit", TEST, "phpunit", r"\bphpunit\b"),
        ("rspec", TEST, "rspec", r"\brspec\b"),
        ("maven", TEST, "mvn", r"\bmvnw?\b.*\b(?:test|verify)\b"),
        ("gradle", TEST, "gradle", r"\bgradlew?\b.*\b(?:test|check)\b"),
        ("dotnet test", TEST, "dotnet", r"\bdotnet\s+test\b"),
        ("deno test", TEST, "deno", r"\bdeno\s+test\b"),
        ("hatch test", TEST, "hatch", r"\bhatch\s+(?:run\s+\S*)?test\b"),
        ("coverage", TEST, "coverage", r"\bcoverage\s+(?:run|report)\b"),
        ("ruff", LINT, "ruff", r"\bruff\s+(?:check|format\s+--check)\b|\bruff\s+\.|\bruff$"),
        ("flake8", LINT, "flake8", r"\bflake8\b"),
        ("mypy", LINT, "mypy", r"\bmypy\b"),
        ("pyright", LINT, "pyright", r"\b(?:based)?pyright\b"),
        ("pylint", LINT, "pylint", r"\bpylint\b"),
        ("eslint", LINT, "eslint", r"\beslint\b"),
        ("tsc", LINT, "tsc", r"\btsc\b"),
        ("golangci-lint", LINT, "golangci", r"\bgolangci-lint\b"),
        ("go vet", LINT, "vet", r"\bgo\s+vet\b"),
        ("clippy", LINT, "clippy", r"\bcargo\s+clippy\b"),
        ("cargo fmt", LINT, "fmt", r"\bcargo\s+fmt\b.*--check"),
        ("black", LINT, "black", r"\bblack\b.*--check"),
        ("isort", LINT, "isort", r"\bisort\b.*--check"),
        ("pre-commit", LINT, "pre-commit", r"\bpre-commit\s+run\b"),
        ("npm lint", LINT, ("lint", "check"), r"\b(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?(?:lint|typecheck|type-check|check)\b"),
        ("make lint", LINT, "make", r"\bmake\s+(?:[\w-]+\s+)*(?:lint|typecheck)\b"),
        ("shellcheck", LINT, "shellcheck", r"\bshellcheck\b"),
        ("prettier", LINT, "prettier", r"\bprettier\b.*--check"),
        ("rubocop", LINT, "rubocop", r"\brubocop\b"),
        ("semgrep", LINT, "semgrep", r"\bsemgrep\b"),
        ("bandit", LINT, "bandit", r"\bbandit\b"),
        ("guardrails", LINT, "guardrails", r"\bguardrails\s+check\b|\bguardrails$"),
        ("cargo check", BUILD, "cargo", r"\bcargo\s+(?:\+\S+\s+)?(?:check|build|doc|hack|deny|audit)\b"),
        ("go build", BUILD, "go", r"\bgo\s+(?:build|generate)\b"),
        ("npm build", BUILD, ("build", "typecheck", "verify", "release", "tsc", "check"),
         r"\b(?:npm|yarn|pnpm|bun|npx|turbo|nx)\s+(?:(?:-r|--recursive|-w|--workspaces|--if-present|run-many"
         r"|(?:--filter|--workspace|-F)[= ]\S+)\s+)*(?:run\s+)?[\w:-]*(?:build|typecheck|type-check|verify|release"
         r"|check)[\w:-]*\b"),
        ("make", BUILD, "make", r"(?:^|[\s;&|])make(?:\s+-\S+)*(?:\s+(?:all|build|release|dist|compile))?\s*(?:$|[;&|)])"),
        ("cmake build", BUILD, "cmake", r"\bcmake\s+--build\b"),
        ("maven build", BUILD, "mvn", r"\bmvnw?\b.*\b(?:package|install|compile|deploy)\b"),
        ("gradle build", BUILD, "gradle", r"\bgradlew?\b.*\b(?:build|assemble)\b"),
        ("dotnet build", BUILD, "dotnet", r"\bdotnet\s+build\b"),
        ("python build", BUILD, "build", r"\bpython[\d.]*\s+-m\s+build\b|\buv\s+build\b|\bhatch\s+build\b"),
        ("check script", BUILD, ("test", "lint", "check", "build", "release", "verify", "ci"),
         r"(?:^|[\s;&|(])(?:\./|bash\s+|sh\s+|node\s+|python[\d.]*\s+)?[\w./-]*(?:scripts?|ci|tools|bin|hack)/"
         r"[\w.-]*(?:test|lint|check|build|release|verify|ci)[\w.-]*(?:\.(?:sh|bash|py|js|mjs|ts))?\b"),
    ))

# `uses:` actions that are gates.
ACTIONS: Tuple[Tuple[str, str, str], ...] = (
    ("golangci-lint", LINT, "golangci/golangci-lint-action"),
    ("pre-commit", LINT, "pre-commit/action"),
    ("ruff", LINT, "ruff-action"),
    ("pyright", LINT, "pyright-action"),
    ("mypy", LINT, "mypy-action"),
    ("eslint", LINT, "eslint-action"),
    ("codeql", LINT, "github/codeql-action"),
    ("semgrep", LINT, "semgrep"),
    ("guardrails", LINT, "guardrails"),
)

NEUTER = re.compile(r"\|\|\s*(?:true|:|exit\s+0|echo\b|/bin/true)|;\s*(?:true|exit\s+0|:)\s*(?=$|[;#\"'&|)])"
                    r"|\s--exit-zero\b|\bset\s+\+e\b")


_BY_NEEDLE: Dict[str, List[int]] = {}
for _index, (_name, _kind, _needles, _pattern) in enumerate(GATES):
    for _needle in _needles:
        _BY_NEEDLE.setdefault(_needle, []).append(_index)


def gates_in(command: str) -> List[Tuple[str, str]]:
    low = command.lower()
    hits = sorted({i for needle, indexes in _BY_NEEDLE.items() if needle in low for i in indexes})
    found = [(GATES[i][0], GATES[i][1]) for i in hits if GATES[i][3].search(low)]
    if any(kind != BUILD for _, kind in found):
        found = [g for g in found if g[1] != BUILD]  # `make lint` is the lint gate, not also a build
    return found


def gates_of_action(uses: str) -> List[Tuple[str, str]]:
    low = uses.lower()
    return [(name, kind) for name, kind, needle in ACTIONS if needle in low]


def logical_lines(script: str) -> List[str]:
    """Shell lines with backslash continuations joined."""
    out: List[str] = []
    buf = ""
    for raw in script.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip() and not buf.strip().startswith("#"):
            out.append(buf.strip())
        buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def neutered(script: str) -> List[Tuple[str, str, str]]:
    """(gate name, kind, mechanism) for every gate command in SCRIPT whose
    failure is swallowed.  `set +e` before a gate neuters the rest of the script."""
    out: List[Tuple[str, str, str]] = []
    errexit_off = False
    lines = logical_lines(script)
    for index, line in enumerate(lines):
        low = line.lower()
        if re.search(r"\bset\s+\+e\b", low):
            errexit_off = True
        if re.search(r"\bset\s+-e\b", low):
            errexit_off = False
        found = gates_in(line)
        if not found:
            continue
        m = NEUTER.search(low)
        mechanism = m.group().strip() if m and "set" not in m.group() else ""
        if not mechanism and errexit_off and index + 1 < len(lines):
            mechanism = "set +e"  # a later command decides the step's exit status
        if mechanism:
            mechanism = re.sub(r"\s+", " ", mechanism)
            for name, kind in found:
                out.append((name, kind, mechanism))
    return out
