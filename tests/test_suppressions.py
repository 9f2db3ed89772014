"""End to end: a base commit, a change commit that adds suppressions in real
looking code, `guardrails check --base HEAD~1`, and the findings."""
from __future__ import annotations

import time
from typing import Dict, List, Optional

from conftest import check_json

B_NOQA = "suppression/blanket-noqa"
B_TYPE = "suppression/blanket-type-ignore"
BLANKET = "suppression/blanket-suppression"
FILE = "suppression/file-level-suppression"
NO_REASON = "suppression/coded-suppression-without-reason"
REASON = "suppression/coded-suppression-with-reason"
B_SEC = "suppression/blanket-security-suppression"
SEC = "suppression/security-suppression"
COVER = "suppression/coverage-exclusion"
FMT = "suppression/formatter-off"
MALFORMED = "suppression/malformed-suppression"


def run(repo, change: Dict[str, str], base: Optional[Dict[str, str]] = None, *args: str) -> List[dict]:
    repo.commit(base or {"README.md": "project\n"}, message="base")
    repo.commit(change, message="change")
    report = check_json(repo, "--base", "HEAD~1", *args)
    return [f for f in report["findings"] if f["rule"].startswith("suppression/")
            and f["rule"] != "suppression/guard-tampering"]


def by_line(findings: List[dict], path: str) -> Dict[int, List[str]]:
    out: Dict[int, List[str]] = {}
    for f in findings:
        if f["path"] == path:
            out.setdefault(f["line"], []).append(f["rule"])
    return {k: sorted(v) for k, v in out.items()}


def one(findings: List[dict], path: str, line: int) -> dict:
    found = [f for f in findings if f["path"] == path and f["line"] == line]
    assert len(found) == 1, (line, found)
    return found[0]


PY_CHANGE = '''\
"""Billing helpers."""
import os  # noqa
import json  # noqa: F401
import re  # noqa: F401  # re-exported for the plugins
from typing import Any  #noqa:F401
import csv  # noqa : E501
import abc  # noqa[F401]
import enum  # noqa:F401,
import glob  # noqa: S
import shutil  # NOQA


def total(items: Any) -> int:
    value: int = items.total  # type: ignore
    count: int = items.count  # type: ignore[attr-defined]
    price: int = items.price  # type: ignore[attr-defined]  # stub is wrong, fixed upstream in 2.1
    tax: int = items.tax  # type: ignore [attr-defined]
    fee: int = items.fee  # pyright: ignore[reportAttributeAccessIssue]
    rate = items.rate  # type ignore
    cut = items.cut  # type: ignore=E1
    if os.environ.get("DEBUG"):  # pragma: no cover
        print(value)
    subprocess_call = items.run  # nosec
    token = items.token  # nosec B105
    return value + count + price + tax + fee + rate + cut  # pylint: disable=too-many-locals
'''


def test_python_forms_are_read_as_the_tools_read_them(repo):
    findings = run(repo, {"billing.py": PY_CHANGE})
    lines = by_line(findings, "billing.py")
    assert lines == {
        2: [B_NOQA],
        3: [NO_REASON],
        4: [REASON],
        5: [NO_REASON],  # ruff reads the directive without the space after the hash
        6: [B_NOQA],  # flake8 reads a space before the colon as blanket
        7: [B_NOQA],  # flake8 reads codes in brackets as blanket
        8: [NO_REASON],  # trailing comma: still F401
        9: [B_NOQA],  # `S` is not a code for flake8: blanket
        10: [B_NOQA],
        14: [B_TYPE],
        15: [NO_REASON],
        16: [REASON],
        17: [B_TYPE],  # pyright reads `ignore [x]` as blanket
        18: [NO_REASON],
        19: [MALFORMED],
        20: [MALFORMED],
        21: [COVER],
        23: [B_SEC],
        24: [SEC],
        25: [NO_REASON],
    }
    assert one(findings, "billing.py", 4)["details"]["reason"] == "re-exported for the plugins"
    assert one(findings, "billing.py", 4)["details"]["codes"] == ["F401"]
    assert one(findings, "billing.py", 4)["severity"] == "info"
    assert one(findings, "billing.py", 2)["severity"] == "block"
    assert one(findings, "billing.py", 3)["severity"] == "escalate"
    six = one(findings, "billing.py", 6)
    assert six["details"]["codes"] == ["E501"] and "flake8" in six["details"]["notes"][0]
    seventeen = one(findings, "billing.py", 17)
    assert seventeen["details"]["codes"] == ["attr-defined"] and "pyright" in seventeen["details"]["notes"][0]
    assert one(findings, "billing.py", 16)["details"]["reason"] == "stub is wrong, fixed upstream in 2.1"
    assert one(findings, "billing.py", 18)["details"]["tool"] == "pyright"
    assert one(findings, "billing.py", 25)["details"]["codes"] == ["too-many-locals"]
    assert one(findings, "billing.py", 2)["column"] == 12


