"""suppression/gate-lowered: a change that lowers the gate judging it.

Part of the tampering family (tampering.check calls ``findings``).  Where
guard-tampering says "a human should read this edit", this rule names edits
that weaken the gate itself, which block:

- the change edits the very workflow this run executes (Options.workflow,
  from GITHUB_WORKFLOW_REF): on `pull_request` GitHub runs the pull
  request's copy of the workflow, so this run's inputs cannot be trusted;
- in a workflow that runs guardrails: its `fail-on` / `on-unreviewed`
  relaxed, `config` / `base` / `head` changed, `deep` / `online` turned
  off, `uses:` pointed at the repository's own copy (`./`), the step or job
  removed, given `continue-on-error` or a new `if:`, or pull requests no
  longer trigger it;
- the policy (.guardrails.yml and what it extends) loosened: a rule's
  severity lowered, `on_unreviewed: pass`, paths excluded, waivers added,
  `extends:` changed, or a family option loosened (LOOSER below).

The policy of the base revision judges this change either way; the finding
is there because the edit would weaken every change after it, and a person
with write access must take responsibility (the approval label, or a merge
of a pull request of its own).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import yaml

from guardrails.checks import finding
from guardrails.model import ADDED, DELETED, REMOVED, ChangeSet, Context, FileChange, Finding
from guardrails.yamlsafe import LOADER, too_deep

RULE = "suppression/gate-lowered"
CONFIG_NAMES = (".guardrails.yml", ".guardrails.yaml")
# How strict each Action input value is (higher = stricter); "" = not set.
FAIL_ON_RANK = {"review": 2, "": 2, "block": 1, "never": 0}
ON_UNREVIEWED_RANK = {"block": 2, "": 1, "pass": 0}
SEVERITY_RANK = {"block": 3, "escalate": 2, "info": 1, "off": 0}
_RUNS_GUARDRAILS = re.compile(r"\bguardrails\s+(?:check|github)\b|-m\s+guardrails\b")


def _load(text: Optional[str]) -> Any:
    if not text or too_deep(text):
        return None
    try:
        return yaml.load(text, Loader=LOADER)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _first_line(fc: FileChange) -> Tuple[int, str, str]:
    for line in fc.lines():
        if line.kind == ADDED and fc.status != DELETED:
            return line.new_no or 0, "new", line.text
    for line in fc.lines():
        if line.kind == REMOVED:
            return line.old_no or 0, "old", line.text
    return 0, "new", ""


# -- workflows ---------------------------------------------------------------

def _is_workflow(path: str) -> bool:
    return path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))


def _is_guardrails_uses(uses: str) -> bool:
    ref = uses.split("@", 1)[0].lower()
    return "guardrails" in ref and not ref.startswith("docker://")


class _Use:
    """One place a workflow runs guardrails: a step (`uses:` or `run:`) or a
    job calling a reusable workflow."""

    def __init__(self, job: str, index: int, node: Dict[str, Any], job_node: Dict[str, Any]):
        self.key = (job, index)
        self.uses = str(node.get("uses") or "")
        self.inputs = {str(k): str(v).strip().lower() for k, v in (node.get("with") or {}).items()} \
            if isinstance(node.get("with"), dict) else {}
        self.continue_on_error = node.get("continue-on-error") or job_node.get("continue-on-error")
        self.condition = (str(node.get("if", "")).strip(), str(job_node.get("if", "")).strip())


def _uses_of(cfg: Any, local_is_guardrails: Callable[[str], bool]) -> Dict[Tuple[str, int], _Use]:
    found: Dict[Tuple[str, int], _Use] = {}
    jobs = cfg.get("jobs") if isinstance(cfg, dict) else None
    if not isinstance(jobs, dict):
        return found
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        nodes: List[Dict[str, Any]] = [job] if isinstance(job.get("uses"), str) else []
        nodes += [s for s in (job.get("steps") or []) if isinstance(s, dict)]
        index = 0
        for node in nodes:
            uses = str(node.get("uses") or "")
            runs = isinstance(node.get("run"), str) and _RUNS_GUARDRAILS.search(node["run"])
            local = uses.startswith("./") and local_is_guardrails(uses)
            if _is_guardrails_uses(uses) or runs or local:
                found[(str(job_id), index)] = _Use(str(job_id), index, node, job)
                index += 1
    return found


def _triggers(cfg: Any) -> Set[str]:
    on = cfg.get("on", cfg.get(True)) if isinstance(cfg, dict) else None  # YAML 1.1 reads `on` as True
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(x) for x in on}
    if isinstance(on, dict):
        return {str(x) for x in on}
    return set()


def workflow_reasons(old_text: Optional[str], new_text: Optional[str],
                     local_is_guardrails: Callable[[str], bool]) -> List[str]:
    old_cfg, new_cfg = _load(old_text), _load(new_text)
    old = _uses_of(old_cfg, local_is_guardrails)
    new = _uses_of(new_cfg, local_is_guardrails)
    reasons: List[str] = []
    for key, use in new.items():
        if use.uses.startswith("./") and (key not in old or not old[key].uses.startswith("./")):
            reasons.append(f"`uses: {use.uses}` runs the pull request's own copy of the Action")
    if not old:
        return reasons
    if new_text is None or len(new) < len(old):
        reasons.append("a step or job that runs guardrails was removed")
    pr_triggers = {"pull_request", "pull_request_target", "merge_group"}
    if _triggers(old_cfg) & pr_triggers and not _triggers(new_cfg) & pr_triggers and new_cfg is not None:
        reasons.append("the workflow no longer runs on pull requests")
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            continue
        where = f"job {key[0]}"
        ranks = (("fail-on", FAIL_ON_RANK), ("on-unreviewed", ON_UNREVIEWED_RANK))
        for name, rank in ranks:
            a, b = before.inputs.get(name, ""), after.inputs.get(name, "")
            if rank.get(b, 0) < rank.get(a, 0):
                reasons.append(f"{where}: `{name}` relaxed from {a or '(default)'} to {b or '(default)'}")
        for name in ("config", "base", "head"):
            if before.inputs.get(name, "") != after.inputs.get(name, ""):
                reasons.append(f"{where}: `{name}` changed to {after.inputs.get(name) or '(default)'}")
        for name in ("deep", "online"):
            if before.inputs.get(name, "true") != "false" and after.inputs.get(name, "true") == "false":
                reasons.append(f"{where}: `{name}` turned off")
        if after.continue_on_error and not before.continue_on_error:
            reasons.append(f"{where}: `continue-on-error` added")
        if after.condition != before.condition and any(after.condition):
            reasons.append(f"{where}: its `if:` condition changed")
    return reasons


# -- the policy ----------------------------------------------------------------

# Family options whose change in one direction weakens the gate:
# "grows" (a list gains items), "shrinks" (a list loses items), "lower"
# (a number goes down), "off" (true becomes false), "on" (false becomes true).
LOOSER: Dict[Tuple[str, str], str] = {
    ("suppressions", "allow_codes"): "grows",
    ("relaxed_config", "skip_tools"): "grows",
    ("tampering", "paths"): "shrinks",
    ("test_stub", "test_files"): "shrinks",
    ("test_stub", "test_env_flags"): "shrinks",
    ("test_stub", "semgrep"): "off",
    ("dependency", "allow"): "grows",
    ("dependency", "deny"): "shrinks",
    ("dependency", "ecosystems"): "shrinks",
    ("dependency", "trusted_actions"): "grows",
    ("dependency", "allowed_indexes"): "grows",
    ("dependency", "max_age_days"): "lower",
    ("dependency", "min_releases"): "lower",
    ("approval", "allow_self_approval"): "on",
}


def _looser(direction: str, old: Any, new: Any) -> bool:
    if direction in ("grows", "shrinks"):
        a = {str(x) for x in old} if isinstance(old, list) else set()
        b = {str(x) for x in new} if isinstance(new, list) else set()
        return bool(b - a) if direction == "grows" else bool(a - b)
    if direction == "lower":
        return isinstance(old, (int, float)) and isinstance(new, (int, float)) and new < old
    if direction == "off":
        return old is not False and new is False
    return old is not True and new is True


def _severities(rules_node: Any, ids: Dict[str, str]) -> Dict[str, str]:
    from guardrails.config import rule_matches
    result = dict(ids)
    if isinstance(rules_node, dict):
        for pattern, severity in rules_node.items():
            word = "off" if severity is False else str(severity)
            for rule_id in ids:
                if rule_matches(str(pattern), rule_id):
                    result[rule_id] = word
    return result


def policy_reasons(old_text: Optional[str], new_text: Optional[str]) -> List[str]:
    old, new = _load(old_text), _load(new_text)
    old = old if isinstance(old, dict) else {}
    if not isinstance(new, dict):
        return ["the policy file was deleted or emptied"] if old and not (new_text or "").strip() else []
    reasons: List[str] = []
    if str(new.get("on_unreviewed", "block")) == "pass" and str(old.get("on_unreviewed", "block")) != "pass":
        reasons.append("`on_unreviewed: pass` lets undecided escalations through")
    from guardrails import rules
    defaults = {rule_id: rule.severity for rule_id, rule in rules.all_rules().items()}
    before, after = _severities(old.get("rules"), defaults), _severities(new.get("rules"), defaults)
    lowered = [r for r in defaults if SEVERITY_RANK.get(after[r], 3) < SEVERITY_RANK.get(before[r], 3)]
    if lowered:
        shown = ", ".join(f"{r} {before[r]} -> {after[r]}" for r in lowered[:3])
        reasons.append(f"rules lowered: {shown}" + (f" and {len(lowered) - 3} more" if len(lowered) > 3 else ""))
    new_excludes = set(map(str, new.get("exclude") or [])) - set(map(str, old.get("exclude") or []))
    if new_excludes:
        reasons.append(f"paths excluded: {', '.join(sorted(new_excludes)[:5])}")
    old_waivers = [w for w in (old.get("waivers") or []) if isinstance(w, dict)]
    added = [w for w in (new.get("waivers") or []) if isinstance(w, dict) and w not in old_waivers]
    if added:
        reasons.append(f"{len(added)} waiver{'s' if len(added) != 1 else ''} added "
                       f"({', '.join(str(w.get('rule')) for w in added[:3])})")
    if new.get("extends") != old.get("extends") and new.get("extends"):
        reasons.append(f"`extends:` changed to {new.get('extends')}")
    for (family, option), direction in LOOSER.items():
        a = (old.get(family) or {}).get(option) if isinstance(old.get(family), dict) else None
        b = (new.get(family) or {}).get(option) if isinstance(new.get(family), dict) else None
        if b is not None and _looser(direction, a, b):
            reasons.append(f"{family}.{option} loosened")
    return reasons


# -- the family hook -----------------------------------------------------------

def findings(change: ChangeSet, ctx: Context, policy_files: Iterable[str] = ()) -> List[Finding]:
    """Gate-lowered findings; tampering.check reports guard-tampering for
    the files not named here."""
    policy = set(CONFIG_NAMES) | set(policy_files)
    own = ctx.options.workflow

    def local_is_guardrails(uses: str) -> bool:
        folder = uses[2:].split("@", 1)[0].strip("/")
        for name in ("action.yml", "action.yaml"):
            text = change.read_head(f"{folder}/{name}" if folder else name)
            if text is not None:
                return "guardrails" in text.lower()
        return False

    out: List[Finding] = []
    for fc in change.files:
        paths = [p for p in dict.fromkeys((fc.path, fc.old_path)) if p]
        reasons: List[str] = []
        kind = ""
        if own and own in paths:
            kind = "own-workflow"
            reasons.append(f"the change edits {own}, the workflow running this check: this run follows the "
                           "pull request's copy of it, so its settings cannot be trusted")
        if any(_is_workflow(p) for p in paths):
            kind = kind or "workflow"
            reasons += workflow_reasons(fc.old_text(), None if fc.status == DELETED else fc.new_text(),
                                        local_is_guardrails)
        elif any(p in policy for p in paths):
            kind = "policy"
            reasons += policy_reasons(fc.old_text(), None if fc.status == DELETED else fc.new_text())
        if not reasons:
            continue
        line, side, evidence = _first_line(fc)
        what = {"policy": "the guardrails policy", "workflow": "a workflow that runs guardrails",
                "own-workflow": "the workflow running this check"}[kind]
        message = f"{what} is weakened by this change ({fc.path}): " + "; ".join(reasons)
        out.append(finding(RULE, fc.path, line, message, evidence, side=side,
                           details={"file": fc.path, "kind": kind, "reasons": reasons}))
    return out
