"""Test-stub checks for JS/TS, Go, Rust and Java.

Two parts:

* line patterns (test-run detection, skips, focus, trivial assertions,
  not-implemented stubs, empty catches, checker tampering): the bundled
  semgrep pack (guardrails/semgrep/rules) run once over the new side of the
  changed files; when semgrep is missing or fails, the same patterns as
  regular expressions (lang_patterns.py);
* an old/new comparison with a light scanner (lang_scan.py): tests matched by
  name across the two sides (deleted, weakened, expected value changed),
  functions matched by name (body replaced by a stub, equality forced true),
  and new literal special cases checked against the literals of the tests.

Entry point: ``check(change, ctx) -> list[Finding]`` (called by the family).
"""
from __future__ import annotations

import bisect
import difflib
import posixpath
import re
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.test_stub import lang_patterns as P
from guardrails.checks.test_stub import lang_hunks, lang_semgrep
from guardrails.checks.test_stub.lang_scan import (
    TRIVIAL, Block, Source, language, literals, match_brace, match_paren, shape,
)
from guardrails.checks.test_stub.python_triggers import line_indexes_holding
from guardrails.checks.test_stub.testfiles import is_test_file, rust_test_ranges
from guardrails.model import ADDED_FILE, DELETED, ChangeSet, Context, FileChange, Finding

RUN = P.RUN
SKIP = P.SKIP
FOCUS = P.FOCUS
WEAK = P.WEAK
STUB = P.STUB
SWALLOW = P.SWALLOW
TAMPER = P.TAMPER
DELETED_TEST = "test-stub/deleted-test"
EXPECTED = "test-stub/expected-value-changed"
SPECIAL = "test-stub/special-case"
POSSIBLE = "test-stub/possible-special-case"
TABLE = "test-stub/test-lookup-table"
COUNT = "test-stub/call-count-trick"
RETURNS = "test-stub/returns-expected-literal"

PATTERN_BY_ID = {p.id: p for p in P.PATTERNS}
_RUN_PATTERNS = tuple(p.regex for p in P.PATTERNS if p.rule == P.RUN)
# How far (in lines) two literals of a test file may be apart to count as "together"
# outside a recognised test block (rows of a table of cases).
NEAR = 4
# Repository test files read to find the literals of a special case.
MAX_CORPUS_FILES = 400
MAX_CORPUS_BYTES = 8_000_000

# Lines that start a shape only the semgrep pack follows (a new equality
# method accepting everything, a TestMain that does not run the tests).
_SEMGREP_ONLY = re.compile(r"\bequals\s*\(\s*Object\b|\bfn\s+eq\s*\(|\)\s*Equals?\s*\(|\bfunc\s+TestMain\b")
_SEMGREP_ONLY_WORDS = ("equals", "fn", "Equal", "TestMain")  # one is in every match
# The prefilters without their \b (a \b first defeats the engine's scan for a
# literal): they pass more lines, which the prefilter itself then reads.
_PREFILTER_GATE = {lang: re.compile(p.pattern.replace(r"\b", "")) for lang, p in P.PREFILTER.items()}
_MINIFIED = re.compile(r"\.min\.[cm]?js$")
# Possessive (3.11+) where giving characters back cannot help a match.
_P = "+" if sys.version_info >= (3, 11) else ""
_VITEST_INSOURCE = re.compile(r"\bif\s*\(\s*import\.meta\.vitest\s*\)\s*\{")


class _Joined:
    """Some lines of a file joined into one text, each after a "\n", so that a
    pattern runs once over all of them instead of once per line (a regex
    call per line costs more than the scan itself)."""

    def __init__(self, texts: List[str]):
        self.texts = texts
        self.block = "\n" + "\n".join(texts)
        self.starts: List[int] = []  # block offset of the "\n" before each line
        pos = 0
        for t in texts:
            self.starts.append(pos)
            pos += len(t) + 1

    def candidates(self, gate: "re.Pattern[str]") -> List[int]:
        """Indexes (ascending) of the lines where a match of GATE starts (the
        "\n" before a line counts as its own). Every line that GATE matches
        on its own is among them when GATE has no ^, $ or lookaround that
        reads past the line's ends: the search restarts at each next line,
        so a match running on over the line break hides nothing. Lines are
        only candidates: the caller decides each one line by line."""
        out: List[int] = []
        starts, block, pos = self.starts, self.block, 0
        while starts:
            m = gate.search(block, pos)
            if m is None:
                return out
            i = bisect.bisect_right(starts, m.start()) - 1
            out.append(i)
            if i + 1 >= len(starts):
                return out
            pos = starts[i + 1]
        return out

    def lines_with(self, needles: Sequence[str]) -> List[int]:
        """Indexes (ascending) of the lines holding one of NEEDLES (no line
        breaks in them), found with str.find."""
        return sorted(line_indexes_holding(self.block, self.starts, needles))


# ====================================================================== files

class FileInfo:
    """One changed file of a supported language, both sides scanned lazily."""

    def __init__(self, fc: FileChange, change: ChangeSet):
        self.fc = fc
        self.path = fc.path
        self.lang = language(fc.path) or ""
        self.is_test = is_test_file(fc.path, change) or bool(
            fc.old_path and is_test_file(fc.old_path, change))
        self.added = fc.added_line_numbers()
        self.removed = fc.removed_line_numbers()
        self._old: Optional[Source] = None
        self._new: Optional[Source] = None
        self._loaded = False
        self.partial = False  # texts rebuilt from the diff's hunks only
        self._regions: Dict[str, List[Tuple[int, int]]] = {}
        self._test_lines: Dict[str, bytearray] = {}
        self._sorted_added = sorted(self.added)
        self._sorted_removed = sorted(self.removed)
        self._removed_texts: Optional[Set[str]] = None

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        old = self.fc.old_text() if self.fc.status != "added" else None
        new = self.fc.new_text() if self.fc.status != DELETED else None
        if new is None and self.fc.status != DELETED and self.fc.hunks:
            # hunks-only coverage (a diff file): the lines the diff shows, at their
            # places; enough for the line patterns, not for old/new comparisons
            new = _from_hunks(self.fc, "new")
            self.partial = True
        if old is None and self.fc.status != "added" and self.fc.hunks:
            old = _from_hunks(self.fc, "old")
            self.partial = True
        if old is not None:
            self._old = Source(self.fc.old_path or self.path, old, self.lang)
        if new is not None:
            self._new = Source(self.path, new, self.lang)

    @property
    def old(self) -> Optional[Source]:
        self._load()
        return self._old

    @property
    def new(self) -> Optional[Source]:
        self._load()
        return self._new

    def side(self, side: str) -> Optional[Source]:
        return self.new if side == "new" else self.old

    def test_regions(self, side: str) -> List[Tuple[int, int]]:
        """Line ranges of test code inside a file that is not a test file."""
        if side in self._regions:
            return self._regions[side]
        src = self.side(side)
        regions: List[Tuple[int, int]] = []
        if src is not None:
            if self.lang == "rust" and "cfg" in src.text:
                regions.extend(rust_test_ranges(src.text))
            if self.lang == "js" and "import.meta.vitest" in src.text:
                for m in _VITEST_INSOURCE.finditer(src.masked):
                    blk = src._block("in-source tests", "suite", m.start(), m.end() - 1)
                    regions.append((blk.start, blk.end))
            regions.extend((b.start, b.end) for b in src.tests())
        self._regions[side] = regions
        return regions

    def is_test_code(self, side: str, line: int) -> bool:
        if self.is_test:
            return True
        marks = self._test_lines.get(side)
        if marks is None:
            src = self.side(side)
            size = (len(src.lines) if src is not None else 0) + 2
            marks = bytearray(size)
            for a, b in self.test_regions(side):
                for n in range(max(a, 0), min(b, size - 1) + 1):
                    marks[n] = 1
            self._test_lines[side] = marks
        return 0 <= line < len(marks) and marks[line] == 1

    def has_tests(self, side: str) -> bool:
        return self.is_test or bool(self.test_regions(side))

    def removed_texts(self) -> Set[str]:
        """The removed lines of the file, without spaces."""
        if self._removed_texts is None:
            self._removed_texts = {_squash(ln.text) for ln in self.fc.removed() if ln.text.strip()}
        return self._removed_texts

    def _changed(self, side: str) -> List[int]:
        return self._sorted_added if side == "new" else self._sorted_removed

    def touched(self, side: str, start: int, end: int) -> bool:
        lines = self._changed(side)
        k = bisect.bisect_left(lines, start)
        return k < len(lines) and lines[k] <= end

    def first_changed(self, side: str, start: int, end: int,
                      want: Optional["re.Pattern[str]"] = None) -> Optional[int]:
        src = self.side(side)
        lines = self._changed(side)
        k = bisect.bisect_left(lines, start)
        while k < len(lines) and lines[k] <= end:
            n = lines[k]
            if want is None or (src is not None and want.search(src.line_text(n))):
                return n
            k += 1
        return None


