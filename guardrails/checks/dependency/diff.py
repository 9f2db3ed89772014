"""The semantic diff of manifests and lockfiles.

Both sides of every changed manifest are parsed (never executed) and
compared as sets of dependencies, so reformatting, reordering or moving a
dependency between files is not a change, while a loosened constraint, a
dropped pin, a move from dev to runtime, or a package that only appears in
a lockfile is.
"""
from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.dependency import lockfiles, manifests
from guardrails.checks.dependency.manifests import requirements as req_mod
from guardrails.checks.dependency.model import (
    BUNDLED, CONDA, CONSTRAINT, DOCKER, DEV, GO, LOCKED, MAVEN, NPM, OPTIONAL, OVERRIDE, PYPI,
    RUBYGEMS, RUNTIME, TRANSITIVE, BUILD, PEER, Dep, DepChange, Parsed,
)
from guardrails import change as change_mod
from guardrails.model import DELETED, ChangeSet, FileChange, Finding

ADDED = "added"
REMOVED = "removed"
VERSION_CHANGED = "version-changed"
MOVED = "moved"

# Groups whose packages are not installed for the users of the project.
NOT_RUNTIME = frozenset({DEV, OPTIONAL, BUILD, PEER, CONSTRAINT, OVERRIDE, TRANSITIVE, BUNDLED, LOCKED})


# --------------------------------------------------------------------------
# Parsing one side, with a per-run cache (E2 and sources ask for the same files).

class _Memo:
    """Parses and results for the change being checked (one change at a time)."""

    def __init__(self, change: Optional[ChangeSet] = None) -> None:
        self.change = change
        self.parsed: Dict[Tuple[str, str, int], Parsed] = {}
        self.locked: Dict[Tuple[str, str, int], tuple] = {}
        self.changes: Optional[List[DepChange]] = None
        self.declared: Optional[Dict[str, Set[str]]] = None


_MEMO = _Memo()


def _memo(change: ChangeSet) -> _Memo:
    global _MEMO
    if _MEMO.change is not change:
        _MEMO = _Memo(change)
    return _MEMO


def parse_manifest(change: ChangeSet, path: str, text: Optional[str], side: str) -> Parsed:
    """Parse TEXT as the manifest PATH (cached for this change)."""
    if text is None:
        return Parsed()
    memo = _memo(change)
    key = (side, path, hash(text))
    if key not in memo.parsed:
        memo.parsed[key] = manifests.parse(path, text)
    return memo.parsed[key]


def parse_lockfile(change: ChangeSet, path: str, text: Optional[str], side: str) -> tuple:
    if text is None:
        return ()
    memo = _memo(change)
    key = (side, path, hash(text))
    if key not in memo.locked:
        memo.locked[key] = lockfiles.parse(path, text)
    return memo.locked[key]


# --------------------------------------------------------------------------
# Version constraints: is the new one looser than the old one?

_NUM = re.compile(r"\d+")
INF = (10 ** 9,)


def vkey(version: str) -> Tuple[int, ...]:
    """A comparable key for a version string (numbers only; good enough for bounds)."""
    version = version.strip().lstrip("vV=").split("+", 1)[0]
    parts = [int(n) for n in _NUM.findall(version.split("-", 1)[0])[:6]] or [0]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _bump(version: str, index: int) -> Tuple[int, ...]:
    """The first version above VERSION's prefix of INDEX+1 parts: bump('1.2.3', 1) = (1, 3)."""
    parts = [int(n) for n in _NUM.findall(version)] or [0]
    parts = (parts + [0] * (index + 1))[: index + 1]
    parts[index] += 1
    return tuple(parts)


class Bounds:
    """[lower, upper) of the versions a constraint admits (None = unbounded)."""

    __slots__ = ("lower", "upper", "exact", "any")

    def __init__(self) -> None:
        self.lower: Optional[Tuple[int, ...]] = None
        self.upper: Optional[Tuple[int, ...]] = None
        self.exact = False
        self.any = True

    def at_least(self, v: Tuple[int, ...]) -> None:
        self.any = False
        self.lower = v if self.lower is None else max(self.lower, v)

    def below(self, v: Tuple[int, ...]) -> None:
        self.any = False
        self.upper = v if self.upper is None else min(self.upper, v)

    def pin(self, version: str) -> None:
        self.at_least(vkey(version))
        self.below(vkey(version) + (0, 0, 0, 1))
        self.exact = True


