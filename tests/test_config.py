"""Configuration: validation with line numbers, rule globs and overrides,
excludes, extends chains, family options, and where the policy is read from
(a change can never relax the policy it is judged by)."""
from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest
import yaml

from conftest import check_json, rules_found, run_cli
from guardrails import change as change_mod, checks, config as config_mod
from guardrails.errors import GuardError

NO_REASON = "suppression/waiver-without-reason"  # block, from the waivers family
UNKNOWN = "suppression/waiver-unknown-rule"  # info

APP = "def total(items):\n    return sum(items)\n"
# An added line that the waivers family reports as a block finding (line 3).
BAD_APP = APP + "VERSION = 2  # guardrails: allow suppression/blanket-noqa\n"
# ... and one it reports as info (line 3).
INFO_APP = APP + "VERSION = 2  # guardrails: allow suppresion/typo -- misspelt on purpose\n"


def error_of(repo, *args: str) -> str:
    res = run_cli(["check", "--format", "json", *args], cwd=repo.path)
    assert res.code == 2, (res.code, res.out, res.err)
    assert res.out == ""
    assert len(res.err.strip().splitlines()) == 1, res.err
    return res.err.strip()


def config_error(repo, text: str) -> str:
    repo.commit({".guardrails.yml": text, "app.py": APP})
    repo.commit({"app.py": APP + "X = 1\n"})
    return error_of(repo, "--base", "HEAD~1")


# --- no configuration ---------------------------------------------------------