class Out:
    """Findings, without duplicates (same rule, file, side and line)."""

    def __init__(self) -> None:
        self.items: Dict[Tuple[str, str, str, int], Finding] = {}

    def add(self, rule: str, path: str, line: int, message: str, evidence: str = "",
            severity: Optional[str] = None, side: str = "new", **details: object) -> None:
        self.add_details(rule, path, line, message, evidence, severity, side, details)

    def add_details(self, rule: str, path: str, line: int, message: str, evidence: str,
                    severity: Optional[str], side: str, details: Dict[str, object]) -> None:
        key = (rule, path, side, line)
        if key in self.items:
            return
        self.items[key] = finding(rule, path, line, message, evidence, side=side, severity=severity,
                                  details={k: v for k, v in details.items() if v not in (None, "", [])})

    def findings(self) -> List[Finding]:
        return list(self.items.values())


# ====================================================================== entry

def check(change: ChangeSet, ctx: Context) -> List[Finding]:
    infos = [FileInfo(f, change) for f in change.files
             if not f.is_binary and not f.is_submodule and language(f.path) and not _MINIFIED.search(f.path)]
    out = Out()
    _package_json(change, out)
    if not infos:
        return out.findings()
    run = Run(change, ctx, infos, out)
    for name in ("patterns", "compare_tests", "hunk_tests", "compare_functions", "hunk_stubs", "special_cases",
                 "call_counts", "multiline"):
        try:
            getattr(run, name)()
        except Exception as exc:  # one step failing on odd input must not sink the others
            ctx.warn(f"test-stub (JS/TS, Go, Rust, Java): {name} skipped on this change: "
                     f"{type(exc).__name__}: {exc}")
    return out.findings()