def test_markers_in_strings_docstrings_and_prose_are_not_suppressions(repo):
    change = {
        "notes.py": '''\
"""Explain how to write `# noqa` and `# type: ignore` comments.

    x = 1  # noqa
"""
HELP = "add # noqa: E501 at the end of the line"
PATTERN = r"# type: ignore"
TEMPLATE = f"{HELP} # pylint: disable=all"
# We never use noqa or type ignores here; see the style guide.
x = 1  # type: int
y = 2  # type: ignoreme
z = 3  # ignore the noqa comments above
URL = "https://example.com/nolint#nosec"
''',
        "client.go": '''\
package client

// See https://golangci-lint.run/usage/false-positives/#nolint for the rules.
var doc = "//nolint is a directive"
var raw = `// nolint:errcheck`
''',
        "app.ts": '''\
const help = "// eslint-disable-next-line";
const tpl = `
  // @ts-ignore
`;
// The eslint-disable comments were all removed in this release.
''',
        "lib.rs": '''\
const DOC: &str = "#[allow(dead_code)]";
fn allow(x: u8) -> u8 { x }
''',
        "Main.java": '''\
class Main {
    String s = "@SuppressWarnings(\\"all\\")";
}
''',
    }
    assert run(repo, change) == []


def test_first_line_type_ignore_turns_the_file_off(repo):
    change = {
        "gen/models.py": "# type: ignore\n# generated by protoc\nimport os\n",
        "gen/later.py": '"""Doc."""\n# type: ignore\nimport os\n',
        "gen/comments_first.py": "#!/usr/bin/env python\n# Copyright ACME\n\n# type: ignore[attr-defined]\nx = 1\n",
    }
    findings = run(repo, change)
    first = one(findings, "gen/models.py", 1)
    assert first["rule"] == FILE and first["details"]["scope"] == "file"
    assert "whole file" in first["message"]
    assert one(findings, "gen/later.py", 2)["rule"] == B_TYPE  # after the docstring: one line only
    assert one(findings, "gen/comments_first.py", 4)["rule"] == FILE


def test_file_level_python_directives(repo):
    change = {
        "a.py": "# ruff: noqa\nimport os\n",
        "b.py": "# flake8: noqa: E501\nimport os\n",
        "c.py": "import os\n# mypy: ignore-errors\n",
        "d.py": "import os\n# mypy: disable-error-code=\"attr-defined, union-attr\"\n",
        "e.py": "# pyright: basic\nimport os\n",
        "f.py": "# pyright: strict\nimport os\n",
        "g.py": "import os\n# pylint: disable=invalid-name\nx = 1\n",
        "h.py": "import os\n\n\ndef f():\n    # pylint: disable=invalid-name\n    X = 1\n",
        "i.py": "import os\n# pylint: disable=invalid-name\nX = 1\n# pylint: enable=invalid-name\n",
    }
    findings = run(repo, change)
    assert by_line(findings, "a.py") == {1: [FILE]}
    b = one(findings, "b.py", 1)
    assert b["rule"] == FILE and b["details"]["codes"] == ["E501"]
    assert by_line(findings, "c.py") == {2: [FILE]}
    assert one(findings, "d.py", 2)["details"]["codes"] == ["attr-defined", "union-attr"]
    assert by_line(findings, "e.py") == {1: [FILE]}
    assert by_line(findings, "f.py") == {}  # strict raises the bar
    assert one(findings, "g.py", 2)["details"]["scope"] == "rest-of-file"
    assert one(findings, "h.py", 5)["rule"] == NO_REASON  # a block inside a function
    i = one(findings, "i.py", 2)
    assert i["rule"] == NO_REASON and i["details"]["scope"] == "range" and i["details"]["range_end"] == 4


