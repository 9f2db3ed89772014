"""What counts as a gate command (tests, linters, type checkers) in a CI
script, and what neuters one (`|| true`, `; exit 0`, `--exit-zero`)."""
from __future__ import annotations

import re
from typing import List, Tuple

TEST = "test"
LINT = "lint"

# (name, kind, pattern) - the pattern runs on a lower-cased command line.
GATES: Tuple[Tuple[str, str, "re.Pattern[str]"], ...] = tuple(
    (name, kind, re.compile(pattern)) for name, kind, pattern in (
        ("pytest", TEST, r"\bpy\.?test\b"),
        ("unittest", TEST, r"\bpython[\d.]*\s+-m\s+unittest\b"),
        ("tox", TEST, r"(?:^|[\s;&|(])tox(?:\s|$)"),
        ("nox", TEST, r"(?:^|[\s;&|(])nox(?:\s|$)"),
        ("go test", TEST, r"\bgo\s+test\b"),
        ("npm test", TEST, r"\b(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test\b|\bnpm\s+t\b|\bnpm\s+(?:run\s+)?test:"),
        ("jest", TEST, r"\bjest\b"),
        ("vitest", TEST, r"\bvitest\b"),
        ("mocha", TEST, r"\bmocha\b"),
        ("playwright", TEST, r"\bplaywright\s+test\b"),
        ("cargo test", TEST, r"\bcargo\s+(?:test|nextest)\b"),
        ("make test", TEST, r"\bmake\s+(?:[\w-]+\s+)*(?:test|tests|check)\b"),
        ("ctest", TEST, r"\bctest\b"),
        ("phpunit", TEST, r"\bphpunit\b"),
        ("rspec", TEST, r"\brspec\b"),
        ("maven", TEST, r"\bmvnw?\b.*\b(?:test|verify)\b"),
        ("gradle", TEST, r"\bgradlew?\b.*\b(?:test|check)\b"),
        ("dotnet test", TEST, r"\bdotnet\s+test\b"),
        ("deno test", TEST, r"\bdeno\s+test\b"),
        ("hatch test", TEST, r"\bhatch\s+(?:run\s+\S*)?test\b"),
        ("coverage", TEST, r"\bcoverage\s+(?:run|report)\b"),
        ("ruff", LINT, r"\bruff\s+(?:check|format\s+--check)\b|\bruff\s+\.|\bruff$"),
        ("flake8", LINT, r"\bflake8\b"),
        ("mypy", LINT, r"\bmypy\b"),
        ("pyright", LINT, r"\b(?:based)?pyright\b"),
        ("pylint", LINT, r"\bpylint\b"),
        ("eslint", LINT, r"\beslint\b"),
        ("tsc", LINT, r"\btsc\b"),
        ("golangci-lint", LINT, r"\bgolangci-lint\b"),
        ("go vet", LINT, r"\bgo\s+vet\b"),
        ("clippy", LINT, r"\bcargo\s+clippy\b"),
        ("cargo fmt", LINT, r"\bcargo\s+fmt\b.*--check"),
        ("black", LINT, r"\bblack\b.*--check"),
        ("isort", LINT, r"\bisort\b.*--check"),
        ("pre-commit", LINT, r"\bpre-commit\s+run\b"),
        ("npm lint", LINT, r"\b(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?(?:lint|typecheck|type-check|check)\b"),
        ("make lint", LINT, r"\bmake\s+(?:[\w-]+\s+)*(?:lint|typecheck)\b"),
        ("shellcheck", LINT, r"\bshellcheck\b"),
        ("prettier", LINT, r"\bprettier\b.*--check"),
        ("rubocop", LINT, r"\brubocop\b"),
        ("semgrep", LINT, r"\bsemgrep\b"),
        ("bandit", LINT, r"\bbandit\b"),
        ("guardrails", LINT, r"\bguardrails\s+check\b|\bguardrails$"),
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

NEUTER = re.compile(r"\|\|\s*(?:true|:|exit\s+0|echo\b|/bin/true)|;\s*(?:true|exit\s+0|:)\s*(?:$|[;#])"
                    r"|\s--exit-zero\b|\bset\s+\+e\b")


def gates_in(command: str) -> List[Tuple[str, str]]:
    low = command.lower()
    return [(name, kind) for name, kind, pattern in GATES if pattern.search(low)]


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
