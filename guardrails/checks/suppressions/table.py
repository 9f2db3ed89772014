"""THE table: every inline suppression we know, one row each, as data.

A row says which tool reads the directive, in which languages, whether it
lives in a comment or in code (Rust attributes, Java annotations, pragmas),
the regex that finds it (named groups ``mode`` and ``codes``), what its
modes mean for scope, which codes mean "everything", how a written reason
follows it, and which directive closes its range.  The few tools whose
reading cannot be said with a regex (flake8 and ruff disagree about
``# noqa``, pyright and mypy about ``# type: ignore [x]``) name a reading in
``readings.py``.

Patterns run on a comment's *body*: for ``#`` languages the whole comment
including the ``#``; for ``//`` and ``/* */`` the text inside the
delimiters.  Code rows run on the file with comments and strings blanked.
"""
from __future__ import annotations

import re
from typing import FrozenSet, Mapping, NamedTuple, Optional, Pattern, Tuple

from guardrails.checks.suppressions.scan import CS, GO, JAVA, JS, PY, RUBY, RUST, SH, C

ALL_LANGS = (PY, JS, GO, RUST, JAVA, C, CS, RUBY, SH)
HASH_LANGS = (PY, RUBY, SH)

# Kinds of suppression.
LINT = "lint"
TYPE = "type"
SECURITY = "security"
COVERAGE = "coverage"
FORMAT = "format"

# Scopes.
LINE = "line"
NEXT_LINE = "next-line"
FILE = "file"
REST = "rest-of-file"  # until a closing directive (then "range") or the end of the file
RANGE = "range"
BLOCK = "block"  # the enclosing block (pylint); at module level: the rest of the file
ITEM = "item"  # the annotated function, class, statement

I = re.IGNORECASE

# How a written reason follows the directive (searched in the text after it,
# up to the next directive in the same comment).
R_HASH = re.compile(r"#[\s#]*(?P<r>[^#].*\S)")
R_DASH = re.compile(r"^\s*--+\s*(?P<r>[\s\S]*\S)")
R_DASH_OR_HASH = re.compile(r"^\s*(?:--+|#)\s*(?P<r>.*\S)")
R_SLASH = re.compile(r"//+\s*(?P<r>.*\S)")
R_TEXT = re.compile(r"^[\s:#,;.\-\u2013\u2014*/]*(?P<r>[^\s][\s\S]*?)[\s*/]*$")

CODE_WORDS = re.compile(r"[^\s,]+")
CODE_COMMAS = re.compile(r"[^,]*[^\s,][^,]*")  # comma-separated, spaces kept inside
QUOTED = re.compile(r'"([^"\n]*)"')


class Row(NamedTuple):
    key: str  # stable name of the directive: "noqa", "eslint-disable", ...
    tool: str  # who reads it
    langs: Tuple[str, ...]
    kind: str  # LINT, TYPE, SECURITY, COVERAGE, FORMAT
    scope: str  # default scope
    pattern: Pattern[str]
    marker: str  # prefilter: literal substrings separated by "|", matched case-insensitively
    where: str = "comment"  # "comment" or "code"
    codes: Optional[Pattern[str]] = CODE_WORDS  # findall over the ``codes`` group
    blanket: FrozenSet[str] = frozenset()  # codes (lower case) meaning "everything"
    no_codes: str = "blanket"  # no codes means: "blanket", "none" (not applicable), "malformed"
    reason: Optional[Pattern[str]] = None
    modes: Mapping[str, str] = {}  # ``mode`` group (lower case, no spaces) -> scope
    inline_scope: str = ""  # the scope when code precedes the comment on its line
    end: Optional[Pattern[str]] = None  # closes a REST scope (``codes`` group: which ones)
    reading: str = ""  # a function in readings.py that reads it instead
    effect: str = "suppress"  # "none": no tool reads it as written (malformed)
    note: str = ""  # for effect "none": why
    end_needle: str = ""  # a literal every closing directive contains (a cheap filter)


def rx(pattern: str, flags: int = 0) -> Pattern[str]:
    return re.compile(pattern, flags)


