"""Unit tests of the scanners and of how each tool's directive is read."""
from __future__ import annotations

from typing import List, Tuple

import pytest

from conftest import deadline

from guardrails.checks.suppressions import directives, rule_for
from guardrails.checks.suppressions import scan as sc
from guardrails.checks.suppressions import table as tb


def read(text: str, lang: str) -> List[Tuple[int, str, tuple, bool, str]]:
    """(line, directive key, codes, blanket, rule) for every directive."""
    lines = range(1, text.count("\n") + 2)
    return [(d.line, d.row.key, d.reading.codes, d.reading.blanket, rule_for(d).split("/")[1])
            for d in directives(text, lang, lines)]


@pytest.mark.parametrize("comment, codes, blanket, effect", [
    ("# noqa", (), True, "suppress"),
    ("# NoQA", (), True, "suppress"),
    ("#noqa", (), True, "suppress"),
    ("# noqa: E501", ("E501",), False, "suppress"),
    ("# noqa:E501,W291", ("E501", "W291"), False, "suppress"),
    ("# noqa: E501 W291", ("E501", "W291"), False, "suppress"),
    ("# noqa:E501,", ("E501",), False, "suppress"),
    ("#noqa:E501", ("E501",), False, "suppress"),
    ("# noqa E501", (), True, "suppress"),  # no colon: both tools read blanket
    ("# noqa : E501", ("E501",), True, "suppress"),  # flake8: blanket
    ("# noqa:  E501", ("E501",), True, "suppress"),  # flake8 allows one space only
    ("# noqa: S", (), True, "suppress"),  # not a code for flake8
    ("# noqa[SLF001]", (), True, "suppress"),  # flake8: blanket; ruff: invalid
    ("#noqa[SLF001]", (), False, "none"),  # neither reads it
    ("# noqa - the reason", (), True, "suppress"),
])
def test_noqa_as_ruff_and_flake8_read_it(comment, codes, blanket, effect):
    (d,) = directives(f"x = 1  {comment}\n", sc.PY, [1])
    assert (d.reading.codes, d.reading.blanket, d.reading.effect) == (codes, blanket, effect)


@pytest.mark.parametrize("comment, codes, blanket, effect", [
    ("# type: ignore", (), True, "suppress"),
    ("# type:ignore", (), True, "suppress"),
    ("# type: ignore[attr-defined]", ("attr-defined",), False, "suppress"),
    ("# type: ignore[attr-defined, name-defined]", ("attr-defined", "name-defined"), False, "suppress"),
    ("# type: ignore []", (), True, "suppress"),
    ("# type: ignore [misc]", ("misc",), True, "suppress"),  # pyright: blanket
    ("# type: ignore=E1", (), False, "none"),
    ("# type ignore", (), False, "none"),
    ("# pyright: ignore", (), True, "suppress"),
    ("# pyright: ignore[reportGeneralTypeIssues]", ("reportGeneralTypeIssues",), False, "suppress"),
])
def test_type_ignore_as_mypy_and_pyright_read_it(comment, codes, blanket, effect):
    (d,) = directives(f"x = f()\ny = 1  {comment}\n", sc.PY, [2])
    assert (d.reading.codes, d.reading.blanket, d.reading.effect) == (codes, blanket, effect)


def test_type_comments_and_lookalikes_are_not_directives():
    text = "x = 1  # type: int\ny = 2  # type: ignoreme\nz = 3  # typed: ignore the noise\n"
    assert read(text, sc.PY) == []


def test_two_directives_in_one_comment_each_get_their_own_reason():
    text = "value = call()  # type: ignore[no-untyped-call]  # noqa: E501  # vendored, no stubs\n"
    found = directives(text, sc.PY, [1])
    assert [(d.row.key, d.reason) for d in found] == [("type-ignore", None), ("noqa", "vendored, no stubs")]


def test_python_strings_and_fstrings_hide_markers():
    text = ('a = "# noqa"\n'
            "b = '''\n# noqa\n'''\n"
            'c = f"{a!r} # noqa"\n'
            "d = rb'# type: ignore'\n"
            'e = "\\" # noqa"\n')
    assert read(text, sc.PY) == []


def test_python_directive_after_a_multiline_string_is_read():
    text = 'TEXT = """\nvery long line\n"""  # noqa: E501\n'
    assert read(text, sc.PY) == [(3, "noqa", ("E501",), False, "coded-suppression-without-reason")]