class Run:
    def __init__(self, change: ChangeSet, ctx: Context, infos: List[FileInfo], out: Out):
        self.change = change
        self.ctx = ctx
        self.infos = infos
        self.by_path = {i.path: i for i in infos}
        self.out = out
        self._corpus: Optional[Corpus] = None
        self._deleted_functions: Optional[Set[str]] = None
        self._added_joined: Dict[str, _Joined] = {}

    def _joined(self, info: FileInfo) -> _Joined:
        """The added lines of INFO's new side (line_text, in line order), joined."""
        joined = self._added_joined.get(info.path)
        if joined is None:
            src = info.new
            lines = src.lines if src is not None else []
            joined = _Joined([lines[n - 1] if 0 < n <= len(lines) else "" for n in info._sorted_added])
            self._added_joined[info.path] = joined
        return joined

    @property
    def corpus(self) -> "Corpus":
        if self._corpus is None:
            self._corpus = Corpus(self.change, self.infos)
        return self._corpus

    # ------------------------------------------------------------ patterns

    def patterns(self) -> None:
        light: List[Tuple[FileInfo, P.Pattern, int, int]] = []  # info, pattern, line, column
        for info in self.infos:
            src = info.new
            if src is None or not info.added:
                continue
            masked_lines = src.masked.splitlines()
            prefilter = P.PREFILTER[info.lang]
            patterns = P.BY_LANG[info.lang]
            numbers = info._sorted_added
            joined = self._joined(info)
            # the prefilter once over all added lines: the lines it may pass
            for i in joined.candidates(_PREFILTER_GATE[info.lang]):
                n = numbers[i]
                text = joined.texts[i]
                if not prefilter.search(text):
                    continue
                mline = masked_lines[n - 1] if n - 1 < len(masked_lines) else ""
                for pat in patterns:
                    for m in pat.regex.finditer(text):
                        col = m.start()
                        if col < len(mline) and mline[col] != text[col]:
                            continue  # inside a comment or a string
                        light.append((info, pat, n, col))
                        break
        use_semgrep = self.ctx.settings.get("semgrep", True) if hasattr(self.ctx.settings, "get") else True
        if getattr(self.ctx.options, "stage", "") == "pre-commit":
            use_semgrep = False  # a commit hook runs the in-process checks only
        # semgrep only looks at files where a pattern can match: a regex hit, or
        # the start of a shape only semgrep follows over several lines
        wanted = {info.path for info, _p, _n, _c in light}
        for info in self.infos:
            if info.path not in wanted and info.new is not None:
                joined = self._joined(info)
                if any(_SEMGREP_ONLY.search(joined.texts[i]) for i in joined.lines_with(_SEMGREP_ONLY_WORDS)):
                    wanted.add(info.path)
        targets = [i for i in self.infos if i.path in wanted and i.new is not None and not i.partial
                   and lang_semgrep.accepts(i.new.text)]
        scanned = {i.path for i in targets}
        hits: Optional[list] = []
        if use_semgrep and targets:
            hits, why = lang_semgrep.run([(i.path, i.new.text) for i in targets if i.new is not None])
            if hits is None:
                self.ctx.warn(f"test-stub: {why}; used the built-in patterns for JS/TS, Go, Rust and Java instead")
                scanned = set()
            else:  # files semgrep could not parse get the built-in patterns too
                scanned -= lang_semgrep.failed_paths
        else:
            scanned = set()
        for info, pat, n, col in light:
            if info.path not in scanned:
                self._pattern_hit(info, pat.id, pat.rule, n, col, pat.message, source="regex")
        # semgrep covers every pattern id: its results replace the regex ones on the files it scanned
        for hit in hits or ():
            target = self.by_path.get(hit.path)
            if target is None or target.new is None:
                continue
            info = target
            line = _anchor(info, hit.line, hit.end_line, str(hit.metadata.get("guardrails_anchor", "")))
            if line is None:
                continue
            self._pattern_hit(info, hit.id, hit.rule, line, -1, hit.message, source="semgrep",
                              scope=str(hit.metadata.get("guardrails_scope", "")),
                              kind=str(hit.metadata.get("guardrails_kind", "")))

    def _pattern_hit(self, info: FileInfo, pid: str, rule: str, line: int, col: int, message: str,
                     source: str, scope: str = "", kind: str = "") -> None:
        src = info.new
        if src is None or line not in info.added:
            return
        if _squash(src.line_text(line)) in info.removed_texts():
            return  # the same line was removed elsewhere in the file: moved or re-indented, not new
        pat = PATTERN_BY_ID.get(pid)
        scope = scope or (pat.scope if pat else "any")
        kind = kind or (pat.kind if pat else "")
        test_code = info.is_test_code("new", line)
        if scope == "test" and not test_code:
            return
        if scope == "code" and test_code:
            return
        text = src.line_text(line)
        details: Dict[str, object] = {"pattern": pid, "found_by": source}
        severity = None
        if kind == "skip":
            offset = src.offset_of_line(line) + max(col, len(text) - len(text.lstrip()))
            conditional = _conditional(src, offset, text)
            details["conditional"] = conditional
            if pat is not None:
                severity = P.severity_of_skip(pat, text, conditional)
            blk = src.block_at(line, src.tests())
            details["test"] = _test_id(info.path, blk) if blk else None
            details["code_under_test"] = _called_names(src.body(blk))[:5] if blk else None
        elif kind == "marker":
            fn = src.block_at(line, src.functions())
            if fn is None or info.old is None:
                return
            old_fn = _same_function(info.old, fn)
            if old_fn is None or re.search(r"todo!|unimplemented!|not\s+(?:yet\s+)?implemented|TODO|Unsupported",
                                           info.old.body(old_fn), re.I):
                return
            details["function"] = fn.name
            changed_test = self._changed_test_of(fn.name)
            severity = "block" if changed_test else None
            if changed_test:
                details["test_changed"] = True
                details["test"] = changed_test
        elif rule in (WEAK, FOCUS):
            blk = src.block_at(line, src.tests())
            details["test"] = _test_id(info.path, blk) if blk else None
        elif rule in (RUN, SWALLOW, TAMPER):
            fn = src.block_at(line, src.functions())
            details["function"] = fn.name if fn else None
        self.out.add_details(rule, info.path, line, message, text, severity, "new", details)

    # ------------------------------------------------------------ tests

    def compare_tests(self) -> None:
        old_tests: List[Tuple[FileInfo, Block]] = []
        new_tests: List[Tuple[FileInfo, Block]] = []
        for info in self.infos:
            if info.old is not None and info.partial:
                continue
            if info.old is not None and (info.has_tests("old")) and (info.removed or info.fc.status == DELETED):
                old_tests += [(info, b) for b in info.old.tests() if b.kind == "test"]
            if info.new is not None and info.has_tests("new"):
                new_tests += [(info, b) for b in info.new.tests() if b.kind == "test"]
            # files whose tests did not change still count for "moved"
        new_by_key: Dict[Tuple[str, str], List[Tuple[FileInfo, Block]]] = {}
        for i, b in new_tests:
            new_by_key.setdefault((i.path, b.name), []).append((i, b))
        new_names: Dict[str, List[Tuple[FileInfo, Block]]] = {}
        for i, b in new_tests:
            new_names.setdefault(_short(b.name), []).append((i, b))
        matched_new: Set[Tuple[str, str]] = set()
        pairs: List[Tuple[FileInfo, Block, FileInfo, Block]] = []
        unmatched: List[Tuple[FileInfo, Block]] = []
        for info, ob in old_tests:
            hit = _likeliest(info, ob, new_by_key.get((info.path, ob.name), []), matched_new)
            if hit is not None:
                pairs.append((info, ob, hit[0], hit[1]))
                matched_new.add((hit[0].path, hit[1].name))
            else:
                unmatched.append((info, ob))
        deleted: List[Tuple[FileInfo, Block]] = []
        for info, ob in unmatched:
            elsewhere = [x for x in new_names.get(_short(ob.name), []) if (x[0].path, x[1].name) not in matched_new]
            if elsewhere:  # moved to another file or another describe block
                ni, nb = elsewhere[0]
                pairs.append((info, ob, ni, nb))
                matched_new.add((ni.path, nb.name))
                continue
            twin = self._renamed(info, ob, new_tests, matched_new)
            if twin is not None:
                pairs.append((info, ob, twin[0], twin[1]))
                matched_new.add((twin[0].path, twin[1].name))
                continue
            deleted.append((info, ob))
        self._report_deleted(deleted)
        for oi, ob, ni, nb in pairs:
            if oi.touched("old", ob.start, ob.end) or ni.touched("new", nb.start, nb.end):
                self._compare_pair(oi, ob, ni, nb)
        self._expected_values()

    def hunk_tests(self) -> None:
        """Tests compared hunk by hunk (lang_hunks): the only comparison a bare
        diff allows, and in a repository a second look at the test files the
        whole-file comparison found nothing in (an edit that broke the file's
        braces, a test header overwritten)."""
        done = {f.path for f in self.out.items.values() if f.rule in (WEAK, DELETED_TEST)}
        walked: List[Tuple[FileInfo, lang_hunks.Side, lang_hunks.Side]] = []
        added_names: Set[str] = set()
        for info in self.infos:
            if not info.is_test or info.fc.status == ADDED_FILE or not info.removed:
                if info.is_test and info.fc.status == ADDED_FILE:
                    added_names |= {h.name for h in lang_hunks.walk(info.fc, "new", info.lang).headers}
                continue
            old = lang_hunks.walk(info.fc, "old", info.lang)
            new = lang_hunks.walk(info.fc, "new", info.lang)
            helpers = lang_hunks.helpers([old, new])
            if not info.partial:  # the whole files name their assertion helpers
                for src in (info.old, info.new):
                    if src is not None:
                        helpers |= set(_assert_helpers(src))
            if helpers:
                old = lang_hunks.walk(info.fc, "old", info.lang, helpers)
                new = lang_hunks.walk(info.fc, "new", info.lang, helpers)
            added_names |= {h.name for h in new.headers}
            if info.path not in done:
                walked.append((info, old, new))
        for info, old, new in walked:
            self._hunk_findings(info, old, new, added_names)

    def _hunk_findings(self, info: FileInfo, old: "lang_hunks.Side", new: "lang_hunks.Side",
                       added_names: Set[str]) -> None:
        info.old  # loads the texts: tells whether only the hunks are known
        partial = info.partial
        seen = " (only the diff's hunks were seen)" if partial else " (judged from the hunks)"
        removed_names = {h.name for h in old.headers}
        new_tests = {h.name for h in new.headers} - removed_names
        for h in old.headers:
            if h.name in added_names:
                continue
            gone = [s for s in old.stmts if s.test == h.name and s.changed]
            self.out.add(DELETED_TEST, info.path, h.line,
                         f"test `{h.name}` lost its header and is not added back anywhere in the change"
                         + (f"; {len(gone)} of its assertions removed" if gone else "") + seen,
                         h.text, side="old", severity="escalate", test=f"{info.path}::{h.name}",
                         hunks_only=partial, removed_assertions=len(gone))
        for d in lang_hunks.deltas(old, new):
            if d.test in new_tests or d.test in removed_names:  # a new test; a deleted or moved one
                continue
            if not d.removed and not (d.before > d.after and info.touched("old", 1, 10 ** 9)):
                continue
            moved = [s for s in old.stmts if s.test == d.test]
            first = d.removed[0] if d.removed else _at_removed(info, moved[-1])
            name = "the test" if d.test == lang_hunks.UNKNOWN else f"`{d.test.lstrip('#')}`"
            details = dict(severity="escalate", side="old", hunks_only=partial,
                           test=None if d.test == lang_hunks.UNKNOWN else f"{info.path}::{d.test.lstrip('#')}",
                           removed=[s.text[:160] for s in d.removed[:5]], added=[s.text[:160] for s in d.added[:5]])
            if d.before > d.after:
                self.out.add(WEAK, info.path, first.line,
                             f"{name} checks less than before: {d.before} assertions in the lines shown before, "
                             f"{d.after} after ({len(d.removed)} removed or cut, {len(d.added)} added"
                             + (", others now under a new test" if d.before - len(d.removed) > d.after - len(d.added)
                                else "") + ")" + seen, first.text, **details)
                continue
            if not d.removed:
                continue
            if any(lang_hunks.has_count(s.text) for s in d.removed) and \
                    not any(lang_hunks.has_count(s.text) for s in d.added):
                hit = next(s for s in d.removed if lang_hunks.has_count(s.text))
                self.out.add(WEAK, info.path, hit.line,
                             f"a call-count assertion of {name} was dropped" + seen, hit.text, **details)
                continue
            kept = set().union(*(lang_hunks.subjects(s.text) for s in d.added)) if d.added else set()
            for s in new.stmts:  # an assertion helper checks what its body checks
                if s.test.startswith("#") and s.test[1:] in kept:
                    kept |= lang_hunks.subjects(s.text)
            for s in d.removed:
                subj = lang_hunks.subjects(s.text)
                if subj and not subj & kept:
                    self.out.add(WEAK, info.path, s.line,
                                 f"an assertion of {name} now checks something else: "
                                 f"{', '.join(sorted(subj)[:3])} no longer checked" + seen, s.text, **details)
                    break

    def _renamed(self, info: FileInfo, ob: Block, new_tests: List[Tuple[FileInfo, Block]],
                 matched_new: Set[Tuple[str, str]]) -> Optional[Tuple[FileInfo, Block]]:
        assert info.old is not None
        old_body = _squash(info.old.body(ob))
        if not old_body:
            return None
        best, score = None, 0.0
        for ni, nb in new_tests:
            if (ni.path, nb.name) in matched_new or ni.new is None:
                continue
            if (ni.path, nb.name) in {(info.path, ob.name)}:
                continue
            if ni.touched("new", nb.start, nb.end) is False:
                continue
            new_body = _squash(ni.new.body(nb))
            if not new_body:
                continue
            ratio = difflib.SequenceMatcher(None, old_body, new_body, autojunk=False).quick_ratio()
            if ratio >= 0.85:
                ratio = difflib.SequenceMatcher(None, old_body, new_body, autojunk=False).ratio()
            if ratio >= 0.85 and ratio > score:
                best, score = (ni, nb), ratio
        return best

    def _deleted_function_names(self) -> Set[str]:
        """Functions, classes and types the change deleted from code that is not
        a test (and the names of deleted code files): a test of them may go too."""
        if self._deleted_functions is None:
            names: Set[str] = set()
            for info in self.infos:
                if info.old is None or info.is_test:
                    continue
                old = _decl_names(info.old, info)
                new = _decl_names(info.new, info) if info.new is not None else set()
                names |= old - new
                if info.new is None:
                    stem = posixpath.basename(info.path).split(".")[0]
                    if len(stem) > 3:
                        names.add(stem)
            self._deleted_functions = names
        return self._deleted_functions

    def _report_deleted(self, deleted: List[Tuple[FileInfo, Block]]) -> None:
        # report a deleted Go subtest only when its parent test still exists
        spans = [(i.path, b.start, b.end, b.name) for i, b in deleted]
        for info, ob in deleted:
            if any(p == info.path and s <= ob.start and ob.end <= e and n != ob.name for p, s, e, n in spans):
                continue
            assert info.old is not None
            line = ob.start if ob.start in info.removed else info.first_changed("old", ob.start, ob.end)
            if line is None:
                continue
            body = info.old.body(ob)
            gone = sorted(n for n in self._deleted_function_names()
                          if len(n) > 2 and re.search(r"\b" + re.escape(n) + r"\b", body))
            severity = "escalate" if gone else None
            msg = f"test `{ob.name}` was deleted"
            if gone:
                msg += f" together with the code it tested ({', '.join(gone[:3])})"
            elif info.fc.status == DELETED and (self.change.coverage != "full" or self.change.repo is None):
                severity = "escalate"  # whether the module it tests still exists is not in the diff
                msg += " with its whole file (only the diff's hunks were seen: is the code it tests gone too?)"
            elif info.fc.status == DELETED and not self._module_exists(info.path):
                severity = "escalate"
                msg += " with its whole file; the module it is named after is not in the repository"
            self.out.add(DELETED_TEST, info.path, line, msg, info.old.line_text(ob.start), side="old",
                         severity=severity, test=_test_id(info.path, ob), deleted_code=gone,
                         code_under_test=_called_names(body)[:5])

    def _module_exists(self, test_path: str) -> bool:
        """Does the code file a test file is named after exist on the new side
        (``x.test.ts`` -> ``x.ts``, ``x_test.go`` -> ``x.go``, ``XTest.java`` -> ``X.java``)?"""
        folder, base = posixpath.split(test_path)
        stem = re.sub(r"(?:\.(?:test|spec))?\.[cm]?[jt]sx?$|_test\.go$|Tests?\.java$|\.rs$", "", base)
        if not stem or stem == base:
            return True
        names = [stem + ext for ext in (".ts", ".tsx", ".js", ".jsx", ".mjs", ".go", ".java", ".rs")]
        try:
            listing = self.change.list_head()
        except Exception:
            return True
        wanted = {n for n in names}
        return any(posixpath.basename(p) in wanted for p in listing) if listing else True

    def _compare_pair(self, oi: FileInfo, ob: Block, ni: FileInfo, nb: Block) -> None:
        assert oi.old is not None and ni.new is not None
        helpers_old = _assert_helpers(oi.old)
        helpers_new = _assert_helpers(ni.new)
        o_strong, o_total = _strength(oi.old, ob, helpers_old)
        n_strong, n_total = _strength(ni.new, nb, helpers_new)
        if n_strong >= o_strong and n_total >= o_total:
            return
        pat = _ASSERT[oi.lang]
        line = oi.first_changed("old", ob.start, ob.end, pat) if oi.path == ni.path else None
        side = "old"
        src = oi.old
        if line is None:
            line = ni.first_changed("new", nb.start, nb.end)
            side, src = "new", ni.new
        if line is None:
            line = oi.first_changed("old", ob.start, ob.end)
            side, src = "old", oi.old
        if line is None:
            return
        path = oi.path if side == "old" else ni.path
        target = _called_names(ni.new.body(nb))
        self.out.add(WEAK, path, line,
                     f"test `{nb.name}` checks less than before: {o_strong} strict / {o_total} assertions "
                     f"before, {n_strong} / {n_total} after",
                     src.line_text(line), side=side, test=_test_id(ni.path, nb),
                     before={"strict": o_strong, "total": o_total}, after={"strict": n_strong, "total": n_total},
                     code_under_test=target[:5])

    def _expected_values(self) -> None:
        for info in self.infos:
            if info.old is None or info.new is None:
                continue
            for hunk in info.fc.hunks:
                removed = [ln for ln in hunk.lines if ln.kind == "-"]
                added = [ln for ln in hunk.lines if ln.kind == "+"]
                if not removed or not added:
                    continue
                used: Set[int] = set()
                for r in removed:
                    assert r.old_no is not None
                    if not info.is_test_code("old", r.old_no) or not _EXPECTISH[info.lang].search(r.text):
                        continue
                    if _is_test_header(r.text):
                        continue
                    r_code = _strip_comments(r.text, info.lang)
                    old_lits = [x[1] for x in literals(_no_message(r_code, info.lang))]
                    if not old_lits:
                        continue
                    rshape = shape(r_code)
                    oblk = info.old.block_at(r.old_no, info.old.tests())
                    for a in added:
                        assert a.new_no is not None
                        a_code = _strip_comments(a.text, info.lang)
                        if a.new_no in used or shape(a_code) != rshape:
                            continue
                        nblk = info.new.block_at(a.new_no, info.new.tests())
                        if (oblk.name if oblk else None) != (nblk.name if nblk else None):
                            continue
                        new_lits = [x[1] for x in literals(_no_message(a_code, info.lang))]
                        if new_lits == old_lits:
                            continue
                        used.add(a.new_no)
                        changed = [(o, n) for o, n in zip(old_lits, new_lits) if o != n]
                        blk = nblk
                        self.out.add(EXPECTED, info.path, a.new_no,
                                     "an expected value in a test was changed: "
                                     + ", ".join(f"{_show(o)} -> {_show(n)}" for o, n in changed[:3]),
                                     a.text, test=_test_id(info.path, blk) if blk else None,
                                     old_line=r.old_no, old=r.text.strip(),
                                     code_under_test=_called_names(a.text)[:3])
                        break

    # ------------------------------------------------------------ functions

    def _changed_test_of(self, name: str) -> Optional[str]:
        """The first test that mentions function NAME and that this change touched."""
        short = _short(name)
        if len(short) < 3:
            return None
        call = re.compile(r"\b" + re.escape(short) + r"\b")
        for info in self.infos:
            for side in ("new", "old"):
                src = info.side(side)
                if src is None or not info.has_tests(side):
                    continue
                for b in src.tests():
                    if b.kind == "test" and info.touched(side, b.start, b.end) and call.search(src.body(b)):
                        return _test_id(info.path, b)
        return None

    def compare_functions(self) -> None:
        for info in self.infos:
            if info.old is None or info.new is None or not info.added or info.partial:
                continue
            old_funcs = _index(info.old.functions())
            for key, nb in _index(info.new.functions()).items():
                if info.is_test_code("new", nb.start) or not info.touched("new", nb.start, nb.end):
                    continue
                ob = old_funcs.get(key)
                if ob is None:
                    continue
                new_kind, value = _stub_kind(info.new.body(nb), info.lang)
                if new_kind is None:
                    continue
                old_kind, _ = _stub_kind(info.old.body(ob), info.lang)
                if old_kind is not None:
                    continue  # it was already a stub
                line = info.first_changed("new", nb.start, nb.end) or nb.start
                evidence = info.new.line_text(line)
                short = _short(nb.name)
                if short in _EQUALITY and new_kind == "constant" and value == "k:true":
                    self.out.add(TAMPER, info.path, line,
                                 f"`{nb.name}` now returns true for everything: every equality check passes",
                                 evidence, function=nb.name)
                    continue
                if new_kind == "empty" and (short in ("constructor", "TestMain", "init", "new")
                                            or short == _short(nb.name).capitalize() and info.lang == "java"):
                    continue  # TS parameter properties, Go init, empty constructors
                changed_test = self._changed_test_of(nb.name)
                severity = "block" if changed_test else None
                what = {"constant": f"a constant ({_show(value)})", "marker": "a not-implemented stub",
                        "empty": "nothing"}[new_kind]
                self.out.add(STUB, info.path, line,
                             f"the body of `{nb.name}` was replaced by {what}", evidence, severity=severity,
                             function=nb.name, test_changed=bool(severity), test=changed_test,
                             returns=_show(value) if value else None)
                if new_kind == "constant" and value and value not in TRIVIAL:
                    where = self.corpus.find([value], None, mention=short, lang=info.lang)
                    if where:
                        self.out.add(RETURNS, info.path, line,
                                     f"`{nb.name}` now returns {_show(value)}, the value its test expects",
                                     evidence, function=nb.name, test=where[1], literal=_show(value))
        self._go_testmain()

    def hunk_stubs(self) -> None:
        """A bare diff: a hunk that removes a body's code and adds back only
        `return <constant>;` (or nothing) replaced the body by a stub."""
        for info in self.infos:
            if info.is_test or info.new is None or not info.partial:
                continue
            for hunk in info.fc.hunks:
                gone = [ln for ln in hunk.lines if ln.kind == "-" and _strip_comments(ln.text, info.lang).strip()
                        not in ("", "{", "}", "};")]
                came = [ln for ln in hunk.lines if ln.kind == "+" and _strip_comments(ln.text, info.lang).strip()]
                if len(gone) < 2 or len(came) != 1 or any(_has_header(ln.text, info.lang) for ln in gone):
                    continue
                kind, value = _stub_kind(came[0].text, info.lang)
                if kind != "constant" or not _strip_comments(came[0].text, info.lang).strip().startswith("return"):
                    continue
                assert came[0].new_no is not None
                section = hunk.section.strip()
                self.out.add(STUB, info.path, came[0].new_no,
                             f"{len(gone)} lines of code replaced by `{came[0].text.strip()}`"
                             + (f" in `{section[:60]}`" if section else "") + " (only the diff's hunks were seen)",
                             came[0].text, severity="escalate", returns=_show(value) if value else None,
                             removed_lines=len(gone), hunks_only=True)

    def _go_testmain(self) -> None:
        for info in self.infos:
            if info.lang != "go" or info.new is None or "TestMain" not in info.new.text:
                continue
            for b in info.new.functions():
                if b.name != "TestMain" or not info.touched("new", b.start, b.end):
                    continue
                body = info.new.masked_body(b)
                if ".Run(" in body:
                    continue
                line = info.first_changed("new", b.start, b.end) or b.start
                self.out.add(TAMPER, info.path, line,
                             "TestMain no longer runs the tests (no m.Run()): `go test` passes without testing",
                             info.new.line_text(line), function="TestMain")

    # ------------------------------------------------------------ special cases

    def special_cases(self) -> None:
        # `if x == LIT` lines: (info, line, compared, returned)
        cands: List[Tuple[FileInfo, int, List[str], Optional[str]]] = []
        # `case LIT: return LIT` / `LIT => LIT` arms and `LIT: LIT` entries: path -> (line, key, value, is_arm)
        tables: Dict[str, List[Tuple[int, str, str, bool]]] = {}
        for info in self.infos:
            src = info.new
            if src is None or info.is_test or not info.added:
                continue
            code_lines = src.code.splitlines()
            numbers = info._sorted_added
            # Only lines that can do something are read one by one: an exit
            # call, or (without comments) an `if` / an arm / a `LIT: LIT` pair.
            exits: Set[int] = set()
            if any(w in src.text for w in _EXIT_WORDS):
                joined = self._joined(info)
                exits = {numbers[i] for i in joined.candidates(_EXIT_GATE)}
            code = _Joined([code_lines[n - 1] if n - 1 < len(code_lines) else "" for n in numbers])
            for n in sorted(exits.union(numbers[i] for i in code.candidates(_SPECIAL_GATE))):
                if info.is_test_code("new", n) or n - 1 >= len(code_lines):
                    continue
                text = code_lines[n - 1]
                if n in exits and _EXIT_OK.search(src.line_text(n)):
                    self._targeted_exit(info, n, code_lines)
                if not _HAS_LITERAL.search(text) or any(r.search(text) for r in _RUN_PATTERNS):
                    continue  # no literal, or a test-run check (its own rule)
                got = _special(text, code_lines, n, info.lang, info.added)
                if got is not None:
                    compared, returned, arm = got
                    if returned is None:
                        continue  # a branch on a literal that returns computed values: ordinary code
                    if arm:
                        tables.setdefault(info.path, []).extend((n, c, returned, True) for c in compared[:1])
                    elif compared:
                        cands.append((info, n, compared, returned))
                    continue
                for m in _PAIR.finditer(text):
                    key = literals(m.group(1))
                    val = literals(m.group(2))
                    if key and val and _telling(key[0][1]):
                        tables.setdefault(info.path, []).append((n, key[0][1], val[0][1], False))
        for info, n, compared, returned in cands:
            self._report_special(info, n, compared, returned)
        for path, pairs in tables.items():
            info = self.by_path[path]
            found = []
            for n, k, v, arm in pairs:
                where = self.corpus.find([k], v, mention=None, lang=info.lang)
                if where and where[0] == "together":
                    found.append((n, k, v, where[1]))
            distinct = {(k, v) for _n, k, v, _w in found}  # one header map written twice is not a table
            if len(distinct) >= 2 and len(found) * 2 >= len(pairs):
                assert info.new is not None
                n = found[0][0]
                fn = info.new.block_at(n, info.new.functions())
                self.out.add(TABLE, path, n,
                             f"new table of {len(found)} input/output pairs taken from the tests",
                             info.new.line_text(n), function=fn.name if fn else None,
                             test=found[0][3], literals=[f"{_show(k)} -> {_show(v)}" for _, k, v, _ in found[:6]])
                continue
            for n, k, v, arm in pairs:  # a lone `case LIT: return LIT` is a special case
                if arm:
                    self._report_special(info, n, [k], v)

    def _targeted_exit(self, info: FileInfo, n: int, code_lines: List[str]) -> None:
        """`exit(0)` under a new `if` that compares with literals: the run ends
        as a success on that one input."""
        src = info.new
        assert src is not None
        for k in range(n, max(0, n - 3), -1):
            if k not in info.added or k - 1 >= len(code_lines):
                break
            m = _IF.match(code_lines[k - 1])
            if not m:
                continue
            compared = [lit[0][1] for c in _CMP.finditer(m.group(1))
                        for lit in [literals(c.group(1) or c.group(2))] if lit and _telling(lit[0][1])]
            if not compared:
                return
            fn = src.block_at(n, src.functions())
            self.out.add(TAMPER, info.path, n,
                         f"the program exits with success (`exit(0)`) on the exact input(s) "
                         f"{', '.join(_show(c) for c in compared)}: a test run on them stops as passed",
                         src.line_text(n), function=fn.name if fn else None, pattern="targeted-exit",
                         literals=[_show(c) for c in compared], hunks_only=info.partial)
            return

    def _report_special(self, info: FileInfo, n: int, compared: List[str], returned: Optional[str]) -> None:
        src = info.new
        assert src is not None
        fn = src.block_at(n, src.functions())
        together = self.corpus.find(compared, returned, mention=None, lang=info.lang)
        shown = [_show(c) for c in compared] + ([_show(returned)] if returned else [])
        if together and together[0] == "together" and returned is not None:
            self.out.add(SPECIAL, info.path, n,
                         f"new special case for the literal(s) {', '.join(shown)} that a test uses together",
                         src.line_text(n), function=fn.name if fn else None, test=together[1], literals=shown)
        elif together:
            self.out.add(POSSIBLE, info.path, n,
                         f"new branch on the literal(s) {', '.join(shown)} that a test uses",
                         src.line_text(n), function=fn.name if fn else None, test=together[1], literals=shown)
        elif returned is not None and _pinpoint(compared):
            # no test in sight (a bare diff, or tests not in the repository):
            # still a special case when it pins several inputs or an unusual one
            remark = _test_remark(src, n, info)
            self.out.add(SPECIAL if remark else POSSIBLE, info.path, n,
                         f"new branch returns {_show(returned)} for the exact input(s) "
                         f"{', '.join(_show(c) for c in compared)}"
                         + (f", next to a comment about the test: {remark.strip()[:80]!r}" if remark else
                            "; no test using them was found" + (" (only the diff's hunks were seen)"
                                                                 if info.partial else "")),
                         src.line_text(n), severity="block" if remark else "escalate",
                         function=fn.name if fn else None, literals=shown, comment=remark.strip() or None,
                         hunks_only=info.partial)

    # ------------------------------------------------------------ call counts

    def call_counts(self) -> None:
        for info in self.infos:
            src = info.new
            if src is None or info.is_test or not info.added:
                continue
            incremented: Dict[str, int] = {}
            compared: Dict[str, int] = {}
            # A trick needs both a counter bumped and a branch on it: one
            # search over all added lines rules most files out at once.
            joined = self._joined(info).block[1:]
            if not _may_increment(joined) or not _INCREMENT.search(joined) or not _COUNT_IF.search(joined):
                continue
            lines = [(n, src.line_text(n)) for n in sorted(info.added)]
            for n, text in lines:
                if info.is_test_code("new", n):
                    continue
                for m in _INCREMENT.finditer(text):
                    name = next(g for g in m.groups() if g)
                    incremented.setdefault(name, n)
                for m in _COUNT_IF.finditer(text):
                    name = m.group(1)
                    nxt = src.line_text(n + 1)
                    if "return" in text[m.end():] or re.match(r"\s*return\b", nxt) or re.search(r"=>\s*\S", text):
                        compared.setdefault(name, n)
            for name, n in compared.items():
                if name not in incremented or not _module_state(src, name, info.lang):
                    continue
                fn = src.block_at(n, src.functions())
                self.out.add(COUNT, info.path, n,
                             f"the result depends on how many times the code was called (`{name}`)",
                             src.line_text(n), function=fn.name if fn else None, counter=name)

    # ------------------------------------------------------------ multi-line shapes

    def multiline(self) -> None:
        for info in self.infos:
            src = info.new
            if src is None or not info.added:
                continue
            masked = src.masked
            if info.lang in ("js", "java") and "catch" in masked:
                for m in _EMPTY_CATCH.finditer(masked):
                    n = src.line_of(m.start())
                    if n in info.added or src.line_of(m.end()) in info.added:
                        line = n if n in info.added else src.line_of(m.end())
                        self.out.add(SWALLOW, info.path, line, "an empty catch block swallows the error",
                                     src.line_text(line), pattern="empty-catch")
            if info.lang == "go" and "err" in masked:
                for m in _GO_ERR_NIL.finditer(masked):
                    fn = src.block_at(src.line_of(m.start()), src.functions())
                    empty = m.group(1) is None
                    if not empty and (fn is None or not re.search(r"\)\s*error\s*\{\s*$", fn.header)):
                        continue
                    lines = [src.line_of(m.start())] + ([src.line_of(m.start(1))] if m.group(1) else [])
                    first = next((x for x in lines if x in info.added), None)
                    if first is None:
                        continue
                    line = first
                    self.out.add(SWALLOW, info.path, line,
                                 "the error is checked and then dropped" if empty else
                                 "the error is checked and then `nil` is returned: the failure is hidden",
                                 src.line_text(line), pattern="go-err-return-nil",
                                 function=fn.name if fn else None)
            if info.lang == "rust" and "Err" in masked:
                for m in _RUST_ERR_EMPTY.finditer(masked):
                    n = src.line_of(m.start())
                    if n in info.added:
                        self.out.add(SWALLOW, info.path, n, "the error arm does nothing",
                                     src.line_text(n), pattern="rust-ignored-error")
            if info.lang == "js" and "expect.extend" in masked:
                for m in re.finditer(r"\bexpect\s*\.\s*extend\s*\(", masked):
                    close = match_paren(masked, m.end() - 1)
                    for pm in re.finditer(r"\bpass\s*:\s*true\b", masked[m.end():close]):
                        n = src.line_of(m.end() + pm.start())
                        if n in info.added:
                            self.out.add(TAMPER, info.path, n,
                                         "a custom matcher passes whatever it is given (`pass: true`)",
                                         src.line_text(n), pattern="js-forced-matcher")


