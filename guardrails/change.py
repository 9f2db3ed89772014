"""Stage 1: get the change and parse it into a ChangeSet.

Exactly one source: --base/--head (merge-base, as a pull request has),
--staged (index against HEAD), --diff FILE|- (a patch not yet applied), or
nothing (upstream merge-base, else HEAD~1).
"""
from __future__ import annotations

import functools
import re
from typing import Callable, Dict, List, Optional, Tuple

import unidiff

from guardrails import git
from guardrails.errors import GuardError
from guardrails.model import (
    ADDED, ADDED_FILE, CONTEXT, COPIED, DELETED, MODIFIED, REMOVED, RENAMED,
    ChangeSet, FileChange, Hunk, Line,
)

ENCODING = "utf-8"
ERRORS = "surrogateescape"  # keep bytes that are not UTF-8 round-trippable


def decode(data: Optional[bytes]) -> Optional[str]:
    if data is None:
        return None
    if b"\0" in data[:8000]:
        return None  # binary: git's own heuristic
    return data.decode(ENCODING, ERRORS)


def _strip_prefix(path: Optional[str], prefix: str) -> Optional[str]:
    if path is None or path == "/dev/null":
        return None
    if path.startswith(prefix):
        return path[len(prefix):]
    return path


_MODE_RE = re.compile(r"^(old|new|deleted file|new file) mode (\d+)$", re.M)
_SIM_RE = re.compile(r"^similarity index (\d+)%$", re.M)
_INDEX_RE = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?$", re.M)


class ParsedFile:
    """What the diff text says about one file (before loaders are attached)."""

    __slots__ = ("path", "old_path", "status", "hunks", "is_binary", "old_mode", "new_mode",
                 "is_submodule", "similarity", "old_blob", "new_blob")


def parse_diff(text: str) -> List[ParsedFile]:
    """Parse unified diff / format-patch text.  Raises GuardError when malformed."""
    if not text.strip():
        return []
    try:
        patch = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise GuardError(f"malformed diff: {exc}") from None
    if not len(patch) and ("@@" in text or "diff --git" in text):
        raise GuardError("malformed diff: no file headers could be read")
    files: List[ParsedFile] = []
    for pf in patch:
        info = "".join(pf.patch_info) if pf.patch_info else ""
        parsed = ParsedFile()
        old = _strip_prefix(pf.source_file, "a/")
        new = _strip_prefix(pf.target_file, "b/")
        modes = {kind: mode for kind, mode in _MODE_RE.findall(info)}
        parsed.old_mode = modes.get("old") or modes.get("deleted file")
        parsed.new_mode = modes.get("new") or modes.get("new file")
        m = _INDEX_RE.search(info)
        parsed.old_blob = m.group(1) if m else None
        parsed.new_blob = m.group(2) if m else None
        if m and m.group(3):
            parsed.old_mode = parsed.old_mode or m.group(3)
            parsed.new_mode = parsed.new_mode or m.group(3)
        sim = _SIM_RE.search(info)
        parsed.similarity = int(sim.group(1)) if sim else None
        if pf.is_added_file:
            status = ADDED_FILE
        elif pf.is_removed_file:
            status = DELETED
        elif getattr(pf, "is_rename", False) or "\nrename from " in "\n" + info:
            status = RENAMED
        elif "\ncopy from " in "\n" + info:
            status = COPIED
        else:
            status = MODIFIED
        if status == ADDED_FILE:
            old = None
        if status == DELETED:
            new = None
        parsed.status = status
        parsed.old_path = old
        parsed.path = new if new is not None else (old or "")
        parsed.is_binary = bool(getattr(pf, "is_binary_file", False))
        parsed.is_submodule = "160000" in (parsed.old_mode or "", parsed.new_mode or "")
        parsed.hunks = tuple(_hunk(h) for h in pf)
        files.append(parsed)
    return files


def _hunk(h: "unidiff.Hunk") -> Hunk:
    lines = []
    for ln in h:
        kind = ln.line_type
        if kind not in (ADDED, REMOVED, CONTEXT):
            continue  # "\ No newline at end of file"
        text = ln.value
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        lines.append(Line(
            kind=kind,
            text=text,
            old_no=ln.source_line_no if kind != ADDED else None,
            new_no=ln.target_line_no if kind != REMOVED else None,
        ))
    return Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                (h.section_header or "").strip(), tuple(lines))


def _lazy(fn: Callable[[], Optional[str]]) -> Callable[[], Optional[str]]:
    return functools.lru_cache(maxsize=1)(fn)


class _BlobReader:
    """Reads the old and new texts of every file in one cat-file batch, on first use."""

    def __init__(self, repo: str, names: List[str]):
        self.repo = repo
        self.names = names
        self.cache: Optional[Dict[str, Optional[bytes]]] = None

    def get(self, name: str) -> Optional[str]:
        if self.cache is None:
            self.cache = git.cat_blobs(self.names, self.repo)
        if name not in self.cache:
            self.cache.update(git.cat_blobs([name], self.repo))
        return decode(self.cache.get(name))