ROWS: Tuple[Row, ...] = (
    # ---------------------------------------------------------------- Python
    Row("file-noqa", "ruff/flake8", (PY,), LINT, FILE,
        rx(r"#\s*(?:ruff|flake8)\s*[:=]\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[A-Za-z]+[0-9]*(?:[\s,]+[A-Za-z]+[0-9]*)*))?", I),
        r"noqa", reason=R_HASH),
    Row("noqa", "ruff/flake8", (PY,), LINT, LINE, rx(r"#\s*noqa", I), r"noqa", reading="noqa", reason=R_TEXT),
    Row("type-ignore", "mypy/pyright", (PY,), TYPE, LINE, rx(r"#\s*type:\s*ignore(?![\w-])"), r"ignore",
        reading="type_ignore", reason=R_HASH),
    Row("type-ignore-no-colon", "mypy/pyright", (PY,), TYPE, LINE, rx(r"#\s*type\s+ignore(?![\w-])"),
        r"ignore", effect="none", no_codes="none",
        note="neither mypy nor pyright reads `type ignore` without the colon: it silences nothing"),
    Row("pyright-ignore", "pyright", (PY,), TYPE, LINE, rx(r"#\s*pyright:\s*ignore(?![\w-])"), r"pyright",
        reading="type_ignore", reason=R_HASH),
    Row("pyright-comment", "pyright", (PY,), TYPE, FILE, rx(r"#\s*pyright:\s*(?!ignore\b)(?P<codes>[^#\n]+)"),
        r"pyright", reading="pyright_comment", reason=R_HASH),
    Row("mypy-comment", "mypy", (PY,), TYPE, FILE, rx(r"#\s*mypy:\s*(?P<codes>[^#\n]+)"), r"mypy:",
        reading="mypy_comment", reason=R_HASH),
    Row("pytype", "pytype", (PY,), TYPE, REST,
        rx(r"#\s*pytype:\s*(?P<mode>disable|skip-file)\b(?:\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*))?"),
        r"pytype", end_needle="pytype", modes={"skip-file": FILE}, inline_scope=LINE, reason=R_HASH,
        end=rx(r"#\s*pytype:\s*enable\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)")),
    Row("pylint", "pylint", (PY,), LINT, BLOCK,
        rx(r"#\s*pylint\s*:\s*(?P<mode>disable-next|disable-line|disable|skip-file)\b"
           r"(?:\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*))?"),
        r"pylint", end_needle="pylint", blanket=frozenset({"all"}), reason=R_HASH, inline_scope=LINE,
        modes={"disable-next": NEXT_LINE, "disable-line": LINE, "skip-file": FILE},
        end=rx(r"#\s*pylint\s*:\s*enable\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)")),
    Row("nosec", "bandit", (PY,), SECURITY, LINE,
        rx(r"#\s*nosec\b(?::?[ \t]*(?P<codes>B\d{3}(?:[ \t,]+B\d{3})*))?", I), r"nosec", reason=R_TEXT),
    Row("pragma-no-cover", "coverage.py", (PY,), COVERAGE, BLOCK,
        rx(r"#\s*pragma[:\s]?\s*no\s*(?P<codes>cover|branch)\b", I), r"pragma", no_codes="none"),
    Row("fmt-off", "black/ruff format", (PY,), FORMAT, REST,
        rx(r"#\s*(?P<mode>fmt:\s*(?:off|skip)|yapf:\s*disable|isort:\s*(?:skip_file|skip|off))(?![\w-])"),
        r"fmt:|yapf:|isort:", no_codes="none",
        modes={"fmt:skip": LINE, "isort:skip": LINE, "isort:skip_file": FILE},
        end=rx(r"#\s*(?:fmt:\s*on|yapf:\s*enable|isort:\s*on)\b")),
    Row("ruff-range", "ruff", (PY,), LINT, REST,
        rx(r"#\s*ruff\s*:\s*(?P<mode>disable|ignore|file-ignore)(?![\w-])\s*(?:\[(?P<codes>[^\]\n]*)\])?"),
        r"ruff", end_needle="ruff", no_codes="malformed", reason=R_TEXT, inline_scope=LINE,
        modes={"ignore": NEXT_LINE, "file-ignore": FILE},
        end=rx(r"#\s*ruff\s*:\s*enable\s*\[(?P<codes>[^\]\n]*)\]")),
    # ------------------------------------------------- JavaScript/TypeScript
    Row("eslint-disable", "eslint", (JS,), LINT, REST,
        rx(r"^\s*eslint-disable(?P<mode>-next-line|-line)?(?![\w-])(?P<codes>[\s\S]*?)(?=\s--(?:\s|\Z)|\s*\Z)"),
        r"eslint", codes=CODE_COMMAS, end_needle="eslint-enable", reason=R_DASH,
        modes={"-next-line": NEXT_LINE, "-line": LINE},
        end=rx(r"^\s*eslint-enable(?![\w-])(?P<codes>[\s\S]*?)(?=\s--(?:\s|\Z)|\s*\Z)")),
    Row("eslint-config", "eslint", (JS,), LINT, FILE, rx(r"^\s*eslint\s+(?P<codes>[\s\S]+)"), r"eslint",
        reading="eslint_config", reason=R_DASH),
    Row("ts-ignore", "typescript", (JS,), TYPE, NEXT_LINE,
        rx(r"(?:^|(?<=[\r\u2028\u2029]))[\s*/]*@ts-(?P<mode>ignore|expect-error)(?![\w-])", re.M), r"@ts-", no_codes="blanket",
        codes=None, reason=R_TEXT),
    Row("ts-nocheck", "typescript", (JS,), TYPE, FILE, rx(r"(?:^|(?<=[\r\u2028\u2029]))[\s*/]*@ts-nocheck(?![\w-])", re.M), r"@ts-",
        codes=None, reason=R_TEXT, reading="ts_nocheck"),
    Row("tslint", "tslint", (JS,), LINT, REST,
        rx(r"^\s*tslint:disable(?P<mode>-next-line|-line)?(?![\w-])(?::(?P<codes>[^\n*]*))?"), r"tslint", end_needle="tslint:enable",
        modes={"-next-line": NEXT_LINE, "-line": LINE}, reason=R_DASH,
        end=rx(r"^\s*tslint:enable(?![\w-])(?::(?P<codes>[^\n*]*))?")),
    Row("biome-ignore", "biome", (JS,), LINT, NEXT_LINE,
        rx(r"^\s*biome-ignore(?P<mode>-all|-start)?\s+(?P<codes>[^:\s]+(?:\s+[^:\s]+)*)\s*(?=:|\Z)"), r"biome-ignore", end_needle="biome-ignore-end",
        reading="biome", reason=R_TEXT, modes={"-all": FILE, "-start": REST},
        end=rx(r"^\s*biome-ignore-end\s+(?P<codes>[^:\s]+(?:\s+[^:\s]+)*)")),
    Row("deno-lint-ignore", "deno lint", (JS,), LINT, NEXT_LINE,
        rx(r"^\s*deno-lint-ignore(?P<mode>-file)?(?![\w-])(?P<codes>(?:[ \t]+[\w-]+)*)"), r"deno-lint",
        modes={"-file": FILE}, reason=R_DASH),
    Row("coverage-ignore", "istanbul/c8/v8", (JS,), COVERAGE, NEXT_LINE,
        rx(r"^\s*(?:istanbul|[cv]8)\s+ignore(?!\s+stop\b)(?:\s+(?P<mode>next|if|else|file|start|line))?(?![\w-])"),
        r"istanbul|c8 ignore|v8 ignore", no_codes="none", reason=R_TEXT, modes={"start": REST, "file": FILE},
        end=rx(r"^\s*[cv]8\s+ignore\s+stop\b"), end_needle="stop"),
    Row("node-coverage", "node --test", (JS,), COVERAGE, NEXT_LINE,
        rx(r"^\s*node:coverage\s+(?P<mode>ignore\s+next|disable)\b"), r"node:coverage", no_codes="none",
        modes={"disable": REST}, end=rx(r"^\s*node:coverage\s+enable\b"), end_needle="enable"),
    Row("prettier-ignore", "prettier", (JS,), FORMAT, NEXT_LINE, rx(r"^\s*prettier-ignore\b"), r"prettier-ignore",
        no_codes="none"),
    # -------------------------------------------------------------------- Go
    Row("nolint", "golangci-lint", (GO,), LINT, ITEM, rx(r"^\s*nolint(?=[:\s]|\Z)"), r"nolint", reading="nolint",
        blanket=frozenset({"all"}), reason=R_SLASH, inline_scope=LINE),
    Row("staticcheck", "staticcheck", (GO,), LINT, NEXT_LINE,
        rx(r"^\s*lint:(?P<mode>ignore|file-ignore)\s+(?P<codes>[\w,*]+)"), r"lint:", modes={"file-ignore": FILE},
        blanket=frozenset({"*"}), codes=re.compile(r"[^,]+"), reason=R_TEXT),
    Row("gosec", "gosec", (GO,), SECURITY, LINE,
        rx(r"#nosec\b(?:[ \t]+(?P<codes>G\d{3}(?:[ \t,]+G\d{3})*))?"), r"#nosec", reason=R_TEXT),
    # ------------------------------------------------------------------ Rust
    Row("rust-allow", "rustc/clippy", (RUST,), LINT, ITEM,
        rx(r"#(?P<mode>!?)\[\s*(?:cfg_attr\s*\([^\[\]]*?,\s*)?(?:allow|expect)\s*\((?P<codes>[^\[\]]*?)\)\s*\)?\s*\]"),
        r"allow|[expect", where="code", reading="rust_allow", modes={"!": FILE},
        blanket=frozenset({"warnings", "unused", "clippy::all", "clippy::pedantic", "clippy::nursery",
                           "clippy::restriction", "clippy::style", "clippy::complexity", "clippy::perf",
                           "clippy::correctness", "clippy::suspicious", "clippy::cargo", "nonstandard_style",
                           "future_incompatible", "rust_2018_idioms", "let_underscore"})),
    Row("rustfmt-skip", "rustfmt", (RUST,), FORMAT, ITEM, rx(r"#!?\[\s*rustfmt::skip\b"), r"rustfmt", where="code",
        no_codes="none"),
    # -------------------------------------------------------- Java / Kotlin
    Row("suppress-annotation", "javac/kotlinc/linters", (JAVA,), LINT, ITEM,
        rx(r"@(?P<mode>file:Suppress|(?:java\.lang\.)?SuppressWarnings|Suppress|SuppressLint|SuppressFBWarnings)"
           r"\s*\((?P<codes>[^()]*)\)"),
        r"suppress", where="code", reading="annotation",
        blanket=frozenset({"all"}), modes={"file:suppress": FILE}, reason=R_SLASH),
    Row("nopmd", "pmd", (JAVA,), LINT, LINE, rx(r"\bNOPMD\b"), r"NOPMD", codes=None, reason=R_TEXT),
    Row("checkstyle-off", "checkstyle", (JAVA,), LINT, REST,
        rx(r"\bCHECKSTYLE[:.]OFF\b(?::?[ \t]*(?P<codes>[\w|]+(?:[ \t]*,[ \t]*[\w|]+)*))?"), r"CHECKSTYLE", end_needle="checkstyle",
        codes=re.compile(r"[^\s,|]+"), reason=R_TEXT,
        end=rx(r"\bCHECKSTYLE[:.]ON\b(?::?[ \t]*(?P<codes>[\w|]+(?:[ \t]*,[ \t]*[\w|]+)*))?")),
    Row("noinspection", "intellij", (JAVA,), LINT, NEXT_LINE, rx(r"^\s*noinspection\s+(?P<codes>[\w, \t]+)"),
        r"noinspection", blanket=frozenset({"all"}), reason=R_TEXT),
    Row("ktlint-disable", "ktlint", (JAVA,), LINT, REST,
        rx(r"^\s*ktlint-disable(?![\w-])(?P<codes>(?:[ \t]+[\w:-]+)*)"), r"ktlint", end_needle="ktlint-enable",
        inline_scope=LINE, end=rx(r"^\s*ktlint-enable(?![\w-])(?P<codes>(?:[ \t]+[\w:-]+)*)")),
    # ----------------------------------------------------------------- C/C++
    Row("nolint-clang", "clang-tidy", (C,), LINT, LINE,
        rx(r"\bNOLINT(?P<mode>NEXTLINE|BEGIN)?(?![A-Za-z_])(?:\((?P<codes>[^)\n]*)\))?"), r"NOLINT", end_needle="nolintend",
        blanket=frozenset({"*"}), reason=R_TEXT, modes={"nextline": NEXT_LINE, "begin": REST},
        codes=re.compile(r"[^\s,]+"), end=rx(r"\bNOLINTEND\b(?:\((?P<codes>[^)\n]*)\))?")),
    Row("pragma-diagnostic", "gcc/clang", (C,), LINT, REST,
        rx(r"#[ \t]*pragma[ \t]+(?:GCC|clang)[ \t]+diagnostic[ \t]+ignored[ \t]+(?P<codes>\"[^\"\n]*\")"),
        r"pragma", where="code", codes=QUOTED, reason=R_SLASH,
        end=rx(r"#[ \t]*pragma[ \t]+(?:GCC|clang)[ \t]+diagnostic[ \t]+pop\b")),
    Row("pragma-warning-msvc", "msvc", (C,), LINT, REST,
        rx(r"#[ \t]*pragma[ \t]+warning[ \t]*\([ \t]*disable[ \t]*:[ \t]*(?P<codes>[\d \t]+)\)"), r"pragma",
        where="code", reason=R_SLASH, end=rx(r"#[ \t]*pragma[ \t]+warning[ \t]*\([ \t]*(?:pop|default)\b")),
    Row("cppcheck-suppress", "cppcheck", (C,), LINT, NEXT_LINE,
        rx(r"^\s*cppcheck-suppress(?P<mode>-file)?\s+(?P<codes>[\w\[\]:.-]+)"), r"cppcheck",
        modes={"-file": FILE}, inline_scope=LINE, reason=R_TEXT),
    # -------------------------------------------------------------------- C#
    Row("pragma-warning-cs", "c# compiler/analyzers", (CS,), LINT, REST,
        rx(r"#[ \t]*pragma[ \t]+warning[ \t]+disable\b(?P<codes>[ \t\w,]*)"), r"pragma", where="code",
        reason=R_SLASH, end=rx(r"#[ \t]*pragma[ \t]+warning[ \t]+restore\b(?P<codes>[ \t\w,]*)")),
    Row("suppress-message", "c# analyzers", (CS,), LINT, ITEM,
        rx(r"\[\s*(?P<mode>assembly\s*:\s*|module\s*:\s*)?(?:System\.Diagnostics\.CodeAnalysis\.)?"
           r"SuppressMessage(?:Attribute)?\s*\((?P<codes>[^()]*)\)"),
        r"SuppressMessage", where="code", reading="annotation",
        modes={"assembly:": FILE, "module:": FILE}),
    Row("resharper", "resharper/rider", (CS, JS, JAVA), LINT, REST,
        rx(r"^\s*ReSharper\s+disable(?P<mode>\s+once)?\s+(?P<codes>[\w, \t]+)"), r"ReSharper", end_needle="restore",
        blanket=frozenset({"all"}), modes={"once": NEXT_LINE}, reason=R_TEXT,
        end=rx(r"^\s*ReSharper\s+restore\s+(?P<codes>[\w, \t]+)")),
    # ------------------------------------------------------------------ Ruby
    Row("rubocop", "rubocop", (RUBY,), LINT, REST,
        rx(r"#\s*(?:rubocop|standard)\s*:\s*(?:disable|todo)\b[ \t]*(?P<codes>[\w/]+(?:[ \t]*,[ \t]*[\w/]+)*)?"),
        r"rubocop|standard", end_needle="enable", blanket=frozenset({"all"}), inline_scope=LINE, reason=R_DASH_OR_HASH,
        end=rx(r"#\s*(?:rubocop|standard)\s*:\s*enable\b[ \t]*(?P<codes>[\w/]+(?:[ \t]*,[ \t]*[\w/]+)*)?")),
    Row("nocov", "simplecov", (RUBY,), COVERAGE, REST, rx(r"#\s*:nocov:"), r":nocov:", no_codes="none"),
    Row("sorbet-sigil", "sorbet", (RUBY,), TYPE, FILE, rx(r"#\s*typed:\s*(?P<codes>ignore|false)\b"), r"typed:",
        blanket=frozenset({"ignore", "false"})),
    # ----------------------------------------------------------------- shell
    Row("shellcheck", "shellcheck", (SH,), LINT, NEXT_LINE,
        rx(r"#\s*shellcheck\s+(?:[\w-]+=\S+\s+)*disable=(?P<codes>[\w,-]+)"), r"shellcheck",
        blanket=frozenset({"all"}), codes=re.compile(r"[^,]+"), reason=R_HASH, reading="shellcheck"),
    # ------------------------------------------------------ every language
    Row("nosemgrep", "semgrep", ALL_LANGS, SECURITY, LINE,
        rx(r"\bnosemgrep\b(?:[ \t]*:[ \t]*(?P<codes>[\w.\-/]+(?:[ \t]*,[ \t]*[\w.\-/]+)*))?"), r"nosemgrep",
        reason=R_TEXT),
    Row("clang-format-off", "clang-format/IDE formatters", (C, JAVA, JS, CS, GO, RUST), FORMAT, REST,
        rx(r"^\s*(?:clang-format\s+off|@formatter:off)\b"), r"clang-format|@formatter", no_codes="none",
        end=rx(r"^\s*(?:clang-format\s+on|@formatter:on)\b")),
)


def rows_for(lang: str) -> Tuple[Row, ...]:
    return tuple(row for row in ROWS if lang in row.langs)


def prefilter(lang: str) -> Tuple[str, ...]:
    """Every marker of LANG's rows, as lower-case literals: a line without
    one of them holds no directive."""
    return tuple(sorted({m.lower() for row in rows_for(lang) for m in row.marker.split("|") if m}))
