"""Hostile changes: paths that leave the repository, names built to break
reports, symlinks and submodules, huge lines, nesting and alias bombs,
unreadable manifests and configs, binaries under source names.  Each must
end in a finding or a one-line input error, never a pass, a hang or a
traceback."""
from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, Repo, check_json, rules_found, run_cli
from guardrails.change import path_problem
from guardrails.reporters import escape

SCHEMA = json.loads((ROOT / "guardrails" / "schema" / "report-v1.schema.json").read_text())


def one_line_error(res, *words: str) -> str:
    assert res.code == 2, (res.code, res.out[-500:], res.err)
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("guardrails: error: "), res.err
    assert "Traceback" not in res.err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# -- paths in diff headers ---------------------------------------------------

TRAVERSAL = """\
--- a/../../etc/passwd
+++ b/../../etc/passwd
@@ -1,1 +1,2 @@
 root:x:0:0:root:/root:/bin/bash
+x = 1  # noqa
"""


@pytest.mark.parametrize("old,new,what", [
    ("a/../../etc/passwd", "b/../../etc/passwd", "leaves the repository"),
    ("/etc/passwd", "/etc/passwd", "is absolute"),
    ("a/src/../../x.py", "b/src/../../x.py", "leaves the repository"),
    ("a/.git/hooks/pre-commit", "b/.git/hooks/pre-commit", ".git folder"),
    ("a/sub/.GIT/config", "b/sub/.GIT/config", ".git folder"),
    ("a/./x.py", "b/./x.py", "not a normalised"),
])
def test_a_path_that_leaves_the_repository_is_an_input_error(repo: Repo, old, new, what):
    repo.commit({"README.md": "x\n"})
    patch = TRAVERSAL.replace("a/../../etc/passwd", old).replace("b/../../etc/passwd", new)
    (repo.path / "evil.patch").write_text(patch)
    res = run_cli(["check", "--diff", "evil.patch"], cwd=repo.path)
    one_line_error(res, "evil.patch", what)


def test_git_header_traversal_and_rename_into_git_folder(repo: Repo):
    repo.commit({"README.md": "x\n"})
    patch = ("diff --git a/../x.py b/../x.py\nnew file mode 100644\n--- /dev/null\n+++ b/../x.py\n"
             "@@ -0,0 +1 @@\n+x = 1\n")
    one_line_error(run_cli(["check", "--diff", "-"], cwd=repo.path, stdin=patch.encode()), "'../x.py'")
    rename = ("diff --git a/README.md b/.git/hooks/post-checkout\nsimilarity index 100%\n"
              "rename from README.md\nrename to .git/hooks/post-checkout\n")
    one_line_error(run_cli(["check", "--diff", "-"], cwd=repo.path, stdin=rename.encode()), ".git folder")


def test_path_problem_accepts_ordinary_names():
    for ok in ("a.py", "src/a b/c.py", "dir/..x", "x..y/z", ".github/workflows/ci.yml", ".gitignore",
               "weird\nname", "caf\u00e9.py"):
        assert path_problem(ok) is None, ok
    for bad in ("../a", "/a", "a/../../b", "C:\\x", ".git/config", "a\0b", "a//b"):
        assert path_problem(bad), bad


# -- names that try to break the reports --------------------------------------

EVIL_NAME = 'we"ird\n::error file=x::pwn\r%0A\x1b[2J\u202e,x.py'


@pytest.fixture
def evil_repo(repo: Repo) -> Repo:
    repo.commit({"README.md": "x\n"})
    (repo.path / EVIL_NAME).write_text("import os  # noqa \x1b]0;title\x07\n")
    (repo.path / "raw").mkdir()
    (repo.path / "raw" / "x.py").write_bytes(b"v = '\xff\xfe'  # type: ignore\n")
    repo.commit(message="evil names")
    return repo


