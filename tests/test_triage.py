"""triage.apply on findings placed in real changes (real git repositories,
read with guardrails.change), under configs parsed from real YAML."""
from __future__ import annotations

import subprocess

from guardrails import change as change_mod, config as config_mod, triage
from guardrails.model import Finding

BLOCK_RULE = "suppression/waiver-without-reason"  # block by default
ESCALATE_RULE = "suppression/guard-tampering"  # escalate by default
INFO_RULE = "suppression/waiver-unknown-rule"  # info by default

OLD = """\
import json


def load(path):
    with open(path) as f:
        return json.load(f)
"""


def finding(rule: str, severity: str, path: str, line: int, side: str = "new") -> Finding:
    return Finding(rule=rule, severity=severity, path=path, line=line, message="m", evidence="e", side=side)


def judged(repo, findings, config_text: str = ""):
    change = change_mod.from_revisions("HEAD~1", "HEAD", str(repo.path))
    config = config_mod.parse(config_text, ".guardrails.yml")
    return triage.apply(findings, change, config)


def test_base_waiver_on_the_line_above_waives_a_block_finding(repo):
    repo.commit({"loader.py": OLD.replace("    with open", "    # guardrails: allow suppression/* -- reads trusted files only\n    with open")})
    repo.commit({"loader.py": OLD.replace("    with open(path) as f:", "    # guardrails: allow suppression/* -- reads trusted files only\n"
                                          "    with open(path, encoding='utf-8') as f:")})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 6)])
    assert f.waived and f.waiver_source == "base" and f.waiver_reason == "reads trusted files only"
    assert f.severity == "block" and f.default_severity == "block"


def test_same_change_waiver_keeps_block_and_records_the_attempt(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD.replace("    with open(path) as f:",
                                          "    with open(path) as f:  # guardrails: allow suppression/* -- tests pass")})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 5)])
    assert not f.waived and f.severity == "block"
    assert f.details["attempted_waiver"] == "tests pass"
    assert f.waiver_reason == "" and f.waiver_source == ""


def test_same_change_waiver_on_the_line_above_keeps_block(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD.replace("    with open(path) as f:",
                                          "    # guardrails: allow suppression/* -- fine\n    with open(path) as f:  # noqa")})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 6)])
    assert not f.waived and f.details["attempted_waiver"] == "fine"


def test_same_change_waiver_keeps_escalate_and_passes_the_reason_to_the_reviewer(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/guard-tampering -- CODEOWNERS moved with the team\n"
                                    "OWNERS = 'platform'\n"})
    (f,) = judged(repo, [finding(ESCALATE_RULE, "escalate", "loader.py", 8)])
    assert not f.waived and f.severity == "escalate"
    assert f.details["waiver_reason_for_reviewer"] == "CODEOWNERS moved with the team"


def test_base_waiver_waives_escalate_and_same_change_waiver_waives_info(repo):
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/guard-tampering -- owners file is generated\nOWNERS = 1\n"})
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/guard-tampering -- owners file is generated\nOWNERS = 2\n"
                                    "X = 1  # guardrails: allow suppression/waiver-unknown-rule -- id lands next release\n"})
    esc, info = judged(repo, [finding(ESCALATE_RULE, "escalate", "loader.py", 8),
                              finding(INFO_RULE, "info", "loader.py", 9)])
    assert esc.waived and esc.waiver_source == "base"
    assert info.waived and info.waiver_source == "change" and info.waiver_reason == "id lands next release"


def test_waiver_without_reason_or_for_another_rule_waives_nothing(repo):
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/waiver-unknown-rule\nA = 1\n"
                                    "# guardrails: allow test-stub/* -- other family\nB = 1\n"})
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/waiver-unknown-rule\nA = 2\n"
                                    "# guardrails: allow test-stub/* -- other family\nB = 2\n"})
    a, b = judged(repo, [finding(INFO_RULE, "info", "loader.py", 8), finding(INFO_RULE, "info", "loader.py", 10)])
    assert not a.waived and not b.waived


