"""Manifest parsers, one module per format, and the table that picks one.

``parser_for(path)`` returns ``parse(text, path) -> Parsed`` for a file that
is a manifest, else None.  Only a file's path decides: nothing is parsed
unless its name matches the table, and nothing is ever executed.
"""
from __future__ import annotations

import functools
import importlib
import posixpath
import re
from typing import Callable, Optional, Tuple

from guardrails.checks.dependency.model import Parsed, mask

Parser = Callable[[str, str], Parsed]

# (basename pattern as a regex, "module:function").  First match wins.
TABLE: Tuple[Tuple[str, str], ...] = (
    (r"pyproject\.toml", "pyproject:parse"),
    (r"setup\.cfg", "setup_cfg:parse"),
    (r"setup\.py", "setup_py:parse"),
    (r"Pipfile", "pipfile:parse"),
    (r"(?:environment|env|conda[-_.]?env(?:ironment)?)(?:[-_.][\w.-]+)?\.ya?ml", "conda:parse"),
    (r"constraints?(?:[-_.][\w.-]*)?\.(?:txt|in)", "requirements:parse_constraints"),
    (r"(?:[\w.-]*[-_.])?(?:requirements?|reqs)(?:[-_.][\w.-]*)?\.(?:txt|in|pip)", "requirements:parse"),
    (r"package\.json", "package_json:parse"),
    (r"go\.mod", "go_mod:parse"),
    (r"Cargo\.toml", "cargo:parse"),
    (r"Gemfile|gems\.rb", "gemfile:parse"),
    (r"pom\.xml", "pom:parse"),
    (r"build\.gradle(?:\.kts)?", "gradle:parse"),
    (r"libs\.versions\.toml", "gradle:parse_catalog"),
    (r"[\w.-]+\.gemspec", "gemspec:parse"),
    (r"composer\.json", "other:parse_composer"),
    (r"[\w.-]+\.(?:cs|fs|vb)proj|Directory\.Packages\.props|Directory\.Build\.props|packages\.config",
     "other:parse_nuget"),
    (r"(?:Docker|Container)file(?:\.[\w.-]+)?|[\w.-]+\.(?:dockerfile|Dockerfile)", "other:parse_dockerfile"),
)
_COMPILED = tuple((re.compile(pattern + r"\Z"), target) for pattern, target in TABLE)
# Any .txt / .in file directly in a folder named requirements/ is a requirements file.
_REQ_DIR = re.compile(r"(?:^|/)requirements/[^/]+\.(?:txt|in)\Z")
# Folders that hold other people's code, not this repository's manifests.
SKIP_DIRS = ("node_modules", "vendor", ".venv", "venv", "site-packages", ".tox", ".nox", ".git",
             "bower_components", "third_party", "__pypackages__", ".yarn")
_SKIP = re.compile(r"(?:^|/)(?:" + "|".join(re.escape(d) for d in SKIP_DIRS) + r")/")
# Test fixtures are not the repository's dependencies either.
_FIXTURE = re.compile(r"(?:^|/)(?:fixtures?|testdata|test_data)/")


@functools.lru_cache(maxsize=4096)  # asked several times per path by each check
def _target(path: str) -> Optional[str]:
    base = posixpath.basename(path)
    for regex, target in _COMPILED:
        if regex.match(base):
            return target
    if _REQ_DIR.search(path):
        return "requirements:parse"
    return None


def skipped(path: str) -> bool:
    """Paths whose manifests are not the repository's own (vendored, fixtures)."""
    return bool(_SKIP.search(path) or _FIXTURE.search(path))


def parser_for(path: str) -> Optional[Parser]:
    target = _target(path)
    if target is None:
        return None
    module_name, _, func = target.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, func)


def is_manifest(path: str) -> bool:
    return _target(path) is not None


def parse(path: str, text: str) -> Parsed:
    """Parse TEXT as the manifest at PATH (empty Parsed when PATH is not one).
    A parser never raises on bad input: it reports it in ``problems``."""
    parser = parser_for(path)
    if parser is None:
        return Parsed()
    try:
        parsed = parser(text, path)
    except RecursionError:
        return Parsed(problems=(f"{path}: too deeply nested to read",))
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # A value of an unexpected type (a list where a table belongs): the
        # file is not a valid manifest; say so rather than fail the run.
        return Parsed(problems=(f"{path}: unexpected structure ({type(exc).__name__}: {exc})",))
    # Credentials in URLs (https://user:token@host) never leave the parser.
    if any("@" in d.text or "@" in d.source for d in parsed.deps):
        parsed = parsed._replace(deps=tuple(d._replace(text=mask(d.text), source=mask(d.source))
                                            for d in parsed.deps))
    return parsed
