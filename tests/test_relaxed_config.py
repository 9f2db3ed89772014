"""Relaxed configuration, end to end: a real repository, a base commit with a
realistic config, a change commit, `guardrails check --format json`."""
from __future__ import annotations

import textwrap
from typing import Dict, List, Optional

from conftest import check_json

OURS = {
    "suppression/relaxed-lint-config", "suppression/relaxed-type-config", "suppression/relaxed-test-config",
    "suppression/relaxed-coverage-config", "suppression/relaxed-ci", "suppression/no-verify",
}


def judge(repo, before: Dict[str, Optional[str]], after: Dict[str, Optional[str]]) -> List[dict]:
    for path, text in after.items():
        assert before.get(path, "\0") != text, f"{path}: the test's edit did not change it"
    repo.commit(before, "base")
    repo.commit(after, "change")
    report = check_json(repo, "--base", "HEAD~1")
    return [f for f in report["findings"] if f["rule"] in OURS]


def one(findings: List[dict], key_part: str) -> dict:
    hits = [f for f in findings if key_part in f["details"]["change"]]
    assert len(hits) == 1, (key_part, findings)
    return hits[0]


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


PYPROJECT = textwrap.dedent('''\
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"

    [project]
    name = "shopfront"
    version = "2.3.1"
    requires-python = ">=3.10"
    dependencies = ["httpx>=0.27", "pydantic>=2.6"]

    [tool.ruff]
    line-length = 88
    target-version = "py310"
    extend-exclude = ["docs/conf.py"]

    [tool.ruff.lint]
    select = ["E", "F", "W", "B", "I", "S", "UP"]
    ignore = ["E501"]

    [tool.ruff.lint.per-file-ignores]
    "tests/**" = ["S101"]

    [tool.mypy]
    python_version = "3.10"
    strict = true
    warn_unreachable = true
    files = ["src", "tests"]

    [[tool.mypy.overrides]]
    module = ["yaml.*"]
    ignore_missing_imports = true

    [tool.pytest.ini_options]
    minversion = "8.0"
    testpaths = ["tests", "integration"]
    addopts = "-ra --strict-markers --cov=shopfront --cov-fail-under=92"
    filterwarnings = ["error"]
    xfail_strict = true

    [tool.coverage.run]
    branch = true
    source = ["shopfront"]

    [tool.coverage.report]
    fail_under = 92
    show_missing = true
    exclude_also = ["if TYPE_CHECKING:"]
''')


# ---------------------------------------------------------------- ruff

def test_ruff_ignore_and_per_file_ignores_grown(repo):
    new = PYPROJECT.replace('ignore = ["E501"]', 'ignore = ["E501", "B008", "S603"]').replace(
        '"tests/**" = ["S101"]', '"tests/**" = ["S101"]\n"src/shopfront/legacy/*" = ["ALL"]')
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    ign = one(found, "ignore: +B008")
    assert ign["rule"] == "suppression/relaxed-lint-config"
    assert ign["severity"] == "escalate"
    assert ign["details"]["tool"] == "ruff"
    assert ign["details"]["change"] == "ignore: +B008, +S603"
    assert ign["line"] == line_of(new, 'ignore = ["E501", "B008"')
    pfi = one(found, "per-file-ignores[src/shopfront/legacy/*]")
    assert pfi["details"]["change"] == "per-file-ignores[src/shopfront/legacy/*]: +ALL"
    assert pfi["line"] == line_of(new, '"src/shopfront/legacy/*"')
    assert len(found) == 2


def test_ruff_select_narrowed_is_reported_at_the_old_line(repo):
    new = PYPROJECT.replace('select = ["E", "F", "W", "B", "I", "S", "UP"]', 'select = ["E", "F", "W", "I"]')
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    f = one(found, "select:")
    assert f["details"]["change"] == "select: -B, -S, -UP"
    assert f["side"] == "old" and f["line"] == line_of(PYPROJECT, "select = [")


def test_ruff_ignore_all_blocks(repo):
    new = PYPROJECT.replace('ignore = ["E501"]', 'ignore = ["ALL"]')
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    assert one(found, "ignore: +ALL")["severity"] == "block"


def test_ruff_tightening_and_neutral_moves_are_not_findings(repo):
    # More rules, fewer ignores, a per-file ignore removed.
    tighter = PYPROJECT.replace('"S", "UP"]', '"S", "UP", "SIM", "PT"]').replace('ignore = ["E501"]', "ignore = []")
    assert judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": tighter}) == []
    # Same settings moved to the legacy top level, reordered, commented, with a finer code.
    moved = PYPROJECT.replace(
        '[tool.ruff.lint]\nselect = ["E", "F", "W", "B", "I", "S", "UP"]\nignore = ["E501"]\n',
        '# lint rules (kept at the top level)\nignore = [\n  "E501",  # long lines: the formatter decides\n]\n'
        'select = ["UP", "S", "I", "B", "W", "F", "E"]\n\n[tool.ruff.lint]\n',
    )
    assert moved != PYPROJECT
    assert judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": moved}) == []


def test_ruff_toml_added_next_to_pyproject_takes_precedence(repo):
    found = judge(repo, {"pyproject.toml": PYPROJECT},
                  {"ruff.toml": 'line-length = 88\n\n[lint]\nselect = ["E", "F"]\n'})
    f = one(found, "select:")
    assert f["details"]["change"] == "select: -W, -B, -I, -S, -UP"
    assert f["details"]["config_in_force"] == {"old": "pyproject.toml", "new": "ruff.toml"}
    assert "ruff.toml now takes precedence over pyproject.toml" in f["message"]


def test_unrelated_pyproject_edit_is_not_a_finding(repo):
    new = PYPROJECT.replace('version = "2.3.1"', 'version = "2.4.0"').replace(
        '"pydantic>=2.6"]', '"pydantic>=2.6", "rich>=13"]')
    assert judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new}) == []


def test_unparseable_config_is_reported_not_a_traceback(repo):
    broken = PYPROJECT.replace('ignore = ["E501"]', 'ignore = ["E501", "B008"')
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": broken})
    assert found, "a config that does not parse must be reported"
    assert all(f["details"]["change"] == "unparseable" for f in found)
    assert {f["details"]["tool"] for f in found} >= {"ruff", "mypy", "pytest"}
    assert all(f["severity"] == "escalate" and "invalid TOML" in f["message"] for f in found)


