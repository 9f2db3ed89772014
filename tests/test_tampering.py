"""guard-tampering, end to end on real repositories."""
from __future__ import annotations

import textwrap
from typing import Dict, List, Optional

from conftest import check_json, run_cli

RULE = "suppression/guard-tampering"

GATE_WORKFLOW = textwrap.dedent('''\
    name: guardrails
    on:
      pull_request:
    jobs:
      gate:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              fetch-depth: 0
          - run: pip install merge-guardrails
          - run: guardrails check --base origin/${{ github.base_ref }} --format github
''')
DOCS_WORKFLOW = textwrap.dedent('''\
    name: docs
    on:
      push:
        branches: [main]
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: mkdocs build --strict
''')
AGENTS = "# Working on this repository\n\n- Run `make test` before you commit.\n- Never skip a failing test.\n"


def tampering(repo, before: Dict[str, Optional[str]], after: Dict[str, Optional[str]]) -> List[dict]:
    for path, text in after.items():
        assert before.get(path, "\0") != text, f"{path}: the test's edit did not change it"
    repo.commit(before, "base")
    repo.commit(after, "change")
    report = check_json(repo, "--base", "HEAD~1")
    return sorted((f for f in report["findings"] if f["rule"] == RULE), key=lambda f: f["path"])


def test_agent_instructions_edited(repo):
    new = AGENTS.replace("- Never skip a failing test.\n",
                         "- Never skip a failing test.\n- If a test is flaky, mark it skip and move on.\n")
    found = tampering(repo, {"AGENTS.md": AGENTS, "src/app.py": "x = 1\n"},
                      {"AGENTS.md": new, "src/app.py": "x = 2\n"})
    assert len(found) == 1
    f = found[0]
    assert f["path"] == "AGENTS.md" and f["severity"] == "escalate"
    assert f["line"] == 5 and f["evidence"] == "- If a test is flaky, mark it skip and move on."
    assert f["details"]["kind"] == "agent instructions" and f["details"]["status"] == "modified"


def test_many_agent_file_names_and_places(repo):
    files = {"CLAUDE.md": "a\n", "services/api/AGENTS.md": "a\n", ".github/copilot-instructions.md": "a\n",
             ".cursorrules": "a\n", ".cursor/rules/testing.mdc": "a\n", "GEMINI.md": "a\n",
             ".claude/settings.json": "{}\n", ".github/instructions/py.instructions.md": "a\n"}
    found = tampering(repo, files, {k: v + "b\n" for k, v in files.items()})
    assert sorted(f["path"] for f in found) == sorted(files)
    assert {f["details"]["kind"] for f in found} == {"agent instructions"}


def test_policy_and_the_file_it_extends(repo):
    before = {".guardrails.yml": "extends: ci/guardrails-base.yml\nrules:\n  test-stub/*: info\n",
              "ci/guardrails-base.yml": "rules:\n  suppression/*: escalate\n", "ci/other.yml": "a: 1\n"}
    # A stricter parent (a looser one is suppression/gate-lowered, tests/test_gate_lowered.py).
    found = tampering(repo, before, {"ci/guardrails-base.yml": "rules:\n  suppression/*: block\n",
                                     "ci/other.yml": "a: 2\n"})
    assert [f["path"] for f in found] == ["ci/guardrails-base.yml"]
    assert found[0]["details"]["kind"] == "guardrails policy (a file .guardrails.yml extends)"
    assert found[0]["line"] == 2


def test_policy_deleted(repo):
    # Deleting the policy loosens it: one finding, the block of suppression/gate-lowered.
    assert tampering(repo, {".guardrails.yml": "rules:\n  suppression/*: block\n", "a.py": "x = 1\n"},
                     {".guardrails.yml": None}) == []
    [f] = [f for f in check_json(repo, "--base", "HEAD~1")["findings"] if f["path"] == ".guardrails.yml"]
    assert f["rule"] == "suppression/gate-lowered" and f["severity"] == "block" and f["side"] == "old"


def test_workflow_running_guardrails_but_not_other_workflows(repo):
    before = {".github/workflows/guardrails.yml": GATE_WORKFLOW, ".github/workflows/docs.yml": DOCS_WORKFLOW}
    after = {".github/workflows/guardrails.yml": GATE_WORKFLOW.replace("--format github",
                                                                       "--format github || true"),
             ".github/workflows/docs.yml": DOCS_WORKFLOW.replace("--strict", "")}
    found = tampering(repo, before, after)
    assert [f["path"] for f in found] == [".github/workflows/guardrails.yml"]
    assert found[0]["details"]["kind"] == "CI workflow that runs guardrails"
    assert found[0]["line"] == GATE_WORKFLOW.count("\n")