def test_a_trailing_waiver_covers_its_own_line_only(repo):
    repo.commit({"loader.py": OLD + "A = 1  # guardrails: allow suppression/* -- legacy\nB = 1\n"})
    repo.commit({"loader.py": OLD + "A = 1  # guardrails: allow suppression/* -- legacy\nB = 2\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 8)])
    assert not f.waived and "attempted_waiver" not in f.details


def test_a_waiver_two_lines_above_does_not_count(repo):
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/* -- legacy\n\nB = 1\n"})
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/* -- legacy\n\nB = 2\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 9)])
    assert not f.waived


def test_old_side_findings_read_the_old_text(repo):
    repo.commit({"test_loader.py": "def test_load():  # guardrails: allow suppression/* -- replaced by test_io\n    assert True\n"})
    repo.commit({"test_loader.py": "def test_other():\n    assert True\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "test_loader.py", 1, side="old")])
    assert f.waived and f.waiver_source == "base" and f.waiver_reason == "replaced by test_io"
    # The same line number on the new side has no waiver.
    (g,) = judged(repo, [finding(BLOCK_RULE, "block", "test_loader.py", 1)])
    assert not g.waived


def test_a_file_outside_the_change_is_read_from_head(repo):
    repo.commit({"loader.py": OLD, "legacy.py": "# guardrails: allow suppression/* -- frozen module\nX = 1\n"})
    repo.commit({"loader.py": OLD + "\nY = 2\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "legacy.py", 2)])
    assert f.waived and f.waiver_source == "base"


def test_whole_file_findings_are_not_waived_inline(repo):
    repo.commit({"loader.py": "# guardrails: allow suppression/* -- whole file\n"})
    repo.commit({"loader.py": "# guardrails: allow suppression/* -- whole file\nX = 1\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 0)])
    assert not f.waived


def test_excludes_disabled_rules_and_overrides(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD + "X = 1\n", "vendor/lib.py": "X = 1\n", "gen/api.pb.py": "X = 1\n"})
    findings = [finding(BLOCK_RULE, "block", "loader.py", 7), finding(BLOCK_RULE, "block", "vendor/lib.py", 1),
                finding(BLOCK_RULE, "block", "gen/api.pb.py", 1), finding(INFO_RULE, "info", "loader.py", 7),
                finding(ESCALATE_RULE, "escalate", "loader.py", 7)]
    out = judged(repo, findings, "exclude:\n  - vendor/\n  - '*.pb.py'\n"
                                 "rules:\n  suppression/*: info\n  suppression/waiver-unknown-rule: off\n"
                                 "  suppression/guard-tampering: block\n")
    assert [(f.path, f.rule, f.severity, f.default_severity) for f in out] == [
        ("loader.py", BLOCK_RULE, "info", "block"),
        ("loader.py", ESCALATE_RULE, "block", "escalate"),
    ]


def test_config_waivers_lower_block_on_their_paths_only(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD + "X = 1\n", "src/gen/api.py": "X = 1\n"})
    out = judged(repo, [finding(BLOCK_RULE, "block", "src/gen/api.py", 1), finding(BLOCK_RULE, "block", "loader.py", 7)],
                 "waivers:\n  - rule: suppression/*\n    path: src/gen/**\n    reason: generated by protoc\n")
    gen, loader = out
    assert gen.waived and gen.waiver_source == "config" and gen.waiver_reason == "generated by protoc"
    assert not loader.waived


def test_a_waiver_inside_a_string_does_not_count(repo):
    repo.commit({"loader.py": OLD + "MSG = 'guardrails: allow suppression/* -- x'\nB = 1\n"})
    repo.commit({"loader.py": OLD + "MSG = 'guardrails: allow suppression/* -- x'\nB = 2\n"})
    (f,) = judged(repo, [finding(BLOCK_RULE, "block", "loader.py", 8)])
    assert not f.waived


def test_hunks_only_coverage_uses_the_hunk_lines(repo, tmp_path):
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/* -- frozen API\nB = 1\n"})
    repo.commit({"loader.py": OLD + "# guardrails: allow suppression/* -- frozen API\nB = 2\n"
                                    "C = 3  # guardrails: allow suppression/* -- added here\n"})
    patch = tmp_path / "change.patch"
    patch.write_bytes(subprocess.run(["git", "diff", "--full-index", "HEAD~1", "HEAD"], cwd=repo.path,
                                     stdout=subprocess.PIPE, check=True).stdout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    change = change_mod.from_diff(str(patch), str(elsewhere))  # not a repository: only the hunks are known
    assert change.coverage == "hunks-only"
    config = config_mod.parse("", ".guardrails.yml")
    base, added = triage.apply([finding(BLOCK_RULE, "block", "loader.py", 8),
                                finding(BLOCK_RULE, "block", "loader.py", 9)], change, config)
    assert base.waived and base.waiver_source == "base"
    assert not added.waived and added.details["attempted_waiver"] == "added here"


def test_triage_keeps_the_checks_default_severity_and_other_details(repo):
    repo.commit({"loader.py": OLD})
    repo.commit({"loader.py": OLD + "X = 1  # guardrails: allow suppression/* -- ok then\n"})
    f = Finding(rule=BLOCK_RULE, severity="block", path="loader.py", line=7, message="m",
                details={"hidden": ["E501"]})
    (out,) = judged(repo, [f], "rules:\n  suppression/waiver-without-reason: escalate\n")
    assert out.severity == "escalate" and out.default_severity == "block"
    assert out.details == {"hidden": ["E501"], "waiver_reason_for_reviewer": "ok then"}
