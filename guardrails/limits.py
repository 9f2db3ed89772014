"""Resource bounds: which files of a change the check families read.

The change is untrusted and may be built to exhaust the gate (a 10 MB
line, a committed virtual environment of 650,000 lines).  Before the
families run, every file is measured from its hunks alone (no whole-file
read), in path order:

- a file under a committed environment or dependency tree (a folder with
  ``pyvenv.cfg``, ``site-packages``, ``node_modules``, tool caches ...) is
  not analysed (state ``vendored``); each tree is one
  ``dependency/vendored-tree`` finding;
- a file whose added lines exceed ``max_file_lines`` or ``max_file_bytes``
  (``too-large``), that adds a line longer than ``max_line_chars``
  (``long-line``), or that comes after the change's budget
  (``max_change_lines`` / ``max_change_bytes``) is spent
  (``change-budget``), is not analysed;
- a binary file with a source or configuration file's extension
  (``binary``), and a symbolic link pointing out of the repository
  (``symlink``), cannot be read as what their names say;
- a submodule pointer (``submodule``) names another repository's commit,
  whose code is not in the change;
- a check family that has not finished when ``max_seconds`` are spent
  (``time-limit``), or whose worker process passes ``max_memory_mb`` of
  resident memory (``memory-limit``), is stopped, for the whole change
  (path "."); see workers.py for where these two are enforced.

A file not analysed is never a silent pass: the report lists it in
``stats.not_analysed`` (path, state, reason), the notes say so, and it is
a ``security/not-analysed`` finding (escalate; info for a submodule bump).
Everything here is linear in the added lines.

The settings are the policy's ``limits:`` section (validated like a
family's options, see CONFIG_SCHEMA).
"""
from __future__ import annotations

import posixpath
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from guardrails.model import ADDED_FILE, DELETED, INFO, ChangeSet, FileChange, Finding

NAME = "limits"
CONFIG_SCHEMA: Dict[str, Any] = {
    "max_file_lines": 200_000,      # added lines in one file
    "max_file_bytes": 8_000_000,    # bytes of one file's added lines
    "max_line_chars": 250_000,      # the longest added line of a file
    "max_change_lines": 1_000_000,  # added lines analysed in the whole change
    "max_change_bytes": 64_000_000,  # bytes of added lines analysed in the whole change
    "vendored_trees": True,         # false: committed environments are analysed like any file
    "max_seconds": 300.0,           # the deterministic pass; families not finished by then are stopped
    "max_memory_mb": 2048,          # resident memory of one check worker process (Linux)
    "jobs": 0,                      # worker processes for a big change; 0: one per core (at most 4)
}

# Named states of a file that was not analysed (the report's
# stats.not_analysed[].state), with what each means.
STATES: Dict[str, str] = {
    "vendored": "under a committed environment or dependency tree",
    "too-large": "its added lines exceed the per-file limit",
    "long-line": "it adds a line longer than the per-line limit",
    "change-budget": "the change's budget of added lines was spent on earlier files",
    "binary": "binary content under a source or configuration file name",
    "symlink": "a symbolic link pointing outside the repository",
    "submodule": "a submodule commit: the code it points to is another repository's",
    "time-limit": "the change's time budget was spent before these checks finished",
    "memory-limit": "these checks passed the memory limit and were stopped",
}

NOT_ANALYSED_RULE = "security/not-analysed"
VENDORED_RULE = "dependency/vendored-tree"

# A folder that holds one of these files is the root of a committed
# environment (the file is what creates it).
_ROOT_MARKERS = {
    "pyvenv.cfg": "a Python virtual environment",
    "conda-meta/history": "a conda environment",
}
# A path component naming an installed-packages or generated folder.
_TREE_NAMES = {
    "site-packages": "installed Python packages",
    "dist-packages": "installed Python packages",
    "__pypackages__": "installed Python packages (PEP 582)",
    "node_modules": "installed npm packages",
    "bower_components": "installed Bower packages",
    ".tox": "tox environments",
    ".nox": "nox environments",
    "__pycache__": "Python bytecode caches",
    ".mypy_cache": "mypy's cache",
    ".pytest_cache": "pytest's cache",
    ".ruff_cache": "ruff's cache",
}
_SYMLINK_MODE = "120000"