def test_javascript_and_typescript(repo):
    change = {
        "src/server.ts": '''\
/* eslint-disable */
import express from "express";
''',
        "src/routes.ts": '''\
import { Router } from "express";

/* eslint-disable no-console */
export function log(msg: string): void {
  console.log(msg);
}
/* eslint-enable no-console */

// eslint-disable-next-line
const a: any = 1;
const b = a as number; // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion
// eslint-disable-next-line no-param-reassign -- the caller passes a fresh copy
export const c = b;
// @ts-ignore
export const d: number = "x";
/* @ts-expect-error: the types lag the runtime */
export const e: number = "y";
/* istanbul ignore next */
export function f(): void {}
/* c8 ignore next 3 */
export function g(): void {}
// prettier-ignore
export const matrix = [1,0,
                       0,1];
// biome-ignore lint/suspicious/noExplicitAny: legacy API
export const h: any = 1;
/* tslint:disable-next-line:no-any */
export const i: any = 2;
''',
        "src/legacy.js": "// @ts-nocheck\nmodule.exports = {};\n",
        "src/config.js": '/* eslint no-console: "off", eqeqeq: "error" */\nconsole.log(1);\n',
    }
    findings = run(repo, change)
    assert by_line(findings, "src/server.ts") == {1: [FILE]}
    routes = by_line(findings, "src/routes.ts")
    assert routes == {
        3: [NO_REASON], 9: [BLANKET], 11: [NO_REASON], 12: [REASON], 14: [B_TYPE], 16: [B_TYPE],
        18: [COVER], 20: [COVER], 22: [FMT], 25: [REASON], 27: [NO_REASON],
    }
    three = one(findings, "src/routes.ts", 3)
    assert three["details"]["scope"] == "range" and three["details"]["range_end"] == 7
    assert one(findings, "src/routes.ts", 12)["details"]["reason"] == "the caller passes a fresh copy"
    assert one(findings, "src/routes.ts", 16)["details"]["reason"] == "the types lag the runtime"
    assert by_line(findings, "src/legacy.js") == {1: [FILE]}
    config = one(findings, "src/config.js", 1)
    assert config["rule"] == FILE and config["details"]["codes"] == ["no-console"]


def test_go(repo):
    change = {"pkg/fetch/fetch.go": '''\
package fetch

import (
	"crypto/md5" //nolint:gosec // checksum of public files, not a secret
	"net/http"
)

//nolint
func Get(url string) *http.Response {
	resp, _ := http.Get(url) //nolint:errcheck
	_ = md5.New()            // #nosec G401
	//lint:ignore SA1019 the replacement is not released yet
	return resp // nolint:all
}
'''}
    findings = run(repo, change)
    assert by_line(findings, "pkg/fetch/fetch.go") == {
        4: [REASON], 8: [BLANKET], 10: [NO_REASON], 11: [SEC], 12: [REASON], 13: [BLANKET],
    }
    four = one(findings, "pkg/fetch/fetch.go", 4)
    assert four["details"]["tool"] == "golangci-lint" and four["details"]["codes"] == ["gosec"]
    assert four["details"]["reason"] == "checksum of public files, not a secret"
    assert one(findings, "pkg/fetch/fetch.go", 11)["details"]["codes"] == ["G401"]
    assert "space" in one(findings, "pkg/fetch/fetch.go", 13)["details"]["notes"][0]