def _caret(b: Bounds, version: str) -> None:
    nums = [int(n) for n in _NUM.findall(version)] or [0]
    b.at_least(vkey(version))
    for i, n in enumerate(nums):
        if n != 0 or i == len(nums) - 1:
            b.below(_bump(version, i))
            return


def _tilde(b: Bounds, version: str) -> None:
    nums = _NUM.findall(version)
    b.at_least(vkey(version))
    b.below(_bump(version, 1 if len(nums) >= 2 else 0))


def _partial(b: Bounds, version: str, bare_is_exact: bool) -> None:
    """A version without operator: '1.2.x' / '1.2.*' is a prefix range; a
    complete version is exact (npm, poetry, maven) or a caret (cargo)."""
    if version in ("*", "x", "X", ""):
        return
    if re.search(r"(^|\.)[*xX](\.|$)", version):
        fixed = re.split(r"\.[*xX]", version, 1)[0]
        if fixed in ("", "*", "x", "X"):
            return
        b.at_least(vkey(fixed))
        b.below(_bump(fixed, len(_NUM.findall(fixed)) - 1))
        return
    if bare_is_exact:
        b.pin(version)
    else:
        _caret(b, version)


_OP = re.compile(r"^(~=|===|==|!=|<=|>=|~>|<|>|=|\^|~)?\s*(.*)$")


def _clause(b: Bounds, clause: str, ecosystem: str) -> None:
    clause = clause.strip()
    if not clause:
        return
    m = _OP.match(clause)
    op = (m.group(1) or "") if m else ""
    version = m.group(2).strip() if m else clause
    if not version or not _NUM.search(version):
        return  # "*", "latest", a dist-tag: no bound
    if ecosystem in (CONDA, DOCKER) and op in ("", "="):
        # conda "1.2" / "1.2.*" and docker tags "3.12-slim" are prefix ranges
        prefix = re.match(r"[\d.]*\d", version.lstrip("v"))
        fixed = prefix.group(0) if prefix else "0"
        b.at_least(vkey(fixed))
        b.below(_bump(fixed, max(len(_NUM.findall(fixed)) - 1, 0)))
        return
    if op in ("==", "===", "="):
        if version.endswith((".*", ".x")):
            _partial(b, version, True)
        else:
            b.pin(version)
    elif op == "!=":
        pass  # excludes one version: no bound
    elif op == ">=":
        b.at_least(vkey(version))
    elif op == ">":
        b.at_least(vkey(version) + (0, 0, 0, 1))
    elif op == "<":
        b.below(vkey(version))
    elif op == "<=":
        b.below(vkey(version) + (0, 0, 0, 1))
    elif op == "~=":
        nums = _NUM.findall(version)
        b.at_least(vkey(version))
        b.below(_bump(version, max(len(nums) - 2, 0)))
    elif op == "~>":  # rubygems pessimistic
        nums = _NUM.findall(version)
        b.at_least(vkey(version))
        b.below(_bump(version, max(len(nums) - 2, 0)))
    elif op == "^":
        _caret(b, version)
    elif op == "~":  # npm and poetry: ~1.2.3 is >=1.2.3,<1.3
        _tilde(b, version)
    else:
        _partial(b, version, bare_is_exact=ecosystem in (NPM, PYPI, MAVEN, GO, RUBYGEMS))


