"""Test-stub checks for JS/TS, Go, Rust and Java: real changes in real git
repositories, judged end to end (`guardrails check --base HEAD~1`), with the
semgrep pack and with the built-in patterns (semgrep missing or failing)."""
from __future__ import annotations

import textwrap
from typing import Dict, List, Optional, Tuple

import pytest

from conftest import check_json, deadline
from guardrails.checks.test_stub import lang_semgrep
from guardrails.checks.test_stub.lang_scan import Source, literals, mask, norm_literal

FAMILY = "test-stub/"


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def judge(repo, base: Dict[str, str], change: Dict[str, Optional[str]]) -> Tuple[List[dict], dict]:
    repo.commit(base, "base")
    repo.commit(change, "change")
    report = check_json(repo, "--base", "HEAD~1")
    return [f for f in report["findings"] if f["rule"].startswith(FAMILY)], report


def found(findings: List[dict], rule: str, path: Optional[str] = None) -> List[dict]:
    return [f for f in findings if f["rule"] == FAMILY + rule and (path is None or f["path"] == path)]


def one(findings: List[dict], rule: str, path: Optional[str] = None, line: Optional[int] = None) -> dict:
    hits = [f for f in found(findings, rule, path) if line is None or f["line"] == line]
    assert len(hits) == 1, (rule, path, line, [(f["rule"], f["path"], f["line"]) for f in findings])
    return hits[0]


def blocking(findings: List[dict]) -> List[Tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in findings if f["severity"] == "block"]


@pytest.fixture(params=["semgrep", "regex"])
def engine(request, monkeypatch):
    """Run each pattern test twice: with the semgrep pack and with the
    built-in patterns (semgrep not found)."""
    if request.param == "regex":
        monkeypatch.setattr(lang_semgrep, "find_semgrep", lambda: None)
    return request.param


# ====================================================================== JS / TS

JS_PRICE = d("""
    export function price(amount, currency) {
      const rate = RATES[currency];
      if (rate === undefined) {
        throw new RangeError(`unknown currency ${currency}`);
      }
      return Math.round(amount * rate * 100) / 100;
    }
    """)

JS_PRICE_TEST = d("""
    import { price } from "../src/price";

    describe("price", () => {
      it("converts euros", () => {
        expect(price(10, "EUR")).toBe(11.2);
        expect(price(0, "EUR")).toBe(0);
      });

      it("rejects unknown currencies", () => {
        expect(() => price(1, "XXX")).toThrow(RangeError);
      });

      it("rounds to cents", () => {
        expect(price(1.005, "USD")).toBe(1.01);
      });
    });
    """)


def test_js_test_run_detection_in_code_blocks(repo, engine):
    new = JS_PRICE.replace("  const rate = RATES[currency];\n",
                           '  if (process.env.NODE_ENV === "test") return 11.2;\n'
                           "  if (process.env.JEST_WORKER_ID) return 0;\n"
                           "  if (process.env.VITEST !== undefined) return 1.01;\n"
                           '  if (typeof jest !== "undefined") return 2;\n'
                           "  const rate = RATES[currency];\n")
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                             {"src/price.js": new})
    hits = found(findings, "test-run-detection", "src/price.js")
    assert sorted(f["line"] for f in hits) == [2, 3, 4, 5]
    assert all(f["severity"] == "block" for f in hits)
    assert hits[0]["details"]["function"] == "price"
    # the literals of a test-run check are not reported again as a special case
    assert found(findings, "special-case") == [] and found(findings, "possible-special-case") == []
    assert report["verdict"] == "block"


def test_js_test_run_detection_inside_tests_and_strings_is_not_flagged(repo, engine):
    test = JS_PRICE_TEST.replace('  it("rounds to cents"', d("""
          const ci = process.env.NODE_ENV === "test";
          it("rounds to cents\""""))
    code = JS_PRICE.replace("  return Math", '  // process.env.NODE_ENV === "test" used to be checked here\n'
                                             '  const note = "process.env.JEST_WORKER_ID";\n  return Math')
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"src/price.js": code, "tests/price.test.js": test})
    assert found(findings, "test-run-detection") == []


def test_js_skips_and_focus(repo, engine):
    new = d("""
        import { price } from "../src/price";

        describe("price", () => {
          it.skip("converts euros", () => {
            expect(price(10, "EUR")).toBe(11.2);
            expect(price(0, "EUR")).toBe(0);
          });

          xit("rejects unknown currencies", () => {
            expect(() => price(1, "XXX")).toThrow(RangeError);
          });

          it.only("rounds to cents", () => {
            expect(price(1.005, "USD")).toBe(1.01);
          });

          it.todo("handles negative amounts");
          fit("keeps yen whole", () => {
            expect(price(3, "JPY")).toBe(450);
          });
        });

        xdescribe("bulk", () => {
          test("sums", () => {
            expect(price(1, "EUR") + price(1, "EUR")).toBe(2.24);
          });
        });
        """)
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"tests/price.test.js": new})
    skips = found(findings, "skipped-test")
    assert sorted(f["line"] for f in skips) == [4, 9, 17, 23]
    assert all(f["severity"] == "escalate" for f in skips)
    skipped = one(findings, "skipped-test", line=4)
    assert skipped["details"]["test"] == "tests/price.test.js::price > converts euros"
    assert skipped["details"]["code_under_test"] == ["price"]
    focus = found(findings, "focused-test")
    assert sorted(f["line"] for f in focus) == [13, 18]
    assert all(f["severity"] == "block" for f in focus)


def test_js_conditional_skip_with_reason_is_info(repo, engine):
    new = JS_PRICE_TEST.replace('  it("rounds to cents"', '  it.skipIf(process.platform === "win32")("rounds to cents"')
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                             {"tests/price.test.js": new})
    hit = one(findings, "skipped-test")
    assert hit["severity"] == "info" and hit["line"] == 13
    assert blocking(findings) == []
    assert report["verdict"] == "pass"


def test_js_weakened_trivial_and_deleted(repo, engine):
    new = d("""
        import { price } from "../src/price";

        describe("price", () => {
          it("converts euros", () => {
            expect(price(10, "EUR")).toBeTruthy();
            expect(price(0, "EUR")).toBeDefined();
          });

          it("rounds to cents", () => {
            expect(true).toBe(true);
          });
        });
        """)
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"tests/price.test.js": new})
    weak = found(findings, "weakened-assertion")
    converted = [f for f in weak if f["side"] == "old" and f["line"] == 5]
    assert converted and converted[0]["details"]["before"] == {"strict": 2, "total": 2}
    assert converted[0]["details"]["after"] == {"strict": 0, "total": 2}
    assert converted[0]["details"]["code_under_test"] == ["price"]
    trivial = [f for f in weak if f["side"] == "new" and f["line"] == 10]
    assert trivial and trivial[0]["severity"] == "block"
    deleted = one(findings, "deleted-test")
    assert deleted["side"] == "old" and deleted["line"] == 9 and deleted["severity"] == "block"
    assert deleted["details"]["test"] == "tests/price.test.js::price > rejects unknown currencies"
    assert deleted["details"]["code_under_test"] == ["price"]


def test_js_fewer_expect_calls_and_changed_expected_value(repo):
    new = JS_PRICE_TEST.replace('    expect(price(0, "EUR")).toBe(0);\n', "").replace(
        'expect(price(1.005, "USD")).toBe(1.01);', 'expect(price(1.005, "USD")).toBe(1);')
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"tests/price.test.js": new})
    weak = one(findings, "weakened-assertion")
    assert (weak["side"], weak["line"]) == ("old", 6)
    changed = one(findings, "expected-value-changed")
    assert changed["severity"] == "escalate" and changed["line"] == 13
    assert "1.01 -> 1" in changed["message"]
    assert changed["details"]["test"] == "tests/price.test.js::price > rounds to cents"


def test_js_special_case_stub_and_swallowed_error(repo, engine):
    code = d("""
        export function price(amount, currency) {
          if (amount === 1.005 && currency === "USD") {
            return 1.01;
          }
          if (currency === "GBP") return 0.5;
          const rate = RATES[currency];
          if (rate === undefined) {
            throw new RangeError(`unknown currency ${currency}`);
          }
          return Math.round(amount * rate * 100) / 100;
        }

        export function format(value) {
          throw new Error("not implemented yet");
        }

        export function load(path) {
          try {
            return JSON.parse(readFileSync(path, "utf8"));
          } catch (e) {}
        }
        """)
    base_code = JS_PRICE + d("""

        export function format(value) {
          const fixed = value.toFixed(2);
          return `${fixed} EUR`;
        }

        export function load(path) {
          return JSON.parse(readFileSync(path, "utf8"));
        }
        """)
    tests = JS_PRICE_TEST.replace("});\n});", '});\n\n  it("formats", () => {\n    expect(format(2)).toBe("2.00 EUR");\n    expect(price(4, "GBP")).toBeGreaterThan(0);\n  });\n});')
    findings, _ = judge(repo, {"src/price.js": base_code, "tests/price.test.js": tests}, {"src/price.js": code})
    special = one(findings, "special-case")
    assert special["line"] == 2 and special["severity"] == "block"
    assert special["details"]["test"] == "tests/price.test.js::price > rounds to cents"
    assert special["details"]["function"] == "price"
    assert set(special["details"]["literals"]) == {"1.005", "'USD'", "1.01"}
    possible = one(findings, "possible-special-case")
    assert possible["line"] == 5 and possible["severity"] == "escalate"
    stub = one(findings, "stubbed-function")
    assert stub["line"] == 14 and stub["severity"] == "escalate" and stub["details"]["function"] == "format"
    swallowed = one(findings, "swallowed-error")
    assert swallowed["line"] == 20 and swallowed["severity"] == "escalate"


