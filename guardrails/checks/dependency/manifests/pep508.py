"""A small PEP 508 requirement parser (no dependency on `packaging`).

``parse("requests[socks]>=2.8,<3 ; python_version >= '3.8'")`` ->
Requirement(name="requests", extras=("socks",), spec=">=2.8,<3",
url="", marker="python_version >= '3.8'").  Returns None when the text is
not a requirement.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional

NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
EXTRAS = re.compile(r"\[\s*([^\]]*)\]\s*")
# One version clause: operator and version (wildcards and local labels allowed).
CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!-]+)\s*$")


class Requirement(NamedTuple):
    name: str  # as written
    extras: tuple
    spec: str  # clauses without spaces, joined by "," ("" = any version)
    url: str  # direct reference (name @ url), "" when from the index
    marker: str


def normalise_spec(spec: str) -> str:
    """``>= 1.0 , <2`` -> ``>=1.0,<2`` (the order as written)."""
    return ",".join(part.replace(" ", "") for part in spec.split(",") if part.strip())


_SIMPLE = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)((?:~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9_.*+!-]+"
                     r"(?:,(?:~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9_.*+!-]+)*)?")


def parse(text: str) -> Optional[Requirement]:
    text = text.strip()
    m = _SIMPLE.fullmatch(text)  # the common case: no spaces, extras, URL or marker
    if m:
        return Requirement(m.group(1), (), m.group(2) or "", "", "")
    m = NAME.match(text)
    if not m:
        return None
    name = m.group(1)
    pos = m.end()
    extras: tuple = ()
    m2 = EXTRAS.match(text, pos)
    if m2:
        extras = tuple(e.strip() for e in m2.group(1).split(",") if e.strip())
        pos = m2.end()
    rest = text[pos:]
    url = ""
    marker = ""
    if rest.startswith("@"):
        body = rest[1:].strip()
        # the marker of a URL requirement needs whitespace before ";"
        m3 = re.search(r"\s;", body)
        if m3:
            url, marker = body[:m3.start()].strip(), body[m3.end():].strip()
        else:
            url = body
        if not url or " " in url:
            return None
        return Requirement(name, extras, "", url, marker)
    spec_part, sep, marker = rest.partition(";")
    spec_part = spec_part.strip()
    if spec_part.startswith("(") and spec_part.endswith(")"):
        spec_part = spec_part[1:-1]
    if spec_part:
        for clause in spec_part.split(","):
            if not CLAUSE.match(clause):
                return None
    return Requirement(name, extras, normalise_spec(spec_part), "", marker.strip())


_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_WHEEL = re.compile(r"/([A-Za-z0-9][A-Za-z0-9._]*?)-\d[^/]*\.(?:whl|tar\.gz|zip|tar\.bz2|tgz)(?:[#?].*)?$")


def name_from_url(url: str) -> str:
    """The project name a bare URL / VCS reference installs ('' when unknown)."""
    m = _EGG.search(url)
    if m:
        return m.group(1)
    m = _WHEEL.search(url)
    if m:
        return m.group(1)
    return ""