def bounds(ecosystem: str, spec: str) -> Bounds:
    """The range SPEC admits.  Alternatives (npm ``||``) are merged into their hull."""
    spec = spec.strip()
    if ecosystem == MAVEN and spec[:1] in "[(":
        return _maven_range(spec)
    alternatives = [a for a in spec.split("||")] if "||" in spec else [spec]
    hull: Optional[Bounds] = None
    for alt in alternatives:
        b = Bounds()
        alt = alt.strip()
        m = re.match(r"^(\S+)\s+-\s+(\S+)$", alt)
        if m:  # npm hyphen range
            b.at_least(vkey(m.group(1)))
            b.below(vkey(m.group(2)) + (0, 0, 0, 1))
        else:
            clauses = re.split(r",|\s+(?=[<>=~^!])", alt) if ecosystem != CONDA else re.split(r"[,\s]+", alt)
            for clause in clauses:
                _clause(b, clause, ecosystem)
        if hull is None:
            hull = b
            continue
        if b.any or hull.any:
            return Bounds()
        hull.exact = False
        hull.lower = None if (hull.lower is None or b.lower is None) else min(hull.lower, b.lower)
        hull.upper = None if (hull.upper is None or b.upper is None) else max(hull.upper, b.upper)
    return hull or Bounds()


def _maven_range(spec: str) -> Bounds:
    b = Bounds()
    m = re.match(r"^([\[(])\s*([^,]*?)\s*(?:,\s*([^\])]*?)\s*)?([\])])", spec)
    if not m:
        return b
    low, high = m.group(2), m.group(3)
    if m.group(3) is None:  # [1.0] = exactly
        b.pin(low)
        return b
    if low:
        b.at_least(vkey(low) + ((0, 0, 0, 1) if m.group(1) == "(" else ()))
    if high:
        b.below(vkey(high) + ((0, 0, 0, 1) if m.group(4) == "]" else ()))
    return b


def looseness(ecosystem: str, old_spec: str, new_spec: str) -> str:
    """'' when NEW admits no versions OLD did not; else why it is looser:
    'pin-dropped', 'constraint-dropped', 'upper-bound-dropped', 'lower-bound-lowered'
    or 'upper-bound-raised'."""
    if ecosystem == GO or old_spec.strip() == new_spec.strip():
        return ""
    old, new = bounds(ecosystem, old_spec), bounds(ecosystem, new_spec)
    if old.any:
        return ""
    if new.any:
        return "pin-dropped" if old.exact else "constraint-dropped"
    if old.exact:
        return "" if new.exact else "pin-dropped"
    if old.upper is not None and new.upper is None:
        return "upper-bound-dropped"
    if old.lower is not None and (new.lower is None or new.lower < old.lower):
        return "lower-bound-lowered"
    if old.upper is not None and new.upper is not None and new.upper > old.upper and (
            new.lower is None or old.lower is None or new.lower <= old.lower):
        return "upper-bound-raised"
    return ""


# More lockfile-only packages than this in one lockfile are reported as one finding.
LOCKFILE_ONLY_LIMIT = 25

STRONG_LOOSENING = frozenset({"pin-dropped", "constraint-dropped", "upper-bound-dropped"})


# --------------------------------------------------------------------------
# Comparing two sides.

def origin(source: str) -> str:
    """Where a source points, without the ref: 'git+https://host/a/b.git@v1' -> 'git+https://host/a/b.git'."""
    source = source.split("#", 1)[0].split("?", 1)[0]
    head, at, ref = source.rpartition("@")
    if at and "/" not in ref and "://" in head and head.count("/") >= 3:
        return head
    if at and source.startswith(("github:", "gitlab:")):
        return head
    return source


def _new_origin(old: str, new: str) -> bool:
    """NEW comes from somewhere OLD did not (a rev bump of the same repository does not count)."""
    return bool(new) and origin(new) != origin(old)


def _key(dep: Dep) -> Tuple[str, str]:
    return dep.ecosystem, dep.name


def _signature(deps: Sequence[Dep]) -> tuple:
    return tuple(sorted({(d.spec.replace(" ", ""), d.source) for d in deps}))