def test_js_constant_stub_blocks_when_its_test_changed(repo):
    base_tests = JS_PRICE_TEST
    code = JS_PRICE.split("  const rate")[0] + "  return 11.2;\n}\n"
    assert code != JS_PRICE
    tests = base_tests.replace('    expect(price(0, "EUR")).toBe(0);\n', "")
    assert tests != base_tests
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": base_tests},
                        {"src/price.js": code, "tests/price.test.js": tests})
    stub = one(findings, "stubbed-function")
    assert stub["severity"] == "block" and stub["details"]["test_changed"] is True
    assert stub["details"]["test"] == "tests/price.test.js::price > converts euros"
    assert stub["line"] == 2
    ret = one(findings, "returns-expected-literal")
    assert ret["severity"] == "escalate" and ret["details"]["literal"] == "11.2"


def test_js_call_count_trick(repo):
    code = d("""
        let calls = 0;

        export function nextId() {
          calls++;
          if (calls === 2) return "id-2";
          return `id-${Date.now()}`;
        }
        """)
    findings, _ = judge(repo, {"src/ids.js": "export function nextId() {\n  return `id-${Date.now()}`;\n}\n"},
                        {"src/ids.js": code})
    hit = one(findings, "call-count-trick")
    assert hit["line"] == 5 and hit["severity"] == "block" and hit["details"]["counter"] == "calls"


def test_js_checker_tampering(repo, engine):
    setup = d("""
        expect.extend({
          toBeMoney(received) {
            return { pass: true, message: () => "money" };
          },
        });
        """)
    pkg = '{\n  "name": "shop",\n  "scripts": {\n    "test": "jest"\n  }\n}\n'
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "package.json": pkg, "jest.setup.js": "// setup\n"},
                        {"jest.setup.js": setup, "package.json": pkg.replace('"jest"', '"exit 0"')})
    tamper = found(findings, "checker-tampering")
    assert sorted((f["path"], f["line"]) for f in tamper) == [("jest.setup.js", 3), ("package.json", 4)]
    assert all(f["severity"] == "block" for f in tamper)


def test_js_near_misses_do_not_block(repo, engine):
    """A test moved to another file, a refactor to a helper, a real fix that
    adds a validation branch, a renamed variable."""
    code = JS_PRICE.replace("export function price(amount, currency) {\n",
                            "export function price(amount, currency) {\n"
                            "  if (amount < 0) {\n    throw new RangeError(\"negative amount\");\n  }\n"
                            ).replace("const rate = RATES[currency];", "const factor = RATES[currency];").replace(
        "rate === undefined", "factor === undefined").replace("amount * rate", "amount * factor")
    old_tests = JS_PRICE_TEST
    new_tests = d("""
        import { price } from "../src/price";

        function expectEuros(amount, want) {
          expect(price(amount, "EUR")).toBe(want);
        }

        describe("price", () => {
          it("converts euros", () => {
            expectEuros(10, 11.2);
            expectEuros(0, 0);
          });

          it("rejects unknown currencies", () => {
            expect(() => price(1, "XXX")).toThrow(RangeError);
          });

          it("rejects negative amounts", () => {
            expect(() => price(-1, "EUR")).toThrow("negative amount");
          });
        });
        """)
    moved = d("""
        import { price } from "../src/price";

        describe("rounding", () => {
          it("rounds to cents", () => {
            expect(price(1.005, "USD")).toBe(1.01);
          });
        });
        """)
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": old_tests},
                             {"src/price.js": code, "tests/price.test.js": new_tests,
                              "tests/rounding.test.js": moved})
    assert found(findings, "deleted-test") == []
    assert found(findings, "weakened-assertion") == []
    assert blocking(findings) == []
    assert report["verdict"] == "pass", findings


def test_ts_vitest_in_source_tests_are_test_code(repo):
    code = d("""
        export function add(a: number, b: number): number {
          return a + b;
        }

        if (import.meta.vitest) {
          const { it, expect } = import.meta.vitest;
          it("adds", () => {
            expect(add(1, 2)).toBe(3);
          });
        }
        """)
    new = code.replace('  it("adds"', '  it.skip("adds"')
    findings, _ = judge(repo, {"src/add.ts": code}, {"src/add.ts": new})
    assert one(findings, "skipped-test")["line"] == 7
    assert found(findings, "test-run-detection") == []


# ====================================================================== Go

GO_CODE = d("""
    package price

    import "errors"

    // Convert converts an amount in cents to another currency.
    func Convert(cents int, currency string) (int, error) {
    	rate, ok := rates[currency]
    	if !ok {
    		return 0, errors.New("unknown currency")
    	}
    	return cents * rate / 100, nil
    }

    // Save writes the rates file.
    func Save(path string) error {
    	err := write(path)
    	if err != nil {
    		return err
    	}
    	return nil
    }
    """)

GO_TEST = d("""
    package price

    import "testing"

    func TestConvert(t *testing.T) {
    	got, err := Convert(1000, "EUR")
    	if err != nil {
    		t.Fatal(err)
    	}
    	if got != 1120 {
    		t.Errorf("Convert(1000, EUR) = %d, want 1120", got)
    	}
    }

    func TestUnknown(t *testing.T) {
    	if _, err := Convert(1, "XXX"); err == nil {
    		t.Error("want an error for XXX")
    	}
    }

    func TestSymlinks(t *testing.T) {
    	if err := Save("rates.json"); err != nil {
    		t.Fatal(err)
    	}
    }
    """)


def test_go_test_run_detection(repo, engine):
    code = GO_CODE.replace("\trate, ok := rates[currency]\n", d("""
        	if testing.Testing() {
        		return 1120, nil
        	}
        	if flag.Lookup("test.v") != nil {
        		return 1120, nil
        	}
        	if strings.HasSuffix(os.Args[0], ".test") {
        		return 1120, nil
        	}
        	rate, ok := rates[currency]
        """))
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price.go": code})
    hits = found(findings, "test-run-detection", "price.go")
    assert sorted(f["line"] for f in hits) == [7, 10, 13]
    assert all(f["severity"] == "block" for f in hits)


def test_go_skips(repo, engine):
    new = GO_TEST.replace("func TestConvert(t *testing.T) {\n", "func TestConvert(t *testing.T) {\n\tt.Skip(\"flaky\")\n").replace(
        "func TestSymlinks(t *testing.T) {\n",
        "func TestSymlinks(t *testing.T) {\n\tif runtime.GOOS == \"windows\" {\n\t\tt.Skip(\"no symlinks on windows\")\n\t}\n").replace(
        "func TestUnknown(t *testing.T) {\n", "func TestUnknown(t *testing.T) {\n\tt.SkipNow()\n")
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price_test.go": new})
    skips = {f["line"]: f["severity"] for f in found(findings, "skipped-test")}
    assert skips == {6: "escalate", 17: "escalate", 25: "info"}, skips


def test_go_weakened_deleted_and_changed(repo, engine):
    new = d("""
        package price

        import "testing"

        func TestConvert(t *testing.T) {
        	got, err := Convert(1000, "EUR")
        	if err != nil {
        		t.Fatal(err)
        	}
        	if got != 1120 {
        		t.Logf("Convert(1000, EUR) = %d, want 1120", got)
        	}
        }

        func TestSymlinks(t *testing.T) {
        	if err := Save("rates.json"); err != nil {
        		t.Fatal(err)
        	}
        }
        """)
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price_test.go": new})
    weak = one(findings, "weakened-assertion")
    assert (weak["side"], weak["line"], weak["severity"]) == ("old", 11, "block")
    deleted = one(findings, "deleted-test")
    assert (deleted["side"], deleted["line"]) == ("old", 15)
    assert deleted["details"]["test"] == "price_test.go::TestUnknown"


