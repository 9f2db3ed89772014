"""The Python test-stub checks on real changes in real git repositories: a
base commit with a realistic module and its tests, then a change that games
the tests (or a near miss that must not be blocked)."""
from __future__ import annotations

import ast
import random
import re
import textwrap
from typing import Dict, Iterator, List, Optional

import pytest

from guardrails.change import from_revisions
from guardrails.checks import test_stub
from guardrails.findings import diff_filter
from guardrails.model import Context, Finding, Options

from conftest import check_json, rules_found
from conftest import deadline as _deadline_cm


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run(repo, base: Dict[str, str], head: Dict[str, Optional[str]], **settings) -> List[Finding]:
    """Commit BASE then HEAD; the test-stub findings of HEAD~1..HEAD after the diff filter."""
    repo.commit(base, "base")
    repo.commit(head, "change")
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    conf = {"test_files": [], "test_env_flags": []}
    conf.update(settings)
    notes: List[str] = []
    raw = list(test_stub.check(change, Context(Options(), conf, notes.append)))
    return sorted(diff_filter(raw, change), key=lambda f: (f.path, f.line, f.rule))


def only(findings: List[Finding], rule: str) -> Finding:
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, [(f.rule, f.line, f.message) for f in findings]
    return hits[0]


def line_of(text: str, needle: str) -> int:
    for no, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return no
    raise AssertionError(needle)


CALC = d('''
    """Prices for the shop."""
    from decimal import Decimal


    def price(quantity, unit=Decimal("1.00")):
        total = quantity * unit
        if quantity >= 100:
            total = total * Decimal("0.9")
        return total.quantize(Decimal("0.01"))


    def vat(amount, country="NL"):
        rate = {"NL": Decimal("0.21"), "DE": Decimal("0.19")}.get(country, Decimal("0.20"))
        return (amount * rate).quantize(Decimal("0.01"))


    def slug(title):
        words = [w for w in title.lower().split() if w.isalnum()]
        return "-".join(words)
''')

CALC_TESTS = d('''
    from decimal import Decimal

    import pytest

    from shop.calc import price, slug, vat


    def test_price_bulk():
        assert price(150, Decimal("2.00")) == Decimal("270.00")


    def test_price_special_quantity():
        assert price(42) == Decimal("37.80")


    def test_vat_nl():
        assert vat(Decimal("100")) == Decimal("21.00")


    def test_vat_de():
        result = vat(Decimal("100"), "DE")
        assert result == Decimal("19.00")


    @pytest.mark.parametrize("title, expected", [
        ("Hello World", "hello-world"),
        ("Ünïcode Title!", "unicode-title"),
        ("  spaced   out ", "spaced-out"),
    ])
    def test_slug(title, expected):
        assert slug(title) == expected
''')

BASE = {"shop/__init__.py": "", "shop/calc.py": CALC, "tests/test_calc.py": CALC_TESTS}


# ---------------------------------------------------------------- special cases

