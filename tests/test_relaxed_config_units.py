"""Unit tests of the relaxed-configuration parsers and comparisons."""
from __future__ import annotations

import time

import pytest

from guardrails.checks.relaxed_config import (
    base,
    eslint,
    flake8,
    gates,
    mypy,
    pytest_cfg,
    ruff,
    workflows,
)
from guardrails.checks.relaxed_config.base import ParseError
from guardrails.yamlsafe import flow_depth


def test_jsonc_comments_trailing_commas_and_strings_that_look_like_comments():
    text = '{\n  // a comment\n  "a": "http://x/*y*/", /* block */\n  "b": [1, 2,],\n}\n'
    assert base.load_jsonc(text) == {"a": "http://x/*y*/", "b": [1, 2]}
    with pytest.raises(ParseError):
        base.load_jsonc('{"a": }')


def test_toml_and_ini_errors_are_parse_errors():
    with pytest.raises(ParseError, match="invalid TOML"):
        base.load_toml("[tool.ruff\nselect = 1\n")
    with pytest.raises(ParseError, match="invalid INI"):
        base.load_ini("no section header here\n")


def test_regex_parts_expand_one_level_of_groups():
    assert base.regex_parts("^(docs|src/legacy)/") == ["docs/", "src/legacy/"]
    assert base.regex_parts("(?x)^(\n  migrations/|\n  vendor/\n)") == ["migrations/", "vendor/"]
    assert base.regex_parts(None) == []


def test_covered_by_prefix_and_all():
    assert base.covered("E501", ["E"]) and base.covered("S101", ["ALL"])
    assert not base.covered("E", ["E501"])


def test_flake8_per_file_ignores_formats():
    value = "\n__init__.py: F401\ntests/*: S101, E501\nsrc/a.py:E731,W605 src/b.py:C901"
    assert flake8.per_file_ignores(value) == {
        "__init__.py": ["F401"], "tests/*": ["S101", "E501"], "src/a.py": ["E731", "W605"], "src/b.py": ["C901"]}


def test_pytest_addopts_forms():
    opts = pytest_cfg.parse_addopts('-ra -k "not slow and not db" -pno:cacheprovider --deselect=a.py::t '
                                    '--ignore tests/e2e --cov-fail-under 80 -mnot\\ gpu')
    assert opts == [("-k", "not slow and not db"), ("-p", "no:cacheprovider"), ("--deselect", "a.py::t"),
                    ("--ignore", "tests/e2e"), ("--cov-fail-under", "80"), ("-m", "not gpu")]
    assert pytest_cfg.parse_addopts(["-q", "--lf"]) == [("--last-failed", "")]
    # An unbalanced quote does not raise.
    assert pytest_cfg.parse_addopts('-k "not slow') == [("-k", '"not')]


def test_ruff_settings_merge_lint_table_over_legacy_keys():
    old = {"select": ["E", "F"], "lint": {"select": ["E", "F", "B"]}}
    new = {"select": ["E", "F", "B"]}
    assert ruff.compare(old, new) == []
    assert [r.change for r in ruff.compare(new, {"lint": {"select": ["E"]}})] == ["select: -F, -B"]


def test_ruff_ignoring_an_unselected_rule_is_not_a_relaxation():
    old = {"lint": {"select": ["E", "F"]}}
    new = {"lint": {"select": ["E", "F"], "ignore": ["D203", "E741"]}}
    assert [r.change for r in ruff.compare(old, new)] == ["ignore: +E741"]


def test_mypy_effective_flags_per_module_inherit_the_global_section():
    old = mypy.extract("mypy.ini", "[mypy]\nstrict = True\n\n[mypy-app.*]\ndisallow_untyped_defs = True\n")
    new = mypy.extract("mypy.ini", "[mypy]\nstrict = True\n\n[mypy-app.*]\ndisallow_untyped_defs = False\n"
                                   "warn_return_any = True\n")
    assert [r.change for r in mypy.compare(old, new)] == ["[mypy-app.*] disallow_untyped_defs: true -> false"]


def test_eslint_light_js_parse_survives_spreads_calls_and_comments():
    text = """
    import base from "./base.js";
    const shared = { rules: { semi: ["error", "always"] } };
    export default [
      ...base,
      { rules: { ...shared.rules, "no-var": 'warn', quotes: process.env.CI ? 2 : 0, // ternary is unknown
                 /* block */ "prefer-const": `error`, [computed]: 2, curly: 1 } },
      { ignores: [`build/**`, ...extra] },
    ];
    """
    cfg = eslint.parse_js(text)
    assert sorted(cfg["rules"]) == [("curly", 1), ("no-var", 1), ("prefer-const", 2), ("semi", 2)]
    assert cfg["ignores"] == ["build/**"]


