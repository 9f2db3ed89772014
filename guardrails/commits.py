"""The commits of a change, as ChangeSet.commits hands them out.

For ``--base``/default sources they come from ``git log`` (git.commit_log);
for a ``--diff`` file written by ``git format-patch`` (or GitHub's ".patch"
of a pull request, which is the same format) from each mail's headers.
What a format-patch mail looks like, and what this reads of it:

    From 1a2b3c...40 hex digits Mon Sep 17 00:00:00 2001   <- one per commit
    From: =?UTF-8?q?J=C3=BCrgen?= <j@example.org>         <- RFC 2047 words
    Date: Tue, 3 Jun 2025 10:00:00 +0200
    Subject: [PATCH 1/2] Fix the thing that was long enough
     to be folded onto a second line                      <- folded header
    MIME-Version: 1.0 ...

    From: Real Author <real@example.org>                  <- in-body header
                                                             (--from: the
                                                             sender differs)
    Body of the message.

    Co-Authored-By: Claude <noreply@anthropic.com>
    ---                                                   <- end of message
     a.py | 2 +-                                          (`git am` stops
    diff --git a/a.py b/a.py                                at the first "---")
    ...
    --
    2.39.5

The "From <sha> Mon Sep 17 00:00:00 2001" line is git's fixed marker (the
date is a constant so `file` recognises the format); an mbox written by a
mail client has a real date there instead, which we accept too.  A line of
a commit message that starts with "From " is written as ">From " in an mbox,
and git's marker needs a full commit id, so a message cannot fake one.
"""
from __future__ import annotations

import re
from typing import Callable, List, Optional, Tuple

from guardrails.model import CommitMeta

# git's marker, or an mbox "From " line (sender, asctime date).
_FROM_LINE = re.compile(
    r"^From (?:(?P<sha>[0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001"
    r"|\S+ +\w{3} \w{3} [ \d]?\d \d\d:\d\d:\d\d(?: [+-]\d{4})? \d{4})[ \t]*$",
    re.MULTILINE)
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$")
_PATCH_TAG = re.compile(r"^\s*(?:\[[^\]]*\]\s*)+")  # "[PATCH 1/2] ", "[PATCH v3 RFC] "
_END_OF_MESSAGE = ("---", "diff --git ", "Index: ", "--- a/", "diff -")
MAX_MAILS = 500


def cached(load: Callable[[], Tuple[CommitMeta, ...]]) -> Callable[[], Tuple[CommitMeta, ...]]:
    """LOAD run on the first call only (git log costs a process)."""
    memo: List[Tuple[CommitMeta, ...]] = []

    def commits() -> Tuple[CommitMeta, ...]:
        if not memo:
            memo.append(load())
        return memo[0]
    return commits


def fixed(value: Tuple[CommitMeta, ...]) -> Callable[[], Tuple[CommitMeta, ...]]:
    return lambda: value


def _clean(text: str) -> str:
    """Text decoded with surrogateescape (the diff reader's way) made valid:
    bytes that are not UTF-8 become U+FFFD, fit for reports."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words ("=?UTF-8?q?J=C3=BCrgen?=", "=?utf-8?b?...?=")
    decoded; folded lines joined.  A header that is not valid RFC 2047 is
    kept as written."""
    value = re.sub(r"\r?\n[ \t]+", " ", value).strip()
    # The email package is imported here, not at the top: only format-patch
    # files need it, and the pre-commit hook must start fast.
    import email.errors
    import email.header
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        return value


def _headers(lines: List[str]) -> Tuple[dict, int]:
    """The mail headers at the top of LINES (folded lines joined; the first
    of each name wins) and the index of the first line after them."""
    found: dict = {}
    last: Optional[str] = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        if not line:
            return found, i + 1
        if line[0] in " \t" and last is not None:
            found[last] += "\n" + line
        else:
            m = _HEADER.match(line)
            if not m:
                return found, i
            last = m.group(1).lower()
            if last in found:
                last = None  # a repeated header: keep the first
            else:
                found[last] = m.group(2)
        i += 1
    return found, i


def _person(value: str) -> Tuple[str, str]:
    import email.utils
    name, addr = email.utils.parseaddr(_decode_words(value))
    if not addr and not name:
        return _decode_words(value), ""
    return name, addr


def _mail(sha: str, lines: List[str]) -> Optional[CommitMeta]:
    head, start = _headers(lines)
    if "from" not in head and "subject" not in head:
        return None
    name, addr = _person(head.get("from", ""))
    subject = _PATCH_TAG.sub("", _decode_words(head.get("subject", "")), count=1)
    body: List[str] = []
    for line in lines[start:]:
        text = line.rstrip("\r\n")
        if text == "---" or text.startswith(_END_OF_MESSAGE[1:]):
            break
        body.append(text)
    # In-body headers (`git format-patch --from`, a patch forwarded by
    # someone else): "From:" / "Subject:" lines opening the body, then a
    # blank line, name the real author, as `git am` reads them.
    inner, after = _headers([ln + "\n" for ln in body])
    if inner and set(inner) <= {"from", "date", "subject"} and not body[after - 1].strip():
        if "from" in inner:
            name, addr = _person(inner["from"])
        if "subject" in inner:
            subject = _decode_words(inner["subject"])
        body = body[after:]
    text = "\n".join(body).strip("\n")
    message = subject + ("\n\n" + text if text else "") + "\n"
    return CommitMeta(sha=sha if sha.strip("0") else "", author_name=name, author_email=addr,
                      message=message)


def from_patch(text: str) -> Tuple[CommitMeta, ...]:
    """The commits of a `git format-patch` series (TEXT as the diff reader
    decoded it), in file order; () for a plain diff.  A mail without
    git's marker line (one saved from a mail client) counts when its
    headers name a sender or a subject before the first diff."""
    text = _clean(text.lstrip("\ufeff"))
    starts = [(m.start(), m.group("sha") or "") for m in _FROM_LINE.finditer(text)]
    if not starts:
        first = text[:4000].split("\n\n", 1)[0]
        if not (re.match(r"^[A-Za-z][A-Za-z0-9-]*:", first) and re.search(r"^(?:From|Subject):", first, re.M)):
            return ()
        starts = [(-1, "")]
    commits = []
    for k, (pos, sha) in enumerate(starts[:MAX_MAILS]):
        body_start = text.find("\n", pos) + 1 if pos >= 0 else 0
        end = starts[k + 1][0] if k + 1 < len(starts) else len(text)
        # Lines split on "\n" only: str.splitlines() would also split on
        # "\x0c", "\u2028"... which are ordinary characters of a message.
        meta = _mail(sha, text[body_start:end].split("\n"))
        if meta is not None:
            commits.append(meta)
    return tuple(commits)
