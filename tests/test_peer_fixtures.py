"""Every suppression comment a peer tool flags, we flag too.

The peer fixtures (ruff PGH003/PGH004/RUF100, pygrep-hooks, typescript-eslint
ban-ts-comment, eslint-comments, golangci-lint nolintlint) live outside the
project, in ../shared/peer-fixtures.  Each fixture is added as a new file of
one change in one real git repository; the whole change is checked once.

A peer flags some lines that are not suppression comments: `@ts-check`
(which turns checking *on*), `eslint-enable`, `eslint-env`, `global`,
`exported`, an `/* eslint rule: error */` that turns a rule on,
`tslint:enable`, `# ruff: enable[...]`, and pygrep's
python-use-type-annotations (it flags `# type: int` type comments).  Those
lines are left out of the count; every other flagged line must carry one of
our suppression findings.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from conftest import Repo, check_json

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peer-fixtures"

# What a suppression comment looks like, judged independently of our table.
SUPPRESSION = re.compile(
    r"noqa|type:?\s*ignore(?![\w-])|pyright:\s*ignore|eslint-disable|@ts-(?:ignore|expect-error|nocheck)"
    r"|tslint:disable|nolint|ruff:\s*(?:disable|ignore|file-ignore)", re.I)
ESLINT_CONFIG_OFF = re.compile(r"/\*\s*eslint\s[^*]*?:\s*[\"']?(?:off|0)\b")
# Rules whose flagged lines are never suppression comments.
NOT_ABOUT_SUPPRESSIONS = {"python-use-type-annotations"}


def _statement(lines: List[str], line: int) -> Tuple[str, int]:
    """The flagged line, widened to the end of a block comment it opens."""
    text = lines[line - 1] if line <= len(lines) else ""
    last = line
    if "/*" in text and "*/" not in text.split("/*")[-1]:
        while last < len(lines):
            last += 1
            text += "\n" + lines[last - 1]
            if "*/" in lines[last - 1]:
                break
    return text, last


def is_suppression_line(rule: str, text: str) -> bool:
    if rule.split("/")[-1] in NOT_ABOUT_SUPPRESSIONS:
        return False
    return bool(SUPPRESSION.search(text) or ESLINT_CONFIG_OFF.search(text))


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory):
    if not PEERS.is_dir():
        pytest.skip(f"peer fixtures not found at {PEERS}")
    index = json.loads((PEERS / "index.json").read_text(encoding="utf-8"))["rows"]
    repo = Repo(tmp_path_factory.mktemp("peers") / "repo")
    repo.commit({"README.md": "peer fixtures\n"}, message="base")
    files: Dict[str, bytes] = {}
    where: Dict[str, str] = {}
    for number, row in enumerate(index):
        fixture = row["fixture"]
        if fixture not in where:
            target = f"fixtures/{len(where):03d}/{fixture}"
            where[fixture] = target
            files[target] = (PEERS / fixture).read_bytes()
    repo.commit(files, message="add every peer fixture")
    report = check_json(repo, "--base", "HEAD~1")
    ours: Dict[str, List[dict]] = defaultdict(list)
    for f in report["findings"]:
        if f["rule"].startswith("suppression/"):
            ours[f["path"]].append(f)
    return index, where, ours, report


def _caught(findings: List[dict], line: int, last: int) -> bool:
    for f in findings:
        first = f["line"]
        end = max(f.get("end_line") or first, f["details"].get("comment_end_line", first))
        if first <= line <= end or line <= first <= last:
            return True
    return False


def test_every_suppression_a_peer_flags_we_flag_too(peer_run, capsys, record_property):
    index, where, ours, _ = peer_run
    total: Counter = Counter()
    caught: Counter = Counter()
    missed = []
    for row in index:
        path = where[row["fixture"]]
        lines = (PEERS / row["fixture"]).read_text(encoding="utf-8").split("\n")
        for line in sorted(set(row["flagged_lines"])):
            text, last = _statement(lines, line)
            if not is_suppression_line(row["rule"], text):
                continue
            total[row["peer"]] += 1
            if _caught(ours[path], line, last):
                caught[row["peer"]] += 1
            else:
                missed.append(f"{row['fixture']}:{line}: {text.strip()[:80]}")
    summary = ", ".join(f"{peer} {caught[peer]}/{total[peer]}" for peer in sorted(total))
    record_property("peer_suppression_lines_caught", f"{sum(caught.values())}/{sum(total.values())}")
    with capsys.disabled():
        print(f"\npeer-flagged suppression lines caught: {sum(caught.values())}/{sum(total.values())} ({summary})")
    assert sum(total.values()) > 250  # the fixtures are all there and were read
    assert not missed, "missed:\n" + "\n".join(missed)


def test_findings_on_valid_fixtures_are_suppressions_we_can_explain(peer_run, capsys):
    """Valid (unflagged) peer cases: the peer allows them under its options
    (a described `@ts-expect-error`, a used directive); we still report the
    suppressions they contain.  Print what we report, and check that every
    finding sits on a line holding a suppression-like comment."""
    index, where, ours, _ = peer_run
    rules: Counter = Counter()
    off_target = []
    for row in index:
        if row["flagged_lines"] or row.get("case_kind") != "valid":
            continue
        path = where[row["fixture"]]
        lines = (PEERS / row["fixture"]).read_text(encoding="utf-8").split("\n")
        for f in ours[path]:
            rules[f["rule"]] += 1
            end = max(f.get("end_line") or f["line"], f["details"].get("comment_end_line", f["line"]))
            text = "\n".join(lines[f["line"] - 1:end])
            if not re.search(r"eslint|@ts-|tslint|noqa|ignore|nolint|disable", text, re.I):
                off_target.append(f"{path}:{f['line']} {f['rule']}: {text[:60]}")
    with capsys.disabled():
        print("\nour findings on valid peer fixtures: "
              + ", ".join(f"{rule.split('/')[1]} {n}" for rule, n in sorted(rules.items())))
    assert rules  # valid cases still hold suppressions (e.g. described @ts-expect-error)
    assert not off_target, off_target
