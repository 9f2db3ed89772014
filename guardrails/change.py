"""Stage 1: get the change and parse it into a ChangeSet.

Exactly one source: --base/--head (merge-base, as a pull request has),
--staged (index against HEAD), --diff FILE|- (a patch not yet applied), or
nothing (upstream merge-base, else HEAD~1).

Parsing: `unidiff` reads the structure (file headers, modes, binary
markers, hunk headers) and checks every hunk's line counts
(``metadata_only``); we then slice each hunk's body into ``Line`` records
ourselves.  On 100,000 added lines unidiff's full parse alone takes about
0.28 s; its structural pass 0.04 s, and the whole of parse_diff 0.15 s.
Whole-file texts are read lazily, by blob id, in one `git cat-file` batch
(benchmarks/bench_check.py times this stage on its own).
"""
from __future__ import annotations

import gc
import io
import os
import re
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import unidiff
from unidiff.constants import RE_HUNK_HEADER

from guardrails import commits, git
from guardrails.errors import GuardError
from guardrails.model import (
    ADDED, ADDED_FILE, CONTEXT, COPIED, DELETED, MODIFIED, REMOVED, RENAMED,
    ChangeSet, FileChange, Hunk, Line,
)

ENCODING = "utf-8"
ERRORS = "surrogateescape"  # keep bytes that are not UTF-8, round-trippable

SUBMODULE_MODE = "160000"


def decode(data: Optional[bytes]) -> Optional[str]:
    """File bytes as text; None for binary (a NUL in the first 8000 bytes,
    git's own test) or missing files."""
    if data is None:
        return None
    if b"\0" in data[:8000]:
        return None
    return data.decode(ENCODING, ERRORS)


