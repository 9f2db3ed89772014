"""How the tools read a directive, where a regex alone cannot say it.

``generic`` reads every row from its data (codes, modes, blanket codes).
The others read one tool's directive as that tool does, including the
forms that look coded but act as blanket (``# noqa : E501`` for flake8,
``# type: ignore [code]`` for pyright) and the forms no tool reads at all.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from guardrails.checks.suppressions.table import (
    FILE,
    FORMAT,
    ITEM,
    LINE,
    NEXT_LINE,
    QUOTED,
    Row,
)


class Place(NamedTuple):
    line: int
    own_line: bool  # nothing but whitespace before the comment on its line
    before_code: bool  # no code (statement, docstring) earlier in the file


class Reading(NamedTuple):
    codes: Tuple[str, ...] = ()
    blanket: bool = False
    scope: str = ""  # "" = the row's scope (after its modes)
    effect: str = "suppress"  # "none": no tool reads it as written
    notes: Tuple[str, ...] = ()
    end: int = -1  # offset in src where the directive ends and a reason may follow; -1 = match end
    kind: str = ""  # overrides the row's kind
    reason: Optional[str] = None  # a reason the syntax carries inside the directive


def group(m: "re.Match[str]", src: str, name: str) -> Optional[str]:
    """Group NAME of M, read from SRC (the original text: code rows match on
    a copy with strings blanked, so string arguments come from here)."""
    if name not in m.re.groupindex or m.start(name) < 0:
        return None
    return src[m.start(name):m.end(name)]


def mode_of(m: "re.Match[str]", src: str) -> str:
    return re.sub(r"\s+", "", (group(m, src, "mode") or "").lower())


def generic(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    if row.effect == "none":
        return Reading(effect="none", notes=(row.note,) if row.note else ())
    text = group(m, src, "codes")
    codes: Tuple[str, ...] = ()
    if row.codes is not None and text:
        codes = tuple(c.strip() for c in row.codes.findall(text) if c.strip())
    if not codes:
        if row.no_codes == "malformed":
            return Reading(effect="none", notes=((f"{row.tool} reads this directive only with rule codes; "
                                                  "as written it silences nothing"),))
        return Reading(blanket=row.no_codes == "blanket", scope=row.modes.get(mode_of(m, src), ""))
    blanket = any(c.lower() in row.blanket for c in codes)
    return Reading(codes=codes, blanket=blanket, scope=row.modes.get(mode_of(m, src), ""))


# --- Python -------------------------------------------------------------

_FLAKE8 = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.I)
_RUFF_CODES = re.compile(r"\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:(?:\s*,\s*|[ \t]+)[A-Z]+[0-9]+)*)(?:\s*,)?")
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def noqa(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``# noqa`` as ruff and as flake8 read it; the widest reading wins."""
    tail = src[m.end():]
    ruff_valid, ruff_blanket, ruff_codes, ruff_end = False, False, (), m.end()
    if re.match(r"\s*:", tail):
        c = _RUFF_CODES.match(src, m.end())
        if c:
            ruff_valid, ruff_codes, ruff_end = True, tuple(_CODE.findall(c.group("codes"))), c.end()
    elif not tail or tail[0].isspace() or tail[0] == "#":
        ruff_valid = ruff_blanket = True
    f8 = _FLAKE8.match(src, m.start())
    f8_valid = f8 is not None
    f8_codes = tuple(_CODE.findall(f8.group("codes"))) if f8 and f8.group("codes") else ()
    f8_blanket = f8_valid and not f8_codes
    segment = src[m.start():]
    written = segment[:segment.find("#", 1)] if segment.find("#", 1) > 0 else segment
    written = " ".join(written.split())
    if not ruff_valid and not f8_valid:
        return Reading(effect="none", notes=(("neither ruff nor flake8 reads this `noqa`: it silences nothing "
                                              "(ruff warns that it is invalid)"),))
    notes: List[str] = []
    blanket = ruff_blanket or f8_blanket
    if blanket and not ruff_blanket:
        if ruff_valid:
            notes.append(f"flake8 reads `{written}` as a blanket noqa (it wants `:` right after `noqa` and "
                         "codes such as E501), while ruff reads codes")
        else:
            notes.append("flake8 reads this as a blanket noqa (everything after `# noqa` that is not `: CODE` "
                         "is ignored); ruff rejects it as invalid")
    elif blanket and ruff_blanket and re.match(r"\s+[A-Za-z]+[0-9]+", tail):
        notes.append("without a colon the codes are not read: ruff and flake8 both treat this as a blanket noqa")
    codes = ruff_codes or f8_codes
    end = ruff_end if ruff_codes else (f8.end() if f8_codes and f8 else m.end())
    return Reading(codes=codes, blanket=blanket, notes=tuple(notes), end=end)


_TI_BRACKET = re.compile(r"\[(?P<codes>[^\]#\n]*)\]")
_TI_SPACED = re.compile(r"[ \t]+\[(?P<codes>[^\]#\n]*)\]")


