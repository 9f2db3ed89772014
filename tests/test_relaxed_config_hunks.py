"""Gates that used to slip, judged twice: in a real repository (full
coverage) and as a bare diff read outside it (`--diff`, hunks-only), where
the hunks must be enough whenever they show the bypass."""
from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from conftest import Repo, deadline, run_cli

OURS = {
    "suppression/relaxed-lint-config", "suppression/relaxed-type-config", "suppression/relaxed-test-config",
    "suppression/relaxed-coverage-config", "suppression/relaxed-ci", "suppression/no-verify",
}


def _ours(report: dict) -> List[dict]:
    return [f for f in report["findings"] if f["rule"] in OURS]


def both(repo: Repo, tmp_path: Path, before: Dict[str, Optional[str]],
         after: Dict[str, Optional[str]]) -> Tuple[List[dict], List[dict]]:
    """(findings with the repository, findings from the bare diff elsewhere)."""
    for path, text in after.items():
        assert before.get(path, "\0") != text, f"{path}: the test's edit did not change it"
    repo.commit(before, "base")
    repo.commit(after, "change")
    res = run_cli(["check", "--format", "json", "--base", "HEAD~1"], cwd=repo.path)
    assert res.code in (0, 1), res.err
    full = res.json()
    assert full["stats"]["coverage"] == "full"
    patch = tmp_path / "change.diff"
    patch.write_bytes(subprocess.run(["git", "diff", "HEAD~1", "HEAD"], cwd=repo.path, env=repo.env,
                                     stdout=subprocess.PIPE, check=True).stdout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    res = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=elsewhere)
    assert res.code in (0, 1), res.err
    bare = res.json()
    assert bare["stats"]["coverage"] == "hunks-only"
    return _ours(full), _ours(bare)


def at(findings: List[dict], text: str, needle: str) -> List[Tuple[str, int]]:
    """(severity, line) of the findings; each must sit on the line holding NEEDLE."""
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)
    assert all(f["line"] == line for f in findings), (line, findings)
    return [(f["severity"], f["line"]) for f in findings]


# ---------------------------------------------------------------- workflows

RUST_WF = textwrap.dedent('''\
    name: Rust
    on:
      pull_request:
      push:
        branches: [main]
    env:
      CARGO_TERM_COLOR: always
    jobs:
      check:
        name: Check and lint
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: dtolnay/rust-toolchain@stable
            with:
              components: clippy, rustfmt
          - uses: Swatinem/rust-cache@v2
          - name: Format
            run: cargo fmt --all -- --check
          - name: Build
            run: cargo check --workspace --all-targets --locked
          - name: Clippy
            run: cargo clippy --workspace --all-targets -- -D warnings

      docs:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: dtolnay/rust-toolchain@stable
          - name: Upload docs artifact
            uses: actions/upload-artifact@v4
            with:
              name: docs
              path: target/doc
''')
RELEASE_WF = textwrap.dedent('''\
    name: Release
    on:
      push:
        tags: ["v*"]
    permissions:
      contents: write
    jobs:
      publish:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: actions/setup-node@v4
            with:
              node-version: 22
              cache: pnpm
          - run: pnpm install --frozen-lockfile
          - run: pnpm -r build
          - run: ./scripts/release-check.sh
          - run: pnpm publish -r --no-git-checks
            env:
              NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
''')
RWF = ".github/workflows/rust.yml"
REL = ".github/workflows/release.yml"