# ---------------------------------------------------------------- mypy

def test_mypy_strict_off_blocks_and_names_the_flags(repo):
    new = PYPROJECT.replace("\nstrict = true", "\nstrict = false")
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    f = one(found, "strict: true -> false")
    assert f["rule"] == "suppression/relaxed-type-config" and f["severity"] == "block"
    assert "disallow_untyped_defs" in f["details"]["turned_off"]
    assert f["line"] == line_of(new, "strict = false")
    assert len(found) == 1


def test_mypy_strict_replaced_by_its_flags_is_neutral(repo):
    flags = "\n".join(f"{flag} = true" for flag in (
        "warn_unused_configs", "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls",
        "disallow_untyped_defs", "disallow_incomplete_defs", "check_untyped_defs", "disallow_untyped_decorators",
        "warn_redundant_casts", "warn_unused_ignores", "warn_return_any", "strict_equality", "extra_checks"))
    new = PYPROJECT.replace("\nstrict = true", "\n" + flags + "\nimplicit_reexport = false")
    assert judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new}) == []


def test_mypy_override_ignore_errors(repo):
    new = PYPROJECT.replace('[[tool.mypy.overrides]]\nmodule = ["yaml.*"]',
                            '[[tool.mypy.overrides]]\nmodule = ["shopfront.payments.*"]\nignore_errors = true\n\n'
                            '[[tool.mypy.overrides]]\nmodule = ["yaml.*"]')
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    f = one(found, "ignore_errors")
    assert f["details"]["change"] == "[mypy-shopfront.payments.*] ignore_errors: false -> true"
    assert f["severity"] == "escalate"
    assert f["line"] == line_of(new, "ignore_errors = true")


SETUP_CFG = textwrap.dedent('''\
    [metadata]
    name = inventory
    version = attr: inventory.__version__

    [options]
    packages = find:
    python_requires = >=3.10

    [flake8]
    max-line-length = 100
    extend-ignore = E203
    per-file-ignores =
        __init__.py: F401
    exclude = .git,__pycache__,build,dist

    [mypy]
    python_version = 3.11
    disallow_untyped_defs = True
    warn_unused_ignores = True
    follow_imports = normal

    [mypy-inventory.vendor.*]
    ignore_missing_imports = True

    [tool:pytest]
    testpaths = tests integration
    addopts = -ra --strict-markers

    [coverage:run]
    branch = True
    source = inventory
    omit = inventory/_version.py

    [coverage:report]
    fail_under = 85
    exclude_lines =
        pragma: no cover
        raise NotImplementedError
''')


def test_setup_cfg_mypy_sections(repo):
    new = SETUP_CFG.replace("disallow_untyped_defs = True", "disallow_untyped_defs = False").replace(
        "[mypy-inventory.vendor.*]", "[mypy-inventory.billing.*]\nignore_errors = True\n\n[mypy-inventory.vendor.*]"
    ).replace("follow_imports = normal", "follow_imports = skip")
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new})
    flag = one(found, "disallow_untyped_defs")
    assert flag["details"]["change"] == "disallow_untyped_defs: true -> false"
    assert flag["line"] == line_of(new, "disallow_untyped_defs = False")
    mod = one(found, "ignore_errors")
    assert mod["line"] == line_of(new, "ignore_errors = True")
    follow = one(found, "follow_imports")
    assert follow["details"]["change"] == "follow_imports: normal -> skip"
    assert {f["details"]["tool"] for f in found} == {"mypy"}


def test_mypy_ini_added_shadows_setup_cfg(repo):
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"mypy.ini": "[mypy]\npython_version = 3.11\n"})
    changes = sorted(f["details"]["change"] for f in found)
    assert changes == ["disallow_untyped_defs: true -> false", "warn_unused_ignores: true -> false"]
    for f in found:
        assert f["path"] == "setup.cfg" and f["side"] == "old"
        assert "mypy.ini now takes precedence over setup.cfg" in f["message"]


def test_mypy_global_ignore_errors_blocks(repo):
    new = SETUP_CFG.replace("warn_unused_ignores = True", "warn_unused_ignores = True\nignore_errors = True")
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new})
    assert one(found, "ignore_errors")["severity"] == "block"


def test_per_module_ignore_missing_imports_is_info(repo):
    new = SETUP_CFG.replace("[mypy-inventory.vendor.*]", "[mypy-boto3.*]\nignore_missing_imports = True\n\n"
                                                          "[mypy-inventory.vendor.*]")
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new})
    f = one(found, "ignore_missing_imports")
    assert f["severity"] == "info" and "boto3" in f["details"]["change"]


# ---------------------------------------------------------------- flake8

def test_flake8_relaxations(repo):
    new = SETUP_CFG.replace("extend-ignore = E203", "extend-ignore = E203, W605, E722").replace(
        "    __init__.py: F401", "    __init__.py: F401\n    inventory/cli.py: E501,C901").replace(
        "max-line-length = 100", "max-line-length = 140").replace(
        "exclude = .git,__pycache__,build,dist", "exclude = .git,__pycache__,build,dist,inventory/legacy")
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new})
    assert {f["details"]["tool"] for f in found} == {"flake8"}
    assert one(found, "extend-ignore")["details"]["change"] == "extend-ignore: +W605, +E722"
    pfi = one(found, "per-file-ignores")
    assert pfi["details"]["change"] == "per-file-ignores[inventory/cli.py]: +E501, +C901"
    assert pfi["line"] == line_of(new, "inventory/cli.py: E501")
    assert one(found, "max-line-length")["details"]["change"] == "max-line-length: 100 -> 140"
    assert one(found, "exclude")["details"]["change"] == "exclude: +inventory/legacy"


def test_flake8_tightening_is_not_a_finding(repo):
    new = SETUP_CFG.replace("max-line-length = 100", "max-line-length = 88\nmax-complexity = 12").replace(
        "extend-ignore = E203", "extend-ignore = E203\nextend-select = B950")
    assert judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new}) == []


def test_dot_flake8_file(repo):
    old = "[flake8]\nselect = E,F,W,C90,B\nmax-complexity = 10\n"
    new = "[flake8]\nselect = E,F\nmax-complexity = 25\n"
    found = judge(repo, {".flake8": old}, {".flake8": new})
    assert one(found, "select")["details"]["change"] == "select: -W, -C90, -B"
    assert one(found, "max-complexity")["details"]["change"] == "max-complexity: 10 -> 25"