# ====================================================================== corpus

class Corpus:
    """The literals of the tests: test files of the change (new side) and of
    the repository, read only when a special case needs them, indexed once
    per language (literal -> lines)."""

    def __init__(self, change: ChangeSet, infos: List[FileInfo]):
        self.change = change
        self.infos = infos
        self._files: Optional[List[Tuple[str, Source]]] = None
        self._index: Dict[str, "_LangIndex"] = {}

    def files(self) -> List[Tuple[str, Source]]:
        if self._files is not None:
            return self._files
        files: List[Tuple[str, Source]] = []
        seen: Set[str] = set()
        for info in self.infos:
            seen.add(info.path)
            if info.new is not None and info.has_tests("new"):
                files.append((info.path, info.new))
        total = 0
        try:
            listing = self.change.list_head()
        except Exception:  # an unreadable listing: the change's own tests only
            listing = ()
        langs = {i.lang for i in self.infos}
        for path in listing:
            if len(files) >= MAX_CORPUS_FILES or total >= MAX_CORPUS_BYTES:
                break
            lang = language(path)
            if path in seen or lang not in langs:
                continue
            if not is_test_file(path, self.change) and lang != "rust":
                continue
            try:
                text = self.change.read_head(path)
            except Exception:
                text = None
            if not text:
                continue
            if lang == "rust" and not is_test_file(path, self.change) and "#[test]" not in text:
                continue
            total += len(text)
            files.append((path, Source(path, text, lang)))
        self._files = files
        return files

    def index(self, lang: str) -> "_LangIndex":
        idx = self._index.get(lang)
        if idx is None:
            idx = _LangIndex([(p, s) for p, s in self.files() if s.lang == lang], self.change)
            self._index[lang] = idx
        return idx

    def find(self, compared: Sequence[str], returned: Optional[str], mention: Optional[str],
             lang: str) -> Optional[Tuple[str, str]]:
        """("together", where) when one of COMPARED and RETURNED appear in the
        same test (or within a few lines of each other in a test file);
        ("one", where) when only some of them appear; None when none does.
        With MENTION, only tests whose text mentions that name count."""
        return self.index(lang).find(compared, returned, mention)