def test_rust_java_kotlin_c_csharp_ruby_shell(repo):
    change = {
        "src/lib.rs": '''\
#![allow(dead_code)]

#[allow(clippy::too_many_arguments, reason = "mirrors the C API one to one")]
pub fn open(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8) {}

#[allow(clippy::all)]
pub fn legacy() {}

#[cfg_attr(test, allow(unused_variables))]
pub fn probe() {}

#[rustfmt::skip]
const M: [u8; 4] = [1,0,
                    0,1];
''',
        "src/main/java/App.java": '''\
public class App {
    @SuppressWarnings("unchecked")
    void a() {}

    @SuppressWarnings({"rawtypes", "all"})
    void b() {}

    void c() {
        int x = 1; // NOPMD - kept for binary compatibility
    }
    // CHECKSTYLE:OFF
    void d() {}
}
''',
        "app/src/Main.kt": '''\
@file:Suppress("UNUSED_PARAMETER")
package app

@Suppress("MagicNumber")
fun main() {}
''',
        "src/io.c": '''\
#include <stdio.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int log_line(const char *fmt) { return printf(fmt); }
#pragma GCC diagnostic pop
int x = 1; // NOLINT
int y = 2; // NOLINT(readability-magic-numbers): protocol constant
// NOLINTNEXTLINE(cppcoreguidelines-avoid-goto)
int z = 3;
''',
        "src/Service.cs": '''\
#pragma warning disable CS0168
class Service {
    [SuppressMessage("Design", "CA1031:DoNotCatchGeneralExceptionTypes", Justification = "top-level handler")]
    void Run() {}
}
#pragma warning restore CS0168
#pragma warning disable
''',
        "lib/report.rb": '''\
class Report
  def call # rubocop:disable Metrics/AbcSize -- legacy DSL, split in #412
    1
  end

  def other # rubocop:disable all
    2
  end
end
''',
        "bin/deploy.sh": '''\
#!/bin/sh
# shellcheck disable=SC2086
set -eu
echo $1
# shellcheck disable=SC2046 # word splitting is wanted here
rm $(cat list)
''',
    }
    findings = run(repo, change)
    assert by_line(findings, "src/lib.rs") == {1: [FILE], 3: [REASON], 6: [BLANKET], 9: [NO_REASON], 12: [FMT]}
    assert one(findings, "src/lib.rs", 3)["details"]["reason"] == "mirrors the C API one to one"
    assert one(findings, "src/lib.rs", 3)["details"]["codes"] == ["clippy::too_many_arguments"]
    assert by_line(findings, "src/main/java/App.java") == {2: [NO_REASON], 5: [BLANKET], 9: [BLANKET],
                                                           11: [FILE]}
    assert one(findings, "src/main/java/App.java", 9)["details"]["reason"] == "kept for binary compatibility"
    assert by_line(findings, "app/src/Main.kt") == {1: [FILE], 4: [NO_REASON]}
    assert by_line(findings, "src/io.c") == {3: [NO_REASON], 6: [BLANKET], 7: [REASON], 8: [NO_REASON]}
    c3 = one(findings, "src/io.c", 3)
    assert c3["details"]["codes"] == ["-Wformat-nonliteral"] and c3["details"]["range_end"] == 5
    assert by_line(findings, "src/Service.cs") == {1: [NO_REASON], 3: [REASON], 7: [FILE]}
    assert one(findings, "src/Service.cs", 3)["details"]["reason"] == "top-level handler"
    assert by_line(findings, "lib/report.rb") == {2: [REASON], 6: [BLANKET]}
    assert one(findings, "lib/report.rb", 2)["details"]["reason"] == "legacy DSL, split in #412"
    assert by_line(findings, "bin/deploy.sh") == {2: [FILE], 5: [REASON]}


def test_crlf_files(repo):
    change = {
        "win.py": "import os  # noqa\r\nimport re  # noqa: F401  # plugin hook\r\nx = 1\r\n",
        "win.ts": "// eslint-disable-next-line no-console\r\nconsole.log(1);\r\n/* eslint-disable\r\n"
                  "   no-alert */\r\nalert(1);\r\n",
    }
    findings = run(repo, change)
    assert by_line(findings, "win.py") == {1: [B_NOQA], 2: [REASON]}
    assert one(findings, "win.py", 2)["details"]["reason"] == "plugin hook"
    assert one(findings, "win.py", 1)["evidence"] == "import os  # noqa"
    assert by_line(findings, "win.ts") == {1: [NO_REASON], 3: [FILE]}
    assert one(findings, "win.ts", 3)["details"]["codes"] == ["no-alert"]


def test_only_suppressions_the_change_adds(repo):
    base = {"svc.py": "import os  # noqa\n\n\ndef f():\n    return 1  # type: ignore\n"}
    change = {"svc.py": "import os  # noqa\n\n\ndef f():\n    return 2  # type: ignore\n\n\nimport re  # noqa\n"}
    findings = run(repo, change, base)
    # line 5 changed but its ignore was already there; line 8 is new
    assert by_line(findings, "svc.py") == {8: [B_NOQA]}


