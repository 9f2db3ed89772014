"""`guardrails check`: judge one change."""
from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Callable, Optional

from guardrails import change as change_mod, pipeline, reporters
from guardrails.errors import GuardError
from guardrails.model import Approval, ChangeSet, Options, Report


def _change_getter(args: argparse.Namespace) -> Callable[[], ChangeSet]:
    if args.head and not args.base:
        raise GuardError("--head goes with --base")
    if args.diff:
        stdin: Optional[bytes] = None
        if args.diff == "-":
            if sys.stdin is None or (hasattr(sys.stdin, "isatty") and sys.stdin.isatty()):
                raise GuardError("--diff -: standard input is a terminal; pipe a diff in (git diff | guardrails check --diff -)")
            stdin = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        return lambda: change_mod.from_diff(args.diff, os.getcwd(), stdin=stdin)
    if args.staged:
        return lambda: change_mod.from_staged(os.getcwd())
    if args.base:
        return lambda: change_mod.from_revisions(args.base, args.head or "HEAD", os.getcwd())
    return lambda: change_mod.default(os.getcwd())


def write_file(path: str, text: str, what: str, mode: str = "w") -> None:
    """Write (mode "w") or append ("a") TEXT to PATH; a failure is one line
    naming WHAT (the flag or file) and PATH."""
    try:
        with open(path, mode, encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
    except OSError as exc:
        raise GuardError(f"cannot write {what} {path}: {exc.strerror}") from None


def use_color(choice: str, stream: object) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def options_from_args(args: argparse.Namespace) -> Options:
    """The check flags (see cli.add_check_arguments) as the pipeline's Options."""
    pull_request = None
    if getattr(args, "pull_request", None):
        from guardrails import pullrequest
        pull_request = pullrequest.load(args.pull_request)
    return Options(deep=args.deep, online=args.online, no_llm=args.no_llm,
                   stage=getattr(args, "stage", None) or "",
                   reviewer_models=tuple(m.strip() for m in (getattr(args, "reviewer", None) or []) if m.strip()),
                   reviewer_base_url=getattr(args, "reviewer_base_url", None),
                   reviewer_api_key_env=getattr(args, "reviewer_api_key_env", None),
                   author_model=getattr(args, "author_model", None),
                   pull_request=pull_request,
                   review_cache=getattr(args, "review_cache", None))


def request_from_args(args: argparse.Namespace, approval: Optional[Approval] = None) -> pipeline.Request:
    """A pipeline request from the check flags (shared by commands that judge a change)."""
    return pipeline.Request(get_change=_change_getter(args), options=options_from_args(args),
                            config_path=args.config, approval=approval)


def run_pipeline(request: pipeline.Request) -> Report:
    # The checks build many small objects (syntax trees, parsed manifests)
    # that live until the run ends; the cyclic collector would walk them again
    # and again.  A run is short, so it is off while the pipeline runs (about
    # a third off a 100,000-line change's time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pipeline.run(request)
    finally:
        if gc_was_enabled:
            gc.enable()


def write_reports(args: argparse.Namespace, report: Report) -> None:
    """The report on stdout (or --output) and the extra report files."""
    color = use_color(args.color, sys.stdout) and not args.output
    main_text = reporters.render(args.format, report, color=color)
    if args.output:
        write_file(args.output, main_text, "--output")
        sys.stdout.write(reporters.render("summary", report, color=use_color(args.color, sys.stdout)))
    else:
        sys.stdout.write(main_text)
    for path, fmt, flag in ((args.json_out, "json", "--json-out"), (args.sarif_out, "sarif", "--sarif-out"),
                            (args.summary_out, "markdown", "--summary-out")):
        if path:
            write_file(path, reporters.render(fmt, report), flag)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    from guardrails import hooks
    hooks.apply_stage(args)  # --stage pre-commit / pre-push
    report = run_pipeline(request_from_args(args))
    write_reports(args, report)
    return hooks.exit_code(args, report)