@pytest.mark.parametrize("lang, text", [
    (sc.JS, 'const a = "// eslint-disable-line";\nconst b = `\n/* eslint-disable */\n`;\n'),
    (sc.JS, "const re = '/* @ts-ignore */';\n"),
    (sc.GO, 'var a = `\n//nolint\n`\nvar b = "//nolint:all"\nvar c = \'/\'\n'),
    (sc.RUST, 'let a = r#"#[allow(warnings)] "quoted""#;\nlet b = "\\"#[allow(dead_code)]";\n'),
    (sc.RUST, "fn f<'a>(x: &'a str) -> &'a str { x } // lifetimes are not chars\n"),
    (sc.JAVA, 'String s = """\n  @SuppressWarnings("all") // NOPMD\n  """;\n'),
    (sc.C, 'const char *s = "// NOLINT";\nchar c = \'"\'; // a quote char\n'),
    (sc.CS, 'var s = @"C:\\path\\ "" #pragma warning disable";\n'),
    (sc.RUBY, 'x = "#{y} # rubocop:disable all"\n'),
    (sc.SH, 'echo "# shellcheck disable=SC2086" $#\nn=${#arr[@]}\n'),
])
def test_strings_of_every_language_hide_markers(lang, text):
    assert read(text, lang) == []


def test_go_nolint_forms():
    text = ("package p\n"
            "func f() {\n"
            "\tg() //nolint\n"
            "\tg() //nolint:errcheck,gosec // checked by the caller\n"
            "\tg() //nolint: lll, dupl\n"
            "\tg() //nolintother\n"
            "\tg() // see https://example.com/nolint\n"
            "}\n")
    found = directives(text, sc.GO, range(1, 9))
    assert [(d.line, d.reading.codes, d.reading.blanket, d.reason) for d in found] == [
        (3, (), True, None),
        (4, ("errcheck", "gosec"), False, "checked by the caller"),
        (5, ("lll", "dupl"), False, None),
    ]


def test_eslint_config_comments_only_count_when_they_turn_rules_off():
    text = ('/* eslint eqeqeq: "off", curly: "error" */\n'
            "/* eslint curly: 2 */\n"
            "/* eslint-env node */\n"
            "/* global _ */\n"
            "/* eslint-enable */\n")
    assert read(text, sc.JS) == [(1, "eslint-config", ("eqeqeq",), False, "file-level-suppression")]


def test_eslint_disable_pairs_close_ranges_by_rule():
    text = ("import a from 'a';\n"
            "/* eslint-disable no-undef, no-console */\n"
            "f();\n"
            "/* eslint-enable no-undef */\n"
            "/* eslint-disable no-alert */\n"
            "alert(1);\n"
            "/* eslint-enable no-alert */\n")
    found = directives(text, sc.JS, range(1, 8))
    # no-console is never enabled again: the first runs to the end of the file
    assert [(d.line, d.scope, d.range_end) for d in found] == [(2, "rest-of-file", 0), (5, "range", 7)]
    assert [rule_for(d).split("/")[1] for d in found] == ["file-level-suppression",
                                                          "coded-suppression-without-reason"]


def test_biome_categories():
    text = ("// biome-ignore lint/style/noParameterAssign: legacy signature\n"
            "// biome-ignore lint: everything\n"
            "// biome-ignore format: aligned table\n"
            "// biome-ignore-all lint/suspicious/noExplicitAny: generated\n")
    assert read(text, sc.JS) == [
        (1, "biome-ignore", ("lint/style/noParameterAssign",), False, "coded-suppression-with-reason"),
        (2, "biome-ignore", ("lint",), True, "blanket-suppression"),
        (3, "biome-ignore", ("format",), False, "formatter-off"),
        (4, "biome-ignore", ("lint/suspicious/noExplicitAny",), False, "file-level-suppression"),
    ]


def test_rust_attributes_across_lines_and_inner_attributes():
    text = ("#[allow(\n"
            "    clippy::needless_range_loop,\n"
            "    reason = \"index is used twice\"\n"
            ")]\n"
            "fn f() {}\n"
            "#![expect(unused_imports)]\n")
    found = directives(text, sc.RUST, range(1, 7))
    assert [(d.line, d.reading.codes, d.reason, rule_for(d).split("/")[1]) for d in found] == [
        (1, ("clippy::needless_range_loop",), "index is used twice", "coded-suppression-with-reason"),
        (6, ("unused_imports",), None, "file-level-suppression"),
    ]


def test_pylint_scopes():
    text = ("import os  # pylint: disable=unused-import\n"
            "# pylint: disable-next=invalid-name\n"
            "X = 1\n"
            "def f():\n"
            "    # pylint: disable=all\n"
            "    pass\n"
            "# pylint: skip-file\n")
    found = directives(text, sc.PY, range(1, 8))
    assert [(d.line, d.scope, rule_for(d).split("/")[1]) for d in found] == [
        (1, "line", "coded-suppression-without-reason"),
        (2, "next-line", "coded-suppression-without-reason"),
        (5, "block", "blanket-suppression"),
        (7, "file", "file-level-suppression"),
    ]


