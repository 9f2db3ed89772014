"""`guardrails install-hook [--pre-push] [--force]`: the plain git hook, for
repositories that do not use the pre-commit framework.

The hook runs the Python that ran this command (`python -m guardrails`), so
it keeps working from a pipx or project venv that is not on PATH; it falls
back to `guardrails` on PATH when that Python is gone.  A hook file that is
not ours is never overwritten without --force.
"""
from __future__ import annotations

import argparse
import os
import stat
import sys

MARK = "# installed by `guardrails install-hook`"

_FIND = '''GUARDRAILS_PYTHON={python}
guardrails() {{
    if [ -x "$GUARDRAILS_PYTHON" ]; then
        "$GUARDRAILS_PYTHON" -m guardrails "$@"
    elif command -v guardrails >/dev/null 2>&1; then
        command guardrails "$@"
    else
        echo "guardrails is not installed (pipx install from a clone or its git URL), or re-run guardrails install-hook" >&2
        return 2
    fi
}}
'''

PRE_COMMIT = '''#!/bin/sh
{mark}
# Judges what the commit records (the index): block stops the commit,
# review warns and lets it through.  Update: guardrails install-hook --force.
{find}
guardrails check --staged --stage pre-commit
'''

# git feeds a pre-push hook one line per ref: <local ref> <local sha>
# <remote ref> <remote sha>; the remote's name is $1.
PRE_PUSH = '''#!/bin/sh
{mark}
# Judges the commits being pushed, ref by ref: block stops the push,
# review warns and lets it through.  Update: guardrails install-hook --pre-push --force.
{find}
status=0
while read -r local_ref local_sha remote_ref remote_sha; do
    case "$local_sha" in *[!0]*) ;; *) continue ;; esac  # a deleted ref: nothing to judge
    base=""
    case "$remote_sha" in *[!0]*)
        if git cat-file -e "$remote_sha^{{commit}}" 2>/dev/null; then base=$remote_sha; fi ;;
    esac
    if [ -z "$base" ]; then
        # A new branch (or a remote tip we never fetched): the commits the
        # remote does not have yet, from the parent of the oldest one.
        first=$(git rev-list --topo-order --reverse "$local_sha" --not --remotes="$1" | head -n 1)
        [ -z "$first" ] && continue
        if git rev-parse -q --verify "$first^" >/dev/null; then base="$first^"; fi
    fi
    if [ -n "$base" ]; then
        guardrails check --stage pre-push --base "$base" --head "$local_sha" || status=1
    else
        echo "guardrails: $local_ref starts a new history; judging its last commit" >&2
        guardrails check --stage pre-push || status=1
    fi
done
exit $status
'''


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("install-hook", help="write a plain git pre-commit (or --pre-push) hook that runs guardrails")
    p.add_argument("--pre-push", action="store_true", help="install the pre-push hook instead")
    p.add_argument("--force", action="store_true", help="replace an existing hook that is not guardrails'")
    p.set_defaults(run=run)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def script(pre_push: bool, python: str) -> str:
    template = PRE_PUSH if pre_push else PRE_COMMIT
    return template.format(mark=MARK, find=_FIND.format(python=_quote(python)))


def run(args: argparse.Namespace) -> int:
    from guardrails import git
    from guardrails.errors import GuardError

    cwd = os.getcwd()
    if git.toplevel(cwd) is None and not git.run(["rev-parse", "--git-dir"], cwd=cwd, check=False)[0] == 0:
        raise GuardError(f"{cwd} is not in a git repository")
    # --git-path honours core.hooksPath and worktrees.
    hooks_dir = git.out(["rev-parse", "--git-path", "hooks"], cwd=cwd)
    hooks_dir = os.path.join(cwd, hooks_dir) if not os.path.isabs(hooks_dir) else hooks_dir
    name = "pre-push" if args.pre_push else "pre-commit"
    path = os.path.join(hooks_dir, name)
    text = script(args.pre_push, sys.executable)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise GuardError(f"cannot read {path}: {exc.strerror}") from None
    if current == text:
        print(f"guardrails: {path} is already installed")
        return 0
    if current is not None and MARK not in current and not args.force:
        raise GuardError(f"{path} exists and is not guardrails' hook: add `guardrails check --staged --stage {name}` "
                         "to it, or replace it with --force" if name == "pre-commit" else
                         f"{path} exists and is not guardrails' hook: replace it with --force")
    try:
        os.makedirs(hooks_dir, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        mode = os.stat(path).st_mode
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as exc:
        raise GuardError(f"cannot write {path}: {exc.strerror}") from None
    print(f"guardrails: installed {path}" + (" (replaced the hook that was there)" if current and MARK not in current else ""))
    return 0