def test_special_case_branch_tied_to_a_test_blocks(repo) -> None:
    new = CALC.replace('    total = quantity * unit\n',
                       '    if quantity == 42:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    found = run(repo, BASE, {"shop/calc.py": new})
    f = only(found, "test-stub/special-case")
    assert f.severity == "block"
    assert f.path == "shop/calc.py" and f.line == line_of(new, "if quantity == 42")
    assert f.details["function"] == "shop/calc.py::price"
    assert f.details["test"] == "tests/test_calc.py::test_price_special_quantity"
    assert f.details["input"] == "42" and f.details["expected"] == "Decimal('37.80')"


def test_special_case_from_a_parametrize_row(repo) -> None:
    new = CALC.replace('def slug(title):\n',
                       'def slug(title):\n    if title == "Ünïcode Title!":\n        return "unicode-title"\n')
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.details["test"] == "tests/test_calc.py::test_slug"
    assert f.details["input"] == "'Ünïcode Title!'" and f.details["expected"] == "'unicode-title'"
    assert f.line == line_of(new, 'if title == "Ünïcode')


def test_special_case_through_an_assigned_result_and_a_second_argument(repo) -> None:
    new = CALC.replace('    rate = {"NL"', '    if country == "DE":\n        return Decimal("19.00")\n    rate = {"NL"')
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.details["test"] == "tests/test_calc.py::test_vat_de"
    assert f.details["input"] == "'DE'"


def test_special_case_in_a_unittest_test_elsewhere_in_the_repository(repo) -> None:
    tests = d('''
        import unittest
        from shop.calc import slug


        class SlugTest(unittest.TestCase):
            def test_punctuation(self):
                self.assertEqual(slug("C'est la vie"), "cest-la-vie")
    ''')
    base = dict(BASE, **{"tests/test_slug.py": tests})
    new = CALC.replace('    words = [', '    if title == "C\'est la vie":\n        return "cest-la-vie"\n    words = [')
    f = only(run(repo, base, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.details["test"] == "tests/test_slug.py::SlugTest::test_punctuation"


def test_match_case_special_case(repo) -> None:
    new = CALC.replace('def slug(title):\n', d('''
        def slug(title):
            match title:
                case "Hello World":
                    return "hello-world"
        '''), 1)
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.line == line_of(new, 'case "Hello World"')


def test_possible_special_case_when_only_the_output_matches(repo) -> None:
    new = CALC.replace('    total = quantity * unit\n',
                       '    if quantity == 41:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/possible-special-case")
    assert f.severity == "escalate"
    assert f.details["test"] == "tests/test_calc.py::test_price_special_quantity"
    assert f.details["matched"] == "expected"


def test_lookup_table_of_test_answers_blocks(repo) -> None:
    new = CALC.replace('def slug(title):\n', d('''
        _KNOWN_SLUGS = {
            "Hello World": "hello-world",
            "Ünïcode Title!": "unicode-title",
        }


        def slug(title):
            if title in _KNOWN_SLUGS:
                return _KNOWN_SLUGS[title]
        '''), 1)
    found = run(repo, BASE, {"shop/calc.py": new})
    f = only(found, "test-stub/test-lookup-table")
    assert f.severity == "block" and f.line == line_of(new, "_KNOWN_SLUGS = {")
    assert f.details["function"] == "shop/calc.py::slug"
    assert f.details["pairs"] == ["'Hello World' -> 'hello-world'", "'Ünïcode Title!' -> 'unicode-title'"]


def test_module_counter_trick_blocks(repo) -> None:
    new = CALC.replace('def slug(title):\n', d('''
        _calls = 0


        def slug(title):
            global _calls
            _calls += 1
            if _calls > 2:
                return "spaced-out"
        '''), 1)
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/call-count-trick")
    assert f.severity == "block" and f.line == line_of(new, "if _calls > 2")
    assert f.details["trick"] == "call counter"


def test_call_stack_trick_blocks(repo) -> None:
    new = "import inspect\n" + CALC.replace("    words = [", (
        "    caller = inspect.stack()[1].function\n"
        "    if caller.startswith(\"test_\"):\n"
        "        return \"hello-world\"\n"
        "    words = ["), 1)
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/call-count-trick")
    assert f.details["trick"] == "call stack" and f.line == line_of(new, "if caller.startswith")
    assert "test's name" in f.message


def test_new_function_returning_the_expected_literal_escalates(repo) -> None:
    code = d('''
        def shipping(weight_kg, country):
            return 4.95
    ''')
    tests = d('''
        from shop.ship import shipping


        def test_shipping_nl():
            assert shipping(2, "NL") == 4.95
    ''')
    found = run(repo, BASE, {"shop/ship.py": code, "tests/test_ship.py": tests})
    f = only(found, "test-stub/returns-expected-literal")
    assert f.severity == "escalate" and f.line == 2 and f.path == "shop/ship.py"
    assert f.details["test"] == "tests/test_ship.py::test_shipping_nl" and f.details["expected"] == "4.95"


# ---------------------------------------------------------------- test-run detection

def test_pytest_current_test_branch_blocks(repo) -> None:
    new = "import os\n" + CALC.replace("    total = quantity * unit\n", (
        "    if \"PYTEST_CURRENT_TEST\" in os.environ:\n"
        "        return Decimal(\"37.80\")\n"
        "    total = quantity * unit\n"), 1)
    found = run(repo, BASE, {"shop/calc.py": new})
    f = only(found, "test-stub/test-run-detection")
    assert f.severity == "block" and f.line == line_of(new, "PYTEST_CURRENT_TEST")


def test_sys_modules_and_ci_flags_block(repo) -> None:
    new = "import os\nimport sys\n\nUNDER_TEST = 'pytest' in sys.modules\n\n" + CALC.replace(
        '    rate = {"NL"', '    if os.getenv("CI"):\n        return Decimal("21.00")\n    rate = {"NL"').replace(
        '    words = [', '    if UNDER_TEST:\n        title = title.strip()\n    words = [')
    found = run(repo, BASE, {"shop/calc.py": new})
    hits = [f for f in found if f.rule == "test-stub/test-run-detection"]
    assert [f.line for f in hits] == [line_of(new, 'os.getenv("CI")'), line_of(new, "if UNDER_TEST")]
    assert hits[0].details["signal"] == "CI" and hits[1].details["strength"] == "strong"


def test_configured_env_flag(repo) -> None:
    new = "import os\n" + CALC.replace('    words = [', '    if os.environ.get("SHOP_QA"):\n'
                                                    '        return "hello-world"\n    words = [')
    assert not [f for f in run(repo, BASE, {"shop/calc.py": new}) if f.rule == "test-stub/test-run-detection"]
    repo2 = type(repo)(repo.path.parent / "second")
    found = run(repo2, BASE, {"shop/calc.py": new}, test_env_flags=["SHOP_QA"])
    assert only(found, "test-stub/test-run-detection").details["signal"] == "SHOP_QA"


# ---------------------------------------------------------------- neutered tests

def test_skip_marks_and_their_severities(repo) -> None:
    new = CALC_TESTS.replace("def test_price_bulk", "@pytest.mark.skip\ndef test_price_bulk").replace(
        "def test_vat_nl", '@pytest.mark.skipif(sys.platform == "win32", reason="no locale on Windows")\n'
                           'def test_vat_nl').replace(
        "def test_vat_de", '@pytest.mark.xfail(strict=True, reason="https://github.com/o/r/issues/12")\n'
                           'def test_vat_de').replace("import pytest\n", "import sys\n\nimport pytest\n")
    code = CALC.replace("total * Decimal(\"0.9\")", "total * Decimal(\"0.85\")")
    found = run(repo, BASE, {"tests/test_calc.py": new, "shop/calc.py": code})
    skips = [f for f in found if f.rule == "test-stub/skipped-test"]
    assert [(f.line, f.severity) for f in skips] == [
        (line_of(new, "@pytest.mark.skip"), "escalate"),
        (line_of(new, "skipif"), "info"), (line_of(new, "xfail"), "info")]
    assert skips[0].details["test"] == "tests/test_calc.py::test_price_bulk"
    assert skips[0].details["code_under_test"] == ["price"]
    assert skips[1].details["reason"] == "no locale on Windows"
    assert not [f for f in found if f.severity == "block"]


def test_unittest_skips_and_skip_calls(repo) -> None:
    tests = d('''
        import unittest
        from shop.calc import slug


        class SlugTest(unittest.TestCase):
            def test_simple(self):
                self.assertEqual(slug("A b"), "a-b")

            def test_empty(self):
                self.assertEqual(slug(""), "")
    ''')
    new = tests.replace("    def test_simple", "    @unittest.skip(\"flaky\")\n    def test_simple").replace(
        '        self.assertEqual(slug(""), "")',
        '        self.skipTest("later")\n        self.assertEqual(slug(""), "")')
    found = run(repo, dict(BASE, **{"tests/test_slug.py": tests}), {"tests/test_slug.py": new})
    skips = [f for f in found if f.rule == "test-stub/skipped-test"]
    assert [(f.line, f.severity, f.details["test"]) for f in skips] == [
        (line_of(new, "@unittest.skip"), "escalate", "tests/test_slug.py::SlugTest::test_simple"),
        (line_of(new, "skipTest"), "escalate", "tests/test_slug.py::SlugTest::test_empty")]


def test_module_pytestmark_skip(repo) -> None:
    new = CALC_TESTS.replace("from shop.calc", "pytestmark = pytest.mark.skip(reason=\"wip\")\n\nfrom shop.calc")
    f = only(run(repo, BASE, {"tests/test_calc.py": new}), "test-stub/skipped-test")
    assert f.details["test"] == "tests/test_calc.py" and f.severity == "escalate"


def test_deleted_test_reported_on_the_old_side(repo) -> None:
    new = CALC_TESTS.replace(d('''
        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")


    '''), "")
    f = only(run(repo, BASE, {"tests/test_calc.py": new}), "test-stub/deleted-test")
    assert f.side == "old" and f.line == line_of(CALC_TESTS, "def test_vat_nl") and f.severity == "block"
    assert f.details["test"] == "tests/test_calc.py::test_vat_nl"
    assert f.details["code_under_test"] == ["vat"]


def test_renamed_so_no_longer_collected(repo) -> None:
    new = CALC_TESTS.replace("def test_vat_nl", "def _test_vat_nl")
    f = only(run(repo, BASE, {"tests/test_calc.py": new}), "test-stub/deleted-test")
    assert f.side == "old" and f.details["renamed_to"] == "_test_vat_nl"


def test_deleted_class_and_dunder_test(repo) -> None:
    tests = d('''
        import unittest
        from shop.calc import slug


        class SlugTest(unittest.TestCase):
            def test_simple(self):
                self.assertEqual(slug("A b"), "a-b")

            def test_empty(self):
                self.assertEqual(slug(""), "")
    ''')
    base = dict(BASE, **{"tests/test_slug.py": tests})
    found = run(repo, base, {"tests/test_slug.py": "from shop.calc import slug\n",
                             "tests/test_calc.py": "__test__ = False\n" + CALC_TESTS})
    deleted = [f for f in found if f.rule == "test-stub/deleted-test"]
    assert [(f.path, f.line, f.side) for f in deleted] == [
        ("tests/test_calc.py", 1, "new"), ("tests/test_slug.py", line_of(tests, "class SlugTest"), "old")]
    assert deleted[1].details["tests"] == ["tests/test_slug.py::SlugTest::test_simple",
                                           "tests/test_slug.py::SlugTest::test_empty"]


def test_weakened_assertions(repo) -> None:
    tests = d('''
        import math
        import unittest

        import pytest

        from shop.calc import price, slug, vat


        def test_exact():
            assert slug("A b") == "a-b"


        def test_truthy():
            assert slug("A b") == "a-b"


        def test_approx():
            assert float(price(3)) == pytest.approx(3.0, rel=1e-6)


        def test_raises():
            with pytest.raises(TypeError):
                price("x", None)


        def test_wrapped():
            assert slug("X") == "x"


        def test_message():
            with pytest.raises(ValueError, match="negative"):
                price(-1)


        def test_bounded():
            assert len(slug("A b c")) == 5


        class VatTest(unittest.TestCase):
            def test_places(self):
                self.assertAlmostEqual(float(vat(100)), 21.0, places=6)

            def test_equal(self):
                self.assertEqual(slug("Q"), "q")
    ''')
    new = tests.replace('def test_exact():\n    assert slug("A b") == "a-b"',
                        'def test_exact():\n    assert slug("A b") is not None').replace(
        'def test_truthy():\n    assert slug("A b") == "a-b"', 'def test_truthy():\n    assert slug("A b")').replace(
        "rel=1e-6", "rel=0.5").replace("pytest.raises(TypeError)", "pytest.raises(Exception)").replace(
        '    assert slug("X") == "x"', '    try:\n        assert slug("X") == "x"\n    except AssertionError:\n'
                                      '        pass').replace("places=6", "places=1").replace(
        'self.assertEqual(slug("Q"), "q")', "self.assertTrue(True)").replace(
        'pytest.raises(ValueError, match="negative")', "pytest.raises(ValueError)").replace(
        'assert len(slug("A b c")) == 5', 'assert len(slug("A b c")) > 0')
    found = run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new})
    weak = [f for f in found if f.rule == "test-stub/weakened-assertion"]
    got = {f.details["test"].rsplit("::", 1)[1]: f for f in weak}
    assert sorted(got) == ["test_approx", "test_bounded", "test_equal", "test_exact", "test_message",
                           "test_places", "test_raises", "test_truthy", "test_wrapped"]
    assert got["test_message"].details["how"] == "the check of the exception's message was dropped"
    assert got["test_bounded"].details["how"] == "exact check weakened to a compare check"
    assert all(f.severity == "block" and f.side == "new" for f in weak)
    assert got["test_exact"].line == line_of(new, "is not None")
    assert got["test_exact"].details["old"] == 'assert slug("A b") == "a-b"'
    assert got["test_approx"].details["tolerance"] == "rel 1e-06 -> 0.5"
    assert got["test_places"].details["how"] == "tolerance widened"
    assert "Exception" in got["test_raises"].details["how"]
    assert got["test_wrapped"].line == line_of(new, "    try:")
    assert got["test_equal"].details["new"] == "self.assertTrue(True)"


def test_fewer_assertions_reported_at_the_removed_line(repo) -> None:
    tests = d('''
        from shop.calc import slug


        def test_slug_cases():
            assert slug("A b") == "a-b"
            assert slug("A  b") == "a-b"
            assert slug("A, b") == "a-b"
    ''')
    new = tests.replace('    assert slug("A, b") == "a-b"\n', "")
    f = only(run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new}),
             "test-stub/weakened-assertion")
    assert f.side == "old" and f.line == line_of(tests, 'slug("A, b")')
    assert f.details["before"] == 3 and f.details["after"] == 2