def diff_deps(old: Iterable[Dep], new: Iterable[Dep]) -> List[DepChange]:
    """The semantic difference of two dependency lists (one manifest, or a
    whole set of files).  Order, formatting and comments do not matter."""
    old_by: Dict[Tuple[str, str], Dict[str, List[Dep]]] = defaultdict(lambda: defaultdict(list))
    new_by: Dict[Tuple[str, str], Dict[str, List[Dep]]] = defaultdict(lambda: defaultdict(list))
    for d in old:
        old_by[_key(d)][d.group].append(d)
    for d in new:
        new_by[_key(d)][d.group].append(d)
    out: List[DepChange] = []
    for key in list(new_by) + [k for k in old_by if k not in new_by]:
        og, ng = old_by.get(key, {}), new_by.get(key, {})
        only_old = [g for g in og if g not in ng]
        only_new = [g for g in ng if g not in og]
        for group in ng:
            if group in og and _signature(og[group]) != _signature(ng[group]):
                out.append(_changed(og[group][0], ng[group][0], og[group], ng[group]))
        # A group that disappeared and one that appeared: the dependency moved.
        while only_old and only_new:
            o = og[only_old.pop(0)][0]
            n = ng[only_new.pop(0)][0]
            loose = bool(looseness(n.ecosystem, o.spec, n.spec)) or _new_origin(o.source, n.source)
            out.append(DepChange(MOVED, o, n, loosened=loose))
        for group in only_new:
            for d in ng[group]:
                out.append(DepChange(ADDED, None, d))
        for group in only_old:
            for d in og[group]:
                out.append(DepChange(REMOVED, d, None))
    return out


def _changed(o: Dep, n: Dep, olds: Sequence[Dep], news: Sequence[Dep]) -> DepChange:
    # With several entries (markers), compare the first that differs.
    old_specs = {(d.spec, d.source) for d in olds}
    for d in news:
        if (d.spec, d.source) not in old_specs:
            n = d
            break
    new_specs = {(d.spec, d.source) for d in news}
    for d in olds:
        if (d.spec, d.source) not in new_specs:
            o = d
            break
    loose = bool(looseness(n.ecosystem, o.spec, n.spec)) or _new_origin(o.source, n.source)
    return DepChange(VERSION_CHANGED, o, n, loosened=loose)


def _pair_across_files(changes: List[DepChange]) -> List[DepChange]:
    """A dependency removed from one manifest and added to another (a move to
    pyproject.toml, a split into requirements-dev.txt) is not new."""
    removed: Dict[Tuple[str, str], List[int]] = defaultdict(list)
    for i, c in enumerate(changes):
        if c.kind == REMOVED and c.old is not None:
            removed[_key(c.old)].append(i)
    if not removed:
        return changes
    drop: Set[int] = set()
    out: List[DepChange] = []
    for i, c in enumerate(changes):
        if c.kind != ADDED or c.new is None or not removed.get(_key(c.new)):
            continue
        j = removed[_key(c.new)].pop(0)
        drop.add(i)
        drop.add(j)
        o, n = changes[j].old, c.new
        assert o is not None
        if o.group != n.group:
            out.append(DepChange(MOVED, o, n, loosened=bool(looseness(n.ecosystem, o.spec, n.spec))))
        elif (o.spec.replace(" ", ""), o.source) != (n.spec.replace(" ", ""), n.source):
            out.append(_changed(o, n, [o], [n]))
    return [c for i, c in enumerate(changes) if i not in drop] + out


# --------------------------------------------------------------------------
# Public API.

def _sides(f: FileChange) -> Tuple[Optional[str], Optional[str], str, str]:
    old_path = f.old_path or f.path
    old = f.old_text() if f.old_path is not None else None
    new = f.new_text() if f.status != DELETED else None
    return old, new, old_path, f.path


def sparse(f: FileChange, side: str) -> str:
    """The lines the diff shows of one side (context and added, or context and
    removed), each at its own line number, blank elsewhere.  For line-oriented
    formats this is enough to parse when the whole file is unknown (hunks-only)."""
    lines: Dict[int, str] = {}
    for line in f.lines():
        no = line.new_no if side == "new" else line.old_no
        if no is not None and (line.kind == " " or line.kind == ("+" if side == "new" else "-")):
            lines[no] = line.text
    if not lines:
        return ""
    return "\n".join(lines.get(i, "") for i in range(1, max(lines) + 1)) + "\n"