# ---------------------------------------------------------------- pytest

def test_pytest_addopts_deselect_and_testpaths(repo):
    new = PYPROJECT.replace(
        '--cov-fail-under=92"', '--cov-fail-under=92 --deselect tests/test_cart.py::test_discount_rounding '
        '-p no:randomly"').replace('testpaths = ["tests", "integration"]', 'testpaths = ["tests"]')
    suite = {"tests/test_cart.py": "def test_total():\n    assert 1 + 1 == 2\n",
             "integration/test_api.py": "def test_health():\n    assert True\n"}
    found = judge(repo, {"pyproject.toml": PYPROJECT, **suite}, {"pyproject.toml": new})
    add = one(found, "addopts")
    assert add["rule"] == "suppression/relaxed-test-config" and add["severity"] == "escalate"
    assert add["details"]["change"] == ("addopts: +--deselect tests/test_cart.py::test_discount_rounding, "
                                        "+-p no:randomly")
    assert add["line"] == line_of(new, "addopts =")
    tp = one(found, "testpaths")
    assert tp["details"]["change"] == "testpaths: -integration" and tp["side"] == "old"


def test_pytest_collect_only_blocks_and_filterwarnings(repo):
    new = PYPROJECT.replace('-ra --strict-markers', '-ra --co --strict-markers').replace(
        'filterwarnings = ["error"]', 'filterwarnings = ["default"]').replace("xfail_strict = true",
                                                                              "xfail_strict = false")
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    assert one(found, "--collect-only")["severity"] == "block"
    assert one(found, "filterwarnings")["details"]["change"] == "filterwarnings: -error"
    assert one(found, "xfail_strict")["details"]["change"] == "xfail_strict: true -> false"


def test_pytest_ini_k_not(repo):
    old = "[pytest]\naddopts = -ra -q\ntestpaths = tests\n"
    new = "[pytest]\naddopts = -ra -q -k \"not test_checkout_timeout\"\ntestpaths = tests\n"
    found = judge(repo, {"pytest.ini": old}, {"pytest.ini": new})
    f = one(found, "addopts")
    assert f["details"]["change"] == "addopts: +-k not test_checkout_timeout"
    assert f["line"] == 2


def test_pytest_neutral_and_tighter(repo):
    new = PYPROJECT.replace('addopts = "-ra --strict-markers', 'addopts = "--strict-markers -ra -x').replace(
        'testpaths = ["tests", "integration"]', 'testpaths = ["integration", "tests", "e2e"]')
    assert judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new}) == []


# ---------------------------------------------------------------- coverage

def test_coverage_fail_under_lowered_and_omit_grown(repo):
    new = SETUP_CFG.replace("fail_under = 85", "fail_under = 70").replace(
        "omit = inventory/_version.py", "omit =\n    inventory/_version.py\n    inventory/importers/*")
    found = judge(repo, {"setup.cfg": SETUP_CFG}, {"setup.cfg": new})
    fu = one(found, "fail_under")
    assert fu["rule"] == "suppression/relaxed-coverage-config" and fu["severity"] == "escalate"
    assert fu["details"]["change"] == "fail_under: 85 -> 70"
    assert fu["line"] == line_of(new, "fail_under = 70")
    assert one(found, "omit")["details"]["change"] == "omit: +inventory/importers/*"


def test_coverage_gate_removed_blocks_and_cov_fail_under(repo):
    new = PYPROJECT.replace("fail_under = 92\n", "").replace("--cov-fail-under=92", "--cov-fail-under=75")
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    gone = one(found, "fail_under: 92 -> 0")
    assert gone["severity"] == "block" and gone["side"] == "old"
    assert gone["line"] == line_of(PYPROJECT, "fail_under = 92")
    cov = one(found, "--cov-fail-under")
    assert cov["rule"] == "suppression/relaxed-coverage-config"
    assert cov["details"]["change"] == "--cov-fail-under: 92 -> 75"


def test_coveragerc_raised_is_fine(repo):
    old = "[run]\nbranch = True\nsource = app\n\n[report]\nfail_under = 80\n"
    new = "[run]\nbranch = True\nsource = app\n\n[report]\nfail_under = 90\nshow_missing = True\n"
    assert judge(repo, {".coveragerc": old}, {".coveragerc": new}) == []


# ---------------------------------------------------------------- pyright / pylint

PYRIGHT = textwrap.dedent('''\
    {
      "include": ["src"],
      "exclude": ["**/node_modules", "**/__pycache__"],
      "typeCheckingMode": "strict",
      "reportMissingTypeStubs": false,
      "pythonVersion": "3.12"
    }
''')


def test_pyright_mode_lowered_and_ignore_grown(repo):
    new = PYRIGHT.replace('"strict"', '"basic"').replace('"include": ["src"],',
                                                         '"include": ["src"],\n  "ignore": ["src/generated"],')
    found = judge(repo, {"pyrightconfig.json": PYRIGHT}, {"pyrightconfig.json": new})
    mode = one(found, "typeCheckingMode")
    assert mode["details"]["change"] == "typeCheckingMode: strict -> basic"
    assert mode["line"] == line_of(new, "typeCheckingMode")
    assert one(found, "ignore")["details"]["change"] == "ignore: +src/generated"


def test_pyright_report_rule_lowered_in_pyproject(repo):
    old = '[tool.pyright]\ntypeCheckingMode = "standard"\n'
    new = old + 'reportAttributeAccessIssue = "warning"\nreportMissingTypeStubs = false\n'
    found = judge(repo, {"pyproject.toml": old}, {"pyproject.toml": new})
    f = one(found, "reportAttributeAccessIssue")
    assert f["details"]["change"] == "reportAttributeAccessIssue error -> warning"
    assert f["line"] == 3
    assert len(found) == 1  # reportMissingTypeStubs is off in standard mode anyway


PYLINTRC = textwrap.dedent('''\
    [MAIN]
    jobs = 0
    fail-under = 9.5

    [MESSAGES CONTROL]
    disable =
        missing-module-docstring,
        too-few-public-methods

    [FORMAT]
    max-line-length = 100
''')