@pytest.mark.parametrize("name, edit, needle, full_sev, bare_sev", [
    ("step continue-on-error",
     ("        run: cargo check --workspace --all-targets --locked\n",
      "        run: cargo check --workspace --all-targets --locked\n        continue-on-error: true\n"),
     "continue-on-error", "block", "block"),
    ("job continue-on-error",
     ("    name: Check and lint\n", "    name: Check and lint\n    continue-on-error: true\n"),
     "continue-on-error", "block", "block"),
    ("step if false expression",
     ("      - name: Clippy\n", "      - name: Clippy\n        if: ${{ false }}\n"),
     "if: ${{ false }}", "block", "block"),
    ("job if constant comparison",
     ("  check:\n    name: Check and lint\n", "  check:\n    if: 0 == 1\n    name: Check and lint\n"),
     "if: 0 == 1", "block", "block"),
    ("or exit 0",
     ("cargo check --workspace --all-targets --locked\n", "cargo check --workspace --all-targets --locked || exit 0\n"),
     "|| exit 0", "block", "block"),
    ("semicolon exit 0",
     ("-- -D warnings\n", "-- -D warnings; exit 0\n"), "; exit 0", "block", "block"),
    ("or true",
     ("cargo fmt --all -- --check\n", "cargo fmt --all -- --check || true\n"), "|| true", "block", "block"),
])
def test_rust_workflow_gate_neutered(repo, tmp_path, name, edit, needle, full_sev, bare_sev):
    new = RUST_WF.replace(*edit)
    full, bare = both(repo, tmp_path, {RWF: RUST_WF}, {RWF: new})
    assert at(full, new, needle) and {f["severity"] for f in full} == {full_sev}, name
    assert at(bare, new, needle) and {f["severity"] for f in bare} == {bare_sev}, name
    assert all(f["rule"] == "suppression/relaxed-ci" for f in full + bare)


def test_release_workflow_build_and_script_neutered(repo, tmp_path):
    new = RELEASE_WF.replace("pnpm -r build\n", "pnpm -r build || true\n").replace(
        "./scripts/release-check.sh\n", "./scripts/release-check.sh\n        continue-on-error: true\n")
    full, bare = both(repo, tmp_path, {REL: RELEASE_WF}, {REL: new})
    for found in (full, bare):
        assert sorted(f["severity"] for f in found) == ["block", "block"], found
        assert {f["line"] for f in found} == {17, 19}  # `pnpm -r build || true`, the script's continue-on-error


def test_workflow_legitimate_edits_are_not_findings(repo, tmp_path):
    # continue-on-error on a step that only uploads, a real if:, a reordered step, a comment.
    new = RUST_WF.replace("        uses: actions/upload-artifact@v4\n",
                          "        uses: actions/upload-artifact@v4\n        continue-on-error: true\n").replace(
        "      - name: Clippy\n", "      # lint last\n      - name: Clippy\n        if: github.event_name == 'pull_request'\n")
    full, bare = both(repo, tmp_path, {RWF: RUST_WF}, {RWF: new})
    assert full == [] and bare == []


def test_job_level_key_without_a_visible_gate_escalates_from_the_hunks(repo, tmp_path):
    steps = "".join(f"      - run: echo step {i}\n" for i in range(8))
    wf = ("name: Nightly\non: [pull_request]\njobs:\n  nightly:\n    runs-on: ubuntu-latest\n    steps:\n"
          + steps + "      - run: npm test\n")
    new = wf.replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    continue-on-error: true\n")
    full, bare = both(repo, tmp_path, {".github/workflows/nightly.yml": wf}, {".github/workflows/nightly.yml": new})
    assert [f["severity"] for f in full] == ["block"]
    assert [f["severity"] for f in bare] == ["escalate"] and "only the hunks were seen" in bare[0]["message"]


# ---------------------------------------------------------------- ruff

RUFF_PYPROJECT = textwrap.dedent('''\
    [project]
    name = "inventory"
    version = "0.4.0"
    requires-python = ">=3.10"
    dependencies = ["sqlalchemy>=2.0", "fastapi>=0.110"]

    [tool.ruff]
    target-version = "py310"
    line-length = 100

    [tool.ruff.lint]
    select = [
        "E",  # pycodestyle errors
        "W",  # pycodestyle warnings
        "F",  # pyflakes
        "B",  # flake8-bugbear
        "UP",  # pyupgrade
        "S",  # bandit
    ]
    ignore = [
        "E501",  # line too long, the formatter decides
        "B008",  # Depends() in argument defaults
    ]

    [tool.ruff.lint.per-file-ignores]
    "tests/**" = ["S101"]

    [tool.pytest.ini_options]
    testpaths = ["tests"]
''')
RUFF_TOML = textwrap.dedent('''\
    target-version = "py311"
    line-length = 88

    [lint]
    select = ["E", "F", "B", "S", "PT"]
    extend-ignore = [
        "PT011",
        "S603",
    ]
''')


