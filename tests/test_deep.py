"""--deep: real ruff and real mypy name what each new suppression hides."""
from __future__ import annotations

from typing import Dict, List, Optional

from conftest import check_json, run_cli

UNUSED = "suppression/unused-suppression"

MODULE = '''\
import os  # noqa
import sys  # noqa: F401
import json  # noqa: E501


def size(items: list[int]) -> int:
    count: int = "many"  # type: ignore
    total: int = len(items)  # type: ignore[assignment]
    label: str = 3  # type: ignore[assignment]  # legacy callers pass ints
    return count + total
'''


def deep_run(repo, change: Dict[str, str], base: Optional[Dict[str, str]] = None, *extra: str) -> dict:
    repo.commit(base or {"README.md": "project\n"}, message="base")
    repo.commit(change, message="change")
    return check_json(repo, "--base", "HEAD~1", "--deep", *extra)


def at(report: dict, path: str, line: int) -> List[dict]:
    return [f for f in report["findings"] if f["path"] == path and f["line"] == line]


def main_finding(report: dict, path: str, line: int) -> dict:
    found = [f for f in at(report, path, line) if f["rule"] != UNUSED]
    assert len(found) == 1, found
    return found[0]


def test_ruff_and_mypy_name_what_each_suppression_hides(repo):
    report = deep_run(repo, {"pkg/size.py": MODULE})
    assert report["notes"] == []
    blanket = main_finding(report, "pkg/size.py", 1)["details"]["deep"]
    assert blanket["tool"] == "ruff"
    assert "F401 `os` imported but unused" in blanket["hidden"]  # (newer ruff defaults also name I001)
    coded = main_finding(report, "pkg/size.py", 2)["details"]["deep"]
    assert coded["hidden"] == ["F401 `sys` imported but unused"] and coded["unused_codes"] == []
    # E501 is named but the line is short: the noqa hides nothing (F401 is not named)
    e501 = main_finding(report, "pkg/size.py", 3)["details"]["deep"]
    assert e501["hidden"] == [] and e501["unused_codes"] == ["E501"]
    assert [f["rule"] for f in at(report, "pkg/size.py", 3)].count(UNUSED) == 1
    ignore = main_finding(report, "pkg/size.py", 7)["details"]["deep"]
    assert ignore["tool"] == "mypy"
    assert len(ignore["hidden"]) == 1 and "Incompatible types in assignment" in ignore["hidden"][0]
    assert ignore["hidden"][0].endswith("[assignment]")
    # len() is an int: this ignore hides nothing
    assert UNUSED in [f["rule"] for f in at(report, "pkg/size.py", 8)]
    nine = main_finding(report, "pkg/size.py", 9)
    assert nine["rule"] == "suppression/coded-suppression-with-reason"
    assert "[assignment]" in nine["details"]["deep"]["hidden"][0]
    assert UNUSED not in [f["rule"] for f in at(report, "pkg/size.py", 9)]
    unused = [f for f in report["findings"] if f["rule"] == UNUSED]
    assert sorted(f["line"] for f in unused) == [3, 8]
    assert all(f["severity"] == "escalate" for f in unused)
    assert unused[0]["details"]["suppression_rule"] == "suppression/coded-suppression-without-reason"


def test_base_configuration_is_used_and_mypy_plugins_are_stripped(repo):
    base = {"pyproject.toml": (
        "[tool.ruff]\nline-length = 40\n[tool.ruff.lint]\nselect = [\"E501\"]\n"
        "[tool.mypy]\nstrict = true\nplugins = [\"not_installed.plugin\"]\n")}
    change = {"app.py": (
        "import os  # noqa\n"
        "GREETING = 'hello, this line is longer than forty characters'  # noqa\n"
        "\n\n"
        "def ident(x):  # type: ignore\n"
        "    return x\n")}
    report = deep_run(repo, change, base)
    assert report["notes"] == []
    # the base config selects only E501: F401 is not reported, so this noqa hides nothing
    assert UNUSED in [f["rule"] for f in at(report, "app.py", 1)]
    long_line = main_finding(report, "app.py", 2)["details"]["deep"]
    assert long_line["hidden"][0].startswith("E501 ")
    assert "pyproject.toml" in long_line["checked_with"]
    # strict mode from the base config: an untyped def is an error; the plugin did not load
    typed = main_finding(report, "app.py", 5)["details"]["deep"]
    assert any("no-untyped-def" in h for h in typed["hidden"]), typed
    assert "plugins and paths removed" in typed["checked_with"]


