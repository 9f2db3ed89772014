"""commits.from_patch: the mail headers of `git format-patch` output and
of patches saved from a mail client."""
from __future__ import annotations

from guardrails.commits import cached, from_patch
from guardrails.model import CommitMeta

SHA = "8f2b9c1d0e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c"
DIFF = "---\n a.py | 2 +-\n\ndiff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.5\n\n"


def test_headers_encoded_words_and_patch_tags() -> None:
    text = (f"From {SHA} Mon Sep 17 00:00:00 2001\n"
            "From: =?utf-8?b?SsO8cmdlbiDDnG5pY29kZQ==?= <j@example.org>\n"
            "Date: Tue, 3 Jun 2025 10:00:00 +0200\n"
            "Subject: [PATCH RFC v3 2/7] =?UTF-8?q?Caf=C3=A9?= support\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            "Body line.\n\nCo-authored-by: Codex <codex@openai.com>\n" + DIFF)
    assert from_patch(text) == (CommitMeta(SHA, "Jürgen Ünicode", "j@example.org", message=(
        "Café support\n\nBody line.\n\nCo-authored-by: Codex <codex@openai.com>\n")),)


def test_raw_utf8_and_bad_bytes_in_headers() -> None:
    # Older git wrote 8-bit headers; the diff reader decodes with
    # surrogateescape, so a stray byte arrives as a lone surrogate.
    text = (f"From {SHA} Mon Sep 17 00:00:00 2001\nFrom: José Bad\udcff <jose@example.org>\n"
            "Subject: [PATCH] Fix\n\n" + DIFF)
    (meta,) = from_patch(text)
    assert (meta.author_name, meta.author_email, meta.message) == ("José Bad\ufffd", "jose@example.org", "Fix\n")


def test_mbox_from_line_and_a_mail_without_marker() -> None:
    mbox = ("From jane@example.org Tue Jun  3 10:00:00 2025\nFrom: Jane <jane@example.org>\n"
            "Subject: [PATCH 1/1] One\n\n" + DIFF)
    (meta,) = from_patch(mbox)
    assert (meta.sha, meta.author_name, meta.message) == ("", "Jane", "One\n")
    saved = "Received: by mx\nFrom: Jane <jane@example.org>\nSubject: Re: [PATCH] Two\n\nWhy.\n" + DIFF
    (meta,) = from_patch(saved)
    assert (meta.author_email, meta.message) == ("jane@example.org", "Re: [PATCH] Two\n\nWhy.\n")


def test_zero_commit_ids_and_plain_diffs() -> None:
    zero = f"From {'0' * 40} Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nSubject: [PATCH] X\n\n" + DIFF
    assert from_patch(zero)[0].sha == ""  # format-patch --zero-commit
    assert from_patch("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+b\n") == ()
    assert from_patch("Index: a.py\n===\n--- a.py\n+++ a.py\n@@ -1 +1 @@\n-a\n+b\n") == ()


def test_cached_loads_once() -> None:
    calls = []
    load = cached(lambda: calls.append(1) or ())
    assert load() == () and load() == () and calls == [1]