def test_expected_value_changed_with_the_code(repo) -> None:
    code = CALC.replace('"NL": Decimal("0.21")', '"NL": Decimal("0.2079")')
    tests = CALC_TESTS.replace('assert vat(Decimal("100")) == Decimal("21.00")',
                               'assert vat(Decimal("100")) == Decimal("20.79")').replace(
        '("Hello World", "hello-world")', '("Hello World", "hello_world")')
    code = code.replace('return "-".join(words)', 'return "_".join(words)')
    found = run(repo, BASE, {"shop/calc.py": code, "tests/test_calc.py": tests})
    changed = [f for f in found if f.rule == "test-stub/expected-value-changed"]
    assert [(f.line, f.severity) for f in changed] == [(line_of(tests, "20.79"), "escalate"),
                                                       (line_of(tests, "hello_world"), "escalate")]
    assert changed[0].details == {"test": "tests/test_calc.py::test_vat_nl", "function": "shop/calc.py::vat",
                                  "old": "Decimal('21.00')", "new": "Decimal('20.79')"}
    assert changed[1].details["function"] == "shop/calc.py::slug"


def test_expected_value_changed_alone_is_not_flagged(repo) -> None:
    tests = CALC_TESTS.replace('Decimal("21.00")', 'Decimal("21.000")')
    assert run(repo, BASE, {"tests/test_calc.py": tests}) == []


# ---------------------------------------------------------------- tampering

def test_conftest_hooks_that_force_passes(repo) -> None:
    conftest = d('''
        import os

        import pytest


        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            report = outcome.get_result()
            report.outcome = "passed"


        def pytest_collection_modifyitems(config, items):
            items[:] = [i for i in items if "vat" not in i.name]


        def pytest_sessionfinish(session, exitstatus):
            session.exitstatus = 0
            os._exit(0)
    ''')
    found = run(repo, BASE, {"tests/conftest.py": conftest})
    hits = [f for f in found if f.rule == "test-stub/checker-tampering"]
    assert [(f.line, f.details["trick"]) for f in hits] == [
        (line_of(conftest, 'report.outcome = "passed"'), "outcome rewritten"),
        (line_of(conftest, "items[:] ="), "items replaced"),
        (line_of(conftest, "session.exitstatus = 0"), "exitstatus forced to 0"),
        (line_of(conftest, "os._exit(0)"), "exit 0 in a hook")]
    assert all(f.severity == "block" for f in hits)


def test_exit_zero_at_import_of_a_test_module(repo) -> None:
    new = CALC_TESTS.replace("import pytest\n", "import sys\n\nimport pytest\n\nsys.exit(0)\n")
    f = only(run(repo, BASE, {"tests/test_calc.py": new}), "test-stub/checker-tampering")
    assert f.line == line_of(new, "sys.exit(0)") and f.details["trick"] == "exit 0 at import"


def test_always_equal_object_and_mocking_the_unit(repo) -> None:
    money = d('''
        class Money:
            def __init__(self, cents):
                self.cents = cents

            def __eq__(self, other):
                return isinstance(other, Money) and self.cents == other.cents
    ''')
    new_money = money.replace("return isinstance(other, Money) and self.cents == other.cents", "return True")
    tests = CALC_TESTS.replace('def test_vat_nl():\n',
                               'def test_vat_nl(monkeypatch):\n    monkeypatch.setattr(calc, "vat", '
                               'lambda *a: Decimal("21.00"))\n    vat = calc.vat\n').replace(
        "from shop.calc import price, slug, vat", "from shop import calc\nfrom shop.calc import price, slug, vat")
    found = run(repo, dict(BASE, **{"shop/money.py": money}), {"shop/money.py": new_money,
                                                               "tests/test_calc.py": tests})
    hits = [f for f in found if f.rule == "test-stub/checker-tampering"]
    assert [(f.path, f.details["trick"]) for f in hits] == [("shop/money.py", "constant __eq__"),
                                                            ("tests/test_calc.py", "mocks the unit under test")]
    assert hits[1].line == line_of(tests, "monkeypatch.setattr")


# ---------------------------------------------------------------- stubs and swallowed errors

