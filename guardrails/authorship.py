"""Who wrote the change: the coding agent, and its model when it says.

The review stage sends escalated findings to a model of another family
than the author's, so it needs the author's family.  It is read from:

- each commit's author and committer identity;
- each commit's trailers ("Co-authored-by:", "Assisted-by:", "Made-with:",
  ... keys case-insensitive, a missing colon tolerated: "Co-authored-by
  Codex" is seen in real histories);
- lines agents write into messages ("Generated with [Claude Code](...)",
  a "chatgpt.com/codex/tasks/" link, aider's "aider: " subject prefix,
  GitHub's "Apply suggestion from @gemini-code-assist[bot]");
- the pull request when one is handed in (its author login, head branch
  prefix such as "copilot/", labels, and its title and body read like a
  message).

The tables below come from what agents really write (the signature corpus
of 30 public repositories).  Identities are matched by account id or
mailbox first ("198982749+Copilot@users.noreply.github.com",
"noreply@anthropic.com"); a display name alone counts only when it cannot
be a person's: "Claude Opus 4.6" or "Cursor Grok 4.5" can, a bare "Claude"
only without an e-mail or with a placeholder one ("Claude
<claudemarson@...>" is a person; "Devin R", "Jules Chéron" and staff
mailboxes at openai.com or anthropic.com are people too).  Free text that
merely mentions a bot ("Addresses @gemini-code-assist[bot] feedback") is
not a signature: only whole trailers, whole identities and the anchored
lines above are.

When a signature names a model ("Claude (GLM-4.7)", "aider
(openai/gpt-4.1)", "Codex:GPT-5.5", "Cursor Grok 4.5"), the model's family
decides; otherwise the agent's fixed family (Claude Code: anthropic, Codex:
openai, Gemini CLI and Jules: google), which the policy's ``agents`` can
set or change; agents that run any model (Copilot, Cursor, Windsurf,
Devin, aider ...) are of unknown family unless the policy maps them.
``--author-model`` and then the policy's ``author_model`` win over all of
this.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from guardrails.model import CommitMeta, PullRequest
from guardrails.model_families import family_of, normalize


class AuthorSignal(NamedTuple):
    agent: str  # "claude-code", "copilot", "codex", "cursor", "devin", "aider", "jules", "gemini-cli", ...
    model: str  # "" when the signature names no model
    family: Optional[str]  # from the model when named, else the agent's fixed family, else None (unknown)
    evidence: str  # "commit 1a2b3c4d5e6f trailer: Co-Authored-By: ..." / "pull request head branch: copilot/x"


class Authorship(NamedTuple):
    signals: Tuple[AuthorSignal, ...]
    families: Tuple[str, ...]  # distinct families of the author(s), sorted ("unknown:<model>" included)
    unknown: bool  # an agent was detected whose family is unknown, or nothing was detected
    source: str  # "--author-model", "policy", "detected" or "none"


# --------------------------------------------------------------------------
# Tables

# Each agent and its family when its model is fixed (None: it runs
# whatever model its user picks).
AGENTS: Mapping[str, Optional[str]] = {
    "claude-code": "anthropic",
    "codex": "openai",
    "chatgpt": "openai",
    "gemini-cli": "google",
    "gemini-code-assist": "google",
    "jules": "google",
    "copilot": None,
    "cursor": None,
    "windsurf": None,
    "devin": None,
    "aider": None,
    "amp": None,
    "opencode": None,
    "crush": None,
    "kiro": None,
    "codebuff": None,
    "sweep": None,
    "factory": None,
    # A GitHub App account that is no known agent and no known tool
    # ("astral-automations-bot[bot]"): its messages may be an agent's, which
    # one is unknown.
    "unknown-bot": None,
}

_NOREPLY = r"(?:\d+\+)?{}@users\.noreply\.github\.com"

# Mailboxes and account ids that only an agent writes (full match, lower
# case).  GitHub's noreply form carries the account id ("198982749+" is the
# Copilot coding agent, "175728472+" Copilot code review suggestions).
# Vendor domains alone are not enough: their staff commit too.
_EMAILS: Tuple[Tuple[str, str], ...] = (
    (_NOREPLY.format(r"copilot"), "copilot"),
    (_NOREPLY.format(r"copilot-swe-agent\[bot\]"), "copilot"),
    (r"copilot@github\.com", "copilot"),
    (_NOREPLY.format(r"claude\[bot\]"), "claude-code"),
    (r"noreply@anthropic\.com", "claude-code"),
    (r"claude(?:-[a-z0-9.-]+)?@anthropic\.com", "claude-code"),  # claude@, claude-opus-4@
    (r"(?:codex|noreply)@openai\.com", "codex"),
    (_NOREPLY.format(r"chatgpt-codex-connector\[bot\]"), "codex"),
    (r"ai@cursor\.sh|cursoragent@cursor\.com", "cursor"),
    (_NOREPLY.format(r"cursoragent"), "cursor"),
    (_NOREPLY.format(r"devin-ai-integration\[bot\]"), "devin"),
    (_NOREPLY.format(r"gemini-code-assist\[bot\]"), "gemini-code-assist"),
    (_NOREPLY.format(r"gemini-cli\[bot\]"), "gemini-cli"),
    (r"gemini-cli(?:-dev)?@google\.com|gemini@google\.com", "gemini-cli"),
    (_NOREPLY.format(r"google-labs-jules\[bot\]"), "jules"),
    (_NOREPLY.format(r"sweep-ai\[bot\]"), "sweep"),
    (_NOREPLY.format(r"factory-droid\[bot\]"), "factory"),
    (r"amp@ampcode\.com", "amp"),
    (r"crush@charm\.land", "crush"),
    (r"noreply@kiro\.dev", "kiro"),
    (r"noreply@aider\.chat", "aider"),
)
_EMAIL_RES = tuple((re.compile(pattern), agent) for pattern, agent in _EMAILS)

# Mailboxes that name an agent only together with its name: a GitHub
# account without id, a shared bot that also posts other things.
_NAMED_EMAILS: Tuple[Tuple[str, str, str], ...] = (
    (r"claude", r"claude@users\.noreply\.github\.com", "claude-code"),
    (r"opencode", r"opencode@users\.noreply\.github\.com", "opencode"),
    (r"gemini cli", r"noreply@google\.com", "gemini-cli"),
    (r"copilot autofix.*",
     _NOREPLY.format(r"(?:github-advanced-security|github-code-quality)\[bot\]"), "copilot"),
)
_NAMED_EMAIL_RES = tuple((re.compile(n), re.compile(e), agent) for n, e, agent in _NAMED_EMAILS)

# GitHub logins of agent accounts (commit author names and pull request
# authors), lower case.
LOGINS: Mapping[str, str] = {
    "copilot": "copilot",
    "copilot-swe-agent[bot]": "copilot",
    "copilot-swe-agent": "copilot",
    "claude[bot]": "claude-code",
    "devin-ai-integration[bot]": "devin",
    "google-labs-jules[bot]": "jules",
    "gemini-cli[bot]": "gemini-cli",
    "gemini-code-assist[bot]": "gemini-code-assist",
    "chatgpt-codex-connector[bot]": "codex",
    "sweep-ai[bot]": "sweep",
    "factory-droid[bot]": "factory",
}

# Display names: the agent's word at the start, then what may follow it (a
# model, "(1M context)", "Agent" ...).  Order matters where one head is a
# prefix of another.
_HEADS: Tuple[Tuple[str, str], ...] = (
    (r"(?:anthropic\s+)?claude(?:[\s-]*code)?", "claude-code"),
    (r"(?:openai\s+)?codex(?:[\s-]*cli)?", "codex"),
    (r"openai", "codex"),
    (r"chatgpt", "chatgpt"),
    (r"(?:github\s+)?copilot", "copilot"),
    (r"cursor", "cursor"),
    (r"devin\s+ai", "devin"),
    (r"gemini[\s-]*cli", "gemini-cli"),
    (r"gemini", "gemini-cli"),
    (r"windsurf", "windsurf"),
    (r"amp", "amp"),
    (r"opencode", "opencode"),
    (r"crush", "crush"),
    (r"kiro", "kiro"),
    (r"codebuff", "codebuff"),
    (r"aider", "aider"),
)
_HEAD_RES = tuple((re.compile(rf"(?:{pattern})(?![\w\[\]])", re.I), agent) for pattern, agent in _HEADS)

# A bare name that is also a person's first name (or a word): it counts
# only without an e-mail address or with a placeholder one.
_WEAK_NAMES = frozenset({"claude", "gemini", "amp", "kiro", "cursor", "aider", "crush", "openai",
                         "windsurf", "copilot"})
_PLACEHOLDER_EMAIL = re.compile(r"^$|@example\.(?:com|org|net)$|@localhost$|^no-?reply@")

# Words after an agent's name that are not a model.
_NOISE = re.compile(r"(?:\d+\s*[km]\s+context|ai|agent|app|cli|dev|bot|assistance|autofix(?: powered by ai)?"
                    r"|anthropic(?: ai)?|openai|google|github)", re.I)

# Trailer keys whose value names who (or what) took part.
_TRAILER = re.compile(
    r"(?P<key>co-authored-by|co-developed-by|assisted-by|ai-assisted-by|generated-by|made-with|made-by"
    r"|helped-by|signed-off-by)(?:\s*:\s*|\s+)(?P<value>\S.*)", re.I)
# Trailers whose key alone is the signature.
_KEY_TRAILERS: Tuple[Tuple[re.Pattern, str], ...] = (
    (re.compile(r"amp-thread-id\s*:\s*\S*ampcode\.com/threads/", re.I), "amp"),
)

# Whole lines agents write (searched on each stripped line).
_LINES: Tuple[Tuple[re.Pattern, Optional[str]], ...] = (
    # "🤖 Generated with [Claude Code](https://claude.ai/code)", "Generated
    # with assistance from OpenAI Codex.", "🤖 Generated with Codebuff":
    # the name is read with the display-name table (None).
    (re.compile(r"^(?:\W\s*)?generated (?:with|by) (?:the help of |assistance from )?\[?(?P<name>[^\]\(\n]+?)"
                r"(?:\]\(.*)?\.?$", re.I), None),
    (re.compile(r"chatgpt\.com/codex/tasks/task_[a-z]_[0-9a-f]", re.I), "codex"),
    (re.compile(r"^apply suggestions? from @gemini-code-assist\[bot\]", re.I), "gemini-code-assist"),
)
_AIDER_SUBJECT = re.compile(r"^aider: \S")
_AIDER_NAME = re.compile(r"\(aider\)$", re.I)

# Pull request head branches (Claude Code on the web: "claude/<slug>-x1y2z",
# claude-code-action: "claude/issue-12-20250101_1200", Copilot:
# "copilot/fix-123" ...) and labels agents put on their pull requests.
BRANCH_PREFIXES: Mapping[str, str] = {
    "copilot/": "copilot", "claude/": "claude-code", "codex/": "codex", "cursor/": "cursor",
    "devin/": "devin", "jules/": "jules",
}
LABELS: Mapping[str, str] = {
    "codex": "codex", "claude": "claude-code", "claude-code": "claude-code", "copilot": "copilot",
    "cursor": "cursor", "devin": "devin", "jules": "jules", "aider": "aider", "gemini-cli": "gemini-cli",
}

# GitHub Apps that are not coding agents (dependency updates, CI, release
# tooling): their commits are no agent's work.
TOOL_BOTS = frozenset({
    "dependabot[bot]", "dependabot-preview[bot]", "renovate[bot]", "github-actions[bot]", "pre-commit-ci[bot]",
    "mergify[bot]", "allcontributors[bot]", "release-please[bot]", "codecov[bot]", "snyk-bot", "web-flow",
    "imgbot[bot]", "greenkeeper[bot]", "pyup-bot", "github-merge-queue[bot]", "stainless-app[bot]",
    "pre-commit-ci-lite[bot]", "autofix-ci[bot]", "latest-changes[bot]", "changeset-bot[bot]",
    "google-cla[bot]", "copybara-service[bot]", "netlify[bot]", "vercel[bot]",
})
_BOT_LOGIN = re.compile(r"(?:\d+\+)?(?P<login>[^@\s]+\[bot\])@users\.noreply\.github\.com")

MAX_EVIDENCE = 200


# --------------------------------------------------------------------------
# Reading names


class _Parsed(NamedTuple):
    agent: str
    models: Tuple[str, ...]
    weak: bool


def _model_list(rest: str, extra: Mapping[str, str]) -> Optional[Tuple[str, ...]]:
    """The models named after an agent's name, or None when what follows
    is not a model (then the name is a person's: "Claude Marson").

    "Opus 4.6 (1M context)", "(GLM-4.7)", ": GPT-5.5", " - Fable 5, Opus
    4.8", ", Gemini".  Text in parentheses or after ":" is a model even
    when no table knows it ("(fennec-v7-fast)"); bare words must be a known
    model or a known filler ("Agent", "App", "AI")."""
    parens = re.findall(r"\(([^()]*)\)", rest)
    outside = re.sub(r"\([^()]*\)", " ", rest).strip()
    explicit = outside.startswith(":")
    outside = outside.strip(" -,:;")
    known: List[str] = []
    unknown: List[str] = []
    for part in (p.strip() for p in re.split(r"\s*,\s*|\s+and\s+", outside)):
        if not part or _NOISE.fullmatch(part):
            continue
        if not family_of(part, extra).startswith("unknown:"):
            known.append(part)
        elif explicit:
            unknown.append(part)
        else:
            return None
    for part in (p.strip() for p in parens):
        if not part or _NOISE.fullmatch(part):
            continue
        (known if not family_of(part, extra).startswith("unknown:") else unknown).append(part)
    return tuple(known or unknown)


def parse_name(name: str, extra: Mapping[str, str] = {}) -> Optional[_Parsed]:
    """The agent a display name (or a tool trailer's value) names, and its
    models; None for anything else."""
    text = " ".join(name.split())
    if not text:
        return None
    login = LOGINS.get(text.lower())
    if login and text.lower().endswith("[bot]"):
        return _Parsed(login, (), False)
    if _AIDER_NAME.search(text):  # aider's "<Name> (aider)"
        return _Parsed("aider", (), False)
    via = re.fullmatch(r"(?P<model>.+?)\s+via\s+(?P<agent>.+)", text, re.I)  # "GLM-5.1 via Crush"
    if via:
        inner = parse_name(via.group("agent"), extra)
        if inner is not None and not family_of(via.group("model"), extra).startswith("unknown:"):
            return _Parsed(inner.agent, (via.group("model"),), False)
    for head, agent in _HEAD_RES:
        m = head.match(text)
        if not m:
            continue
        rest = text[m.end():]
        models = _model_list(rest, extra)
        if models is None:
            return None
        weak = not rest.strip() and m.group(0).lower() in _WEAK_NAMES
        return _Parsed(agent, models, weak)
    return None


def _person(value: str) -> Tuple[str, str]:
    """ "Name <email>", "Name email@host" or "Name" -> (name, email)."""
    m = re.fullmatch(r"(.*?)\s*<([^<>]*)>\s*", value)
    if m:
        return m.group(1).strip().strip('"'), m.group(2).strip()
    parts = value.rsplit(None, 1)
    if len(parts) == 2 and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", parts[1]):
        return parts[0].strip(), parts[1]
    return value.strip(), ""


def identify(name: str, email: str, extra: Mapping[str, str] = {}) -> Optional[_Parsed]:
    """The agent an identity (author, committer, co-author) stands for."""
    mail = email.strip().lower()
    parsed = parse_name(name, extra)
    by_mail = next((agent for pattern, agent in _EMAIL_RES if pattern.fullmatch(mail)), None)
    if by_mail is None:
        low = " ".join(name.lower().split())
        by_mail = next((agent for n, e, agent in _NAMED_EMAIL_RES if n.fullmatch(low) and e.fullmatch(mail)), None)
    if by_mail is not None:
        models = parsed.models if parsed is not None and parsed.agent == by_mail else ()
        return _Parsed(by_mail, models, False)
    if parsed is None or (parsed.weak and not _PLACEHOLDER_EMAIL.search(mail)):
        return _unknown_bot(name, mail)
    return parsed


def _unknown_bot(name: str, mail: str) -> Optional[_Parsed]:
    m = _BOT_LOGIN.fullmatch(mail)
    login = m.group("login") if m else name.strip().lower()
    if login.endswith("[bot]") and login not in TOOL_BOTS and login not in LOGINS:
        return _Parsed("unknown-bot", (), False)
    return None


# --------------------------------------------------------------------------
# Detection


class _Found(NamedTuple):
    agent: str
    models: Tuple[str, ...]
    evidence: str  # starts with "commit <id>", "patch <n>" or "pull request"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EVIDENCE else text[:MAX_EVIDENCE - 3] + "..."


def _scan_lines(text: str, where: str, extra: Mapping[str, str]) -> List[_Found]:
    """Trailers and agent lines of a message (or a pull request body)."""
    found = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = _TRAILER.fullmatch(line)
        if m:
            key = m.group("key").lower()
            name, email = _person(m.group("value"))
            hit = identify(name, email, extra) if key != "made-with" else parse_name(name, extra)
            if hit is not None:
                found.append(_Found(hit.agent, hit.models, f"{where} trailer: {_clip(line)}"))
            continue
        for pattern, agent in _KEY_TRAILERS:
            if pattern.match(line):
                found.append(_Found(agent, (), f"{where} trailer: {_clip(line)}"))
                break
        else:
            for pattern, fixed_agent in _LINES:
                hit_line = pattern.search(line)
                if hit_line is None:
                    continue
                if fixed_agent is None:
                    parsed = parse_name(hit_line.group("name"), extra)
                    if parsed is None:
                        continue
                    found.append(_Found(parsed.agent, parsed.models, f"{where} message: {_clip(line)}"))
                else:
                    found.append(_Found(fixed_agent, (), f"{where} message: {_clip(line)}"))
                break
    return found


def _scan_commit(commit: CommitMeta, index: int, extra: Mapping[str, str]) -> List[_Found]:
    where = f"commit {commit.sha[:12]}" if commit.sha else f"patch {index + 1}"
    found = []
    for role, name, email in (("author", commit.author_name, commit.author_email),
                              ("committer", commit.committer_name, commit.committer_email)):
        if not name and not email:
            continue
        hit = identify(name, email, extra)
        if hit is not None:
            found.append(_Found(hit.agent, hit.models, f"{where} {role}: {_clip(f'{name} <{email}>')}"))
    subject = commit.message.split("\n", 1)[0]
    if _AIDER_SUBJECT.match(subject):
        found.append(_Found("aider", (), f"{where} message: {_clip(subject)}"))
    found.extend(_scan_lines(commit.message, where, extra))
    return found


def _scan_pull_request(pr: PullRequest, extra: Mapping[str, str]) -> List[_Found]:
    found = []
    login = pr.author.strip().lower()
    if login in LOGINS:
        found.append(_Found(LOGINS[login], (), f"pull request author: {_clip(pr.author)}"))
    for prefix, agent in BRANCH_PREFIXES.items():
        if pr.head_branch.lower().startswith(prefix):
            found.append(_Found(agent, (), f"pull request head branch: {_clip(pr.head_branch)}"))
    for label in pr.labels:
        labelled = LABELS.get(str(label).strip().lower())
        if labelled:
            found.append(_Found(labelled, (), f"pull request label: {_clip(str(label))}"))
    found.extend(_scan_lines(pr.title, "pull request title", extra))
    found.extend(_scan_lines(pr.body, "pull request body", extra))
    return found


def _signals(found: Sequence[_Found], agents: Mapping[str, Optional[str]],
             extra: Mapping[str, str]) -> Tuple[AuthorSignal, ...]:
    """One signal per agent, model family and origin (the commits, the pull
    request): the models of one family named together ("Fable 5, Opus
    4.8"), the first evidence, and how many more places say the same."""
    Key = Tuple[str, str, Optional[str], bool]
    order: List[Key] = []
    first: Dict[Key, str] = {}
    more: Dict[Key, int] = {}
    for hit in found:
        by_family: Dict[str, List[str]] = {}
        for model in hit.models:
            by_family.setdefault(family_of(model, extra), []).append(model)
        from_pr = hit.evidence.startswith("pull request")
        keys: List[Key] = [(hit.agent, ", ".join(models), family, from_pr) for family, models in by_family.items()]
        if not keys:
            keys = [(hit.agent, "", agents.get(hit.agent), from_pr)]
        for key in keys:
            if key in first:
                more[key] = more.get(key, 0) + 1
            else:
                order.append(key)
                first[key] = hit.evidence
    out = []
    for key in order:
        extra_count = more.get(key, 0)
        evidence = first[key] + (f" (and {extra_count} more)" if extra_count else "")
        out.append(AuthorSignal(agent=key[0], model=key[1], family=key[2], evidence=evidence))
    return tuple(out)


def detect(commits: Sequence[CommitMeta], pull_request: Optional[PullRequest] = None,
           author_model: Optional[str] = None, policy: Mapping[str, Any] = {}) -> Authorship:
    """Who wrote the change.  POLICY keys: ``author_model`` (str),
    ``agents`` (agent -> family), ``families`` (model name or glob ->
    family, for family_of)."""
    extra = {str(k): str(v) for k, v in (policy.get("families") or {}).items()}
    agents: Dict[str, Optional[str]] = dict(AGENTS)
    for agent, family in (policy.get("agents") or {}).items():
        agents[normalize(str(agent))] = normalize(str(family)) if family else None
    found: List[_Found] = []
    for index, commit in enumerate(commits):
        found.extend(_scan_commit(commit, index, extra))
    if pull_request is not None:
        found.extend(_scan_pull_request(pull_request, extra))
    detected = _signals(found, agents, extra)

    declared_model = (author_model or "").strip()
    source = "--author-model"
    if not declared_model:
        declared_model = str(policy.get("author_model") or "").strip()
        source = "policy"
    if declared_model:
        evidence = (f"--author-model {declared_model}" if source == "--author-model"
                    else f"policy author_model: {declared_model}")
        signal = AuthorSignal(agent="declared", model=declared_model, family=family_of(declared_model, extra),
                              evidence=evidence)
        return Authorship(signals=(signal,) + detected, families=(str(signal.family),), unknown=False,
                          source=source)
    if not detected:
        return Authorship(signals=(), families=(), unknown=True, source="none")
    families = tuple(sorted({s.family for s in detected if s.family}))
    return Authorship(signals=detected, families=families,
                      unknown=any(s.family is None for s in detected), source="detected")


def as_dict(a: Authorship) -> Dict[str, Any]:
    """The report's "authorship" object (JSON-ready)."""
    return {
        "source": a.source,
        "families": list(a.families),
        "unknown": a.unknown,
        "signals": [{"agent": s.agent, "model": s.model, "family": s.family, "evidence": s.evidence}
                    for s in a.signals],
    }