def line_oriented(path: str) -> bool:
    """Manifests that can be read from the lines a diff shows (requirements files)."""
    return manifests.parser_for(path) in (req_mod.parse, req_mod.parse_constraints)


def _included_by_head(change: ChangeSet) -> Dict[str, str]:
    """Requirement files pulled in with -r / -c by some manifest of the new
    side: path -> "requirement" or "constraint"."""
    out: Dict[str, str] = {}
    paths = [p for p in _head_manifests(change)
             if manifests.parser_for(p) in (req_mod.parse, req_mod.parse_constraints)]
    texts = change_mod.read_many(change, paths)
    for path in paths:
        parsed = parse_manifest(change, path, texts[path] if path in texts else change.read_head(path), "new")
        for target, kind, _ in parsed.includes:
            out.setdefault(target, kind)
    return out


def _head_manifests(change: ChangeSet) -> List[str]:
    return [p for p in change.list_head() if manifests.is_manifest(p) and not manifests.skipped(p)]


def _parse_any(change: ChangeSet, path: str, text: Optional[str], side: str, included: Dict[str, str]) -> Parsed:
    if manifests.is_manifest(path):
        return parse_manifest(change, path, text, side)
    kind = included.get(path)
    if kind is None or text is None:
        return Parsed()
    parser = req_mod.parse_constraints if kind == "constraint" else req_mod.parse
    return parser(text, path)


def dependency_changes(change: ChangeSet) -> List[DepChange]:
    """Every dependency the change adds, removes, re-versions or moves, in
    manifests and lockfiles.  Lockfile entries nobody declares are
    Dep(group="transitive"); lockfile re-versions of declared packages are
    Dep(group="locked").  Dep.line is the line in the new file (the old
    file for removals)."""
    memo = _memo(change)
    if memo.changes is not None:
        return list(memo.changes)
    included: Dict[str, str] = {}
    candidates = [f for f in change.files if not f.is_binary and not manifests.skipped(f.path)]
    if any(f.path.endswith((".txt", ".in", ".pip")) and not manifests.is_manifest(f.path) for f in candidates):
        included = _included_by_head(change)
    manifest_changes: List[DepChange] = []
    lock_files: List[FileChange] = []
    for f in candidates:
        if lockfiles.is_lockfile(f.path) or (f.old_path and lockfiles.is_lockfile(f.old_path)):
            lock_files.append(f)
            continue
        if not (manifests.is_manifest(f.path) or (f.old_path and manifests.is_manifest(f.old_path))
                or f.path in included):
            continue
        old_text, new_text, old_path, new_path = _sides(f)
        if new_text is None and f.status != DELETED:
            if not line_oriented(new_path):
                continue  # hunks-only coverage: the new file is unknown
            old_text, new_text = sparse(f, "old"), sparse(f, "new")
        old = _parse_any(change, old_path, old_text, "old", included)
        new = _parse_any(change, new_path, new_text, "new", included)
        manifest_changes.extend(diff_deps(old.deps, new.deps))
    manifest_changes = _pair_across_files(manifest_changes)
    result = manifest_changes + _lockfile_changes(change, lock_files, manifest_changes)
    result = _enrich(change, result)
    memo.changes = result
    return list(result)


def _lockfile_changes(change: ChangeSet, files: List[FileChange],
                      manifest_changes: List[DepChange]) -> List[DepChange]:
    if not files:
        return []
    direct = declared(change)
    touched = {(c.dep.ecosystem, c.dep.name) for c in manifest_changes}
    out: List[DepChange] = []
    for f in files:
        old_text, new_text, old_path, new_path = _sides(f)
        if new_text is None:
            continue
        old = parse_lockfile(change, old_path, old_text, "old")
        new = parse_lockfile(change, new_path, new_text, "new")
        old_versions: Dict[Tuple[str, str], Set[str]] = defaultdict(set)
        old_first: Dict[Tuple[str, str], Dep] = {}
        for d in old:
            old_versions[_key(d)].add(d.version)
            old_first.setdefault(_key(d), d)
        seen: Set[Tuple[str, str]] = set()
        new_versions: Dict[Tuple[str, str], Set[str]] = defaultdict(set)
        for d in new:
            new_versions[_key(d)].add(d.version)
        for d in new:
            key = _key(d)
            if key in seen or key in touched:
                continue
            is_direct = d.name in direct.get(d.ecosystem, set())
            if key not in old_versions:
                seen.add(key)
                if not is_direct:
                    out.append(DepChange(ADDED, None, d._replace(group=TRANSITIVE)))
            elif new_versions[key] != old_versions[key] and d.version not in old_versions[key]:
                seen.add(key)
                o = old_first[key]
                group = LOCKED if is_direct else TRANSITIVE
                out.append(DepChange(VERSION_CHANGED, o._replace(group=group), d._replace(group=group)))
    return out


