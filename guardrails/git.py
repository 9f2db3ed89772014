"""Every git subtlety lives here, each with a note on what taught it.

Nothing else in guardrails runs git.  All output is read as bytes and
decoded with ``surrogateescape`` so paths and contents that are not UTF-8
survive the round trip back into git (``cat-file`` names, for instance).
"""
from __future__ import annotations

import os
import re
import subprocess
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from guardrails.errors import GuardError
from guardrails.model import CommitMeta

ENCODING = "utf-8"
ERRORS = "surrogateescape"
_HEX = re.compile(r"[0-9a-f]{4,64}")

# Options every call gets (`git -c` beats every config file, so a user's or a
# CI image's settings cannot change the bytes we parse).
# - core.quotepath=false: otherwise git prints non-ASCII paths as "\303\251"
#   octal escapes inside quotes.  Paths with a tab, newline, quote or
#   backslash are still quoted; change.unquote_path() decodes those.
# - color.ui=false / diff.external=: colour codes or an external diff tool
#   (difftastic set as diff.external is common) break the parser.
# - diff.noprefix / diff.mnemonicPrefix: users who set these get "a/" and
#   "b/" dropped or replaced by "c/", "i/", "w/"; we pass the prefixes anyway.
# - diff.relative=false: with diff.relative=true (git >= 2.28) paths come out
#   relative to the current folder and files outside it disappear.  We run
#   git from the repository root, which already avoids it; this keeps it so
#   if a caller ever passes a subfolder as cwd.
# - diff.suppressBlankEmpty=false: keep " " in front of blank context lines
#   (the parser copes either way, but the byte-exact form is the one we test).
# - core.fsmonitor=false: a configured fsmonitor is a hook program (or a
#   daemon) that `git diff --cached` may start to refresh the index; we
#   read objects only and start no program we do not need.
GIT_OPTS = (
    "-c", "core.quotepath=false",
    "-c", "color.ui=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.external=",
    "-c", "diff.relative=false",
    "-c", "diff.suppressBlankEmpty=false",
    "-c", "core.fsmonitor=false",
)


# What git prints, and change.py relies on (each learned from a real diff):
# - No "index" line for a pure rename (similarity 100%) or a mode-only
#   change: their contents are read by "<rev>:<path>" instead of blob id.
# - `git diff --cached` with no commit yet compares the index with the empty
#   tree by itself (an unborn branch); no need to name the empty tree, whose
#   id differs between SHA-1 and SHA-256 repositories (see empty_tree()).
# - During a merge with conflicts, `git diff --cached` prints
#   "* Unmerged path x.py" instead of a diff for each conflicted file.
# - "Binary files a/x and b/x differ" comes from a NUL in the first 8000
#   bytes *or* from .gitattributes (binary, -diff), which the change itself
#   can add (see diff_attribute()).
# - Paths with a tab, newline, double quote or backslash (and every
#   non-ASCII byte when core.quotepath is on, the default elsewhere) are
#   C-quoted with octal escapes; the ---/+++ names of a path with a space
#   end with a tab so `patch` can tell where the name stops.
# - "\ No newline at end of file" follows the line it is about, inside or
#   after a hunk, on either side.
# - A hunk that only adds lines reads "@@ -N,0 +M,K @@" where N is the line
#   *after which* it inserts (0 at the top), not the first line it touches.
# - `git format-patch` mails end with "-- " and the git version, after the
#   last hunk; a series may touch one file in several patches.


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    # A hook runs with GIT_INDEX_FILE (and sometimes GIT_DIR / GIT_WORK_TREE)
    # set by git itself: `git commit -a` and `git commit <paths>` stage into a
    # temporary index (.git/index.lock) and point GIT_INDEX_FILE at it, so the
    # hook sees what the commit will contain while .git/index still holds the
    # old state.  pre-commit learned the opposite lesson too (it strips GIT_*
    # before *cloning* hook repositories); we only read the repository the
    # hook runs in, so we keep them.  git may set them as paths relative to
    # the hook's working folder; we run git from the repository root, which
    # can differ when guardrails is started from a subfolder, so make them
    # absolute against the folder we were started in.
    for name in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        value = env.get(name)
        if value and not os.path.isabs(value):
            env[name] = os.path.abspath(value)
    # Inside a pre-commit hook the committing git holds .git/index.lock; a
    # command of ours that opportunistically refreshes the index (as `git
    # status` and work-tree `git diff` do) would collide with it.  We run
    # none today; this keeps it so.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    # Paths we pass after "--" come from the change: data, never pathspec
    # magic (":(exclude)...", ":!x") or globs ("*.py" would match more).
    env["GIT_LITERAL_PATHSPECS"] = "1"
    # Never open a pager or ask for credentials (a CI runner would hang).
    env["GIT_PAGER"] = "cat"
    env["GIT_TERMINAL_PROMPT"] = "0"
    # Messages in English, so the errors we pass on read the same everywhere.
    env["LC_ALL"] = "C"
    env.pop("LANGUAGE", None)
    return env