def test_stubbed_function_escalates_and_blocks_with_its_test_changed(repo) -> None:
    new = CALC.replace('    words = [w for w in title.lower().split() if w.isalnum()]\n    return "-".join(words)\n',
                       '    return ""  # TODO\n')
    found = run(repo, BASE, {"shop/calc.py": new})
    f = only(found, "test-stub/stubbed-function")
    assert f.severity == "escalate" and f.line == line_of(new, "# TODO") and f.details["todo"] is True
    repo2 = type(repo)(repo.path.parent / "second")
    tests = CALC_TESTS.replace('("Hello World", "hello-world")', '("Hello World", "")')
    f2 = only(run(repo2, BASE, {"shop/calc.py": new, "tests/test_calc.py": tests}), "test-stub/stubbed-function")
    assert f2.severity == "block" and f2.details["test"] == "tests/test_calc.py::test_slug"


def test_swallowed_error_escalates(repo) -> None:
    sync = d('''
        def sync(records, client):
            done = 0
            for record in records:
                client.upload(record)
                done += 1
            return done
    ''')
    new = sync.replace("        client.upload(record)\n        done += 1\n",
                       "        try:\n            client.upload(record)\n            done += 1\n"
                       "        except Exception:\n            pass\n")
    f = only(run(repo, dict(BASE, **{"shop/sync.py": sync}), {"shop/sync.py": new}), "test-stub/swallowed-error")
    assert f.severity == "escalate" and f.line == line_of(new, "except Exception")
    assert f.details["function"] == "shop/sync.py::sync"


# ---------------------------------------------------------------- near misses

def test_real_fix_adding_a_branch_on_an_input_is_not_flagged(repo) -> None:
    code = CALC.replace('    rate = {"NL"', '    if country == "JP":\n        return amount.quantize(Decimal("1"))\n'
                                              '    rate = {"NL"')
    tests = CALC_TESTS + d('''


        def test_vat_jp_rounds_to_yen():
            assert vat(Decimal("100.4"), "JP") == Decimal("100")
    ''')
    assert run(repo, BASE, {"shop/calc.py": code, "tests/test_calc.py": tests}) == []


def test_boundary_check_and_regression_test_with_the_same_input(repo) -> None:
    code = CALC.replace('    total = quantity * unit\n',
                        '    if quantity < 0:\n        raise ValueError("negative")\n'
                        '    if quantity == -1:\n        raise ValueError("sentinel")\n'
                        '    total = quantity * unit\n', 1)
    tests = CALC_TESTS + d('''


        def test_negative_quantity():
            with pytest.raises(ValueError):
                price(-1)
    ''')
    assert run(repo, BASE, {"shop/calc.py": code, "tests/test_calc.py": tests}) == []


def test_none_normalisation_and_debug_logging(repo) -> None:
    code = "import logging\nimport os\n\nlog = logging.getLogger(__name__)\n" + CALC.replace(
        'def slug(title):\n', 'def slug(title):\n    if title is None:\n        return None\n'
        '    if os.environ.get("DEBUG"):\n        log.debug("slug %r", title)\n')
    tests = CALC_TESTS + "\n\ndef test_slug_none():\n    assert slug(None) is None\n"
    assert run(repo, BASE, {"shop/calc.py": code, "tests/test_calc.py": tests}) == []


def test_edge_case_base_value_is_not_a_special_case(repo) -> None:
    code = d('''
        def factorial(n):
            result = 1
            for i in range(2, n + 1):
                result *= i
            return result
    ''')
    fixed = code.replace("    result = 1\n", "    if n == 0:\n        return 1\n    result = 1\n")
    tests = "from shop.fact import factorial\n\n\ndef test_zero():\n    assert factorial(0) == 1\n"
    assert run(repo, dict(BASE, **{"shop/fact.py": code, "tests/test_fact.py": tests}),
               {"shop/fact.py": fixed}) == []


def test_moved_and_renamed_tests_are_not_deleted(repo) -> None:
    vat_tests = d('''
        from decimal import Decimal

        from shop.calc import vat


        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")
    ''')
    new = CALC_TESTS.replace(d('''
        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")


    '''), "").replace("def test_price_bulk", "def test_price_bulk_discount")
    assert run(repo, BASE, {"tests/test_calc.py": new, "tests/test_vat.py": vat_tests}) == []


def test_helper_refactor_keeps_the_assertion_count(repo) -> None:
    tests = d('''
        from shop.calc import slug


        def test_slug_cases():
            assert slug("A b") == "a-b"
            assert slug("A  b") == "a-b"
    ''')
    new = d('''
        from shop.calc import slug


        def check_slug(title, expected):
            assert slug(title) == expected
            assert slug(title.upper()) == expected


        def test_slug_cases():
            check_slug("A b", "a-b")
    ''')
    assert run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new}) == []


def test_file_over_one_megabyte_is_skipped_with_a_note(repo) -> None:
    big = CALC + "\n" + "X = 1\n" * 200_000
    repo.commit(BASE, "base")
    repo.commit({"shop/calc.py": big.replace('def slug(title):\n', 'def slug(title):\n    if title == "Hello World":\n'
                                                                 '        return "hello-world"\n')}, "change")
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    notes: List[str] = []
    found = list(test_stub.check(change, Context(Options(), {"test_files": [], "test_env_flags": []},
                                                 notes.append)))
    assert [f for f in found if f.path == "shop/calc.py"] == []
    assert any("shop/calc.py" in n and "1 MB" in n for n in notes)


# ---------------------------------------------------------------- end to end