def test_eslint_levels():
    assert [eslint.level(v) for v in ("off", "WARN", 2, ["error", {}], [], True, "bogus")] == \
        [0, 1, 2, 2, None, None, None]


@pytest.mark.parametrize("script, expected", [
    ("pytest -q || true", [("pytest", "test", "|| true")]),
    ("npm test || exit 0", [("npm test", "test", "|| exit 0")]),
    ("ruff check . --exit-zero", [("ruff", "lint", "--exit-zero")]),
    ("go test ./... ; exit 0", [("go test", "test", "; exit 0")]),
    ("set +e\npytest\necho done", [("pytest", "test", "set +e")]),
    ("pytest -q \\\n  --cov=app || true", [("pytest", "test", "|| true")]),
])
def test_neutered_gate_commands(script, expected):
    assert gates.neutered(script) == expected


@pytest.mark.parametrize("script", [
    "pytest -q", "set +e\npytest", "pip install x || true\npytest", "pytest || exit 1",
    "mypy src && echo ok", "# pytest || true", "grep -q foo file || true",
])
def test_gate_commands_that_still_fail(script):
    assert gates.neutered(script) == []


def test_workflow_expression_continue_on_error_is_escalate_not_block():
    old = {"jobs": {"t": {"steps": [{"run": "pytest"}]}}}
    new = {"jobs": {"t": {"continue-on-error": "${{ matrix.experimental }}", "steps": [{"run": "pytest"}]}}}
    [r] = workflows.compare(old, new, None)
    assert r.severity is None and "continue-on-error" in r.change


def test_locate_prefers_changed_lines_and_sections():
    text = "[a]\nignore = E1\n[flake8]\nignore = E1, E2\n"
    f = base.SideText("setup.cfg", text, frozenset({4}))
    rel = base.relax("r", "ignore", "ignore: +E2", ("ignore", "E2"), ("ignore",), section=("flake8",))
    assert base.locate([f], rel)[1] == 4
    unchanged = base.SideText("setup.cfg", text, frozenset())
    rel2 = base.relax("r", "ignore", "ignore: +E1", ("ignore",), section=("flake8",))
    assert base.locate([unchanged], rel2)[1] == 4


def test_large_pyproject_compares_fast():
    lines = ["[tool.ruff.lint]", "select = ['E', 'F']", "[tool.ruff.lint.per-file-ignores]"]
    lines += [f'"pkg/mod{i}.py" = ["E501"]' for i in range(5000)]
    old_text = "\n".join(lines) + "\n"
    new_text = old_text + '"pkg/new.py" = ["F401"]\n'
    start = time.perf_counter()
    old = ruff.extract("pyproject.toml", old_text)
    new = ruff.extract("pyproject.toml", new_text)
    changes = [r.change for r in ruff.compare(old, new)]
    assert changes == ["per-file-ignores[pkg/new.py]: +F401"]
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("tool, name, text", [
    ("pre-commit", ".pre-commit-config.yaml", "repos: 5\n"),
    ("pre-commit", ".pre-commit-config.yaml", "repos:\n  - hooks: 3\n  - hooks: [5, {id: x, stages: 5, args: 7}]\n"),
    ("github-actions", "ci.yml", "jobs:\n  a:\n    steps: 5\n    strategy: {matrix: 3}\n"),
    ("mypy", "pyproject.toml", "[tool.mypy]\noverrides = 5\nfollow_imports = 7\n"),
    ("coverage", "pyproject.toml", "[tool.coverage]\nreport = 3\n"),
    ("eslint", ".eslintrc.json", '{"rules": 5, "overrides": {"a": 1}}'),
    ("golangci-lint", ".golangci.yml", "linters: 5\nissues: [1]\n"),
    ("tsc", "tsconfig.json", '{"compilerOptions": 5, "include": 3}'),
])
def test_configs_of_the_wrong_shape_do_not_crash(tool, name, text):
    from guardrails.checks.relaxed_config import TOOLS

    module = next(t for t in TOOLS if t.TOOL == tool and (not t.FILES or name in t.FILES))
    cfg = module.extract(name, text)
    extra = (module.prepare([(module.empty(), cfg)]),) if hasattr(module, "prepare") else ()
    assert isinstance(module.compare(module.empty(), cfg, *extra), list)
    assert isinstance(module.compare(cfg, module.empty(), *extra), list)


def test_flow_depth_guards_libyaml():
    assert flow_depth("a: [1, [2, {b: [3]}]]\nc: '${{ x }}'") == 4
    with pytest.raises(ParseError, match="nested too deeply"):
        base.load_yaml("jobs: " + "[" * 100000 + "]" * 100000)
    with pytest.raises(ParseError, match="nested too deeply"):
        base.load_toml("a = " + "[" * 100000 + "]" * 100000)
    with pytest.raises(ParseError, match="nested too deeply"):
        base.load_jsonc("[" * 100000 + "]" * 100000)