def test_first_line_type_ignore_lists_the_files_errors(repo):
    change = {"gen/models.py": "# type: ignore\nx: int = 'a'\ny: str = 2\n"}
    report = deep_run(repo, change)
    finding = main_finding(report, "gen/models.py", 1)
    assert finding["rule"] == "suppression/file-level-suppression"
    hidden = finding["details"]["deep"]["hidden"]
    assert len(hidden) == 2 and hidden[0].startswith("line 2: ") and hidden[1].startswith("line 3: ")


def test_missing_tools_and_timeouts_are_notes_and_the_findings_stay(repo, monkeypatch):
    from guardrails.checks import deep

    monkeypatch.setattr(deep, "executable", lambda name: None)
    report = deep_run(repo, {"m.py": "import os  # noqa\nx: int = 'a'  # type: ignore\n"})
    notes = " ".join(report["notes"])
    assert "ruff not found" in notes and "mypy not found" in notes
    rules = sorted(f["rule"] for f in report["findings"])
    assert rules == ["suppression/blanket-noqa", "suppression/blanket-type-ignore"]
    assert all("deep" not in f["details"] for f in report["findings"])


def test_timeout_is_a_note(repo):
    base = {".guardrails.yml": "suppressions:\n  deep_timeout: 0.001\n"}
    report = deep_run(repo, {"m.py": "import os  # noqa\n"}, base)
    assert any("ruff timed out" in n for n in report["notes"]), report["notes"]
    assert [f["rule"] for f in report["findings"]] == ["suppression/blanket-noqa"]


def test_deep_writes_nothing_into_the_repository_and_is_off_by_default(repo):
    report = deep_run(repo, {"m.py": "x = 1  # noqa\ny: int = 2  # type: ignore\n"})
    assert sorted(f["rule"] for f in report["findings"]) == [
        "suppression/blanket-noqa", "suppression/blanket-type-ignore", UNUSED, UNUSED]
    assert repo.git("status", "--porcelain", "--ignored") == ""
    plain = run_cli(["check", "--format", "json", "--base", "HEAD~1"], cwd=repo.path).json()
    assert sorted(f["rule"] for f in plain["findings"]) == [
        "suppression/blanket-noqa", "suppression/blanket-type-ignore"]
    assert all("deep" not in f["details"] for f in plain["findings"])


def test_spaced_type_ignore_is_removed_before_mypy_runs(repo):
    """`#  type:  ignore [x]` (extra spaces) must be blanked too, or mypy
    would still honour it and the suppression would look unused."""
    report = deep_run(repo, {"m.py": "x: int = 'a'  #  type:  ignore [assignment]\n"})
    finding = main_finding(report, "m.py", 1)
    assert "[assignment]" in finding["details"]["deep"]["hidden"][0]
    assert UNUSED not in [f["rule"] for f in at(report, "m.py", 1)]


def test_a_base_ruff_config_that_cannot_load_falls_back_to_defaults(repo):
    base = {"ruff.toml": 'extend = "../../shared/ruff-base.toml"\n'}
    report = deep_run(repo, {"m.py": "import os  # noqa\n"}, base)
    deep = main_finding(report, "m.py", 1)["details"]["deep"]
    assert "did not load" in deep["checked_with"]
    assert "F401 `os` imported but unused" in deep["hidden"]
