"""The data that flows through the pipeline, as plain immutable records.

change (git or diff file) -> ChangeSet -> check families -> Finding
-> triage -> review -> verdict -> reporters

Every stage takes these records and returns new ones; nothing here does I/O
except the lazy text loaders a ChangeSet carries for checks that need whole
files (a syntax tree, a parsed manifest).
"""
from __future__ import annotations

import fnmatch
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Optional

# Severities, strongest first.  ``off`` only exists in configuration.
BLOCK = "block"
ESCALATE = "escalate"
INFO = "info"
SEVERITIES = (BLOCK, ESCALATE, INFO)

CATEGORIES = ("suppression", "dependency", "test-stub", "security", "review")

# Kinds of diff line.
ADDED = "+"
REMOVED = "-"
CONTEXT = " "

# File statuses.
ADDED_FILE = "added"
MODIFIED = "modified"
DELETED = "deleted"
RENAMED = "renamed"
COPIED = "copied"


class Line(NamedTuple):
    kind: str  # ADDED, REMOVED or CONTEXT
    text: str  # without the line ending ("\r" of a CRLF line is stripped too)
    old_no: Optional[int]  # line number in the old file (None for added lines)
    new_no: Optional[int]  # line number in the new file (None for removed lines)


class Hunk(NamedTuple):
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str  # the text after the second @@ (often the enclosing function)
    lines: tuple[Line, ...]


def _no_text() -> Optional[str]:
    return None


class FileChange(NamedTuple):
    """One file of a change.

    ``path`` is the new path, or the old path when the file is deleted.
    ``old_text()`` / ``new_text()`` return the whole file (decoded as UTF-8
    with ``surrogateescape``, line endings kept) or None when it does not
    exist on that side, is binary, or cannot be known (hunks-only coverage).
    They are cached by the loader, so calling them twice is cheap.
    """

    path: str
    old_path: Optional[str]
    status: str  # ADDED_FILE, MODIFIED, DELETED, RENAMED, COPIED
    hunks: tuple[Hunk, ...]
    is_binary: bool = False
    old_mode: Optional[str] = None
    new_mode: Optional[str] = None
    is_submodule: bool = False
    similarity: Optional[int] = None  # rename/copy similarity, percent
    load_old: Callable[[], Optional[str]] = _no_text
    load_new: Callable[[], Optional[str]] = _no_text

    def old_text(self) -> Optional[str]:
        return self.load_old()

    def new_text(self) -> Optional[str]:
        return self.load_new()

    def lines(self) -> Iterator[Line]:
        for hunk in self.hunks:
            yield from hunk.lines

    def added(self) -> Iterator[Line]:
        for hunk in self.hunks:
            for line in hunk.lines:
                if line.kind == ADDED:
                    yield line

    def removed(self) -> Iterator[Line]:
        for hunk in self.hunks:
            for line in hunk.lines:
                if line.kind == REMOVED:
                    yield line

    def added_line_numbers(self) -> frozenset[int]:
        return frozenset(line.new_no for line in self.added() if line.new_no is not None)

    def removed_line_numbers(self) -> frozenset[int]:
        return frozenset(line.old_no for line in self.removed() if line.old_no is not None)


class CommitMeta(NamedTuple):
    """One commit of the change, as its metadata says (for author detection).

    For ``--base``/default sources these come from ``git log``; for a
    ``git format-patch`` file from its mail headers (``sha`` may then be the
    "From <sha>" line's id or "").  The staged change has none."""

    sha: str
    author_name: str
    author_email: str
    committer_name: str = ""
    committer_email: str = ""
    message: str = ""  # subject and body, trailers included


class PullRequest(NamedTuple):
    """What a pull request says about itself (``--pull-request FILE``)."""

    number: int = 0
    title: str = ""
    body: str = ""
    labels: tuple = ()  # tuple[str, ...]
    head_branch: str = ""
    author: str = ""  # the login that opened it
    author_type: str = ""  # "User", "Bot" ...


class Approval(NamedTuple):
    """A person took responsibility for a change the guard would stop (the
    override label, added by a user with write access)."""

    login: str
    at: str  # ISO 8601 time the label was added
    label: str
    permission: str = ""  # "write", "maintain", "admin"
    head_sha: str = ""  # the head commit the approver saw (an approval covers only that commit)


def _no_commits() -> "tuple[CommitMeta, ...]":
    return ()


class ChangeSet(NamedTuple):
    """A whole change: its files and where it came from.

    ``source`` is a human sentence such as "origin/main...HEAD (merge-base
    1a2b3c4)". ``coverage`` is "full" when old and new texts of every text
    file can be read, "hunks-only" when only the diff itself is known.
    ``repo`` is the repository root (None outside a repository).
    ``base_rev`` / ``head_rev`` are commit ids when known; ``head_rev`` is
    None for the index (--staged) and for a diff file.
    ``read_head`` / ``read_base`` read any file of the repository as it is on
    that side (None when missing or unknown); ``list_head`` lists all paths on
    the new side. Checks use them for repository-wide facts (manifests,
    tests that are not in the change).
    """

    files: tuple[FileChange, ...]
    source: str
    coverage: str = "full"
    repo: Optional[str] = None
    base_rev: Optional[str] = None
    head_rev: Optional[str] = None
    mode: str = "git"  # "git" (--base), "staged", "diff"
    read_head: Callable[[str], Optional[str]] = lambda path: None
    read_base: Callable[[str], Optional[str]] = lambda path: None
    list_head: Callable[[], tuple[str, ...]] = lambda: ()
    # The commits of the change (git log BASE..HEAD, or a format-patch's
    # headers), read on first call; () for the staged change and plain diffs.
    commits: Callable[[], "tuple[CommitMeta, ...]"] = _no_commits

    def file(self, path: str) -> Optional[FileChange]:
        for change in self.files:
            if change.path == path:
                return change
        return None

    def added_line_count(self) -> int:
        return sum(1 for f in self.files for _ in f.added())

    def removed_line_count(self) -> int:
        return sum(1 for f in self.files for _ in f.removed())