# --------------------------------------------------------------------------
# Paths

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def show(path: str) -> str:
    """PATH for a one-line message: control characters (a newline in a file
    name would split the line) written as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], path) if _CONTROL.search(path) else path


def path_problem(path: str) -> Optional[str]:
    """Why PATH (from an untrusted diff header) cannot name a file of the
    repository, or None.  Like git's verify_path: no absolute path, no ".."
    or "." component, nothing inside ".git", no NUL."""
    if "\0" in path:
        return "holds a NUL character"
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path):
        return "is absolute, outside the repository"
    parts = path.split("/")
    if ".." in parts:
        return "leaves the repository ('..')"
    if "." in parts or "" in parts[:-1]:
        return "is not a normalised repository path ('.' or '//')"
    if any(part.lower().rstrip(". ") == ".git" for part in parts):
        return "points into the .git folder"
    return None


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _quoted_end(text: str, start: int) -> int:
    """Index of the quote closing the C-quoted string opening at START, -1."""
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i
        i += 1
    return -1


def unquote_path(name: str) -> str:
    """Undo git's C-style quoting ("a/caf\\303\\251", "a/tab\\there").

    git quotes a path that holds a tab, newline, double quote, backslash or
    control character even with core.quotepath=false, and every non-ASCII
    byte as octal when quotepath is on (the default, so --diff files made
    elsewhere have it).  Octal escapes are bytes of UTF-8 (or not).
    """
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    body = name[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "0123" and re.match(r"[0-7]{3}", body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
        out += c.encode(ENCODING, ERRORS)
        i += 1
    return out.decode(ENCODING, ERRORS)


def _split_git_header(rest: str) -> Optional[Tuple[str, str]]:
    """The two names of "diff --git A B" (still with their prefixes).

    Unquoted names may hold spaces, so "a/x y b/x y" is ambiguous in
    general; git itself (apply.c) resolves it by requiring both names to be
    the same path, which holds for every header that is not a rename or a
    copy, and those carry "rename from/to" / "copy from/to" lines instead.
    """
    if rest.startswith('"'):
        end = _quoted_end(rest, 0)
        if end < 0 or rest[end + 1:end + 2] != " ":
            return None
        return unquote_path(rest[:end + 1]), unquote_path(rest[end + 2:])
    if rest.endswith('"'):
        for m in re.finditer(r' "', rest):
            if _quoted_end(rest, m.start() + 1) == len(rest) - 1:
                return rest[:m.start()], unquote_path(rest[m.start() + 1:])
        return None
    n = len(rest)
    if n % 2 == 1 and rest[n // 2] == " ":
        a, b = rest[:n // 2], rest[n // 2 + 1:]
        if a == b or (a[1:2] == "/" and b[1:2] == "/" and a[2:] == b[2:]):
            return a, b
    return None


def _strip_pair(a: Optional[str], b: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """Drop the "a/" "b/" (or "c/" "w/", "old/" "new/"...) prefixes of two
    names, `patch -p1` style, but only when both sides carry one."""
    if a is not None and b is not None:
        if a == b:
            return a, b  # --no-prefix
        if "/" in a and "/" in b:
            a_tail, b_tail = a.split("/", 1)[1], b.split("/", 1)[1]
            if a_tail == b_tail or (a[:2], b[:2]) == ("a/", "b/"):
                return a_tail, b_tail
        return a, b
    if a is not None and a.startswith("a/"):
        return a[2:], b
    if b is not None and b.startswith("b/"):
        return a, b[2:]
    return a, b


# --------------------------------------------------------------------------
# Parsing


class ParsedFile:
    """What the diff text says about one file (before loaders are attached)."""

    __slots__ = ("path", "old_path", "status", "hunks", "is_binary", "old_mode", "new_mode",
                 "is_submodule", "similarity", "old_blob", "new_blob", "spans", "diff_lines")

    def __init__(self) -> None:
        self.path = ""
        self.old_path: Optional[str] = None
        self.status = MODIFIED
        self.hunks: Tuple[Hunk, ...] = ()
        self.is_binary = False
        self.old_mode: Optional[str] = None
        self.new_mode: Optional[str] = None
        self.is_submodule = False
        self.similarity: Optional[int] = None
        self.old_blob: Optional[str] = None
        self.new_blob: Optional[str] = None
        # (first, end) indexes into diff_lines of each hunk's body, for
        # rebuilding texts with their exact line endings.
        self.spans: List[Tuple[int, int]] = []
        self.diff_lines: Sequence[str] = ()

    def __repr__(self) -> str:
        return f"<ParsedFile {self.status} {self.old_path!r} -> {self.path!r}>"

    @property
    def is_text(self) -> bool:
        return not self.is_binary and not self.is_submodule


_HUNK_HEADER = RE_HUNK_HEADER  # unidiff's own, so we agree on what a hunk header is
_INDEX_RE = re.compile(r"index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?\s*$")
_HEADER_PREFIXES = ("diff --git ", "--- ", "+++ ", "@@ -")


def _split_lines(text: str) -> Tuple[List[str], List[int]]:
    """Lines with their "\n", split on "\n" only (str.splitlines() would
    also split on "\r", "\x0c", "\x1c", "\u2028"... which are ordinary
    characters inside a diff line), and the indexes of the lines that may
    be headers."""
    lines = io.StringIO(text, newline="\n").readlines()
    marks = [i for i, ln in enumerate(lines) if ln.startswith(_HEADER_PREFIXES)]
    # A patch that went through a Windows editor or a mail client has CRLF
    # on every line, headers included ("diff --git a/x b/x\r\n"); the "\r"
    # would end up in paths and in every added line.  When all header lines
    # end with CRLF, drop one "\r" from every line (a CRLF file's content
    # line then goes from "\r\r\n" back to "\r\n", as git printed it).
    if marks and "\r\n" in text and all(lines[i].endswith("\r\n") for i in marks):
        lines = [ln[:-2] + "\n" if ln.endswith("\r\n") else ln for ln in lines]
    return lines, marks


def _neutral_names(lines: List[str], marks: List[int]) -> List[str]:
    """LINES as unidiff gets them.  unidiff splits "diff --git A B" with a
    greedy regex and then insists that the "+++" name equals B, so a path
    such as "a b/c b/d.py" (spaces, and " b/" inside) makes it fail.  We
    read names from the original lines ourselves (_file_info), so unidiff
    gets neutral ones: each header and its ---/+++ lines become a/fN, b/fN
    (only the ---/+++ lines before the first "@@": inside a hunk, a removed
    line "-- x" reads "--- x")."""
    fed = list(lines)
    in_header = False
    k = 0
    for i in marks:
        line = lines[i]
        if line.startswith("diff --git "):
            k += 1
            in_header = True
            fed[i] = f"diff --git a/f{k} b/f{k}\n"
        elif in_header:
            if line.startswith("@@ -") and _HUNK_HEADER.match(line):
                in_header = False
            elif line.startswith("--- ") and not line.startswith("--- /dev/null"):
                fed[i] = f"--- a/f{k}\n"
            elif line.startswith("+++ ") and not line.startswith("+++ /dev/null"):
                fed[i] = f"+++ b/f{k}\n"
    return fed


def _looks_like_mail(text: str) -> bool:
    # `git format-patch` of a commit without a diff (--allow-empty), or a
    # cover letter: a mail with no file in it is an empty change.
    return text.startswith("From ") and "\nSubject:" in text[:4000]


def _unidiff(fed: List[str], where: str) -> "unidiff.PatchSet":
    try:
        return unidiff.PatchSet(fed, metadata_only=True)
    except Exception:  # UnidiffParseError, and anything its regexes let through
        pass
    # Parse again, counting lines, to say where (the fast path does not count).
    count = [0]

    def counted() -> Iterator[str]:
        for line in fed:
            count[0] += 1
            yield line

    try:
        unidiff.PatchSet(counted(), metadata_only=True)
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if len(detail) > 100:
            detail = detail[:100] + "..."
        raise GuardError(f"malformed {where} at line {count[0]}: {detail}") from None
    raise GuardError(f"malformed {where}")  # not reached: the same input fails the same way


def parse_diff(text: str, where: str = "diff") -> List[ParsedFile]:
    """Parse unified diff / git diff / format-patch text.  Raises GuardError
    naming WHERE and the line when it is malformed."""
    # A big change allocates a few hundred thousand small, acyclic objects
    # (lines, Line records); the cyclic garbage collector would run
    # hundreds of times over the growing heap while nothing here can be a
    # cycle.  Measured on 100,000 lines: 0.47 s with it, 0.22 s without.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_diff(text, where)
    finally:
        if enabled:
            gc.enable()


def _parse_diff(text: str, where: str) -> List[ParsedFile]:
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark left by an editor
    if not text.strip():
        return []
    for marker in ("diff --cc ", "diff --combined "):
        if text.startswith(marker) or "\n" + marker in text:
            pos = 0 if text.startswith(marker) else text.find("\n" + marker) + 1
            at = text.count("\n", 0, pos) + 1
            raise GuardError(f"malformed {where} at line {at}: a combined diff of a merge ({marker.strip()}) "
                             "cannot be checked; diff against one parent (git diff PARENT MERGE)")
    lines, marks = _split_lines(text)
    patch = _unidiff(_neutral_names(lines, marks), where)
    if not len(patch):
        if any(lines[i].startswith(("@@ -", "diff --git ")) for i in marks) or not _looks_like_mail(text):
            raise GuardError(f"malformed {where}: no file header (diff --git, or ---/+++ lines) found")
        return []
    files = []
    for pf in patch:
        parsed = _file_info(pf, lines, where)
        parsed.diff_lines = lines
        try:
            parsed.hunks, parsed.spans = _slice_hunks(pf, lines, where, parsed.path)
        except IndexError:  # cannot happen after unidiff's checks; never a traceback
            raise GuardError(f"malformed {where}: the hunks of {show(parsed.path)} end early") from None
        files.append(parsed)
    return files


def _file_info(pf: "unidiff.PatchedFile", lines: List[str], where: str) -> ParsedFile:
    parsed = ParsedFile()
    info = list(pf.patch_info or ())
    git_header = bool(info) and info[0].startswith("diff --git ")
    header_no = pf.diff_line_no or 1
    old: Optional[str]
    new: Optional[str]
    if git_header:
        info[0] = lines[header_no - 1]  # the original, not the neutral name
    parsed.is_binary = bool(pf.is_binary_file)
    if git_header:
        fields: Dict[str, str] = {}
        for raw in info[1:]:
            line = raw.rstrip("\n")
            for key in ("old mode ", "new mode ", "deleted file mode ", "new file mode ",
                        "rename from ", "rename to ", "copy from ", "copy to ",
                        "similarity index ", "dissimilarity index "):
                if line.startswith(key):
                    fields.setdefault(key.strip(), line[len(key):])
                    break
            else:
                m = _INDEX_RE.match(line)
                if m:
                    parsed.old_blob, parsed.new_blob = m.group(1), m.group(2)
                    if m.group(3):
                        fields.setdefault("index mode", m.group(3))
        if "rename from" in fields and "rename to" in fields:
            status = RENAMED
            old, new = unquote_path(fields["rename from"]), unquote_path(fields["rename to"])
        elif "copy from" in fields and "copy to" in fields:
            status = COPIED
            old, new = unquote_path(fields["copy from"]), unquote_path(fields["copy to"])
        else:
            status = ADDED_FILE if "new file mode" in fields else DELETED if "deleted file mode" in fields else MODIFIED
            pair = _split_git_header(info[0][len("diff --git "):].rstrip("\n"))
            dash_old, dash_new = _dash_names(lines, header_no)
            if pair is None:
                # Fall back on the ---/+++ names (a side that is /dev/null
                # takes the other's name with the other prefix).
                a = dash_old or ("a/" + dash_new[2:] if dash_new and dash_new[1:2] == "/" else dash_new)
                b = dash_new or ("b/" + dash_old[2:] if dash_old and dash_old[1:2] == "/" else dash_old)
                if a is None or b is None:
                    raise GuardError(f"malformed {where} at line {pf.diff_line_no}: cannot tell the two "
                                     "names apart in the diff --git line")
                pair = (a, b)
            elif (dash_old is not None and dash_old != pair[0]) or (dash_new is not None and dash_new != pair[1]):
                # `git apply` refuses this too ("inconsistent filename").
                raise GuardError(f"malformed {where} at line {pf.diff_line_no}: the ---/+++ names do not "
                                 "match the diff --git line")
            old, new = _strip_pair(*pair)
            if status == MODIFIED and old != new:
                status = RENAMED  # `git diff --no-index a.py b.py` names two files without rename lines
        index_mode = fields.get("index mode")
        parsed.old_mode = fields.get("old mode") or fields.get("deleted file mode") or index_mode
        parsed.new_mode = fields.get("new mode") or fields.get("new file mode") or index_mode
        if status == ADDED_FILE:
            parsed.old_mode = None
        if status == DELETED:
            parsed.new_mode = None
        sim = fields.get("similarity index") or ""
        parsed.similarity = int(sim.rstrip("%")) if sim.rstrip("%").isdigit() else None
    else:
        # A plain unified diff (diff -u, svn, hg): the ---/+++ names.
        source = None if pf.source_file in (None, "/dev/null") else unquote_path(pf.source_file)
        target = None if pf.target_file in (None, "/dev/null") else unquote_path(pf.target_file)
        old, new = _strip_pair(source, target)
        # `diff -N` writes a missing side as the real name with the epoch
        # as its date rather than /dev/null.
        epoch = ("1970-01-01", "1969-12-31")
        if old is not None and (pf.source_timestamp or "").startswith(epoch) and _one_sided(pf, "+"):
            old = None
        if new is not None and (pf.target_timestamp or "").startswith(epoch) and _one_sided(pf, "-"):
            new = None
        if old is None and new is None:
            raise GuardError(f"malformed {where} at line {pf.diff_line_no}: /dev/null on both sides")
        # `diff -u app.py.orig app.py` compares a backup with the file:
        # an edit of app.py, not a rename (patch(1) picks the same name).
        for a, b in ((old, new), (new, old)):
            if a and b and a != b and any(a == b + sfx for sfx in (".orig", ".old", ".bak", "~")):
                old = new = b
        if old is None:
            status = ADDED_FILE
        elif new is None:
            status = DELETED
        elif old != new:
            status = RENAMED
        else:
            status = MODIFIED
    if status == ADDED_FILE:
        old = None
    if status == DELETED:
        new = None
    parsed.status = status
    parsed.old_path = old
    parsed.path = new if new is not None else (old or "")
    if not parsed.path:
        raise GuardError(f"malformed {where} at line {pf.diff_line_no}: a file entry has no path")
    parsed.is_submodule = SUBMODULE_MODE in (parsed.old_mode, parsed.new_mode)
    for name in (parsed.old_path, parsed.path):
        problem = path_problem(name) if name else None
        if problem:
            raise GuardError(f"malformed {where} at line {pf.diff_line_no}: the path {show(name)!r} "
                             f"{problem}; git apply refuses it too")
    return parsed


def _dash_names(lines: List[str], header_no: int) -> Tuple[Optional[str], Optional[str]]:
    """The ---/+++ names of the git file entry whose header is line HEADER_NO
    (None when absent or /dev/null).  git ends a name that holds a space with
    a tab there, so these are unambiguous."""
    names: Dict[str, Optional[str]] = {"--- ": None, "+++ ": None}
    for line in lines[header_no:header_no + 12]:
        if line.startswith(("@@ ", "diff --git ")):
            break
        for key in names:
            if line.startswith(key):
                name = unquote_path(line[4:].rstrip("\n").split("\t")[0])
                names[key] = None if name == "/dev/null" else name
    return names["--- "], names["+++ "]


def _one_sided(pf: "unidiff.PatchedFile", kind: str) -> bool:
    if len(pf) != 1:
        return False
    h = pf[0]
    return (h.source_length == 0) if kind == "+" else (h.target_length == 0)


def _text(raw: str) -> str:
    """A diff line's text: no kind character, no line ending ("\r" of CRLF too)."""
    text = raw[1:-1] if raw[-1:] == "\n" else raw[1:]
    return text[:-1] if text[-1:] == "\r" else text


