"""Which files are tests: conventions per language, and the repository's
pytest configuration read from the change's new side."""
from __future__ import annotations

import random
import re
from typing import List, Tuple

import pytest

from conftest import deadline

from guardrails.change import from_revisions
from guardrails.checks.test_stub import testfiles as tf


@pytest.mark.parametrize("path", [
    "tests/test_calc.py", "pkg/test_calc.py", "pkg/calc_test.py", "conftest.py", "pkg/sub/conftest.py",
    "tests/helpers.py", "test/util.py", "app/tests.py",
    "src/cart.test.ts", "src/cart.spec.js", "web/__tests__/cart.jsx", "e2e/login.cy.ts",
    "cmd/server/main_test.go", "crate/tests/integration.rs", "src/parser/tests.rs",
    "src/test/java/com/acme/CartTest.java", "core/CartTest.java", "core/CartTests.kt", "core/CartIT.java",
    "app/src/androidTest/java/com/acme/A.java", "spec/models/user_spec.rb", "lib/user_test.exs",
    "Tests/CartTests.cs", "pkg/testdata/golden.json",
])
def test_conventional_test_files(path: str) -> None:
    assert tf.is_test_file(path)


@pytest.mark.parametrize("path", [
    "pkg/calc.py", "src/cart.ts", "cmd/server/main.go", "src/lib.rs", "src/main/java/com/acme/Cart.java",
    "guardrails/checks/test_stub/testfiles.py", "pkg/testing_utils.py", "core/Testimonial.java",
    "docs/contest.md", "src/latest.js", "pkg/attest.py",
])
def test_not_test_files(path: str) -> None:
    assert not tf.is_test_file(path)


@pytest.mark.parametrize("name,text", [
    ("pytest.ini", "[pytest]\npython_files = check_*.py\ntestpaths = checks\n"),
    ("pyproject.toml", "[tool.pytest.ini_options]\npython_files = ['check_*.py']\ntestpaths = ['checks']\n"),
    ("setup.cfg", "[metadata]\nname = x\n\n[tool:pytest]\npython_files = check_*.py\ntestpaths = checks\n"),
    ("tox.ini", "[tox]\nenvlist = py311\n\n[pytest]\npython_files = check_*.py\ntestpaths = checks\n"),
])
def test_pytest_configuration_makes_test_files(repo, name: str, text: str) -> None:
    repo.commit({"README.md": "x\n"})
    repo.commit({name: text, "pkg/check_calc.py": "def check_one():\n    assert 1\n",
                 "checks/support.py": "X = 1\n", "pkg/calc.py": "X = 2\n"})
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    assert tf.is_test_file("pkg/check_calc.py", change)
    assert tf.is_test_file("checks/support.py", change)  # under testpaths
    assert not tf.is_test_file("pkg/calc.py", change)
    assert not tf.is_test_file("pkg/check_calc.py")  # without the configuration: not by convention
    cfg = tf.pytest_config("pkg/check_calc.py", change)
    assert cfg.python_files == ("check_*.py",) and cfg.source == name


def test_nearest_configuration_wins(repo) -> None:
    repo.commit({"pytest.ini": "[pytest]\npython_files = root_*.py\n",
                 "sub/pyproject.toml": "[tool.pytest.ini_options]\npython_functions = ['should_*']\n"
                                       "python_classes = ['Describe']\n",
                 "sub/pkg/a.py": "x = 1\n"})
    repo.commit({"sub/pkg/a.py": "x = 2\n"})
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    sub = tf.pytest_config("sub/pkg/a.py", change)
    assert sub.root == "sub" and sub.python_functions == ("should_*",)
    assert sub.python_files == tf.PYTEST_FILES_DEFAULT
    assert tf.pytest_config("a.py", change).python_files == ("root_*.py",)
    assert tf.collected_function("should_add", sub) and not tf.collected_function("test_add", sub)
    assert tf.collected_class("DescribeCart", sub) and not tf.collected_class("TestCart", sub)


def test_broken_configuration_falls_back_to_defaults(repo) -> None:
    repo.commit({"pyproject.toml": "[tool.pytest.ini_options\nbroken = \n"})
    repo.commit({"pkg/test_a.py": "def test_a():\n    assert True\n"})
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    assert tf.pytest_config("pkg/test_a.py", change) == tf.DEFAULT_CONFIG
    assert tf.is_test_file("pkg/test_a.py", change)


def test_registered_extra_globs(repo) -> None:
    repo.commit({"a.txt": "a\n"})
    repo.commit({"qa/scenarios/cart.py": "x = 1\n"})
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    assert not tf.is_test_file("qa/scenarios/cart.py", change)
    tf.register_extra(change, ("qa/**",))
    assert tf.is_test_file("qa/scenarios/cart.py", change)