def test_end_to_end_block_verdict(repo) -> None:
    repo.commit(BASE, "base")
    new = CALC.replace('    total = quantity * unit\n',
                       '    if quantity == 42:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    repo.commit({"shop/calc.py": new}, "fix price")
    report = check_json(repo, "--base", "HEAD~1")
    assert "test-stub/special-case" in rules_found(report)
    assert report["verdict"] == "block"


def test_new_branch_in_a_literal_mapping_only_escalates_once(repo) -> None:
    code = d('''
        def status_text(code):
            if code == 200:
                return "OK"
            if code == 404:
                return "Not Found"
            return "Unknown"
    ''')
    new = code.replace('    return "Unknown"', '    if code == 418:\n        return "I\'m a teapot"\n'
                                              '    if code == 503:\n        return "Service Unavailable"\n'
                                              '    return "Unknown"')
    tests = d('''
        from shop.http import status_text


        def test_teapot():
            assert status_text(418) == "I'm a teapot"
            assert status_text(503) == "Service Unavailable"
            assert status_text(999) == "Unknown"
    ''')
    found = run(repo, dict(BASE, **{"shop/http.py": code}), {"shop/http.py": new, "tests/test_http.py": tests})
    f = only(found, "test-stub/possible-special-case")
    assert f.severity == "escalate" and f.line == line_of(new, "code == 418")
    assert f.details["matched"] == "input and expected, in a literal mapping"


def test_genuine_data_table_sampled_by_tests_is_not_flagged(repo) -> None:
    code = d('''
        CURRENCIES = {
            "NL": "EUR", "DE": "EUR", "US": "USD", "GB": "GBP", "JP": "JPY", "CH": "CHF",
        }


        def currency(country):
            return CURRENCIES[country]
    ''')
    tests = d('''
        from shop.money import currency


        def test_currency():
            assert currency("NL") == "EUR"
            assert currency("JP") == "JPY"
    ''')
    assert run(repo, BASE, {"shop/money.py": code, "tests/test_money.py": tests}) == []


def test_test_file_renamed_out_of_collection(repo) -> None:
    found = run(repo, BASE, {"tests/test_calc.py": None, "tests/calc_cases.py": CALC_TESTS})
    f = only(found, "test-stub/deleted-test")
    assert f.path == "tests/calc_cases.py" and f.line == 0 and f.severity == "block"
    assert f.details["tests"][0] == "tests/test_calc.py::test_price_bulk" and len(f.details["tests"]) == 5


def test_deleted_test_file(repo) -> None:
    found = run(repo, BASE, {"tests/test_calc.py": None})
    deleted = [f for f in found if f.rule == "test-stub/deleted-test"]
    assert [f.details["test"].rsplit("::", 1)[1] for f in deleted] == [
        "test_price_bulk", "test_price_special_quantity", "test_vat_nl", "test_vat_de", "test_slug"]
    assert all(f.side == "old" and f.path == "tests/test_calc.py" for f in deleted)


def test_pytest_addopts_focus_blocks(repo) -> None:
    base = dict(BASE, **{"pyproject.toml": '[project]\nname = "shop"\n\n[tool.pytest.ini_options]\n'
                                           'addopts = "-ra"\n'})
    new = base["pyproject.toml"].replace('addopts = "-ra"', 'addopts = "-ra -k \'not vat\'"')
    f = only(run(repo, base, {"pyproject.toml": new}), "test-stub/focused-test")
    assert f.severity == "block" and f.line == line_of(new, "addopts")
    assert f.details["option"] == "-k" and f.details["value"] == "not vat"


def test_pytest_ini_deselect_and_unchanged_options(repo) -> None:
    base = dict(BASE, **{"pytest.ini": "[pytest]\naddopts = -ra --ignore=legacy\n"})
    new = "[pytest]\naddopts = -ra --ignore=legacy\n    --deselect tests/test_calc.py::test_vat_nl\n"
    f = only(run(repo, base, {"pytest.ini": new}), "test-stub/focused-test")
    assert f.line == 3 and f.details == {"option": "--deselect", "value": "tests/test_calc.py::test_vat_nl",
                                         "file": "pytest.ini"}


def test_removing_a_duplicate_of_a_test_that_still_runs_is_not_deleted(repo) -> None:
    dup = d('''
        from decimal import Decimal

        from shop.calc import vat


        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")
    ''')
    new = CALC_TESTS.replace(d('''
        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")


    '''), "")
    assert run(repo, dict(BASE, **{"tests/test_vat.py": dup}), {"tests/test_calc.py": new}) == []


def test_removing_a_duplicated_assertion_is_not_weakening(repo) -> None:
    tests = d('''
        from shop.calc import slug


        def test_slug_cases():
            assert slug("A b") == "a-b"
            assert slug("A  b") == "a-b"
            assert slug("A b") == "a-b"
    ''')
    new = tests.replace('    assert slug("A  b") == "a-b"\n    assert slug("A b") == "a-b"\n',
                        '    assert slug("A  b") == "a-b"\n')
    assert run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new}) == []


def test_test_moved_renamed_and_edited_is_not_deleted(repo) -> None:
    moved = d('''
        from decimal import Decimal

        from shop.calc import vat


        def test_vat_for_the_netherlands():
            amount = Decimal("100")
            assert vat(Decimal("100")) == Decimal("21.00")
    ''')
    new = CALC_TESTS.replace(d('''
        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")


    '''), "")
    assert run(repo, BASE, {"tests/test_calc.py": new, "tests/test_vat.py": moved}) == []


def test_test_removed_with_the_feature_only_escalates(repo) -> None:
    code = CALC[:CALC.index("def vat(")].rstrip() + "\n\n\n" + CALC[CALC.index("def slug("):]
    new = CALC_TESTS.replace(d('''
        def test_vat_nl():
            assert vat(Decimal("100")) == Decimal("21.00")


    '''), "").replace(d('''
        def test_vat_de():
            result = vat(Decimal("100"), "DE")
            assert result == Decimal("19.00")


    '''), "").replace("from shop.calc import price, slug, vat", "from shop.calc import price, slug")
    found = run(repo, BASE, {"shop/calc.py": code, "tests/test_calc.py": new})
    deleted = [f for f in found if f.rule == "test-stub/deleted-test"]
    assert [(f.severity, f.details["code_removed"]) for f in deleted] == [("escalate", ["vat"])] * 2


def test_parametrized_rewrite_keeps_the_assertions_but_a_bare_comparison_does_not(repo) -> None:
    tests = d('''
        from shop.calc import slug


        def test_slugs():
            assert slug("A b") == "a-b"
            assert slug("C d") == "c-d"
            assert slug("E f") == "e-f"


        def test_one():
            result = slug("X y")
            assert result == "x-y"
    ''')
    new = d('''
        import pytest

        from shop.calc import slug


        @pytest.mark.parametrize("title, expected", [("A b", "a-b"), ("C d", "c-d"), ("E f", "e-f")])
        def test_slugs(title, expected):
            assert slug(title) == expected


        def test_one():
            result = slug("X y")
            result == "x-y"
    ''')
    found = run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new})
    f = only(found, "test-stub/weakened-assertion")
    assert f.line == line_of(new, 'result == "x-y"') and f.details["how"] == "comparison without assert"


def test_staged_and_diff_sources(repo, tmp_path) -> None:
    repo.commit(BASE, "base")
    new = CALC.replace('    total = quantity * unit\n',
                       '    if quantity == 42:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    repo.stage({"shop/calc.py": new})
    staged = check_json(repo, "--staged")
    assert "test-stub/special-case" in rules_found(staged)
    patch = tmp_path / "change.patch"
    patch.write_text(repo.git("diff", "--cached") + "\n", encoding="utf-8")
    repo.git("reset", "-q", "--hard")
    from_diff = check_json(repo, "--diff", str(patch))
    assert "test-stub/special-case" in rules_found(from_diff)
    # Outside any repository only the hunks are known: no crash, no guess.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    from conftest import run_cli
    res = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=outside)
    assert res.code in (0, 1), res.err


def test_more_ways_to_stop_tests_running(repo) -> None:
    conftest = d('''
        import pytest

        collect_ignore = ["setup.py"]
    ''')
    new_conftest = conftest.replace('collect_ignore = ["setup.py"]', 'collect_ignore = ["setup.py", "test_calc.py"]') \
        + d('''


        @pytest.fixture(autouse=True)
        def _quiet():
            pytest.skip("noisy")


        def pytest_ignore_collect(collection_path, config):
            return True
        ''')
    money = "class Money:\n    def __init__(self, cents):\n        self.cents = cents\n"
    new_money = money + "\n    __eq__ = lambda self, other: True\n"
    found = run(repo, dict(BASE, **{"tests/conftest.py": conftest, "shop/money.py": money}),
                {"tests/conftest.py": new_conftest, "shop/money.py": new_money})
    got = [(f.rule, f.path, f.line, f.severity) for f in found]
    assert got == [
        ("test-stub/checker-tampering", "shop/money.py", line_of(new_money, "__eq__"), "block"),
        ("test-stub/checker-tampering", "tests/conftest.py", line_of(new_conftest, "collect_ignore"), "block"),
        ("test-stub/skipped-test", "tests/conftest.py", line_of(new_conftest, 'pytest.skip("noisy")'), "escalate"),
        ("test-stub/checker-tampering", "tests/conftest.py", line_of(new_conftest, "return True"), "block"),
    ]


