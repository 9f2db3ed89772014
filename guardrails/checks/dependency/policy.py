"""The dependency family's policy: what a new dependency or import means.

Defaults: a new, declared, used, known package -> info (``new-dependency``);
unused, undeclared, unverified or young -> escalate; look-alike,
non-existent or denied -> block.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.dependency import imports, lockfiles, names, registry
from guardrails.checks.dependency.model import (
    CARGO, GO, NPM, PYPI, Dep, DepChange,
)
from guardrails.errors import GuardError
from guardrails.model import ChangeSet, Context, Finding

ADDED = "added"
TRANSITIVE = "transitive"
# Groups that name no package of their own to vet (a version pin for another one).
NOT_NEW = ("locked", "constraint")
# Groups whose packages are meant to be imported or run by the project.
USED_GROUPS = ("runtime", "dev", "optional", "")

R_NEW = "dependency/new-dependency"
R_UNUSED = "dependency/unused-dependency"
R_UNDECLARED = "dependency/undeclared-import"
R_LOOKALIKE = "dependency/lookalike-name"
R_UNKNOWN = "dependency/unknown-package"
R_YOUNG = "dependency/young-package"
R_UNVERIFIED = "dependency/unverified-package"
R_DENIED = "dependency/denied-package"

# A look-alike older than this, with this many releases, is escalated instead of blocked (online only).
ESTABLISHED_DAYS = 365
ESTABLISHED_RELEASES = 5
# Registries we can ask; for the other ecosystems there is nothing to verify against.
VERIFIABLE = (PYPI, NPM, CARGO, GO)
# Names trusted without a list: the language projects' own modules.
TRUSTED_PREFIXES = {GO: ("golang.org/x/", "google.golang.org/", "cloud.google.com/go", "k8s.io/")}


class Policy:
    def __init__(self, change: ChangeSet, settings: Mapping[str, Any], online: bool):
        self.change = change
        self.s = settings
        self.online = online
        self.allow = _patterns(settings.get("allow"), "allow")
        self.deny = _patterns(settings.get("deny"), "deny")
        approved_file = str(settings.get("approved_file") or "")
        if approved_file:
            self.allow += _approved(change, approved_file)
        self.max_age = _number(settings.get("max_age_days", 30), "max_age_days")
        self.min_releases = int(_number(settings.get("min_releases", 3), "min_releases"))

    def allowed(self, dep: Dep) -> bool:
        return _match(dep, self.allow)

    def denied(self, dep: Dep) -> Optional[str]:
        for eco, pat in self.deny:
            if (not eco or eco == dep.ecosystem) and _name_matches(dep, pat):
                return pat
        return None


def _patterns(value: Any, option: str) -> List[Tuple[str, str]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise GuardError(f"dependency.{option}: must be a list of package names or globs")
    out = []
    for item in value:
        text = str(item).strip()
        eco, sep, pat = text.partition(":")
        if sep and eco in (PYPI, NPM, GO, CARGO, "rubygems", "maven", "actions", "conda", "composer", "nuget") \
                and not pat.startswith("//"):
            out.append((eco, pat))
        else:
            out.append(("", text))
    return out


def _approved(change: ChangeSet, path: str) -> List[Tuple[str, str]]:
    """The approved-packages file as the base revision has it (the change cannot approve itself).
    A diff is judged by the working tree's file, or by its version before
    the diff when the diff itself edits, adds or deletes it."""
    touched = any(path in (f.path, f.old_path) for f in change.files)
    text = change.read_base(path) if change.mode != "diff" or touched else change.read_head(path)
    if text is None:
        return []
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    return _patterns([ln for ln in lines if ln], "approved_file")


def _number(value: Any, option: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise GuardError(f"dependency.{option}: must be a non-negative number")
    return float(value)


def _name_matches(dep: Dep, pattern: str) -> bool:
    pat = pattern.lower()
    cands = {dep.name.lower(), (dep.raw_name or dep.name).lower()}
    if dep.ecosystem == PYPI:
        pat = re.sub(r"[-_.]+", "-", pat)
    return any(fnmatch.fnmatchcase(c, pat) for c in cands)


def _match(dep: Dep, patterns: Sequence[Tuple[str, str]]) -> bool:
    return any((not eco or eco == dep.ecosystem) and _name_matches(dep, pat) for eco, pat in patterns)


def _label(dep: Dep) -> str:
    return dep.raw_name or dep.name


def _where(dep: Dep) -> str:
    group = dep.group if dep.group and dep.group != "runtime" else ""
    group = "indirect" if group == TRANSITIVE else group
    kind = f"{group} dependency" if group else "dependency"
    return f"{kind} in {dep.manifest}"


def _details(dep: Dep, **extra: Any) -> Dict[str, Any]:
    d: Dict[str, Any] = {"ecosystem": dep.ecosystem, "package": dep.name, "manifest": dep.manifest,
                         "group": dep.group, "spec": dep.spec}
    if dep.version:
        d["version"] = dep.version
    d.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return d


def evaluate(change: ChangeSet, ctx: Context, changes: Sequence[DepChange],
             declared: Dict[str, Set[str]], enabled: Iterable[str]) -> List[Finding]:
    settings = ctx.settings
    online = bool(ctx.options.online or settings.get("online"))
    pol = Policy(change, settings, online)
    enabled = set(enabled)
    added = [c.new for c in changes if c.kind == ADDED and c.new is not None
             and c.new.ecosystem in enabled and c.new.group not in NOT_NEW]
    out: List[Finding] = []
    project = imports.Project(change)

    direct = [d for d in added if d.group != TRANSITIVE]
    vet: List[Dep] = []  # deps whose names we vet (look-alike, registry)
    reported: Set[int] = set()
    for i, d in enumerate(added):
        pat = pol.denied(d)
        if pat:
            out.append(finding(R_DENIED, d.manifest, d.line,
                               f"{_label(d)} is on the deny list ({pat!r}) of this repository's policy "
                               f"({_where(d)})", d.text, details=_details(d, pattern=pat)))
            reported.add(i)
            continue
        if pol.allowed(d) or _local(d):
            continue
        vet.append(d)

    # Look-alike names (all new names, lockfile ones included: cheap, offline).
    lookalikes: Dict[Tuple[str, str], names.LookAlike] = {}
    for d in vet:
        la = names.lookalike(d.ecosystem, d.name)
        if la is not None:
            lookalikes[(d.ecosystem, d.name)] = la

    # Registry: existence and age, for direct dependencies.
    to_check = [d for d in vet if d.group != TRANSITIVE and d.ecosystem in VERIFIABLE]
    answers: Dict[Tuple[str, str], registry.Answer] = {}
    if online and to_check:
        rs = registry.settings_from(dict(settings))
        answers = registry.lookup_many([(d.ecosystem, _registry_name(d)) for d in to_check], rs)
        failed = sorted({n for (e, n), a in answers.items() if a.status == registry.ERROR})
        if failed:
            ctx.warn(f"dependency: registry look-up failed for {', '.join(failed[:10])}"
                     f"{' ...' if len(failed) > 10 else ''}; reported as unverified")

    per_dep: Dict[int, List[Finding]] = {}
    for d in vet:
        key = (d.ecosystem, d.name)
        found: List[Finding] = []
        la = lookalikes.get(key)
        if la is not None:
            # Online, a look-alike with a long public history is more likely a
            # legitimate neighbour ("emojis" next to "emoji") than a fresh trap:
            # still reported, for a human to decide, but not blocked outright.
            ans = answers.get((d.ecosystem, _registry_name(d)))
            age = registry.age_days(ans.first_release) if ans and ans.status == registry.FOUND else None
            established = age is not None and age > ESTABLISHED_DAYS and ans is not None \
                and ans.releases >= ESTABLISHED_RELEASES
            history = (f"; it has been on the registry since {ans.first_release[:10]} with {ans.releases} "
                       f"releases, so it may be a legitimate neighbour" if established and ans else "")
            # A plural- or separator-only difference from a package outside the most
            # downloaded ones is weak evidence: escalated while nobody asked the registry
            # (offline, or it did not answer); online, a young or unknown name still blocks.
            asked = ans is not None and ans.status in (registry.FOUND, registry.MISSING)
            weak = la.weak and not asked
            if weak:
                history = (f"; only a {'plural' if la.kind == names.PLURAL else 'separator'} differs from a "
                           f"package outside the {names.WEAK_TARGETS} most downloaded, which is as often a "
                           f"legitimate neighbour: run with --online to check its history")
            found.append(finding(
                R_LOOKALIKE, d.manifest, d.line,
                f"{_label(d)} looks like the popular package {la.target} ({la.how}) but is not it "
                f"({_where(d)}): a typo or a typosquat installs someone else's code{history}",
                d.text, severity="escalate" if established or weak else None,
                details=_details(d, resembles=la.target, how=la.how, kind=la.kind, target_rank=la.target_rank,
                                 established=established or None, weak=weak or None,
                                 first_release=ans.first_release if established and ans else None)))
        if d.group != TRANSITIVE and d.ecosystem in VERIFIABLE and not _trusted(d):
            found.extend(_existence(d, pol, answers.get((d.ecosystem, _registry_name(d))), online,
                                    bool(la)))
        per_dep[id(d)] = found
        out.extend(found)

    # Unused: direct runtime/dev/optional packages nothing uses.
    candidates = [d for d in direct if d.group in USED_GROUPS and d.ecosystem in (PYPI, NPM)
                  and not imports.is_plugin(d.ecosystem, d.name) and not _local_name(d)
                  and not _self_reference(d, project, change) and not _compiled_transitive(change, d)]
    if candidates and not change.repo:
        ctx.warn("dependency: no repository to search, so new packages were not checked for use "
                 "(unused-dependency)")
        candidates = []
    used = imports.used_packages(change, candidates, project) if candidates else set()
    for d in candidates:
        if (d.ecosystem, d.name) in used:
            continue
        guess = sorted(imports.import_names(d.name), key=lambda n: (n.count("."), n))[:4] \
            if d.ecosystem == PYPI else [d.name]
        f = finding(
            R_UNUSED, d.manifest, d.line,
            f"{_label(d)} is added ({_where(d)}) but nothing in the repository imports or runs it "
            f"(looked for {', '.join(guess)})",
            d.text, details=_details(d, looked_for=guess))
        per_dep.setdefault(id(d), []).append(f)
        out.append(f)

    # Visible, not blocking: the new direct dependencies nothing else was said about,
    # and indirect ones a manifest records (go.mod "// indirect"; lockfiles have their own rule).
    shown = direct + [d for d in added if d.group == TRANSITIVE and not lockfiles.is_lockfile(d.manifest)]
    for d in shown:
        if per_dep.get(id(d)) or pol.denied(d):
            continue
        extra = "approved by policy" if pol.allowed(d) else ""
        out.append(finding(R_NEW, d.manifest, d.line,
                           f"new {_where(d)}: {_label(d)}{' ' + d.spec if d.spec else ''}",
                           d.text, details=_details(d, note=extra, source=d.source)))

    # Undeclared imports.
    for u in imports.undeclared(change, declared, project, enabled):
        imp = u.imp
        where = "a manifest (pyproject.toml, requirements, setup.cfg ...)" if u.ecosystem == PYPI \
            else "package.json"
        out.append(finding(
            R_UNDECLARED, imp.path, imp.line,
            f"imports {imp.shown or imp.module!r}, but no manifest of the repository declares {u.suggestion}: "
            f"it works only where someone installed it by hand; declare it in {where}",
            imp.text, details={"ecosystem": u.ecosystem, "module": imp.module, "package": u.suggestion,
                               "language": imp.language}))
    return out


_VIA = re.compile(r"^\s*#\s*via\b\s*(.*)$")
_VIA_ITEM = re.compile(r"^\s*#\s+(\S.*)$")


def _compiled_transitive(change: ChangeSet, d: Dep) -> bool:
    """A pip-compile / uv pip compile output line whose "# via" names other
    packages only: pulled in by them, not chosen by the project."""
    if d.ecosystem != PYPI or not d.line or not d.manifest.endswith((".txt", ".in")):
        return False
    text = change.read_head(d.manifest)
    if not text:
        return False
    lines = text.splitlines()
    via: List[str] = []
    own = lines[d.line - 1] if d.line <= len(lines) else ""
    inline = re.search(r"#\s*via\s+(\S.*)$", own)
    if inline:
        via.append(inline.group(1).strip())
    started = False
    for ln in lines[d.line:d.line + 30]:
        m = _VIA.match(ln)
        if m and not started:
            started = True
            if m.group(1).strip():
                via.append(m.group(1).strip())
            continue
        item = _VIA_ITEM.match(ln) if started else None
        if item:
            via.append(item.group(1).strip())
            continue
        break
    return bool(via) and not any(v.startswith(("-r ", "-c ")) or v.endswith((".in", ".txt", ".toml"))
                                 for v in via)


def _registry_name(d: Dep) -> str:
    return d.raw_name if d.ecosystem == GO and d.raw_name else d.name


def _local(d: Dep) -> bool:
    """Path, VCS and URL dependencies: not a registry name to vet."""
    return bool(d.source) and not d.source.startswith(("registry", "npm:"))


def _local_name(d: Dep) -> bool:
    return d.source.startswith(("workspace:", "file:", "link:", "path:", ".", "/")) if d.source else False


def _trusted(d: Dep) -> bool:
    return any(d.name.startswith(p) for p in TRUSTED_PREFIXES.get(d.ecosystem, ()))


def _self_reference(d: Dep, project: "imports.Project", change: ChangeSet) -> bool:
    """A workspace package depending on a sibling (npm) is used by construction."""
    if d.ecosystem == NPM:
        own, _, _ = project.js_own()
        return d.name in own
    return False


def _existence(d: Dep, pol: Policy, answer: Optional[registry.Answer], online: bool,
               lookalike: bool) -> List[Finding]:
    label = _label(d)
    if online and answer is not None:
        if answer.status == registry.MISSING:
            return [finding(
                R_UNKNOWN, d.manifest, d.line,
                f"{label} does not exist on the {d.ecosystem} registry ({_where(d)}): a hallucinated "
                f"name, and anyone may register it tomorrow",
                d.text, details=_details(d, url=answer.url))]
        if answer.status == registry.FOUND:
            if answer.where == "private index":
                return []
            age = registry.age_days(answer.first_release)
            young = age is not None and age < pol.max_age
            few = 0 <= answer.releases < pol.min_releases
            if young or few:
                why = []
                if young and age is not None:
                    why.append(f"first published {int(age)} day{'s' if int(age) != 1 else ''} ago "
                               f"({answer.first_release[:10]})")
                if few:
                    why.append(f"only {answer.releases} release{'s' if answer.releases != 1 else ''}")
                return [finding(
                    R_YOUNG, d.manifest, d.line,
                    f"{label} is new on the registry: {' and '.join(why)} ({_where(d)}); "
                    f"young packages are where typosquats and slopsquats live",
                    d.text, details=_details(d, first_release=answer.first_release, releases=answer.releases,
                                             age_days=round(age, 1) if age is not None else None,
                                             url=answer.url))]
            return []
        if lookalike:
            return []
        return [finding(
            R_UNVERIFIED, d.manifest, d.line,
            f"{label} could not be verified: the registry did not answer ({answer.error}) "
            f"and it is not a known popular package ({_where(d)})",
            d.text, details=_details(d, url=answer.url, error=answer.error))]
    # Offline.
    age = registry.age_days(d.uploaded) if d.uploaded else None
    if age is not None and age < pol.max_age and not names.is_popular(d.ecosystem, d.name):
        return [finding(
            R_YOUNG, d.manifest, d.line,
            f"{label} {d.version} was uploaded {int(age)} days ago ({d.uploaded[:10]}, from the lockfile) "
            f"and is not a known popular package ({_where(d)})",
            d.text, details=_details(d, uploaded=d.uploaded, age_days=round(age, 1)))]
    if lookalike or names.is_popular(d.ecosystem, d.name):
        return []
    return [finding(
        R_UNVERIFIED, d.manifest, d.line,
        f"{label} is not among the known popular {d.ecosystem} packages and was not checked against the "
        f"registry (offline; run with --online) ({_where(d)}): confirm it exists and is the intended one",
        d.text, details=_details(d, hint="run with --online, or add it to dependency.allow"))]


