"""Line patterns of the test-stub family for JS/TS, Go, Rust and Java.

These are the light twins of the semgrep rule pack (guardrails/semgrep):
when semgrep runs, its results are used for these rules; when it is missing
or fails, these regular expressions find the same things line by line.
Each pattern names the shared rule id, the scope where it applies ("test"
code, "code" that is not test code, or "any") and the languages.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional, Tuple

RUN = "test-stub/test-run-detection"
SKIP = "test-stub/skipped-test"
FOCUS = "test-stub/focused-test"
WEAK = "test-stub/weakened-assertion"
STUB = "test-stub/stubbed-function"
SWALLOW = "test-stub/swallowed-error"
TAMPER = "test-stub/checker-tampering"

# A literal inside a line pattern.
_LIT = r"""(?:true|false|null|nil|undefined|-?\d[\w.]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""


class Pattern(NamedTuple):
    id: str  # the semgrep rule id of the same check (for the reports)
    rule: str
    langs: Tuple[str, ...]
    scope: str  # "test", "code", "any"
    regex: "re.Pattern[str]"
    message: str
    kind: str = ""  # "skip" (severity decided by condition/reason), "marker" (stub marker)


def _p(id: str, rule: str, langs: str, scope: str, regex: str, message: str, kind: str = "") -> Pattern:
    return Pattern(id, rule, tuple(langs.split()), scope, re.compile(regex), message, kind)


PATTERNS = (
    # 1. test-run detection in code that is not a test
    _p("js-test-run-detection", RUN, "js", "code",
       r"""process\.env\.NODE_ENV\s*[!=]==?\s*['"`]test['"`]|['"`]test['"`]\s*[!=]==?\s*process\.env\.NODE_ENV"""
       r"""|process\.env(?:\.|\[\s*['"])(?:JEST_WORKER_ID|VITEST(?:_\w+)?|MOCHA_\w+)\b"""
       r"""|typeof\s+(?:jest|vi|describe|it|expect|mocha|jasmine)\s*[!=]==?"""
       r"""|import\.meta\.env\.(?:VITEST\b|MODE\s*[!=]==?\s*['"]test['"])""",
       "code that is not a test checks whether it runs under the test runner"),
    _p("go-test-run-detection", RUN, "go", "code",
       r"""\btesting\.Testing\(\s*\)|\bflag\.Lookup\(\s*"test\.\w+"\s*\)"""
       r"""|strings\.(?:HasSuffix|Contains)\(\s*(?:os\.Args\[0\]|filepath\.Base\(os\.Args\[0\]\))\s*,\s*"\.test""",
       "code that is not a test checks whether it runs under `go test`"),
    _p("rust-test-run-detection", RUN, "rust", "code", r"""\bcfg!\s*\(\s*test\s*\)""",
       "`cfg!(test)` in code that is not a test changes behaviour under `cargo test`"),
    _p("java-test-run-detection", RUN, "java", "code",
       r""""org\.junit[\w.]*"|System\.getProperty\(\s*"(?:test|testing|junit[\w.]*|is\.?test\w*)"\s*\)"""
       r"""|Boolean\.getBoolean\(\s*"(?:test|testing|junit[\w.]*)"\s*\)""",
       "code that is not a test checks whether JUnit or a test property is present"),
    # 3. neutered tests: skips and focus
    _p("js-skipped-test", SKIP, "js", "test",
       r"""(?<![\w.$])(?:xit|xtest|xdescribe|xcontext|xspecify)\s*\("""
       r"""|(?<![\w.$])(?:it|test|describe|context|suite|specify)\s*\.\s*(?:skip|todo)\b(?!If)"""
       r"""|\bthis\.skip\(\s*\)""",
       "a test is skipped", "skip"),
    _p("js-conditional-skip", SKIP, "js", "test",
       r"""(?<![\w.$])(?:it|test|describe)\s*\.\s*(?:skipIf|runIf)\s*\("""
       r"""|\?\s*(?:it|test|describe)\s*:\s*(?:it|test|describe)\s*\.\s*skip\b""",
       "a test is skipped under a condition", "skip"),
    _p("js-focused-test", FOCUS, "js", "test",
       r"""(?<![\w.$])(?:it|test|describe|context|suite|specify)\s*\.\s*only\b"""
       r"""|(?<![\w.$])(?:fit|fdescribe|ftest)\s*\(""",
       "a focused test (`.only`, `fit`) silently skips every other test"),
    _p("go-skipped-test", SKIP, "go", "test", r"""\b(?:t|b|f|tb|tt|st)\.(?:Skip|Skipf|SkipNow)\(""",
       "a Go test is skipped", "skip"),
    _p("rust-ignored-test", SKIP, "rust", "test", r"""#\s*\[\s*(?:ignore\b|cfg_attr\s*\([^\]]*\bignore\b)""",
       "a Rust test is ignored", "skip"),
    _p("java-disabled-test", SKIP, "java", "test",
       r"""@(?:org\.junit\.(?:jupiter\.api\.)?)?(?:Disabled|Ignore)\b"""
       r"""|@(?:DisabledOn|DisabledIf|EnabledOn|EnabledIf|DisabledFor|EnabledFor)\w*"""
       r"""|\bassume(?:True|That)\(\s*false\s*[,)]|\bassumeFalse\(\s*true\s*[,)]""",
       "a JUnit test is disabled", "skip"),
    # 3. trivial assertions
    _p("js-trivial-assertion", WEAK, "js", "test",
       r"""\bexpect\(\s*""" + _LIT + r"""\s*\)\s*\.(?:\s*not\s*\.)?\s*to\w*\("""
       r"""|\bexpect\(\s*([\w$.]+)\s*\)\s*\.\s*(?:toBe|toEqual|toStrictEqual)\(\s*\1\s*\)"""
       r"""|\bassert(?:\.\w+)?\(\s*""" + _LIT + r"""\s*(?:,\s*""" + _LIT + r"""\s*)?\)"""
       r"""|\bt\.pass\(\s*\)""",
       "an assertion that cannot fail"),
    _p("go-trivial-assertion", WEAK, "go", "test",
       r"""\b(?:assert|require)\.(?:True|Equal|EqualValues)\(\s*\w+\s*,\s*(?:true|""" + _LIT + r"""\s*,\s*"""
       + _LIT + r""")\s*[,)]""",
       "an assertion that cannot fail"),
    _p("rust-trivial-assertion", WEAK, "rust", "test",
       r"""\bassert!\(\s*(?:true|!false)\s*[,)]|\bassert_eq!\(\s*(""" + _LIT + r""")\s*,\s*\1\s*[,)]""",
       "an assertion that cannot fail"),
    _p("java-trivial-assertion", WEAK, "java", "test",
       r"""\bassert(?:True|That)\(\s*true\s*[,)]|\bassertFalse\(\s*false\s*[,)]"""
       r"""|\bassert(?:Equals|Same)\(\s*(""" + _LIT + r""")\s*,\s*\1\s*[,)]"""
       r"""|\bassertThat\(\s*true\s*\)\s*\.\s*isTrue\(\)""",
       "an assertion that cannot fail"),
    # 5. stub markers (kept only inside a function that existed before)
    _p("js-not-implemented", STUB, "js", "code",
       r"""\bthrow\s+new\s+\w*Error\(\s*['"`][^'"`]*(?i:not\s+(?:yet\s+)?implemented|\btodo\b|unimplemented)""",
       "the function body was replaced by a not-implemented stub", "marker"),
    _p("java-not-implemented", STUB, "java", "code",
       r"""\bthrow\s+new\s+(?:UnsupportedOperationException\(\s*\)|\w*(?:Exception|Error)\(\s*"[^"]*"""
       r"""(?i:not\s+(?:yet\s+)?implemented|\btodo\b|unimplemented))""",
       "the method body was replaced by a not-implemented stub", "marker"),
    _p("go-not-implemented", STUB, "go", "code",
       r"""\bpanic\(\s*"[^"]*(?i:not\s+(?:yet\s+)?implemented|\btodo\b|unimplemented)""",
       "the function body was replaced by a not-implemented stub", "marker"),
    _p("rust-not-implemented", STUB, "rust", "code", r"""\b(?:todo|unimplemented)!\s*\(""",
       "the function body was replaced by `todo!()` / `unimplemented!()`", "marker"),
    # 5. swallowed errors (single-line forms; multi-line ones are found on the masked text)
    _p("js-empty-catch", SWALLOW, "js", "any",
       r"""\bcatch\s*(?:\([^)]*\))?\s*\{\s*\}|\.catch\(\s*(?:\(\s*\w*\s*\)|\w+)\s*=>\s*\{\s*\}\s*\)""",
       "an empty catch block swallows the error"),
    _p("java-empty-catch", SWALLOW, "java", "any", r"""\bcatch\s*\([^)]*\)\s*\{\s*\}""",
       "an empty catch block swallows the exception"),
    _p("go-dropped-error", SWALLOW, "go", "any", r"""^\s*_\s*=\s*err\s*$""",
       "the error is assigned to `_` and dropped"),
    _p("rust-ignored-error", SWALLOW, "rust", "any", r"""\bErr\(\s*_\w*\s*\)\s*=>\s*(?:\{\s*\}|\(\s*\))""",
       "the error arm does nothing"),
    # 4. checker tampering
    _p("js-forced-matcher", TAMPER, "js", "any",
       r"""\b(?:global|globalThis|window)\s*\.\s*(?:expect|it|test|describe|assert)\s*=[^=]""",
       "the test framework's own functions are replaced"),
)


BY_LANG = {lang: tuple(p for p in PATTERNS if lang in p.langs) for lang in ("js", "go", "rust", "java")}
# Cheap first look at a line: no pattern of the language can match without one of these.
PREFILTER = {
    "js": re.compile(r"process\.env|typeof|import\.meta|skip|todo|only|\bx\w+\s*\(|\bf(?:it|describe|test)\b|expect|"
                     r"assert|throw|catch|global|window|\.pass\("),
    "go": re.compile(r"testing\.Testing|flag\.Lookup|os\.Args|Skip|assert\.|require\.|panic|err\b"),
    "rust": re.compile(r"cfg!|#\s*\[|assert|todo!|unimplemented!|Err\("),
    "java": re.compile(r"org\.junit|getProperty|getBoolean|@|assume|assert|throw|catch"),
}


def severity_of_skip(pattern: Pattern, line: str, conditional: bool) -> Optional[str]:
    """info for a conditional skip that gives its reason, else None (the rule's default)."""
    if pattern.id == "js-conditional-skip":
        return "info"
    if pattern.id == "rust-ignored-test":
        if "cfg_attr" in line and re.search(r"""\bignore\s*=\s*\"""", line):
            return "info"
        return None
    if pattern.id == "java-disabled-test":
        if re.search(r"@(?:DisabledOn|DisabledIf|EnabledOn|EnabledIf|DisabledFor|EnabledFor)", line) and \
                "disabledReason" in line:
            return "info"
        return None
    if pattern.id == "go-skipped-test":
        has_reason = re.search(r"""\.(?:Skip|Skipf)\(\s*[^)\s]""", line) is not None
        return "info" if conditional and has_reason else None
    if pattern.id == "js-skipped-test" and "this.skip" in line:
        return "info" if conditional else None
    return None