@pytest.mark.parametrize("path, text, anchor, added", [
    ("pyproject.toml", RUFF_PYPROJECT, '    "B008",  # Depends() in argument defaults\n', '    "S608",\n'),
    ("pyproject.toml", RUFF_PYPROJECT, "ignore = [\n", '    "B904",  # raise from inside except\n'),
    ("ruff.toml", RUFF_TOML, '    "S603",\n', '    "B006",\n'),
])
def test_ruff_code_added_to_an_ignore_list_one_per_line(repo, tmp_path, path, text, anchor, added):
    new = text.replace(anchor, anchor + added, 1)
    full, bare = both(repo, tmp_path, {path: text}, {path: new})
    code = added.split('"')[1]
    for found in (full, bare):
        assert len(found) == 1 and found[0]["rule"] == "suppression/relaxed-lint-config", found
        assert code in found[0]["details"]["change"] and found[0]["severity"] == "escalate"
        assert at(found, new, added.strip())


def test_ruff_reordered_or_commented_ignore_list_is_not_a_finding(repo, tmp_path):
    new = RUFF_PYPROJECT.replace(
        '    "E501",  # line too long, the formatter decides\n    "B008",  # Depends() in argument defaults\n',
        '    "B008",  # FastAPI Depends() in argument defaults\n    "E501",  # line too long\n')
    new = new.replace('    "S",  # bandit\n', '    "S",  # bandit\n    "SIM",  # simplify\n')
    assert both(repo, tmp_path, {"pyproject.toml": RUFF_PYPROJECT}, {"pyproject.toml": new}) == ([], [])


def test_code_added_to_select_is_not_an_ignore(repo, tmp_path):
    new = RUFF_PYPROJECT.replace('    "S",  # bandit\n', '    "S",  # bandit\n    "E501",\n')
    assert both(repo, tmp_path, {"pyproject.toml": RUFF_PYPROJECT}, {"pyproject.toml": new}) == ([], [])


# ---------------------------------------------------------------- coverage thresholds

MAKEFILE_JS = textwrap.dedent('''\
    /* global target, exec, echo, exit */
    "use strict";

    require("shelljs/make");

    const NODE_MODULES = "./node_modules/.bin/";
    const MOCHA = `${NODE_MODULES}mocha`;
    const C8 = `${NODE_MODULES}c8`;
    const TEST_FILES = "\\"tests/lib/**/*.js\\"";

    target.lint = function() {
        if (exec(`${NODE_MODULES}eslint .`).code !== 0) {
            exit(1);
        }
    };

    target.test = function() {
        target.lint();
        let errors = 0;

        echo("Running unit tests");
        let lastReturn = exec(`${C8} -- ${MOCHA} -R progress -t 10000 -c ${TEST_FILES}`);
        if (lastReturn.code !== 0) {
            errors++;
        }

        lastReturn = exec(`${C8} check-coverage --statements 99 --branches 98 --functions 99 --lines 99`);
        if (lastReturn.code !== 0) {
            errors++;
        }

        if (errors) {
            exit(1);
        }
    };
''')
PACKAGE_JSON = textwrap.dedent('''\
    {
      "name": "@acme/parser",
      "version": "3.2.0",
      "type": "module",
      "scripts": {
        "build": "tsc -p tsconfig.build.json",
        "test": "c8 --check-coverage --lines 95 --branches 90 mocha 'test/**/*.spec.js'",
        "lint": "eslint ."
      },
      "nyc": {
        "check-coverage": true,
        "lines": 95,
        "branches": "90"
      }
    }
''')
NYCRC = textwrap.dedent('''\
    {
      "exclude": [
        "build/test/**",
        "test/**"
      ],
      "reporter": [
        "html",
        "text"
      ],
      "lines": 100,
      "branches": "96",
      "statements": "100"
    }
''')
JEST = textwrap.dedent('''\
    /** @type {import('jest').Config} */
    module.exports = {
      testEnvironment: 'node',
      collectCoverageFrom: ['src/**/*.{js,ts}'],
      coverageThreshold: {
        global: {
          branches: 80,
          functions: 85,
          lines: 90,
          statements: 90,
        },
      },
    };
''')
VITEST = textwrap.dedent('''\
    import { defineConfig } from 'vitest/config'

    export default defineConfig({
      test: {
        environment: 'node',
        coverage: {
          provider: 'v8',
          thresholds: {
            lines: 90,
            branches: 85,
            functions: 90,
          },
        },
      },
    })
''')
TOX = "[tox]\nenv_list = py3{10,11,12}\n\n[testenv]\ndeps = -r requirements-test.txt\ncommands =\n    pytest --cov=inventory --cov-fail-under=90 {posargs}\n"


