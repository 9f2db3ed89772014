"""Records shared by the dependency family's parts."""
from __future__ import annotations

from typing import NamedTuple, Optional

# Ecosystems, as registries name them.
PYPI = "pypi"
NPM = "npm"
GO = "go"
CARGO = "cargo"
RUBYGEMS = "rubygems"
MAVEN = "maven"
ACTIONS = "actions"


class Dep(NamedTuple):
    """One declared dependency in one manifest (or lockfile)."""

    ecosystem: str
    name: str  # normalised (PEP 503 for PyPI; lower-case for npm scopes kept)
    spec: str  # the version constraint as written ("" when none)
    group: str  # "runtime", "dev", "optional", "build", "peer", "override", "transitive"
    manifest: str  # path of the manifest in the repository
    line: int  # 1-based line in the manifest's new text (0 when unknown)
    raw_name: str = ""  # the name as written
    source: str = ""  # URL / VCS / path source, when not the registry
    text: str = ""  # the line as written, for evidence


class DepChange(NamedTuple):
    """The semantic difference of one dependency between the old and new manifest."""

    kind: str  # "added", "removed", "version-changed", "moved"
    old: Optional[Dep]
    new: Optional[Dep]
    loosened: bool = False  # the constraint admits more versions than before / a pin was dropped

    @property
    def dep(self) -> Dep:
        return self.new or self.old  # type: ignore[return-value]
