"""Escaping of text that comes from the change (paths, evidence, messages
that quote it) before a reporter prints it.

Two kinds of output:

- terminal and log text (text, github, markdown): a control character
  would move the cursor, clear the screen (ESC), start a new log line that
  the Actions runner reads as a workflow command (LF, CR), or reorder what
  the reader sees (bidirectional controls, Trojan Source); each is written
  as a visible escape such as ``\\x1b`` or ``\\u202e``;
- JSON (json, sarif): the JSON encoder escapes control characters itself,
  but bytes that are not UTF-8 (kept as lone surrogates by the
  ``surrogateescape`` decoding) would make the document invalid UTF-8; they
  are written as the text ``\\xff``.
"""
from __future__ import annotations

import re
from urllib.parse import quote

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the
# bidirectional embedding/override/isolate controls and marks, and lone
# surrogates (bytes that were not UTF-8).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The same without CR and LF, for bodies whose line breaks the caller
# escapes itself (workflow commands: %0D %0A) or folds (Markdown).
_INVISIBLE_INLINE = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                               "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _code(ch: str) -> str:
    n = ord(ch)
    if 0xDC80 <= n <= 0xDCFF:  # a byte that was not UTF-8
        return f"\\x{n - 0xDC00:02x}"
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def visible(text: str, keep_newlines: bool = False) -> str:
    """TEXT with every control, bidi control and undecodable byte written as
    an escape (a tab too).  KEEP_NEWLINES leaves CR and LF for multi-line
    bodies whose line breaks the caller escapes or folds itself."""
    if not _INVISIBLE.search(text):
        return text
    if keep_newlines:
        return _INVISIBLE_INLINE.sub(lambda m: _code(m.group()), text)
    return _INVISIBLE.sub(lambda m: _code(m.group()), text)


def wellformed(document: str) -> str:
    """A JSON document (from json.dumps(ensure_ascii=False)) made valid
    UTF-8: each lone surrogate, which can only sit inside a string, becomes
    the escaped text ``\\\\xff`` (or ``\\\\udXXX``)."""
    if not _SURROGATE.search(document):
        return document
    return _SURROGATE.sub(lambda m: "\\" + _code(m.group()), document)


_URI_SAFE = "/!$&'()*+,;=:@-._~"


def uri(path: str) -> str:
    """A repository path as a relative URI reference (SARIF artifactLocation):
    spaces, '%', '#', '?', controls and non-ASCII are percent-encoded (bytes
    that were not UTF-8 as the byte itself)."""
    if all(c.isascii() and (c.isalnum() or c in _URI_SAFE) for c in path):
        return path
    return quote(path.encode("utf-8", "surrogateescape"), safe=_URI_SAFE)