def type_ignore(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``# type: ignore`` / ``# pyright: ignore`` as mypy and pyright read them."""
    tail = src[m.end():]
    notes: List[str] = []
    scope = ""
    if row.key == "type-ignore" and place.own_line and place.before_code:
        scope = FILE
        notes.append("a `# type: ignore` before any code turns mypy and pyright off for the whole file")
    b = _TI_BRACKET.match(tail)
    if b:
        codes = tuple(c.strip() for c in b.group("codes").split(",") if c.strip())
        if not codes:
            notes.append("empty brackets: read as a blanket ignore")
        return Reading(codes=codes, blanket=not codes, scope=scope, notes=tuple(notes), end=m.end() + b.end())
    s = _TI_SPACED.match(tail)
    if s:
        codes = tuple(c.strip() for c in s.group("codes").split(",") if c.strip())
        notes.append("pyright reads `ignore [codes]` (with a space) as a blanket ignore; "
                     "only mypy reads the codes")
        return Reading(codes=codes, blanket=True, scope=scope, notes=tuple(notes), end=m.end() + s.end())
    if not tail or tail[0].isspace() or tail[0] == "#":
        return Reading(blanket=True, scope=scope, notes=tuple(notes))
    written = src[m.start():m.end() + 8].strip()
    return Reading(effect="none", notes=((f"`{written}`: neither mypy nor pyright reads this form "
                                          "(mypy reports it as an invalid type: ignore comment)"),))


_LOOSE_PYRIGHT = re.compile(r"^\s*(?P<rule>\w+)\s*=\s*\"?(?:false|none|information|warning)\"?\s*$")


def pyright_comment(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``# pyright: basic`` and ``# pyright: reportX=false`` lower the file's checks."""
    codes = []
    for item in (group(m, src, "codes") or "").split(","):
        if item.strip() in ("basic", "standard"):
            codes.append(item.strip())
        else:
            loose = _LOOSE_PYRIGHT.match(item)
            if loose:
                codes.append(loose.group("rule"))
    if not codes:
        return None  # e.g. `# pyright: strict` raises the bar
    return Reading(codes=tuple(codes), blanket=any(c in ("basic", "standard") for c in codes), scope=FILE)


_MYPY_LOOSE = re.compile(r"^(?:ignore-errors|ignore-missing-imports|allow-[\w-]+|no-strict-optional|no-warn-[\w-]+|"
                         r"no-disallow-[\w-]+|no-check-untyped-defs|follow-imports\s*=\s*(?:skip|silent))$")


def mypy_comment(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``# mypy: ignore-errors``, ``disable-error-code=...``, ``allow-*``."""
    text = group(m, src, "codes") or ""
    codes: List[str] = []
    blanket = False
    for item in re.findall(r'[\w-]+\s*(?:=\s*(?:"[^"]*"|\'[^\']*\'|[^,\s]+))?', text):
        name, _, value = item.partition("=")
        name = name.strip()
        if name == "ignore-errors":
            blanket = True
            codes.append(name)
        elif name in ("disable-error-code", "disable_error_code"):
            codes.extend(c.strip() for c in value.strip().strip("\"'").split(",") if c.strip())
        elif _MYPY_LOOSE.match(item.strip()):
            codes.append(item.strip())
    if not codes:
        return None
    return Reading(codes=tuple(codes), blanket=blanket, scope=FILE)


# --- JavaScript ----------------------------------------------------------

def _atomic(body: str, name: str) -> str:
    """``(?>BODY)`` spelled for Python before 3.11 too: a lookahead never
    gives back what it matched, and the backreference then consumes it."""
    return f"(?=(?P<{name}>{body}))(?P={name})"


# `rule: "off"` pairs.  Read as `(?P<rule>[@\w][\w@/.-]*)\s*:\s*\[?\s*["']?(?P<level>...)\b`
# would be, but in linear time on a long line: a rule name always runs to
# the end of its run of name characters (a colon or a blank cannot be one),
# so the run is taken whole (atomic) and once, from its first possible
# start; a run that is no rule is consumed too (no level), so that the
# search does not start again inside it; the blanks are taken atomically.
_ESLINT_RULE = re.compile(
    _atomic(r"[/.-]*", "lead") + r"(?P<rule>[@\w]" + _atomic(r"[\w@/.-]*", "run") + ")(?:"
    + _atomic(r"\s*", "s1") + ":" + _atomic(r"\s*", "s2") + r"\[?" + _atomic(r"\s*", "s3")
    + r"[\"']?(?P<level>off|warn|error|[012])\b)?|[/.-]+")


def eslint_config(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``/* eslint rule: "off" */`` turns a rule off for the whole file."""
    text = group(m, src, "codes") or ""
    text = re.split(r"\s--(?:\s|$)", text)[0]
    off = tuple(r.group("rule") for r in _ESLINT_RULE.finditer(text) if r.group("level") in ("off", "0"))
    if not off:
        return None
    return Reading(codes=off, scope=FILE, end=m.start("codes") + len(text))


def biome(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``// biome-ignore lint/group/rule: reason``; ``lint`` alone or a whole
    group is blanket; ``format`` is the formatter."""
    codes = tuple((group(m, src, "codes") or "").split())
    scope = row.modes.get(mode_of(m, src), "")
    if all(c.split("/")[0] == "format" for c in codes):
        return Reading(codes=codes, kind=FORMAT, scope=scope)
    broad = [c for c in codes if c.split("/")[0] == "lint" and len(c.split("/")) < 3]
    notes = ("`lint` or a whole rule group silences many rules",) if broad else ()
    return Reading(codes=codes, blanket=bool(broad), scope=scope, notes=notes)


def ts_nocheck(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """TypeScript reads ``@ts-nocheck`` only in the comments before the first
    statement; further down it does nothing."""
    if place.before_code:
        return Reading(blanket=True, scope=FILE)
    return Reading(effect="none", notes=("TypeScript reads `@ts-nocheck` only in the comments at the top of the "
                                         "file; after code it does nothing",))


# --- Go -------------------------------------------------------------------

_NOLINT_CODES = re.compile(r":[ \t]*(?P<codes>[\w.-]+(?:[ \t]*,[ \t]*[\w.-]+)*)")


def nolint(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    notes: List[str] = []
    if src[m.start():m.start() + 1] in (" ", "\t"):
        notes.append("golangci-lint also reads `// nolint` with a space (nolintlint asks for `//nolint`)")
    tail = src[m.end():]
    if tail.startswith(":"):
        c = _NOLINT_CODES.match(src, m.end())
        if not c:
            notes.append("`nolint:` without linter names is read as a blanket nolint")
            return Reading(blanket=True, notes=tuple(notes), end=m.end() + 1)
        codes = tuple(x.strip() for x in c.group("codes").split(",") if x.strip())
        return Reading(codes=codes, blanket=any(x.lower() == "all" for x in codes), notes=tuple(notes), end=c.end())
    return Reading(blanket=True, notes=tuple(notes))


# --- Rust / Java / C# ---------------------------------------------------------

_RUST_REASON = re.compile(r"\breason\s*=\s*\"(?P<r>(?:\\.|[^\"\\])*)\"")


def rust_allow(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``#[allow(lint, reason = "...")]``, ``#![allow(...)]``, ``#[expect]``."""
    text = group(m, src, "codes") or ""
    reason_m = _RUST_REASON.search(text)
    text = _RUST_REASON.sub("", text)
    codes = tuple(c for c in re.findall(r"[A-Za-z_][\w]*(?:::[\w]+)*", text))
    blanket = not codes or any(c.lower() in row.blanket for c in codes)
    scope = FILE if mode_of(m, src) == "!" else ""
    notes = ("`#![...]` is an inner attribute: it covers the whole module or crate",) if scope == FILE else ()
    return Reading(codes=codes, blanket=blanket, scope=scope, notes=notes,
                   reason=reason_m.group("r").strip() if reason_m and reason_m.group("r").strip() else None)


_JUSTIFICATION = re.compile(r"\bjustification\s*=\s*\"(?P<r>[^\"]*)\"", re.I)


def annotation(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    """``@SuppressWarnings({"a", "b"})``, Kotlin ``@Suppress``, C#
    ``[SuppressMessage("Cat", "CA1000", Justification = "...")]``."""
    text = group(m, src, "codes") or ""
    just = _JUSTIFICATION.search(text)
    rest = _JUSTIFICATION.sub("", text)
    codes = tuple(QUOTED.findall(rest)) or ((rest.strip(),) if rest.strip() else ())
    return Reading(codes=codes, blanket=not codes or any(c.lower() in row.blanket for c in codes),
                   scope=row.modes.get(mode_of(m, src), ""),
                   reason=just.group("r").strip() if just and just.group("r").strip() else None)


# --- shell -----------------------------------------------------------------

def shellcheck(row: Row, m: "re.Match[str]", src: str, place: Place) -> Optional[Reading]:
    base = generic(row, m, src, place)
    if base is None:
        return None
    if not place.own_line:
        scope = LINE
    elif place.before_code:
        scope = FILE
    else:
        scope = NEXT_LINE
    notes = ("a directive before the first command covers the whole script",) if scope == FILE else ()
    return base._replace(scope=scope, notes=notes)


READINGS: Dict[str, Callable[[Row, "re.Match[str]", str, Place], Optional[Reading]]] = {
    "": generic,
    "noqa": noqa,
    "type_ignore": type_ignore,
    "pyright_comment": pyright_comment,
    "mypy_comment": mypy_comment,
    "eslint_config": eslint_config,
    "biome": biome,
    "ts_nocheck": ts_nocheck,
    "nolint": nolint,
    "rust_allow": rust_allow,
    "annotation": annotation,
    "shellcheck": shellcheck,
}

__all__ = ["READINGS", "Place", "Reading", "group", "ITEM", "LINE"]
