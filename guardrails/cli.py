"""`guardrails` command line.  Flags, exit codes and the JSON report are a
public interface: keep them stable.

Exit codes: 0 pass, 1 block (or review under on_unreviewed: block),
2 usage, configuration or input error.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from guardrails import __version__
from guardrails.errors import GuardError

FORMATS = ("text", "json", "sarif", "github", "markdown")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse's own usage errors exit 2 too, with one line.
        self.exit(2, f"guardrails: error: {message}\n")


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    """The flags of `guardrails check` (other commands that judge a change,
    such as the GitHub Action's, take the same ones)."""
    src = check.add_mutually_exclusive_group()
    src.add_argument("--base", metavar="REF", help="judge `git diff BASE...HEAD` (merge-base, as a pull request)")
    src.add_argument("--staged", action="store_true", help="judge the index against HEAD (pre-commit)")
    src.add_argument("--diff", metavar="FILE", help="judge a unified diff or format-patch file ('-' for stdin)")
    check.add_argument("--head", metavar="REF", help="with --base: the head revision (default HEAD)")
    check.add_argument("--format", choices=FORMATS, default="text", help="report format on stdout (default text)")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE; a short summary still goes to the terminal")
    check.add_argument("--json-out", metavar="FILE", help="also write the JSON report to FILE")
    check.add_argument("--sarif-out", metavar="FILE", help="also write the SARIF report to FILE")
    check.add_argument("--summary-out", metavar="FILE", help="also write a Markdown summary to FILE (step summary, PR comment)")
    check.add_argument("--config", metavar="FILE", help="policy file (default: .guardrails.yml of the base revision)")
    check.add_argument("--deep", action="store_true", help="run ruff and mypy to name what each new suppression hides")
    check.add_argument("--online", action="store_true", help="look new packages up in their registries")
    check.add_argument("--no-llm", action="store_true", help="do not call the LLM reviewer; escalated findings stay undecided")
    check.add_argument("--reviewer", metavar="MODEL", action="append", default=[],
                       help="a reviewer model (repeatable, in order of preference); replaces the policy's pool")
    check.add_argument("--reviewer-base-url", metavar="URL",
                       help="the OpenAI-compatible endpoint of the --reviewer models")
    check.add_argument("--reviewer-api-key-env", metavar="NAME",
                       help="the environment variable holding the --reviewer key (default OPENAI_API_KEY)")
    check.add_argument("--review-cache", metavar="FILE",
                       help="the reviewer's decision cache (default: the policy's reviewer.cache, else none)")
    check.add_argument("--author-model", metavar="MODEL",
                       help="the model that wrote the change (wins over detection from commits and the pull request)")
    check.add_argument("--pull-request", metavar="FILE",
                       help="the pull request: a GitHub event payload or a small JSON {title, body, labels, head_branch, author}")
    check.add_argument("--stage", choices=("pre-commit", "pre-push", "ci"),
                       help="where it runs: pre-commit runs the in-process checks only (no semgrep, --deep, network "
                            "or LLM); at pre-commit and pre-push a review verdict warns and exits 0 "
                            "(pre-push without --base judges PRE_COMMIT_FROM_REF...PRE_COMMIT_TO_REF)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output")


OWN_PARSERS = {
    "github": "guardrails.commands.github",
    "install-hook": "guardrails.commands.install_hook",
    "verify-reviewer": "guardrails.commands.verify_reviewer",
}
BUILT_IN = ("check", "init", "rules", "explain")


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """ONLY: the command named on the command line, when known (None = all)."""
    parser = _Parser(prog="guardrails", description="The merge gate for code written by AI agents.")
    parser.add_argument("--version", action="version", version=f"guardrails {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="judge a change and exit 0 (pass), 1 (block) or 2 (error)")
    add_check_arguments(check)

    init = sub.add_parser("init", help="write a commented starter .guardrails.yml")
    init.add_argument("--path", default=".guardrails.yml", help="where to write it (default .guardrails.yml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    rules = sub.add_parser("rules", help="list every rule with its category and default severity")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    # Commands defined in their own modules, imported only when they may be
    # the one asked for (a pre-commit hook's `check` never pays for them).
    for name, module in OWN_PARSERS.items():
        if only in (None, name):
            importlib.import_module(module).add_parser(sub)

    explain = sub.add_parser("explain", help="what a rule catches, why, an example, how to fix or waive it")
    explain.add_argument("rule", metavar="RULE", help="a rule id such as suppression/blanket-noqa")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=words[0] if words and words[0] in BUILT_IN + tuple(OWN_PARSERS) else None)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            from guardrails.commands import check
            return check.run(args)
        if args.command == "init":
            from guardrails.commands import init
            return init.run(args)
        if args.command == "rules":
            from guardrails.commands import rules
            return rules.run(args)
        if args.command in ("github", "install-hook", "verify-reviewer"):
            return args.run(args)
        if args.command == "explain":
            from guardrails.commands import explain
            return explain.run(args)
        parser.print_help(sys.stderr)
        return 2
    except GuardError as exc:
        print(f"guardrails: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("guardrails: interrupted", file=sys.stderr)
        return 130
