"""GitHub Actions workflows: a test or lint gate removed, neutered
(`continue-on-error`, `if: false`, `|| true`, `; exit 0`, `set +e`), taken
off pull requests, or run on a smaller matrix."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple

from guardrails.checks.relaxed_config import gates
from guardrails.checks.relaxed_config.base import (
    CI,
    Relaxation,
    as_list,
    grown,
    load_yaml,
    minus,
    plus,
    relax,
    seq,
)

TOOL = "github-actions"
RULE = CI
STRATEGY = "each"
FILES = ()
_DOCS = re.compile(r"(?:^|/)(?:docs?|documentation)(?:/|$)|\.(?:md|rst|txt|adoc)$|^(?:\*\*/)?(?:README|LICENSE|CHANGE"
                   r"(?:S|LOG)|CHANGELOG|AUTHORS|CONTRIBUTING)[^/]*$|^\.github/(?:ISSUE_TEMPLATE|[A-Z_]+\.md)", re.I)
TRIGGERS = ("pull_request", "pull_request_target", "push", "merge_group")


def matches(path: str) -> bool:
    return path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    data = load_yaml(text)
    return data if isinstance(data, dict) else {}


def empty() -> Dict[str, Any]:
    return {}


def _jobs(cfg: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    jobs = cfg.get("jobs")
    if not isinstance(jobs, dict):
        return {}
    return {str(k): v for k, v in jobs.items() if isinstance(v, dict)}


def _steps(job: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [s for s in seq(job.get("steps")) if isinstance(s, dict)]


def _expr(value: Any) -> str:
    text = str(value).strip().lower()
    m = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", text)
    return m.group(1) if m else text


_LITERAL = re.compile(r"""\s*(?:(-?\d+(?:\.\d+)?)|'((?:[^']|'')*)'|"([^"]*)"|(true|false|null))\s*$""")
_COMPARE = re.compile(r"^(.+?)(==|!=|<=|>=|<|>)(.+)$")
_NOT = object()
_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _literal(text: str) -> Any:
    """The value of an expression literal (number, 'string', true/false/null), or _NOT."""
    m = _LITERAL.match(text)
    if not m:
        return _NOT
    if m.group(1) is not None:
        return float(m.group(1))
    if m.group(2) is not None or m.group(3) is not None:
        return (m.group(2) if m.group(2) is not None else m.group(3)).lower()
    return {"true": True, "false": False, "null": None}[m.group(4)]


def _term_false(term: str) -> bool:
    """Is one `&&` operand a constant false (`false`, `0`, `!true`, `1 == 2`, `'a' == 'b'`)?"""
    term = term.strip()
    while term.startswith("(") and term.endswith(")"):
        term = term[1:-1].strip()
    if term.startswith("!") and not term.startswith("!="):
        value = _literal(term[1:])
        return value is not _NOT and bool(value) and value != ""
    value = _literal(term)
    if value is not _NOT:
        return value in (False, None, 0.0, "")
    m = _COMPARE.match(term)
    if not m:
        return False
    left, right = _literal(m.group(1)), _literal(m.group(3))
    if left is _NOT or right is _NOT:
        return False
    try:
        return not _OPS[m.group(2)](left, right)
    except TypeError:  # 'a' < 1: GitHub coerces, we do not guess
        return False


def _is_false(value: Any) -> bool:
    """An `if:` that can never be true: a false literal, or every `||` branch
    holding a constant-false `&&` operand (`${{ false && github.ref == 'x' }}`, `0 == 1`)."""
    if value is False:
        return True
    if value is None or value is True or isinstance(value, (dict, list)):
        return False
    text = _expr(value)
    return all(any(_term_false(t) for t in branch.split("&&")) for branch in text.split("||"))


def _on_error(value: Any) -> Optional[str]:
    """'literal' when continue-on-error is true, 'expression' when it may be."""
    if value is True or (isinstance(value, str) and _expr(value) == "true"):
        return "literal"
    if isinstance(value, str) and "${{" in value and _expr(value) not in ("false", "0"):
        return "expression"
    return None


_COMMAND_INPUTS = ("run", "command", "commands", "script", "cmd")


def _commands(step: Dict[str, Any]) -> List[str]:
    """The shell commands a step runs: its `run:`, and an action's command
    input (`with: {run: pytest ...}` of benchmark and retry actions)."""
    out = [step["run"]] if isinstance(step.get("run"), str) else []
    inputs = step.get("with")
    if isinstance(inputs, dict):
        out.extend(v for k, v in inputs.items() if str(k).lower() in _COMMAND_INPUTS and isinstance(v, str))
    return out