@pytest.mark.parametrize("path, text, old, new, severity", [
    ("Makefile.js", MAKEFILE_JS, "--branches 98", "--branches 90", "escalate"),
    ("package.json", PACKAGE_JSON, "--lines 95", "--lines 60", "escalate"),
    ("package.json", PACKAGE_JSON, '"branches": "90"', '"branches": "67"', "escalate"),
    (".nycrc", NYCRC, '"branches": "96"', '"branches": "67"', "escalate"),
    (".nycrc", NYCRC, '"lines": 100', '"lines": 0', "block"),
    (".c8rc.json", NYCRC, '"statements": "100"', '"statements": "90"', "escalate"),
    ("jest.config.js", JEST, "branches: 80", "branches: 50", "escalate"),
    ("vitest.config.ts", VITEST, "lines: 90", "lines: 10", "escalate"),
    ("tox.ini", TOX, "--cov-fail-under=90", "--cov-fail-under=70", "escalate"),
])
def test_coverage_threshold_lowered(repo, tmp_path, path, text, old, new, severity):
    changed = text.replace(old, new, 1)
    full, bare = both(repo, tmp_path, {path: text}, {path: changed})
    for found in (full, bare):
        assert len(found) == 1 and found[0]["rule"] == "suppression/relaxed-coverage-config", found
        assert found[0]["severity"] == severity
        assert at(found, changed, new)


def test_coverage_check_turned_off_blocks(repo, tmp_path):
    new = PACKAGE_JSON.replace('"check-coverage": true', '"check-coverage": false').replace(
        "c8 --check-coverage --lines 95 --branches 90 mocha", "c8 mocha")
    full, bare = both(repo, tmp_path, {"package.json": PACKAGE_JSON}, {"package.json": new})
    for found in (full, bare):
        assert found and {f["severity"] for f in found} == {"block"}, found


def test_coverage_tightened_or_reordered_is_not_a_finding(repo, tmp_path):
    new = NYCRC.replace('"branches": "96"', '"branches": "98"').replace(
        '  "lines": 100,\n  "branches": "98",\n', '  "branches": "98",\n  "lines": 100,\n')
    jest = JEST.replace("branches: 80", "branches: 85").replace("      testEnvironment: 'node',\n", "")
    assert both(repo, tmp_path, {".nycrc": NYCRC, "jest.config.js": JEST}, {".nycrc": new, "jest.config.js": jest}) \
        == ([], [])


# ---------------------------------------------------------------- tsconfig and golangci-lint

BASE_TS = textwrap.dedent('''\
    {
      "extends": "@tsconfig/strictest",
      "compilerOptions": {
        "target": "ES2022",
        "module": "esnext",
        "moduleResolution": "bundler",
        "composite": true,
        "declaration": true
      }
    }
''')
PKG_TS = textwrap.dedent('''\
    {
      "extends": "../../tsconfig.base.json",
      "compilerOptions": {
        "outDir": "./dist",
        "rootDir": "./src"
      },
      "include": ["src"]
    }
''')
PTS = "packages/validator/tsconfig.json"