class _LangIndex:
    def __init__(self, files: List[Tuple[str, Source]], change: ChangeSet):
        self.files = files
        self.lits: Dict[str, List[Tuple[int, int]]] = {}  # literal -> [(file, line)]
        for k, (path, src) in enumerate(files):
            keep = None if is_test_file(path, change) else _test_line_marks(src)
            for no, text in enumerate(src.code.splitlines(), 1):
                if keep is not None and not (no < len(keep) and keep[no]):
                    continue  # code under test in a file that also holds tests
                if not _HAS_ANY_LITERAL.search(text):
                    continue
                for _raw, norm, _off in literals(text):
                    hits = self.lits.setdefault(norm, [])
                    if not hits or hits[-1] != (k, no):
                        hits.append((k, no))

    def _test(self, k: int, line: int) -> Optional[Block]:
        _path, src = self.files[k]
        return src.block_at(line, src.tests())

    def find(self, compared: Sequence[str], returned: Optional[str],
             mention: Optional[str]) -> Optional[Tuple[str, str]]:
        c_hits = sorted({h for c in compared for h in self.lits.get(c, ())})
        r_hits = self.lits.get(returned, []) if returned else []
        mention_re = re.compile(r"\b" + re.escape(mention) + r"\b") if mention else None

        def ok(k: int, blk: Optional[Block]) -> bool:
            if mention_re is None:
                return True
            if blk is None:
                return False
            return bool(mention_re.search(self.files[k][1].body(blk)))

        r_by_file: Dict[int, List[int]] = {}
        for k, line in r_hits:
            r_by_file.setdefault(k, []).append(line)
        best: Optional[Tuple[str, str]] = None
        for k, line in c_hits:
            blk = self._test(k, line)
            if not ok(k, blk):
                continue
            path = self.files[k][0]
            where = _test_id(path, blk) if blk is not None else f"{path}:{line}"
            if returned is None:
                return ("together", where)
            for r in r_by_file.get(k, ()):
                rblk = self._test(k, r)
                if (blk is not None and rblk is blk) or (mention_re is None and abs(r - line) <= NEAR):
                    return ("together", where)
            if best is None:
                best = ("one", where)
        if best is None:
            for k, line in r_hits:
                blk = self._test(k, line)
                if ok(k, blk):
                    path = self.files[k][0]
                    return ("one", _test_id(path, blk) if blk is not None else f"{path}:{line}")
        return best


