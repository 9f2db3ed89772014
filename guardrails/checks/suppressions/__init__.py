"""Inline suppressions added by the change: ``# noqa``, ``# type: ignore``,
``// eslint-disable``, ``//nolint``, ``#[allow(...)]``, ``@SuppressWarnings``
and the rest of ``table.ROWS``, read only where the tool reads them (in
comments, or for attributes and pragmas in code), never inside strings.

Cost: one combined regex per language over the added lines decides which
files can hold a directive; only those are scanned (one regex pass over the
file, ``tokenize`` on the marked Python lines).
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from guardrails import checks, textnorm
from guardrails.checks.suppressions import readings as rd
from guardrails.checks.suppressions import scan as sc
from guardrails.checks.suppressions import table as tb
from guardrails.model import ADDED, REMOVED, ChangeSet, Context, FileChange, Finding

NAME = "suppressions"
CONFIG_SCHEMA: dict = {
    # Codes whose coded (not blanket, not file-level) suppressions are not
    # reported, e.g. ["E501", "line-too-long"].
    "allow_codes": [],
    # Seconds each --deep tool run (ruff, mypy) may take.
    "deep_timeout": 120.0,
}

RULE_BLANKET_NOQA = "suppression/blanket-noqa"
RULE_BLANKET_TYPE = "suppression/blanket-type-ignore"
RULE_BLANKET = "suppression/blanket-suppression"
RULE_FILE = "suppression/file-level-suppression"
RULE_NO_REASON = "suppression/coded-suppression-without-reason"
RULE_REASON = "suppression/coded-suppression-with-reason"
RULE_BLANKET_SECURITY = "suppression/blanket-security-suppression"
RULE_SECURITY = "suppression/security-suppression"
RULE_COVERAGE = "suppression/coverage-exclusion"
RULE_FORMAT = "suppression/formatter-off"
RULE_MALFORMED = "suppression/malformed-suppression"
RULE_UNUSED = "suppression/unused-suppression"

_ROWS: Dict[str, Tuple[tb.Row, ...]] = {}
_PREFILTER: Dict[str, Tuple[str, ...]] = {}
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_LEAD = " \t\r\n*/\u2028\u2029"


class Directive(NamedTuple):
    """One suppression as the tool reads it."""

    row: tb.Row
    line: int  # where the directive is written
    col: int  # 1-based
    end_line: int  # last line of its comment (or attribute)
    text: str  # as written, trimmed
    reading: rd.Reading
    scope: str
    range_end: int  # last line covered when scope is "range"
    reason: Optional[str]
    evidence: str  # the whole source line

    @property
    def signature(self) -> Tuple[str, str]:
        return (self.row.key, re.sub(r"\s+", " ", self.text).strip().lower())


def rows(lang: str) -> Tuple[tb.Row, ...]:
    if lang not in _ROWS:
        _ROWS[lang] = tb.rows_for(lang)
        _PREFILTER[lang] = tb.prefilter(lang)
    return _ROWS[lang]


def prefilter(lang: str) -> Tuple[str, ...]:
    rows(lang)
    return _PREFILTER[lang]


# --- reading a file --------------------------------------------------------------

def _body(comment: sc.Comment, lang: str) -> Tuple[str, int]:
    """The text the comment rows match, and its offset inside comment.text."""
    if lang in tb.HASH_LANGS:
        return comment.text, 0
    text = comment.text
    if text.startswith("/*"):
        inner = text[2:-2] if text.endswith("*/") and len(text) >= 4 else text[2:]
        return inner, 2
    return text[2:], 2


def _valid_reason(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    text = " ".join(text.split())
    if len(text) < 3 or not _LETTER.search(text):
        return None
    return text


def directives(text: str, lang: str, lines: Iterable[int]) -> List[Directive]:
    """Every directive of LANG in TEXT whose line is one of LINES."""
    wanted = set(lines)
    if not wanted:
        return []
    table = rows(lang)
    scan = sc.Scan(text, lang, wanted)
    first_code = scan.first_code_line
    found: List[Directive] = []
    comment_rows = [r for r in table if r.where == "comment"]
    code_rows = [r for r in table if r.where == "code"]
    for comment in scan.comments_on(sorted(wanted)):
        found.extend(_comment_directives(scan, comment, lang, comment_rows, wanted, first_code))
    if code_rows:
        found.extend(_code_directives(scan, code_rows, wanted, first_code))
    return found


def _comment_directives(scan: sc.Scan, comment: sc.Comment, lang: str, table: Sequence[tb.Row],
                        wanted: set, first_code: int) -> List[Directive]:
    body, offset = _body(comment, lang)
    hits: List[Tuple[int, int, tb.Row, "re.Match[str]"]] = []
    for order, row in enumerate(table):
        for m in row.pattern.finditer(body):
            hits.append((m.start(), order, row, m))
    if not hits:
        return []
    hits.sort(key=lambda h: (h[0], h[1]))
    kept: List[Tuple[int, int, tb.Row, "re.Match[str]"]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][3].end():
            continue  # inside the previous directive (e.g. "noqa" inside "ruff: noqa")
        kept.append(hit)
    out = []
    for i, (start, _, row, m) in enumerate(kept):
        lead = len(m.group(0)) - len(m.group(0).lstrip(_LEAD))
        directive_offset = comment.start + offset + start + lead
        line = scan.line_of(directive_offset)
        if line not in wanted:
            continue
        place = rd.Place(line=line, own_line=comment.own_line,
                         before_code=first_code == 0 or comment.line < first_code)
        reading = rd.READINGS[row.reading](row, m, body, place)
        if reading is None:
            continue
        stop = kept[i + 1][0] if i + 1 < len(kept) else len(body)
        end = reading.end if reading.end >= 0 else m.end()
        rest = body[end:stop] if end <= stop else ""
        written = " ".join(body[m.start() + lead:end].split()).rstrip("*/").strip() or m.group(0).strip()
        col = directive_offset - scan.starts[line - 1] + 1
        scope, range_end = _scope(scan, row, reading, comment.own_line, comment.col, comment.end, first_code,
                                  line, lang)
        out.append(Directive(row, line, col, comment.end_line, written, reading, scope, range_end,
                             _reason(row, reading, rest), scan.line_text(line)))
    return out


def _code_directives(scan: sc.Scan, table: Sequence[tb.Row], wanted: set, first_code: int) -> List[Directive]:
    code = scan.code()
    out = []
    for row in table:
        for m in row.pattern.finditer(code):
            line = scan.line_of(m.start())
            if line not in wanted:
                continue
            reading = rd.READINGS[row.reading](row, m, scan.text, rd.Place(line, True, line < first_code))
            if reading is None:
                continue
            eol = scan.text.find("\n", m.end())
            rest = scan.text[m.end(): eol if eol >= 0 else len(scan.text)]
            end_line = scan.line_of(m.end() - 1)
            before = scan.text[scan.starts[line - 1]:m.start()]
            scope, range_end = _scope(scan, row, reading, not before.strip(), len(before), m.end(), first_code,
                                      line, "")
            written = " ".join(scan.text[m.start():m.end()].split())
            out.append(Directive(row, line, len(before) + 1, end_line, written, reading, scope, range_end,
                                 _reason(row, reading, rest), scan.line_text(line)))
    return out


def _reason(row: tb.Row, reading: rd.Reading, rest: str) -> Optional[str]:
    if reading.reason:
        return _valid_reason(reading.reason)
    if row.reason is None:
        return None
    m = row.reason.search(rest)
    return _valid_reason(m.group("r")) if m else None


def _scope(scan: sc.Scan, row: tb.Row, reading: rd.Reading, own_line: bool, col: int, after: int,
           first_code: int, line: int, lang: str) -> Tuple[str, int]:
    scope = reading.scope or row.scope
    if not reading.scope and row.inline_scope and not own_line:
        scope = row.inline_scope
    if scope == tb.BLOCK and own_line and col == 0 and row.end is not None:
        scope = tb.REST  # a module-level pylint disable runs to the end of the module
    if scope != tb.REST:
        return scope, 0
    end_line = _closing_line(scan, row, reading, after, lang)
    if end_line:
        return tb.RANGE, end_line
    if first_code == 0 or line < first_code:
        return tb.FILE, 0
    return tb.REST, 0


def _closing_line(scan: sc.Scan, row: tb.Row, reading: rd.Reading, after: int, lang: str) -> int:
    """The line of the directive that closes every code this one opened."""
    if row.end is None:
        return 0
    still_open = {c.lower() for c in reading.codes} if reading.codes and not reading.blanket else {"*"}
    candidates: List[Tuple[int, "re.Match[str]", str]] = []
    if row.where == "comment":
        for c in scan.comments_after(after, row.end_needle):
            body, offset = _body(c, lang)
            for m in row.end.finditer(body):
                candidates.append((c.start + offset + m.start(), m, body))
    else:
        for m in row.end.finditer(scan.code(), after):
            candidates.append((m.start(), m, scan.text))
    for position, m, src in candidates:
        text = rd.group(m, src, "codes") or ""
        codes = {c.strip().lower() for c in (row.codes.findall(text) if row.codes else []) if c.strip()}
        if not codes or "*" not in still_open and still_open <= codes:
            return scan.line_of(position)
        still_open -= codes
        if not still_open:
            return scan.line_of(position)
    return 0


# --- the change ---------------------------------------------------------------------

def _file_text(f: FileChange, side: str) -> Optional[str]:
    text = f.new_text() if side == "new" else f.old_text()
    if text is not None:
        return text
    # hunks-only: rebuild what the hunks show, other lines left empty
    known: Dict[int, str] = {}
    for line in f.lines():
        number = line.new_no if side == "new" else line.old_no
        if number is not None and (line.kind != (REMOVED if side == "new" else ADDED)):
            known[number] = line.text
    if not known:
        return None
    return "\n".join(known.get(i, "") for i in range(1, max(known) + 1)) + "\n"


def _marked(f: FileChange, kind: str, lang: str) -> List[int]:
    """Line numbers of F's added (or removed) lines holding a marker of LANG.

    The lines are joined once and each marker is looked for with
    ``str.find`` (a C loop), not a regex per line."""
    selected = [line for hunk in f.hunks for line in hunk.lines if line.kind == kind]
    if not selected:
        return []
    written = "\n".join([line.text for line in selected])
    joined = written.lower()
    offsets: List[int] = []
    for marker in prefilter(lang):
        pos = joined.find(marker)
        while pos >= 0:
            offsets.append(pos)
            pos = joined.find(marker, pos + 1)
    if not offsets:
        return []
    numbers = set()
    if len(joined) == len(written):
        # lower() kept every offset: count the newlines before each marker
        # (a C loop) instead of building the start of every line
        offsets.sort()
        index = pos = 0
        for offset in offsets:
            index += joined.count("\n", pos, offset)
            pos = offset
            line = selected[index]
            number = line.new_no if kind == ADDED else line.old_no
            if number is not None:
                numbers.add(number)
        return sorted(numbers)
    starts, total = [], 0
    for line in selected:
        starts.append(total)
        total += len(line.text) + 1
    for offset in offsets:
        line = selected[bisect.bisect_right(starts, offset) - 1]
        number = line.new_no if kind == ADDED else line.old_no
        if number is not None:
            numbers.add(number)
    return sorted(numbers)


def file_directives(f: FileChange) -> Tuple[Optional[str], List[Directive]]:
    """The directives this change adds to F (carried-over ones left out).
    A file whose changed lines hide characters (``no<U+200B>qa``, a Cyrillic
    look-alike) is read normalised, so the directive is found as what it
    is; the evidence stays the line as written."""
    if f.is_binary or f.status == "deleted":
        return None, []
    if sc.language(f.path) is None and "." in f.path.rsplit("/", 1)[-1]:
        return None, []  # no language (its text cannot change that): skip the normalising pass
    seen = textnorm.normalize_file(f)
    if seen is not f:
        written = {line.new_no: line.text for line in f.added()}
        lang, found = _file_directives(seen)
        return lang, [d._replace(evidence=written.get(d.line, d.evidence)) for d in found]
    return _file_directives(f)


def _file_directives(f: FileChange) -> Tuple[Optional[str], List[Directive]]:
    lang = sc.language(f.path)
    if lang is None and "." not in f.path.rsplit("/", 1)[-1]:
        # an extension-less script: its shebang says what it is
        first = next((line.text for line in f.lines() if line.new_no == 1), None)
        if first is None:
            first = (f.new_text() or "").split("\n", 1)[0]
        lang = sc.language(f.path, first)
    if lang is None:
        return None, []
    marked = _marked(f, ADDED, lang)
    if not marked:
        return lang, []
    text = _file_text(f, "new")
    if text is None:
        return lang, []
    added = directives(text, lang, marked)
    if not added:
        return lang, []
    old_marked = _marked(f, REMOVED, lang)
    if old_marked:
        old_text = _file_text(f, "old")
        old_lang = sc.language(f.old_path or f.path, "") or lang
        if old_text is not None:
            before = Counter(d.signature for d in directives(old_text, old_lang, old_marked))
            kept = []
            for d in added:
                if before[d.signature] > 0:
                    before[d.signature] -= 1  # the line changed, the suppression was already there
                    continue
                kept.append(d)
            added = kept
    return lang, added


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    allow = {str(c).lower() for c in ctx.settings.get("allow_codes", []) or []}
    findings: List[Finding] = []
    deep_work: List[Tuple[FileChange, List[Tuple[Directive, int]]]] = []
    for f in change.files:
        lang, found = file_directives(f)
        indexed = []
        for d in found:
            rule = rule_for(d)
            if rule in (RULE_NO_REASON, RULE_REASON) and d.reading.codes and allow and \
                    all(c.lower() in allow for c in d.reading.codes):
                continue
            indexed.append((d, len(findings)))
            findings.append(make_finding(f.path, d, rule))
        if ctx.options.deep and lang == sc.PY and indexed:
            deep_work.append((f, indexed))
    if deep_work:
        from guardrails.checks import deep
        findings = deep.add_evidence(change, deep_work, findings, ctx)
    return findings


# --- findings -----------------------------------------------------------------------

def rule_for(d: Directive) -> str:
    kind = d.reading.kind or d.row.kind
    whole = d.scope in (tb.FILE, tb.REST)
    if d.reading.effect == "none":
        return RULE_MALFORMED
    if kind == tb.FORMAT:
        return RULE_FORMAT
    if kind == tb.COVERAGE:
        return RULE_COVERAGE
    if kind == tb.SECURITY:
        return RULE_BLANKET_SECURITY if d.reading.blanket or whole else RULE_SECURITY
    if whole:
        return RULE_FILE
    if d.reading.blanket:
        if d.row.key == "noqa":
            return RULE_BLANKET_NOQA
        return RULE_BLANKET_TYPE if kind == tb.TYPE else RULE_BLANKET
    return RULE_REASON if d.reason else RULE_NO_REASON


def scope_words(d: Directive) -> str:
    return {
        tb.LINE: "on this line",
        tb.NEXT_LINE: "on the next line",
        tb.FILE: "in the whole file",
        tb.REST: "from here to the end of the file",
        tb.RANGE: f"on lines {d.line}-{d.range_end}",
        tb.BLOCK: "on this line or the block it opens",
        tb.ITEM: "on the item below it (or this line)",
    }.get(d.scope, "")


def make_finding(path: str, d: Directive, rule: str) -> Finding:
    tool = d.row.tool
    codes = ", ".join(d.reading.codes)
    what = f"`{d.text}`"
    where = scope_words(d)
    if rule == RULE_MALFORMED:
        message = f"{what} looks like a suppression but is malformed: " + (d.reading.notes[0] if d.reading.notes
                                                                          else "no tool reads it")
    elif rule == RULE_FORMAT:
        message = f"{what} turns {tool} formatting off {where}"
    elif rule == RULE_COVERAGE:
        message = f"{what} excludes code from {tool} coverage {where}, which lowers the coverage gate"
    elif rule == RULE_BLANKET_SECURITY:
        message = f"{what} silences every {tool} security finding {where}"
    elif rule == RULE_SECURITY:
        message = f"{what} silences the {tool} security finding {codes} {where}"
    elif rule == RULE_FILE:
        target = f"every {tool} check" if d.reading.blanket or not codes else f"{tool} {codes}"
        message = f"{what} turns off {target} {where}"
    elif rule == RULE_BLANKET_NOQA:
        message = f"blanket {what} silences every ruff/flake8 rule {where}"
    elif rule == RULE_BLANKET_TYPE:
        message = f"{what} silences every {tool} error {where}"
    elif rule == RULE_BLANKET:
        message = f"{what} silences every {tool} rule {where}" + (f" ({codes})" if codes else "")
    elif rule == RULE_REASON:
        message = f"{what} silences {tool} {codes} {where} (reason: {d.reason})"
    else:
        message = f"{what} silences {tool} {codes} {where} without a written reason"
    details = {
        "tool": tool,
        "directive": d.row.key,
        "kind": d.reading.kind or d.row.kind,
        "written": d.text,
        "codes": list(d.reading.codes),
        "blanket": d.reading.blanket,
        "reason": d.reason,
        "scope": d.scope,
    }
    if d.range_end:
        details["range_end"] = d.range_end
    if d.reading.notes:
        details["notes"] = list(d.reading.notes)
    if d.end_line != d.line:
        details["comment_end_line"] = d.end_line
    return checks.finding(rule, path, d.line, message, d.evidence, details=details, column=d.col,
                          end_line=d.end_line if d.end_line > d.line else 0)
