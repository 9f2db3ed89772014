"""The change cannot talk the gate out of its decision: configuration,
waivers, allow-lists and excludes that a change adds apply only once it is
merged, never to the change itself.  Every way around it we could think of,
in each mode that reads a policy (--base, --staged, --diff)."""
from __future__ import annotations

import pytest

from conftest import Repo, check_json, rules_found, run_cli

STRICT = "rules:\n  suppression/formatter-off: block\n"
LAX = "rules:\n  suppression/*: off\n  test-stub/*: off\n  dependency/*: off\nexclude: ['**']\n"
OFFENCE = {"src/app.py": "# fmt: off\nx = 1  # noqa\n"}


def judge(repo: Repo, mode: str) -> dict:
    """Judge the last commit (--base), or the same change staged or as a diff."""
    if mode == "base":
        return check_json(repo, "--base", "HEAD~1")
    if mode == "staged":
        head = repo.git("rev-parse", "HEAD")
        repo.git("reset", "-q", "--soft", "HEAD~1")
        try:
            return check_json(repo, "--staged")
        finally:
            repo.git("reset", "-q", "--soft", head)
    patch = repo.git("diff", "--binary", "HEAD~1", "HEAD") + "\n"
    repo.git("reset", "-q", "--hard", "HEAD~1")
    (repo.path.parent / "change.patch").write_text(patch)
    return check_json(repo, "--diff", str(repo.path.parent / "change.patch"))


def blocked(report: dict, rule: str = "suppression/formatter-off") -> bool:
    return any(f["rule"] == rule and f["severity"] == "block" and not f["waived"] for f in report["findings"])