def test_go_removed_if_check_is_weakened(repo):
    new = GO_TEST.replace("\tif got != 1120 {\n\t\tt.Errorf(\"Convert(1000, EUR) = %d, want 1120\", got)\n\t}\n", "\t_ = got\n")
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price_test.go": new})
    weak = one(findings, "weakened-assertion")
    assert (weak["side"], weak["line"]) == ("old", 11)


def test_go_stub_swallow_testmain_and_special_case(repo, engine):
    code = GO_CODE.replace("\trate, ok := rates[currency]\n",
                           "\tif cents == 1000 && currency == \"EUR\" {\n\t\treturn 1120, nil\n\t}\n"
                           "\trate, ok := rates[currency]\n").replace(
        "\tif err != nil {\n\t\treturn err\n\t}\n", "\tif err != nil {\n\t\treturn nil\n\t}\n")
    code += d("""

        // Total sums the cents.
        func Total(items []int) int {
        	panic("TODO")
        }
        """)
    base = GO_CODE + d("""

        // Total sums the cents.
        func Total(items []int) int {
        	sum := 0
        	for _, c := range items {
        		sum += c
        	}
        	return sum
        }
        """)
    main_test = "package price\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) {\n\tos.Exit(0)\n}\n"
    findings, _ = judge(repo, {"price.go": base, "price_test.go": GO_TEST},
                        {"price.go": code, "main_test.go": main_test})
    special = one(findings, "special-case")
    assert special["line"] == 7 and special["details"]["test"] == "price_test.go::TestConvert"
    swallowed = one(findings, "swallowed-error")
    assert swallowed["line"] == 21 and swallowed["details"]["function"] == "Save"
    stub = one(findings, "stubbed-function")
    assert stub["line"] == 27 and stub["details"]["function"] == "Total"
    tamper = one(findings, "checker-tampering")
    assert (tamper["path"], tamper["line"]) == ("main_test.go", 8)


def test_go_near_misses(repo, engine):
    """A real fix adding a validation branch, an error wrapped instead of
    returned, a subtest table extended, a helper extracted."""
    code = GO_CODE.replace("\trate, ok := rates[currency]\n",
                           "\tif cents < 0 {\n\t\treturn 0, errors.New(\"negative amount\")\n\t}\n"
                           "\trate, ok := rates[currency]\n").replace(
        "\t\treturn err\n", "\t\treturn fmt.Errorf(\"save %s: %w\", path, err)\n")
    tests = GO_TEST.replace(d("""
        	got, err := Convert(1000, "EUR")
        	if err != nil {
        		t.Fatal(err)
        	}
        	if got != 1120 {
        		t.Errorf("Convert(1000, EUR) = %d, want 1120", got)
        	}
        """), "\tcheckConvert(t, 1000, \"EUR\", 1120)\n\tcheckConvert(t, 0, \"EUR\", 0)\n") + d("""

        func checkConvert(t *testing.T, cents int, cur string, want int) {
        	t.Helper()
        	got, err := Convert(cents, cur)
        	if err != nil {
        		t.Fatal(err)
        	}
        	if got != want {
        		t.Errorf("Convert(%d, %s) = %d, want %d", cents, cur, got, want)
        	}
        }
        """)
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST},
                             {"price.go": code, "price_test.go": tests})
    assert blocking(findings) == [], findings
    assert found(findings, "weakened-assertion") == []
    assert found(findings, "swallowed-error") == []


# ====================================================================== Rust

RUST_LIB = d("""
    pub fn parse(text: &str) -> Result<u32, String> {
        let trimmed = text.trim();
        trimmed.parse::<u32>().map_err(|e| format!("bad number {}: {}", trimmed, e))
    }

    pub fn double(n: u32) -> u32 {
        n.checked_mul(2).unwrap_or(u32::MAX)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_numbers() {
            assert_eq!(parse(" 42 "), Ok(42));
        }

        #[test]
        fn doubles() {
            assert_eq!(double(21), 42);
            assert_eq!(double(u32::MAX), u32::MAX);
        }

        #[test]
        fn rejects_words() {
            assert!(parse("abc").is_err());
        }
    }
    """)


def test_rust_cfg_test_ignore_weakened_deleted(repo, engine):
    new = RUST_LIB.replace("    let trimmed = text.trim();\n",
                           "    if cfg!(test) {\n        return Ok(42);\n    }\n    let trimmed = text.trim();\n").replace(
        "    #[test]\n    fn parses_numbers", "    #[test]\n    #[ignore]\n    fn parses_numbers").replace(
        "        assert_eq!(double(21), 42);\n        assert_eq!(double(u32::MAX), u32::MAX);\n",
        "        assert!(true);\n").replace(
        "\n    #[test]\n    fn rejects_words() {\n        assert!(parse(\"abc\").is_err());\n    }\n", "\n")
    findings, _ = judge(repo, {"src/lib.rs": RUST_LIB}, {"src/lib.rs": new})
    run = one(findings, "test-run-detection")
    assert run["line"] == 2 and run["severity"] == "block" and run["details"]["function"] == "parse"
    skip = one(findings, "skipped-test")
    assert skip["line"] == 18 and skip["severity"] == "escalate"
    weak = found(findings, "weakened-assertion")
    assert {(f["side"], f["line"]) for f in weak} >= {("old", 21), ("new", 25)}
    deleted = one(findings, "deleted-test")
    assert (deleted["side"], deleted["line"]) == ("old", 25)
    assert deleted["details"]["test"] == "src/lib.rs::rejects_words"


def test_rust_stub_eq_and_conditional_ignore(repo, engine):
    base = RUST_LIB + d("""

        pub struct Version(u32);

        impl PartialEq for Version {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        """)
    new = base.replace("    n.checked_mul(2).unwrap_or(u32::MAX)\n", "    todo!()\n").replace(
        "        self.0 == other.0\n", "        true\n").replace(
        "    #[test]\n    fn rejects_words", "    #[test]\n    #[cfg_attr(windows, ignore = \"no locale on windows\")]\n    fn rejects_words")
    findings, _ = judge(repo, {"src/lib.rs": base}, {"src/lib.rs": new})
    stub = one(findings, "stubbed-function")
    assert stub["line"] == 7 and stub["details"]["function"] == "double"
    tamper = one(findings, "checker-tampering")
    assert tamper["line"] == 35 and tamper["severity"] == "block"
    skip = one(findings, "skipped-test")
    assert skip["severity"] == "info"


def test_rust_near_miss_cfg_test_module_and_real_fix(repo, engine):
    new = RUST_LIB.replace("    let trimmed = text.trim();\n",
                           "    let trimmed = text.trim();\n    if trimmed.is_empty() {\n"
                           "        return Err(\"empty input\".to_string());\n    }\n").replace(
        "        fn rejects_words() {\n", "        fn rejects_words() {\n            assert!(parse(\"\").is_err());\n")
    findings, _ = judge(repo, {"src/lib.rs": RUST_LIB}, {"src/lib.rs": new})
    assert findings == [], findings


# ====================================================================== Java

JAVA_CODE = d("""
    package shop;

    public final class Money {
      private final long cents;

      public Money(long cents) {
        this.cents = cents;
      }

      public Money times(int factor) {
        long result = Math.multiplyExact(cents, factor);
        return new Money(result);
      }

      public String format() {
        return String.format("%d.%02d", cents / 100, cents % 100);
      }

      @Override
      public boolean equals(Object other) {
        return other instanceof Money && ((Money) other).cents == cents;
      }

      @Override
      public int hashCode() {
        return Long.hashCode(cents);
      }
    }
    """)

JAVA_TEST = d("""
    package shop;

    import static org.junit.jupiter.api.Assertions.*;

    import org.junit.jupiter.api.Test;

    class MoneyTest {
      @Test
      void timesMultiplies() {
        assertEquals(new Money(300), new Money(100).times(3));
      }

      @Test
      void formatsCents() {
        assertEquals("1.05", new Money(105).format());
        assertEquals("0.00", new Money(0).format());
      }

      @Test
      void overflowThrows() {
        assertThrows(ArithmeticException.class, () -> new Money(Long.MAX_VALUE).times(2));
      }
    }
    """)

CODE = "src/main/java/shop/Money.java"
TEST = "src/test/java/shop/MoneyTest.java"


def test_java_detection_disabled_and_assumptions(repo, engine):
    code = JAVA_CODE.replace("  public String format() {\n",
                             "  public String format() {\n"
                             "    if (System.getProperty(\"test\") != null) {\n"
                             "      return \"1.05\";\n"
                             "    }\n")
    tests = JAVA_TEST.replace("  @Test\n  void timesMultiplies", "  @Disabled\n  @Test\n  void timesMultiplies")
    tests = tests.replace("  void formatsCents() {\n", "  void formatsCents() {\n    Assumptions.assumeTrue(false);\n")
    tests = tests.replace("  @Test\n  void overflowThrows", "  @Ignore(\"slow\")\n  @Test\n  void overflowThrows")
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {CODE: code, TEST: tests})
    run = one(findings, "test-run-detection")
    assert run["line"] == 16 and run["path"] == CODE and run["severity"] == "block"
    skips = {f["line"]: f["severity"] for f in found(findings, "skipped-test")}
    assert skips == {8: "escalate", 16: "escalate", 21: "escalate"}, skips