def test_names_and_evidence_are_escaped_in_every_format(evil_repo: Repo):
    outs = {}
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        res = run_cli(["check", "--base", "HEAD~1", "--format", fmt], cwd=evil_repo.path)
        assert res.code == 1, (fmt, res.err)
        outs[fmt] = res.out
    for fmt in ("text", "github", "markdown"):
        out = outs[fmt]
        assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x07" not in out, fmt
        # No line of the output can be read as a workflow command but ours.
        for line in out.splitlines():
            assert not line.startswith("::") or line.startswith(("::error file=", "::warning file=",
                                                                  "::notice file=", "::notice title=")), (fmt, line)
    assert not [line for line in outs["text"].splitlines() if line.startswith("::")]
    github_lines = [line for line in outs["github"].splitlines() if line.startswith("::") and " file=" in line]
    assert len(github_lines) == 2
    assert 'file=we"ird\\x0a%3A%3Aerror file=x%3A%3Apwn\\x0d%250A\\x1b[2J\\u202e%2Cx.py,line=1' in outs["github"]
    report = json.loads(outs["json"].encode("utf-8"))  # valid UTF-8, valid JSON
    jsonschema.validate(report, SCHEMA)
    assert EVIL_NAME in {f["path"] for f in report["findings"]}
    sarif = json.loads(outs["sarif"].encode("utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert all(" " not in u and "\n" not in u and '"' not in u for u in uris), uris
    assert "raw/x.py" in uris
    raw = [f for f in report["findings"] if f["path"] == "raw/x.py"]
    assert "\\xff\\xfe" in outs["text"] and raw[0]["evidence"] == "v = '\\xff\\xfe'  # type: ignore"


def test_escape_helpers():
    assert escape.visible("a\nb\x1b\u202e\udcff") == "a\\x0ab\\x1b\\u202e\\xff"
    assert escape.visible("a\r\nb", keep_newlines=True) == "a\r\nb"
    assert escape.wellformed('{"p": "a\udcffb"}') == '{"p": "a\\\\xffb"}'
    assert escape.uri("src/a b#c.py") == "src/a%20b%23c.py"
    assert escape.uri("src/ok-1.py") == "src/ok-1.py"


# -- symlinks and submodules ---------------------------------------------------

def test_symlink_out_of_the_repository_is_not_analysed_and_reported(repo: Repo):
    repo.commit({"README.md": "x\n"})
    (repo.path / "conftest.py").symlink_to("/etc/passwd")
    (repo.path / "src").mkdir()
    (repo.path / "src" / "up.py").symlink_to("../../outside.py")
    (repo.path / "src" / "inside.py").symlink_to("../README.md")
    repo.commit(message="links")
    report = check_json(repo, "--base", "HEAD~1")
    held = {n["path"]: n["state"] for n in report["stats"]["not_analysed"]}
    assert held == {"conftest.py": "symlink", "src/up.py": "symlink"}
    found = [f for f in report["findings"] if f["rule"] == "security/not-analysed"]
    assert {f["path"] for f in found} == {"conftest.py", "src/up.py"}
    assert all(f["severity"] == "escalate" for f in found) and report["verdict"] != "pass"
    jsonschema.validate(report, SCHEMA)


def test_submodule_bump_is_named_not_analysed(repo: Repo, tmp_path: Path):
    sub = Repo(tmp_path / "sub")
    one = sub.commit({"lib.py": "x = 1\n"})
    two = sub.commit({"lib.py": "x = 2  # noqa\n"})
    repo.commit({"README.md": "x\n"})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{one},vendor/lib")
    repo.git("commit", "-q", "-m", "add submodule")
    repo.git("update-index", "--cacheinfo", f"160000,{two},vendor/lib")
    repo.git("commit", "-q", "-m", "bump")
    report = check_json(repo, "--base", "HEAD~1")
    assert report["stats"]["not_analysed"] == [
        {"path": "vendor/lib", "state": "submodule",
         "reason": "a submodule pointer; its code is not part of this change"}]
    found = [f for f in report["findings"] if f["rule"] == "security/not-analysed"]
    assert [(f["path"], f["severity"]) for f in found] == [("vendor/lib", "info")]


# -- size ------------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_10_mb_single_line_is_not_analysed_quickly(repo: Repo):
    repo.commit({"README.md": "x\n"})
    repo.commit({"app.py": "x = '" + "a(" * 5_000_000 + "'  # noqa\n", "ok.py": "import os  # noqa\n"})
    started = time.perf_counter()
    report = check_json(repo, "--base", "HEAD~1")
    assert time.perf_counter() - started < 10
    held = report["stats"]["not_analysed"]
    assert [(n["path"], n["state"]) for n in held] == [("app.py", "long-line")]
    assert "10,000,014-character line" in held[0]["reason"]
    assert rules_found(report) == ["security/not-analysed", "suppression/blanket-noqa"]
    assert any("not analysed: 1 file long-line" in n for n in report["notes"])


def test_binary_under_a_source_name_is_reported(repo: Repo):
    repo.commit({"README.md": "x\n"})
    repo.commit({"src/util.py": b"\x00\x01import os  # noqa\n", "img/logo.png": b"\x89PNG\x00\x00"})
    report = check_json(repo, "--base", "HEAD~1")
    assert [(n["path"], n["state"]) for n in report["stats"]["not_analysed"]] == [("src/util.py", "binary")]
    assert rules_found(report) == ["security/not-analysed"]


# -- nesting and alias bombs -----------------------------------------------------

ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([""] + list("abcdefgh"), "abcdefghi"))


def test_yaml_alias_bombs_are_refused_with_a_finding_in_bounded_memory(repo: Repo):
    repo.commit({"README.md": "x\n"})
    huge_anchor = "big: &big [" + ", ".join(["x"] * 20_000) + "]\nuse: [" + ", ".join(["*big"] * 50) + "]\n"
    repo.commit({
        ".github/workflows/ci.yml": ALIAS_BOMB + "jobs: {t: {runs-on: x, steps: *i}}\n",
        "environment.yml": ALIAS_BOMB + "dependencies: *i\n",
        "pnpm-lock.yaml": "lockfileVersion: '6.0'\n" + ALIAS_BOMB,
        ".golangci.yml": huge_anchor,
    })
    before = _peak_mb()
    started = time.perf_counter()
    report = check_json(repo, "--base", "HEAD~1")
    assert time.perf_counter() - started < 10 and _peak_mb() - before < 200
    by_path = {}
    for f in report["findings"]:
        by_path.setdefault(f["path"], []).append(f)
    for path in (".github/workflows/ci.yml", "environment.yml", "pnpm-lock.yaml", ".golangci.yml"):
        assert any("alias bomb" in f["message"] or "alias bomb" in json.dumps(f["details"])
                   for f in by_path.get(path, [])), (path, by_path.get(path))


def test_deeply_nested_json_manifest_and_lockfile(repo: Repo):
    repo.commit({"README.md": "x\n"})
    deep = "[" * 50_000 + "]" * 50_000
    repo.commit({"package.json": '{"dependencies": ' + deep + "}\n", "package-lock.json": deep + "\n",
                 "composer.json": '{"require": ' + '{"a": ' * 20_000 + "1" + "}" * 20_000 + "}\n"})
    report = check_json(repo, "--base", "HEAD~1")
    unreadable = {f["path"] for f in report["findings"] if f["rule"] == "dependency/unreadable-manifest"}
    assert {"package.json", "package-lock.json"} <= unreadable, report["findings"]


def test_deeply_nested_toml_configs_are_unreadable_not_a_failed_run(repo: Repo):
    """tomllib recurses per nesting level: a pyproject.toml or ruff.toml nested
    20,000 deep must not fail the families that read the pytest or ruff
    configuration (exit 2), with or without test files in the change."""
    repo.commit({"README.md": "x\n", "src/app.py": "def f(x):\n    return x\n"})
    deep = "a = " + "[" * 20_000 + "]" * 20_000 + "\n"
    repo.commit({"pyproject.toml": "[tool.pytest.ini_options]\n" + deep, "ruff.toml": deep,
                 "tests/test_app.py": "from src.app import f\n\ndef test_f():\n    assert f(1) == 1\n",
                 "src/app.py": "def f(x):\n    if x == 1:\n        return 1\n    return x\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert "dependency/unreadable-manifest" in rules_found(report)
    assert report["verdict"] != "pass"


# -- unreadable manifests and configs ---------------------------------------------

@pytest.mark.parametrize("path,text,rule", [
    ("pyproject.toml", "[project\nname = 'x'\ndependencies = ['reqeusts']\n", "dependency/unreadable-manifest"),
    ("Cargo.toml", "[dependencies\nserde = '1'\n", "dependency/unreadable-manifest"),
    ("package.json", '{"dependencies": {"left-pad": "1.0"', "dependency/unreadable-manifest"),
    ("requirements.txt", "requests[\n", "dependency/unreadable-manifest"),
    ("uv.lock", "version = 1\n[[package]\nname = 'x'\n", "dependency/unreadable-manifest"),
    ("poetry.lock", "[[package]]\nname = \n", "dependency/unreadable-manifest"),
    ("package-lock.json", '{"lockfileVersion": 3, "packages": {', "dependency/unreadable-manifest"),
    ("pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages: [\n", "dependency/unreadable-manifest"),
    ("ruff.toml", "[lint\nignore = ['E']\n", "suppression/relaxed-lint-config"),
    (".github/workflows/ci.yml", "jobs: [\n  a: b\n", "suppression/relaxed-ci"),
    ("tsconfig.json", '{"compilerOptions": {', "suppression/relaxed-type-config"),
    ("mypy.ini", "[mypy\nstrict = true\n", "suppression/relaxed-type-config"),
])
def test_invalid_manifest_or_tool_config_is_a_finding(repo: Repo, path, text, rule):
    repo.commit({"README.md": "x\n"})
    repo.commit({path: text})
    report = check_json(repo, "--base", "HEAD~1")
    assert rule in rules_found(report), report["findings"]
    assert report["verdict"] != "pass"


def test_the_guards_own_invalid_config_still_exits_2(repo: Repo):
    repo.commit({".guardrails.yml": "limits:\n  max_line_chars: lots\n"})
    repo.commit({"a.py": "x = 1\n"})
    one_line_error(run_cli(["check", "--base", "HEAD~1"], cwd=repo.path),
                   ".guardrails.yml:2", "limits.max_line_chars", "an integer")
    repo.commit({".guardrails.yml": "a: &a [x]\nrules: *a\n"})
    repo.commit({"b.py": "x = 1\n"})
    one_line_error(run_cli(["check", "--base", "HEAD~1"], cwd=repo.path), ".guardrails.yml")


# -- regular expressions on very long lines -----------------------------------------

LONG_LINE_CASES = [  # (path, repeated chunk): each once made some check quadratic or worse
    ("src/m.py", "# noqa"), ("src/m.py", "#"), ("tests/test_m.py", "{"), ("src/n.py", "return if == "),
    ("src/m.js", "// eslint-disable "), ("src/m.test.js", "a"), ("src/m.go", "//nolint "),
    ("requirements.txt", " "), (".github/workflows/ci.yml", "a: "), ("pyproject.toml", "[a"),
    ("Gemfile", " "), (".eslintrc.json", "a"), ("src/lib.rs", "#[allow("), ("src/T.java", "0"),
]


def test_every_check_stays_fast_on_very_long_lines(tmp_path):
    """50,000-character lines of the characters the patterns repeat: a
    quadratic pattern takes seconds here (and hours at the line limit)."""
    (tmp_path / ".guardrails.yml").write_text("test_stub:\n  semgrep: false\n")
    n = 50_000
    parts = []
    for i, (path, chunk) in enumerate(LONG_LINE_CASES):
        line = (chunk * (n // len(chunk) + 1))[:n]
        path = path.replace(".", f"{i}.", 1) if "/" in path else path
        parts.append(f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,2 @@\n+{line}\n+{line}\n")
    started = time.perf_counter()
    res = run_cli(["check", "--diff", "-", "--format", "json", "--no-llm"], cwd=tmp_path,
                  stdin="".join(parts).encode())
    seconds = time.perf_counter() - started
    assert res.code in (0, 1), res.err
    assert seconds < 25, f"{seconds:.1f} s for {len(LONG_LINE_CASES)} files of 2 x {n:,}-character lines"
    report = json.loads(res.out)
    assert max(len(f["evidence"]) for f in report["findings"]) <= 1002  # evidence is cut around the column
    per_line = {}
    for f in report["findings"]:
        key = (f["rule"], f["path"], f["line"])
        per_line[key] = per_line.get(key, 0) + 1
    assert max(per_line.values()) <= 20 and any("more on line" in note for note in report["notes"])


def test_a_hunk_beyond_any_readable_file_is_an_input_error(tmp_path):
    """Found by the long fuzz run: `@@ -999999999 +1 @@` on a requirements
    file read from the hunks alone made a billion-line string (20 GB)."""
    patch = ("diff --git a/requirements.txt b/requirements.txt\n--- a/requirements.txt\n"
             "+++ b/requirements.txt\n@@ -999999999 +999999999,2 @@\n-requests>=1\n+requests>=2\n+numpy\n")
    started = time.perf_counter()
    res = run_cli(["check", "--diff", "-", "--format", "json", "--no-llm"], cwd=tmp_path, stdin=patch.encode())
    assert time.perf_counter() - started < 5
    one_line_error(res, "line 4", "requirements.txt", "999,999,999")
    near = patch.replace("999999999", "4999999")
    res = run_cli(["check", "--diff", "-", "--format", "json", "--no-llm"], cwd=tmp_path, stdin=near.encode())
    assert res.code in (0, 1), res.err