# The largest line number a hunk may name (see _slice_hunks).
MAX_LINE_NUMBER = 5_000_000


def _slice_hunks(pf: "unidiff.PatchedFile", lines: List[str], where: str,
                 path: str) -> Tuple[Tuple[Hunk, ...], List[Tuple[int, int]]]:
    """Cut each hunk's body out of LINES.  unidiff has already checked that
    every hunk has the lines its header announces, so this only walks.

    This is the one loop over every line of the change, so it is tuned:
    records are built with tuple.__new__ (a NamedTuple's own __new__ is a
    Python function), and a hunk that only adds lines (every new file) goes
    through comprehensions instead of the general loop."""
    hunks = []
    spans = []
    idx = (pf.diff_line_no or 1) - 1
    n = len(lines)
    new_tuple = tuple.__new__
    line_cls = Line
    for h in pf:
        # The first line from here that unidiff took for a hunk header (its
        # own regex: a line such as "@@ -x" is patch info to it).
        while idx < n and not (lines[idx].startswith("@@ -") and _HUNK_HEADER.match(lines[idx])):
            idx += 1
        if idx >= n:  # cannot happen after unidiff's checks; never crash
            raise GuardError(f"malformed {where}: lost the hunks of {show(path)}")
        old_no, new_no = h.source_start, h.target_start
        if max(old_no, new_no) > MAX_LINE_NUMBER:
            # No file guardrails reads is that long (limits.max_file_bytes),
            # and checks that lay the shown lines out at their numbers (a
            # requirements file read from the hunks alone) would build a
            # string of that many lines: a fuzzed "@@ -999999999 +1 @@" took
            # 20 GB.
            raise GuardError(f"malformed {where} at line {idx + 1}: the hunk of {show(path)} starts at line "
                             f"{max(old_no, new_no):,}, beyond any file guardrails reads "
                             f"({MAX_LINE_NUMBER:,} lines)")
        old_left, new_left = h.source_length, h.target_length
        j = idx + 1
        seg = lines[j:j + new_left] if old_left == 0 else ()
        if seg and len(seg) == new_left and all(s[:1] == "+" for s in seg):
            texts = [s[1:-1] if s[-1:] == "\n" else s[1:] for s in seg]
            if any(t[-1:] == "\r" for t in texts):
                texts = [t[:-1] if t[-1:] == "\r" else t for t in texts]
            body = [new_tuple(line_cls, (ADDED, t, None, k)) for k, t in enumerate(texts, new_no)]
            j += new_left
        else:
            body = []
            append = body.append
            while old_left > 0 or new_left > 0:
                raw = lines[j]
                j += 1
                kind = raw[:1]
                if kind == "+":
                    append(new_tuple(line_cls, (ADDED, _text(raw), None, new_no)))
                    new_no += 1
                    new_left -= 1
                elif kind == "-":
                    append(new_tuple(line_cls, (REMOVED, _text(raw), old_no, None)))
                    old_no += 1
                    old_left -= 1
                elif kind == "\\":
                    continue  # "\ No newline at end of file"
                else:
                    # " " or a bare line ending: some tools (and
                    # diff.suppressBlankEmpty) drop the space of an empty
                    # context line.
                    text = _text(raw) if kind == " " else ""
                    append(new_tuple(line_cls, (CONTEXT, text, old_no, new_no)))
                    old_no += 1
                    new_no += 1
                    old_left -= 1
                    new_left -= 1
        while j < n and lines[j].startswith("\\"):
            j += 1
        spans.append((idx + 1, j))
        section = (h.section_header or "").strip()
        hunks.append(Hunk(h.source_start, h.source_length, h.target_start, h.target_length,
                          section, tuple(body)))
        idx = j
    return tuple(hunks), spans


