"""Every rule is documented the way ruff documents its rules."""
from __future__ import annotations

import re

from guardrails import rules
from guardrails.rules import HEADINGS


def test_every_rule_has_the_fixed_headings_in_order():
    table = rules.all_rules()
    assert table
    for rule in table.values():
        positions = [rule.docs.find(h + "\n") for h in HEADINGS]
        assert all(p >= 0 for p in positions), (rule.id, positions)
        assert positions == sorted(positions), rule.id
        for heading, nxt in zip(HEADINGS, HEADINGS[1:] + ("\0",)):
            body = rule.docs.split(heading + "\n", 1)[1].split(nxt, 1)[0]
            assert body.strip(), f"{rule.id}: empty section {heading}"
        assert "```" in rule.docs.split("## Example", 1)[1], f"{rule.id}: example needs a code block"


def test_rule_ids_are_namespaced_kebab_case_with_a_summary():
    for rule in rules.all_rules().values():
        assert re.fullmatch(r"(suppression|dependency|test-stub|security|review)/[a-z0-9]+(-[a-z0-9]+)*", rule.id)
        assert rule.summary and "\n" not in rule.summary


def test_readme_rules_table_is_current():
    """README carries `guardrails rules --format markdown`; regenerate it when rules change."""
    from conftest import ROOT
    from guardrails.commands.rules import markdown_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert block.strip() == markdown_table().strip(), "run: guardrails rules --format markdown, paste into README"