# Extensions whose files are read as text by the families: a binary file
# under one of these names hides its content from them.
SOURCE_EXTENSIONS = frozenset((
    ".py", ".pyi", ".pyw", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".rs",
    ".java", ".kt", ".kts", ".scala", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".cs", ".rb", ".php",
    ".sh", ".bash", ".zsh", ".swift", ".m", ".lua", ".pl", ".r", ".vue", ".svelte",
    ".toml", ".cfg", ".ini", ".json", ".yml", ".yaml", ".lock", ".txt", ".in", ".mod", ".sum", ".xml",
    ".gradle", ".md",
))


class NotAnalysed(NamedTuple):
    path: str
    state: str  # a key of STATES
    reason: str  # the measured fact, e.g. "312,004 added lines (limit 200,000)"

    def as_dict(self) -> Dict[str, str]:
        return {"path": self.path, "state": self.state, "reason": self.reason}


class Held(NamedTuple):
    """What the limits kept from the families."""

    change: ChangeSet  # the change the families see (files not analysed left out)
    not_analysed: Tuple[NotAnalysed, ...]
    findings: Tuple[Finding, ...]
    notes: Tuple[str, ...]
    settings: Mapping[str, Any] = CONFIG_SCHEMA  # the limits in force (defaults filled in)
    late: List[NotAnalysed] = []  # check families stopped or not run (filled by stopped())

    def states(self) -> List[Dict[str, str]]:
        return [n.as_dict() for n in self.not_analysed + tuple(self.late)]

    def stopped(self, family: str, state: str, reason: str, findings: List[Finding], notes: List[str]) -> None:
        """Record that check family FAMILY was stopped or not run (STATE
        time-limit or memory-limit): a not-analysed finding for the whole
        change, a note, a state."""
        gone = NotAnalysed(".", state, reason)
        self.late.append(gone)
        findings.append(_held_finding(gone))
        notes.append(f"not analysed: {gone.reason}")


def _n(value: int) -> str:
    return f"{value:,}"


def _measure(fc: FileChange) -> Tuple[int, int, int]:
    """(added lines, bytes of added lines, longest added line) from the hunks."""
    lines = size = longest = 0
    for line in fc.added():
        lines += 1
        n = len(line.text)
        size += n + 1
        if n > longest:
            longest = n
    return lines, size, longest