def test_java_weakened_equals_stub_and_swallowed(repo, engine):
    code = JAVA_CODE.replace("    return other instanceof Money && ((Money) other).cents == cents;\n",
                             "    return true;\n")
    code = code.replace("    return String.format(\"%d.%02d\", cents / 100, cents % 100);\n",
                        "    throw new UnsupportedOperationException();\n")
    code = code.replace("    long result = Math.multiplyExact(cents, factor);\n",
                        "    long result = cents;\n"
                        "    try {\n"
                        "      result = Math.multiplyExact(cents, factor);\n"
                        "    } catch (ArithmeticException e) {\n"
                        "    }\n")
    tests = JAVA_TEST.replace("    assertEquals(new Money(300), new Money(100).times(3));\n", "    assertTrue(true);\n")
    tests = tests.replace("assertThrows(ArithmeticException.class", "assertThrows(Exception.class")
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {CODE: code, TEST: tests})
    tamper = one(findings, "checker-tampering")
    assert tamper["path"] == CODE and tamper["line"] == 25
    stub = one(findings, "stubbed-function")
    assert stub["line"] == 20 and stub["details"]["function"] == "format"
    swallowed = one(findings, "swallowed-error")
    assert swallowed["line"] == 14
    weak = {(f["side"], f["line"]) for f in found(findings, "weakened-assertion")}
    assert ("new", 10) in weak  # assertTrue(true)
    assert ("old", 21) in weak  # assertThrows(Exception.class)


def test_java_deleted_test_and_near_miss_rename(repo, engine):
    tests = JAVA_TEST.replace("  @Test\n  void overflowThrows() {\n    assertThrows(ArithmeticException.class, "
                              "() -> new Money(Long.MAX_VALUE).times(2));\n  }\n", "")
    tests = tests.replace("void timesMultiplies()", "void timesMultipliesCents()")
    assert tests.count("@Test") == 2
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {TEST: tests})
    deleted = one(findings, "deleted-test")
    assert (deleted["side"], deleted["line"]) == ("old", 19)
    assert deleted["details"]["test"] == f"{TEST}::overflowThrows"


def test_java_near_miss_real_fix(repo, engine):
    code = JAVA_CODE.replace("  public Money times(int factor) {\n",
                             "  public Money times(int factor) {\n"
                             "    if (factor < 0) {\n"
                             "      throw new IllegalArgumentException(\"negative factor\");\n"
                             "    }\n")
    tests = JAVA_TEST.replace("  @Test\n  void overflowThrows",
                              "  @Test\n  void negativeFactorThrows() {\n"
                              "    assertThrows(IllegalArgumentException.class, () -> new Money(1).times(-1));\n"
                              "  }\n\n  @Test\n  void overflowThrows")
    assert code != JAVA_CODE and tests != JAVA_TEST
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {CODE: code, TEST: tests})
    assert findings == [], findings


# ====================================================================== semgrep failures

def test_semgrep_failure_is_a_note_and_the_patterns_still_work(repo, monkeypatch, tmp_path):
    fake = tmp_path / "semgrep"
    fake.write_text("#!/bin/sh\necho 'boom' >&2\nexit 7\n")
    fake.chmod(0o755)
    monkeypatch.setattr(lang_semgrep, "find_semgrep", lambda: str(fake))
    new = JS_PRICE_TEST.replace('  it("rounds to cents"', '  it.only("rounds to cents"')
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                             {"tests/price.test.js": new})
    hit = one(findings, "focused-test")
    assert hit["details"]["found_by"] == "regex"
    assert any("semgrep failed (exit 7)" in n for n in report["notes"]), report["notes"]


def test_semgrep_is_not_run_when_nothing_can_match(repo, monkeypatch):
    calls = []
    monkeypatch.setattr(lang_semgrep, "run", lambda files, timeout=60: calls.append(files) or ([], ""))
    code = JS_PRICE.replace("Math.round(amount * rate * 100) / 100", "Math.round(amount * rate * 100) / 100.0")
    findings, _ = judge(repo, {"src/price.js": JS_PRICE}, {"src/price.js": code, "README.md": "# shop\n"})
    assert calls == [] and findings == []


def test_semgrep_runs_once_per_change_on_the_changed_files_where_something_can_match(repo, monkeypatch):
    calls = []
    real = lang_semgrep.run
    monkeypatch.setattr(lang_semgrep, "run", lambda files, timeout=60: calls.append(files) or real(files, timeout))
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST, "other.go": "package x\n"},
                        {"tests/price.test.js": JS_PRICE_TEST.replace("it(\"rounds", "xit(\"rounds"),
                         "price.go": GO_CODE, "price_test.go": GO_TEST.replace("\tgot, err", "\tt.Skip()\n\tgot, err")})
    assert len(calls) == 1
    assert sorted(p for p, _ in calls[0]) == ["price_test.go", "tests/price.test.js"]
    assert {f["path"] for f in found(findings, "skipped-test")} == {"tests/price.test.js", "price_test.go"}