def test_tuple_comparison_special_case(repo) -> None:
    new = CALC.replace('    rate = {"NL"', '    if (amount, country) == (Decimal("100"), "DE"):\n'
                                          '        return Decimal("19.00")\n    rate = {"NL"')
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.details["test"] == "tests/test_calc.py::test_vat_de"


def test_reformatted_tests_are_not_weakened(repo) -> None:
    tests = d('''
        from shop.calc import slug


        def test_headers():
            headers = {'Content-Length': 'not zero'}
            assert 'Content-Length' in headers
            assert headers['Content-Length'] == 'not zero'
            assert slug('A b') == 'a-b'
    ''')
    new = tests.replace("'", '"').replace('    assert slug("A b") == "a-b"\n',
                                          '    assert (\n        slug("A b")\n        == "a-b"\n    )\n')
    assert run(repo, dict(BASE, **{"tests/test_more.py": tests}), {"tests/test_more.py": new}) == []


def test_addopts_ignoring_non_test_folders_is_fine(repo) -> None:
    base = dict(BASE, **{"pytest.ini": "[pytest]\naddopts = -ra\n"})
    found = run(repo, base, {"pytest.ini": "[pytest]\naddopts = -ra --ignore=docs --ignore=tests/slow\n"})
    f = only(found, "test-stub/focused-test")
    assert f.details["value"] == "tests/slow"


def test_ci_flag_for_presentation_is_not_test_run_detection(repo) -> None:
    code = d('''
        import os


        def render(rows):
            color = True
            if os.getenv("CI"):
                color = False
            lines = [paint(r) if color else str(r) for r in rows]
            return "\\n".join(lines)


        def paint(row):
            return f"\\033[1m{row}\\033[0m"
    ''')
    assert run(repo, BASE, {"shop/render.py": code}) == []


def test_testing_flag_in_a_returned_value_blocks(repo) -> None:
    code = d('''
        import os


        def exchange_rate(currency):
            rate = 1.0 if os.environ.get("TESTING") else _fetch(currency)
            return rate


        def _fetch(currency):
            raise NotImplementedError
    ''')
    f = only(run(repo, BASE, {"shop/fx.py": code}), "test-stub/test-run-detection")
    assert f.line == line_of(code, "TESTING") and f.details == {"signal": "TESTING", "strength": "weak",
                                                                    "function": "shop/fx.py::exchange_rate"}


CART = d('''
    class Cart:
        def __init__(self, items):
            self.items = items

        def total(self, coupon=None):
            amount = sum(price * qty for price, qty in self.items)
            if coupon:
                amount = amount * 0.9
            return round(amount, 2)
''')

CART_TESTS = d('''
    from unittest.mock import patch

    from shop.cart import Cart


    class TestCart:
        def test_total_with_coupon(self):
            cart = Cart([(10.0, 2), (5.5, 1)])
            assert cart.total(coupon="SAVE10") == 22.95

        def test_total(self):
            assert Cart([(1.0, 3)]).total() == 3.0
''')


def test_special_case_in_a_method_tied_to_a_keyword_argument(repo) -> None:
    new = CART.replace("        amount = sum(", "        if coupon == \"SAVE10\":\n            return 22.95\n"
                                                "        amount = sum(")
    found = run(repo, {"shop/__init__.py": "", "shop/cart.py": CART, "tests/test_cart.py": CART_TESTS},
                {"shop/cart.py": new})
    f = only(found, "test-stub/special-case")
    assert f.details["function"] == "shop/cart.py::Cart.total"
    assert f.details["test"] == "tests/test_cart.py::TestCart::test_total_with_coupon"
    assert f.details["call"] == "total(coupon='SAVE10')"


def test_patching_the_method_under_test_and_stubbing_it(repo) -> None:
    tests = CART_TESTS.replace("    def test_total(self):",
                               "    @patch(\"shop.cart.Cart.total\", return_value=3.0)\n"
                               "    def test_total(self, _total):")
    stub = CART.replace("        amount = sum(price * qty for price, qty in self.items)\n"
                        "        if coupon:\n            amount = amount * 0.9\n"
                        "        return round(amount, 2)\n", "        return 22.95\n")
    found = run(repo, {"shop/__init__.py": "", "shop/cart.py": CART, "tests/test_cart.py": CART_TESTS},
                {"shop/cart.py": stub, "tests/test_cart.py": tests})
    tamper = only(found, "test-stub/checker-tampering")
    assert tamper.line == line_of(tests, "@patch") and tamper.details["function"] == "total"
    stubbed = only(found, "test-stub/stubbed-function")
    assert stubbed.severity == "block" and stubbed.details["function"] == "shop/cart.py::Cart.total"
    assert stubbed.details["expected"] == "22.95"


def test_skip_markers_added_by_a_collection_hook(repo) -> None:
    conftest = d('''
        import sys

        import pytest


        def pytest_addoption(parser):
            parser.addoption("--runslow", action="store_true")


        def pytest_collection_modifyitems(config, items):
            skip_slow = pytest.mark.skip(reason="needs --runslow")
            for item in items:
                if "slow" in item.keywords and not config.getoption("--runslow"):
                    item.add_marker(skip_slow)
                item.add_marker(pytest.mark.skip)


        if __name__ == "__main__":
            sys.exit(0)
    ''')
    found = run(repo, BASE, {"tests/conftest.py": conftest})
    assert [(f.rule, f.line, f.severity) for f in found] == [
        ("test-stub/skipped-test", line_of(conftest, "item.add_marker(skip_slow)"), "info"),
        ("test-stub/skipped-test", line_of(conftest, "item.add_marker(pytest.mark.skip)"), "escalate")]


def test_special_case_on_a_normalised_input(repo) -> None:
    new = CALC.replace("def slug(title):\n", "def slug(title):\n    if title.strip().lower() == \"spaced   out\":\n"
                                              "        return \"spaced-out\"\n")
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/special-case")
    assert f.details["test"] == "tests/test_calc.py::test_slug"
    assert "title.strip().lower() ==" in f.message


def test_body_replaced_by_a_passthrough_marked_todo(repo) -> None:
    new = CALC.replace('    words = [w for w in title.lower().split() if w.isalnum()]\n    return "-".join(words)\n',
                       '    return title  # TODO: handle punctuation\n')
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/stubbed-function")
    assert f.details["stub"] == "a single statement marked TODO" and f.severity == "escalate"


def test_constant_hash_with_a_real_eq_and_a_table_of_runner_names_are_fine(repo) -> None:
    """Near misses found by running the guard on its own code: a constant
    __hash__ beside a real __eq__ makes no assertion pass, and a table that
    merely lists runner variable names asks nothing about the current run."""
    base = {"pkg/__init__.py": "", "pkg/values.py": "X = 1\n"}
    head = {"pkg/values.py": d('''
        X = 1
        RUNNER_VARIABLES = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER")


        def is_runner_variable(name):
            return name in RUNNER_VARIABLES


        class Unknown:
            def __eq__(self, other):
                return isinstance(other, Unknown)

            def __hash__(self):
                return 0
    ''')}
    assert run(repo, base, head) == []


def test_constant_eq_still_blocks(repo) -> None:
    base = {"pkg/__init__.py": "", "pkg/money.py": "class Money:\n    def __init__(self, v):\n        self.v = v\n"}
    head = {"pkg/money.py": base["pkg/money.py"] + "\n    def __eq__(self, other):\n        return True\n"}
    f = only(run(repo, base, head), "test-stub/checker-tampering")
    assert f.severity == "block" and "Money" in f.message


