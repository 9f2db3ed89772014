"""Inline waivers: `guardrails: allow <rule-id>[,<rule-id>...] -- <reason>`.

A human writes one in a comment of any language, on the line of the finding
or alone on the line above it::

    import legacy  # noqa: F401  # guardrails: allow suppression/blanket-noqa -- re-exported for plugins
    // guardrails: allow dependency/* -- vendored SDK, pinned by the platform team
    <!-- guardrails: allow suppression/* -- generated file -->

Rule ids may be globs (``suppression/*``).  A waiver without a reason (or
with a placeholder such as ``<reason>`` or ``todo``) waives nothing and is
itself a finding (``suppression/waiver-without-reason``).

This module only parses; triage decides what a waiver may lower (a waiver
the change itself adds never lowers a block finding).
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple, Optional, Set, Tuple

MARKER = "guardrails:"
_WAIVER = re.compile(r"guardrails:\s*allow\b(?P<body>.*)$")
_SEPARATOR = re.compile(r"(?:^|\s)--(?:\s|$)")
_RULE_TOKEN = re.compile(r"^[A-Za-z0-9_*?\[\]/.-]+$")
# Comment leaders that may appear anywhere before the marker (a trailing comment).
_INLINE_LEADERS = ("#", "//", "/*", "<!--", "--", ";", "%", "{-", "(*")
# Leaders that only count at the start of the line (VB, batch, block comment bodies).
_LINE_LEADERS = ("'", "*", "rem ", "REM ", "::", "!", '"')
# Closers of block comments, dropped from the end of the reason / rule list.
_CLOSERS = ("*/", "-->", "-}", "*)", "%>", "#}", "}}")
# Reasons that say nothing.
_PLACEHOLDERS = {"reason", "todo", "tbd", "fixme", "xxx", "n/a", "na", "none", "...", "why", "because", "ok"}
# Prose formats: only an HTML comment counts there, so text that documents
# the syntax is not read as a waiver.
_PROSE = (".md", ".markdown", ".rst", ".txt", ".adoc")


class Waiver(NamedTuple):
    rules: Tuple[str, ...]  # rule ids or globs (may be empty when malformed)
    reason: str  # "" when missing or a placeholder
    standalone: bool  # the comment is alone on its line, so it also covers the next line
    text: str  # the waiver as written, from the marker on

    @property
    def valid(self) -> bool:
        return bool(self.rules) and bool(self.reason)


def _strip_closers(text: str) -> str:
    text = text.strip()
    changed = True
    while changed and text:
        changed = False
        for closer in _CLOSERS:
            if text.endswith(closer):
                text = text[: -len(closer)].rstrip()
                changed = True
    return text


def _in_comment(prefix: str, path: str) -> Tuple[bool, bool]:
    """(is the marker inside a comment, is that comment alone on its line)."""
    head = prefix.lstrip()
    if path.lower().endswith(_PROSE):
        return ("<!--" in prefix, head.startswith("<!--"))
    for leader in _INLINE_LEADERS:
        if leader in prefix:
            return True, head.startswith(leader)
    for leader in _LINE_LEADERS:
        if head.startswith(leader):
            return True, True
    if not head:
        # The marker starts the line: the body of a block comment or docstring.
        return True, True
    return False, False


def clean_reason(reason: str) -> str:
    reason = _strip_closers(reason).strip().strip("\"'`").strip()
    if not re.search(r"[A-Za-z0-9]", reason):
        return ""
    bare = reason.lower().strip(".!:; ")
    if bare in _PLACEHOLDERS or re.fullmatch(r"<[^>]*>", reason):
        return ""
    return reason


def parse(text: str, path: str = "") -> Optional[Waiver]:
    """The waiver written in one source line, or None."""
    if MARKER not in text:
        return None
    match = _WAIVER.search(text)
    if match is None:
        return None
    inside, standalone = _in_comment(text[: match.start()], path)
    if not inside:
        return None
    body = match.group("body")
    sep = _SEPARATOR.search(body)
    if sep is None:
        ids_part, reason = body, ""
    else:
        ids_part, reason = body[: sep.start()], body[sep.end():]
    ids_part = _strip_closers(ids_part)
    tokens = [t for t in re.split(r"[\s,]+", ids_part) if t]
    rules = tuple(t for t in tokens if _RULE_TOKEN.match(t) and "/" in t or t == "*")
    if len(rules) != len(tokens):
        rules = ()  # prose after "allow" with no "--": not a usable list of rules
    return Waiver(rules=rules, reason=clean_reason(reason) if sep else "", standalone=standalone,
                  text=match.group(0).strip())


def covers(waiver: Waiver, rule_id: str) -> bool:
    from guardrails.config import rule_matches
    return any(rule_matches(pattern, rule_id) for pattern in waiver.rules)


def lines_in_comments(text: str, path: str, numbers: Iterable[int]) -> Optional[Set[int]]:
    """Which of NUMBERS hold the waiver marker inside a real comment of the
    file's language (a string that merely contains the text does not count:
    a test that writes a waiver into a fixture is not waiving anything).
    None when the language is not one the comment scanner knows; callers then
    fall back to ``parse``'s look at the text before the marker."""
    from guardrails.checks.suppressions.scan import Scan, language

    lang = language(path, text[:200].split("\n", 1)[0])
    if lang is None:
        return None
    wanted = sorted(set(numbers))
    scan = Scan(text, lang, lines_wanted=wanted)
    found: Set[int] = set()
    for comment in scan.comments_on(wanted):
        for offset, segment in enumerate(comment.text.split("\n")):
            if MARKER in segment:
                found.add(comment.line + offset)
    return found