def _test_line_marks(src: Source) -> bytearray:
    """1 for each line of SRC that is test code (a test module or block)."""
    marks = bytearray(len(src.lines) + 2)
    regions: List[Tuple[int, int]] = [(b.start, b.end) for b in src.tests()]
    if src.lang == "rust":
        regions += rust_test_ranges(src.text)
    if src.lang == "js":
        for m in _VITEST_INSOURCE.finditer(src.masked):
            end = src.line_of(match_brace(src.masked, m.end() - 1))
            regions.append((src.line_of(m.start()), end))
    for a, b in regions:
        for n in range(max(a, 0), min(b, len(marks) - 1) + 1):
            marks[n] = 1
    return marks


_HAS_ANY_LITERAL = re.compile(r"""["'`\d]|\b(?:true|false|null|nil|undefined|None)\b""")


# ====================================================================== helpers

_TYPE_DECL = re.compile(r"\b(?:class|struct|interface|enum|trait|type)\s+([A-Za-z_]\w*)")


def _decl_names(src: Source, info: "FileInfo") -> Set[str]:
    """Names of the functions, classes and types declared by the code (not the tests) of SRC."""
    side = "new" if src is info.new else "old"
    names = {_short(b.name) for b in src.functions() if not info.is_test_code(side, b.start)}
    names |= set(_TYPE_DECL.findall(src.masked))
    return {n for n in names if len(n) > 2}


def _likeliest(info: FileInfo, ob: Block, candidates: List[Tuple[FileInfo, Block]],
               taken: Set[Tuple[str, str]]) -> Optional[Tuple[FileInfo, Block]]:
    """The new test of the same name most like OB (an agent may paste a second
    test of the same name next to the old one)."""
    free = [c for c in candidates if (c[0].path, c[1].name) not in taken or len(candidates) > 1]
    if len(free) <= 1:
        return free[0] if free else None
    assert info.old is not None
    old_body = _squash(info.old.body(ob))

    def score(c: Tuple[FileInfo, Block]) -> float:
        src = c[0].new
        body = _squash(src.body(c[1])) if src is not None else ""
        return difflib.SequenceMatcher(None, old_body, body, autojunk=False).quick_ratio()
    return max(free, key=score)


def _at_removed(info: FileInfo, stmt: "lang_hunks.Stmt") -> "lang_hunks.Stmt":
    """STMT reported on the removed line nearest above it (a finding sits on a changed line)."""
    lines = info._sorted_removed
    k = bisect.bisect_right(lines, stmt.line) - 1
    line = lines[k] if k >= 0 else (lines[0] if lines else stmt.line)
    src = info.old
    return stmt._replace(line=line, text=src.line_text(line) if src is not None else stmt.text)


def _test_id(path: str, block: Optional[Block]) -> str:
    return f"{path}::{block.name}" if block is not None else path


def _short(name: str) -> str:
    return re.split(r"\s*>\s*|[./]", name)[-1] if name else name


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _show(value: Optional[str]) -> str:
    if value is None:
        return ""
    kind, _, raw = value.partition(":")
    return repr(raw) if kind == "s" else raw


def _index(blocks: Iterable[Block]) -> Dict[Tuple[str, int], Block]:
    seen: Dict[str, int] = {}
    out: Dict[Tuple[str, int], Block] = {}
    for b in blocks:
        k = seen.get(b.name, 0)
        seen[b.name] = k + 1
        out[(b.name, k)] = b
    return out


def _same_function(old: Source, fn: Block) -> Optional[Block]:
    for b in old.functions():
        if b.name == fn.name:
            return b
    return None


def _from_hunks(fc: FileChange, side: str) -> str:
    """The lines a diff shows of one side, each at its line number (others empty)."""
    rows: Dict[int, str] = {}
    for ln in fc.lines():
        no = ln.new_no if side == "new" else ln.old_no
        if no is not None and (ln.kind == " " or ln.kind == ("+" if side == "new" else "-")):
            rows[no] = ln.text
    if not rows:
        return ""
    return "\n".join(rows.get(n, "") for n in range(1, max(rows) + 1)) + "\n"


def _anchor(info: FileInfo, start: int, end: int, anchor: str) -> Optional[int]:
    """The line a semgrep result is reported on: its first line, or the
    first added line of its range ("first-added"), or the first line of the
    range matching the anchor regex (an added one first)."""
    if not anchor:
        return start
    if anchor == "first-added":
        return info.first_changed("new", start, end)
    src = info.new
    assert src is not None
    try:
        pat = re.compile(anchor)
    except re.error:
        return start
    lines = [n for n in range(start, end + 1) if pat.search(src.line_text(n))]
    return next((n for n in lines if n in info.added), lines[0] if lines else start)


def _conditional(src: Source, offset: int, line: str) -> bool:
    """Is OFFSET (a skip) inside an if/else/switch, or on an `if` line?"""
    stripped = line.strip()
    if re.match(r"(?:\}\s*)?(?:if|else)\b", stripped):
        return True
    no = src.line_of(offset)
    prev = next((src.line_text(k).strip() for k in range(no - 1, max(0, no - 4), -1) if src.line_text(k).strip()), "")
    if re.match(r"(?:\}\s*)?(?:if|else)\b.*\)$", prev):  # `if (cond)` then the skip, no braces
        return True
    depth = 0
    masked = src.masked
    k = min(offset, len(masked)) - 1
    while k >= 0:
        c = masked[k]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                opener = src.line_text(src.line_of(k)).strip()
                return bool(re.match(r"(?:\}\s*)?(?:if|else|switch|case|select|default)\b", opener)) or \
                    bool(re.match(r"case\b.*:$", opener))
            depth -= 1
        k -= 1
    return False