def test_without_a_config_the_defaults_judge(repo):
    repo.commit({"app.py": APP})
    repo.commit({"app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["config"] == "defaults" and report["on_unreviewed"] == "block"
    assert rules_found(report) == [NO_REASON] and report["verdict"] == "block"


def test_defaults_have_every_family_with_its_schema_defaults():
    cfg = config_mod.defaults()
    assert cfg.rules == () and cfg.exclude == () and cfg.on_unreviewed == "block" and cfg.waivers == ()
    assert cfg.severity_for(NO_REASON, "block") == "block"
    for module in checks.families():
        assert dict(cfg.families[module.NAME]) == dict(module.CONFIG_SCHEMA)


def test_every_real_family_default_written_as_yaml_loads_back_unchanged():
    sections = {m.NAME: {k: list(v) if isinstance(v, tuple) else v for k, v in m.CONFIG_SCHEMA.items()}
                for m in checks.families() if m.CONFIG_SCHEMA}
    cfg = config_mod.parse(yaml.safe_dump(sections), ".guardrails.yml")
    assert {name: dict(cfg.families[name]) for name in sections} == \
        {m.NAME: dict(m.CONFIG_SCHEMA) for m in checks.families() if m.CONFIG_SCHEMA}


def test_family_names_do_not_collide_with_top_level_keys():
    names = [m.NAME for m in checks.families()]
    assert len(set(names)) == len(names)
    assert not set(names) & set(config_mod.KEYS)


# --- errors name the file, the line and the key -------------------------------

def test_bad_severity_names_its_line_and_key(repo):
    text = ("# policy for the payments service\n\non_unreviewed: block\nexclude:\n  - vendor/\n"
            "rules:\n  suppression/waiver-without-reason: high\n")
    assert config_error(repo, text) == (
        "guardrails: error: .guardrails.yml:7: rules.suppression/waiver-without-reason: "
        "severity must be one of block, escalate, info, off (got 'high')")


@pytest.mark.parametrize("text, expected", [
    ("on_unreviewed: block\nrulez:\n  suppression/*: off\n",
     ".guardrails.yml:2: rulez: unknown key; did you mean 'rules'?"),
    ("rules:\n  suppression/*: off\n  dependncy/*: info\n",
     ".guardrails.yml:3: rules.dependncy/*: matches no known rule (see `guardrails rules`)"),
    ("rules:\n  suppression/blanket-noqa-typo: off\n",
     ".guardrails.yml:2: rules.suppression/blanket-noqa-typo: matches no known rule (see `guardrails rules`)"),
    ("\non_unreviewed: allow\n", ".guardrails.yml:2: on_unreviewed: must be one of block, pass (got 'allow')"),
    ("exclude: vendor/\n", ".guardrails.yml:1: exclude: must be a list of path globs (got 'vendor/')"),
    ("exclude:\n  - vendor/\n  - 3\n", ".guardrails.yml:3: exclude[1]: must be a path glob (got 3)"),
    ("rules:\n  - suppression/*\n",
     ".guardrails.yml:2: rules: must be a mapping of rule id or glob to severity (got a list)"),
    ("rules:\n  suppression/*:\n", ".guardrails.yml:2: rules.suppression/*: severity must be one of block, "
                                   "escalate, info, off (got nothing)"),
    ("reviewer: gpt\n", ".guardrails.yml:1: reviewer: must be a mapping of the reviewer's settings (got 'gpt')"),
    ("reviewer:\n  model: gpt\n", ".guardrails.yml:2: reviewer.model: unknown key (known: pool, min_confidence, "
                                  "budget_usd, budget_tokens, time_budget, timeout, max_retries, max_input_tokens, "
                                  "context_lines, cache, never_send, author_model, agents, families)"),
    ("reviewer:\n  pool:\n    - {modle: x}\n", ".guardrails.yml:3: reviewer.pool[0].modle: unknown key; "
                                               "did you mean 'model'?"),
    ("reviewer:\n  pool:\n    - {price_in: 1}\n", ".guardrails.yml:3: reviewer.pool[0]: model is required"),
    ("reviewer:\n  pool:\n    - {model: m, price_in: cheap}\n",
     ".guardrails.yml:3: reviewer.pool[0].price_in: must be a number (got 'cheap')"),
    ("reviewer:\n  min_confidence: 2\n", ".guardrails.yml:2: reviewer.min_confidence: must be between 0 and 1 (got 2.0)"),
    ("reviewer:\n  budget_usd: -1\n", ".guardrails.yml:2: reviewer.budget_usd: must not be negative (got -1.0)"),
    ("reviewer:\n  agents: {copilot: 3}\n",
     ".guardrails.yml:2: reviewer.agents.copilot: must be a family name such as openai (got 3)"),
    ("rules:\n  suppression/*: off\n  suppression/*: block\n",
     ".guardrails.yml:3: rules.suppression/*: duplicate key (first set on line 2)"),
    ("rules:\n  suppression/*: [off\n", ".guardrails.yml:3: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    ("- rules\n", ".guardrails.yml:1: must be a mapping of settings (see `guardrails init`) (got a list)"),
    ("waivers:\n  - rule: suppression/*\n    path: src/gen/**\n",
     ".guardrails.yml:2: waivers[0]: reason is required"),
    ("waivers:\n  - rule: suppression/*\n    reason: ''\n",
     ".guardrails.yml:3: waivers[0].reason: must be a reason (why this is acceptable) (got '')"),
    ("waivers:\n  - rule: nothing/*\n    reason: generated\n",
     ".guardrails.yml:2: waivers[0].rule: 'nothing/*' matches no known rule"),
    ("waivers:\n  - rule: suppression/*\n    reason: generated\n    paths: [a]\n",
     ".guardrails.yml:4: waivers[0].paths: unknown key (known: rule, path, reason)"),
    ("extends: 3\n", ".guardrails.yml:1: extends: must be a path to another config file (got 3)"),
])
def test_each_config_error_names_its_line(repo, text, expected):
    assert config_error(repo, text) == "guardrails: error: " + expected


def test_unquoted_off_means_off_not_false():
    cfg = config_mod.parse("rules:\n  suppression/*: off\n  suppression/guard-tampering: 'block'\n", "x")
    assert cfg.rules == (("suppression/*", "off"), ("suppression/guard-tampering", "block"))
    assert cfg.severity_for(NO_REASON, "block") is None
    assert cfg.severity_for("suppression/guard-tampering", "escalate") == "block"


def test_the_last_matching_rule_entry_wins():
    cfg = config_mod.parse("rules:\n  suppression/*: off\n  suppression/waiver-*: info\n"
                           "  suppression/waiver-without-reason: escalate\n", "x")
    assert cfg.severity_for(NO_REASON, "block") == "escalate"
    assert cfg.severity_for(UNKNOWN, "info") == "info"
    assert cfg.severity_for("suppression/guard-tampering", "escalate") is None
    assert cfg.severity_for("test-stub/skipped-test", "block") == "block"


def test_empty_sections_are_empty_not_errors():
    cfg = config_mod.parse("rules:\nexclude:\nwaivers:\nreviewer:\n", "x")
    assert cfg.rules == () and cfg.exclude == () and cfg.waivers == () and dict(cfg.reviewer) == {}


def test_reviewer_section_is_validated_and_kept():
    cfg = config_mod.parse("reviewer:\n  pool:\n    - gpt-4.1-mini\n    - {model: claude-haiku-4-5, price_in: 1}\n"
                           "  never_send: [secrets/**]\n  agents: {copilot: openai}\n", "x")
    assert dict(cfg.reviewer) == {"pool": [{"model": "gpt-4.1-mini"}, {"model": "claude-haiku-4-5", "price_in": 1.0}],
                                  "never_send": ["secrets/**"], "agents": {"copilot": "openai"}}


# --- family options: validated generically against CONFIG_SCHEMA --------------

DEMO = {"enabled": True, "limit": 5, "ratio": 0.5, "registry": "https://pypi.org/simple",
        "allow": ["left-pad"], "paths": [], "thresholds": {"low": 1}, "anything": None}


@pytest.fixture
def demo_family(monkeypatch):
    real = config_mod.family_schemas
    monkeypatch.setattr(config_mod, "family_schemas", lambda: {**real(), "demo": dict(DEMO)})


def test_family_options_override_defaults_with_their_types(demo_family):
    cfg = config_mod.parse("demo:\n  enabled: false\n  limit: 10\n  ratio: 1\n  allow: [a, b]\n"
                           "  paths: ['src/**', '3']\n  thresholds: {high: 9}\n  anything: [1]\n", "x")
    assert dict(cfg.families["demo"]) == {
        "enabled": False, "limit": 10, "ratio": 1.0, "registry": "https://pypi.org/simple",
        "allow": ["a", "b"], "paths": ["src/**", "3"], "thresholds": {"low": 1, "high": 9}, "anything": [1]}
    assert isinstance(cfg.families["demo"]["ratio"], float)


@pytest.mark.parametrize("text, expected", [
    ("demo:\n  enabeld: true\n", "x:2: demo.enabeld: unknown option (options of demo: allow, anything, enabled, "
                                 "limit, paths, ratio, registry, thresholds); did you mean 'enabled'?"),
    ("demo:\n  enabled: 'yes please'\n", "x:2: demo.enabled: must be true or false (got 'yes please')"),
    ("demo:\n  limit: ten\n", "x:2: demo.limit: must be an integer (got 'ten')"),
    ("demo:\n  limit: yes\n", "x:2: demo.limit: must be an integer (got 'yes')"),
    ("demo:\n  ratio: half\n", "x:2: demo.ratio: must be a number (got 'half')"),
    ("demo:\n  registry: 3.10\n", "x:2: demo.registry: must be a string (got 3.1); quote it to make it a string"),
    ("demo:\n  allow: left-pad\n", "x:2: demo.allow: must be a list (got 'left-pad')"),
    ("demo:\n  allow:\n    - a\n    - 7\n", "x:4: demo.allow[1]: must be a string (got 7); quote it to make it a string"),
    ("demo:\n  paths:\n    - {a: 1}\n", "x:3: demo.paths[0]: must be a string (got a mapping)"),
    ("demo:\n  paths: [src/, 8080]\n", "x:2: demo.paths[1]: must be a string (got 8080); quote it to make it a string"),
    ("demo:\n  thresholds:\n    low: many\n", "x:3: demo.thresholds.low: must be an integer (got 'many')"),
    ("demo:\n  limit:\n", "x:2: demo.limit: must be an integer (got nothing)"),
    ("demo: [1]\n", "x:1: demo: must be a mapping of the family's options (got a list)"),
])
def test_family_option_errors_name_their_line(demo_family, text, expected):
    with pytest.raises(GuardError) as exc:
        config_mod.parse(text, "x")
    assert str(exc.value) == expected


def test_family_option_error_end_to_end(repo, monkeypatch):
    module = checks.families()[0]
    monkeypatch.setattr(module, "CONFIG_SCHEMA", {"max_items": 3})
    text = f"on_unreviewed: pass\n{module.NAME}:\n  max_items: lots\n"
    assert config_error(repo, text) == (
        f"guardrails: error: .guardrails.yml:3: {module.NAME}.max_items: must be an integer (got 'lots')")


# --- globs, excludes, end to end ------------------------------------------------

def test_a_glob_turns_a_whole_category_off(repo):
    repo.commit({".guardrails.yml": "rules:\n  suppression/*: off\n", "app.py": APP})
    repo.commit({"app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["findings"] == [] and report["verdict"] == "pass"
    assert report["config"].startswith(".guardrails.yml (base revision ")


def test_excluded_paths_drop_findings(repo):
    repo.commit({".guardrails.yml": "exclude:\n  - vendor/\n  - '*_pb2.py'\n", "app.py": APP})
    repo.commit({"vendor/lib/app.py": BAD_APP, "proto/api_pb2.py": BAD_APP, "src/app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f["path"] for f in report["findings"]] == ["src/app.py"]


def test_a_severity_override_keeps_the_default_severity_in_the_report(repo):
    repo.commit({".guardrails.yml": "rules:\n  suppression/waiver-without-reason: info\n", "app.py": APP})
    repo.commit({"app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    (f,) = report["findings"]
    assert (f["severity"], f["default_severity"]) == ("info", "block")
    assert report["verdict"] == "pass" and report["exit_code"] == 0


# --- the change cannot relax its own policy ----------------------------------------

def test_a_change_that_turns_rules_off_is_judged_by_the_base_policy(repo):
    repo.commit({".guardrails.yml": "on_unreviewed: block\n", "app.py": APP})
    repo.commit({".guardrails.yml": "on_unreviewed: pass\nrules:\n  suppression/*: off\nexclude:\n  - '*.py'\n",
                 "app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    assert NO_REASON in rules_found(report)  # (beside the tampering family's note on the edit)
    assert report["verdict"] == "block" and report["on_unreviewed"] == "block"


def test_a_change_that_adds_the_first_config_is_judged_by_the_defaults(repo):
    repo.commit({"app.py": APP})
    repo.commit({".guardrails.yml": "rules:\n  suppression/*: off\n", "app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["config"] == "defaults" and NO_REASON in rules_found(report)


def test_a_broken_config_in_the_change_does_not_break_its_own_run(repo):
    repo.commit({"app.py": APP})
    repo.commit({".guardrails.yml": "rules: [\n", "app.py": APP + "X = 1\n"})
    report = check_json(repo, "--base", "HEAD~1")  # exits 0 or 1, not 2
    assert report["config"] == "defaults"


def test_staged_uses_heads_committed_config_not_the_index_nor_the_work_tree(repo):
    repo.commit({".guardrails.yml": "rules:\n  suppression/waiver-unknown-rule: block\n", "app.py": APP})
    repo.stage({".guardrails.yml": "rules:\n  suppression/*: off\n", "app.py": INFO_APP})
    repo.write({".guardrails.yml": "rules:\n  suppression/*: off\non_unreviewed: pass\n"})
    report = check_json(repo, "--staged")
    assert UNKNOWN in rules_found(report) and report["verdict"] == "block"
    assert [f["severity"] for f in report["findings"] if f["rule"] == UNKNOWN] == ["block"]
    assert "HEAD" in report["config"]


def test_diff_uses_the_work_tree_config(repo, tmp_path):
    repo.commit({"app.py": APP})
    repo.write({".guardrails.yml": "rules:\n  suppression/waiver-unknown-rule: escalate\non_unreviewed: pass\n"})
    patch = tmp_path / "agent.patch"
    patch.write_text("--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,3 @@\n def total(items):\n     return sum(items)\n"
                     "+VERSION = 2  # guardrails: allow suppresion/typo -- misspelt on purpose\n")
    res = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=repo.path)
    report = res.json()
    assert rules_found(report) == [UNKNOWN] and report["findings"][0]["severity"] == "escalate"
    assert report["verdict"] == "review" and res.code == 0
    assert report["config"] == ".guardrails.yml (working tree)"


def test_a_diff_that_edits_the_config_is_judged_by_the_config_before_it(repo, tmp_path):
    repo.commit({".guardrails.yml": "on_unreviewed: block\n", "app.py": APP})
    repo.commit({".guardrails.yml": "on_unreviewed: block\nrules:\n  suppression/*: off\n", "app.py": BAD_APP})
    patch = tmp_path / "agent.patch"
    patch.write_bytes(subprocess.run(["git", "diff", "--full-index", "HEAD~1", "HEAD"], cwd=repo.path,
                                     stdout=subprocess.PIPE, check=True).stdout)
    # The work tree already has the change applied (as after `git diff > x.patch`).
    report = check_json(repo, "--diff", str(patch))
    assert NO_REASON in rules_found(report) and report["verdict"] == "block"
    assert "before the diff" in report["config"]


def test_hunks_only_diff_that_edits_the_config_is_an_error(repo, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    patch = tmp_path / "agent.patch"
    patch.write_text("diff --git a/.guardrails.yml b/.guardrails.yml\nindex 1111111..2222222 100644\n"
                     "--- a/.guardrails.yml\n+++ b/.guardrails.yml\n@@ -1 +1,3 @@\n on_unreviewed: block\n"
                     "+rules:\n+  suppression/*: off\n")
    (other / ".guardrails.yml").write_text("on_unreviewed: block\nrules:\n  suppression/*: off\n")
    res = run_cli(["check", "--diff", str(patch)], cwd=other)
    assert res.code == 2
    assert "the diff edits .guardrails.yml but its earlier version is not in this repository" in res.err


# --- --config FILE -------------------------------------------------------------

def test_explicit_config_outside_the_repository(repo, tmp_path):
    policy = tmp_path / "org-policy.yml"
    policy.write_text("rules:\n  suppression/waiver-without-reason: escalate\non_unreviewed: pass\n")
    repo.commit({"app.py": APP})
    repo.commit({"app.py": BAD_APP})
    res = run_cli(["check", "--format", "json", "--base", "HEAD~1", "--config", str(policy)], cwd=repo.path)
    assert res.code == 0 and res.json()["verdict"] == "review"
    assert res.json()["config"] == f"{policy} (file)"


def test_explicit_config_that_the_change_edits_is_read_from_the_base(repo):
    repo.commit({"ci/guardrails.yml": "on_unreviewed: block\n", "app.py": APP})
    repo.commit({"ci/guardrails.yml": "rules:\n  suppression/*: off\n", "app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1", "--config", "ci/guardrails.yml")
    assert rules_found(report) == [NO_REASON]
    assert "since the change edits it" in report["config"]


def test_explicit_config_that_does_not_exist_is_an_error(repo):
    repo.commit({"app.py": APP})
    repo.commit({"app.py": APP + "X = 1\n"})
    assert error_of(repo, "--base", "HEAD~1", "--config", "nope.yml") == \
        "guardrails: error: cannot read --config nope.yml: no such file"


# --- extends ---------------------------------------------------------------------

ORG = "rules:\n  suppression/*: info\nexclude:\n  - vendor/\non_unreviewed: pass\n"
TEAM = "extends: org.yml\nrules:\n  suppression/waiver-without-reason: escalate\nexclude:\n  - gen/\n"
REPO = "extends: policy/team.yml\non_unreviewed: block\n"


def test_an_extends_chain_applies_parents_first(repo):
    repo.commit({"policy/org.yml": ORG, "policy/team.yml": TEAM, ".guardrails.yml": REPO, "app.py": APP})
    change = change_mod.from_revisions("HEAD", "HEAD", str(repo.path))
    cfg = config_mod.load(change)
    assert cfg.rules == (("suppression/*", "info"), ("suppression/waiver-without-reason", "escalate"))
    assert cfg.severity_for(NO_REASON, "block") == "escalate"  # team overrides org
    assert cfg.severity_for(UNKNOWN, "info") == "info"
    assert cfg.exclude == ("vendor/", "gen/")  # excludes add up
    assert cfg.on_unreviewed == "block"  # the repository overrides the org
    assert cfg.files == (".guardrails.yml", "policy/team.yml", "policy/org.yml")
    assert cfg.source.endswith("extends policy/team.yml extends policy/org.yml")


def test_extends_is_read_from_the_base_revision_too(repo):
    repo.commit({"policy/org.yml": ORG, "policy/team.yml": TEAM, ".guardrails.yml": REPO, "app.py": APP})
    repo.commit({"policy/team.yml": TEAM.replace("escalate", "off"), "app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1")
    (f,) = [f for f in report["findings"] if f["rule"] == NO_REASON]
    assert f["severity"] == "escalate" and report["verdict"] == "review" and report["exit_code"] == 1


def test_extends_with_explicit_config_is_relative_to_that_file(repo, tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.yml").write_text("rules:\n  suppression/waiver-without-reason: info\n")
    (tmp_path / "repo-policy.yml").write_text("extends: shared/base.yml\n")
    repo.commit({"app.py": APP})
    repo.commit({"app.py": BAD_APP})
    report = check_json(repo, "--base", "HEAD~1", "--config", str(tmp_path / "repo-policy.yml"))
    assert report["findings"][0]["severity"] == "info" and report["verdict"] == "pass"


def test_family_options_override_one_by_one_through_extends(repo, demo_family):
    repo.commit({"org.yml": "demo:\n  limit: 9\n  enabled: false\n", ".guardrails.yml": "extends: org.yml\ndemo:\n  limit: 2\n"})
    cfg = config_mod.load(change_mod.from_revisions("HEAD", "HEAD", str(repo.path)))
    assert cfg.families["demo"]["limit"] == 2 and cfg.families["demo"]["enabled"] is False
    assert cfg.families["demo"]["ratio"] == 0.5


@pytest.mark.parametrize("files, expected", [
    ({".guardrails.yml": "extends: a.yml\n", "a.yml": "extends: b.yml\n", "b.yml": "extends: a.yml\n"},
     "a.yml: extends: cycle (.guardrails.yml -> a.yml -> b.yml -> a.yml)"),
    ({".guardrails.yml": "extends: .guardrails.yml\n"},
     ".guardrails.yml: extends: cycle (.guardrails.yml -> .guardrails.yml)"),
    ({".guardrails.yml": "\nextends: policy/missing.yml\n"},
     ".guardrails.yml:2: extends: cannot read 'policy/missing.yml' (base revision"),
    ({".guardrails.yml": "extends: ../outside.yml\n"},
     ".guardrails.yml:1: extends: '../outside.yml' points outside the repository"),
    ({".guardrails.yml": "extends: org.yml\n", "org.yml": "rules:\n  suppression/*: loud\n"},
     "org.yml:2: rules.suppression/*: severity must be one of block, escalate, info, off (got 'loud')"),
])
def test_extends_errors(repo, files, expected):
    repo.commit({**files, "app.py": APP})
    repo.commit({"app.py": APP + "X = 1\n"})
    assert error_of(repo, "--base", "HEAD~1").startswith("guardrails: error: " + expected)


def test_load_with_a_diff_outside_any_repository_reads_the_current_folder(tmp_path):
    (tmp_path / ".guardrails.yml").write_text("on_unreviewed: pass\n")
    change = SimpleNamespace(files=(), repo=None, mode="diff", base_rev=None,
                             read_base=lambda p: None, read_head=lambda p: None)
    cfg = config_mod.load(change, None, cwd=str(tmp_path))  # type: ignore[arg-type]  # a stand-in ChangeSet
    assert cfg.on_unreviewed == "pass" and cfg.source == ".guardrails.yml (file)"
