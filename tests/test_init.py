"""`guardrails init`: a commented starter config that loads as written."""
from __future__ import annotations

import re

from conftest import check_json, run_cli
from guardrails import checks, config as config_mod
from guardrails.commands import init


def uncommented(text: str) -> str:
    """Turn every commented-out example on: "#key: ..." and "#  nested: ...",
    but not "# prose"."""
    return "\n".join(line[1:] if re.match(r"#(?:[^ #!\n]| {2})", line) else line
                     for line in text.splitlines()) + "\n"


def test_init_writes_a_config_that_loads_and_judges(repo):
    repo.commit({"app.py": "X = 1\n"})
    res = run_cli(["init"], cwd=repo.path)
    assert res.code == 0 and res.out == "wrote .guardrails.yml\n" and res.err == ""
    text = (repo.path / ".guardrails.yml").read_text()
    cfg = config_mod.parse(text, ".guardrails.yml")
    assert cfg.on_unreviewed == "block" and cfg.rules == () and cfg.exclude == ()
    repo.commit(message="add policy")
    repo.commit({"app.py": "X = 2\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["config"].startswith(".guardrails.yml (base revision") and report["verdict"] == "pass"


def test_every_top_level_key_is_explained():
    text = init.template()
    for key in config_mod.KEYS:
        assert re.search(rf"^# {key}: ", text, re.M), key
        assert re.search(rf"^#?{key}:", text, re.M), key
    for module in checks.families():
        assert re.search(rf"^# {module.NAME}: ", text, re.M), module.NAME


def test_every_commented_example_loads_when_turned_on(tmp_path):
    text = uncommented(init.template())
    assert "\nrules:\n" in text and "\nexclude:\n" in text and "\nwaivers:\n" in text
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "guardrails-shared.yml").write_text("on_unreviewed: pass\n")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".guardrails.yml").write_text(text)
    from types import SimpleNamespace
    change = SimpleNamespace(files=(), repo=None, mode="diff", base_rev=None,
                             read_base=lambda p: None, read_head=lambda p: None)
    cfg = config_mod.load(change, ".guardrails.yml", cwd=str(tmp_path / "repo"))  # type: ignore[arg-type]  # a stand-in ChangeSet
    assert cfg.rules and cfg.exclude == ("vendor/", "*.pb.go", "docs/examples/**") and len(cfg.waivers) == 1
    assert cfg.on_unreviewed == "block"  # this file overrides what it extends
    assert cfg.severity_for("suppression/guard-tampering", "escalate") == "block"


def test_family_options_come_from_config_schema(monkeypatch):
    module = checks.families()[-1]
    monkeypatch.setattr(module, "CONFIG_SCHEMA", {"max_new_packages": 5, "registries": ["pypi", "npm"],
                                                  "online": False, "min_age_days": 30.5})
    text = init.template()
    assert f"#{module.NAME}:\n#  max_new_packages: 5\n#  registries:\n#  - pypi\n#  - npm\n" \
           f"#  online: false\n#  min_age_days: 30.5\n" in text
    cfg = config_mod.parse(uncommented(text).replace("extends:", "#extends:"), "x")
    assert dict(cfg.families[module.NAME]) == {"max_new_packages": 5, "registries": ["pypi", "npm"],
                                               "online": False, "min_age_days": 30.5}


def test_init_refuses_to_overwrite_without_force(repo):
    (repo.path / ".guardrails.yml").write_text("on_unreviewed: pass\n")
    res = run_cli(["init"], cwd=repo.path)
    assert res.code == 2
    assert res.err == "guardrails: error: .guardrails.yml already exists: pass --force to overwrite it\n"
    assert (repo.path / ".guardrails.yml").read_text() == "on_unreviewed: pass\n"
    res = run_cli(["init", "--force"], cwd=repo.path)
    assert res.code == 0 and (repo.path / ".guardrails.yml").read_text() == init.template()


def test_init_elsewhere_says_how_to_use_the_file(repo):
    (repo.path / "ci").mkdir()
    res = run_cli(["init", "--path", "ci/policy.yml"], cwd=repo.path)
    assert res.code == 0 and (repo.path / "ci" / "policy.yml").exists()
    assert "pass --config ci/policy.yml" in res.err


def test_init_into_a_missing_folder_is_an_error(repo):
    res = run_cli(["init", "--path", "no/such/dir/x.yml"], cwd=repo.path)
    assert res.code == 2 and "no such folder" in res.err