def _error_line(stderr: bytes) -> str:
    """The telling line of git's stderr.  It is usually the last one, but
    since git 2.35.2 a repository owned by another user (actions/checkout in
    a container, CVE-2022-24765) fails with "fatal: detected dubious
    ownership" followed by several hint lines; the "fatal:" line is the one
    that names the problem."""
    lines = [ln.strip() for ln in stderr.decode(ENCODING, "replace").splitlines() if ln.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[-1] if lines else ""


def run(args: Sequence[str], cwd: Optional[str] = None, check: bool = True,
        input: Optional[bytes] = None) -> Tuple[int, bytes, bytes]:
    try:
        proc = subprocess.run(
            ("git",) + GIT_OPTS + tuple(args), cwd=cwd, input=input,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
        )
    except FileNotFoundError:
        raise GuardError("git is not installed or not on PATH") from None
    except OSError as exc:  # cwd vanished, too many open files...
        raise GuardError(f"cannot run git in {cwd or '.'}: {exc.strerror}") from None
    if check and proc.returncode != 0:
        msg = _error_line(proc.stderr) or f"exit {proc.returncode}"
        raise GuardError(f"git {' '.join(args[:2])} failed in {cwd or '.'}: {msg}")
    return proc.returncode, proc.stdout, proc.stderr


def out(args: Sequence[str], cwd: Optional[str] = None) -> str:
    return run(args, cwd=cwd)[1].decode(ENCODING, ERRORS).strip()


def toplevel(cwd: Optional[str] = None) -> Optional[str]:
    """The work tree root, None outside a repository."""
    code, stdout, stderr = run(["rev-parse", "--show-toplevel"], cwd=cwd, check=False)
    if code != 0:
        # "Not a git repository" is a normal answer (--diff works without
        # one), but a repository we may not read must not pass for "no
        # repository": that would silently downgrade to hunks-only.
        if b"dubious ownership" in stderr:
            raise GuardError(f"git refuses to read {cwd or '.'}: {_error_line(stderr)} "
                             "(git config --global --add safe.directory <path>)")
        return None
    root = stdout.decode(ENCODING, ERRORS).rstrip("\n")
    # Inside .git (a hook run from there) or a bare repository,
    # --show-toplevel prints nothing.
    return root or None


def resolve(rev: str, cwd: str, what: str = "ref") -> str:
    """The commit id of REV, or a GuardError naming the bad ref."""
    # `rev-parse --verify REV^{commit}` rejects trees, blobs and typos alike
    # (and peels an annotated tag to its commit); "--end-of-options" (git >=
    # 2.24) stops a ref such as "--output=x" from being read as an option.
    if not rev or "\n" in rev:
        raise GuardError(f"{what} {rev!r} is not a valid revision")
    code, stdout, _ = run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
                          cwd=cwd, check=False)
    if code != 0:
        hint = ""
        if is_shallow(cwd):
            hint = " (this is a shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0)"
        raise GuardError(f"{what} {rev!r} is not a commit in {cwd}{hint}")
    return stdout.decode().strip()


def is_shallow(cwd: str) -> bool:
    code, stdout, _ = run(["rev-parse", "--is-shallow-repository"], cwd=cwd, check=False)
    return code == 0 and stdout.strip() == b"true"


def merge_base(a: str, b: str, cwd: str) -> str:
    # With several merge bases (criss-cross merges) `git merge-base` prints
    # one of them, the same one `git diff A...B` uses, so the two agree.
    code, stdout, _ = run(["merge-base", a, b], cwd=cwd, check=False)
    if code != 0:
        # Unrelated histories, or a shallow clone that lacks the fork point:
        # actions/checkout fetches depth 1 unless told otherwise.
        raise GuardError(f"no merge-base between {a[:12]} and {b[:12]} in {cwd}: fetch more history "
                         "(actions/checkout with fetch-depth: 0) or pass a --base that shares history")
    return stdout.decode().strip()