def test_formatter_and_coverage_rows():
    text = ("# fmt: off\nM = [1,0,\n     0,1]\n# fmt: on\nx = 1  # fmt: skip\n"
            "if DEBUG:  # pragma: no cover\n    pass\n")
    found = directives(text, sc.PY, range(1, 8))
    assert [(d.line, rule_for(d).split("/")[1], d.scope) for d in found] == [
        (1, "formatter-off", "range"), (5, "formatter-off", "line"), (6, "coverage-exclusion", "block")]


def test_only_wanted_lines_are_read():
    text = "import os  # noqa\nimport re  # noqa\n"
    assert [d.line for d in directives(text, sc.PY, [2])] == [2]


def test_language_detection():
    assert sc.language("src/app.tsx") == sc.JS
    assert sc.language("cmd/main.go") == sc.GO
    assert sc.language("bin/deploy", "#!/usr/bin/env bash") == sc.SH
    assert sc.language("bin/tool", "#!/usr/bin/python3") == sc.PY
    assert sc.language("Rakefile") == sc.RUBY
    assert sc.language("README.md") is None


def test_every_row_is_well_formed():
    keys = [row.key for row in tb.ROWS]
    assert len(keys) == len(set(keys))
    for row in tb.ROWS:
        assert row.langs and row.marker and row.kind in (tb.LINT, tb.TYPE, tb.SECURITY, tb.COVERAGE, tb.FORMAT)
        if row.end is not None:
            assert row.scope in (tb.REST, tb.BLOCK) or tb.REST in row.modes.values(), row.key
        # the prefilter must find every directive the row can match
        for marker in row.marker.split("|"):
            assert marker.lower() == marker.lower().strip() and marker


def test_js_coverage_ranges():
    text = ("/* c8 ignore start */\n"
            "function a() {}\n"
            "/* c8 ignore stop */\n"
            "/* istanbul ignore file */\n"
            "/* node:coverage disable */\n"
            "function b() {}\n"
            "/* node:coverage enable */\n"
            "/* istanbul ignore next */\n")
    found = directives(text, sc.JS, range(1, 9))
    assert [(d.line, d.scope, rule_for(d).split("/")[1]) for d in found] == [
        (1, "range", "coverage-exclusion"), (4, "file", "coverage-exclusion"),
        (5, "range", "coverage-exclusion"), (8, "next-line", "coverage-exclusion")]


def test_ts_nocheck_counts_only_at_the_top():
    top = "// Copyright ACME\n// @ts-nocheck\nconst a: number = 'x';\n"
    late = "const a = 1;\n// @ts-nocheck\nconst b: number = 'x';\n"
    assert read(top, sc.JS) == [(2, "ts-nocheck", (), True, "file-level-suppression")]
    assert read(late, sc.JS) == [(2, "ts-nocheck", (), False, "malformed-suppression")]


# --- linear time on a long line --------------------------------------------------

def test_eslint_rule_is_linear_on_a_long_line() -> None:
    import random
    import re

    from guardrails.checks.suppressions.readings import _ESLINT_RULE

    def pairs(rx: "re.Pattern[str]", text: str) -> List[Tuple[str, str]]:
        return [(m.group("rule"), m.group("level")) for m in rx.finditer(text) if m.group("level") is not None]

    old = re.compile(r"(?P<rule>[@\w][\w@/.-]*)\s*:\s*\[?\s*[\"']?(?P<level>off|warn|error|[012])\b")
    with deadline():
        assert pairs(_ESLINT_RULE, "a" * 200_000) == []
        assert pairs(_ESLINT_RULE, "a:" + " " * 200_000) == []
        assert pairs(_ESLINT_RULE, "/" * 200_000 + "b: off") == [("b", "off")]
        assert pairs(_ESLINT_RULE, "x" * 200_000 + ': "off"') == [("x" * 200_000, "off")]
    assert pairs(_ESLINT_RULE, 'no-console: "off", @scope/rule: [2], -x.y: warn') == \
        [("no-console", "off"), ("@scope/rule", "2"), ("x.y", "warn")]
    rnd = random.Random(5)
    pieces = ["a", "@", "/", ".", "-", ":", " ", "[", "'", '"', "off", "warn", "error", "0", "2", "9", ",", "é", "offx"]
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert pairs(old, text) == pairs(_ESLINT_RULE, text), text