def vendored_root(path: str) -> Optional[Tuple[str, str]]:
    """(root folder, what it is) when PATH lies in a generated or installed
    tree named by one of its folders."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        what = _TREE_NAMES.get(part)
        if what is not None:
            return "/".join(parts[:i + 1]), what
    return None


def _marker_roots(files: Tuple[FileChange, ...]) -> Dict[str, str]:
    """Folders the change makes an environment (it adds their marker file)."""
    roots: Dict[str, str] = {}
    for fc in files:
        if fc.status == DELETED:
            continue
        for marker, what in _ROOT_MARKERS.items():
            if fc.path == marker or fc.path.endswith("/" + marker):
                roots[fc.path[: len(fc.path) - len(marker)].rstrip("/") or "."] = what
    return roots


def _under(path: str, roots: Dict[str, str]) -> Optional[str]:
    if "." in roots:
        return "."
    folder = path
    while "/" in folder:
        folder = folder.rsplit("/", 1)[0]
        if folder in roots:
            return folder
    return None


def _symlink_escapes(fc: FileChange) -> Optional[str]:
    """The target of a symbolic link FC adds when it leaves the repository."""
    if fc.new_mode != _SYMLINK_MODE or fc.status == DELETED:
        return None
    target = fc.new_text()
    if target is None:
        target = "".join(line.text for line in fc.added())
    target = target.strip("\n")
    if not target:
        return None
    if target.startswith("/"):
        return target
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(fc.path), target))
    return target if joined == ".." or joined.startswith("../") else None


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name.lstrip(".") else ""


def apply(change: ChangeSet, settings: Mapping[str, Any]) -> Held:
    """Measure CHANGE against SETTINGS (the policy's ``limits`` section,
    defaults filled in); the families get what stays within them."""
    opts = dict(CONFIG_SCHEMA)
    opts.update(settings or {})
    roots = _marker_roots(change.files) if opts["vendored_trees"] else {}
    trees: Dict[str, Dict[str, Any]] = {}
    held: List[NotAnalysed] = []
    kept: List[FileChange] = []
    lines_left, bytes_left = int(opts["max_change_lines"]), int(opts["max_change_bytes"])
    for fc in sorted(change.files, key=lambda f: f.path):
        root: Optional[str] = None
        what = ""
        if opts["vendored_trees"]:
            root = _under(fc.path, roots)
            if root is not None:
                what = roots[root]
            else:
                found = vendored_root(fc.path)
                if found is not None:
                    root, what = found
        lines, size, longest = _measure(fc)
        if root is not None:
            tree = trees.setdefault(root, {"what": what, "files": 0, "lines": 0, "new": True, "first": fc.path})
            tree["files"] += 1
            tree["lines"] += lines
            tree["new"] = tree["new"] and fc.status == ADDED_FILE
            if posixpath.basename(fc.path) in ("pyvenv.cfg", "history"):
                tree["first"] = fc.path
            held.append(NotAnalysed(fc.path, "vendored", f"under {root}/ ({what})"))
            continue
        state, reason = _state(fc, lines, size, longest, opts, lines_left, bytes_left)
        if state is None:
            lines_left -= lines
            bytes_left -= size
            kept.append(fc)
        else:
            held.append(NotAnalysed(fc.path, state, reason))
    findings = [_tree_finding(root, tree) for root, tree in sorted(trees.items())]
    findings += [_held_finding(n) for n in held if n.state != "vendored"]
    notes = []
    if held:
        counts: Dict[str, int] = {}
        for n in held:
            counts[n.state] = counts.get(n.state, 0) + 1
        notes.append("not analysed: " + ", ".join(f"{c} file{'s' if c != 1 else ''} {state} ({STATES[state]})"
                                                  for state, c in sorted(counts.items()))
                     + "; see stats.not_analysed")
    order = {fc.path: i for i, fc in enumerate(change.files)}
    kept.sort(key=lambda f: order[f.path])
    new_change = change if len(kept) == len(change.files) else change._replace(files=tuple(kept))
    return Held(new_change, tuple(held), tuple(findings), tuple(notes), opts, [])


def _state(fc: FileChange, lines: int, size: int, longest: int, opts: Mapping[str, Any],
           lines_left: int, bytes_left: int) -> Tuple[Optional[str], str]:
    if fc.is_submodule:
        return "submodule", "a submodule pointer; its code is not part of this change"
    target = _symlink_escapes(fc)
    if target is not None:
        return "symlink", f"a symbolic link to {target!r}"
    if fc.is_binary and fc.status != DELETED and _extension(fc.path) in SOURCE_EXTENSIONS:
        return "binary", f"binary content under a {_extension(fc.path)} name"
    if longest > opts["max_line_chars"]:
        return "long-line", f"a {_n(longest)}-character line (limit {_n(opts['max_line_chars'])})"
    if lines > opts["max_file_lines"]:
        return "too-large", f"{_n(lines)} added lines (limit {_n(opts['max_file_lines'])})"
    if size > opts["max_file_bytes"]:
        return "too-large", f"{_n(size)} bytes added (limit {_n(opts['max_file_bytes'])})"
    if lines > lines_left or size > bytes_left:
        return "change-budget", (f"{_n(lines)} added lines past the change's budget "
                                 f"(max_change_lines {_n(opts['max_change_lines'])}, "
                                 f"max_change_bytes {_n(opts['max_change_bytes'])})")
    return None, ""


def _tree_finding(root: str, tree: Mapping[str, Any]) -> Finding:
    from guardrails.checks import finding
    shown = "the repository root" if root == "." else f"{root}/"
    verb = "committed" if tree["new"] else "changed"
    message = (f"{tree['what']} {verb} at {shown}: {_n(tree['files'])} files, {_n(tree['lines'])} added lines "
               "(not analysed)")
    kw: Dict[str, Any] = {}
    if not tree["new"]:
        kw["severity"] = "escalate"  # the tree was already there; the change edits it
    return finding(VENDORED_RULE, tree["first"], 0, message,
                   details={"root": root, "kind": tree["what"], "files": tree["files"],
                            "lines_added": tree["lines"], "new_tree": tree["new"]}, **kw)


def _held_finding(n: NotAnalysed) -> Finding:
    from guardrails.checks import finding
    kw: Dict[str, Any] = {"severity": INFO} if n.state == "submodule" else {}
    return finding(NOT_ANALYSED_RULE, n.path, 0, f"not analysed ({n.state}): {n.reason}",
                   details={"state": n.state, "meaning": STATES[n.state]}, **kw)