# assertions by language; then the weak ones (truthiness, presence) among them
_ASSERT = {
    "js": re.compile(r"\bexpect\s*\(|\bassert\w*(?:\.\w+)?\s*\(|\.should\b|\bt\.(?:is|deepEqual|true|false|throws)\("),
    "go": re.compile(r"\b[a-z]\w*\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\(|\b(?:assert|require)\.\w+\("),
    "rust": re.compile(r"\b(?:debug_)?assert\w*!?\s*\(|\bpanic!\s*\(|#\[should_panic"),
    "java": re.compile(r"\b(?:Assert\.|Assertions\.)?(?:assert\w*|fail)\s*\(|\bverify\s*\("),
}
_WEAK_ASSERT = {
    "js": re.compile(r"\.\s*(?:toBeTruthy|toBeDefined|toBeFalsy|toHaveBeenCalled|toBeInstanceOf|toBeUndefined)\s*\(\s*\)"
                     r"|\.not\s*\.\s*(?:toBeNull|toBeUndefined|toThrow)\s*\(\s*\)|\.to\.(?:be\.)?(?:ok|exist)\b"
                     r"|\bassert(?:\.ok)?\s*\(|\.toThrow\(\s*\)"),
    "go": re.compile(r"\b(?:assert|require)\.(?:NotNil|Nil|NoError|True|False|NotEmpty|Error)\("),
    "rust": re.compile(r"\b(?:debug_)?assert!\s*\("),
    "java": re.compile(r"\bassert(?:NotNull|Null|True|False)\s*\(|\.is(?:NotNull|Null|True|False|NotEmpty)\(\)"
                       r"|\bassertThrows\(\s*(?:Exception|Throwable|RuntimeException)\.class"),
}
_TRIVIAL_ASSERT = {p.langs[0]: p.regex for p in P.PATTERNS if p.rule == WEAK}


def _assert_helpers(src: Source) -> Dict[str, Tuple[int, int]]:
    """Functions of a test file (not tests) that assert: name -> strength."""
    cached = src.cache.get("helpers")
    if isinstance(cached, dict):
        return cached
    helpers: Dict[str, Tuple[int, int]] = {}
    src.cache["helpers"] = helpers
    test_starts = {b.body_start for b in src.tests()}
    for fn in src.functions():
        if fn.body_start in test_starts or fn.name in ("describe", "it", "test"):
            continue
        strong, total = _count(src.lang, src.masked_body(fn), src.code[fn.body_start:fn.body_end])
        if total:
            helpers[_short(fn.name)] = (strong, total)
    return helpers


def _count(lang: str, masked: str, code: str) -> Tuple[int, int]:
    strong = total = 0
    for mline, cline in zip(masked.splitlines(), code.splitlines()):
        n = len(_ASSERT[lang].findall(mline))
        if not n:
            continue
        trivial = _TRIVIAL_ASSERT.get(lang)
        if trivial is not None and trivial.search(cline):
            continue
        total += n
        if not _WEAK_ASSERT[lang].search(cline):
            strong += n
    return strong, total


def _strength(src: Source, blk: Block, helpers: Dict[str, Tuple[int, int]]) -> Tuple[int, int]:
    masked = src.masked_body(blk)
    strong, total = _count(src.lang, masked, src.code[blk.body_start:blk.body_end])
    if src.lang == "rust" and "should_panic" in src.masked[max(0, blk.body_start - 400):blk.body_start]:
        header = src.masked[max(0, blk.body_start - 400):blk.body_start]
        if "#[should_panic" in header[header.rfind("fn "):] or header.count("should_panic"):
            strong += 1
            total += 1
    if helpers:
        for m in _CALL.finditer(masked):
            hit = helpers.get(m.group(1))
            if hit is not None:
                strong += hit[0]
                total += hit[1]
    return strong, total


_CALL = re.compile(r"(?<![\w.$])([A-Za-z_$][\w$]*)\s*\(")


_EXPECTISH = {
    lang: re.compile(_ASSERT[lang].pattern + r"|\b(?:want|expected|expect|exp|wanted|output|result)\w*\s*(?::=|=|:)"
                     + (r"|\bif\s+[^{]*(?:!=|==)" if lang == "go" else ""),  # Go: `if got != 4 {` holds the value
                     re.I)
    for lang in _ASSERT
}


_GO_MESSAGE = re.compile(r'(\b[a-z]\w*\.(?:Errorf|Error|Fatalf|Fatal|Logf|Log|Skipf|Skip)\(\s*)"(?:[^"\\]|\\.)*"')


def _no_message(text: str, lang: str) -> str:
    """TEXT without the failure message of a Go t.Errorf/t.Fatalf call (a
    reworded message is not a changed expected value)."""
    return _GO_MESSAGE.sub(r"\1", text) if lang == "go" else text


def _is_test_header(text: str) -> bool:
    return bool(re.match(r"\s*(?:it|test|describe|context|specify|x?it|f?it)(?:\.\w+)*\s*\(\s*['\"`]", text)
                or re.match(r"\s*(?:func\s+Test|\w+\.Run\(\s*\")", text))


def _called_names(text: str) -> List[str]:
    skip = {"expect", "assert", "assert_eq", "assert_ne", "assertEquals", "assertThat", "assertTrue",
            "assertFalse", "it", "test", "describe", "Errorf", "Fatalf", "Error", "Fatal", "Run", "toBe",
            "toEqual", "toStrictEqual", "if", "for", "while", "return", "func", "fn", "new", "Some", "Ok",
            "Err", "vec", "format", "println", "String", "Equal", "True", "t", "require", "isEqualTo"}
    names = []
    for m in re.finditer(r"([A-Za-z_$][\w$]*)\s*!?\(", text):
        n = m.group(1)
        if n not in skip and not n.startswith(("to", "assert")) and n not in names:
            names.append(n)
    return names


# stubs
_EQUALITY = frozenset({"equals", "eq", "Equal", "Equals", "isEqual", "matches", "Matches", "equal"})
_CONST = r"""(?:true|false|null|nil|undefined|None|-?\d[\w.]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`$]*`|\[\s*\]|\{\s*\}""" \
         r"""|vec!\[\s*\]|Vec::new\(\)|String::new\(\)|Default::default\(\)|\w+::default\(\)|new\s+\w+(?:<[^>]*>)?\(\s*\)""" \
         r"""|Collections\.\w+\(\)|List\.of\(\)|Optional\.empty\(\)|\(\s*\))"""
_WRAPPED = r"(?:(?:Ok|Some|Promise\.resolve|Optional\.of)\(\s*" + _CONST + r"\s*\)|" + _CONST + r")"
_CONST_STMT = re.compile(r"^(?:return\s+)?(" + _WRAPPED + r")(?:\s*,\s*(?:nil|" + _CONST + r"))?\s*;?$")
_MARKER_STMT = re.compile(
    r"""^(?:throw\s+new\s+\w*(?:Error|Exception)\s*\(.*\)|todo!\s*\(.*\)|unimplemented!\s*\(.*\)|panic!?\s*\(.*\))\s*;?$""",
    re.S)
_SILENCE_STMT = re.compile(r"^(?:_\s*=\s*\w+|void\s+\w+|let\s+_\w*\s*=\s*\w+|\(void\)\s*\w+)\s*;?$")


def _stub_kind(body: str, lang: str) -> Tuple[Optional[str], Optional[str]]:
    """("constant", literal) / ("marker", None) / ("empty", None) when BODY is
    a stub, else (None, None)."""
    code = _strip_comments(body, lang).strip()
    if not code:
        return "empty", None
    stmts = [s.strip() for s in re.split(r";\s*|\n", code) if s.strip()]
    stmts = [s for s in stmts if not _SILENCE_STMT.match(s)]
    if not stmts:
        return "empty", None
    if len(stmts) != 1:
        return None, None
    s = stmts[0]
    if _MARKER_STMT.match(s):
        return "marker", None
    m = _CONST_STMT.match(s)
    if m:
        if lang != "rust" and not s.startswith("return") and lang != "js":
            return None, None
        if lang == "js" and not s.startswith("return"):
            return None, None
        lits = literals(m.group(1))
        return "constant", lits[0][1] if lits else "k:empty"
    return None, None


def _strip_comments(text: str, lang: str) -> str:
    from guardrails.checks.test_stub.lang_scan import mask
    return mask(text, lang, strings=False)


# special cases
def _telling(value: str) -> bool:
    """Is a compared literal specific enough to be a test's input? Not 0, 1,
    "", true, null, nor a one-character string (a parser's token)."""
    return value not in TRIVIAL and not (value.startswith("s:") and len(value) <= 3)


# A number starts a token (not inside one): a 100,000-digit line is one
# candidate, not 100,000 that each scan to its end (quadratic time).
_LIT_RE = r"""(?:(?<![\w.])-?\d[\w.]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`$\\]*`)"""
_HAS_LITERAL = re.compile(_LIT_RE)
_IF = re.compile(r"^\s*(?:\}\s*)?(?:else\s+)?if\b(.*)$")
_CMP = re.compile(r"(?:===?|\.equals\(\s*|\.equalsIgnoreCase\(\s*|\bis\s+)\s*(" + _LIT_RE + r")|(" + _LIT_RE
                  + r")\s*(?:===?|\.equals\()")