def _build(parsed: List[ParsedFile], old_ref: Callable[[ParsedFile], Optional[str]],
           new_ref: Callable[[ParsedFile], Optional[str]], reader: _BlobReader) -> Tuple[FileChange, ...]:
    names: List[str] = []
    out: List[FileChange] = []
    for p in parsed:
        o = old_ref(p) if p.old_path is not None and not p.is_binary and not p.is_submodule else None
        n = new_ref(p) if p.status != DELETED and not p.is_binary and not p.is_submodule else None
        names += [x for x in (o, n) if x]
        out.append(FileChange(
            path=p.path, old_path=p.old_path, status=p.status, hunks=p.hunks,
            is_binary=p.is_binary, old_mode=p.old_mode, new_mode=p.new_mode,
            is_submodule=p.is_submodule, similarity=p.similarity,
            load_old=_lazy(lambda o=o: reader.get(o) if o else None),
            load_new=_lazy(lambda n=n: reader.get(n) if n else None),
        ))
    reader.names = names
    return tuple(out)


def _repo_or_die(cwd: Optional[str]) -> str:
    root = git.toplevel(cwd)
    if root is None:
        raise GuardError(f"not a git repository: {cwd or '.'} (use --diff FILE outside a repository)")
    return root


def _decode_diff(raw: bytes) -> str:
    return raw.decode(ENCODING, ERRORS)


def from_revisions(base: str, head: str = "HEAD", cwd: Optional[str] = None,
                   merge_base: bool = True, source: str = "") -> ChangeSet:
    """`git diff BASE...HEAD`: what HEAD adds since it forked from BASE."""
    repo = _repo_or_die(cwd)
    head_id = git.resolve(head, repo, "--head")
    base_id = git.resolve(base, repo, "--base")
    fork = git.merge_base(base_id, head_id, repo) if merge_base else base_id
    raw = git.diff([fork, head_id, "--"], repo)
    parsed = parse_diff(_decode_diff(raw))
    reader = _BlobReader(repo, [])
    files = _build(parsed, lambda p: f"{fork}:{p.old_path}", lambda p: f"{head_id}:{p.path}", reader)
    desc = source or f"{base}...{head} (merge-base {fork[:12]})"
    return ChangeSet(
        files=files, source=desc, coverage="full", repo=repo, base_rev=fork, head_rev=head_id,
        mode="git",
        read_head=_reader(repo, head_id), read_base=_reader(repo, fork),
        list_head=_lister(repo, head_id),
    )


def from_staged(cwd: Optional[str] = None) -> ChangeSet:
    """The index against HEAD: what `git commit` would record."""
    repo = _repo_or_die(cwd)
    if git.has_head(repo):
        base_id: Optional[str] = git.resolve("HEAD", repo)
        raw = git.diff(["--cached", "HEAD", "--"], repo)
    else:
        base_id = None
        raw = git.diff(["--cached", git.EMPTY_TREE, "--"], repo)
    parsed = parse_diff(_decode_diff(raw))
    reader = _BlobReader(repo, [])
    files = _build(parsed, lambda p: f"{base_id}:{p.old_path}" if base_id else None,
                   lambda p: f":0:{p.path}", reader)
    return ChangeSet(
        files=files, source="staged changes (index against HEAD)", coverage="full", repo=repo,
        base_rev=base_id, head_rev=None, mode="staged",
        read_head=_reader(repo, None), read_base=_reader(repo, base_id) if base_id else (lambda p: None),
        list_head=_lister(repo, None),
    )


def default(cwd: Optional[str] = None) -> ChangeSet:
    """No source given: the upstream's merge-base, else HEAD~1."""
    repo = _repo_or_die(cwd)
    up = git.upstream(repo)
    if up:
        return from_revisions(up, "HEAD", repo, source=f"{up}...HEAD (upstream; merge-base %s)")
    if not git.has_commit("HEAD~1", repo):
        if not git.has_head(repo):
            raise GuardError(f"repository {repo} has no commits: use --staged")
        # A single commit: everything in it is new.
        raw = git.diff([git.EMPTY_TREE, "HEAD", "--"], repo)
        parsed = parse_diff(_decode_diff(raw))
        head_id = git.resolve("HEAD", repo)
        reader = _BlobReader(repo, [])
        files = _build(parsed, lambda p: None, lambda p: f"{head_id}:{p.path}", reader)
        return ChangeSet(files=files, source="HEAD (root commit)", coverage="full", repo=repo,
                         base_rev=None, head_rev=head_id, mode="git",
                         read_head=_reader(repo, head_id), list_head=_lister(repo, head_id))
    return from_revisions("HEAD~1", "HEAD", repo, merge_base=False, source="HEAD~1..HEAD (no upstream branch)")