# --------------------------------------------------------------------------
# Rebuilding texts from a diff


def _split_keep(text: str) -> List[str]:
    """TEXT's lines with their "\\n" (only "\\n" ends a line, as in git)."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])  # last line without a newline
    return out


def apply_hunks(old: Optional[str], p: ParsedFile, where: str = "diff") -> Optional[str]:
    """Build the new text by applying P's hunks to OLD, the way `git apply`
    does with no fuzz: every context and removed line must match.  Added
    lines keep the line ending the diff gave them (CRLF stays CRLF), and
    "\\ No newline at end of file" drops the last newline."""
    if old is None:
        return None
    old_lines = _split_keep(old)
    out: List[str] = []
    pos = 0
    lines = p.diff_lines
    for h, (first, end) in zip(p.hunks, p.spans):
        start = h.old_start - 1 if h.old_len else h.old_start
        if start < pos or start > len(old_lines):
            raise GuardError(f"{where} does not apply to {show(p.path)}: hunk @@ -{h.old_start},{h.old_len} "
                             f"is outside the {len(old_lines)}-line pre-image")
        out.extend(old_lines[pos:start])
        pos = start
        last = ""
        for raw in lines[first:end]:
            kind = raw[:1]
            if kind == "\\":
                if last in (ADDED, CONTEXT) and out and out[-1].endswith("\n"):
                    out[-1] = out[-1][:-1]
                continue
            if kind == ADDED:
                out.append(raw[1:])
                last = ADDED
                continue
            expect = raw[1:] if kind in (REMOVED, CONTEXT) else ""
            if pos >= len(old_lines) or old_lines[pos].rstrip("\r\n") != expect.rstrip("\r\n"):
                raise GuardError(f"{where} does not apply to {show(p.path)}: line {pos + 1} of the pre-image "
                                 "differs from the diff's context")
            if kind != REMOVED:
                out.append(old_lines[pos])
                last = CONTEXT
            else:
                last = REMOVED
            pos += 1
    out.extend(old_lines[pos:])
    return "".join(out)


def _removed_text(p: ParsedFile) -> str:
    """A deleted file's whole text, which its diff holds as removed lines."""
    out: List[str] = []
    last = ""
    for first, end in p.spans:
        for raw in p.diff_lines[first:end]:
            kind = raw[:1]
            if kind == "\\":
                if last == REMOVED and out and out[-1].endswith("\n"):
                    out[-1] = out[-1][:-1]
            elif kind == REMOVED:
                out.append(raw[1:])
            last = kind
    return "".join(out)