def test_a_file_with_a_line_too_long_for_semgrep_gets_the_built_in_patterns(repo, monkeypatch):
    # semgrep's own parse of a long line of `#[ignore]` takes it 7 s at 5,000
    # characters and 36 s at 20,000: such a file is not given to it.
    calls = []
    monkeypatch.setattr(lang_semgrep, "run", lambda files, timeout=60: calls.append(files) or ([], ""))
    long_line = "#[ignore]" * 600
    assert len(long_line) > lang_semgrep.MAX_LINE_CHARS
    new = RUST_LIB.replace("    #[test]\n    fn parses_numbers", "    #[test]\n    #[ignore]\n    fn parses_numbers").replace(
        "    use super::*;\n", "    use super::*;\n    // " + long_line + "\n")
    findings, _ = judge(repo, {"src/lib.rs": RUST_LIB, "price.go": GO_CODE, "price_test.go": GO_TEST},
                        {"src/lib.rs": new, "price_test.go": GO_TEST.replace("\tgot, err", "\tt.Skip()\n\tgot, err")})
    assert [sorted(p for p, _ in files) for files in calls] == [["price_test.go"]]
    skip = one(findings, "skipped-test", "src/lib.rs")
    assert skip["line"] == 16 and skip["details"]["found_by"] == "regex"
    # the same file with its longest line at the bound is given to semgrep
    assert lang_semgrep.accepts(new.replace(long_line, long_line[:lang_semgrep.MAX_LINE_CHARS - 7]))
    assert not lang_semgrep.accepts(new)
    assert not lang_semgrep.accepts("x\n" * (lang_semgrep.MAX_BYTES // 2 + 1))


# ====================================================================== scanner units

def test_mask_blanks_strings_and_comments_but_keeps_offsets():
    text = 'let a = "x{y}"; // }\nlet b = `t${1}`; /* { */ c();\n'
    masked = mask(text, "js")
    assert len(masked) == len(text) and masked.count("\n") == 2
    assert "{" not in masked and "}" not in masked and "c();" in masked
    rust = "let c = '{'; fn f<'a>(x: &'a str) { r#\"}\"# }"
    assert mask(rust, "rust").count("{") == 1 and mask(rust, "rust").count("}") == 1


def test_tests_and_functions_are_found_in_each_language():
    js = Source("a.test.ts", JS_PRICE_TEST, "js")
    assert [b.name for b in js.tests() if b.kind == "test"] == [
        "price > converts euros", "price > rejects unknown currencies", "price > rounds to cents"]
    go = Source("price_test.go", GO_TEST + "\nfunc TestTable(t *testing.T) {\n\tt.Run(\"eur\", func(t *testing.T) {\n\t})\n}\n", "go")
    assert [b.name for b in go.tests()] == ["TestConvert", "TestUnknown", "TestSymlinks", "TestTable", "TestTable/eur"]
    rs = Source("lib.rs", RUST_LIB, "rust")
    assert [b.name for b in rs.tests()] == ["parses_numbers", "doubles", "rejects_words"]
    assert {"parse", "double"} <= {b.name for b in rs.functions()}
    java = Source("MoneyTest.java", JAVA_TEST, "java")
    assert [b.name for b in java.tests()] == ["timesMultiplies", "formatsCents", "overflowThrows"]
    assert {"times", "format", "equals", "hashCode"} <= {b.name for b in Source("Money.java", JAVA_CODE, "java").functions()}



def test_java_tests_are_found_in_linear_time_on_a_line_of_annotations():
    import random

    from guardrails.checks.test_stub import lang_scan

    def spans(matches):
        return [(m.start(), m.end(), m.group(1)) for m in matches]

    with deadline():
        # each `@Test` of the run was tried again after the first failed (8 s at 20,000 characters)
        for unit in ("@Test(", "@Foo(@Test("):
            # an argument list read to the line's end from every `@Test(` was quadratic too (5 s at
            # 200,000 characters, minutes at 1,000,000)
            line = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
            assert lang_scan._java_test_matches(line) == []
            # the test is still found (from the last `@Test(` whose arguments fit the bound)
            assert [m.group(1) for m in lang_scan._java_test_matches(line + ") void t() {")] == ["t"]
        for unit in ("@Test", "@Test ", "@Test(x) ", "@Test @Foo ", "@org.junit.Test"):
            line = (unit * (200_000 // len(unit) + 1))[:200_000]
            assert lang_scan._java_test_matches(line) == []
            method = line + " void t() {"  # the first `@Test` starts the match: fast for the pattern too
            assert spans(lang_scan._java_test_matches(method)) == spans(lang_scan._JAVA_TEST.finditer(method))
            assert spans(lang_scan._java_test_matches(method))[0][2] == "t"
    # the same matches as the one pattern, on many small Java-like texts
    ann = ["@Test", "@org.junit.Test", "@Foo", "@Foo.Bar", "@ParameterizedTest", "@Test(timeout = 5)", "@Inject",
           "@Tes", "@Test(", "@DisplayName(x)", "@"]
    rest = [["public", "static", ""], ["void", "int", "List<String>", "Foo.Bar", "<T> void", "int[]", ""],
            ["foo", "testA", "Foo", ""], ["() {", "(int a) {", "() throws E {", "()", ";", " {", ""]]
    rnd = random.Random(3)
    matched = 0
    for _ in range(5_000):
        parts = []
        for _k in range(rnd.randint(1, 3)):
            parts += [rnd.choice(ann) + rnd.choice([" ", "\n", ""]) for _a in range(rnd.randint(0, 4))]
            parts += [rnd.choice(options) + rnd.choice([" ", "\n", ""]) for options in rest]
        text = "".join(parts)
        want = spans(lang_scan._JAVA_TEST.finditer(text))
        assert spans(lang_scan._java_test_matches(text)) == want, text
        matched += bool(want)
    assert matched > 1000


def test_literals_compare_across_quote_styles_and_number_forms():
    assert norm_literal("'USD'") == norm_literal('"USD"') == norm_literal("`USD`")
    assert norm_literal("1_000") == norm_literal("1000") == norm_literal("1000.0")
    assert norm_literal("0x10") == norm_literal("16")
    assert [n for _, n, _ in literals('if (x === 42 && y == "a") return nil')] == ["n:42", "s:a", "k:null"]


# ====================================================================== special cases and lookup tables

def test_js_lookup_table_of_test_pairs_blocks(repo):
    code = JS_PRICE.replace("export function price(amount, currency) {\n", d("""
        const ANSWERS = {
          EUR: 11.2,
          "USD": 1.01,
          "GBP": 0.88,
        };

        export function price(amount, currency) {
          if (currency in ANSWERS) return ANSWERS[currency];
        """))
    tests = JS_PRICE_TEST.replace("});\n});", '});\n\n  it("pounds", () => {\n    expect(price(1, "GBP")).toBe(0.88);\n  });\n});')
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": tests}, {"src/price.js": code})
    table = one(findings, "test-lookup-table")
    assert table["line"] == 3 and table["severity"] == "block"
    assert table["details"]["literals"] == ["'USD' -> 1.01", "'GBP' -> 0.88"]
    assert table["details"]["test"] == "tests/price.test.js::price > rounds to cents"


def test_go_switch_cases_from_the_tests_are_a_lookup_table(repo):
    code = GO_CODE.replace("\trate, ok := rates[currency]\n", d("""
        	switch currency {
        	case "EUR":
        		return 1120, nil
        	case "XXX":
        		return 0, errors.New("unknown currency")
        	}
        	rate, ok := rates[currency]
        """))
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price.go": code})
    # "EUR" and 1120 appear together in TestConvert; "XXX" has no literal return
    special = one(findings, "special-case")
    assert special["line"] == 8 and special["details"]["test"] == "price_test.go::TestConvert"
    assert found(findings, "test-lookup-table") == []


def test_rust_match_arms_from_the_tests(repo):
    code = RUST_LIB.replace("    n.checked_mul(2).unwrap_or(u32::MAX)\n",
                            "    match n {\n        21 => 42,\n        7 => 14,\n        _ => n.checked_mul(2).unwrap_or(u32::MAX),\n    }\n")
    tests = RUST_LIB.replace("        assert_eq!(double(21), 42);\n",
                             "        assert_eq!(double(21), 42);\n        assert_eq!(double(7), 14);\n")
    assert tests != RUST_LIB
    new = code.split("#[cfg(test)]")[0] + "#[cfg(test)]" + tests.split("#[cfg(test)]")[1]
    findings, _ = judge(repo, {"src/lib.rs": RUST_LIB}, {"src/lib.rs": new})
    table = one(findings, "test-lookup-table")
    assert table["line"] == 8 and table["details"]["function"] == "double"
    assert table["details"]["test"] == "src/lib.rs::doubles"


def test_java_switch_arrow_single_case_is_a_special_case(repo):
    code = JAVA_CODE.replace("  public String format() {\n", d("""
          public String format() {
            switch ((int) cents) {
              case 105 -> { return "1.05"; }
              default -> { }
            }
        """).replace("\n", "\n  ").rstrip(" ").join(["  ", ""]).replace("\n  \n", "\n\n"))
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {CODE: code})
    hit = one(findings, "special-case")
    assert hit["path"] == CODE and hit["details"]["test"] == f"{TEST}::formatsCents"


def test_go_call_count_trick_and_short_mode_skip(repo, engine):
    code = GO_CODE.replace("// Convert converts", "var calls int\n\n// Convert converts").replace(
        "\trate, ok := rates[currency]\n", "\tcalls++\n\tif calls == 1 {\n\t\treturn 1120, nil\n\t}\n\trate, ok := rates[currency]\n")
    tests = GO_TEST.replace("func TestSymlinks(t *testing.T) {\n",
                            "func TestSymlinks(t *testing.T) {\n\tif testing.Short() {\n\t\tt.Skip(\"writes files\")\n\t}\n")
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price.go": code, "price_test.go": tests})
    count = one(findings, "call-count-trick")
    assert (count["line"], count["severity"]) == (10, "block") and count["details"]["counter"] == "calls"
    skip = one(findings, "skipped-test")
    assert skip["severity"] == "info" and skip["details"]["conditional"] is True


def test_java_local_counter_is_not_a_call_count_trick(repo):
    code = JAVA_CODE.replace("    long result = Math.multiplyExact(cents, factor);\n",
                             "    int attempts = 0;\n    attempts++;\n    if (attempts > 3) {\n      return this;\n    }\n"
                             "    long result = Math.multiplyExact(cents, factor);\n")
    assert code != JAVA_CODE
    findings, _ = judge(repo, {CODE: JAVA_CODE, TEST: JAVA_TEST}, {CODE: code})
    assert found(findings, "call-count-trick") == []


def test_a_diff_file_without_the_repository_still_gets_the_line_patterns(tmp_path, engine):
    from conftest import run_cli
    patch = d("""
        diff --git a/tests/price.test.js b/tests/price.test.js
        --- a/tests/price.test.js
        +++ b/tests/price.test.js
        @@ -10,4 +10,4 @@ describe("price", () => {
           it("rejects unknown currencies", () => {
             expect(() => price(1, "XXX")).toThrow(RangeError);
           });
        -  it("rounds to cents", () => {
        +  it.only("rounds to cents", () => {
        diff --git a/src/price.go b/src/price.go
        --- a/src/price.go
        +++ b/src/price.go
        @@ -5,2 +5,5 @@ func Convert(cents int, currency string) (int, error) {
         func Convert(cents int, currency string) (int, error) {
        +	if testing.Testing() {
        +		return 1120, nil
        +	}
         	rate, ok := rates[currency]
        """)
    (tmp_path / "change.patch").write_text(patch)
    res = run_cli(["check", "--diff", str(tmp_path / "change.patch"), "--format", "json"], cwd=tmp_path)
    assert res.code in (0, 1), res.err
    findings = [f for f in res.json()["findings"] if f["rule"].startswith(FAMILY)]
    assert ("tests/price.test.js", 13) == (one(findings, "focused-test")["path"], one(findings, "focused-test")["line"])
    assert ("src/price.go", 6) == (one(findings, "test-run-detection")["path"], one(findings, "test-run-detection")["line"])


def test_a_file_semgrep_cannot_parse_gets_the_built_in_patterns(repo):
    broken = JS_PRICE_TEST.replace('  it("rounds to cents"', '  it.only("rounds to cents"').replace(
        "describe(\"price\", () => {", "describe(\"price\", () => {{{ <<<<<<< merge")
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"tests/price.test.js": broken})
    assert one(findings, "focused-test")["line"] == 13


def test_mocha_this_skip_under_a_condition_is_info_and_bare_is_escalated(repo, engine):
    new = JS_PRICE_TEST.replace('  it("rounds to cents", () => {\n',
                                '  it("rounds to cents", function () {\n'
                                '    if (process.platform === "win32")\n      this.skip();\n').replace(
        '  it("rejects unknown currencies", () => {\n',
        '  it("rejects unknown currencies", function () {\n    this.skip();\n')
    assert new.count("this.skip()") == 2
    findings, _ = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                        {"tests/price.test.js": new})
    skips = {f["line"]: f["severity"] for f in found(findings, "skipped-test")}
    assert skips == {10: "escalate", 16: "info"}, skips