def _reader(repo: str, rev: Optional[str]) -> Callable[[str], Optional[str]]:
    prefix = f"{rev}:" if rev else ":0:"

    @functools.lru_cache(maxsize=512)
    def read(path: str) -> Optional[str]:
        return decode(git.cat_blobs([prefix + path], repo).get(prefix + path))
    return read


def _lister(repo: str, rev: Optional[str]) -> Callable[[], Tuple[str, ...]]:
    @functools.lru_cache(maxsize=1)
    def listing() -> Tuple[str, ...]:
        return tuple(git.ls_files(rev, repo))
    return listing


def from_diff(path: str, cwd: Optional[str] = None, stdin: Optional[bytes] = None) -> ChangeSet:
    """A patch not yet applied.  Inside a repository that holds the pre-image
    blobs, old files come from git and new files are built by applying the
    hunks in memory ("full" coverage); otherwise only the hunks are known."""
    if path == "-":
        raw = stdin if stdin is not None else b""
        label = "diff from standard input"
    else:
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as exc:
            raise GuardError(f"cannot read --diff {path}: {exc.strerror}") from None
        label = f"diff file {path}"
    parsed = parse_diff(_decode_diff(raw))
    repo = git.toplevel(cwd)
    full = repo is not None and all(_preimage_known(p, repo) for p in parsed)
    if full and repo is not None:
        reader = _BlobReader(repo, [])
        files = []
        for p in parsed:
            old_name = p.old_blob if (p.old_path is not None and p.old_blob and not p.is_binary
                                      and not p.is_submodule) else None
            load_old = _lazy(lambda n=old_name: reader.get(n) if n else None)
            files.append(FileChange(
                path=p.path, old_path=p.old_path, status=p.status, hunks=p.hunks,
                is_binary=p.is_binary, old_mode=p.old_mode, new_mode=p.new_mode,
                is_submodule=p.is_submodule, similarity=p.similarity,
                load_old=load_old,
                load_new=_lazy(lambda p=p, lo=load_old: apply_hunks(lo(), p) if p.status != DELETED else None),
            ))
        return ChangeSet(files=tuple(files), source=label, coverage="full", repo=repo, mode="diff",
                         read_head=_worktree_reader(repo), read_base=_reader(repo, "HEAD"),
                         list_head=_lister(repo, None))
    files = [FileChange(path=p.path, old_path=p.old_path, status=p.status, hunks=p.hunks,
                        is_binary=p.is_binary, old_mode=p.old_mode, new_mode=p.new_mode,
                        is_submodule=p.is_submodule, similarity=p.similarity,
                        load_old=(lambda: None),
                        load_new=_lazy(lambda p=p: apply_hunks("", p) if p.status == ADDED_FILE else None))
             for p in parsed]
    return ChangeSet(files=tuple(files), source=label, coverage="hunks-only", repo=repo, mode="diff",
                     read_head=_worktree_reader(repo) if repo else (lambda p: None),
                     list_head=_lister(repo, None) if repo else (lambda: ()))


def _preimage_known(p: ParsedFile, repo: str) -> bool:
    if p.status == ADDED_FILE or p.is_binary or p.is_submodule:
        return True
    if not p.old_blob or set(p.old_blob) == {"0"}:
        return False
    return git.blob_exists(p.old_blob, repo)


def _worktree_reader(repo: str) -> Callable[[str], Optional[str]]:
    import os

    @functools.lru_cache(maxsize=512)
    def read(path: str) -> Optional[str]:
        try:
            with open(os.path.join(repo, path), "rb") as f:
                return decode(f.read())
        except OSError:
            return None
    return read


def apply_hunks(old: Optional[str], p: ParsedFile) -> Optional[str]:
    """Build the new text by applying P's hunks to OLD, keeping OLD's line endings."""
    if old is None:
        return None
    old_lines = old.splitlines(keepends=True)
    eol = "\r\n" if old_lines and old_lines[0].endswith("\r\n") else "\n"
    out: List[str] = []
    pos = 0  # index into old_lines
    for h in p.hunks:
        start = max(h.old_start - 1, 0) if h.old_len else h.old_start
        if start < pos or start > len(old_lines):
            raise GuardError(f"diff does not apply to {p.path}: hunk at line {h.old_start}")
        out.extend(old_lines[pos:start])
        pos = start
        for ln in h.lines:
            if ln.kind == ADDED:
                out.append(ln.text + eol)
            else:
                if pos >= len(old_lines) or old_lines[pos].rstrip("\r\n") != ln.text:
                    raise GuardError(f"diff does not apply to {p.path}: line {pos + 1} differs")
                if ln.kind == CONTEXT:
                    out.append(old_lines[pos])
                pos += 1
    out.extend(old_lines[pos:])
    return "".join(out)