class Rule(NamedTuple):
    """A rule's identity and documentation (loaded from guardrails/rules)."""

    id: str  # "<category>/<kebab-name>"
    severity: str  # default severity
    summary: str  # one line
    docs: str  # Markdown: What it does / Why is this bad? / Example / Use instead / How to waive
    # When True (the default) a finding of this rule is kept only on a line
    # the change added (new side) or removed (old side).  Rules that report
    # on a semantic difference (a parsed config, a missing test) set False.
    diff_filter: bool = True

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]


class Finding(NamedTuple):
    rule: str
    severity: str
    path: str
    line: int  # 1-based; new-file line, or old-file line when side == "old"; 0 = whole file
    message: str
    evidence: str = ""  # the source line (or the most telling snippet)
    side: str = "new"  # "new" or "old"
    # Free-form facts for the reviewer and the reports, e.g.
    # {"hidden": ["E501 line too long"], "test": "tests/test_x.py::test_y"}.
    details: Mapping[str, Any] = {}
    column: int = 0  # 1-based, 0 = unknown
    end_line: int = 0  # 0 = same as line
    # Filled in by later stages; checks leave them alone.
    fingerprint: str = ""
    waived: bool = False
    waiver_reason: str = ""
    waiver_source: str = ""  # "base", "change" or "config"
    default_severity: str = ""  # the severity before triage changed it
    # The review stage's word on an escalated finding (empty when none):
    # {"state": "decided" | a not-reviewed state, "decision": "allow" |
    #  "block" | "needs-human", "confidence": float, "rationale": str,
    #  "model": str, "cached": bool}
    review: Mapping[str, Any] = {}

    @property
    def category(self) -> str:
        return self.rule.split("/", 1)[0]


class Options(NamedTuple):
    """What the command line asked for, as checks see it."""

    deep: bool = False
    online: bool = False
    no_llm: bool = False
    # The reviewer, from the command line (replaces the policy's pool).
    reviewer_models: tuple = ()  # tuple[str, ...], in order of preference
    reviewer_base_url: Optional[str] = None
    reviewer_api_key_env: Optional[str] = None
    author_model: Optional[str] = None  # --author-model: wins over detection
    pull_request: Optional[PullRequest] = None
    review_cache: Optional[str] = None  # path of the decision cache file
    # Where the run happens: "" (a command line), "pre-commit" (in-process
    # checks only: no semgrep, no --deep, no network, no LLM), "pre-push", "ci".
    stage: str = ""
    # The workflow file running this check (from GITHUB_WORKFLOW_REF), so a
    # change editing it is seen as editing its own gate.
    workflow: Optional[str] = None


class Context(NamedTuple):
    """What a check family receives besides the change.

    ``settings`` is the family's own section of the configuration (already
    validated against the family's CONFIG_SCHEMA, with defaults filled in).
    ``warn`` records a note for the report ("could not run mypy: ...") so a
    check can say what it could not do without failing the run.
    """

    options: Options
    settings: Mapping[str, Any]
    warn: Callable[[str], None]


def glob_match(path: str, patterns: "tuple[str, ...] | list[str]") -> bool:
    """gitignore-ish glob: a pattern without "/" matches the basename too;
    "**" crosses folders; "dir/" matches everything below dir."""
    for pattern in patterns:
        if pattern.endswith("/"):
            if path.startswith(pattern) or ("/" + pattern) in ("/" + path):
                return True
            continue
        if fnmatch.fnmatchcase(path, pattern):
            return True
        if "/" not in pattern and fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern):
            return True
        if pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:]):
            return True
    return False


SCHEMA_VERSION = 1


class Report(NamedTuple):
    """Everything the reporters need; they render it and decide nothing."""

    verdict: str  # "pass", "review" or "block"
    exit_code: int
    findings: tuple  # tuple[Finding, ...], sorted by path, side, line
    counts: Mapping[str, int]  # block / escalate / info / waived
    stats: Mapping[str, Any]  # files, lines_added, lines_removed, seconds, coverage
    source: str  # which change was judged
    config_source: str  # which policy judged it
    notes: tuple = ()  # what checks could not do ("hunks-only: ...", "mypy not run: ...")
    on_unreviewed: str = "block"
    schema_version: int = SCHEMA_VERSION
    # Who wrote the change (detected agents, families, evidence) and what the
    # review stage did (state, reviewer model, tokens, cost ...): mappings
    # rendered as they are.
    authorship: Mapping[str, Any] = {}
    review: Mapping[str, Any] = {}
    approval: Optional[Approval] = None
