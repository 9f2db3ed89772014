"""Records shared by the dependency family's parts.

The parsing layer (``manifests/``, ``lockfiles``, ``sources``, ``diff``)
turns files into these records; the policy layer decides what they mean.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional

# Ecosystems, as registries name them.
PYPI = "pypi"
NPM = "npm"
GO = "go"
CARGO = "cargo"
RUBYGEMS = "rubygems"
MAVEN = "maven"
ACTIONS = "actions"
CONDA = "conda"
COMPOSER = "composer"
NUGET = "nuget"
DOCKER = "docker"

# Dependency groups.
RUNTIME = "runtime"
DEV = "dev"
OPTIONAL = "optional"
BUILD = "build"
PEER = "peer"
OVERRIDE = "override"
TRANSITIVE = "transitive"  # only in a lockfile (or `// indirect` in go.mod)
LOCKED = "locked"  # a lockfile entry of a package some manifest declares
CONSTRAINT = "constraint"  # pins a version without adding a dependency (-c files, dependencyManagement)
BUNDLED = "bundled"  # npm bundledDependencies


class Dep(NamedTuple):
    """One declared dependency in one manifest (or lockfile)."""

    ecosystem: str
    name: str  # normalised (PEP 503 for PyPI; lower-case for npm scopes kept)
    spec: str  # the version constraint as written ("" when none)
    group: str  # "runtime", "dev", "optional", "build", "peer", "override", "transitive"
    manifest: str  # path of the manifest in the repository
    line: int  # 1-based line in the manifest's new text (0 when unknown)
    raw_name: str = ""  # the name as written
    # Where it comes from when not the default registry: "git+URL[@ref]", "https://..." (a
    # direct URL), "path:DIR", "workspace:...", "file:...", "link:...", "npm:REAL" (an npm
    # alias), "index:NAME" (a named uv / poetry / Pipfile index), "registry:NAME" (cargo),
    # "channel:NAME" (conda), "source:URL" (Gemfile source block), "github:USER/REPO".
    source: str = ""
    text: str = ""  # the line as written, for evidence
    # Added by the parsing layer (all optional):
    version: str = ""  # the exact resolved version (lockfiles, go.mod, exact pins)
    registry: str = ""  # the index / registry URL the lockfile resolves it from ("" = unknown/default)
    uploaded: str = ""  # upload time of that version, ISO 8601, when the lockfile records it (uv.lock)
    extras: tuple = ()  # requested extras / features
    marker: str = ""  # environment marker / target cfg, as written
    subgroup: str = ""  # the named group or extra ("test", "docs", "cfg(windows)")


class DepChange(NamedTuple):
    """The semantic difference of one dependency between the old and new manifest."""

    kind: str  # "added", "removed", "version-changed", "moved"
    old: Optional[Dep]
    new: Optional[Dep]
    loosened: bool = False  # the constraint admits more versions than before / a pin was dropped

    @property
    def dep(self) -> Dep:
        return self.new or self.old  # type: ignore[return-value]  # a change always has a new or an old side


class Index(NamedTuple):
    """A package index / registry / channel a file points installs at."""

    url: str  # as written (credentials are masked by the parser)
    kind: str  # "index-url", "extra-index-url", "find-links", "source", "registry", "channel", "trusted-host"
    ecosystem: str
    path: str  # the file that names it
    line: int  # 1-based line in that file (0 when unknown)
    text: str = ""  # the line as written (credentials masked)
    name: str = ""  # the index's name, when it has one (uv, poetry, Pipfile, .npmrc scope)
    default: bool = False  # replaces the default index instead of adding one


class Parsed(NamedTuple):
    """What one manifest says: its dependencies and the indexes it names."""

    deps: tuple = ()  # tuple[Dep, ...]
    indexes: tuple = ()  # tuple[Index, ...]
    problems: tuple = ()  # tuple[str, ...]: what could not be read ("invalid TOML at line 3")
    includes: tuple = ()  # tuple[(path, kind, line), ...]: other files it pulls in (-r / -c), repo-relative


_PEP503 = re.compile(r"[-_.]+")


def pep503(name: str) -> str:
    """PEP 503 normalised Python project name."""
    return _PEP503.sub("-", name).lower().strip()


def normalise(ecosystem: str, name: str) -> str:
    """The name as the ecosystem's registry compares it."""
    if ecosystem in (PYPI, CONDA):
        return pep503(name)
    if ecosystem in (NPM, CARGO, RUBYGEMS, ACTIONS, COMPOSER, NUGET):
        # registries compare these case-insensitively (crates.io also treats - and _ alike,
        # but the name keeps its spelling so it can be looked up and imported)
        return name.lower()
    return name  # go module paths and maven coordinates are case-sensitive


_CRED = re.compile(r"(?<=://)(?!git@)[^/@\s]+@")


def mask(url: str) -> str:
    """Hide credentials in a URL (https://user:token@host -> https://***@host)."""
    return _CRED.sub("***@", url)
