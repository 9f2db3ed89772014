"""Author detection: every signature of the shared corpus (what real agents
wrote in 30 public repositories) is detected with the right family, every
lookalike is not, and ChangeSet.commits reads real git histories and
`git format-patch` files."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List, NamedTuple, Optional, Tuple

import pytest

from guardrails import authorship, change, git
from guardrails.authorship import AGENTS, Authorship, as_dict, detect
from guardrails.model import CommitMeta, PullRequest

from conftest import SHARED, Repo

CORPUS = SHARED / "corpus" / "agent-signatures.md"

# Placeholders the corpus writes in angle brackets.
FILL = {"<Name>": "Jane Doe", "<email>": "jane@example.org", "<subject>": "fix the parser",
        "<id>": "68a1b2c3d4e5f6a7b8c9", "<uuid>": "0d9f4c6e-1a2b-4c3d-9e8f-112233445566"}

# The agent each section of the corpus is about.
SECTION_AGENT = {"aider": "aider", "claude": "claude-code", "codex": "codex", "copilot": "copilot",
                 "cursor": "cursor", "devin": "devin", "jules": "jules", "gemini": "gemini-cli"}

# Rows whose agent is not the section's (the section is the model's vendor,
# or "other").
AGENT_OF = {
    "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>":
        "gemini-code-assist",
    "Apply suggestion from @gemini-code-assist[bot]": "gemini-code-assist",
    "Co-authored-by: gemini-code-assist[bot] <gemini-code-assist[bot]@users.noreply.github.com>":
        "gemini-code-assist",
    "Co-authored-by: Windsurf, Gemini": "windsurf",
    "Co-authored-by Windsurf, Gemini": "windsurf",
    "sweep-ai[bot] <128439645+sweep-ai[bot]@users.noreply.github.com>": "sweep",
    "Co-authored-by: Windsurf": "windsurf",
    "Co-authored-by Windsurf": "windsurf",
    "Co-authored-by: Amp <amp@ampcode.com>": "amp",
    "Amp-Thread-ID: https://ampcode.com/threads/T-0d9f4c6e-1a2b-4c3d-9e8f-112233445566": "amp",
    "Co-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>": "factory",
    "🤖 Generated with Codebuff": "codebuff",
    "Co-authored-by: OpenCode <opencode@users.noreply.github.com>": "opencode",
    "Assisted-by: GLM-5.1 via Crush <crush@charm.land>": "crush",
    "Co-authored-by: Kiro (AI) <noreply@kiro.dev>": "kiro",
    "Assisted-by: OpenCode:Kimi-K2.5": "opencode",
}

# Every row that names a model, and that model's family (it decides, not
# the agent's).  Rows not listed here name no model: the agent's fixed
# family applies, or None.
MODEL_FAMILY = {
    "Co-authored-by: aider (openai/gpt-4.1) <noreply@aider.chat>": "openai",
    "Co-authored-by: aider (vertex_ai/gemini-2.5-pro-exp-03-25) <noreply@aider.chat>": "google",
    "Co-Authored-By: Claude (GLM-4.7) <noreply@anthropic.com>": "zhipu",
    "Co-Authored-By: Claude (fennec-v7-fast) <noreply@anthropic.com>": "unknown:fennec-v7-fast",
    "Co-authored-by: Cursor Grok 4.5 <grok@x.ai>": "xai",
    "Assisted-by: Codex:GPT-5.5": "openai",
    "Assisted-by: Codex:gpt-5.5": "openai",
    "Assisted-by: Codex:gpt-5": "openai",
    "Assisted-by: Codex-CLI:ChatGPT-5.5": "openai",
    "Co-authored-by: OpenAI GPT-5 <noreply@openai.com>": "openai",
    "Assisted-by: OpenAI GPT-5": "openai",
    "Co-Authored-By: codex (GPT-5.4) <noreply@openai.com>": "openai",
    "Co-authored-by: Windsurf, Gemini": "google",
    "Co-authored-by Windsurf, Gemini": "google",
    "Assisted-by: GLM-5.1 via Crush <crush@charm.land>": "zhipu",
    "Assisted-by: OpenCode:Kimi-K2.5": "moonshot",
}
# Claude rows naming an Anthropic model ("Claude Opus 4.6", "Claude
# (claude-opus-4-6)", "ClaudeCode:claude-fable-5" ...).
_ANTHROPIC_MODEL = re.compile(r"opus|sonnet|haiku|fable|claude-", re.I)


class Row(NamedTuple):
    section: str
    where: str
    text: str


def corpus_rows() -> List[Row]:
    """Every exact string of the "Signatures, per agent" tables (a cell may
    hold two backticked variants), placeholders filled in."""
    rows = []
    section: Optional[str] = None
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^(#+) (.*)", line)
        if heading:
            section = heading.group(2).strip() if heading.group(1) == "####" else None
            continue
        if section is None or not line.startswith("|") or line.startswith(("| where", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for text in re.findall(r"`([^`]+)`", cells[1]):
            for key, value in FILL.items():
                text = text.replace(key, value)
            rows.append(Row(section, cells[0], text))
    return rows


def lookalikes() -> Tuple[List[str], List[str]]:
    """The lookalikes bullet of the corpus: the backticked identities
    (names, mailboxes, logins; "…" of an elided domain filled in) and the
    quoted messages that merely mention a bot."""
    text = CORPUS.read_text(encoding="utf-8")
    start = text.index("**Lookalikes that are not agents.**")
    block = text[start:text.index("\n- **", start)]
    names = [item.replace("…", "gmail.com") for item in re.findall(r"`([^`]+)`", block)
             if not item.startswith("@")]  # "staff at `@openai.com`": a domain, not an identity
    return names, re.findall(r'"([^"]+)"', block)


ROWS = corpus_rows()
LOOKALIKE_NAMES, LOOKALIKE_MESSAGES = lookalikes()


def commit_of(row: Row, sha: str = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b") -> CommitMeta:
    if row.where == "author":
        name, email = authorship._person(row.text)
        return CommitMeta(sha, name, email, "Jane Doe", "jane@example.org", "Fix the parser\n")
    if row.text.startswith("aider: "):
        return CommitMeta(sha, "Jane Doe", "jane@example.org", message=row.text + "\n\nMore words.\n")
    return CommitMeta(sha, "Jane Doe", "jane@example.org",
                      message="Fix the parser\n\nMore words about it.\n\n" + row.text + "\n")


def expected(row: Row) -> tuple:
    agent = AGENT_OF.get(row.text) or SECTION_AGENT[row.section]
    if row.text in MODEL_FAMILY:
        return agent, MODEL_FAMILY[row.text], True
    signature = re.sub(r"\(https?://[^)]*\)|<[^>]*>|Claude Code", "", row.text)  # links, mailboxes
    if row.section == "claude" and _ANTHROPIC_MODEL.search(signature):
        return agent, "anthropic", True
    return agent, AGENTS[agent], False


def test_the_corpus_is_read_whole() -> None:
    # 140 exact strings in 9 sections, 11 lookalikes and 2 mentions: a
    # parser that silently reads fewer would make the tests below vacuous.
    assert len(ROWS) == 140
    assert {r.section for r in ROWS} == set(SECTION_AGENT) | {"other"}
    assert len(LOOKALIKE_NAMES) == 11 and len(LOOKALIKE_MESSAGES) == 2
    assert "Claude <claudemarson@gmail.com>" in LOOKALIKE_NAMES


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.section}:{r.where}:{r.text[:60]}" for r in ROWS])
def test_every_corpus_signature_is_detected_with_its_family(row: Row) -> None:
    agent, family, names_model = expected(row)
    result = detect([commit_of(row)])
    assert result.source == "detected"
    assert [(s.agent, s.family) for s in result.signals] == [(agent, family)], result.signals
    signal = result.signals[0]
    assert bool(signal.model) == names_model, signal
    assert signal.evidence.startswith("commit 1a2b3c4d5e6f ")
    assert result.unknown == (family is None)
    assert result.families == ((family,) if family else ())


@pytest.mark.parametrize("text", LOOKALIKE_NAMES)
def test_lookalike_identities_are_not_detected(text: str) -> None:
    # As author, committer, co-author (with and without the address),
    # assistant, sign-off and pull request author.
    name, email = authorship._person(text)
    if "@" in name:  # a bare mailbox
        name, email = name.split("@")[0], name
    sha = "0" * 39 + "1"
    commits = [
        CommitMeta(sha, name, email, "Jane Doe", "jane@example.org", "Fix\n"),
        CommitMeta(sha, "Jane Doe", "jane@example.org", name, email, "Fix\n"),
        CommitMeta(sha, "Jane Doe", "jane@example.org",
                   message=f"Fix\n\nCo-authored-by: {name} <{email}>\nSigned-off-by: {name} <{email}>\n"),
    ]
    result = detect(commits, PullRequest(author=name.replace(" ", "")))
    assert result.signals == ()
    assert result.source == "none" and result.unknown


@pytest.mark.parametrize("text", LOOKALIKE_MESSAGES)
def test_messages_that_mention_a_bot_are_not_detected(text: str) -> None:
    commits = [CommitMeta("0" * 39 + "2", "Jane Doe", "jane@example.org", message=f"{text}\n\n{text}\n")]
    assert detect(commits, PullRequest(title=text, body=text)).signals == ()


@pytest.mark.parametrize("name,email", [
    ("Claude Marson", "claude@example.com"), ("Claude Monet", "claude@monet.fr"), ("Cursor Smith", "c@x.org"),
    ("Jules", ""), ("Devin", ""), ("Amp Lee", "amp@lee.dev"), ("Gemini Cricket", "gc@example.org"),
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
    ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
    ("pre-commit-ci-lite[bot]", "117423508+pre-commit-ci-lite[bot]@users.noreply.github.com"),
    ("gemini-cli-robot", "gemini-cli-robot@google.com"), ("GitHub", "noreply@github.com"),
])
def test_people_and_tool_bots_with_agent_like_names_are_not_agents(name: str, email: str) -> None:
    commit = CommitMeta("a" * 40, name, email, message=f"Fix\n\nCo-authored-by: {name} <{email}>\n")
    assert detect([commit]).signals == ()


def test_a_github_app_that_is_no_known_agent_is_a_bot_of_unknown_agent() -> None:
    # The corpus: astral-automations-bot[bot] writes agent-like prose but
    # names no agent; "bot, agent unknown".
    commit = CommitMeta("b" * 40, "astral-automations-bot[bot]",
                        "189135224+astral-automations-bot[bot]@users.noreply.github.com")
    result = detect([commit])
    assert [(s.agent, s.family) for s in result.signals] == [("unknown-bot", None)]
    assert result.unknown


def test_the_named_model_decides_not_the_agent() -> None:
    commits = [
        CommitMeta("c" * 40, "Jane", "j@example.org",
                   message="Fix\n\nCo-Authored-By: Claude (GLM-4.7) <noreply@anthropic.com>\n"),
        CommitMeta("d" * 40, "Jane", "j@example.org", message="Fix\n\nAssisted-by: Codex:GPT-5.5\n"),
    ]
    result = detect(commits)
    assert [(s.agent, s.model, s.family) for s in result.signals] == [
        ("claude-code", "GLM-4.7", "zhipu"), ("codex", "GPT-5.5", "openai")]
    assert result.families == ("openai", "zhipu")
    assert not result.unknown
    assert result.signals[0].evidence == (
        "commit cccccccccccc trailer: Co-Authored-By: Claude (GLM-4.7) <noreply@anthropic.com>")


def test_signals_are_grouped_and_counted() -> None:
    trailer = "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"
    commits = [CommitMeta(str(i) * 40, "Jane", "j@example.org", message=f"Fix {i}\n\n{trailer}\n")
               for i in range(1, 4)]
    commits.append(CommitMeta("e" * 40, "copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"))
    result = detect(commits)
    assert [(s.agent, s.model, s.family) for s in result.signals] == [
        ("claude-code", "Opus 4.6", "anthropic"), ("copilot", "", None)]
    assert result.signals[0].evidence == f"commit 111111111111 trailer: {trailer} (and 2 more)"
    assert result.families == ("anthropic",)
    assert result.unknown  # Copilot runs whichever model its user picked


def test_several_models_of_one_signature() -> None:
    commit = CommitMeta("f" * 40, "Jane", "j@example.org",
                        message="Fix\n\nCo-authored-by: Claude Code - Fable 5, Opus 4.8, Sonnet 5\n")
    (signal,) = detect([commit]).signals
    assert (signal.agent, signal.model, signal.family) == ("claude-code", "Fable 5, Opus 4.8, Sonnet 5", "anthropic")


# --------------------------------------------------------------------------
# Pull requests


@pytest.mark.parametrize("pr,agent", [
    (PullRequest(head_branch="copilot/fix-123"), "copilot"),
    (PullRequest(head_branch="claude/issue-12-20250101_1200"), "claude-code"),
    (PullRequest(head_branch="codex/add-retries"), "codex"),
    (PullRequest(head_branch="cursor/tidy-imports-4f2a"), "cursor"),
    (PullRequest(head_branch="devin/1718000000-fix-typo"), "devin"),
    (PullRequest(head_branch="jules/refactor-x"), "jules"),
    (PullRequest(author="Copilot", author_type="Bot"), "copilot"),
    (PullRequest(author="devin-ai-integration[bot]", author_type="Bot"), "devin"),
    (PullRequest(author="google-labs-jules[bot]"), "jules"),
    (PullRequest(labels=("bug", "codex")), "codex"),
    (PullRequest(body="Summary\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n"), "claude-code"),
    (PullRequest(body="https://chatgpt.com/codex/tasks/task_e_68a1b2c3d4e5f6a7b8c9"), "codex"),
    (PullRequest(body="Fix\n\nCo-authored-by: Cursor <cursoragent@cursor.com>"), "cursor"),
])
def test_pull_request_signals(pr: PullRequest, agent: str) -> None:
    result = detect([], pr)
    assert [s.agent for s in result.signals] == [agent]
    assert result.signals[0].evidence.startswith("pull request ")


def test_pull_request_evidence_names_the_branch() -> None:
    result = detect([], PullRequest(head_branch="copilot/fix-123"))
    assert result.signals[0].evidence == "pull request head branch: copilot/fix-123"


@pytest.mark.parametrize("pr", [
    PullRequest(head_branch="feature/copilot-support", title="Support Copilot", body="Thanks @claude[bot]!"),
    PullRequest(author="devin-r", labels=("copilot-integration",), head_branch="claude-fixes"),
    PullRequest(body="Addresses feedback from chatgpt-codex-connector bot review"),
])
def test_pull_requests_that_only_mention_agents(pr: PullRequest) -> None:
    assert detect([], pr).signals == ()


# --------------------------------------------------------------------------
# The policy and --author-model


COPILOT = CommitMeta("1" * 40, "copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")
AIDER = CommitMeta("2" * 40, "Jane Doe (aider)", "jane@example.org")


def test_policy_maps_agents_of_no_fixed_model() -> None:
    result = detect([COPILOT, AIDER], policy={"agents": {"copilot": "openai"}})
    assert [(s.agent, s.family) for s in result.signals] == [("copilot", "openai"), ("aider", None)]
    assert result.families == ("openai",) and result.unknown
    result = detect([COPILOT], policy={"agents": {"Copilot": "OpenAI"}})
    assert result.families == ("openai",) and not result.unknown


def test_policy_families_extend_the_model_table() -> None:
    commit = CommitMeta("3" * 40, "J", "j@example.org",
                        message="Fix\n\nCo-Authored-By: Claude (fennec-v7-fast) <noreply@anthropic.com>\n")
    assert detect([commit]).families == ("unknown:fennec-v7-fast",)
    assert detect([commit], policy={"families": {"fennec-*": "anthropic"}}).families == ("anthropic",)


def test_author_model_then_policy_win_over_detection() -> None:
    policy = {"author_model": "gemini-2.5-pro"}
    by_flag = detect([COPILOT], author_model="openai/gpt-5", policy=policy)
    assert (by_flag.source, by_flag.families, by_flag.unknown) == ("--author-model", ("openai",), False)
    assert by_flag.signals[0] == authorship.AuthorSignal("declared", "openai/gpt-5", "openai",
                                                         "--author-model openai/gpt-5")
    assert [s.agent for s in by_flag.signals[1:]] == ["copilot"]  # still reported
    by_policy = detect([COPILOT], policy=policy)
    assert (by_policy.source, by_policy.families) == ("policy", ("google",))
    assert by_policy.signals[0].evidence == "policy author_model: gemini-2.5-pro"


def test_nothing_detected_is_unknown() -> None:
    result = detect([CommitMeta("4" * 40, "Jane Doe", "jane@example.org", message="Fix the parser\n")])
    assert result == Authorship((), (), True, "none")


def test_as_dict_is_json_ready() -> None:
    result = detect([COPILOT], PullRequest(head_branch="copilot/fix-1"))
    data = json.loads(json.dumps(as_dict(result)))
    assert data == {
        "source": "detected", "families": [], "unknown": True,
        "signals": [
            {"agent": "copilot", "model": "", "family": None,
             "evidence": "commit 111111111111 author: copilot-swe-agent[bot] "
                         "<198982749+Copilot@users.noreply.github.com>"},
            {"agent": "copilot", "model": "", "family": None,
             "evidence": "pull request head branch: copilot/fix-1"},
        ],
    }


# --------------------------------------------------------------------------
# ChangeSet.commits on real repositories


def _trailer_history(repo: Repo) -> tuple:
    repo.commit({"app.py": "x = 1\n"}, "base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"app.py": "x = 2\n"},
                "Make x two\n\nBody text.\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n")
    repo.env.update(GIT_AUTHOR_NAME="Codex", GIT_AUTHOR_EMAIL="codex@openai.com")
    repo.commit({"app.py": "x = 3\n"}, "Make x three")
    repo.env.update(GIT_AUTHOR_NAME="Test Author", GIT_AUTHOR_EMAIL="author@example.com")
    # The change adds a .mailmap that would turn the agent into a person.
    head = repo.commit({"util.py": "y = 1\n", ".mailmap": "Jane Doe <jane@example.org> Codex <codex@openai.com>\n"},
                       "Add util\n\nco-authored-by: Cursor Grok 4.5 <grok@x.ai>\n")
    return repo.git("rev-parse", "main"), head


def test_from_revisions_commits_carry_identities_and_trailers(repo: Repo) -> None:
    _, head = _trailer_history(repo)
    cs = change.from_revisions("main", "feature", cwd=str(repo.path))
    commits = cs.commits()
    assert [c.message.split("\n")[0] for c in commits] == ["Add util", "Make x three", "Make x two"]
    assert commits[0].sha == head
    assert (commits[1].author_name, commits[1].author_email) == ("Codex", "codex@openai.com")
    assert (commits[1].committer_name, commits[1].committer_email) == ("Test Author", "author@example.com")
    assert cs.commits() is commits  # read once
    result = detect(commits)
    assert [(s.agent, s.model, s.family) for s in result.signals] == [
        ("cursor", "Grok 4.5", "xai"), ("codex", "", "openai"), ("claude-code", "Opus 4.6", "anthropic")]
    assert result.signals[2].evidence.startswith(f"commit {commits[2].sha[:12]} trailer: Co-Authored-By: ")


def test_commits_are_read_only_when_asked(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _trailer_history(repo)
    calls = []
    real = git.commit_log
    monkeypatch.setattr(git, "commit_log", lambda *a: calls.append(a) or real(*a))
    cs = change.from_revisions("main", "feature", cwd=str(repo.path))
    assert calls == []
    assert len(cs.commits()) == 3 and len(cs.commits()) == 3
    assert len(calls) == 1


def test_default_source_and_root_commit(repo: Repo) -> None:
    repo.env.update(GIT_AUTHOR_NAME="Devin AI",
                    GIT_AUTHOR_EMAIL="158243242+devin-ai-integration[bot]@users.noreply.github.com")
    repo.commit({"a.py": "a = 1\n"}, "Root")
    (root,) = change.default(cwd=str(repo.path)).commits()
    assert root.author_name == "Devin AI"
    repo.commit({"a.py": "a = 2\n"}, "Second\n\nMade-with: Cursor\n")
    (second,) = change.default(cwd=str(repo.path)).commits()  # HEAD~1..HEAD
    assert detect([second]).signals[-1].agent == "cursor"
    assert change.from_staged(cwd=str(repo.path)).commits() == ()


def test_odd_encodings_survive(repo: Repo) -> None:
    repo.commit({"a.py": "a = 1\n"}, "base")
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.write({"a.py": "a = 2\n"})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-F", "-", input="Caf\xe9 au lait\n\nCo-authored-by: Codex\n".encode("latin-1"))
    # A commit object that declares no encoding but is not UTF-8 (`git
    # commit` would fix the bytes up; other tools write them as they are).
    raw = (f"tree {repo.git('rev-parse', 'HEAD^{tree}')}\nparent {repo.git('rev-parse', 'HEAD')}\n"
           "author A <a@example.org> 1700000000 +0000\ncommitter A <a@example.org> 1700000000 +0000\n\n"
           ).encode() + b"Bad \xff byte\n"
    repo.git("update-ref", "HEAD", repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=raw))
    commits = change.from_revisions("HEAD~2", cwd=str(repo.path)).commits()
    assert commits[0].message == "Bad \ufffd byte\n"
    assert commits[1].message.startswith("Café au lait")
    json.dumps([c._asdict() for c in commits], ensure_ascii=False).encode("utf-8")  # no lone surrogates


def test_commit_log_is_bounded(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit({"a.py": "0\n"}, "base")
    for i in range(5):
        repo.commit({"a.py": f"{i + 1}\n"}, f"step {i}")
    monkeypatch.setattr(git, "MAX_COMMITS", 3)
    commits = change.from_revisions("HEAD~5", cwd=str(repo.path)).commits()
    assert [c.message.strip() for c in commits] == ["step 4", "step 3", "step 2"]  # newest first


# --------------------------------------------------------------------------
# git format-patch files


def _format_patch(repo: Repo, tmp_path: Path) -> Path:
    repo.commit({"app.py": "x = 1\n"}, "base")
    repo.env.update(GIT_AUTHOR_NAME="Jürgen Ünicode", GIT_AUTHOR_EMAIL="juergen@example.org")
    repo.commit({"app.py": "x = 2\n"},
                "Make x two, with a subject long enough that format-patch folds the header line\n\n"
                "Why: because.\n\nCo-Authored-By: Claude (GLM-4.7) <noreply@anthropic.com>\n")
    repo.env.update(GIT_AUTHOR_NAME="copilot-swe-agent[bot]",
                    GIT_AUTHOR_EMAIL="198982749+Copilot@users.noreply.github.com")
    repo.commit({"b.py": "y = 1\n"}, "Add b\n\n---\nnot the message any more\n")
    out = repo.git("format-patch", "--stdout", "--subject-prefix=PATCH v2", "HEAD~2")
    path = tmp_path / "series.patch"
    path.write_text(out + "\n", encoding="utf-8")
    return path


def test_from_diff_reads_format_patch_headers(repo: Repo, tmp_path: Path) -> None:
    path = _format_patch(repo, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "From: =?UTF-8?q?J=C3=BCrgen=20=C3=9Cnicode?= <juergen@example.org>" in text  # RFC 2047 on disk
    assert "Subject: [PATCH v2 1/2] Make x two" in text and "\n format-patch folds" in text  # folded
    first_sha, second_sha = repo.git("rev-parse", "HEAD~1"), repo.git("rev-parse", "HEAD")
    commits = change.from_diff(str(path), cwd=str(tmp_path)).commits()
    assert [c.sha for c in commits] == [first_sha, second_sha]
    assert (commits[0].author_name, commits[0].author_email) == ("Jürgen Ünicode", "juergen@example.org")
    assert commits[0].message == ("Make x two, with a subject long enough that format-patch folds the header line"
                                  "\n\nWhy: because.\n\nCo-Authored-By: Claude (GLM-4.7) <noreply@anthropic.com>\n")
    assert commits[1].message == "Add b\n"  # the message ends at the first "---"
    result = detect(commits)
    assert [(s.agent, s.family) for s in result.signals] == [("claude-code", "zhipu"), ("copilot", None)]
    assert result.signals[0].evidence.startswith(f"commit {first_sha[:12]} trailer: ")


def test_format_patch_in_body_from_and_plain_diffs(repo: Repo, tmp_path: Path) -> None:
    repo.commit({"a.py": "a = 1\n"}, "base")
    repo.env.update(GIT_AUTHOR_NAME="Codex", GIT_AUTHOR_EMAIL="codex@openai.com")
    repo.commit({"a.py": "a = 2\n"}, "Two")
    mail = tmp_path / "forwarded.patch"
    mail.write_text(repo.git("format-patch", "--stdout", "--from=Jane Sender <jane@example.org>", "HEAD~1") + "\n",
                    encoding="utf-8")
    assert "\nFrom: Codex <codex@openai.com>\n" in mail.read_text(encoding="utf-8")  # in the body
    (meta,) = change.from_diff(str(mail), cwd=str(tmp_path)).commits()
    assert (meta.author_name, meta.author_email, meta.message) == ("Codex", "codex@openai.com", "Two\n")
    plain = tmp_path / "plain.diff"
    plain.write_text(repo.git("diff", "HEAD~1", "HEAD") + "\n", encoding="utf-8")
    assert change.from_diff(str(plain), cwd=str(tmp_path)).commits() == ()