def test_pylint_disable_grown_and_fail_under(repo):
    new = PYLINTRC.replace("    too-few-public-methods", "    too-few-public-methods,\n    broad-exception-caught,\n"
                                                           "    W0611").replace("fail-under = 9.5", "fail-under = 8")
    found = judge(repo, {".pylintrc": PYLINTRC}, {".pylintrc": new})
    dis = one(found, "disable")
    assert dis["details"]["change"] == "disable: +broad-exception-caught, +W0611"
    assert dis["line"] == line_of(new, "broad-exception-caught")
    assert one(found, "fail-under")["details"]["change"] == "fail-under: 9.5 -> 8"


def test_pylint_reflowed_list_is_neutral(repo):
    new = PYLINTRC.replace("disable =\n    missing-module-docstring,\n    too-few-public-methods",
                           "# keep sorted\ndisable = too-few-public-methods, missing-module-docstring")
    assert judge(repo, {".pylintrc": PYLINTRC}, {".pylintrc": new}) == []


# ---------------------------------------------------------------- tsconfig / eslint

TSCONFIG = textwrap.dedent('''\
    {
      // Shared compiler options for the web app
      "compilerOptions": {
        "target": "ES2022",
        "module": "ESNext",
        "moduleResolution": "bundler",
        "strict": true,
        "noUnusedLocals": true,
        "noFallthroughCasesInSwitch": true,
        "skipLibCheck": false,
        "jsx": "react-jsx",
      },
      "include": ["src", "test"],
    }
''')


def test_tsconfig_strict_off_blocks(repo):
    new = TSCONFIG.replace('"strict": true', '"strict": false').replace('"skipLibCheck": false',
                                                                      '"skipLibCheck": true')
    found = judge(repo, {"tsconfig.json": TSCONFIG}, {"tsconfig.json": new})
    strict = one(found, "strict: true -> false")
    assert strict["severity"] == "block" and strict["details"]["tool"] == "tsc"
    assert strict["line"] == line_of(new, '"strict": false')
    assert "strictNullChecks" in strict["details"]["turned_off"]
    assert one(found, "skipLibCheck")["severity"] == "info"


def test_tsconfig_member_turned_off_and_include_narrowed(repo):
    new = TSCONFIG.replace('"strict": true,', '"strict": true,\n    "strictNullChecks": false,').replace(
        '"include": ["src", "test"]', '"include": ["src"]')
    code = {"src/index.ts": "export const answer: number = 42;\n",
            "test/index.test.ts": "import { answer } from '../src';\nconsole.assert(answer === 42);\n"}
    found = judge(repo, {"tsconfig.app.json": TSCONFIG, **code}, {"tsconfig.app.json": new})
    member = one(found, "strictNullChecks")
    assert member["severity"] == "escalate" and member["line"] == line_of(new, "strictNullChecks")
    assert one(found, "include")["details"]["change"] == "include: -test"


def test_tsconfig_strict_spelled_out_and_comments_are_neutral(repo):
    members = ",\n    ".join(f'"{m}": true' for m in (
        "noImplicitAny", "noImplicitThis", "alwaysStrict", "strictBindCallApply", "strictFunctionTypes",
        "strictNullChecks", "strictPropertyInitialization", "useUnknownInCatchVariables",
        "strictBuiltinIteratorReturn"))
    new = TSCONFIG.replace('"strict": true,', "/* strict, spelled out */\n    " + members + ",").replace(
        '"noUnusedLocals": true,', '"noUnusedLocals": true,\n    "noUnusedParameters": true,')
    assert judge(repo, {"tsconfig.json": TSCONFIG}, {"tsconfig.json": new}) == []


FLAT = textwrap.dedent('''\
    import js from "@eslint/js";
    import tseslint from "typescript-eslint";

    export default tseslint.config(
      js.configs.recommended,
      ...tseslint.configs.recommended,
      {
        ignores: ["dist/**", "coverage/**"],
      },
      {
        files: ["src/**/*.ts"],
        rules: {
          "no-console": "error",
          eqeqeq: ["error", "always"],
          "@typescript-eslint/no-explicit-any": "error",
          'no-unused-vars': 2,
        },
      },
    );
''')


def test_eslint_flat_config_rules_lowered_and_ignores(repo):
    new = FLAT.replace('"no-console": "error"', '"no-console": "off"').replace(
        '"@typescript-eslint/no-explicit-any": "error"', '"@typescript-eslint/no-explicit-any": "warn"').replace(
        '"coverage/**"]', '"coverage/**", "src/legacy/**"]')
    found = judge(repo, {"eslint.config.js": FLAT}, {"eslint.config.js": new})
    rules = one(found, "rules:")
    assert rules["details"]["change"] == ("rules: no-console error -> off, "
                                          "@typescript-eslint/no-explicit-any error -> warn")
    assert rules["line"] == line_of(new, '"no-console": "off"')
    assert one(found, "ignores")["details"]["change"] == "ignores: +src/legacy/**"


def test_eslint_test_override_turning_a_rule_off(repo):
    new = FLAT.replace("\n);\n", "\n  {\n    files: [\"**/*.test.ts\"],\n    rules: { eqeqeq: 0 },\n  },\n);\n")
    assert new != FLAT
    found = judge(repo, {"eslint.config.mjs": FLAT}, {"eslint.config.mjs": new})
    f = one(found, "eqeqeq")
    assert f["details"]["change"] == "rules: eqeqeq error -> off"
    assert f["line"] == line_of(new, "eqeqeq: 0")


def test_eslintrc_rule_removed_and_eslintignore(repo):
    rc = ('{\n  "root": true,\n  "extends": ["eslint:recommended"],\n  "rules": {\n    "no-console": "error",\n'
          '    "eqeqeq": ["error", "always"]\n  }\n}\n')
    new = rc.replace('"no-console": "error",\n', "").replace('"eqeqeq": ["error", "always"]',
                                                             '"eqeqeq": ["error", "always"],\n    "curly": "warn"')
    found = judge(repo, {".eslintrc.json": rc, ".eslintignore": "dist\n"},
                  {".eslintrc.json": new, ".eslintignore": "dist\n# generated\nsrc/generated\n"})
    removed = one(found, "no-console")
    assert removed["side"] == "old" and removed["line"] == line_of(rc, "no-console")
    assert one(found, ".eslintignore")["details"]["change"] == ".eslintignore: +src/generated"
    assert len(found) == 2  # curly at warn is a new rule, not a relaxation