@pytest.mark.parametrize("flag, severity", [("strict", "block"), ("strictNullChecks", "escalate")])
def test_nested_tsconfig_turns_off_what_it_inherits(repo, tmp_path, flag, severity):
    new = PKG_TS.replace('    "rootDir": "./src"\n', f'    "rootDir": "./src",\n    "{flag}": false\n')
    full, bare = both(repo, tmp_path, {"tsconfig.base.json": BASE_TS, PTS: PKG_TS}, {PTS: new})
    for found in (full, bare):
        assert len(found) == 1 and found[0]["rule"] == "suppression/relaxed-type-config", found
        assert found[0]["severity"] == severity and found[0]["path"] == PTS
        assert at(found, new, f'"{flag}": false')


def test_tsconfig_strict_true_added_is_not_a_finding(repo, tmp_path):
    new = PKG_TS.replace('    "rootDir": "./src"\n', '    "rootDir": "./src",\n    "strict": true\n')
    assert both(repo, tmp_path, {PTS: PKG_TS}, {PTS: new}) == ([], [])


GOLANGCI = textwrap.dedent('''\
    version: "2"

    run:
      timeout: 5m

    linters:
      default: none
      enable:
        #- bodyclose
        #- dupl
        - errcheck
        #- funlen
        - goconst
        - gocritic
        - gosec
        - govet
        - ineffassign
        - misspell
        - staticcheck
        - unused
      exclusions:
        presets:
          - std-error-handling
''')


def test_golangci_linter_removed_from_enable(repo, tmp_path):
    new = GOLANGCI.replace("    - gosec\n", "")
    full, bare = both(repo, tmp_path, {".golangci.yml": GOLANGCI}, {".golangci.yml": new})
    for found in (full, bare):
        assert len(found) == 1 and "gosec" in found[0]["details"]["change"], found
        assert found[0]["side"] == "old" and at(found, GOLANGCI, "- gosec")


def test_golangci_disable_all_and_disable_list(repo, tmp_path):
    v1 = "linters:\n  enable:\n    - errcheck\n    - govet\n    - staticcheck\n"
    new = "linters:\n  disable-all: true\n  enable:\n    - govet\n  disable:\n    - errcheck\n"
    full, bare = both(repo, tmp_path, {".golangci.yml": v1}, {".golangci.yml": new})
    assert full and bare
    assert any("errcheck" in f["details"]["change"] for f in bare)
    assert any("staticcheck" in f["details"]["change"] for f in bare)


def test_golangci_linter_added_or_comment_edited_is_not_a_finding(repo, tmp_path):
    new = GOLANGCI.replace("    #- dupl\n", "").replace("    - unused\n", "    - unused\n    - revive\n")
    assert both(repo, tmp_path, {".golangci.yml": GOLANGCI}, {".golangci.yml": new}) == ([], [])


# ---------------------------------------------------------------- the rules list tells the truth

def test_rules_list_names_when_an_escalate_rule_blocks():
    rows = {r["id"]: r for r in json.loads(run_cli(["rules", "--format", "json"]).out)}
    for rule in ("suppression/relaxed-ci", "suppression/relaxed-type-config"):
        assert rows[rule]["severity"] == "escalate" and "block" not in rows[rule]["severity"]
        assert rows[rule]["blocks_when"]  # the added field; the old ones are unchanged
    assert "strict" in rows["suppression/relaxed-type-config"]["blocks_when"]
    assert rows["suppression/blanket-noqa"]["blocks_when"] is None
    text = run_cli(["rules"]).out
    ci = text.split("suppression/relaxed-ci", 1)[1].splitlines()
    assert ci[1].split()[:2] == ["block", "when"] and "continue-on-error" in ci[1]