# --------------------------------------------------------------------------
# Lazy texts


class _BlobReader:
    """Reads every registered object in one `cat-file --batch`, on first use
    (a check that wants one whole file usually wants the others too, and
    one process for all of them beats one per file)."""

    def __init__(self, repo: str):
        self.repo = repo
        self.names: List[str] = []
        self.cache: Optional[Dict[str, Optional[bytes]]] = None

    def add(self, name: Optional[str]) -> Optional[str]:
        if name:
            self.names.append(name)
        return name

    def get(self, name: Optional[str]) -> Optional[str]:
        if not name:
            return None
        if self.cache is None:
            self.cache = git.cat_blobs(self.names, self.repo)
        if name not in self.cache:
            self.cache.update(git.cat_blobs([name], self.repo))
        return decode(self.cache.get(name))


class _Lazy:
    """A loader that computes once."""

    __slots__ = ("fn", "done", "value")

    def __init__(self, fn: Callable[[], Optional[str]]):
        self.fn = fn
        self.done = False
        self.value: Optional[str] = None

    def __call__(self) -> Optional[str]:
        if not self.done:
            self.value = self.fn()
            self.done = True
            self.fn = _none  # drop what the closure held
        return self.value


def _none() -> Optional[str]:
    return None


def _full_id(blob: Optional[str]) -> Optional[str]:
    """A blob id usable as a cat-file name: full length, not the zero id of
    a missing side."""
    if not blob or len(blob) < 40 or not blob.strip("0"):
        return None
    return blob


def _file_change(p: ParsedFile, load_old: Callable[[], Optional[str]],
                 load_new: Callable[[], Optional[str]]) -> FileChange:
    return FileChange(
        path=p.path, old_path=p.old_path, status=p.status, hunks=p.hunks,
        is_binary=p.is_binary, old_mode=p.old_mode, new_mode=p.new_mode,
        is_submodule=p.is_submodule, similarity=p.similarity,
        load_old=load_old, load_new=load_new,
    )


def _build_from_git(parsed: List[ParsedFile], repo: str, old_rev: Optional[str],
                    new_rev: Optional[str]) -> Tuple[FileChange, ...]:
    """FileChanges whose texts come from git objects: by the blob ids of the
    "index" lines, else (mode-only changes and pure renames print no index
    line) by "<rev>:<path>", ":0:<path>" meaning the index when NEW_REV is
    None."""
    reader = _BlobReader(repo)
    out = []
    for p in parsed:
        old_name = new_name = None
        if p.is_text and p.old_path is not None:
            old_name = _full_id(p.old_blob) or (f"{old_rev}:{p.old_path}" if old_rev else None)
        if p.is_text and p.status != DELETED:
            new_name = _full_id(p.new_blob) or (f"{new_rev}:{p.path}" if new_rev else f":0:{p.path}")
        reader.add(old_name)
        reader.add(new_name)
        out.append(_file_change(
            p,
            _Lazy(lambda n=old_name: reader.get(n)),  # type: ignore[misc]  # mypy cannot type a lambda's default argument
            _Lazy(lambda n=new_name: reader.get(n)),  # type: ignore[misc]  # mypy cannot type a lambda's default argument
        ))
    return tuple(out)


def _git_reader(repo: str, rev: Optional[str],
                known: Optional[Dict[str, Callable[[], Optional[str]]]] = None) -> Callable[[str], Optional[str]]:
    """read_head / read_base: any path on one side (":0:" is the index).
    KNOWN maps the change's own paths to their loaders, which share one
    cat-file batch, so checks asking for a changed file start no process."""
    prefix = f"{rev}:" if rev else ":0:"
    cache: Dict[str, Optional[str]] = {}
    known = known or {}

    def read(path: str) -> Optional[str]:
        if path in known:
            return known[path]()
        if path not in cache:
            cache[path] = decode(git.cat_blobs([prefix + path], repo).get(prefix + path))
        return cache[path]
    return read


def _lister(repo: str, rev: Optional[str]) -> Callable[[], Tuple[str, ...]]:
    cache: List[Tuple[str, ...]] = []

    def listing() -> Tuple[str, ...]:
        if not cache:
            cache.append(tuple(git.ls_files(rev, repo)))
        return cache[0]
    return listing


# --------------------------------------------------------------------------
# Sources


def _repo_or_die(cwd: Optional[str]) -> str:
    root = git.toplevel(cwd)
    if root is None:
        raise GuardError(f"not a git repository: {cwd or os.getcwd()} (use --diff FILE outside a repository)")
    return root


def _decode_diff(raw: bytes) -> str:
    return raw.decode(ENCODING, ERRORS)