def test_eslint_migration_to_flat_config_with_same_rules_is_neutral(repo):
    rc = ('{\n  "rules": {\n    "no-console": "error",\n    "eqeqeq": ["error", "always"],\n'
          '    "@typescript-eslint/no-explicit-any": "error",\n    "no-unused-vars": 2\n  },\n'
          '  "ignorePatterns": ["dist/**", "coverage/**"]\n}\n')
    assert judge(repo, {".eslintrc.json": rc}, {".eslintrc.json": None, "eslint.config.js": FLAT}) == []


# ---------------------------------------------------------------- golangci-lint

GOLANGCI = textwrap.dedent('''\
    run:
      timeout: 5m
    linters:
      enable:
        - errcheck
        - govet
        - staticcheck
        - gosec
    issues:
      exclude-rules:
        - path: _test\\.go
          linters:
            - gosec
''')


def test_golangci_linter_removed_and_exclusion_added(repo):
    new = GOLANGCI.replace("    - gosec\nissues", "issues").replace(
        "        - gosec\n", "        - gosec\n    - path: internal/legacy/\n      linters:\n        - errcheck\n")
    found = judge(repo, {".golangci.yml": GOLANGCI}, {".golangci.yml": new})
    gone = one(found, "linters.enable")
    assert gone["details"]["change"] == "linters.enable: -gosec" and gone["side"] == "old"
    assert gone["line"] == line_of(GOLANGCI, "    - gosec")
    rule = one(found, "exclude-rules")
    assert rule["line"] == line_of(new, "internal/legacy/")


def test_golangci_v2_default_none_blocks_when_nothing_enabled(repo):
    old = 'version: "2"\nlinters:\n  default: standard\n  exclusions:\n    paths:\n      - third_party\n'
    new = 'version: "2"\nlinters:\n  default: none\n  exclusions:\n    paths:\n      - third_party\n'
    found = judge(repo, {".golangci.yml": old}, {".golangci.yml": new})
    assert one(found, "linters.default")["severity"] == "block"


def test_golangci_more_linters_is_fine(repo):
    new = GOLANGCI.replace("    - gosec\n", "    - gosec\n    - revive\n", 1)
    assert judge(repo, {".golangci.yml": GOLANGCI}, {".golangci.yml": new}) == []


# ---------------------------------------------------------------- pre-commit

PRE_COMMIT = textwrap.dedent('''\
    repos:
      - repo: https://github.com/pre-commit/pre-commit-hooks
        rev: v4.6.0
        hooks:
          - id: trailing-whitespace
          - id: check-yaml
      - repo: https://github.com/astral-sh/ruff-pre-commit
        rev: v0.6.9
        hooks:
          - id: ruff
            args: [--fix]
          - id: ruff-format
      - repo: https://github.com/pre-commit/mirrors-mypy
        rev: v1.11.2
        hooks:
          - id: mypy
            exclude: ^docs/
''')


def test_pre_commit_hook_removed_excluded_and_manual(repo):
    new = PRE_COMMIT.replace("      - id: ruff-format\n", "").replace(
        "exclude: ^docs/", "exclude: ^(docs|src/legacy)/").replace(
        "args: [--fix]", "args: [--fix, --exit-zero]\n        stages: [manual]")
    found = judge(repo, {".pre-commit-config.yaml": PRE_COMMIT}, {".pre-commit-config.yaml": new})
    assert {f["rule"] for f in found} == {"suppression/relaxed-ci"}
    removed = one(found, "hooks:")
    assert removed["details"]["change"] == "hooks: -ruff-format" and removed["side"] == "old"
    assert one(found, "exclude")["details"]["change"] == "mypy exclude: +src/legacy/"
    assert one(found, "stages")["details"]["change"] == "ruff stages: (all) -> manual"
    assert one(found, "args")["details"]["change"] == "ruff args: +--exit-zero"


def test_pre_commit_autoupdate_is_not_relaxed(repo):
    new = PRE_COMMIT.replace("v0.6.9", "v0.7.2").replace("v1.11.2", "v1.13.0")
    assert judge(repo, {".pre-commit-config.yaml": PRE_COMMIT}, {".pre-commit-config.yaml": new}) == []


# ---------------------------------------------------------------- GitHub workflows

WORKFLOW = textwrap.dedent('''\
    name: CI
    on:
      push:
        branches: [main]
      pull_request:

    jobs:
      lint:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: actions/setup-python@v5
            with:
              python-version: "3.12"
          - run: pip install -e .[dev]
          - name: Ruff
            run: ruff check .
          - name: Mypy
            run: mypy src

      test:
        runs-on: ubuntu-latest
        strategy:
          matrix:
            python-version: ["3.10", "3.11", "3.12"]
        steps:
          - uses: actions/checkout@v4
          - uses: actions/setup-python@v5
            with:
              python-version: ${{ matrix.python-version }}
          - run: pip install -e .[test]
          - name: Tests
            run: |
              pytest -q \\
                --cov=shopfront
''')
WF = ".github/workflows/ci.yml"


def test_workflow_or_true_and_continue_on_error(repo):
    new = WORKFLOW.replace("            --cov=shopfront", "            --cov=shopfront || true").replace(
        "        run: mypy src\n", "        run: mypy src\n        continue-on-error: true\n")
    found = judge(repo, {WF: WORKFLOW}, {WF: new})
    swallowed = one(found, "pytest || true")
    assert swallowed["severity"] == "block" and swallowed["rule"] == "suppression/relaxed-ci"
    assert swallowed["line"] == line_of(new, "|| true")
    coe = one(found, "mypy continue-on-error")
    assert coe["severity"] == "block" and coe["line"] == line_of(new, "continue-on-error: true")
    assert len(found) == 2


def test_workflow_test_job_removed_blocks(repo):
    new = WORKFLOW.split("  test:")[0]
    found = judge(repo, {WF: WORKFLOW}, {WF: new})
    f = one(found, "pytest no longer runs")
    assert f["severity"] == "block" and f["side"] == "old"
    assert f["line"] == line_of(WORKFLOW, "pytest -q")


def test_workflow_if_false_matrix_and_trigger(repo):
    new = WORKFLOW.replace('["3.10", "3.11", "3.12"]', '["3.12"]').replace(
        "  test:\n    runs-on", "  test:\n    if: false\n    runs-on").replace("  pull_request:\n", "")
    found = judge(repo, {WF: WORKFLOW}, {WF: new})
    assert one(found, "job if: false")["severity"] == "block"
    matrix = one(found, "matrix")
    assert matrix["details"]["change"] == "jobs.test matrix python-version: -3.10, -3.11"
    trigger = one(found, "on: -pull_request")
    assert trigger["side"] == "old" and trigger["line"] == line_of(WORKFLOW, "pull_request")


