"""pip requirements files (requirements*.txt, *.in, requirements/*.txt).

Follows pip's own reading order: join ``\\`` continuations, drop comments
(``#`` at the start or after whitespace), then each logical line is an
option (``-r``, ``-c``, ``-e``, ``--index-url`` ...) or a requirement
(PEP 508, a bare URL / VCS reference, or a local path).
"""
from __future__ import annotations

import posixpath
import re
import shlex
from typing import Iterator, List, Tuple

from guardrails.checks.dependency.manifests import pep508
from guardrails.checks.dependency.model import (
    BUILD, CONSTRAINT, DEV, PYPI, RUNTIME, Dep, Index, Parsed, mask, pep503,
)

# A comment: "#" at the start or after blanks.  The blanks are taken from
# the start of their run only (the lookbehind), as the leftmost match would
# be anyway: else each blank of a long run starts a new scan (quadratic).
_COMMENT = re.compile(r"(^|(?<!\s)\s+)#.*$")
# Options that take a value, long and short spellings.
_INCLUDE = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint", "--constraint": "constraint"}
_INDEX = {"-i": "index-url", "--index-url": "index-url", "--extra-index-url": "extra-index-url",
          "-f": "find-links", "--find-links": "find-links", "--trusted-host": "trusted-host"}
_EDITABLE = ("-e", "--editable")
_FLAGS_WITH_VALUE = ("--hash", "--config-settings", "--global-option", "--install-option", "-C")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+)", re.I)


def logical_lines(text: str) -> Iterator[Tuple[int, str]]:
    """(first physical line number, joined line without comment)."""
    buf: List[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = no
        line = raw
        if not buf and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = " ".join(buf) if len(buf) > 1 else line
        if "#" in joined:
            joined = _COMMENT.sub("", joined)
        joined = joined.strip()
        buf = []
        if joined:
            yield start, joined
    if buf:
        joined = _COMMENT.sub("", " ".join(buf)).strip()
        if joined:
            yield start, joined


def _split_option(line: str) -> Tuple[str, str]:
    """'-r base.txt' / '--requirement=base.txt' / '-rbase.txt' -> ('-r', 'base.txt')."""
    if line.startswith("--"):
        m = re.match(r"(--[a-z-]+)\s*(?:=\s*|\s+)?(.*)$", line)
        return (m.group(1), m.group(2).strip()) if m else (line, "")
    m = re.match(r"(-[a-zA-Z])\s*(.*)$", line)
    return (m.group(1), m.group(2).strip()) if m else (line, "")


def _strip_req_options(line: str) -> str:
    """Drop per-requirement options (--hash=..., --config-settings ...)."""
    if " --" not in line and " -C" not in line:
        return line
    out = []
    skip = False
    for tok in line.split():
        if skip:
            skip = False
            continue
        if tok.startswith(_FLAGS_WITH_VALUE):
            if "=" not in tok and tok in _FLAGS_WITH_VALUE:
                skip = True
            continue
        out.append(tok)
    return " ".join(out)


def _is_path(text: str) -> bool:
    if _URL.match(text) and not text.startswith("file:"):
        return False
    return text.startswith((".", "/", "~", "file:")) or text.endswith((".whl", ".tar.gz", ".zip"))


_DEV_WORDS = frozenset("dev devel develop development test tests testing lint linting docs doc ci typing "
                       "mypy check checks style format bench benchmark benchmarks coverage tox qa "
                       "tools tooling local".split())
_BUILD_WORDS = frozenset("build setup wheel".split())


def group_of(path: str) -> tuple:
    """(group, subgroup) a requirements file's name suggests: requirements-dev.txt,
    requirements/test.in and dev-requirements.txt hold development dependencies."""
    base = posixpath.basename(path).lower().rsplit(".", 1)[0]
    words = [w for w in re.split(r"[-_.]+", base) if w]
    folder = posixpath.basename(posixpath.dirname(path)).lower()
    if folder in ("requirements", "reqs"):
        words.append(base)
    for word in words:
        if word in _DEV_WORDS:
            return DEV, word
        if word in _BUILD_WORDS:
            return BUILD, word
    return RUNTIME, ""


def parse(text: str, path: str, group: str = "") -> Parsed:
    subgroup = ""
    if not group:
        group, subgroup = group_of(path)
    deps: List[Dep] = []
    indexes: List[Index] = []
    problems: List[str] = []
    includes: List[tuple] = []
    here = posixpath.dirname(path)
    for no, line in logical_lines(text):
        if line.startswith("-"):
            opt, value = _split_option(line)
            value = value.split(" #", 1)[0].strip()
            if value[:1] in "'\"":
                try:
                    value = shlex.split(value)[0]
                except (ValueError, IndexError):
                    pass
            if opt in _INCLUDE:
                target = posixpath.normpath(posixpath.join(here, value)) if value else ""
                if target and not target.startswith("../") and not _URL.match(value):
                    includes.append((target, _INCLUDE[opt], no))
                continue
            if opt in _INDEX:
                if value:
                    indexes.append(Index(url=mask(value), kind=_INDEX[opt], ecosystem=PYPI, path=path,
                                         line=no, text=mask(line), default=opt in ("-i", "--index-url")))
                continue
            if opt in _EDITABLE:
                value = _strip_req_options(value)
                if _URL.match(value):
                    name = pep508.name_from_url(value)
                    if name:
                        deps.append(Dep(PYPI, pep503(name), "", group, path, no, raw_name=name,
                                        source=mask(value), text=mask(line)))
                    else:
                        problems.append(f"{path}:{no}: editable URL without #egg= name")
                continue  # an editable local path is the project itself or a sibling folder
            continue  # --pre, --no-binary, --prefer-binary ...: no dependency
        body = _strip_req_options(line)
        if _URL.match(body):
            name = pep508.name_from_url(body)
            if name:
                deps.append(Dep(PYPI, pep503(name), "", group, path, no, raw_name=name,
                                source=mask(body), text=mask(line)))
            else:
                problems.append(f"{path}:{no}: URL requirement without a name")
            continue
        req = pep508.parse(body)
        if req is None:
            if _is_path(body):
                continue
            problems.append(f"{path}:{no}: not a requirement: {body[:80]}")
            continue
        deps.append(Dep(PYPI, pep503(req.name), req.spec, group, path, no, raw_name=req.name,
                        source=mask(req.url), text=mask(line), extras=req.extras, marker=req.marker,
                        version=_exact(req.spec), subgroup=subgroup))
    return Parsed(deps=tuple(deps), indexes=tuple(indexes), problems=tuple(problems),
                  includes=tuple(includes))


def _exact(spec: str) -> str:
    if spec.startswith(("==", "===")) and "," not in spec and "*" not in spec:
        return spec.lstrip("=")
    return ""


def parse_constraints(text: str, path: str) -> Parsed:
    return parse(text, path, group=CONSTRAINT)