def _git_change(repo: str, old_rev: Optional[str], new_rev: Optional[str], diff_args: List[str],
                source: str, mode: str) -> ChangeSet:
    raw = git.diff(diff_args, repo)
    # During a merge with conflicts `git diff --cached` prints
    # "* Unmerged path x.py" (no diff) for each conflicted file; git refuses
    # to commit those anyway, so check the rest and say so.
    unmerged = [ln for ln in raw.split(b"\n") if ln.startswith(b"* Unmerged path ")]
    if unmerged:
        raw = b"\n".join(ln for ln in raw.split(b"\n") if not ln.startswith(b"* Unmerged path "))
        names = ", ".join(_decode_diff(ln[len(b"* Unmerged path "):]) for ln in unmerged[:3])
        more = f" and {len(unmerged) - 3} more" if len(unmerged) > 3 else ""
        source += f"; unmerged, not checked: {names}{more}"
    where = f"git diff output ({source})"
    parsed = _unmask_binaries(parse_diff(_decode_diff(raw), where), repo, diff_args, where)
    files = _build_from_git(parsed, repo, old_rev, new_rev)
    return ChangeSet(
        files=files, source=source, coverage="full", repo=repo, base_rev=old_rev, head_rev=new_rev,
        mode=mode,
        read_head=_git_reader(repo, new_rev, {f.path: f.load_new for f in files if f.status != DELETED}),
        read_base=_git_reader(repo, old_rev, {f.old_path: f.load_old for f in files if f.old_path})
        if old_rev else (lambda path: None),
        list_head=_lister(repo, new_rev),
    )


def _unmask_binaries(parsed: List[ParsedFile], repo: str, diff_args: List[str],
                     where: str) -> List[ParsedFile]:
    """Diff again, as text, the files git called binary that are not.

    git decides "Binary files differ" from .gitattributes ("*.py binary",
    "*.py -diff"), and .gitattributes is read from the work tree or index,
    which on CI is the change under review: one added line would hide every
    Python edit from the line checks.  So for each file git reported as
    binary because of an attribute (or a diff driver) we look at the blobs
    ourselves (a NUL in the first 8000 bytes, git's own test) and re-diff
    the ones that are text with --text, which overrides the attributes.
    """
    suspects = [p for p in parsed if p.is_binary and not p.is_submodule]
    if not suspects:
        return parsed
    # Only files an attribute made binary: for the others git already found
    # a NUL itself, and reading every image of the change would be waste.
    attrs = git.diff_attribute([x for p in suspects for x in (p.old_path, p.path) if x], repo)
    suspects = [p for p in suspects
                if any(attrs.get(x, "unset") not in ("unspecified", "set") for x in (p.old_path, p.path) if x)]
    if not suspects:
        return parsed
    ids = [b for p in suspects for b in (_full_id(p.old_blob), _full_id(p.new_blob)) if b]
    blobs = git.cat_blobs(ids, repo)
    texts = []
    for p in suspects:
        sides = [_full_id(b) for b in (p.old_blob, p.new_blob)]
        if any(sides) and all(decode(blobs.get(b)) is not None for b in sides if b):
            texts.append(p)
    if not texts:
        return parsed
    paths = sorted({x for p in texts for x in (p.old_path, p.path) if x})
    revs = diff_args[:diff_args.index("--")] if "--" in diff_args else list(diff_args)
    raw = git.diff(["--text", *revs, "--", *paths], repo)
    redone = {(p.old_path, p.path): p for p in parse_diff(_decode_diff(raw), where)}
    return [redone.get((p.old_path, p.path), p) if p in texts else p for p in parsed]


def from_revisions(base: str, head: str = "HEAD", cwd: Optional[str] = None,
                   merge_base: bool = True, source: str = "") -> ChangeSet:
    """`git diff BASE...HEAD`: what HEAD adds since it forked from BASE (what
    a pull request shows).  With merge_base=False, `git diff BASE HEAD`.
    SOURCE may hold "{fork}", replaced by the short merge-base id."""
    repo = _repo_or_die(cwd)
    base_id = git.resolve(base, repo, "--base")
    head_id = git.resolve(head, repo, "--head")
    fork = git.merge_base(base_id, head_id, repo) if merge_base else base_id
    if source:
        desc = source.replace("{fork}", fork[:12])
    elif merge_base:
        desc = f"{base}...{head} (merge-base {fork[:12]})"
    else:
        desc = f"{base}..{head}"
    change = _git_change(repo, fork, head_id, [fork, head_id, "--"], desc, "git")
    # The commits a pull request lists: BASE..HEAD (read when asked).
    return change._replace(commits=commits.cached(lambda: git.commit_log(repo, base_id, head_id)))


def from_staged(cwd: Optional[str] = None) -> ChangeSet:
    """The index against HEAD: what `git commit` would record (what a
    pre-commit hook sees).  New texts come from the index, never the work
    tree, which may hold more (or other) edits than the commit."""
    repo = _repo_or_die(cwd)
    if git.has_head(repo):
        base_id: Optional[str] = git.resolve("HEAD", repo, "HEAD")
        source = "staged changes (index against HEAD)"
    else:
        base_id = None
        source = "staged changes (index of a repository with no commits yet)"
    # `git diff --cached` with no commit compares the index with HEAD, and
    # on an unborn branch (no commits yet) with the empty tree: git handles
    # the first commit itself, in SHA-1 and SHA-256 repositories alike.
    return _git_change(repo, base_id, None, ["--cached", "--"], source, "staged")


def default(cwd: Optional[str] = None) -> ChangeSet:
    """No source given: the upstream's merge-base, else HEAD~1."""
    repo = _repo_or_die(cwd)
    up = git.upstream(repo)
    if up and git.has_commit(up, repo):
        return from_revisions(up, "HEAD", repo, source=f"{up}...HEAD (upstream branch; merge-base {{fork}})")
    if not git.has_head(repo):
        raise GuardError(f"repository {repo} has no commits yet: use --staged to check what is staged")
    head_id = git.resolve("HEAD", repo, "HEAD")
    if not git.has_commit("HEAD~1", repo):
        # The root commit: everything in it is new.  (In a shallow clone of
        # depth 1 HEAD~1 is missing too, and HEAD's whole tree is the change.)
        source = f"HEAD {head_id[:12]} (root commit, or no parent fetched; no upstream branch)"
        change = _git_change(repo, None, head_id, [git.empty_tree(repo), head_id, "--"], source, "git")
        return change._replace(commits=commits.cached(lambda: git.commit_log(repo, None, head_id)))
    return from_revisions("HEAD~1", "HEAD", repo, merge_base=False,
                          source="HEAD~1..HEAD (no upstream branch)")