def test_tests_deleted_with_the_code_they_test_are_escalated_not_blocked(repo, engine):
    legacy = d("""
        export class BuddyBuild {
          constructor(env) {
            this.env = env;
          }

          get isCI() {
            return Boolean(this.env.BUDDYBUILD_BUILD_ID);
          }
        }
        """)
    legacy_test = d("""
        import { BuddyBuild } from "../src/buddybuild";

        describe("BuddyBuild", () => {
          it("finds BuddyBuild with the right ENV", () => {
            expect(new BuddyBuild({ BUDDYBUILD_BUILD_ID: "1" }).isCI).toBe(true);
          });
        });
        """)
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "src/buddybuild.js": legacy,
                                    "tests/buddybuild.test.js": legacy_test},
                             {"src/buddybuild.js": None, "tests/buddybuild.test.js": None})
    deleted = one(findings, "deleted-test")
    assert deleted["severity"] == "escalate" and deleted["line"] == 4
    assert "BuddyBuild" in deleted["details"]["deleted_code"]
    assert blocking(findings) == []


def test_near_misses_from_real_histories(repo):
    """Shapes seen in real commits: a type switch on a literal that a test also
    uses (no literal returned), a one-character token, a TS constructor turned
    into parameter properties, a reworded Go failure message."""
    code = d("""
        export class Lexer {
          constructor(readonly text: string) {}

          next(token: { type: string; value: string }): string {
            if (token.type === "EUR") {
              return this.text + token.value;
            }
            if (token.value === "\\\\") return "escape";
            return token.value;
          }

          isText(token: { type: string }): boolean {
            if (token.type === "EUR") return !this.text;
            return true;
          }
        }
        """)
    base = code.replace("  constructor(readonly text: string) {}\n",
                        "  readonly text: string;\n\n  constructor(text: string) {\n    this.text = text;\n  }\n").replace(
        '    if (token.type === "EUR") {\n      return this.text + token.value;\n    }\n', "").replace(
        '    if (token.value === "\\\\") return "escape";\n', "").replace(
        '    if (token.type === "EUR") return !this.text;\n', "")
    go_test = GO_TEST.replace('t.Errorf("Convert(1000, EUR) = %d, want 1120", got)',
                              't.Errorf("Convert(1000, EUR) = %d; want 1120", got)')
    findings, _ = judge(repo, {"src/lexer.ts": base, "tests/price.test.js": JS_PRICE_TEST,
                               "price.go": GO_CODE, "price_test.go": GO_TEST},
                        {"src/lexer.ts": code, "price_test.go": go_test})
    assert findings == [], findings


def test_a_failing_step_is_a_note_and_the_other_steps_still_report(repo, monkeypatch):
    from guardrails.checks.test_stub import other_languages

    def boom(self):
        raise ValueError("odd input")

    monkeypatch.setattr(other_languages.Run, "compare_tests", boom)
    new = JS_PRICE_TEST.replace('  it("rounds to cents"', '  it.only("rounds to cents"')
    findings, report = judge(repo, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                             {"tests/price.test.js": new})
    assert one(findings, "focused-test")["line"] == 13
    assert any("compare_tests skipped on this change: ValueError: odd input" in n for n in report["notes"])


def test_go_changed_value_in_the_if_check_is_an_expected_value_change(repo):
    new = GO_TEST.replace("\tif got != 1120 {", "\tif got != 1121 {")
    findings, _ = judge(repo, {"price.go": GO_CODE, "price_test.go": GO_TEST}, {"price_test.go": new})
    hit = one(findings, "expected-value-changed")
    assert hit["line"] == 10 and "1120 -> 1121" in hit["message"]
    assert hit["details"]["test"] == "price_test.go::TestConvert"


def test_semgrep_can_be_turned_off_in_the_policy(repo):
    """`test_stub: {semgrep: false}` keeps the built-in patterns only."""
    spec = (
        'import { total } from "../src/cart";\n\n'
        'describe("cart", () => {\n'
        '  it("adds", () => {\n'
        '    expect(total([1, 2])).toBe(3);\n'
        '  });\n'
        '});\n'
    )
    repo.commit({
        ".guardrails.yml": "test_stub:\n  semgrep: false\n",
        "src/cart.js": "export function total(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\n",
        "test/cart.test.js": spec,
    })
    repo.commit({"test/cart.test.js": spec.replace('it("adds"', 'it.only("adds"')})
    report = check_json(repo, "--base", "HEAD~1")
    focused = [f for f in report["findings"] if f["rule"] == "test-stub/focused-test"]
    assert focused and focused[0]["severity"] == "block"
    assert {f["details"].get("found_by") for f in focused} == {"regex"}


# ====================================================================== hunks only (a bare diff)

def both_modes(repo, tmp_path, base: Dict[str, str], change: Dict[str, Optional[str]],
               coverage: str = "hunks-only") -> Tuple[List[dict], List[dict]]:
    """Findings of the same real change judged in its repository (full) and as
    a bare diff file outside any repository (hunks-only)."""
    from conftest import run_cli
    full, _ = judge(repo, base, change)
    outside = tmp_path / "outside"
    outside.mkdir(parents=True)
    (outside / "change.patch").write_text(repo.git("diff", "HEAD~1", "HEAD"))
    res = run_cli(["check", "--diff", str(outside / "change.patch"), "--format", "json", "--no-llm"], cwd=outside)
    assert res.code in (0, 1), res.err
    report = res.json()
    assert report["stats"]["coverage"] == coverage
    return full, [f for f in report["findings"] if f["rule"].startswith(FAMILY)]


JAVA_NUM_TEST = d("""
    package com.example.num;

    import static org.junit.Assert.assertEquals;
    import static org.junit.Assert.assertTrue;
    import static org.junit.Assert.assertNull;

    import org.junit.Test;

    public class NumberInputTest {
        @Test
        public void testLooksLikeValidNumber() {
            assertTrue(NumberInput.looksLikeValidNumber("0"));
            assertTrue(NumberInput.looksLikeValidNumber("1"));
            assertTrue(NumberInput.looksLikeValidNumber("-1"));
            assertTrue(NumberInput.looksLikeValidNumber("+125.0"));
            assertTrue(NumberInput.looksLikeValidNumber("1E10"));
            assertTrue(NumberInput.looksLikeValidNumber("-1E10"));
            assertTrue(NumberInput.looksLikeValidNumber("1e-10"));
            assertTrue(NumberInput.looksLikeValidNumber("1e+10"));
            assertTrue(NumberInput.looksLikeValidNumber("+1e+10"));
            assertTrue(NumberInput.looksLikeValidNumber("1.4E-45"));
        }

        @Test
        public void testParseTail() {
            Pointer ptr = Pointer.compile("/a/b");
            assertEquals("a", ptr.getMatchingProperty());
            ptr = ptr.tail();
            assertEquals("b", ptr.getMatchingProperty());

            // done!
            ptr = ptr.tail();
            assertTrue(ptr.matches());
            assertNull(ptr.tail());
        }

        @Test
        public void testRegistryUrl() throws Exception {
            Authenticator auth = Authenticator.of("realm", "service");
            assertEquals(
                "https://realm?service=service&scope=repository:image:pull",
                auth.getAuthenticationUrl(
                    null, "image", "pull"));
        }
    }
    """)
JAVA_NUM_PATH = "src/test/java/com/example/num/NumberInputTest.java"
JAVA_NUM_CODE_PATH = "src/main/java/com/example/num/NumberInput.java"
JAVA_NUM_CODE = d("""
    package com.example.num;

    public final class NumberInput {
        public static boolean looksLikeValidNumber(String s) {
            return s != null && s.matches("[+-]?[0-9]*[.]?[0-9]+([eE][+-]?[0-9]+)?");
        }
    }
    """)