def upstream(cwd: str) -> Optional[str]:
    # "@{upstream}" fails on a detached HEAD (every CI checkout of a pull
    # request) and when the branch tracks nothing; both mean "no upstream".
    # A configured upstream whose remote-tracking ref was pruned fails too.
    code, stdout, _ = run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"],
                          cwd=cwd, check=False)
    if code != 0:
        return None
    return stdout.decode(ENCODING, ERRORS).strip() or None


def has_commit(rev: str, cwd: str) -> bool:
    code, _, _ = run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
                     cwd=cwd, check=False)
    return code == 0


def has_head(cwd: str) -> bool:
    # A repository with no commits yet has an "unborn" HEAD: it names
    # refs/heads/main, which does not exist, so HEAD cannot be resolved.
    return has_commit("HEAD", cwd)


# The empty tree of a SHA-1 repository.  A SHA-256 repository
# (`git init --object-format=sha256`) has another id, so ask git.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def empty_tree(cwd: str) -> str:
    return run(["hash-object", "-t", "tree", "--stdin"], cwd=cwd, input=b"")[1].decode().strip()


# Flags for every diff we parse.
# - --no-color / --no-ext-diff / --no-textconv: the raw bytes, whatever the
#   user's config or .gitattributes say (textconv would show a PDF as text).
# - -M -C: renames and copies, so a moved test is not "deleted" plus "added".
# - --full-index: full blob ids on the "index" lines; change.py reads old and
#   new contents by blob id, which needs no path quoting and reads exactly
#   the object the diff was made from.
# - --submodule=short: a submodule bump is one "Subproject commit" line
#   (--submodule=log/diff, which a user may configure, print a log instead).
# - --ignore-submodules=none: submodule.<name>.ignore / diff.ignoreSubmodules
#   in a config would hide a submodule bump, which we must see.
# - --src-prefix/--dst-prefix: fixed prefixes (see GIT_OPTS).
# - --unified=3: diff.context in a config would change the context size.
DIFF_FLAGS = (
    "--no-color", "--no-ext-diff", "--no-textconv", "-M", "-C", "--full-index",
    "--submodule=short", "--ignore-submodules=none", "--src-prefix=a/", "--dst-prefix=b/",
    "--unified=3",
)


def diff(args: Sequence[str], cwd: str) -> bytes:
    return run(["diff", *DIFF_FLAGS, *args], cwd=cwd)[1]


def cat_blobs(object_names: Iterable[str], cwd: str) -> Dict[str, Optional[bytes]]:
    """Read many objects in one `git cat-file --batch` process.

    Names are anything cat-file takes ("<rev>:<path>", ":0:<path>" for the
    index, a blob id).  Missing objects, and objects that are not blobs,
    map to None.
    """
    result: Dict[str, Optional[bytes]] = {}
    names = []
    for name in dict.fromkeys(object_names):
        # --batch reads one name per line, so a path with a newline cannot be
        # asked for; a name with a trailing "\r" would be read as-is, fine.
        if "\n" in name or not name:
            result[name] = None
        else:
            names.append(name)
    if not names:
        return result
    data = ("\n".join(names) + "\n").encode(ENCODING, ERRORS)
    _, stdout, _ = run(["cat-file", "--batch"], cwd=cwd, input=data)
    pos = 0
    view = memoryview(stdout)
    for name in names:
        end = stdout.index(b"\n", pos)
        header = stdout[pos:end]
        pos = end + 1
        # "<name> missing" / "<name> ambiguous" (an abbreviated id matching
        # several objects); the name may contain spaces, so test the end.
        if header.endswith((b" missing", b" ambiguous")) or header.count(b" ") < 2:
            result[name] = None
            continue
        _, kind, size_text = header.rsplit(b" ", 2)
        size = int(size_text)
        body = bytes(view[pos:pos + size])
        pos += size + 1  # the LF after the contents
        # "HEAD:sub" names a gitlink: cat-file answers "<id> commit" only if
        # that commit happens to be here; a tree for a folder.  Not file text.
        result[name] = body if kind == b"blob" else None
    return result