def test_allow_codes_setting(repo):
    base = {".guardrails.yml": "suppressions:\n  allow_codes: [E501]\n"}
    change = {"m.py": "x = 1  # noqa: E501\ny = 2  # noqa: F841\nz = 3  # noqa\n"}
    findings = run(repo, change, base)
    assert by_line(findings, "m.py") == {2: [NO_REASON], 3: [B_NOQA]}


def test_hundred_thousand_added_lines_are_fast(repo):
    """The family's share of the deterministic pass: 100,000 added lines,
    a suppression every 500 lines, across languages, well under 2 s."""
    from guardrails.change import from_revisions
    from guardrails.checks import suppressions
    from guardrails.model import Context, Options

    py = "".join(f"def f{i}(x):\n    return x + {i}  # add the offset\n" if i % 250 else
                 f"def f{i}(x):\n    return x + {i}  # noqa: E501\n" for i in range(20000))
    ts = "".join(f"export const v{i} = {i}; // value {i}\n" if i % 500 else
                 f"// eslint-disable-next-line no-magic-numbers\nexport const v{i} = {i};\n" for i in range(20000))
    go = "package big\n\n" + "".join(f"var v{i} = {i} // value\n" if i % 500 else f"var v{i} = {i} //nolint\n"
                                     for i in range(20000))
    sh = "".join(f'echo "$x{i}" # step {i}\n' for i in range(20000))
    repo.commit({"README.md": "x\n"}, message="base")
    repo.commit({"big.py": py, "big.ts": ts, "big.go": go, "big.sh": sh}, message="big")
    old = __import__("os").getcwd()
    __import__("os").chdir(repo.path)
    try:
        change = from_revisions("HEAD~1")
    finally:
        __import__("os").chdir(old)
    assert change.added_line_count() >= 100000
    ctx = Context(Options(), dict(suppressions.CONFIG_SCHEMA), lambda note: None)
    started = time.perf_counter()
    found = list(suppressions.check(change, ctx))
    seconds = time.perf_counter() - started
    print(f"\nsuppressions family: {change.added_line_count()} added lines in {seconds:.2f}s")
    assert len([f for f in found if f.path == "big.py"]) == 80
    assert len([f for f in found if f.path == "big.ts"]) == 40
    assert len([f for f in found if f.path == "big.go"]) == 40
    assert seconds < 1.0, seconds


def test_extension_less_scripts_are_read_by_their_shebang(repo):
    base = {"bin/release": "#!/usr/bin/env bash\nset -eu\necho start\n"}
    change = {"bin/release": "#!/usr/bin/env bash\nset -eu\necho start\n# shellcheck disable=SC2086\necho $1\n",
              "bin/tool": "#!/usr/bin/python3\nimport os  # noqa\n"}
    findings = run(repo, change, base)
    assert by_line(findings, "bin/release") == {4: [NO_REASON]}
    assert by_line(findings, "bin/tool") == {2: [B_NOQA]}


def test_staged_change_as_the_pre_commit_hook_sees_it(repo):
    repo.commit({"app.py": "def run():\n    return 1\n"}, message="base")
    repo.stage({"app.py": "def run():\n    return 1  # type: ignore\n\n\nHELP = '# noqa'\n"})
    report = check_json(repo, "--staged")
    rules = [(f["line"], f["rule"]) for f in report["findings"] if f["rule"].startswith("suppression/")]
    assert rules == [(2, B_TYPE)]


def test_a_diff_file_outside_any_repository(repo, tmp_path):
    """--diff without the pre-image: only the hunks are known (hunks-only),
    and the directives in them are still read, strings still excluded."""
    repo.commit({"svc.go": "package svc\n\nfunc A() {}\n"}, message="base")
    repo.commit({"svc.go": 'package svc\n\nfunc A() {}\n\nvar s = "//nolint"\n\nfunc B() { c() } //nolint:errcheck\n'},
                message="change")
    patch = tmp_path / "change.diff"
    patch.write_text(repo.git("diff", "HEAD~1", "HEAD") + "\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from conftest import run_cli
    result = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=elsewhere)
    assert result.code in (0, 1), result.err
    report = result.json()
    found = [(f["path"], f["line"], f["rule"]) for f in report["findings"] if f["rule"].startswith("suppression/")]
    assert found == [("svc.go", 7, NO_REASON)]