_RET = re.compile(r"\breturn\s+(?:Ok\(|Some\(|Promise\.resolve\()?\s*(" + _LIT_RE + r"|true|false)")
_RUST_TAIL = re.compile(r"\{\s*(?:Ok\(|Some\()?\s*(" + _LIT_RE + r")\s*\)?\s*\}")
_ARM = re.compile(r"^\s*(?:case\s+)?(" + _LIT_RE + r"(?:\s*(?:\||,)\s*" + _LIT_RE + r")*)\s*(?:=>|->|:)\s*(.*)$")
_PAIR = re.compile(r"(" + _LIT_RE + r")\s*(?::|=>)\s*(" + _LIT_RE + r")\s*,?\s*(?:\}|\)|$)")
# The lines special_cases reads (over the added lines joined, each after a
# "\n"): every line that _IF or _ARM matches from its start or that holds a
# _PAIR is one of them (a literal starts with a digit, "-", or a quote). Space
# is [^\S\n] so a match stays on its line.
_SPECIAL_GATE = re.compile(r"""\n[^\S\n]*(?:\}[^\S\n]*)?(?:else[^\S\n]+)?if\b"""
                           r"""|\n[^\S\n]*(?:case[^\S\n]+)?[-\d"'`]"""
                           r"""|:[^\S\n]*[-\d"'`]|=>[^\S\n]*[-\d"'`]""")


def _special(text: str, code_lines: List[str], n: int, lang: str,
             added: frozenset) -> Optional[Tuple[List[str], Optional[str], bool]]:
    """(compared literals, returned literal) for an `if x == LIT` /
    `case LIT:` / `LIT =>` line, else None."""
    m = _IF.match(text)
    compared: List[str] = []
    rest = ""
    if m:
        cond = m.group(1)
        if "!=" in cond and "==" not in cond.replace("!=", ""):
            return None
        for c in _CMP.finditer(cond):
            raw = c.group(1) or c.group(2)
            lit = literals(raw)
            if lit and _telling(lit[0][1]):
                compared.append(lit[0][1])
        rest = cond
    else:
        a = _ARM.match(text)
        if not a or (lang == "js" and not text.lstrip().startswith("case")) or \
                (lang == "java" and not text.lstrip().startswith("case")):
            return None
        if lang == "go" and not text.lstrip().startswith("case"):
            return None
        for raw, norm, _ in literals(a.group(1)):
            if _telling(norm):
                compared.append(norm)
        rest = a.group(2)
        if lang in ("rust", "java") and not rest.strip().startswith(("return", "{")):
            lit = literals(rest.strip().rstrip(","))
            if lit and re.fullmatch(r"(?:Ok\(|Some\()?\s*" + _LIT_RE + r"\s*\)?\s*[,;]?", rest.strip()):
                return (compared, lit[0][1], True) if compared else None
    if not compared:
        return None
    returned = None
    r = _RET.search(rest) or (_RUST_TAIL.search(rest) if lang == "rust" else None)
    # the body on the next line(s) only when this line ends with the condition or `{` (or `case X:`)
    if r is None and re.search(r"[{):]\s*$", text.rstrip()):
        for k in (n, n + 1):
            if k < len(code_lines) and (k + 1) in added:
                nxt = code_lines[k].strip()
                if not nxt or nxt == "{":
                    continue
                r = _RET.match(nxt) or (re.match(r"^(?:Ok\(|Some\()?\s*(" + _LIT_RE + r")\s*\)?\s*$", nxt)
                                        if lang == "rust" else None)
                break
    if r is not None:
        lit = literals(r.group(1))
        returned = lit[0][1] if lit else None
    return compared, returned, m is None


def _has_header(text: str, lang: str) -> bool:
    """Does TEXT declare a function or a type (a removed declaration is not a replaced body)?"""
    return bool(re.search(r"\b(?:function|class|interface|func|fn|def|struct|enum|impl)\b|"
                          r"^\s*(?:public|private|protected|static)\b[^=;]*\(", text))


def _pinpoint(compared: List[str]) -> bool:
    """Several literals compared at once, or one long or unusual literal."""
    telling = [c for c in compared if _telling(c)]
    if len(set(telling)) >= 2:
        return True
    for c in telling:
        kind, _, raw = c.partition(":")
        if kind == "s" and len(raw) >= 12 and not re.fullmatch(r"[\w./+-]*(?:json|xml|html|text|utf-?8)[\w./+-]*", raw, re.I):
            return True
        if kind == "n" and len(re.sub(r"[^0-9]", "", raw).strip("0")) >= 5:
            return True
    return False


# A comment mark ("//", "#", "/*", "*") followed on its line by a word about
# tests; group "at" starts at the line's first mark. Only that mark is tried (a
# word after any mark is after the first one), where trying every mark of a
# long line took quadratic time. For one line (no line break) at a time.
_REMARK = re.compile(rf"^[^/#*\n]*{_P}(?:/(?![/*])[^/#*\n]*{_P})*{_P}"
                     r"(?P<at>(?://|#|/\*|\*).*\b(?:tests?|expected|expects|expectation|assert\w*|flawed|"
                     r"wrong test|broken test|make\s+\w+\s+pass|to\s+pass)\b)", re.I)


def _test_remark(src: Source, n: int, info: "FileInfo") -> str:
    """An added comment within 3 lines of line N that speaks of a test or an expected value."""
    for k in range(max(1, n - 3), n + 4):
        if k in info.added:
            text = src.line_text(k)
            m = _REMARK.search(text)
            if m:
                return text[m.start("at"):]
    return ""


_EXIT_OK = re.compile(r"\b(?:process\.exit|System\.exit|Runtime\.getRuntime\(\)\.(?:exit|halt)|os\.Exit|"
                      r"(?:std::)?process::exit)\s*\(\s*0?\s*\)")
# Every _EXIT_OK match holds one of these words; the gate finds its lines.
_EXIT_WORDS = ("exit", "Exit", "halt")
_EXIT_GATE = re.compile(r"exit|Exit|halt")


# call counts
_INCREMENT = re.compile(r"\b([A-Za-z_$][\w$]*)\s*(?:\+\+|\+=\s*1\b)|\+\+\s*([A-Za-z_$][\w$]*)"
                        r"|\b([A-Za-z_$][\w$]*)\s*\.\s*(?:fetch_add|incrementAndGet|getAndIncrement|Add)\s*\(")
# Literal parts one of which every _INCREMENT match holds ("++", "+= 1",
# ".fetch_add(" ...): a file without them needs no _INCREMENT search (a
# search that starts with an identifier tries every position of the file).
_PLUS_ONE = re.compile(r"\+=\s*1\b")
_ATOMIC_ADD = re.compile(r"\.\s*(?:fetch_add|incrementAndGet|getAndIncrement|Add)\s*\(")


def _may_increment(text: str) -> bool:
    return "++" in text or ("+=" in text and _PLUS_ONE.search(text) is not None) or (
        any(w in text for w in ("fetch_add", "incrementAndGet", "getAndIncrement", "Add"))
        and _ATOMIC_ADD.search(text) is not None)


_COUNT_IF = re.compile(r"\bif\s*\(?\s*([A-Za-z_$][\w$]*)(?:\s*\.\s*(?:load|get)\s*\([^)]*\))?\s*"
                       r"(?:===?|>=?|<=?|%\s*\d+\s*===?)\s*\d+")


def _module_state(src: Source, name: str, lang: str) -> bool:
    """Is NAME declared at the top level of the file or as a static?"""
    decl = re.compile(r"^(?:export\s+)?(?:let|var|static|const|private\s+static|static\s+\w+|public\s+static|"
                      r"protected\s+static)\b[^=\n;]*\b" + re.escape(name) + r"\b", re.M)
    for m in decl.finditer(src.masked):
        return True
    if re.search(r"^\s+(?:private\s+|public\s+|protected\s+)?static\b[^=\n;(]*\b" + re.escape(name) + r"\b",
                 src.masked, re.M):
        return True
    if lang == "go" and re.search(r"^var\s+(?:\(\s*)?" + re.escape(name) + r"\b|^\s+" + re.escape(name)
                                  + r"\s+(?:int|uint|int64|int32|atomic\.)", src.masked, re.M):
        return bool(re.search(r"^var\b", src.masked, re.M))
    return False


_EMPTY_CATCH = re.compile(r"\bcatch\s*(?:\([^)]*\))?\s*\{\s*\}")
_GO_ERR_NIL = re.compile(r"\bif\s+err\s*!=\s*nil\s*\{\s*(return\s+nil\s*)?\}")
_RUST_ERR_EMPTY = re.compile(r"\bErr\(\s*_\w*\s*\)\s*=>\s*(?:\{\s*\}|\(\s*\))")


def _package_json(change: ChangeSet, out: Out) -> None:
    for fc in change.files:
        if posixpath.basename(fc.path) != "package.json" or fc.is_binary:
            continue
        for ln in fc.added():
            if re.match(r"""\s*"test"\s*:\s*"(?:exit 0|true|:|echo[^"]*|)"\s*,?\s*$""", ln.text):
                out.add(TAMPER, fc.path, ln.new_no or 0,
                        "the `test` script no longer runs the tests", ln.text, pattern="package-json-test-script")