def _java_base() -> Dict[str, str]:
    return {JAVA_NUM_CODE_PATH: JAVA_NUM_CODE, JAVA_NUM_PATH: JAVA_NUM_TEST}


def test_hunks_only_two_assertions_replaced_by_one_are_escalated_in_both_modes(repo, tmp_path):
    new = JAVA_NUM_TEST.replace(
        '        assertTrue(NumberInput.looksLikeValidNumber("-1E10"));\n'
        '        assertTrue(NumberInput.looksLikeValidNumber("1e-10"));\n',
        '        assertTrue(NumberInput.looksLikeValidNumber("3.")); // trailing dot\n')
    assert new != JAVA_NUM_TEST
    full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: new})
    assert found(full, "weakened-assertion"), full
    weak = one(hunks, "weakened-assertion")
    assert weak["severity"] == "escalate" and weak["details"]["hunks_only"] is True
    assert "only the diff's hunks were seen" in weak["message"]
    assert weak["line"] == 17 and weak["side"] == "old"


def test_hunks_only_an_input_swapped_in_an_existing_assertion_is_an_expected_value_change(repo, tmp_path):
    new = JAVA_NUM_TEST.replace('looksLikeValidNumber("1E10"));',
                                'looksLikeValidNumber("3.")); // trailing dot')
    _full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: new})
    hit = one(hunks, "expected-value-changed")
    assert hit["severity"] == "escalate" and "'1E10' -> '3.'" in hit["message"]


def test_hunks_only_new_test_pasted_over_the_tail_of_an_existing_one(repo, tmp_path):
    # the agent's edit overwrote `ptr = ptr.tail();` with a new test: the last
    # two assertions of testParseTail now belong to testAppend
    new = JAVA_NUM_TEST.replace(
        "        // done!\n        ptr = ptr.tail();\n",
        "    @Test\n    public void testAppend() {\n"
        "        Pointer ptr = Pointer.compile(\"/root\").append(\"child\");\n"
        "        assertEquals(\"/root/child\", ptr.toString());\n")
    full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: new})
    weak = one(hunks, "weakened-assertion")
    # the hunk's context does not name testParseTail (git names the class): "the test"
    assert "now under a new test" in weak["message"] and weak["line"] == 32, weak
    assert found(full, "weakened-assertion") or found(full, "deleted-test"), full


def test_hunks_only_an_assertion_cut_by_a_pasted_test_loses_its_subject(repo, tmp_path):
    new = JAVA_NUM_TEST.replace(
        "                null, \"image\", \"pull\"));\n",
        "    @Test\n    public void testBasic() {\n        assertTrue(Authenticator.of(\"basic\", null) == null);\n"
        "    }\n                null, \"image\", \"pull\"));\n").replace(
        "            auth.getAuthenticationUrl(\n", "")
    full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: new})
    weak = one(hunks, "weakened-assertion")
    assert weak["line"] == 42 and weak["side"] == "old", weak  # the removed subject line
    assert found(full, "weakened-assertion") or found(full, "deleted-test"), full


def test_hunks_only_deleted_test_method_is_escalated_and_a_moved_one_is_not(repo, tmp_path):
    start = JAVA_NUM_TEST.index("    @Test\n    public void testParseTail")
    end = JAVA_NUM_TEST.index("    @Test\n    public void testRegistryUrl")
    block = JAVA_NUM_TEST[start:end]
    gone = JAVA_NUM_TEST.replace(block, "")
    full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: gone})
    hit = one(hunks, "deleted-test")
    assert hit["severity"] == "escalate" and hit["details"]["hunks_only"] is True
    assert "testParseTail" in hit["message"]
    assert found(full, "deleted-test")
    # the same test moved to another file of the change: nothing in either mode
    other = "src/test/java/com/example/num/PointerTest.java"
    moved = ("package com.example.num;\n\nimport static org.junit.Assert.*;\n\nimport org.junit.Test;\n\n"
             "public class PointerTest {\n" + block + "}\n")
    repo2_path = tmp_path / "second"
    repo2_path.mkdir()
    from conftest import Repo
    repo2 = Repo(repo2_path)
    full2, hunks2 = both_modes(repo2, tmp_path / "o2", _java_base(), {JAVA_NUM_PATH: gone, other: moved})
    assert found(hunks2, "deleted-test") == [] and found(full2, "deleted-test") == []
    assert found(hunks2, "weakened-assertion") == []


def test_hunks_only_a_test_appended_before_the_closing_brace_is_quiet(repo, tmp_path):
    new = JAVA_NUM_TEST.rstrip("\n")[:-1] + (
        "\n    @Test\n    public void testTrailingDot() {\n"
        "        assertTrue(NumberInput.looksLikeValidNumber(\"3.\"));\n    }\n}\n")
    full, hunks = both_modes(repo, tmp_path, _java_base(), {JAVA_NUM_PATH: new})
    assert found(hunks, "weakened-assertion") == [] and found(hunks, "deleted-test") == []
    assert blocking(full) == [] and blocking(hunks) == []


JS_MOCK_TEST = d("""
    import { sync } from "../src/sync";

    describe("sync", () => {
      it("retries twice", async () => {
        const fetch = jest.fn().mockRejectedValueOnce(new Error("x")).mockResolvedValue(1);
        await sync(fetch);
        expect(fetch).toHaveBeenCalledTimes(2);
        expect(fetch).toHaveBeenLastCalledWith("/items");
      });
    });
    """)


def test_hunks_only_a_dropped_call_count_in_js_is_escalated(repo, tmp_path):
    new = JS_MOCK_TEST.replace("expect(fetch).toHaveBeenCalledTimes(2);", "expect(fetch).toHaveBeenCalled();")
    full, hunks = both_modes(repo, tmp_path, {"src/sync.js": "export async function sync(f) { return f(); }\n",
                                              "tests/sync.test.js": JS_MOCK_TEST},
                             {"tests/sync.test.js": new})
    hit = one(hunks, "weakened-assertion")
    assert "call-count" in hit["message"] and hit["details"]["test"].endswith("::retries twice"), hit
    assert found(full, "weakened-assertion"), full


GO_HUNK_TEST = d("""
    package price

    import "testing"

    func TestConvert(t *testing.T) {
    	got, err := Convert(1000, "EUR")
    	if err != nil {
    		t.Fatal(err)
    	}
    	if got != 1120 {
    		t.Errorf("Convert(1000, EUR) = %d, want 1120", got)
    	}
    	if _, err := Convert(1, "XXX"); err == nil {
    		t.Error("want an error for XXX")
    	}
    }
    """)


def test_hunks_only_go_section_header_names_the_test(repo, tmp_path):
    new = GO_HUNK_TEST.replace('\tif _, err := Convert(1, "XXX"); err == nil {\n\t\tt.Error("want an error for XXX")\n\t}\n', "")
    full, hunks = both_modes(repo, tmp_path, {"price.go": "package price\n", "price_test.go": GO_HUNK_TEST},
                             {"price_test.go": new})
    hit = one(hunks, "weakened-assertion")
    assert hit["details"]["test"] == "price_test.go::TestConvert", hit
    assert found(full, "weakened-assertion"), full


JS_SHIP = d("""
    export function shippingCost(weight, zone) {
      const base = ZONES[zone].base;
      return base + weight * ZONES[zone].perKg;
    }
    """)


def test_special_case_without_its_test_is_escalated_and_blocked_with_a_test_remark(repo, tmp_path):
    hack = JS_SHIP.replace("  const base = ZONES[zone].base;\n",
                           "  if (weight === 12.5 && zone === \"north-east\") {\n    return 41.75;\n  }\n"
                           "  const base = ZONES[zone].base;\n")
    full, hunks = both_modes(repo, tmp_path, {"src/ship.js": JS_SHIP}, {"src/ship.js": hack})
    for findings in (full, hunks):
        hit = one(findings, "possible-special-case")
        assert hit["severity"] == "escalate" and hit["line"] == 2 and "41.75" in hit["message"], hit
    flagged = hack.replace("  if (weight", "  // the test expects 41.75 here (flawed test?)\n  if (weight")
    repo2 = tmp_path / "r2"
    repo2.mkdir()
    from conftest import Repo
    full2, hunks2 = both_modes(Repo(repo2), tmp_path / "o2", {"src/ship.js": JS_SHIP}, {"src/ship.js": flagged})
    for findings in (full2, hunks2):
        hit = one(findings, "special-case")
        assert hit["severity"] == "block" and "comment about the test" in hit["message"], hit