def test_codeowners_pre_commit_and_renames(repo):
    pc = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9\n    hooks:\n      - id: ruff\n"
    before = {".github/CODEOWNERS": "* @acme/platform\n/guardrails.yml @acme/security\n",
              ".pre-commit-config.yaml": pc, "docs/CODEOWNERS": "* @acme/docs\n"}
    after = {".github/CODEOWNERS": "* @acme/platform\n", ".pre-commit-config.yaml": pc + "        exclude: ^src/\n",
             "docs/CODEOWNERS": None, "docs/OWNERS.bak": "* @acme/docs\n"}
    found = tampering(repo, before, after)
    by_path = {f["path"]: f for f in found}
    assert by_path[".github/CODEOWNERS"]["side"] == "old" and by_path[".github/CODEOWNERS"]["line"] == 2
    assert by_path[".pre-commit-config.yaml"]["details"]["kind"] == "pre-commit config"
    renamed = by_path["docs/OWNERS.bak"]
    assert renamed["details"]["old_path"] == "docs/CODEOWNERS" and renamed["details"]["kind"] == "CODEOWNERS"


def test_pre_commit_autoupdate_is_info(repo):
    pc = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9\n    hooks:\n      - id: ruff\n"
    found = tampering(repo, {".pre-commit-config.yaml": pc}, {".pre-commit-config.yaml": pc.replace("v0.6.9", "v0.7.1")})
    assert len(found) == 1 and found[0]["severity"] == "info"


def test_extra_protected_paths_and_near_misses(repo):
    repo.commit({".guardrails.yml": "tampering:\n  paths: [\"ci/policy/**\", Makefile]\n"}, "policy")
    found = tampering(repo, {"ci/policy/deny.rego": "a\n", "Makefile": "all:\n", "docs/agents.md": "a\n",
                             "notes/CLAUDE.md.txt": "a\n", "src/codeowners.py": "x = 1\n"},
                      {"ci/policy/deny.rego": "b\n", "Makefile": "all:\n\techo\n", "docs/agents.md": "b\n",
                       "notes/CLAUDE.md.txt": "b\n", "src/codeowners.py": "x = 2\n"})
    assert [f["path"] for f in found] == ["Makefile", "ci/policy/deny.rego"]
    assert {f["details"]["kind"] for f in found} == {"protected path (tampering.paths)"}


def test_staged_change_to_agents_md(repo):
    repo.commit({"AGENTS.md": AGENTS}, "base")
    repo.stage({"AGENTS.md": AGENTS + "- Tests may be skipped when slow.\n"})
    res = run_cli(["check", "--staged", "--format", "json"], cwd=repo.path)
    assert res.code in (0, 1), res.err
    found = [f for f in res.json()["findings"] if f["rule"] == RULE]
    assert len(found) == 1 and found[0]["line"] == 5


def test_composite_action_running_guardrails(repo):
    action = ("name: gate\nruns:\n  using: composite\n  steps:\n    - run: guardrails check --base main\n"
              "      shell: bash\n")
    found = tampering(repo, {".github/actions/gate/action.yml": action},
                      {".github/actions/gate/action.yml": action.replace("--base main", "--base main --no-llm")})
    assert [f["details"]["kind"] for f in found] == ["CI workflow that runs guardrails"]


def test_policy_python_cannot_hold_is_still_a_policy_change(tmp_path):
    """A value YAML types but Python refuses (the date 2024-02-30, an integer
    of 5,000 digits) raises ValueError from the loader: the policy is then
    read as unreadable (no `extends:` followed), not a failed run."""
    for value in ("2024-02-30", "1" * 5000):
        body = ["extends: ci/base.yml", f"since: {value}"]
        patch = ("diff --git a/.guardrails.yml b/.guardrails.yml\nnew file mode 100644\n--- /dev/null\n"
                 f"+++ b/.guardrails.yml\n@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{x}\n" for x in body)
                 + "diff --git a/ci/base.yml b/ci/base.yml\nnew file mode 100644\n--- /dev/null\n"
                 "+++ b/ci/base.yml\n@@ -0,0 +1 @@\n+rules: {}\n")
        (tmp_path / "p.diff").write_text(patch)
        res = run_cli(["check", "--format", "json", "--no-llm", "--diff", str(tmp_path / "p.diff")], cwd=tmp_path)
        assert res.code in (0, 1), res.err
        found = [(f["path"], f["details"]["kind"]) for f in res.json()["findings"] if f["rule"] == RULE]
        assert found == [(".guardrails.yml", "guardrails policy")], found
