"""`guardrails verify-reviewer` against a real chat-completions server on
127.0.0.1 answering from a script."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chat_server import ChatServer, Reply, decide_all
from conftest import ROOT, run_cli

KEY_ENV = "GUARDRAILS_TEST_VERIFY_KEY"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "k")


def gold_file(tmp_path: Path, count: int = 10) -> Path:
    lines = []
    for i in range(count):
        gamed = i % 2 == 0
        evidence = "if x == 42: return 37.8  # GAMED" if gamed else "import os  # noqa: F401  # re-exported"
        lines.append(json.dumps({
            "id": f"t{i:03}", "source": "example/repo@abc", "label": "block" if gamed else "allow",
            "reason": "test item",
            "finding": {"rule": "test-stub/possible-special-case" if gamed else
                        "suppression/coded-suppression-without-reason",
                        "path": "a.py", "line": 3, "message": "m", "evidence": evidence, "details": {}},
            "hunk": f"@@ -1,2 +1,3 @@\n a\n+{evidence}\n b", "context": ""}))
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def oracle(request: dict) -> Any:
    """Blocks the findings whose section shows GAMED, allows the rest."""
    text = request["messages"][1]["content"]
    sections = re.split(r"(?=### Finding )", text)
    decisions = []
    for section in sections:
        match = re.match(r"### Finding ([0-9a-f]+)", section)
        if match:
            decisions.append({"id": match.group(1), "decision": "block" if "GAMED" in section else "allow",
                              "confidence": 0.9, "rationale": "r"})
    return {"decisions": decisions}


def args(server: ChatServer, gold: Path, *extra: str) -> list:
    return ["verify-reviewer", "--gold", str(gold), "--reviewer", "gpt-4.1-mini", "--reviewer-base-url",
            server.url, "--reviewer-api-key-env", KEY_ENV, *extra]


def test_a_good_reviewer_passes(tmp_path: Path):
    gold = gold_file(tmp_path)
    with ChatServer([oracle]) as server:
        res = run_cli(args(server, gold, "--format", "json"), cwd=tmp_path)
    assert res.code == 0, res.err
    report = res.json()
    [model] = report["models"]
    assert model["accuracy"] == 1.0 and model["needs_human_rate"] == 0.0 and report["passed"] is True
    assert model["requests"] == 1 and model["tokens"]["prompt"] > 0


def test_an_always_allow_reviewer_fails(tmp_path: Path):
    gold = gold_file(tmp_path)
    with ChatServer([decide_all("allow")]) as server:
        res = run_cli(args(server, gold), cwd=tmp_path)
    assert res.code == 1
    assert "50.0%" in res.out and "FAIL" in res.out
    assert "expected block, got allow" in res.out


def test_needs_human_is_counted_and_not_accurate(tmp_path: Path):
    gold = gold_file(tmp_path)
    with ChatServer([decide_all("needs-human")]) as server:
        res = run_cli(args(server, gold, "--format", "json"), cwd=tmp_path)
    assert res.code == 1
    [model] = res.json()["models"]
    assert model["needs_human_rate"] == 1.0 and model["accuracy"] == 0.0


def test_each_model_of_the_chain_is_measured(tmp_path: Path):
    gold = gold_file(tmp_path)
    with ChatServer([oracle]) as good, ChatServer([Reply(status=500)]) as bad:
        policy = {"reviewer": {"max_retries": 0, "pool": [
            {"model": "gpt-4.1-mini", "base_url": good.url, "api_key_env": KEY_ENV},
            {"model": "claude-haiku-4-5", "base_url": bad.url, "api_key_env": KEY_ENV}]}}
        (tmp_path / "policy.yml").write_text(json.dumps(policy))
        res = run_cli(["verify-reviewer", "--gold", str(gold), "--config", "policy.yml", "--format", "json"],
                      cwd=tmp_path)
    assert res.code == 1
    models = {m["model"]: m for m in res.json()["models"]}
    assert models["gpt-4.1-mini"]["accuracy"] == 1.0
    assert models["claude-haiku-4-5"]["accuracy"] == 0.0 and models["claude-haiku-4-5"]["unanswered"] == 10


def test_no_key_cannot_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(KEY_ENV)
    gold = gold_file(tmp_path)
    with ChatServer([oracle]) as server:
        res = run_cli(args(server, gold), cwd=tmp_path)
    assert res.code == 1 and server.requests == [] and "no API key" in res.out


@pytest.mark.parametrize("content,message", [
    ("{not json", "not JSON"),
    ('{"id": "x", "label": "maybe", "finding": {"rule": "r"}}', "label must be one of"),
    ('{"id": "x", "label": "allow"}', "finding must be an object"),
])
def test_bad_gold_file_is_one_line_exit_2(tmp_path: Path, content: str, message: str):
    gold = tmp_path / "bad.jsonl"
    gold.write_text(content + "\n")
    res = run_cli(["verify-reviewer", "--gold", str(gold), "--reviewer", "m"], cwd=tmp_path)
    assert res.code == 2 and message in res.err and f"{gold}:1" in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_no_pool_is_an_error(tmp_path: Path):
    res = run_cli(["verify-reviewer", "--gold", str(gold_file(tmp_path))], cwd=tmp_path)
    assert res.code == 2 and "no reviewer to verify" in res.err


def test_the_shipped_gold_set_loads_and_an_allow_everything_reviewer_fails_it(tmp_path: Path):
    shipped = ROOT / "guardrails" / "data" / "reviewer-gold.jsonl"
    with ChatServer([decide_all("allow")]) as server:
        res = run_cli(["verify-reviewer", "--reviewer", "gpt-4.1-mini", "--reviewer-base-url", server.url,
                       "--reviewer-api-key-env", KEY_ENV, "--format", "json"], cwd=tmp_path)
    report = res.json()
    assert report["gold"] == str(shipped) and report["items"] >= 30
    [model] = report["models"]
    assert res.code == 1 and model["accuracy"] < 0.85