def test_collection_names() -> None:
    cfg = tf.DEFAULT_CONFIG
    assert tf.collected_function("test_total", cfg)
    assert tf.collected_function("testTotal", cfg)
    assert not tf.collected_function("_test_total", cfg)
    assert not tf.collected_function("total", cfg)
    assert tf.collected_class("TestCart", cfg)
    assert not tf.collected_class("Cart", cfg)
    assert tf.collected_class("Cart", cfg, is_testcase=True)
    assert tf.collected_function("test_x", cfg, in_testcase=True)
    assert not tf.collected_function("check_x", cfg, in_testcase=True)


def test_rust_test_module_ranges() -> None:
    text = (
        "pub fn add(a: i32, b: i32) -> i32 { a + b }\n"          # 1
        "\n"                                                    # 2
        "#[cfg(test)]\n"                                        # 3
        "mod tests {\n"                                         # 4
        "    use super::*;\n"                                   # 5
        "    #[test]\n"                                         # 6
        "    fn adds() { let s = \"}\"; let c = '{'; assert_eq!(add(1, 2), 3); }\n"  # 7
        "    // a stray } in a comment\n"                       # 8
        "}\n"                                                   # 9
        "fn after<'a>(x: &'a str) -> &'a str { x }\n"           # 10
    )
    assert tf.rust_test_ranges(text) == [(3, 9)]
    assert tf.rust_test_ranges("fn main() {}\n") == []


# The scan before it was made linear: the reference the new one must agree with.
_OLD_MOD_OPEN = re.compile(r"\s*(?:#\s*\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def _old_matching_brace(text: str, pos: int) -> int:
    depth, i, n = 1, pos, len(text)
    while i < n:
        ch = text[i]
        if ch == "/" and text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if ch == "/" and text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch == "'" and i + 2 < n and (text[i + 2] == "'" or text[i + 1] == "\\"):
            close = text.find("'", i + 2)
            i = n if close < 0 else close
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


def _old_rust_test_ranges(text: str) -> List[Tuple[int, int]]:
    ranges = []
    for m in re.finditer(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]", text):
        opener = _OLD_MOD_OPEN.match(text, m.end())
        if opener:
            end = _old_matching_brace(text, opener.end())
            ranges.append((text.count("\n", 0, m.start()) + 1, text.count("\n", 0, end) + 1))
    return ranges


def test_rust_test_ranges_agree_with_the_scan_per_module() -> None:
    pieces = ["#[cfg(test)]", "# [ cfg ( test ) ]", "#[ignore]", "#[", "]", " mod a {", "pub ", "pub(crate) ",
              "mod t {", "{", "}", '"', "\\", "'", "'a'", "'\\n'", "//", "/*", "*/", "\n", " ", "x", "fn f() {",
              "#[cfg(test)]\nmod tests {\n", "(", ")"]
    rnd = random.Random(7)
    several = 0
    for _ in range(5_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 60)))
        got = tf.rust_test_ranges(text)
        assert got == _old_rust_test_ranges(text), text
        several += len(got) > 1
        # every brace of the text, in any order, closes where the old scan says
        braces = tf._Braces(text)
        opens = [i + 1 for i, c in enumerate(text) if c == "{"]
        rnd.shuffle(opens)
        for pos in opens:
            assert braces.close(pos) == _old_matching_brace(text, pos), (text, pos)
    assert several > 1000


@pytest.mark.parametrize("line", [
    "#[ignore]", "#[cfg(test)]", "#[cfg(test)] ", "#[cfg(test)]#[", "#[cfg(test)] mod a {}",
    "#[cfg(test)] mod a {", "#[cfg(test)] mod a { /*", "#[cfg(test)] mod a { //", '#[cfg(test)] mod a { \\"',
    "#[cfg(test)] mod a { '\\", '#[cfg(test)] mod a { "', " ",
])
def test_rust_test_ranges_are_linear_on_a_long_line(line: str) -> None:
    # Each `#[cfg(test)]` read the attributes after it, and each module's
    # brace was scanned to the end: minutes on 200,000 characters.
    with deadline():
        long_line = (line * (200_000 // len(line) + 1))[:200_000]
        text = "#[cfg(test)]\n" + long_line + "\nmod tests {\n}\n"
        ranges = tf.rust_test_ranges(text)
    assert all(1 <= a <= b <= 5 for a, b in ranges)
    if "mod a" in line:
        assert len(ranges) >= 200_000 // len(line)