def _enrich(change: ChangeSet, changes: List[DepChange]) -> List[DepChange]:
    """Give a manifest's new dependency the locked version, registry and
    upload time its lockfile records (same folder or a parent)."""
    wanted = {i for i, c in enumerate(changes) if c.new is not None and c.new.group not in (TRANSITIVE, LOCKED)
              and c.kind in (ADDED, VERSION_CHANGED, MOVED)}
    if not wanted:
        return changes
    locks: Dict[str, Dict[Tuple[str, str], Dep]] = {}
    existing = {p for p in change.list_head() if lockfiles.is_lockfile(p)}
    existing.update(f.path for f in change.files if f.status != DELETED and lockfiles.is_lockfile(f.path))

    def lock_for(folder: str) -> Dict[Tuple[str, str], Dep]:
        if folder not in locks:
            table: Dict[Tuple[str, str], Dep] = {}
            for name in lockfiles.NAMES:
                path = posixpath.join(folder, name) if folder else name
                if path not in existing:
                    continue
                text = change.read_head(path)
                if text:
                    for d in parse_lockfile(change, path, text, "new"):
                        table.setdefault(_key(d), d)
            locks[folder] = table
        return locks[folder]

    out = []
    for i, c in enumerate(changes):
        n = c.new
        if n is None or i not in wanted:
            out.append(c)
            continue
        folder = posixpath.dirname(n.manifest)
        found = None
        while True:
            found = lock_for(folder).get(_key(n))
            if found is not None or not folder:
                break
            folder = posixpath.dirname(folder)
        if found is not None:
            n = n._replace(version=n.version or found.version, registry=n.registry or found.registry,
                           uploaded=n.uploaded or found.uploaded)
            c = c._replace(new=n)
        out.append(c)
    return out


# A "manifest" this large is data (a test corpus), not a list someone maintains.
MAX_DECLARED_BYTES = 1_000_000


def declared(change: ChangeSet) -> Dict[str, Set[str]]:
    """Ecosystem -> normalised names declared by any manifest of the new side
    (vendored folders and test fixtures excluded).  npm aliases and cargo
    renames contribute both the key and the real package name."""
    memo = _memo(change)
    if memo.declared is not None:
        return memo.declared
    out: Dict[str, Set[str]] = defaultdict(set)
    todo = _head_manifests(change)
    texts = change_mod.read_many(change, todo)
    done: Set[str] = set()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        text = texts[path] if path in texts else change.read_head(path)
        if text is not None and len(text) > MAX_DECLARED_BYTES:
            continue  # generated data, not a manifest someone maintains
        parsed = parse_manifest(change, path, text, "new") if manifests.is_manifest(path) else (
            req_mod.parse(text, path) if text else Parsed())
        for d in parsed.deps:
            out[d.ecosystem].add(d.name)
            if d.raw_name and d.raw_name.lower() != d.name:
                from guardrails.checks.dependency.model import normalise
                out[d.ecosystem].add(normalise(d.ecosystem, d.raw_name))
        todo.extend(t for t, _, _ in parsed.includes if t not in done)
    memo.declared = dict(out)
    return memo.declared


# --------------------------------------------------------------------------
# Findings of the parsing layer.

def _label(dep: Dep) -> str:
    return dep.raw_name or dep.name


