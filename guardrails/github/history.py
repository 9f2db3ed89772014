"""Make sure a shallow checkout holds what `git diff base...head` needs:
both commits and their merge-base.  Bounded: at most MAX_DEPTH commits are
fetched behind each tip, then we say what is missing (the run then stops
with exit 2 and a one-line error; it never judges a wrong range)."""
from __future__ import annotations

from typing import List, Optional

from guardrails import git

FIRST_DEPTH = 50
MAX_DEPTH = 2000


def ensure(base: Optional[str], head: Optional[str], cwd: str, max_depth: int = MAX_DEPTH) -> List[str]:
    """Fetch what is missing; returns notes for the report."""
    if not base or not head:
        return []
    missing = [rev for rev in dict.fromkeys((base, head)) if not git.has_commit(rev, cwd)]
    if not missing and git.has_merge_base(base, head, cwd):
        return []
    remotes = git.remotes(cwd)
    remote = "origin" if "origin" in remotes else (remotes[0] if remotes else "")
    if not remote:
        return ["the checkout lacks the pull request's history and has no remote to fetch it from"]
    depth = FIRST_DEPTH
    error = git.fetch(remote, [base, head], cwd, depth=depth) if missing else ""
    if error:
        return [f"could not fetch {', '.join(r[:12] for r in missing)} from {remote}: {error}"]
    while not git.has_merge_base(base, head, cwd):
        if depth >= max_depth or not git.is_shallow(cwd):
            return [f"shallow clone: no merge-base of {base[:12]} and {head[:12]} within {depth} commits of "
                    "either; use actions/checkout with fetch-depth: 0"]
        step = min(depth, max_depth - depth)
        error = git.fetch(remote, [base, head], cwd, deepen=step)
        if error:
            return [f"could not deepen the shallow clone from {remote}: {error}"]
        depth += step
    return [f"shallow clone: fetched up to {depth} commits behind the base and head to find their merge-base"]
