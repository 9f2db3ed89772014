"""`guardrails github`: what the GitHub Action runs.

It takes `guardrails check`'s flags and, from the runner's environment:

- the change: base and head from the event payload (GITHUB_EVENT_PATH), with
  a bounded fetch when the checkout is shallow;
- the pull request's title, body, labels, author and branch, for author
  detection (passed on as --pull-request);
- the human checkpoint: the policy's approval label, counted only when a
  user with write access added it (and not the author, unless the policy
  allows), and only for the head commit that was current when it was added
  (github/approval.py): a label that predates the head is removed and said;
- the reports: annotations within GitHub's caps, the step summary, one
  sticky pull-request comment, JSON and SARIF files, the step's outputs,
  and optionally a commit status `guardrails`.

The gate is the exit code (`--fail-on`).  A GitHub API failure (403, 404,
5xx, rate limit) never changes it: the reports are still written and the
failure is said once, as a note.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Callable, List, Optional, TypeVar

if TYPE_CHECKING:
    from guardrails.model import Report

T = TypeVar("T")

FAIL_ON = ("block", "review", "never")
TOKEN_ENV = "GITHUB_TOKEN"


def add_parser(sub: "argparse._SubParsersAction") -> None:
    from guardrails.cli import add_check_arguments

    p = sub.add_parser("github", help="run as the GitHub Action: judge the event's change, annotate, comment, gate")
    add_check_arguments(p)
    p.add_argument("--fail-on", choices=FAIL_ON, default="review",
                   help="fail the job on: block; review (block, and review unless on_unreviewed is pass; the "
                        "default); never (report only, for a first rollout)")
    p.add_argument("--on-unreviewed", choices=("block", "pass"),
                   help="what an undecided review exits with (default: the policy's on_unreviewed)")
    p.add_argument("--comment", action=argparse.BooleanOptionalAction, default=True,
                   help="keep one pull-request comment up to date (default on)")
    p.add_argument("--status", action=argparse.BooleanOptionalAction, default=False,
                   help="also set the commit status `guardrails` on the head commit (default off)")
    p.add_argument("--approval-label", metavar="LABEL",
                   help="the override label (default: the policy's approval.label, guardrails:approved)")
    p.add_argument("--event-path", metavar="FILE", help="the event payload (default $GITHUB_EVENT_PATH)")
    p.add_argument("--event-name", metavar="NAME", help="the event's name (default $GITHUB_EVENT_NAME)")
    p.add_argument("--token-env", metavar="NAME", default=TOKEN_ENV,
                   help="the environment variable holding the GitHub token (default GITHUB_TOKEN)")
    p.set_defaults(run=run)


class _Notes:
    """Notes for the report, each said once."""

    def __init__(self) -> None:
        self.items: List[str] = []
        self.outage_said = False

    def add(self, text: str) -> None:
        if text and text not in self.items:
            self.items.append(text)

    def api(self, what: str, exc: "Exception", hint: str = "") -> None:
        from guardrails.github.api import ApiError
        assert isinstance(exc, ApiError)
        if exc.outage:
            if not self.outage_said:
                self.outage_said = True
                self.add(f"the GitHub API is not answering ({exc.describe()}): no comment, status or override "
                         "check from this run; the verdict and the reports stand")
            return
        extra = f" ({hint})" if hint and exc.status in (401, 403, 404) else ""
        self.add(f"{what}: {exc.describe()}{extra}; the verdict and the reports stand")


def workflow_path(env: "os._Environ[str] | dict") -> Optional[str]:
    """The repository path of the workflow file this run executes, from
    GITHUB_WORKFLOW_REF ("owner/repo/.github/workflows/x.yml@refs/...")."""
    ref = env.get("GITHUB_WORKFLOW_REF", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    if not ref or not repo or not ref.startswith(repo + "/"):
        return None
    return ref[len(repo) + 1:].split("@", 1)[0] or None


def gate(verdict: str, policy_exit: int, fail_on: str, on_unreviewed: Optional[str]) -> int:
    if fail_on == "never" or verdict == "pass":
        return 0
    if verdict == "block":
        return 1
    if fail_on == "block":  # review
        return 0
    if on_unreviewed:
        return 1 if on_unreviewed == "block" else 0
    return policy_exit


def _memo(getter: Callable[[], T]) -> Callable[[], T]:
    cache: List[T] = []

    def get() -> T:
        if not cache:
            cache.append(getter())
        return cache[0]
    return get


def _append(path: str, text: str, what: str) -> None:
    from guardrails.commands.check import write_file
    write_file(path, text, what, mode="a")


def _output(name: str, value: str) -> str:
    # The multi-line form with a random delimiter: a value can never end the
    # block early or set another output.
    import secrets
    delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def _clean(report: "Report") -> bool:
    counts = report.counts
    return (report.verdict == "pass" and report.approval is None
            and not counts.get("block") and not counts.get("escalate"))


def _approval_line(report: "Report") -> str:
    from guardrails.reporters.markdown import escape
    a = report.approval
    if a is None:
        return ""
    commit = f" for commit `{escape(a.head_sha[:12])}`" if a.head_sha else ""
    return (f"**Approved** by `{escape(a.login)}` ({escape(a.permission)}) at {escape(a.at)}{commit} with the label "
            f"`{escape(a.label)}`: the gate passes for that commit only, and the findings below stay on record.")


def _with_lines(body: str, lines: "List[str]") -> str:
    """BODY with LINES right after its first line (the hidden marker)."""
    lines = [line for line in lines if line]
    if not lines:
        return body
    first, _, rest = body.partition("\n")
    return first + "\n" + "\n".join(lines) + "\n" + rest


def run(args: argparse.Namespace) -> int:
    from guardrails import config as config_mod, reporters, verdict as verdict_mod
    from guardrails.commands import check
    from guardrails.github import annotations, api, approval as approval_mod, event as event_mod, history, pulls
    import secrets
    import tempfile

    env = os.environ
    notes = _Notes()
    cwd = os.getcwd()
    args.stage = args.stage or "ci"

    event_path = args.event_path or env.get("GITHUB_EVENT_PATH") or ""
    event_name = args.event_name or env.get("GITHUB_EVENT_NAME") or ""
    if event_path:
        event = event_mod.load(event_path, event_name, env.get("GITHUB_REPOSITORY", ""))
    else:
        event = event_mod.Event(name=event_name, repo=env.get("GITHUB_REPOSITORY", ""))
    repo = event.repo

    # Which change: the flags win, then the event.
    if not (args.base or args.diff or args.staged):
        if event.base:
            args.base, args.head = event.base, args.head or event.head
            notes.items.extend(history.ensure(args.base, args.head or "HEAD", cwd))
        elif event.name == "push" and event.default_branch:
            notes.add(f"a new branch: judged against origin/{event.default_branch}")
            args.base = f"origin/{event.default_branch}"
    if args.pull_request is None and event.pull_request is not None and event_path:
        args.pull_request = event_path  # title, body, labels, author, branch: for author detection

    # The reviewer's key is a secret: a fork's pull request gets none.
    key_env = args.reviewer_api_key_env or "OPENAI_API_KEY"
    if args.reviewer and not args.no_llm and not env.get(key_env):
        args.no_llm = True
        why = "a pull request from a fork gets no secrets" if event.fork else f"${key_env} is empty"
        notes.add(f"no reviewer key ({why}): deterministic checks only; escalated findings stay undecided")

    request = check.request_from_args(args)
    get_change = _memo(request.get_change)
    request = request._replace(get_change=get_change,
                               options=request.options._replace(stage="ci", workflow=workflow_path(env)))
    report = check.run_pipeline(request)
    policy = config_mod.load(get_change(), args.config)
    settings = policy.families.get("approval", {})
    label = args.approval_label or str(settings.get("label") or "guardrails:approved")

    token = env.get(args.token_env, "")
    client = api.Client(token, env.get("GITHUB_API_URL"))
    if not token and (event.number or args.status):
        notes.add(f"no GitHub token (${args.token_env}): no comment, status or override check")

    # Our comment and the state earlier runs recorded in it (which head each
    # run saw first, and when; which head an approval was for).
    commenting = bool(args.comment and event.number and token)
    existing = None
    if commenting:
        try:
            existing = pulls.find_comment(client, repo, event.number)
        except api.ApiError as exc:
            notes.api("could not comment on the pull request", exc, "the token needs pull-requests: write")
            commenting = False
    state = approval_mod.parse_state(str(existing.get("body") or "")) if existing else approval_mod.EMPTY
    judged_head = event.head or ""

    # The human checkpoint.
    if token and event.number and report.verdict in ("block", "review"):
        try:
            approver = pulls.find_approval(client, event, label, bool(settings.get("allow_self_approval")),
                                           now=_now(), state=state)
        except api.ApiError as exc:
            notes.api("could not check the override label", exc, "the token needs pull-requests: read")
            approver = pulls.Approver(None, "")
        notes.add(approver.note)
        if approver.stale:
            try:
                pulls.remove_label(client, repo, event.number, label)
            except api.ApiError as exc:
                notes.api(f"could not remove the stale label {label!r}", exc, "the token needs pull-requests: write")
        if approver.label_event is not None and judged_head:
            state = approval_mod.bind(state, judged_head, approver.label_event)
        if approver.approval is not None:
            decision = verdict_mod.decide(report.findings, config_mod.Config(on_unreviewed=report.on_unreviewed),
                                          approval=approver.approval)
            report = report._replace(verdict=decision.verdict, exit_code=decision.exit_code,
                                     approval=approver.approval if decision.approved else None)

    exit_code = gate(report.verdict, report.exit_code, args.fail_on, args.on_unreviewed)
    report = report._replace(exit_code=exit_code, on_unreviewed=args.on_unreviewed or report.on_unreviewed)
    if args.fail_on == "never" and report.verdict != "pass":
        notes.add(f"report-only mode (fail-on: never): the verdict is {report.verdict}, the job passes")

    head_sha = event.head or (args.head if args.head and len(args.head) >= 40 else "") or env.get("GITHUB_SHA", "")
    run_url = ""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_RUN_ID") and repo:
        run_url = f"{env['GITHUB_SERVER_URL']}/{repo}/actions/runs/{env['GITHUB_RUN_ID']}"

    # The sticky comment (pull requests only): it says this run's notes too.
    report = report._replace(notes=tuple(dict.fromkeys(report.notes + tuple(notes.items))))
    if commenting:
        state = approval_mod.seen_now(state, judged_head, client.server_time or _now())
        state_line = approval_mod.render_state(state)
        body = reporters.render("markdown", report)
        approval_line = _approval_line(report)
        footer = f"\n<sub>commit {head_sha[:12]}" + (f" · [run]({run_url})" if run_url else "") + "</sub>\n"
        body = _with_lines(body, [state_line, approval_line + "\n" if approval_line else ""])
        clean_body = _with_lines(f"{pulls.MARKER}\n## guardrails: ✅ pass\n\nThe change is clean now (commit "
                                 f"{head_sha[:12] or 'HEAD'}): the findings this comment listed before are gone.\n",
                                 [state_line])
        try:
            pulls.upsert_comment(client, repo, event.number, body + footer, _clean(report), clean_body, existing)
        except api.ApiError as exc:
            notes.api("could not comment on the pull request", exc, "the token needs pull-requests: write")

    # The optional commit status.
    if args.status and token and head_sha and repo:
        c = report.counts
        desc = f"{report.verdict}: {c.get('block', 0)} block, {c.get('escalate', 0)} escalate"
        if report.approval is not None:
            desc += f"; approved by {report.approval.login}"
        if args.fail_on == "never":
            desc += " (report only)"
        try:
            pulls.set_status(client, repo, head_sha, report.verdict, exit_code != 0, desc, run_url)
        except api.ApiError as exc:
            if exc.status in (403, 404) and not exc.outage:
                notes.add("commit status skipped: the token cannot write statuses (permissions: statuses: write)")
            else:
                notes.api("could not set the commit status", exc)

    report = report._replace(notes=tuple(dict.fromkeys(report.notes + tuple(notes.items))))

    # Reports: files first (they must exist whatever happens next).
    temp = env.get("RUNNER_TEMP") or tempfile.gettempdir()
    args.json_out = args.json_out or os.path.join(temp, "guardrails.json")
    args.sarif_out = args.sarif_out or os.path.join(temp, "guardrails.sarif")
    summary_path, args.summary_out = args.summary_out or env.get("GITHUB_STEP_SUMMARY"), None
    chosen = annotations.select(report.findings, report.notes)
    # The log: the change's own text never runs a workflow command.
    stop = f"guardrails-{secrets.token_hex(8)}"
    sys.stdout.write(f"::stop-commands::{stop}\n")
    try:
        check.write_reports(args, report)
    finally:
        sys.stdout.write(f"::{stop}::\n")
    for line in chosen.lines:
        sys.stdout.write(line + "\n")
    left = annotations.left_out_sentence(chosen.left_out)
    if summary_path:
        summary = reporters.render("markdown", report)
        approval = _approval_line(report)
        if approval:
            first, rest = summary.split("\n", 1)
            summary = first + "\n" + approval + "\n\n" + rest
        if left:
            summary += f"\n> {left}\n"
        _append(summary_path, summary, "the step summary")
    output_path = env.get("GITHUB_OUTPUT")
    if output_path:
        c = report.counts
        values = {
            "verdict": report.verdict,
            "findings": str(c.get("block", 0) + c.get("escalate", 0) + c.get("info", 0)),
            "blocking": str(c.get("block", 0)),
            "report-json": os.path.abspath(args.json_out),
            "sarif-file": os.path.abspath(args.sarif_out),
            "exit-code": str(exit_code),
        }
        _append(output_path, "".join(_output(k, v) for k, v in values.items()), "GITHUB_OUTPUT")
    sys.stdout.flush()
    return exit_code


def _now() -> str:
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