def manifest_findings(changes: List[DepChange]) -> List[Finding]:
    """version-loosened, moved-to-runtime, direct-source and lockfile-only findings."""
    out: List[Finding] = []
    lock_only: Dict[str, List[Dep]] = {}
    for c in changes:
        if c.kind == VERSION_CHANGED and c.old and c.new and c.new.group not in (TRANSITIVE, LOCKED):
            o, n = c.old, c.new
            why = looseness(n.ecosystem, o.spec, n.spec)
            if why:
                severity = None if why in STRONG_LOOSENING else "info"
                out.append(finding(
                    "dependency/version-loosened", n.manifest, n.line,
                    f"{_label(n)}: constraint loosened from {o.spec or 'any'!r} to {n.spec or 'any'!r} "
                    f"({why.replace('-', ' ')})",
                    n.text, severity=severity,
                    details={"ecosystem": n.ecosystem, "package": n.name, "old_spec": o.spec,
                             "new_spec": n.spec, "why": why, "group": n.group},
                ))
            if _new_origin(o.source, n.source) and not _local(n.source):
                out.append(_source_finding(o, n))
        elif c.kind == MOVED and c.old and c.new:
            o, n = c.old, c.new
            # an indirect (go.mod `// indirect`) dependency that becomes direct was installed already
            if n.group == RUNTIME and o.group in NOT_RUNTIME and o.group != TRANSITIVE:
                out.append(finding(
                    "dependency/moved-to-runtime", n.manifest, n.line,
                    f"{_label(n)} moved from {o.group} dependencies ({o.manifest}) to runtime dependencies",
                    n.text,
                    details={"ecosystem": n.ecosystem, "package": n.name, "old_group": o.group,
                             "old_manifest": o.manifest, "spec": n.spec},
                ))
            if _new_origin(o.source, n.source) and not _local(n.source):
                out.append(_source_finding(o, n))
        elif c.kind == ADDED and c.new and c.new.group == OVERRIDE and c.new.source \
                and not _local(c.new.source) and not c.new.source.startswith("npm:"):
            # go.mod `replace a => fork v1`, Cargo [patch] with git, npm overrides to a URL:
            # a package everybody already uses is swapped for other code.
            out.append(_source_finding(Dep(c.new.ecosystem, c.new.name, "", "", c.new.manifest, 0), c.new))
        elif c.kind == ADDED and c.new and c.new.group == TRANSITIVE and lockfiles.is_lockfile(c.new.manifest):
            lock_only.setdefault(c.new.manifest, []).append(c.new)
    for path, deps in lock_only.items():
        if len(deps) > LOCKFILE_ONLY_LIMIT:
            # A new or regenerated lockfile: one finding, not thousands.
            first = deps[0]
            names = [f"{_label(d)} {d.version}".strip() for d in deps]
            out.append(finding(
                "dependency/lockfile-only", path, first.line,
                f"{len(deps)} packages appear in {posixpath.basename(path)} without a manifest declaring them "
                f"(transitive dependencies, or edits to the lockfile alone): {', '.join(names[:10])}, ...",
                first.text,
                details={"ecosystem": first.ecosystem, "count": len(deps), "packages": names[:500]},
            ))
            continue
        for n in deps:
            out.append(finding(
                "dependency/lockfile-only", n.manifest, n.line,
                f"{_label(n)} {n.version} appears in {posixpath.basename(n.manifest)} without a manifest "
                f"declaring it (a transitive dependency, or an edit to the lockfile alone)",
                n.text,
                details={"ecosystem": n.ecosystem, "package": n.name, "version": n.version,
                         "registry": n.registry, "source": n.source, "uploaded": n.uploaded},
            ))
    return out


def _local(source: str) -> bool:
    return source.startswith(("workspace:", "file:", "link:", "portal:", "path:", ".", "/"))


def _source_finding(o: Dep, n: Dep) -> Finding:
    return finding(
        "dependency/direct-source", n.manifest, n.line,
        f"{_label(n)} now comes from {n.source} instead of "
        f"{o.source or 'the package registry'}",
        n.text,
        details={"ecosystem": n.ecosystem, "package": n.name, "old_source": o.source,
                 "new_source": n.source},
    )
