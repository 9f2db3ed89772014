"""Gemfile / gems.rb, read as data (never evaluated): `source`, `gem`
lines with their version arguments and options, `group ... do` blocks,
`source ... do`, `git ... do`, `path ... do` and `platforms ... do` blocks."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from guardrails.checks.dependency.model import (
    DEV, RUBYGEMS, RUNTIME, Dep, Index, Parsed, mask, normalise,
)

# The tokens of a call written as data, in order: a string ("...", '...',
# %q(...)), then key:, :sym, =>, [, ], ",", word, or any other character,
# blanks between them skipped.  Read by _tokens in linear time: one regex
# over the whole body (the string kinds inside it) rescans the rest of the
# line from every opening quote or %( that never closes (quadratic on a long
# line).
_BLANKS = re.compile(r"\s*")
_DQ_SCAN = re.compile(r'"(?:[^"\\]|\\.)*')  # a closing quote, if any, is the next character
_SQ_SCAN = re.compile(r"'(?:[^'\\]|\\.)*")
_PCT_OPEN = re.compile(r"%[qQw]?[\[({<]")
_PCT = re.compile(r"%[qQw]?[\[({<].*?[\])}>]")
_REST = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?!:)
      | (?P<sym>:[A-Za-z_][A-Za-z0-9_?!]*)
      | (?P<arrow>=>)
      | (?P<open>\[) | (?P<close>\])
      | (?P<comma>,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.:]*[?!]?)
      | (?P<other>\S)""", re.X)
_REST_KINDS = ("key", "sym", "arrow", "open", "close", "comma", "word", "other")


def _tokens(body: str) -> List[Tuple[str, str]]:
    """(kind, text) of each token of BODY.  A string that does not close at
    one opening quote (or %-bracket) does not close at any later one that
    its scan passed over (an escaped quote; a %-bracket before the same line
    end), so those are not scanned again."""
    tokens: List[Tuple[str, str]] = []
    n = len(body)
    dead = {'"': -1, "'": -1, "%": -1}  # a string of that kind opening before this offset does not close
    pos = 0
    while True:
        at = _BLANKS.match(body, pos).end()
        if at >= n:
            return tokens
        c = body[at]
        if c in dead and at >= dead[c]:
            if c == "%":
                m = _PCT.match(body, at)
                if m:
                    tokens.append(("str", m.group()))
                    pos = m.end()
                    continue
                if _PCT_OPEN.match(body, at):
                    end = body.find("\n", at)
                    dead["%"] = n if end < 0 else end
            else:
                end = (_DQ_SCAN if c == '"' else _SQ_SCAN).match(body, at).end()
                if end < n and body[end] == c:
                    tokens.append(("str", body[at:end + 1]))
                    pos = end + 1
                    continue
                dead[c] = end
        m = _REST.match(body, at)
        assert m is not None  # `other` takes any non-blank
        kind = next(k for k in _REST_KINDS if m.group(k) is not None)
        tokens.append((kind, m.group(kind)))
        pos = m.end()


_KEYWORD_BLOCKS = {"if", "unless", "case", "begin", "def", "while", "until", "class", "module"}
_DEV_GROUPS = {"development", "test", "dev", "ci", "lint", "rubocop", "tools"}


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line.strip()
    out, quote = [], ""
    for ch in line:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out).strip()


def _value(tok: Tuple[str, str]) -> str:
    kind, text = tok
    if kind == "str":
        return text[1:-1] if text[0] in "\"'" else text
    if kind == "sym":
        return text[1:]
    return text


def _args(body: str) -> Tuple[List[str], dict]:
    """Positional string args and keyword options of a call written as data."""
    tokens = _tokens(body)
    positional: List[str] = []
    options: dict = {}
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        key: Optional[str] = None
        if kind == "key":
            key = text
            i += 1
        elif kind == "sym" and i + 1 < len(tokens) and tokens[i + 1][0] == "arrow":
            key = text[1:]
            i += 2
        if key is not None:
            if i < len(tokens) and tokens[i][0] == "open":
                values = []
                i += 1
                while i < len(tokens) and tokens[i][0] != "close":
                    if tokens[i][0] in ("str", "sym"):
                        values.append(_value(tokens[i]))
                    i += 1
                options[key] = values
            elif i < len(tokens):
                options[key] = _value(tokens[i])
            i += 1
            continue
        if kind in ("str", "sym"):
            positional.append(_value((kind, text)))
        i += 1
    return positional, options


def parse(text: str, path: str) -> Parsed:
    deps: List[Dep] = []
    indexes: List[Index] = []
    # stack of (kind, groups, source) for the open `do` blocks
    stack: List[Tuple[str, List[str], str]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not line:
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(.*)$", line)
        if not m:
            continue
        head, rest = m.group(1), m.group(2).strip()
        if head == "end":
            if stack:
                stack.pop()
            continue
        if head in _KEYWORD_BLOCKS and not rest.startswith(("=", ".")):
            stack.append(("other", [], ""))
            continue
        opens = bool(re.search(r"\bdo(\s*\|[^|]*\|)?\s*$", line))
        body = re.sub(r"\bdo(\s*\|[^|]*\|)?\s*$", "", rest).strip()
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        if head == "source":
            pos, _ = _args(body)
            url = pos[0] if pos else ""
            if url:
                indexes.append(Index(url=mask(url), kind="source", ecosystem=RUBYGEMS, path=path, line=no,
                                     text=mask(raw.strip()), default=not opens))
            if opens:
                stack.append(("source", [], url))
            continue
        if head in ("group", "groups"):
            pos, _ = _args(body)
            if opens:
                stack.append(("group", pos, ""))
            continue
        if head in ("git", "github", "path", "platforms", "platform", "install_if", "git_source") and opens:
            pos, _ = _args(body)
            stack.append((head, [], (f"path:{pos[0]}" if head == "path" else f"git+{pos[0]}" if head == "git"
                                     else f"github:{pos[0]}") if pos and head in ("git", "github", "path") else ""))
            continue
        if head == "gem":
            pos, opts = _args(body)
            if not pos:
                continue
            name = pos[0]
            spec = ",".join(p.replace(" ", "") for p in pos[1:])
            groups = [g for kind, gs, _ in stack if kind == "group" for g in gs]
            for key in ("group", "groups"):
                value = opts.get(key)
                groups += value if isinstance(value, list) else [value] if value else []
            group = DEV if groups and all(g in _DEV_GROUPS for g in groups) else RUNTIME
            source = ""
            for key in ("git", "github", "path"):
                if opts.get(key):
                    ref = opts.get("ref") or opts.get("tag") or opts.get("branch") or ""
                    source = (f"path:{opts[key]}" if key == "path" else
                              f"git+{opts[key]}" if key == "git" else f"github:{opts[key]}")
                    source += f"@{ref}" if ref and key != "path" else ""
                    break
            if not source:
                for kind, _, src in reversed(stack):
                    if src:
                        source = src if kind != "source" else f"source:{src}"
                        break
            if not source and opts.get("source"):
                source = f"source:{opts['source']}"
            deps.append(Dep(RUBYGEMS, normalise(RUBYGEMS, name), spec, group, path, no, raw_name=name,
                            source=mask(source), text=mask(raw.strip()), subgroup=",".join(groups),
                            version=spec.lstrip("=") if re.match(r"^=?\d[\w.]*$", spec) else ""))
            continue
        if opens:  # any other block (if/else bodies are not blocks, `do` ones are)
            stack.append(("other", [], ""))
    return Parsed(deps=tuple(deps), indexes=tuple(indexes))