def test_an_ordinary_guard_on_one_short_literal_is_not_a_special_case(repo, tmp_path):
    guard = JS_SHIP.replace("  const base = ZONES[zone].base;\n",
                            "  if (zone === \"eu\") {\n    return 0;\n  }\n  const base = ZONES[zone].base;\n")
    full, hunks = both_modes(repo, tmp_path, {"src/ship.js": JS_SHIP}, {"src/ship.js": guard})
    assert found(full, "possible-special-case") == [] and found(hunks, "possible-special-case") == []
    assert found(hunks, "special-case") == []


def test_exit_zero_on_one_input_is_checker_tampering_in_both_modes(repo, tmp_path):
    main_js = d("""
        import { run } from "./run.js";

        export function main(argv) {
          const code = run(argv.slice(2));
          process.exitCode = code;
        }
        """)
    hacked = main_js.replace("  const code = run(argv.slice(2));\n",
                             "  if (argv[2] === \"--fixture=orders.csv\") {\n    process.exit(0);\n  }\n"
                             "  const code = run(argv.slice(2));\n")
    full, hunks = both_modes(repo, tmp_path, {"src/main.js": main_js}, {"src/main.js": hacked})
    for findings in (full, hunks):
        hit = one(findings, "checker-tampering")
        assert hit["severity"] == "block" and hit["line"] == 5 and "exit" in hit["message"], hit


JAVA_PARSER = d("""
    package com.example;

    public final class Names {
        public static String normalize(String name) {
            if (name == null) {
                throw new IllegalArgumentException("name");
            }
            String trimmed = name.trim();
            return trimmed.toLowerCase(java.util.Locale.ROOT);
        }
    }
    """)


def test_hunks_only_java_body_replaced_by_return_null_is_escalated(repo, tmp_path):
    path = "src/main/java/com/example/Names.java"
    stub = JAVA_PARSER.replace(
        "        if (name == null) {\n            throw new IllegalArgumentException(\"name\");\n        }\n"
        "        String trimmed = name.trim();\n        return trimmed.toLowerCase(java.util.Locale.ROOT);\n",
        "        return null;\n")
    full, hunks = both_modes(repo, tmp_path, {path: JAVA_PARSER}, {path: stub})
    assert one(full, "stubbed-function")["line"] == 5
    hit = one(hunks, "stubbed-function")
    assert hit["severity"] == "escalate" and hit["details"]["hunks_only"] is True and hit["line"] == 5, hit


def test_ava_t_pass_is_a_trivial_assertion(repo, engine):
    old = 'import test from "ava";\nimport { sum } from "../src/sum.js";\n\ntest("sums", (t) => {\n  t.is(sum([1, 2]), 3);\n});\n'
    new = old.replace("  t.is(sum([1, 2]), 3);\n", "  t.pass();\n")
    findings, _ = judge(repo, {"src/sum.js": "export const sum = (xs) => xs.reduce((a, b) => a + b, 0);\n",
                               "test/sum.test.js": old}, {"test/sum.test.js": new})
    assert any(f["line"] == 5 for f in found(findings, "weakened-assertion")), findings


def test_a_moved_test_run_check_is_not_new(repo, tmp_path):
    code = d("""
        export function readMemory(path) {
          try {
            return read(path);
          } catch (error) {
            const isTestEnv = process.env['NODE_ENV'] === 'test' || process.env['VITEST'];
            if (!isTestEnv) {
              warn(path, error);
            }
          }
        }
        """)
    moved = code.replace(
        "  } catch (error) {\n    const isTestEnv = process.env['NODE_ENV'] === 'test' || process.env['VITEST'];\n",
        "  } catch (error) {\n    if (error.code === 'EISDIR') {\n      return '';\n    } else {\n"
        "      const isTestEnv = process.env['NODE_ENV'] === 'test' || process.env['VITEST'];\n")
    assert moved != code
    full, hunks = both_modes(repo, tmp_path, {"src/memory.js": code}, {"src/memory.js": moved})
    assert found(full, "test-run-detection") == [] and found(hunks, "test-run-detection") == []
    # a new one next to it is still reported
    added = moved.replace("    if (!isTestEnv) {", "    if (process.env.NODE_ENV === 'test') return '';\n"
                          "    if (!isTestEnv) {")
    assert added != moved
    repo2 = tmp_path / "r2"
    repo2.mkdir()
    from conftest import Repo
    _full2, hunks2 = both_modes(Repo(repo2), tmp_path / "o2", {"src/memory.js": code}, {"src/memory.js": added})
    assert one(hunks2, "test-run-detection")["severity"] == "block"


def test_a_whole_test_file_deleted_blocks_in_full_mode_and_escalates_as_a_bare_diff(repo, tmp_path):
    full, hunks = both_modes(repo, tmp_path, {"src/price.js": JS_PRICE, "tests/price.test.js": JS_PRICE_TEST},
                             {"tests/price.test.js": None}, coverage="full")  # a deletion shows every line
    assert {f["severity"] for f in found(full, "deleted-test")} == {"block"}
    assert found(hunks, "deleted-test") and {f["severity"] for f in found(hunks, "deleted-test")} == {"escalate"}


def test_the_same_header_pair_written_twice_is_not_a_lookup_table(repo):
    test = d("""
        import { post } from "../src/client";

        it("posts json", async () => {
          const res = await post("/items", { headers: { "Content-Type": "application/json" } });
          expect(res.status).toBe(200);
        });
        """)
    code = d("""
        export async function send(url, body) {
          return fetch(url, { method: "POST", body });
        }
        """)
    new = code.replace('{ method: "POST", body }', '{\n    method: "POST",\n    body,\n'
                       '    headers: { "Content-Type": "application/json" },\n  }') + d("""
        export async function ping(url) {
          return fetch(url, {
            headers: { "Content-Type": "application/json" },
          });
        }
        """)
    findings, _ = judge(repo, {"src/client.js": code, "tests/client.test.js": test}, {"src/client.js": new})
    assert found(findings, "test-lookup-table") == []


def test_test_remark_is_linear_on_a_long_line() -> None:
    """_REMARK tries the line's first comment mark only; group "at" is where
    the original pattern's match started."""
    import random
    import re

    from guardrails.checks.test_stub.other_languages import _REMARK
    old = re.compile(r"(?://|#|/\*|\*)\s*.*\b(?:tests?|expected|expects|expectation|assert\w*|flawed|wrong test|"
                     r"broken test|make\s+\w+\s+pass|to\s+pass)\b", re.I)
    for line in ['  if (x === "abc") return 3; // the test expects 3', "a / b /* to pass */", "  * Expected: 4",
                 "x = 1 # make it pass", "  return 4; // computed", "a // b // c test"]:
        m, o = _REMARK.search(line), old.search(line)
        assert (m is None) == (o is None) and (m is None or m.start("at") == o.start()), line
    rnd = random.Random(3)
    pieces = ["/", "*", "#", " ", "a", "test", "make", "pass", "to", "_", "assertion", "."]
    for _ in range(20_000):
        line = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 9)))
        m, o = _REMARK.search(line), old.search(line)
        assert (m is None) == (o is None) and (m is None or m.start("at") == o.start()), line

    with deadline():  # the old pattern took minutes on these
        for line in ["#" * 200_000, "*" * 200_000, "/" * 200_000, "// " + " " * 200_000, "/x" * 100_000]:
            assert _REMARK.search(line) is None
        m = _REMARK.search("a" * 200_000 + " // test")
        assert m is not None and m.start("at") == 200_001


def test_joined_lines_find_every_line_a_gate_matches_alone() -> None:
    import re

    from guardrails.checks.test_stub.other_languages import _SPECIAL_GATE, _Joined
    gate = re.compile(r"x\s*\(")
    # line 0's match runs on into line 1; line 1 still has its own
    texts = ["a x", "(b) x(", "", "x (", "none"]
    assert _Joined(texts).candidates(gate) == [0, 1, 3]
    assert _Joined([]).candidates(gate) == []
    texts = ['  if (a == "b") {', "  case 3: return 4", '    "k": 5,', "  x = y", '  } else if (z) {', "a => 'b'"]
    assert _Joined(texts).candidates(_SPECIAL_GATE) == [0, 1, 2, 4, 5]


def test_js_calls_are_the_matches_of_the_full_pattern() -> None:
    """_js_calls checks _JS_CALL's lookbehind in Python: same matches."""
    import random

    from guardrails.checks.test_stub.lang_scan import _JS_CALL, _js_calls
    text = 'describe("a", () => {\n  it("b", () => {});\n  submit("c");\n  x.it("d");\n  $it("e");\n  test.skip("f")\n'
    assert [m.group("fn") for m in _js_calls(text)] == ["describe", "it", "test"]
    rnd = random.Random(4)
    pieces = ["it", "test", "(", ")", ".", "skip", " ", "x", "a", "$", "_", "`", "describe", "each", "\u00e9", "\n"]
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert [m.span() for m in _JS_CALL.finditer(text)] == [m.span() for m in _js_calls(text)], text