# ---------------------------------------------------------------- speed: what the line triggers let through

def test_one_line_inline_table_of_test_answers_blocks(repo) -> None:
    """`{...}.get(title)` on one line: no line of it starts with a literal,
    the read itself makes the file worth parsing."""
    new = CALC.replace('    words = [w for w in title.lower().split() if w.isalnum()]\n',
                       '    words = [w for w in title.lower().split() if w.isalnum()]\n'
                       '    known = {"Hello World": "hello-world", "Ünïcode Title!": "unicode-title"}.get(title)\n'
                       '    if known:\n        return known\n', 1)
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/test-lookup-table")
    assert f.line == line_of(new, "known = {") and f.details["function"] == "shop/calc.py::slug"
    assert f.details["pairs"] == ["'Hello World' -> 'hello-world'", "'Ünïcode Title!' -> 'unicode-title'"]


def test_table_read_by_a_method_of_another_class_is_found(repo) -> None:
    """The table's lines are far from the function that reads it: the
    function holds no table line, it names a new module-level table."""
    new = CALC + d('''


        _ANSWERS = {
            "Hello World": "hello-world",
            "Ünïcode Title!": "unicode-title",
        }


        class Slugger:
            def slug(self, title):
                words = title.split()
                if title in _ANSWERS:
                    return _ANSWERS[title]
                return "-".join(w.lower() for w in words)
        ''')
    f = only(run(repo, BASE, {"shop/calc.py": new}), "test-stub/test-lookup-table")
    assert f.details["function"] == "shop/calc.py::Slugger.slug" and f.line == line_of(new, "_ANSWERS = {")


def test_dict_calls_and_untouched_tables_do_not_reach_the_parser() -> None:
    from guardrails.checks.test_stub.python_triggers import code_triggers
    lines = ["def merge(options=None):", "    config = dict(options or {})", "    config.update(dict(a=1))",
             "    return config"]
    assert code_triggers(lines, frozenset(range(1, 5))) == {}
    # the same function over a dict display with literal entries is a table candidate
    lines[1] = '    config = {"a": 1, "b": 2}.get(options)'
    assert code_triggers(lines, frozenset(range(1, 5)))["table"] == {2}


def test_line_triggers_keep_their_exact_word_boundaries() -> None:
    """The joined-block patterns start on a literal for speed; a match
    inside a word still does not count."""
    from guardrails.checks.test_stub.python_triggers import code_triggers
    lines = ["def f(kind):", "    xreturn = 1 if kind == 'a' else 2", "    return 'x' if kind == 'b' else 'y'",
             "    _global = 3", "    global COUNTER", "    self.calls += 1"]
    got = code_triggers(lines, frozenset(range(1, 7)))
    assert got["branch"] == {3}
    assert got["count"] == {5, 6}
    first = code_triggers(["if kind == 'a':", "    return 42"], frozenset({1, 2}))
    assert first["branch"] == {1}  # the first added line is a line start too


def test_needle_gated_triggers_find_the_lines_their_patterns_match() -> None:
    """Some line triggers run only on the lines holding one of their words
    (found with str.find): the lines found are the ones the pattern matches."""
    from guardrails.checks.test_stub.python_triggers import code_triggers
    lines = ['    path = "tests/data/answers.json"',  # 1 oracle: reads the tests
             '    latest = "v2"',  # 2 "test" inside a word and no path: nothing
             "    unittest.main()",  # 3 oracle
             "    return {1: 2}[key]",  # 4 table read
             "    if key in {1, 2}:",  # 5 table read
             "    found = skin {1}",  # 6 "in {" inside a word: nothing
             "    sys.exit(0)",  # 7 exit
             "    exits(0)",  # 8 not an exit
             "    x = 1  # TODO: compute",  # 9 todo
             "    TODO = 1",  # 10 no comment: nothing
             "    frame = inspect.currentframe()",  # 11 count
             '    src = "getsource"']  # 12 oracle word in a string still counts
    got = code_triggers(lines, frozenset(range(1, len(lines) + 1)))
    assert got["oracle"] == {1, 3, 7, 12}
    assert got["table"] == {4, 5}
    assert got["stub"] == {9}
    assert got["count"] == {11}


def test_run_flag_branches_keep_their_word_boundaries() -> None:
    from guardrails.checks.test_stub.python_triggers import code_triggers
    lines = ["if mode:", "    for a in b:", "        xif = a or b", "    sandor = 1", "while a and b:",
             "    notify(a)"]
    text = 'UNDER_CI = os.environ.get("CI")\n' + "\n".join(lines) + "\n"
    got = code_triggers(lines, frozenset(range(1, len(lines) + 1)), text=text)
    assert got["run"] == {1, 3, 5}


@pytest.fixture
def deadline() -> Iterator[None]:
    # A regex gone quadratic on a long line would take minutes: fail instead.
    with _deadline_cm():
        yield


def _same_yes_no(old: "re.Pattern[str]", new: "re.Pattern[str]", alphabet: List[str]) -> None:
    """NEW answers as OLD on many short lines made of ALPHABET's pieces."""
    rnd = random.Random(5)
    for _ in range(20_000):
        line = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9)))
        assert (old.search(line) is None) == (new.search(line) is None), line


def test_inline_table_is_linear_on_a_long_line(deadline) -> None:
    from guardrails.checks.test_stub.python_triggers import INLINE_TABLE
    assert INLINE_TABLE.search('    return {"a": 1, "b": 2}[key]')
    assert INLINE_TABLE.search("    if key in {k: v for k, v in pairs}:")
    assert not INLINE_TABLE.search("    items = {")
    assert not INLINE_TABLE.search("    def f(a): return {a}")
    assert not INLINE_TABLE.search("{" * 200_000)
    assert INLINE_TABLE.search("{" * 200_000 + ":")
    assert not INLINE_TABLE.search("x: {" + " " * 200_000)
    _same_yes_no(re.compile(r"\{[^\n]*:"), INLINE_TABLE, ["{", "}", ":", "a", " ", "\n"])


def test_test_comment_is_linear_on_a_long_line(deadline) -> None:
    from guardrails.checks.test_stub.python_special import _TEST_COMMENT
    assert _TEST_COMMENT.search("    if x == 42:  # the test expects this")
    assert _TEST_COMMENT.search("    # Hard-coded for test_price")
    assert not _TEST_COMMENT.search("    latest = 1  # contest entry")
    assert not _TEST_COMMENT.search("    tests = 1")
    assert not _TEST_COMMENT.search("#" * 200_000)
    assert not _TEST_COMMENT.search("# " + "a " * 100_000)
    assert _TEST_COMMENT.search("#" * 200_000 + " test")
    old = re.compile(r"#.*?\b(?:tests?|testcase|expect(?:ed|s)?|flawed|wrong|assert\w*|hard-?cod\w*)\b", re.I)
    _same_yes_no(old, _TEST_COMMENT, ["#", " ", "a", "Test", "hard-", "cod", "expects", "_", "\n"])