def test_workflow_neutral_edits_and_moves(repo):
    renamed = WORKFLOW.replace("name: Ruff", "name: Lint with ruff").replace('"3.12"\n', '"3.13"\n')
    assert judge(repo, {WF: WORKFLOW}, {WF: renamed}) == []
    # The test job moves to its own workflow in the same change.
    tests_wf = "name: tests\non: [pull_request]\njobs:\n  test:\n" + WORKFLOW.split("  test:\n")[1]
    assert judge(repo, {WF: renamed}, {WF: renamed.split("  test:")[0], ".github/workflows/tests.yml": tests_wf}) == []


def test_workflow_with_unparseable_yaml_is_reported(repo):
    found = judge(repo, {WF: WORKFLOW}, {WF: WORKFLOW.replace("    runs-on: ubuntu-latest\n    steps:",
                                                              "    runs-on: [ubuntu-latest\n    steps:", 1)})
    assert len(found) == 1 and found[0]["details"]["change"] == "unparseable"
    assert "invalid YAML" in found[0]["message"]


# ---------------------------------------------------------------- scripts and --no-verify

RELEASE = textwrap.dedent('''\
    #!/bin/sh
    set -eu
    ruff check .
    pytest -q
    git add -A
    git commit -m "release $1"
    git tag "v$1"
''')


def test_no_verify_in_script_blocks(repo):
    new = RELEASE.replace('git commit -m', 'git commit --no-verify -m')
    found = judge(repo, {"scripts/release.sh": RELEASE}, {"scripts/release.sh": new})
    assert len(found) == 1
    f = found[0]
    assert f["rule"] == "suppression/no-verify" and f["severity"] == "block"
    assert f["line"] == line_of(new, "--no-verify") and f["details"]["key"] == "--no-verify"


def test_no_verify_in_package_json_python_and_makefile(repo):
    pkg = '{\n  "name": "web",\n  "scripts": {\n    "test": "vitest run",\n    "ship": "git push"\n  }\n}\n'
    found = judge(repo, {"package.json": pkg, "Makefile": "ship:\n\tgit push origin main\n"}, {
        "package.json": pkg.replace('"git push"', '"git push --no-verify"'),
        "Makefile": "ship:\n\tgit -c core.hooksPath=/dev/null commit -am wip\n\tgit push origin main\n",
        "tools/sync.py": 'import subprocess\n\n\ndef sync() -> None:\n'
                         '    subprocess.run(["git", "commit", "-n", "-m", "sync"], check=True)\n',
    })
    kinds = sorted((f["path"], f["details"]["key"]) for f in found)
    assert kinds == [("Makefile", "core.hooksPath"), ("package.json", "--no-verify"),
                     ("tools/sync.py", "commit -n")]


def test_no_verify_near_misses(repo):
    found = judge(repo, {"README.md": "# Release\n"}, {
        "tests/test_release.py": 'SCRIPT = "git commit --no-verify -m wip"  # a fixture, not a commit\n',
        "tools/docs.py": '"""Refuses `git commit --no-verify` in release scripts."""\n',
        "README.md": "# Release\nNever use `git commit --no-verify`.\n",
        "scripts/publish.sh": "#!/bin/sh\ncargo publish --no-verify\n# git commit --no-verify is forbidden\n"
                              "git commit -am 'fix -x flag'\n",
        "Makefile": "hooks:\n\tgit config core.hooksPath .githooks\n",
    })
    assert found == []


def test_neutered_gates_in_makefile_and_package_json(repo):
    mk = "test:\n\tpytest -q\n\nlint:\n\truff check .\n"
    pkg = '{\n  "scripts": {\n    "test": "jest",\n    "lint": "eslint ."\n  }\n}\n'
    found = judge(repo, {"Makefile": mk, "package.json": pkg}, {
        "Makefile": "test:\n\t-pytest -q\n\nlint:\n\truff check . || true\n",
        "package.json": pkg.replace('"jest"', '"jest || exit 0"'),
    })
    got = sorted((f["path"], f["line"], f["details"]["tool"]) for f in found)
    assert got == [("Makefile", 2, "pytest"), ("Makefile", 5, "ruff"), ("package.json", 3, "jest")]
    assert all(f["rule"] == "suppression/relaxed-ci" and f["severity"] == "block" for f in found)


def test_cov_fail_under_lowered_in_tox_commands(repo):
    tox = "[tox]\nenv_list = py311\n\n[testenv]\ndeps = pytest-cov\ncommands = pytest --cov=app --cov-fail-under=90\n"
    found = judge(repo, {"tox.ini": tox}, {"tox.ini": tox.replace("=90", "=60")})
    f = one(found, "--cov-fail-under")
    assert f["details"]["change"] == "--cov-fail-under: 90 -> 60" and f["line"] == 6


def test_skip_tools_setting(repo):
    repo.commit({".guardrails.yml": "relaxed_config:\n  skip_tools: [ruff]\n"}, "policy")
    new = PYPROJECT.replace('ignore = ["E501"]', 'ignore = ["E501", "B008"]').replace(
        "fail_under = 92", "fail_under = 80")
    found = judge(repo, {"pyproject.toml": PYPROJECT}, {"pyproject.toml": new})
    assert [f["details"]["tool"] for f in found] == ["coverage"]


def test_workflow_test_runner_replaced_is_neutral_but_deleted_workflow_blocks(repo):
    via_tox = WORKFLOW.replace("pytest -q \\\n            --cov=shopfront", "tox -e py")
    assert via_tox != WORKFLOW
    assert judge(repo, {WF: WORKFLOW}, {WF: via_tox}) == []
    found = judge(repo, {}, {WF: None, "README.md": "CI moved elsewhere\n"})
    gone = one(found, "tox no longer runs")
    assert gone["severity"] == "block" and gone["side"] == "old" and gone["line"] == line_of(via_tox, "tox -e py")


def test_semicolon_exit_zero_in_package_json_script(repo):
    pkg = '{\n  "scripts": {\n    "lint": "eslint src"\n  }\n}\n'
    found = judge(repo, {"package.json": pkg}, {"package.json": pkg.replace("eslint src", "eslint src; exit 0")})
    assert [(f["line"], f["details"]["tool"], f["details"]["change"]) for f in found] == [(3, "eslint", "+; exit 0")]