def _step_gates(step: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    """(name, kind, anchor line) of each gate the step runs."""
    out: List[Tuple[str, str, str]] = []
    for run in _commands(step):
        for name, kind in gates.gates_in(run):
            anchor = next((ln.strip() for ln in run.splitlines() if ln.strip() and gates.gates_in(ln)), "")
            out.append((name, kind, anchor[:60]))
    uses = step.get("uses")
    if isinstance(uses, str):
        out.extend((name, kind, uses.split("@")[0]) for name, kind in gates.gates_of_action(uses))
    return out


def _job_gates(job: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    out: List[Tuple[str, str, str]] = []
    for step in _steps(job):
        out.extend(_step_gates(step))
    uses = job.get("uses")
    if isinstance(uses, str):
        out.extend((name, kind, uses.split("@")[0]) for name, kind in gates.gates_of_action(uses))
        base = uses.split("@")[0].rsplit("/", 1)[-1].lower()
        if re.search(r"test|lint|check|ci", base):
            out.append((f"workflow {uses.split('@')[0]}", gates.TEST if "test" in base else gates.LINT, base))
    return out


_LAX_ARGS = re.compile(r"--exit-zero\b|--issues-exit-code[= ]0\b")


def _lax_inputs(inputs: Dict[str, Any]) -> List[Tuple[str, Optional[str]]]:
    """Inputs of a lint/test action that stop it from failing the build."""
    out: List[Tuple[str, Optional[str]]] = []
    for key, value in inputs.items():
        k = str(key).lower().replace("-", "_")
        text = str(value).strip().lower()
        if k in ("fail_on_error", "fail_on_errors", "fail_ci_if_error", "fail") and text == "false":
            out.append((f"{key}: false", "block"))
        elif k in ("fail_level", "level") and text in ("none", "off"):
            out.append((f"{key}: {value}", "block"))
        elif k == "only_new_issues" and text == "true":
            out.append((f"{key}: true", None))
        elif k in ("args", "extra_args", "options"):
            m = _LAX_ARGS.search(text)
            if m:
                out.append((m.group(), "block"))
    return out


def _neutered(job: Dict[str, Any]) -> Dict[Tuple[str, str], Tuple[str, str, Optional[str]]]:
    """(gate, mechanism) -> (kind, anchor token, severity) for the job's swallowed gates."""
    out: Dict[Tuple[str, str], Tuple[str, str, Optional[str]]] = {}
    job_gates = _job_gates(job)
    coe = _on_error(job.get("continue-on-error"))
    for name, kind, _ in job_gates:
        if coe:
            out[(name, "continue-on-error on the job")] = (kind, "continue-on-error",
                                                           "block" if coe == "literal" else None)
        if _is_false(job.get("if")):
            out[(name, "job if: false")] = (kind, "if:", "block")
    for step in _steps(job):
        found = _step_gates(step)
        coe = _on_error(step.get("continue-on-error"))
        for name, kind, _ in found:
            if coe:
                out[(name, "continue-on-error")] = (kind, "continue-on-error", "block" if coe == "literal" else None)
            if _is_false(step.get("if")):
                out[(name, "step if: false")] = (kind, "if:", "block")
        raw = step.get("with")
        inputs: Dict[str, Any] = raw if isinstance(raw, dict) else {}
        for name, kind, _ in found:
            for mechanism, severity in _lax_inputs(inputs):
                out[(name, mechanism)] = (kind, mechanism.split(":")[0].split("=")[0], severity)
        for run in _commands(step):
            for name, kind, mechanism in gates.neutered(run):
                out[(name, mechanism)] = (kind, mechanism.split()[-1] if mechanism.startswith("--") else mechanism,
                                          "block")
    return out


def _triggers(cfg: Dict[Any, Any]) -> Dict[str, Any]:
    on = cfg.get("on", cfg.get(True))  # YAML 1.1 reads the key `on` as true
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(x): None for x in on}
    return {str(k): v for k, v in on.items()} if isinstance(on, dict) else {}


def _gate_names(cfg: Dict[str, Any]) -> Dict[str, Tuple[str, str]]:
    out: Dict[str, Tuple[str, str]] = {}
    for job in _jobs(cfg).values():
        for name, kind, anchor in _job_gates(job):
            if kind != gates.BUILD:  # a build moved or dropped is not a check removed
                out.setdefault(name, (kind, anchor))
    return out


def prepare(pairs: List[Tuple[Any, Any]]) -> Dict[str, Set[str]]:
    """Gates some changed workflow gained: a gate that moved from one
    workflow file to another in the same change is not removed."""
    added: Set[str] = set()
    kinds: Set[str] = set()
    for old, new in pairs:
        before, after = _gate_names(old or {}), _gate_names(new or {})
        added |= set(after) - set(before)
        kinds |= {after[name][0] for name in set(after) - set(before)}
    return {"added": added, "added_kinds": kinds}


def compare(old: Dict[str, Any], new: Dict[str, Any], extra: Optional[Dict[str, Set[str]]] = None) -> List[Relaxation]:
    out: List[Relaxation] = []
    moved = (extra or {}).get("added", set())
    replaced = (extra or {}).get("added_kinds", set())
    g_old, g_new = _gate_names(old), _gate_names(new)
    for name, (kind, anchor) in g_old.items():
        if name in g_new or name in moved or kind in replaced:
            continue  # still there, moved to another workflow, or replaced (pytest -> tox, ruff -> pre-commit)
        out.append(relax(RULE, "jobs", f"{name} no longer runs", (anchor,), (name,), side="old",
                         severity="block" if kind == gates.TEST else None,
                         note=f"the {'test' if kind == gates.TEST else 'lint'} gate was removed from this workflow"))
    jobs_old, jobs_new = _jobs(old), _jobs(new)
    for jid, job in jobs_new.items():
        before = _neutered(jobs_old.get(jid, {}))
        for (name, mechanism), (_kind, token, severity) in _neutered(job).items():
            was = before.get((name, mechanism))
            if was is not None and not (severity == "block" and was[2] != "block"):
                continue  # already swallowed (an expression that may be true now literally true still counts)
            out.append(relax(RULE, f"jobs.{jid}", f"jobs.{jid}: {name} {mechanism}", (token, name), (token,),
                             severity=severity, note="a failing gate no longer fails the build"))
        old_job = jobs_old.get(jid)
        if old_job is None or not _job_gates(job):
            continue
        mo = (old_job.get("strategy") or {}).get("matrix") if isinstance(old_job.get("strategy"), dict) else None
        mn = (job.get("strategy") or {}).get("matrix") if isinstance(job.get("strategy"), dict) else None
        if isinstance(mo, dict):
            for key, values in mo.items():
                if key in ("include", "exclude") or not isinstance(values, list):
                    continue
                now = mn.get(key) if isinstance(mn, dict) else None
                if not isinstance(now, list):
                    continue
                gone = grown([str(v) for v in now], [str(v) for v in values])
                if gone:
                    out.append(relax(RULE, f"jobs.{jid}.strategy.matrix.{key}",
                                     f"jobs.{jid} matrix {key}: " + minus(gone), (gone[0],), (key,), side="old",
                                     severity="info", note="the gate runs on fewer configurations"))
    if g_old:
        t_old, t_new = _triggers(old), _triggers(new)
        lost = [t for t in TRIGGERS if t in t_old and t not in t_new]
        if "pull_request" in t_new or "pull_request_target" in t_new:
            lost = [t for t in lost if t != "push"]  # pull requests are still gated
        if lost:
            out.append(relax(RULE, "on", "on: " + minus(lost), (lost[0],), side="old",
                             note="the workflow's gates no longer run on these events"))
        for trig in ("pull_request", "push"):
            if trig not in t_old or trig not in t_new:
                continue
            eo = t_old[trig] if isinstance(t_old[trig], dict) else {}
            en = t_new[trig] if isinstance(t_new[trig], dict) else {}
            more = grown(as_list(eo.get("paths-ignore")), as_list(en.get("paths-ignore")))
            if more:
                docs = all(_DOCS.search(m) for m in more)
                out.append(relax(RULE, f"on.{trig}.paths-ignore", f"on.{trig}.paths-ignore: " + plus(more),
                                 (more[0],), ("paths-ignore",), severity="info" if docs else None,
                                 note="changes to these paths skip the gates" + (" (documentation)" if docs else "")))
            po, pn = as_list(eo.get("paths")), as_list(en.get("paths"))
            if pn and (not po or grown(pn, po)):
                out.append(relax(RULE, f"on.{trig}.paths", f"on.{trig}.paths: " + (minus(grown(pn, po)) if po else
                                                                                 "(all) -> " + ", ".join(pn)),
                                 ("paths",), note="only changes to these paths run the gates"))
    return out
