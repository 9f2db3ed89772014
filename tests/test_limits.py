"""Resource bounds (guardrails/limits.py): files over a limit are named as
not analysed (never a silent pass), committed environments are one
finding, and the limits are the base revision's policy."""
from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import ROOT, Repo, check_json, rules_found, run_cli
from guardrails import limits
from guardrails.model import ADDED_FILE, MODIFIED, ChangeSet, FileChange, Hunk, Line

SCHEMA = json.loads((ROOT / "guardrails" / "schema" / "report-v1.schema.json").read_text())


def held(report: dict) -> dict:
    return {n["path"]: n["state"] for n in report["stats"]["not_analysed"]}


def test_limits_are_validated_like_family_options(repo: Repo):
    for text, words in [("limits:\n  max_file_lines: many\n", ("limits.max_file_lines", "an integer")),
                        ("limits:\n  max_lines: 5\n", ("limits.max_lines", "unknown option")),
                        ("limits:\n  vendored_trees: 3\n", ("limits.vendored_trees", "true or false"))]:
        (repo.path / ".guardrails.yml").write_text(text)
        (repo.path / "p.diff").write_text("--- /dev/null\n+++ b/a.py\n@@ -0,0 +1 @@\n+x = 1\n")
        res = run_cli(["check", "--diff", "p.diff"], cwd=repo.path)
        assert res.code == 2 and len(res.err.strip().splitlines()) == 1, res.err
        assert res.err.startswith("guardrails: error: .guardrails.yml:2: ") and all(w in res.err for w in words)


def test_configured_limits_name_each_state(repo: Repo):
    repo.commit({".guardrails.yml": "limits:\n  max_file_lines: 50\n  max_line_chars: 200\n"
                                    "  max_change_lines: 120\n", "README.md": "x\n"})
    repo.commit({
        "a_big.py": "".join(f"x{i} = {i}\n" for i in range(60)),
        "b_wide.py": "y = '" + "w" * 300 + "'\n",
        "c_first.py": "".join(f"c{i} = {i}  # noqa\n" for i in range(40)),
        "d_second.py": "".join(f"d{i} = {i}\n" for i in range(40)),
        "e_third.py": "".join(f"e{i} = {i}  # noqa\n" for i in range(45)),
    })
    report = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(report, SCHEMA)
    assert held(report) == {"a_big.py": "too-large", "b_wide.py": "long-line", "e_third.py": "change-budget"}
    reasons = {n["path"]: n["reason"] for n in report["stats"]["not_analysed"]}
    assert reasons["a_big.py"] == "60 added lines (limit 50)"
    assert reasons["b_wide.py"] == "a 306-character line (limit 200)"
    noqa = {f["path"] for f in report["findings"] if f["rule"] == "suppression/blanket-noqa"}
    assert noqa == {"c_first.py"}  # analysed within the budget; e_third.py is held, not passed
    not_analysed = [f for f in report["findings"] if f["rule"] == "security/not-analysed"]
    assert sorted(f["path"] for f in not_analysed) == ["a_big.py", "b_wide.py", "e_third.py"]
    assert all(f["severity"] == "escalate" and f["line"] == 0 for f in not_analysed)
    assert report["stats"]["files"] == 5 and report["stats"]["lines_added"] == 60 + 1 + 40 + 40 + 45
    assert any(n.startswith("not analysed: 1 file change-budget") for n in report["notes"]), report["notes"]


