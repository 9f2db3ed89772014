"""The reviewer gold set (guardrails/data/reviewer-gold.jsonl): escalated
findings taken from real public changes, each labelled allow or block.  These
tests keep its shape usable by the reviewer's gold-set command: enough items,
balanced labels, rules that really escalate, hunks that parse, evidence that
is in the hunk -- and, for the rules that need no other file, the same
finding when the hunk is replayed in a real git repository."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

from guardrails import rules
from guardrails.change import parse_diff
from guardrails.errors import GuardError
from tests.conftest import Repo, check_json

GOLD = Path(__file__).resolve().parent.parent / "guardrails" / "data" / "reviewer-gold.jsonl"
ITEM_KEYS = {"id", "source", "label", "reason", "finding", "hunk"}
OPTIONAL_KEYS = {"context"}
FINDING_KEYS = {"rule", "path", "line", "message", "evidence", "details"}
LABELS = ("allow", "block")
MAX_HUNK_LINES = 60
HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
SOURCE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+@\S+$")
# Rules whose finding the hunk alone carries: replaying the hunk (old side
# committed, then new side) must raise the same finding again.  Other rules
# (a skipped test, a changed expected value, a dependency, a setting in a
# TOML table the hunk cuts) need the whole file or other files of the real
# commit, which `source` names.
REPLAYABLE = {"suppression/coded-suppression-without-reason", "suppression/coverage-exclusion",
              "suppression/relaxed-coverage-config"}
# Items whose shortened hunk alone does not reproduce the finding (the real
# commit does; it was checked when the item was written).
NOT_REPLAYABLE = {"g005"}


def load(path: Path = GOLD) -> List[Dict[str, Any]]:
    items = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert raw.strip(), f"{path.name}:{number}: empty line"
        item = json.loads(raw)
        assert isinstance(item, dict), f"{path.name}:{number}: not a JSON object"
        items.append(item)
    return items


def parsed_hunk(item: Dict[str, Any]):
    path = item["finding"]["path"]
    text = f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{item['hunk']}\n"
    files = parse_diff(text, where=f"gold item {item['id']}")
    assert len(files) == 1 and len(files[0].hunks) == 1, item["id"]
    return files[0].hunks[0]


def problems(item: Dict[str, Any]) -> List[str]:
    """What is wrong with one gold item (empty when nothing)."""
    out: List[str] = []
    keys = set(item)
    if not ITEM_KEYS <= keys or keys - ITEM_KEYS - OPTIONAL_KEYS:
        return [f"keys {sorted(keys)}"]
    finding = item["finding"]
    if not isinstance(finding, dict) or set(finding) != FINDING_KEYS:
        return [f"finding keys {sorted(finding) if isinstance(finding, dict) else finding!r}"]
    if not re.fullmatch(r"g\d{3}", str(item["id"])):
        out.append(f"id {item['id']!r}")
    if not SOURCE.match(str(item["source"])):
        out.append(f"source {item['source']!r}")
    if item["label"] not in LABELS:
        out.append(f"label {item['label']!r}")
    reason = item["reason"]
    if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
        out.append("reason must be one non-empty line")
    try:
        rule = rules.get(finding["rule"])
    except GuardError as exc:
        out.append(str(exc))
    else:
        if rule.severity != "escalate":
            out.append(f"{rule.id} is {rule.severity} by default, not escalate")
    if not isinstance(finding["line"], int) or finding["line"] < 0:
        out.append(f"line {finding['line']!r}")
    if not isinstance(finding["details"], dict):
        out.append("details must be an object")
    if not finding["message"] or not finding["evidence"]:
        out.append("message and evidence must be given")
    hunk = item["hunk"]
    if not isinstance(hunk, str) or not HUNK_HEADER.match(hunk):
        return out + ["hunk must start with an @@ header"]
    if len(hunk.split("\n")) > MAX_HUNK_LINES:
        out.append(f"hunk has {len(hunk.splitlines())} lines (at most {MAX_HUNK_LINES})")
    body = [line[1:] for line in hunk.split("\n")[1:] if line[:1] in (" ", "+", "-")]
    if not any(finding["evidence"] in line for line in body):
        out.append("evidence is not on a line of the hunk")
    try:
        parsed_hunk(item)
    except (GuardError, AssertionError) as exc:
        out.append(f"hunk does not parse: {exc}")
    return out


ITEMS = load()


def test_enough_items_with_unique_ids():
    assert len(ITEMS) >= 30
    ids = [item["id"] for item in ITEMS]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)


def test_labels_are_balanced_within_40_60():
    allow = sum(1 for item in ITEMS if item["label"] == "allow")
    block = sum(1 for item in ITEMS if item["label"] == "block")
    assert allow + block == len(ITEMS)
    assert 0.4 <= allow / len(ITEMS) <= 0.6, (allow, block)


@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_item_shape_rule_hunk_and_evidence(item):
    assert problems(item) == []


@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_finding_line_lies_in_its_hunk(item):
    hunk = parsed_hunk(item)
    line = item["finding"]["line"]
    new_range = range(hunk.new_start, hunk.new_start + hunk.new_len)
    old_range = range(hunk.old_start, hunk.old_start + hunk.old_len)
    assert line in new_range or line in old_range, (line, new_range, old_range)


def test_both_labels_cover_several_rules():
    """A gold set of one rule would only test the reviewer on that rule."""
    for label in LABELS:
        assert len({item["finding"]["rule"] for item in ITEMS if item["label"] == label}) >= 3, label


def test_the_checker_rejects_broken_items():
    good = dict(ITEMS[0])
    assert problems(good) == []
    broken = [
        dict(good, label="maybe"),
        dict(good, finding=dict(good["finding"], rule="suppression/blanket-noqa")),  # block, not escalate
        dict(good, finding=dict(good["finding"], rule="suppression/no-such-rule")),
        dict(good, finding=dict(good["finding"], evidence="not in the hunk at all")),
        dict(good, hunk="@@ -1,2 +1,2 @@\n-a\n+b\n"),  # counts do not match: does not parse
        dict(good, hunk=good["hunk"].replace("@@", "##", 1)),
        dict(good, reason="two\nlines"),
        {k: v for k, v in good.items() if k != "source"},
    ]
    for item in broken:
        assert problems(item), item


def _sides(hunk: str):
    """The old and the new text of a hunk, padded with empty lines so the
    line numbers are those of the real files."""
    match = HUNK_HEADER.match(hunk)
    assert match
    old = [""] * max(0, int(match.group(1)) - 1)
    new = [""] * max(0, int(match.group(3)) - 1)
    for line in hunk.split("\n")[1:]:
        kind, text = line[:1], line[1:]
        if kind in (" ", "-"):
            old.append(text)
        if kind in (" ", "+"):
            new.append(text)
    return old, new


REPLAY = [item for item in ITEMS if item["finding"]["rule"] in REPLAYABLE and item["id"] not in NOT_REPLAYABLE]


def test_most_items_of_replayable_rules_replay():
    assert len(REPLAY) >= 8


@pytest.mark.parametrize("item", REPLAY, ids=[item["id"] for item in REPLAY])
def test_replayed_hunk_escalates_the_same_finding(tmp_path, item):
    finding = item["finding"]
    old, new = _sides(item["hunk"])
    repo = Repo(tmp_path / "repo")
    old_file = None if not any(old) and item["hunk"].startswith("@@ -0,0 ") else "\n".join(old) + "\n"
    repo.commit({finding["path"]: old_file, "README.md": "base\n"}, message="base")
    new_file = None if not any(new) and re.match(r"@@ -\S+ \+0,0 @@", item["hunk"]) else "\n".join(new) + "\n"
    repo.commit({finding["path"]: new_file}, message="change")
    report = check_json(repo, "--base", "HEAD~1", "--no-llm")
    hits = [f for f in report["findings"] if f["rule"] == finding["rule"] and f["path"] == finding["path"]
            and f["line"] == finding["line"]]
    assert hits, [(f["rule"], f["path"], f["line"]) for f in report["findings"]]
    assert hits[0]["severity"] == "escalate"
    assert hits[0]["evidence"] == finding["evidence"]