def test_block_finding_says_how_it_can_be_overridden(repo, tmp_path):
    new = RUST_WF.replace("cargo fmt --all -- --check\n", "cargo fmt --all -- --check || true\n")
    repo.commit({RWF: RUST_WF}, "base")
    repo.commit({RWF: new}, "change")
    out = run_cli(["check", "--base", "HEAD~1", "--color", "never"], cwd=repo.path).out
    hint = next(ln for ln in out.splitlines() if ln.strip().startswith("waive:"))
    assert "waivers:" in hint and "base branch" in hint and "guardrails:approved" in hint
    assert "guardrails: allow" not in hint and "refused" in hint


# --- linear time on a long line --------------------------------------------------

def test_ruff_code_patterns_are_linear_on_a_long_line() -> None:
    import random
    import re

    from guardrails.checks.relaxed_config.hunks import _CODE, _CODE_ITEM, _TABLE

    old_item = re.compile(r"^\s*[\"']([A-Z]+[0-9]*)[\"']\s*,?\s*(?:#.*)?$")
    old_table = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
    with deadline():
        assert _CODE_ITEM.match('"E501"' + " " * 200_000 + "x") is None
        assert _CODE_ITEM.match('  "E501",' + " " * 200_000).group(1) == "E501"
        assert _TABLE.match("[tool" + " " * 200_000 + "x") is None
        assert _TABLE.match("[a" + " " * 100_000 + "]" + " " * 100_000 + "x") is None
        assert _TABLE.match("[[ tool.ruff" + " " * 200_000 + "]]").group(1).strip() == "tool.ruff"
        assert _CODE.findall('"' + "A" * 200_000) == []
        assert _CODE.findall("'A1" * 70_000) == ["A1"] * 35_000
    assert _CODE_ITEM.match('    "E501",  # long lines').group(1) == "E501"
    assert _TABLE.match("[tool.ruff.lint]  # rules").group(1).strip() == "tool.ruff.lint"
    rnd = random.Random(5)
    for _ in range(20_000):
        item = "".join(rnd.choice([" ", '"', "'", "A", "0", ",", "#", "x", "\t"]) for _ in range(rnd.randint(0, 9)))
        a, b = old_item.match(item), _CODE_ITEM.match(item)
        assert (a and a.group(1)) == (b and b.group(1)), item
        table = "".join(rnd.choice([" ", "[", "]", "a", ".", "#", "x", "\t"]) for _ in range(rnd.randint(0, 9)))
        a, b = old_table.match(table), _TABLE.match(table)
        assert (a and a.group(1).strip()) == (b and b.group(1).strip()), table


def test_golangci_yaml_key_is_linear_on_a_long_line() -> None:
    import random
    import re

    from guardrails.checks.relaxed_config.hunks import _yaml_key

    old = re.compile(r"^(\s*)([\w-]+)\s*:\s*(.*?)\s*(?:#.*)?$")
    with deadline():
        assert _yaml_key("a: x" + " " * 200_000 + "y") == ("", "a", "x" + " " * 200_000 + "y")
        assert _yaml_key("  default:" + " " * 200_000 + "none  # all") == ("  ", "default", "none")
        assert _yaml_key("a" * 200_000 + " " * 200_000) is None
        assert _yaml_key("a:" + ' "' * 100_000) == ("", "a", (' "' * 100_000).strip())
        assert _yaml_key("k:" + " #" * 100_000) == ("", "k", "")
    assert _yaml_key("    disable-all: true  # only these") == ("    ", "disable-all", "true")
    assert _yaml_key("- gofmt") is None
    rnd = random.Random(7)
    # \n never: a diff line ends before it
    alphabet = [" ", "\t", "\r", "\x0c", "\x1c", "\x85", "\xa0", "\u2028", "\u200b", "#", ":", "-", "_", "a", "0",
                "é", '"', "'", "."]
    for _ in range(30_000):
        line = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        for text in (line, "  key:" + line, "k" + line):
            a = old.match(text)
            assert (a and a.groups()) == _yaml_key(text), repr(text)