def test_narrowed_paths_that_were_renamed_are_not_findings(repo):
    before = {"pyproject.toml": PYPROJECT.replace('files = ["src", "tests"]', 'files = ["src/shopfront", "tests/typing"]'),
              "src/shopfront/__init__.py": "", "tests/typing/check_app.py": "import shopfront\n"}
    after = {"pyproject.toml": PYPROJECT.replace('files = ["src", "tests"]', 'files = ["src", "tests/type_check"]'),
             "tests/typing/check_app.py": None, "tests/type_check/check_app.py": "import shopfront\n"}
    assert judge(repo, before, after) == []
    # Dropping a folder that is still there is a finding.
    still = {"pyproject.toml": PYPROJECT.replace('files = ["src", "tests"]', 'files = ["src"]'),
             "tests/type_check/check_app.py": "import shopfront  # still here\n"}
    found = judge(repo, {}, still)
    assert one(found, "files:")["details"]["change"] == "files: -tests/type_check"


def test_golangci_v1_to_v2_migration_is_neutral(repo):
    v1 = textwrap.dedent('''\
        run:
          timeout: 5m
        linters:
          disable-all: true
          enable:
            - errcheck
            - gofmt
            - gosimple
            - govet
            - ineffassign
            - staticcheck
            - unused
            - deadcode
    ''')
    v2 = textwrap.dedent('''\
        version: "2"
        linters:
          default: none
          enable:
            - errcheck
            - govet
            - ineffassign
            - staticcheck
            - unused
        formatters:
          enable:
            - gofmt
    ''')
    assert judge(repo, {".golangci.yml": v1}, {".golangci.yml": v2}) == []


def test_ruff_line_length_back_to_default_is_not_raised(repo):
    old = '[tool.ruff]\nline-length = 88\n\n[tool.ruff.lint]\nselect = ["E", "F"]\n'
    assert judge(repo, {"ruff.toml": old.replace("[tool.ruff]\n", "").replace("[tool.ruff.lint]", "[lint]")},
                 {"ruff.toml": '[lint]\nselect = ["E", "F"]\n'}) == []
    found = judge(repo, {"ruff.toml": 'line-length = 88\n[lint]\nselect = ["E", "F"]\n'},
                  {"ruff.toml": 'line-length = 120\n[lint]\nselect = ["E", "F"]\n'})
    assert one(found, "line-length")["details"]["change"] == "line-length: 88 -> 120"


def test_pyright_tightening_and_reordering_are_not_findings(repo):
    new = ('{\n  // stricter now\n  "typeCheckingMode": "strict",\n  "pythonVersion": "3.12",\n'
           '  "reportMissingTypeStubs": "error",\n  "include": ["src", "tests"],\n'
           '  "exclude": ["**/__pycache__", "**/node_modules"],\n}\n')
    assert judge(repo, {"pyrightconfig.json": PYRIGHT, "src/app.py": "x = 1\n"}, {"pyrightconfig.json": new}) == []


def test_basedpyright_default_mode_is_recommended(repo):
    old = '[tool.basedpyright]\npythonVersion = "3.12"\n'
    found = judge(repo, {"pyproject.toml": old}, {"pyproject.toml": old + 'typeCheckingMode = "standard"\n'})
    assert one(found, "typeCheckingMode")["details"]["change"] == "typeCheckingMode: recommended -> standard"


def test_eslint_tightening_is_not_a_finding(repo):
    new = FLAT.replace("'no-unused-vars': 2,", "'no-unused-vars': 2,\n      curly: 'error',\n      'no-var': 'warn',")
    assert new != FLAT
    assert judge(repo, {"eslint.config.js": FLAT}, {"eslint.config.js": new}) == []


def test_eslint_config_in_package_json(repo):
    pkg = ('{\n  "name": "web",\n  "eslintConfig": {\n    "extends": ["react-app"],\n    "rules": {\n'
           '      "react-hooks/exhaustive-deps": "error"\n    }\n  }\n}\n')
    found = judge(repo, {"package.json": pkg}, {"package.json": pkg.replace('"error"', '"off"')})
    f = one(found, "exhaustive-deps")
    assert f["details"]["change"] == "rules: react-hooks/exhaustive-deps error -> off" and f["line"] == 6


def test_pytest_narrowed_on_the_ci_command_line(repo):
    new = WORKFLOW.replace("pytest -q \\", "pytest -q -k \"not test_refund\" --deselect tests/test_tax.py::test_vat \\")
    tox = "[testenv]\ncommands =\n    pytest {posargs}\n"
    found = judge(repo, {WF: WORKFLOW, "tox.ini": tox},
                  {WF: new, "tox.ini": tox.replace("{posargs}", "--ignore=tests/slow {posargs}")})
    wf = [f for f in found if f["path"] == WF]
    assert len(wf) == 1 and wf[0]["rule"] == "suppression/relaxed-test-config"
    assert wf[0]["details"]["change"] == "+-k not test_refund, +--deselect tests/test_tax.py::test_vat"
    assert wf[0]["line"] == line_of(new, "--deselect")
    tx = [f for f in found if f["path"] == "tox.ini"]
    assert [f["details"]["change"] for f in tx] == ["+--ignore tests/slow"]
    # Options the old command already had are not news.
    assert judge(repo, {}, {WF: new.replace("pytest -q -k", "pytest -k").replace("--cov=shopfront",
                                                                                 "--cov=shopfront -x")}) == []


def test_tox_ignore_outcome_and_leading_dash(repo):
    tox = "[tox]\nenv_list = py312, lint\n\n[testenv]\ndeps = pytest\ncommands = pytest tests\n\n[testenv:lint]\ncommands = ruff check .\n"
    new = tox.replace("commands = pytest tests\n", "ignore_outcome = true\ncommands = pytest tests\n").replace(
        "commands = ruff check .", "commands = - ruff check .")
    found = judge(repo, {"tox.ini": tox}, {"tox.ini": new})
    got = sorted((f["line"], f["severity"], f["details"]["tool"]) for f in found)
    assert got == [(6, "escalate", "tox"), (10, "block", "ruff")]


def test_setup_cfg_old_pytest_section_name_is_read(repo):
    old = "[pytest]\nnorecursedirs = .* build docs examples\n"
    new = "[tool:pytest]\nnorecursedirs = .* build docs examples\n"
    assert judge(repo, {"setup.cfg": old}, {"setup.cfg": new}) == []