def test_limits_added_by_the_change_do_not_apply_to_it(repo: Repo):
    repo.commit({"README.md": "x\n"})
    repo.commit({".guardrails.yml": "limits:\n  max_file_lines: 1\n  vendored_trees: false\n",
                 "a.py": "x = 1  # noqa\ny = 2\n", ".venv/pyvenv.cfg": "home = /usr/bin\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert "suppression/blanket-noqa" in rules_found(report)  # still analysed: the new limit is not in force
    assert "dependency/vendored-tree" in rules_found(report)


def _venv_files(root: str, n: int) -> dict:
    files = {f"{root}/pyvenv.cfg": "home = /usr/bin\ninclude-system-site-packages = false\n",
             f"{root}/bin/activate": "# This file must be used with \"source bin/activate\"\n"}
    for i in range(n):
        files[f"{root}/lib/python3.12/site-packages/pkg{i}/__init__.py"] = (
            "import os  # noqa\n" + "".join(f"def f{j}(): return {j}\n" for j in range(20)))
    return files


def test_a_committed_virtual_environment_is_one_block_finding(repo: Repo):
    repo.commit({"README.md": "x\n"})
    files = _venv_files(".venv", 30)
    files.update({"node_modules/left-pad/index.js": "module.exports = 1; // eslint-disable-line\n",
                  "src/__pycache__/app.cpython-312.pyc": b"\x00\x00bytecode",
                  "src/app.py": "import os  # noqa\n"})
    repo.commit(files)
    report = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(report, SCHEMA)
    trees = [f for f in report["findings"] if f["rule"] == "dependency/vendored-tree"]
    assert [(f["path"], f["severity"], f["details"]["root"]) for f in trees] == [
        (".venv/pyvenv.cfg", "block", ".venv"),
        ("node_modules/left-pad/index.js", "block", "node_modules"),
        ("src/__pycache__/app.cpython-312.pyc", "block", "src/__pycache__")]
    assert trees[0]["details"]["files"] == 32 and trees[0]["details"]["lines_added"] == 30 * 21 + 3
    assert "a Python virtual environment committed at .venv/" in trees[0]["message"]
    # Nothing under the trees was analysed; the real source was.
    assert {f["path"] for f in report["findings"] if f["rule"] == "suppression/blanket-noqa"} == {"src/app.py"}
    states = held(report)
    assert len(states) == 34 and set(states.values()) == {"vendored"}
    assert report["verdict"] == "block"


def test_an_environment_at_the_repository_root_and_site_packages_alone(repo: Repo):
    repo.commit({"README.md": "x\n"})
    repo.commit({"pyvenv.cfg": "home = /usr/bin\n", "lib/python3.12/site-packages/x.py": "x = 1\n",
                 "app.py": "y = 2\n"})
    report = check_json(repo, "--base", "HEAD~1")
    trees = [f for f in report["findings"] if f["rule"] == "dependency/vendored-tree"]
    assert [f["details"]["root"] for f in trees] == ["."]
    assert held(report) == {"pyvenv.cfg": "vendored", "lib/python3.12/site-packages/x.py": "vendored",
                            "app.py": "vendored"}


def test_editing_a_tree_already_in_the_repository_escalates(repo: Repo):
    repo.commit({"README.md": "x\n", "web/node_modules/lib/index.js": "module.exports = 1;\n"})
    repo.commit({"web/node_modules/lib/index.js": "module.exports = process.env.CI ? 2 : 1;\n"})
    report = check_json(repo, "--base", "HEAD~1")
    trees = [f for f in report["findings"] if f["rule"] == "dependency/vendored-tree"]
    assert [(f["severity"], f["details"]["new_tree"]) for f in trees] == [("escalate", False)]
    assert "installed npm packages changed at web/node_modules/" in trees[0]["message"]


def test_vendored_trees_can_be_turned_off_by_the_base_policy(repo: Repo):
    repo.commit({".guardrails.yml": "limits:\n  vendored_trees: false\n"})
    repo.commit({"node_modules/x/index.js": "// eslint-disable\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert "dependency/vendored-tree" not in rules_found(report)
    assert report["stats"]["not_analysed"] == []
    assert "suppression/file-level-suppression" in rules_found(report)


def _fc(path: str, texts, status=ADDED_FILE, **kw) -> FileChange:
    lines = tuple(Line("+", t, None, i + 1) for i, t in enumerate(texts))
    return FileChange(path=path, old_path=None if status == ADDED_FILE else path, status=status,
                      hunks=(Hunk(0, 0, 1, len(lines), "", lines),), **kw)


def test_apply_keeps_the_change_order_and_is_identity_within_limits():
    files = (_fc("b.py", ["x"]), _fc("a.py", ["y"]), _fc("c.py", ["z"], status=MODIFIED))
    change = ChangeSet(files=files, source="test")
    held_ = limits.apply(change, {})
    assert held_.change is change and held_.findings == () and held_.notes == ()
    held_ = limits.apply(change, {"max_change_lines": 2})
    assert [f.path for f in held_.change.files] == ["b.py", "a.py"]  # budget spent in path order
    assert [(n.path, n.state) for n in held_.not_analysed] == [("c.py", "change-budget")]


@pytest.mark.parametrize("path,expected", [
    ("a/node_modules/x/y.js", ("a/node_modules", "installed npm packages")),
    ("node_modules.js", None),
    ("src/site-packages.py", None),
    ("x/.tox/py311/lib/a.py", ("x/.tox", "tox environments")),
])
def test_vendored_root(path, expected):
    assert limits.vendored_root(path) == expected


def test_a_spent_time_budget_is_named_not_silent(repo: Repo):
    repo.commit({".guardrails.yml": "limits:\n  max_seconds: 0\n", "README.md": "x\n"})
    repo.commit({"a.py": "x = 1  # noqa\n"})
    report = check_json(repo, "--base", "HEAD~1")
    jsonschema.validate(report, SCHEMA)
    late = [n for n in report["stats"]["not_analysed"] if n["state"] == "time-limit"]
    assert late and all(n["path"] == "." for n in late)
    assert "check family suppressions not run" in late[0]["reason"]
    assert "suppression/blanket-noqa" not in rules_found(report)  # not run, and the report says so
    found = [f for f in report["findings"] if f["rule"] == "security/not-analysed"]
    assert len(found) == len(late) and report["verdict"] != "pass"
    assert report["stats"]["family_seconds"] == {}