MODES = ["base", "staged", "diff"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("how", ["rename", "move", "delete", "relax", "extends-new-file", "rename-to-yaml"])
def test_the_change_cannot_replace_or_relax_the_policy(repo: Repo, mode: str, how: str):
    repo.commit({".guardrails.yml": STRICT, "README.md": "x\n"})
    edits = dict(OFFENCE)
    if how in ("rename", "move", "rename-to-yaml"):
        target = {"rename": ".guardrails.yml.bak", "move": "config/.guardrails.yml",
                  "rename-to-yaml": ".guardrails.yaml"}[how]
        edits.update({".guardrails.yml": None, target: STRICT})
    elif how == "delete":
        edits[".guardrails.yml"] = None
    elif how == "relax":
        edits[".guardrails.yml"] = LAX
    else:
        edits.update({".guardrails.yml": "extends: policy/lax.yml\n", "policy/lax.yml": LAX})
    repo.commit(edits)
    report = judge(repo, mode)
    assert blocked(report), (mode, how, report["config"], report["findings"])
    assert blocked(report, "suppression/blanket-noqa")
    assert "defaults" not in report["config"] or how == "never"
    assert report["verdict"] == "block"


@pytest.mark.parametrize("mode", MODES)
def test_a_file_the_policy_extends_edited_by_the_change_is_read_as_before(repo: Repo, mode: str):
    repo.commit({".guardrails.yml": "extends: policy/org.yml\n", "policy/org.yml": STRICT})
    repo.commit({"policy/org.yml": LAX, **OFFENCE})
    report = judge(repo, mode)
    assert blocked(report), report["config"]


def test_an_explicit_config_that_the_change_adds_or_extends_does_not_judge_it(repo: Repo):
    repo.commit({"README.md": "x\n", "ci/policy.yml": STRICT})
    repo.commit({"ci/lax.yml": LAX, "ci/policy.yml": "extends: lax.yml\n", **OFFENCE})
    res = run_cli(["check", "--base", "HEAD~1", "--config", "ci/policy.yml", "--format", "json"], cwd=repo.path)
    assert res.code == 1 and blocked(res.json()), res.err
    res = run_cli(["check", "--base", "HEAD~1", "--config", "ci/lax.yml", "--format", "json"], cwd=repo.path)
    assert res.code == 1 and "new in this change" in res.json()["config"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["same-line", "line-above", "block-comment-above"])
def test_a_waiver_added_with_the_finding_does_not_lower_a_block(repo: Repo, mode: str, where: str):
    repo.commit({"src/app.py": "y = 0\n"})
    waiver = "# guardrails: allow suppression/blanket-noqa -- the linter is wrong here"
    body = {"same-line": f"import os  # noqa  {waiver}\n",
            "line-above": f"{waiver}\nimport os  # noqa\n",
            "block-comment-above": f"{waiver}\n# (see ticket)\nimport os  # noqa\n"}[where]
    repo.commit({"src/app.py": "y = 0\n" + body})
    report = judge(repo, mode)
    found = [f for f in report["findings"] if f["rule"] == "suppression/blanket-noqa"]
    assert found and not found[0]["waived"] and found[0]["severity"] == "block", found
    if where != "block-comment-above":
        assert found[0]["details"].get("attempted_waiver"), found[0]["details"]


@pytest.mark.parametrize("mode", MODES)
def test_a_waiver_or_exclude_added_to_the_policy_does_not_apply(repo: Repo, mode: str):
    repo.commit({".guardrails.yml": "on_unreviewed: block\n", "README.md": "x\n"})
    repo.commit({".guardrails.yml": "exclude: ['src/']\nwaivers:\n  - rule: '*'\n    reason: trust me\n"
                                    "on_unreviewed: pass\n", **OFFENCE})
    report = judge(repo, mode)
    assert blocked(report, "suppression/blanket-noqa") and report["on_unreviewed"] == "block"


@pytest.mark.parametrize("mode", MODES)
def test_an_allow_list_entry_in_the_same_change_does_not_approve_it(repo: Repo, mode: str):
    repo.commit({".guardrails.yml": "dependency:\n  approved_file: .approved-packages\n",
                 ".approved-packages": "flask\n", "requirements.txt": "flask==3.0.0\n"})
    repo.commit({".guardrails.yml": "dependency:\n  approved_file: .approved-packages\n  allow: ['*']\n",
                 ".approved-packages": "flask\nreqeusts\n", "requirements.txt": "flask==3.0.0\nreqeusts==2.0\n"})
    report = judge(repo, mode)
    assert blocked(report, "dependency/lookalike-name"), report["findings"]


@pytest.mark.parametrize("mode", MODES)
def test_a_new_approved_file_named_by_the_policy_does_not_approve_the_change(repo: Repo, mode: str):
    repo.commit({".guardrails.yml": "dependency:\n  approved_file: .approved-packages\n",
                 "requirements.txt": "flask==3.0.0\n"})
    repo.commit({".approved-packages": "reqeusts\n", "requirements.txt": "flask==3.0.0\nreqeusts==2.0\n"})
    report = judge(repo, mode)
    assert blocked(report, "dependency/lookalike-name"), report["findings"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attributes", ["*.py -diff", "*.py binary", "src/** linguist-generated=true -diff",
                                        "*.py filter=hide diff=hide", "* -text"])
def test_gitattributes_added_by_the_change_cannot_hide_lines(repo: Repo, mode: str, attributes: str):
    repo.commit({"README.md": "x\n", "src/app.py": "y = 0\n"})
    repo.commit({".gitattributes": attributes + "\n", "src/app.py": "y = 0\nimport os  # noqa\n"})
    report = judge(repo, mode)
    if mode == "diff" and "GIT binary patch" in (repo.path.parent / "change.patch").read_text():
        # The patch itself (made with those attributes) has no lines for the
        # file: it cannot pass as checked, it is named as not analysed.
        held = {n["path"]: n["state"] for n in report["stats"]["not_analysed"]}
        assert held.get("src/app.py") == "binary" and report["verdict"] != "pass", report
        return
    assert blocked(report, "suppression/blanket-noqa"), (attributes, report["findings"], report["notes"])


def test_semgrepignore_added_by_the_change_does_not_hide_files(repo: Repo):
    repo.commit({"package.json": '{"name": "x", "devDependencies": {"jest": "29"}}\n',
                 "src/app.test.js": "it('a', () => { expect(1).toBe(1); });\n"})
    repo.commit({".semgrepignore": "*\nsrc/\n*.test.js\n",
                 "src/app.test.js": "it.only('a', () => { expect(1).toBe(1); });\n"})
    report = check_json(repo, "--base", "HEAD~1")  # semgrep runs (the default policy) when installed
    assert "test-stub/focused-test" in rules_found(report), report["findings"]
    assert not any("semgrep" in note and "ignored" in note for note in report["notes"])


FORGED_DELETE = ("diff --git a/.guardrails.yml b/.guardrails.yml\ndeleted file mode 100644\n"
                 "index 1234567..0000000\n--- a/.guardrails.yml\n+++ /dev/null\n@@ -1,2 +1,0 @@\n"
                 "-rules:\n-  suppression/*: off\n")
FORGED_CREATE = ("diff --git a/.guardrails.yml b/.guardrails.yml\nnew file mode 100644\n"
                 "--- /dev/null\n+++ b/.guardrails.yml\n@@ -0,0 +1,2 @@\n+rules:\n+  suppression/*: off\n")
ADD_OFFENCE = ("diff --git a/src/app.py b/src/app.py\nnew file mode 100644\n--- /dev/null\n+++ b/src/app.py\n"
               "@@ -0,0 +1,2 @@\n+# fmt: off\n+x = 1  # noqa\n")


@pytest.mark.parametrize("in_repo", [True, False])
@pytest.mark.parametrize("forged", [FORGED_DELETE, FORGED_CREATE], ids=["delete", "create"])
def test_a_diff_cannot_forge_the_policy_it_replaces(repo: Repo, tmp_path, in_repo: bool, forged: str):
    """The diff claims the policy file held something else (a deletion whose
    removed lines are lax) or did not exist (a creation): while the working
    tree still holds the real file, the diff is not applied and that file
    judges it."""
    where = repo.path if in_repo else tmp_path / "plain"
    where.mkdir(exist_ok=True)
    if in_repo:
        repo.commit({".guardrails.yml": STRICT})
    else:
        (where / ".guardrails.yml").write_text(STRICT)
    (tmp_path / "forged.patch").write_text(forged + ADD_OFFENCE)
    res = run_cli(["check", "--diff", str(tmp_path / "forged.patch"), "--format", "json"], cwd=where)
    assert res.code == 1, res.err
    assert blocked(res.json()), res.json()["config"]


def test_a_deletion_already_applied_is_judged_by_the_committed_file(repo: Repo, tmp_path):
    repo.commit({".guardrails.yml": STRICT})
    (repo.path / ".guardrails.yml").unlink()
    (repo.path / "src").mkdir()
    (repo.path / "src" / "app.py").write_text("# fmt: off\nx = 1  # noqa\n")
    repo.git("add", "-A")
    patch = repo.git("diff", "--cached") + "\n"
    (tmp_path / "applied.patch").write_text(patch)
    report = check_json(repo, "--diff", str(tmp_path / "applied.patch"))
    assert blocked(report), report["config"]
    forged = patch.replace("-rules:\n-  suppression/formatter-off: block", "-rules:\n-  suppression/*: off")
    assert forged != patch
    (tmp_path / "forged.patch").write_text(forged)
    res = run_cli(["check", "--diff", str(tmp_path / "forged.patch")], cwd=repo.path)
    assert res.code == 2 and "pass --config" in res.err and len(res.err.strip().splitlines()) == 1, res.err


def test_a_control_character_in_the_policy_is_a_one_line_error(repo: Repo):
    repo.commit({".guardrails.yml": "rules:\n  \x1b[2J: off\n"})
    repo.commit({"a.py": "x = 1\n"})
    res = run_cli(["check", "--base", "HEAD~1"], cwd=repo.path)
    assert res.code == 2 and res.err.strip() == \
        "guardrails: error: .guardrails.yml:2: invalid YAML: character U+001B is not allowed", res.err


def test_a_hunks_only_edit_of_the_policy_not_yet_applied_is_judged_by_the_working_tree(tmp_path):
    work = tmp_path / "plain"
    work.mkdir()
    (work / ".guardrails.yml").write_text(STRICT)
    patch = ("diff --git a/.guardrails.yml b/.guardrails.yml\nindex 1111111..2222222 100644\n"
             "--- a/.guardrails.yml\n+++ b/.guardrails.yml\n@@ -1,2 +1,2 @@\n rules:\n"
             "-  suppression/formatter-off: block\n+  suppression/*: off\n" + ADD_OFFENCE)
    (tmp_path / "p.patch").write_text(patch)
    res = run_cli(["check", "--diff", str(tmp_path / "p.patch"), "--format", "json"], cwd=work)
    assert res.code == 1 and blocked(res.json()), res.err
