"""Every git subtlety lives here, each with a note on what taught it."""
from __future__ import annotations

import os
import subprocess
from typing import Dict, List, Optional, Sequence, Tuple

from guardrails.errors import GuardError

# Options every call gets.
# - core.quotepath=false: otherwise git prints non-ASCII paths as "\303\251"
#   octal escapes inside quotes, and they no longer match the tree.
# - color.ui=false / --no-ext-diff: a user's config must not change the bytes
#   we parse (colour codes or an external diff tool break the parser).
# - diff.noprefix=false / diff.mnemonicPrefix=false: users who set these get
#   "a/" and "b/" replaced or dropped; unidiff relies on them.
GIT_OPTS = (
    "-c", "core.quotepath=false",
    "-c", "color.ui=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.external=",
)


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    # A hook runs with GIT_DIR / GIT_INDEX_FILE set by git itself (pre-commit
    # learned this: `git commit -a` uses a temporary index).  Keep them: they
    # point at what the commit will contain.  But never let git open a pager
    # or ask for credentials on a CI runner.
    env["GIT_PAGER"] = "cat"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def run(args: Sequence[str], cwd: Optional[str] = None, check: bool = True,
        input: Optional[bytes] = None) -> Tuple[int, bytes, bytes]:
    try:
        proc = subprocess.run(
            ("git",) + GIT_OPTS + tuple(args), cwd=cwd, input=input,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
        )
    except FileNotFoundError:
        raise GuardError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GuardError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else 'exit ' + str(proc.returncode)}")
    return proc.returncode, proc.stdout, proc.stderr


def out(args: Sequence[str], cwd: Optional[str] = None) -> str:
    return run(args, cwd=cwd)[1].decode("utf-8", "surrogateescape").strip()


def toplevel(cwd: Optional[str] = None) -> Optional[str]:
    code, stdout, _ = run(["rev-parse", "--show-toplevel"], cwd=cwd, check=False)
    if code != 0:
        return None
    return stdout.decode("utf-8", "surrogateescape").strip()


def resolve(rev: str, cwd: str, what: str = "ref") -> str:
    """The commit id of REV, or a GuardError naming the bad ref."""
    # `rev-parse --verify REV^{commit}` rejects trees, blobs and typos alike;
    # the "--end-of-options" guard stops a ref such as "--output=x" from being
    # read as an option (git >= 2.24).
    code, stdout, _ = run(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"],
                          cwd=cwd, check=False)
    if code != 0:
        raise GuardError(f"{what} {rev!r} is not a commit in {cwd}")
    return stdout.decode().strip()


def merge_base(a: str, b: str, cwd: str) -> str:
    code, stdout, _ = run(["merge-base", a, b], cwd=cwd, check=False)
    if code != 0:
        # Unrelated histories (or a shallow clone that lacks the fork point:
        # actions/checkout fetches depth 1 unless told otherwise).
        raise GuardError(f"no merge-base between {a} and {b}: fetch more history "
                         "(actions/checkout with fetch-depth: 0)")
    return stdout.decode().strip()


def upstream(cwd: str) -> Optional[str]:
    code, stdout, _ = run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"],
                          cwd=cwd, check=False)
    if code != 0:
        return None
    return stdout.decode().strip() or None


def has_commit(rev: str, cwd: str) -> bool:
    code, _, _ = run(["rev-parse", "--verify", "--quiet", rev + "^{commit}"], cwd=cwd, check=False)
    return code == 0


def has_head(cwd: str) -> bool:
    # A repository with no commits yet: `git diff --cached HEAD` fails, so a
    # first commit is diffed against the empty tree.
    return has_commit("HEAD", cwd)


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

# Flags for every diff we parse.
# - --no-color / --no-ext-diff / --no-textconv: the raw bytes, whatever the
#   user's config says (textconv would show a PDF as text, for instance).
# - -M -C: renames and copies, so a moved test is not "deleted" plus "added".
# - --full-index: full blob ids on the "index" lines, so a diff file can be
#   matched against the repository later.
# - --submodule=short: a submodule bump is one "Subproject commit" line.
# - --src-prefix/--dst-prefix: fixed prefixes (see GIT_OPTS).
DIFF_FLAGS = (
    "--no-color", "--no-ext-diff", "--no-textconv", "-M", "-C", "--full-index",
    "--submodule=short", "--src-prefix=a/", "--dst-prefix=b/", "--unified=3",
)


def diff(args: Sequence[str], cwd: str) -> bytes:
    return run(["diff", *DIFF_FLAGS, *args], cwd=cwd)[1]


def cat_blobs(object_names: Sequence[str], cwd: str) -> Dict[str, Optional[bytes]]:
    """Read many objects in one `git cat-file --batch` process.

    Names are anything cat-file takes ("<rev>:<path>", ":<path>" for the
    index, a blob id).  Missing objects map to None.
    """
    result: Dict[str, Optional[bytes]] = {}
    if not object_names:
        return result
    names = list(dict.fromkeys(object_names))
    # Paths with a newline cannot go through --batch (one name per line).
    for name in names:
        if "\n" in name:
            raise GuardError(f"path with a newline is not supported: {name!r}")
    data = ("\n".join(names) + "\n").encode("utf-8", "surrogateescape")
    _, stdout, _ = run(["cat-file", "--batch"], cwd=cwd, input=data)
    pos = 0
    for name in names:
        end = stdout.index(b"\n", pos)
        header = stdout[pos:end].decode("utf-8", "surrogateescape")
        pos = end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            result[name] = None
            continue
        parts = header.split(" ")
        size = int(parts[-1])
        kind = parts[-2]
        body = stdout[pos:pos + size]
        pos += size + 1  # the LF after the contents
        result[name] = body if kind == "blob" else None
    return result


def show(rev: str, path: str, cwd: str) -> Optional[bytes]:
    return cat_blobs([f"{rev}:{path}"], cwd).get(f"{rev}:{path}")


def ls_files(rev: Optional[str], cwd: str) -> List[str]:
    """All paths in REV (or the index when REV is None)."""
    if rev is None:
        raw = run(["ls-files", "-z", "--cached"], cwd=cwd)[1]
    else:
        raw = run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev], cwd=cwd)[1]
    return [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]


def blob_exists(blob_id: str, cwd: str) -> bool:
    code, stdout, _ = run(["cat-file", "-t", blob_id], cwd=cwd, check=False)
    return code == 0 and stdout.strip() == b"blob"