JEST_CONFIG = textwrap.dedent('''\
    import type { Config } from "jest";

    const config: Config = {
      preset: "ts-jest",
      testEnvironment: "node",
      collectCoverageFrom: ["src/**/*.ts"],
      coverageThreshold: {
        global: {
          branches: 80,
          functions: 85,
          lines: 90,
        },
      },
      testPathIgnorePatterns: ["/node_modules/", "/dist/"],
    };

    export default config;
''')


def test_jest_threshold_lowered_and_tests_ignored(repo):
    new = JEST_CONFIG.replace("lines: 90", "lines: 60").replace(
        '"/dist/"]', '"/dist/", "<rootDir>/src/payments/"]')
    found = judge(repo, {"jest.config.ts": JEST_CONFIG}, {"jest.config.ts": new})
    cov = one(found, "coverageThreshold")
    assert cov["rule"] == "suppression/relaxed-coverage-config" and cov["details"]["tool"] == "jest"
    assert cov["details"]["change"] == "coverageThreshold: global.lines: 90 -> 60"
    assert cov["line"] == line_of(new, "lines: 60")
    ign = one(found, "testPathIgnorePatterns")
    assert ign["rule"] == "suppression/relaxed-test-config"
    assert ign["details"]["change"] == "testPathIgnorePatterns: +<rootDir>/src/payments/"


def test_jest_raised_thresholds_and_reformat_are_fine(repo):
    new = JEST_CONFIG.replace("lines: 90", "lines: 95").replace("  preset: \"ts-jest\",\n", "").replace(
        "const config: Config = {", "// tightened\nconst config: Config = {\n  preset: 'ts-jest',")
    assert judge(repo, {"jest.config.ts": JEST_CONFIG}, {"jest.config.ts": new}) == []


def test_vitest_thresholds_removed_block(repo):
    vite = textwrap.dedent('''\
        import { defineConfig } from "vitest/config";
        import react from "@vitejs/plugin-react";

        export default defineConfig({
          plugins: [react()],
          test: {
            environment: "jsdom",
            coverage: {
              provider: "v8",
              thresholds: { lines: 85, functions: 85 },
            },
          },
        });
    ''')
    new = vite.replace("      thresholds: { lines: 85, functions: 85 },\n", "")
    assert new != vite
    found = judge(repo, {"vite.config.ts": vite}, {"vite.config.ts": new})
    f = one(found, "thresholds")
    assert f["severity"] == "block" and f["side"] == "old" and f["line"] == line_of(vite, "thresholds")
    assert f["details"]["change"] == "test.coverage.thresholds: lines: 85 -> (unset), functions: 85 -> (unset)"


def test_workflow_action_inputs_that_stop_a_gate_failing(repo):
    wf = textwrap.dedent('''\
        name: lint
        on: [pull_request]
        jobs:
          golangci:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: golangci/golangci-lint-action@v6
                with:
                  version: v1.60
    ''')
    new = wf.replace("version: v1.60", "version: v1.60\n          args: --issues-exit-code=0\n          only-new-issues: true")
    found = judge(repo, {WF: wf}, {WF: new})
    got = sorted((f["details"]["change"], f["severity"], f["line"]) for f in found)
    assert got == [("jobs.golangci: golangci-lint --issues-exit-code=0", "block", 11),
                   ("jobs.golangci: golangci-lint only-new-issues: true", "escalate", 12)]


def test_eslint_linter_options_loosened(repo):
    new = FLAT.replace("  {\n    ignores:", "  {\n    linterOptions: { noInlineConfig: false },\n  },\n  {\n    ignores:")
    old = FLAT.replace("  {\n    ignores:", "  {\n    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: \"error\" },\n  },\n  {\n    ignores:")
    found = judge(repo, {"eslint.config.js": old}, {"eslint.config.js": new})
    f = one(found, "linterOptions")
    assert f["details"]["change"] == ("linterOptions: noInlineConfig on -> off, "
                                      "reportUnusedDisableDirectives on -> off")
    assert f["line"] == line_of(new, "noInlineConfig: false")


def test_patch_file_mode_compares_configs_too(repo):
    from conftest import run_cli

    repo.commit({"pyproject.toml": PYPROJECT}, "base")
    repo.write({"pyproject.toml": PYPROJECT.replace("fail_under = 92", "fail_under = 50")})
    patch = repo.git("diff") + "\n"
    repo.git("checkout", "--", "pyproject.toml")
    (repo.path / "change.diff").write_text(patch, encoding="utf-8")
    res = run_cli(["check", "--format", "json", "--diff", "change.diff"], cwd=repo.path)
    assert res.code in (0, 1), res.err
    found = [f for f in res.json()["findings"] if f["rule"] in OURS]
    assert [f["details"]["change"] for f in found] == ["fail_under: 92 -> 50"]
    assert found[0]["line"] == line_of(PYPROJECT, "fail_under = 92")


def test_no_verify_in_a_workflow_escalates(repo):
    new = WORKFLOW.replace("      - run: pip install -e .[dev]\n",
                           "      - run: pip install -e .[dev]\n      - run: git commit -am fmt --no-verify\n", 1)
    found = judge(repo, {WF: WORKFLOW}, {WF: new})
    f = one(found, "--no-verify")
    assert f["rule"] == "suppression/no-verify" and f["severity"] == "escalate"


def test_deeply_nested_configs_are_reported_not_crashed(repo):
    deep_yaml = "on: [push]\njobs: " + "[" * 100000 + "]" * 100000 + "\n"
    deep_js = "export default [{ rules: " + "{a: " * 30000 + "1" + "}" * 30000 + " }];\n"
    deep_json = '{"compilerOptions": ' + "[" * 100000 + "]" * 100000 + "}\n"
    found = judge(repo, {WF: WORKFLOW, "eslint.config.js": FLAT, "tsconfig.json": TSCONFIG},
                  {WF: deep_yaml, "eslint.config.js": deep_js, "tsconfig.json": deep_json})
    assert sorted((f["path"], f["details"]["change"]) for f in found) == [
        (WF, "unparseable"), ("eslint.config.js", "unparseable"), ("tsconfig.json", "unparseable")]
    assert all("nested too deeply" in f["message"] or "cannot be read" in f["message"] for f in found)