def from_diff(path: str, cwd: Optional[str] = None, stdin: Optional[bytes] = None) -> ChangeSet:
    """A patch not yet applied.

    Inside a repository that holds a file's pre-image blob (named by the
    diff's "index" line, full or abbreviated), its old text comes from git
    and its new text from applying the hunks in memory.  An added file's
    new text and a deleted file's old text are whole in the diff itself.
    Coverage is "full" when every text file's texts are known this way,
    else "hunks-only" (files without a known pre-image have no whole texts).
    """
    if path == "-":
        raw = stdin if stdin is not None else b""
        label = "diff from standard input"
        where = "diff on standard input"
    else:
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as exc:
            raise GuardError(f"cannot read --diff {show(path)}: {exc.strerror}") from None
        label = f"diff file {path}"
        where = f"diff file {show(path)}"
    text = _decode_diff(raw)
    parsed = parse_diff(text, where)
    # A `git format-patch` series names its commits in mail headers.
    series = commits.from_patch(text)
    repo = git.toplevel(cwd)

    # Which pre-images does the repository hold?  One process for all.
    wanted: Dict[int, str] = {}
    for i, p in enumerate(parsed):
        if not p.is_text or p.old_path is None or p.status == DELETED:
            continue
        if p.old_blob and p.old_blob.strip("0"):
            wanted[i] = p.old_blob
        elif not p.hunks and p.old_blob is None:
            # Mode-only changes and pure renames print no index line; their
            # content is unchanged, so read the old path where the patch
            # will be applied (HEAD).
            wanted[i] = f"HEAD:{p.old_path}"
    found = git.resolve_blobs(wanted.values(), repo) if repo and wanted else {}

    reader = _BlobReader(repo) if repo else None
    # Post-images built in memory, by blob id, so a later patch of a
    # format-patch series whose pre-image is an earlier patch's result
    # finds it (those blobs are not in the repository yet).
    produced: Dict[str, List[Tuple[str, _Lazy]]] = {}
    files = []
    full = True
    for i, p in enumerate(parsed):
        load_old: Callable[[], Optional[str]] = _none
        load_new: Callable[[], Optional[str]] = _none
        if p.is_text:
            if p.status == ADDED_FILE:
                load_new = _Lazy(lambda p=p: apply_hunks("", p, where))  # type: ignore[misc]  # mypy cannot type a lambda's default argument
            elif p.status == DELETED:
                load_old = _Lazy(lambda p=p: _removed_text(p))  # type: ignore[misc]  # mypy cannot type a lambda's default argument
            else:
                full_id = found.get(wanted.get(i, ""))
                earlier = _produced(produced, p.old_blob)
                if full_id and reader is not None:
                    reader.add(full_id)
                    load_old = _Lazy(lambda n=full_id: reader.get(n))  # type: ignore[misc]  # mypy cannot type a lambda's default argument
                elif earlier is not None:
                    load_old = earlier
                else:
                    full = False
                if load_old is not _none:
                    if p.hunks:
                        load_new = _Lazy(lambda p=p, lo=load_old: apply_hunks(lo(), p, where))  # type: ignore[misc]  # mypy cannot type a lambda's default argument
                    else:
                        load_new = load_old
            if p.new_blob and p.new_blob.strip("0") and load_new is not _none:
                produced.setdefault(p.new_blob[:7], []).append((p.new_blob, load_new))  # type: ignore[arg-type]  # a _Lazy here, never the _none sentinel
        files.append(_file_change(p, load_old, load_new))
    if len(files) > 1:
        files = _compose_series(files, parsed)
    coverage = "full" if full else "hunks-only"
    return ChangeSet(
        files=tuple(files), source=label, coverage=coverage, repo=repo, mode="diff",
        commits=commits.fixed(series),
        read_head=_diff_head_reader(files, repo),
        read_base=_diff_base_reader(files, repo),
        list_head=_diff_lister(files, repo),
    )


def _produced(produced: Dict[str, List[Tuple[str, "_Lazy"]]], blob: Optional[str]) -> Optional["_Lazy"]:
    """The loader of an earlier patch's post-image whose id matches BLOB
    (either may be abbreviated; both have at least 7 digits)."""
    if not blob or not blob.strip("0"):
        return None
    for full_id, loader in produced.get(blob[:7], ()):
        if full_id.startswith(blob) or blob.startswith(full_id):
            return loader
    return None


def _compose_series(files: List[FileChange], parsed: List[ParsedFile]) -> List[FileChange]:
    """One FileChange per file for a `git format-patch` series that touches
    a file in several patches.  Each patch's line numbers refer to its own
    pre-image, so separate entries for one path would put findings on the
    wrong lines; when the texts are known (the chain of pre-images found),
    the entries are merged and the hunks recomputed from the first old text
    to the last new text.  Otherwise they stay separate (hunks-only)."""
    latest: Dict[str, int] = {}  # path -> index in out of the entry that holds it now
    out: List[Optional[FileChange]] = []
    blobs: List[Optional[str]] = []  # the new blob id of each entry in out
    merged_any = False
    for f, p in zip(files, parsed):
        prev_i = latest.get(p.old_path) if p.old_path is not None else None
        prev = out[prev_i] if prev_i is not None else None
        if (prev is not None and prev_i is not None and f.is_binary is False and not f.is_submodule
                and not prev.is_binary and _same_blob(blobs[prev_i], p.old_blob)):
            old_text, new_text = prev.old_text(), f.new_text()
            known = (old_text is not None or prev.old_path is None) and (new_text is not None or f.status == DELETED)
            if known:
                merged_any = True
                del latest[prev.path]
                out[prev_i] = None
                first_old = prev.old_path
                if first_old is None and f.status == DELETED:
                    blobs.append(None)
                    out.append(None)  # added, then deleted: no change at all
                    continue
                status = (DELETED if f.status == DELETED else ADDED_FILE if first_old is None
                          else RENAMED if first_old != f.path else MODIFIED)
                path = first_old if status == DELETED and first_old is not None else f.path
                combined = FileChange(
                    path=path, old_path=first_old, status=status,
                    hunks=diff_texts(old_text or "", new_text or ""),
                    old_mode=prev.old_mode, new_mode=f.new_mode,
                    load_old=prev.load_old, load_new=f.load_new)
                f = combined
        if f.status != DELETED:
            latest[f.path] = len(out)
        out.append(f)
        # A pure rename or a mode change prints no index line: its content
        # is its pre-image's, so any later patch of that path follows it.
        blobs.append(p.new_blob or (_UNCHANGED if not p.hunks and p.status != DELETED else None))
    if not merged_any:
        return files
    return [f for f in out if f is not None]