def show(rev: str, path: str, cwd: str) -> Optional[bytes]:
    return cat_blobs([f"{rev}:{path}"], cwd).get(f"{rev}:{path}")


def ls_files(rev: Optional[str], cwd: str) -> List[str]:
    """All paths in REV (or the index when REV is None)."""
    # -z: otherwise odd paths come out quoted, even with core.quotepath=false.
    if rev is None:
        raw = run(["ls-files", "-z", "--cached"], cwd=cwd)[1]
    else:
        raw = run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], cwd=cwd)[1]
    return [p.decode(ENCODING, ERRORS) for p in raw.split(b"\0") if p]


def resolve_blobs(names: Iterable[str], cwd: str) -> Dict[str, Optional[str]]:
    """Full ids of the blobs NAMES stand for, in one process; None for names
    that are missing, ambiguous or not blobs.

    A name is a (possibly abbreviated) blob id or anything else cat-file
    takes ("HEAD:path").  `git diff` and `git format-patch` print short ids
    on their "index" lines (core.abbrev: 7 or more digits, longer in big
    repositories), full ones only with --full-index;
    `cat-file --batch-check` expands both, and answers "ambiguous" rather
    than guessing when a short id matches several objects.
    """
    names = list(dict.fromkeys(names))
    result: Dict[str, Optional[str]] = {n: None for n in names}
    asked = []
    for name in names:
        if _HEX.fullmatch(name):
            # "<id>^{blob}": a branch or tag that happens to be named like
            # hex digits ("cafe123") resolves to a commit, and the suffix
            # turns that into "missing" instead of reading the wrong object.
            asked.append((name, name + "^{blob}"))
        elif name and "\n" not in name:
            asked.append((name, name))
    if not asked:
        return result
    data = "".join(query + "\n" for _, query in asked).encode(ENCODING, ERRORS)
    code, stdout, _ = run(["cat-file", "--batch-check"], cwd=cwd, input=data, check=False)
    if code != 0:
        return result
    for (name, _), line in zip(asked, stdout.split(b"\n")):
        parts = line.rsplit(b" ", 2)
        if len(parts) == 3 and parts[1] == b"blob" and _HEX.fullmatch(parts[0].decode(ENCODING, ERRORS)):
            result[name] = parts[0].decode()
    return result


def blob_exists(blob_id: str, cwd: str) -> bool:
    return resolve_blobs([blob_id], cwd).get(blob_id) is not None


def diff_attribute(paths: Iterable[str], cwd: str) -> Dict[str, str]:
    """The `diff` attribute of each path ("set", "unset", "unspecified" or a
    driver name), as `git diff` sees it (the work tree's .gitattributes,
    .git/info/attributes, core.attributesFile), in one process.  "unset"
    is what `binary` and `-diff` make of it: git then prints "Binary files
    differ" whatever the content."""
    paths = [p for p in dict.fromkeys(paths) if "\0" not in p]
    if not paths:
        return {}
    data = "".join(p + "\0" for p in paths).encode(ENCODING, ERRORS)
    code, stdout, _ = run(["check-attr", "-z", "--stdin", "diff"], cwd=cwd, input=data, check=False)
    if code != 0:
        return {p: "unset" for p in paths}  # cannot tell: treat as attribute-made
    fields = stdout.split(b"\0")
    result: Dict[str, str] = {}
    for i in range(0, len(fields) - 2, 3):
        result[fields[i].decode(ENCODING, ERRORS)] = fields[i + 2].decode(ENCODING, ERRORS)
    return result


