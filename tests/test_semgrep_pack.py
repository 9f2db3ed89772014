"""The semgrep rule pack shipped in guardrails/semgrep/rules: every rule has an
annotated test file beside it, `semgrep --test` passes on the pack, and every
rule maps to a documented guardrails rule."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from guardrails import rules
from guardrails.checks.test_stub import lang_patterns, lang_semgrep

PACK = Path(lang_semgrep.PACK)
EXTENSIONS = {"javascript": (".js", ".ts"), "typescript": (".ts", ".js"), "go": (".go",), "rust": (".rs",),
              "java": (".java",)}


def _rule_files():
    return sorted(PACK.glob("*.yml"))


def _semgrep() -> str:
    exe = lang_semgrep.find_semgrep()
    assert exe, "semgrep must be installed next to Python or on PATH to test the pack"
    return exe


def test_pack_is_not_empty_and_covers_four_languages():
    langs = set()
    for path in _rule_files():
        for rule in yaml.safe_load(path.read_text())["rules"]:
            langs.update(rule["languages"])
    assert {"javascript", "typescript", "go", "rust", "java"} <= langs


def test_every_rule_has_an_annotated_test_file_and_a_known_guardrails_rule():
    known = rules.all_rules()
    seen_ids = set()
    for path in _rule_files():
        data = yaml.safe_load(path.read_text())
        assert len(data["rules"]) == 1, f"{path.name}: one rule per file"
        rule = data["rules"][0]
        assert rule["id"] == path.stem, f"{path.name}: the rule id is the file name"
        seen_ids.add(rule["id"])
        meta = rule.get("metadata") or {}
        assert meta.get("guardrails_rule") in known, f"{path.name}: metadata.guardrails_rule must be a rule id"
        assert meta.get("guardrails_scope") in ("test", "code", "any"), path.name
        tests = [path.with_suffix(ext) for ext in EXTENSIONS[rule["languages"][0]] if path.with_suffix(ext).exists()]
        assert tests, f"{path.name}: no test file beside it"
        text = tests[0].read_text()
        assert f"ruleid: {rule['id']}" in text, f"{tests[0].name}: needs a `ruleid:` line"
        assert f"ok: {rule['id']}" in text, f"{tests[0].name}: needs an `ok:` line (a near miss)"
    # every built-in regex pattern has a semgrep twin of the same id
    assert {p.id for p in lang_patterns.PATTERNS} <= seen_ids


def test_semgrep_test_passes_on_the_pack():
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    proc = subprocess.run([_semgrep(), "--test", "--metrics=off", "--disable-version-check", str(PACK)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, out[-3000:]
    assert "All tests passed" in out, out[-3000:]
    assert f"{len(_rule_files())}/{len(_rule_files())}" in out, out[-3000:]


def test_a_broken_rule_is_reported_by_semgrep_test(tmp_path):
    """The harness can fail: a rule whose test file expects a line it does not match."""
    (tmp_path / "demo.yml").write_text(
        "rules:\n  - id: demo\n    languages: [go]\n    severity: ERROR\n    message: m\n"
        "    pattern: testing.Testing()\n")
    (tmp_path / "demo.go").write_text(
        "package p\n\nfunc F() bool {\n\t// ruleid: demo\n\treturn flag.Parsed()\n}\n")
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0")
    proc = subprocess.run([_semgrep(), "--test", "--metrics=off", "--disable-version-check", str(tmp_path)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert proc.returncode != 0