_UNCHANGED = "unchanged"


def _same_blob(a: Optional[str], b: Optional[str]) -> bool:
    if a == _UNCHANGED:
        return True
    if not a or not b or not a.strip("0") or not b.strip("0"):
        return False
    return a.startswith(b) or b.startswith(a)


def diff_texts(old: str, new: str, context: int = 3) -> Tuple[Hunk, ...]:
    """Hunks from OLD to NEW (difflib), numbered like git's."""
    import difflib

    a, b = _split_keep(old), _split_keep(new)
    hunks = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=True)
    for group in matcher.get_grouped_opcodes(context):
        body: List[Line] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                body += [Line(CONTEXT, _text(" " + a[i]), i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)]
                continue
            body += [Line(REMOVED, _text("-" + a[i]), i + 1, None) for i in range(i1, i2)]
            body += [Line(ADDED, _text("+" + b[j]), None, j + 1) for j in range(j1, j2)]
        i_first, i_last = group[0][1], group[-1][2]
        j_first, j_last = group[0][3], group[-1][4]
        old_len, new_len = i_last - i_first, j_last - j_first
        hunks.append(Hunk(i_first + 1 if old_len else i_first, old_len,
                          j_first + 1 if new_len else j_first, new_len, "", tuple(body)))
    return tuple(hunks)


def _inside(repo: str, path: str) -> Optional[str]:
    """REPO/PATH if it stays inside REPO.  The diff is untrusted: a path such
    as "../../home/u/.ssh/id_rsa" or a symlink out of the tree must not make
    a check read (and quote in its evidence) a file outside the repository."""
    root = os.path.realpath(repo)
    full = os.path.realpath(os.path.join(root, path))
    if full != root and full.startswith(root + os.sep):
        return full
    return None


def _diff_head_reader(files: Sequence[FileChange], repo: Optional[str]) -> Callable[[str], Optional[str]]:
    """The new side of a diff: changed files as the patch makes them, the
    rest as the work tree (where the patch will be applied) has them."""
    changed = {f.path: f for f in files if f.status != DELETED}
    gone = {f.old_path for f in files if f.status in (DELETED, RENAMED) and f.old_path}
    cache: Dict[str, Optional[str]] = {}

    def read(path: str) -> Optional[str]:
        if path in changed:
            return changed[path].new_text()
        if path in gone or repo is None:
            return None
        if path not in cache:
            full = _inside(repo, path)
            text = None
            if full is not None:
                try:
                    with open(full, "rb") as fh:
                        text = decode(fh.read())
                except OSError:
                    text = None
            cache[path] = text
        return cache[path]
    return read


def _diff_base_reader(files: Sequence[FileChange], repo: Optional[str]) -> Callable[[str], Optional[str]]:
    olds = {f.old_path: f for f in files if f.old_path}
    head = _git_reader(repo, "HEAD") if repo else None

    def read(path: str) -> Optional[str]:
        if path in olds:
            return olds[path].old_text()
        return head(path) if head is not None else None
    return read


def _diff_lister(files: Sequence[FileChange], repo: Optional[str]) -> Callable[[], Tuple[str, ...]]:
    index = _lister(repo, None) if repo else (lambda: ())
    cache: List[Tuple[str, ...]] = []

    def listing() -> Tuple[str, ...]:
        if not cache:
            paths = set(index())
            for f in files:
                if f.status in (DELETED, RENAMED) and f.old_path:
                    paths.discard(f.old_path)
                if f.status != DELETED:
                    paths.add(f.path)
            cache.append(tuple(sorted(paths)))
        return cache[0]
    return listing


def read_many(cs: ChangeSet, paths: Sequence[str], side: str = "new") -> Dict[str, Optional[str]]:
    """Texts of many repository files on one side of CS ("new": as
    read_head; "old": as read_base), in one `git cat-file --batch` for a git
    or staged change instead of one process per read_head call.  Files of
    the change itself come from their (shared, cached) loaders."""
    paths = list(dict.fromkeys(paths))
    if side not in ("new", "old"):
        raise ValueError(f"side must be 'new' or 'old', not {side!r}")
    rev = cs.head_rev if side == "new" else cs.base_rev
    if cs.repo is None or cs.mode == "diff" or (side == "old" and rev is None):
        read = cs.read_head if side == "new" else cs.read_base
        return {p: read(p) for p in paths}
    own: Dict[str, Callable[[], Optional[str]]] = {}
    for f in cs.files:
        if side == "new" and f.status != DELETED:
            own[f.path] = f.load_new
        elif side == "old" and f.old_path:
            own[f.old_path] = f.load_old
    prefix = f"{rev}:" if rev else ":0:"
    rest = [p for p in paths if p not in own]
    blobs = git.cat_blobs([prefix + p for p in rest], cs.repo) if rest else {}
    return {p: own[p]() if p in own else decode(blobs.get(prefix + p)) for p in paths}