# `git log` of a change, for author detection (authorship.py).
# - %an/%ae/%cn/%ce, never %aN/%aE: the capitalised forms go through the
#   *work tree's* .mailmap, which the change under review can add (one
#   line turns "Claude <noreply@anthropic.com>" into "Joe <j@x>"), whatever
#   log.mailmap or --no-use-mailmap say (checked on git 2.39).  The
#   lower-case forms are what the commit objects record;
#   --no-use-mailmap is there for the rest of the output.
# - --no-show-signature: log.showSignature=true prints gpg's verdict into
#   stdout, between our fields.
# - --no-notes: notes are other people's words about a commit, not its own.
# - --encoding=UTF-8: a commit may declare another encoding (the "encoding"
#   header, i18n.commitEncoding: Latin-1, Shift-JIS...); git re-encodes it.
#   A commit that declares none but holds bytes that are not UTF-8 comes out
#   as those bytes, so we decode with "replace": these strings go into
#   reports (JSON), where lone surrogates are not welcome.
# - -z with NUL between fields: a message may hold any character but NUL
#   (git cuts a message at its first NUL when printing), so NUL separates
#   both the fields and the commits; the full id first lets us check that
#   the fields line up.
# - newest first (git's default order), at most MAX_COMMITS: a "change"
#   that is a whole history (a base far behind) must not cost minutes.
#   A message longer than MAX_MESSAGE keeps its start and its end, where
#   trailers live.
MAX_COMMITS = 500
MAX_MESSAGE = 64 * 1024
_LOG_FIELDS = ("%H", "%an", "%ae", "%cn", "%ce", "%B")


def commit_log(repo: str, base: Optional[str], head: str) -> Tuple[CommitMeta, ...]:
    """The commits of BASE..HEAD (what a pull request lists), newest first;
    with BASE None, HEAD alone (a root commit, a clone of depth 1)."""
    fmt = "%x00".join(_LOG_FIELDS)
    args = ["log", "-z", "--no-use-mailmap", "--no-show-signature", "--no-notes", "--no-color",
            "--encoding=UTF-8", f"--format=format:{fmt}",
            f"--max-count={MAX_COMMITS if base else 1}",
            "--end-of-options", f"{base}..{head}" if base else head, "--"]
    raw = run(args, cwd=repo)[1]
    if not raw:
        return ()
    fields = raw.split(b"\0")
    width = len(_LOG_FIELDS)
    if len(fields) % width or not all(_HEX.fullmatch(fields[i].decode("ascii", "replace"))
                                      for i in range(0, len(fields), width)):
        raise GuardError(f"git log {base or ''}..{head} in {repo}: unexpected output, cannot read commits")
    commits = []
    for i in range(0, len(fields), width):
        sha, an, ae, cn, ce, body = (f.decode(ENCODING, "replace") for f in fields[i:i + width])
        if len(body) > MAX_MESSAGE:
            body = body[:MAX_MESSAGE // 2] + "\n[...]\n" + body[-MAX_MESSAGE // 2:]
        commits.append(CommitMeta(sha=sha, author_name=an, author_email=ae, committer_name=cn,
                                  committer_email=ce, message=body))
    return tuple(commits)


# Shallow clones.  actions/checkout fetches one commit unless told
# `fetch-depth: 0`, so a pull request's head or its merge-base may be
# missing.  We fetch what is needed with a bounded depth instead of
# unshallowing a big repository:
# - `git fetch REMOTE <sha>` asks for a commit by id: GitHub allows it for
#   any reachable commit, and so does any server speaking protocol v2.
# - `--depth=N` on a commit we lack fetches it and N-1 ancestors;
#   `--deepen=N` moves the existing shallow boundary back by N commits.
# - --no-tags and --no-recurse-submodules: only the commits we asked for;
#   --no-write-fetch-head leaves FETCH_HEAD (which a later step may read).
# - No credentials of ours: actions/checkout keeps its token in the
#   repository's config (http.<url>.extraheader) for later fetches.
# - GIT_TERMINAL_PROMPT=0 (see _env) makes a remote that wants a password
#   fail at once instead of hanging the job.
FETCH_FLAGS = ("--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--quiet")


def remotes(cwd: str) -> List[str]:
    code, stdout, _ = run(["remote"], cwd=cwd, check=False)
    return stdout.decode(ENCODING, ERRORS).split() if code == 0 else []


def fetch(remote: str, revs: Sequence[str], cwd: str, depth: int = 0, deepen: int = 0) -> str:
    """Fetch REVS (commit ids) from REMOTE; "" on success, else git's error line."""
    args = ["fetch", *FETCH_FLAGS]
    if depth:
        args.append(f"--depth={depth}")
    if deepen:
        args.append(f"--deepen={deepen}")
    code, _, stderr = run([*args, "--end-of-options", remote, *revs], cwd=cwd, check=False)
    return "" if code == 0 else (_error_line(stderr) or f"exit {code}")


def has_merge_base(a: str, b: str, cwd: str) -> bool:
    return run(["merge-base", a, b], cwd=cwd, check=False)[0] == 0