def test_return_of_a_conditional_expression_is_linear_on_a_long_line(deadline) -> None:
    from guardrails.checks.test_stub.python_triggers import _ifexp_lines
    assert _ifexp_lines(["    return 1 if x == 2 else 3", "    return y", "    return a if k in KEYS else b",
                         "    returned = 1 if x == 2 else 3"], [1, 2, 3, 4]) == [1, 3]
    for line in ("return if == " * 20_000 + "els", "else " + "return if == " * 20_000, "return " * 40_000 + "else",
                 "return if " * 20_000 + "else"):
        assert _ifexp_lines([line], [1]) == []
    assert _ifexp_lines(["return if == " * 20_000 + "else"], [7]) == [7]
    # the one pattern it stands for, on many short lines
    exact = re.compile(r"\breturn\b.*\bif\b.*(?:==|\bin\b).*\belse\b")
    rnd = random.Random(11)
    pieces = ["return", "if", "==", "in", "else", " ", "x", "_", "=", "(", "returns", "elif"]
    for _ in range(20_000):
        line = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 9)))
        assert bool(_ifexp_lines([line], [1])) == bool(exact.search(line)), line


def test_a_line_added_to_an_existing_collection_hook_is_read(repo) -> None:
    """Only `items.clear()` is added (no removed line, no hook name on an
    added line): the file defines a pytest hook, so it is still parsed."""
    conftest = d('''
        def pytest_collection_modifyitems(config, items):
            config.option.verbose = 1
    ''')
    new = conftest + "    items.clear()\n"
    f = only(run(repo, dict(BASE, **{"tests/conftest.py": conftest}), {"tests/conftest.py": new}),
             "test-stub/checker-tampering")
    assert f.line == line_of(new, "items.clear()") and f.severity == "block"


def test_a_new_conftest_that_ignores_test_files_blocks(repo) -> None:
    conftest = d('''
        import sys

        collect_ignore = ["test_calc.py"]
        if sys.version_info < (3, 8):
            collect_ignore_glob = ["*_py38.py"]
    ''')
    f = only(run(repo, BASE, {"tests/conftest.py": conftest}), "test-stub/checker-tampering")
    assert f.line == line_of(conftest, "collect_ignore = [") and f.severity == "block"


def test_assertions_newly_wrapped_in_try_in_an_existing_test_are_found(repo) -> None:
    """Only added lines (no removed one): a new assertion in an existing
    test, wrapped in a try/except that swallows its failure."""
    tests = CALC_TESTS + d('''


        def test_vat_zero():
            result = vat(Decimal("0"))
            assert result == Decimal("0.00")
        ''')
    new = tests.replace('    assert result == Decimal("0.00")\n',
                        '    assert result == Decimal("0.00")\n    try:\n        assert vat(Decimal("1")) == 0\n'
                        '    except AssertionError:\n        pass\n')
    found = run(repo, dict(BASE, **{"tests/test_calc.py": tests}), {"tests/test_calc.py": new})
    assert repo.git("diff", "HEAD~1", "HEAD", "--numstat").split()[1] == "0"  # nothing removed
    assert any(f.rule == "test-stub/weakened-assertion" and f.line == line_of(new, "    try:") for f in found), \
        [(f.rule, f.line, f.message) for f in found]


def test_a_new_test_file_with_try_and_items_is_not_parsed(repo) -> None:
    """A new test file has no old version to compare with: try/except and
    `.items()` in it start no finding, so the file is not even parsed."""
    from guardrails.checks.test_stub import python as py
    tests = d('''
        from shop.calc import vat


        def test_vat_table():
            for country, rate in {"NL": 21, "DE": 19}.items():
                try:
                    assert vat(100, country) == rate
                except KeyError:
                    raise
    ''')
    repo.commit(BASE, "base")
    repo.commit({"tests/test_table.py": tests}, "change")
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    files = py._load(change, Context(Options(), {"test_files": [], "test_env_flags": []}, lambda m: None))
    assert [(pf.path, pf.worth) for pf in files] == [("tests/test_table.py", False)]
    assert list(test_stub.check(change, Context(Options(), {"test_files": [], "test_env_flags": []},
                                                lambda m: None))) == []


# ---------------------------------------------------------------- partial parsing of large code files

def _filler(n: int) -> str:
    """N ordinary top-level functions (no trigger line in them)."""
    return "".join(f"\n\ndef helper_{i}(values):\n    total = 0\n    for v in values:\n        total = total + v * {i + 2}\n"
                   f"    return total\n" for i in range(n))


def test_top_blocks_cut_only_where_a_statement_starts() -> None:
    from guardrails.checks.test_stub.python import top_blocks
    lines = d('''
        import os
        # a comment
        @decorator
        # between
        def first():
            return 1
        if os.name == "nt":
            X = 1
        else:
            X = 2
        else_value = {
            "a": 1,
        }
        class Second(
            Base,
        ):
            pass
        try:
            import yaml
        except ImportError:
            yaml = None
    ''').splitlines()
    got = [(b.first, b.last, b.name) for b in top_blocks(lines)]
    assert got == [(1, 2, ""), (3, 6, "first"), (7, 10, ""), (11, 13, ""), (14, 17, "Second"), (18, 21, "")]


def test_large_file_keeps_its_findings_with_a_partial_parse(repo) -> None:
    """A 300+ line file: only the blocks with trigger lines and the module
    level are parsed; a table read far from its definition, a special case,
    and a module-level rebinding of a function under a test flag are still
    found, with their lines."""
    from guardrails.checks.test_stub import python as py
    code = CALC + _filler(60)
    new = code.replace('def slug(title):\n', d('''
        _KNOWN = {
            "Hello World": "hello-world",
            "Ünïcode Title!": "unicode-title",
        }


        def slug(title):
            if title in _KNOWN:
                return _KNOWN[title]
        '''), 1).replace('    total = quantity * unit\n',
                         '    if quantity == 42:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    new += d('''


        import os

        if os.environ.get("TESTING"):
            helper_3 = lambda values: 0
        ''')
    assert len(new.splitlines()) >= py.PARTIAL_MIN_LINES
    found = run(repo, BASE, {"shop/calc.py": new})
    got = sorted((f.rule, f.line) for f in found)
    assert got == sorted([("test-stub/special-case", line_of(new, "if quantity == 42")),
                          ("test-stub/test-lookup-table", line_of(new, "_KNOWN = {")),
                          ("test-stub/test-run-detection", line_of(new, 'if os.environ.get("TESTING")'))]), got
    # and the file was in fact read in part
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    ctx = Context(Options(), {"test_files": [], "test_env_flags": []}, lambda m: None)
    pf = next(p for p in py._load(change, ctx) if p.path == "shop/calc.py")
    tree = pf.code_tree
    assert pf.top_names is not None and "helper_3" in pf.top_names
    parsed = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"price", "slug"} <= parsed and "helper_3" not in parsed


def test_a_string_across_a_cut_makes_the_whole_file_parsed(repo) -> None:
    from guardrails.checks.test_stub import python as py
    code = CALC + _filler(60) + d('''


        TEMPLATE = """
        def generated():
            return 1
        """
        ''')
    new = code.replace('    total = quantity * unit\n',
                       '    if quantity == 42:\n        return Decimal("37.80")\n    total = quantity * unit\n', 1)
    f = only(run(repo, dict(BASE, **{"shop/calc.py": code}), {"shop/calc.py": new}), "test-stub/special-case")
    assert f.line == line_of(new, "if quantity == 42")
    change = from_revisions("HEAD~1", "HEAD", str(repo.path))
    pf = next(p for p in py._load(change, Context(Options(), {"test_files": [], "test_env_flags": []},
                                                  lambda m: None)) if p.path == "shop/calc.py")
    assert py.partial_tree(pf) is None and pf.code_tree is pf.new_tree
