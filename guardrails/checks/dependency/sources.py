"""Other ways code comes in, besides the manifests' dependency lists:

- package indexes, registries and channels a change adds (requirements
  options, pyproject / Pipfile sources, pip.conf, uv.toml, .npmrc, .yarnrc,
  .yarnrc.yml, bunfig.toml, .condarc, .cargo/config.toml, Gemfile, Maven and
  Gradle repositories) and lockfile entries resolved from a new registry;
- pre-commit hook repositories and their additional_dependencies;
- GitHub Actions `uses:` not pinned to a commit SHA;
- commands added to Dockerfiles, shell scripts, Makefiles, workflow `run:`
  blocks and package.json scripts that install or run a named package, or
  pipe a download into a shell.

Everything is parsed from the old and new file texts; nothing is run.
"""
from __future__ import annotations

import ast
import configparser
import json
import posixpath
import re
import shlex
from typing import AbstractSet, Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

from guardrails.checks import finding
from guardrails.checks.dependency import diff as diff_mod, lockfiles, manifests, unreadable
from guardrails.checks.dependency.manifests import _json, _toml, _yaml
from guardrails.checks.dependency.model import (
    CARGO, COMPOSER, CONDA, GO, NPM, PYPI, RUBYGEMS, Index, mask,
)
from guardrails.model import DELETED, ChangeSet, Context, FileChange, Finding

# --------------------------------------------------------------------------
# Package indexes.

DEFAULT_INDEXES = (
    "https://pypi.org/simple", "https://pypi.python.org/simple", "https://pypi.org/pypi",
    "https://files.pythonhosted.org", "https://registry.npmjs.org", "https://registry.yarnpkg.com",
    "https://registry.npmjs.com", "https://rubygems.org", "http://rubygems.org",
    "https://repo.maven.apache.org/maven2", "https://repo1.maven.org/maven2",
    "https://index.crates.io", "sparse+https://index.crates.io", "https://github.com/rust-lang/crates.io-index",
    "https://conda.anaconda.org/conda-forge", "https://repo.anaconda.com/pkgs/main",
    "https://plugins.gradle.org/m2", "https://repo.packagist.org", "https://packagist.org",
    "https://api.nuget.org/v3/index.json", "https://dl.google.com/dl/android/maven2", "https://maven.google.com",
)
DEFAULT_CHANNELS = {"defaults", "conda-forge", "nodefaults", "main", "r", "msys2"}


def _canon(url: str) -> str:
    return url.strip().rstrip("/").lower()


def is_default_index(index: Index) -> bool:
    url = _canon(index.url)
    if index.kind == "channel" and url in DEFAULT_CHANNELS:
        return True
    if index.kind == "trusted-host":
        return url in ("pypi.org", "files.pythonhosted.org", "pypi.python.org")
    return any(url == _canon(d) or url.startswith(_canon(d) + "/") for d in DEFAULT_INDEXES)


def _ini_indexes(text: str, path: str) -> List[Index]:
    """pip.conf / pip.ini: index-url, extra-index-url, find-links, trusted-host."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    lines = text.splitlines()
    out: List[Index] = []
    for section in parser.sections():
        for key in ("index-url", "index_url", "extra-index-url", "extra_index_url", "find-links",
                    "find_links", "trusted-host", "trusted_host"):
            if not parser.has_option(section, key):
                continue
            kind = key.replace("_", "-")
            for value in parser.get(section, key).split():
                no = next((i for i, ln in enumerate(lines, 1) if value in ln), 0)
                out.append(Index(url=mask(value), kind=kind, ecosystem=PYPI, path=path, line=no,
                                 text=mask(lines[no - 1].strip()) if no else "", default=kind == "index-url"))
    return out


def _uv_toml_indexes(text: str, path: str) -> List[Index]:
    data, problem = _toml.loads(text, path)
    if problem:
        return []
    loc = _toml.Locator(text)
    out: List[Index] = []
    for i, index in enumerate(data.get("index") or ()):
        if isinstance(index, dict) and isinstance(index.get("url"), str):
            line = loc.key(("index", "url"), i)
            out.append(Index(url=mask(index["url"]), kind="index", ecosystem=PYPI, path=path, line=line,
                             text=mask(loc.text(line)), name=str(index.get("name", "")),
                             default=bool(index.get("default"))))
    for key in ("index-url", "extra-index-url", "find-links"):
        values = data.get(key)
        for url in values if isinstance(values, list) else [values] if values else []:
            if isinstance(url, str):
                line = loc.value((key,), url)
                out.append(Index(url=mask(url), kind=key, ecosystem=PYPI, path=path, line=line,
                                 text=mask(loc.text(line)), default=key == "index-url"))
    pip = data.get("pip")
    if isinstance(pip, dict):
        for key in ("index-url", "extra-index-url", "find-links"):
            values = pip.get(key)
            for url in values if isinstance(values, list) else [values] if values else []:
                if isinstance(url, str):
                    line = loc.value(("pip", key), url)
                    out.append(Index(url=mask(url), kind=key, ecosystem=PYPI, path=path, line=line,
                                     text=mask(loc.text(line)), default=key == "index-url"))
    return out


_NPMRC = re.compile(r"^\s*(@[\w.-]+:)?registry\s*=\s*(\S+)")


def _npmrc_indexes(text: str, path: str) -> List[Index]:
    out: List[Index] = []
    for no, line in enumerate(text.splitlines(), 1):
        m = _NPMRC.match(line)
        if m:
            out.append(Index(url=mask(m.group(2).strip("\"'")), kind="registry", ecosystem=NPM, path=path,
                             line=no, text=mask(line.strip()), name=(m.group(1) or "").rstrip(":"),
                             default=not m.group(1)))
    return out


_YARNRC = re.compile(r"""^\s*(?:"?(@[\w.-]+)?:?registry"?|registry)\s+["']?([^"'\s]+)""")


def _yarnrc_indexes(text: str, path: str) -> List[Index]:
    out: List[Index] = []
    for no, line in enumerate(text.splitlines(), 1):
        m = _YARNRC.match(line)
        if m:
            out.append(Index(url=mask(m.group(2)), kind="registry", ecosystem=NPM, path=path, line=no,
                             text=mask(line.strip()), name=m.group(1) or ""))
    return out


def _yarnrc_yml_indexes(text: str, path: str) -> List[Index]:
    root = _yaml.compose(text)
    out: List[Index] = []
    lines = text.splitlines()

    def add(node: Optional[object], scope: str) -> None:
        url = _yaml.scalar(node)  # type: ignore[arg-type]  # the _yaml helpers answer None for other nodes
        if url:
            no = _yaml.line(node)  # type: ignore[arg-type]  # the _yaml helpers answer None for other nodes
            out.append(Index(url=mask(url), kind="registry", ecosystem=NPM, path=path, line=no,
                             text=mask(lines[no - 1].strip()) if no <= len(lines) else url, name=scope,
                             default=not scope))

    add(_yaml.get(root, "npmRegistryServer"), "")
    for scope, _, node in _yaml.items(_yaml.get(root, "npmScopes")):
        add(_yaml.get(node, "npmRegistryServer"), "@" + scope)
    return out


def _bunfig_indexes(text: str, path: str) -> List[Index]:
    data, problem = _toml.loads(text, path)
    if problem:
        return []
    loc = _toml.Locator(text)
    out: List[Index] = []
    raw_install = data.get("install")
    install: Dict[str, Any] = raw_install if isinstance(raw_install, dict) else {}
    candidates = [("registry", install.get("registry"), "")]
    scopes = install.get("scopes")
    for scope, value in (scopes.items() if isinstance(scopes, dict) else ()):
        candidates.append(("scopes", value, scope))
    for key, value, scope in candidates:
        url = value if isinstance(value, str) else value.get("url") if isinstance(value, dict) else None
        if isinstance(url, str):
            line = loc.value(("install", key) if not scope else ("install", "scopes", scope), url)
            out.append(Index(url=mask(url), kind="registry", ecosystem=NPM, path=path, line=line,
                             text=mask(loc.text(line)), name=scope, default=not scope))
    return out


def _condarc_indexes(text: str, path: str) -> List[Index]:
    root = _yaml.compose(text)
    out: List[Index] = []
    lines = text.splitlines()
    for key in ("channels", "default_channels"):
        for node in _yaml.seq(_yaml.get(root, key)):
            value = _yaml.scalar(node)
            if value:
                no = _yaml.line(node)
                out.append(Index(url=mask(value), kind="channel", ecosystem=CONDA, path=path, line=no,
                                 text=mask(lines[no - 1].strip()) if no <= len(lines) else value, name=value))
    alias = _yaml.get(root, "channel_alias")
    if _yaml.scalar(alias):
        no = _yaml.line(alias)  # type: ignore[arg-type]  # the _yaml helpers answer None for other nodes
        out.append(Index(url=mask(_yaml.scalar(alias) or ""), kind="channel", ecosystem=CONDA, path=path,
                         line=no, text=mask(lines[no - 1].strip()), default=True))
    return out


def _cargo_config_indexes(text: str, path: str) -> List[Index]:
    data, problem = _toml.loads(text, path)
    if problem:
        return []
    loc = _toml.Locator(text)
    out: List[Index] = []
    for name, reg in (data.get("registries") or {}).items():
        if isinstance(reg, dict) and isinstance(reg.get("index"), str):
            line = loc.key(("registries", name, "index"))
            out.append(Index(url=mask(reg["index"]), kind="registry", ecosystem=CARGO, path=path, line=line,
                             text=mask(loc.text(line)), name=name))
    for name, src in (data.get("source") or {}).items():
        if not isinstance(src, dict):
            continue
        for key in ("registry", "local-registry", "directory", "git", "replace-with"):
            value = src.get(key)
            if isinstance(value, str):
                line = loc.key(("source", name, key))
                out.append(Index(url=mask(value), kind="source-replacement" if key == "replace-with" else key,
                                 ecosystem=CARGO, path=path, line=line, text=mask(loc.text(line)), name=name,
                                 default=name == "crates-io"))
    return out


def _manifest_indexes(text: str, path: str) -> List[Index]:
    return list(manifests.parse(path, text).indexes)


INDEX_FILES = (
    (re.compile(r"(?:^|/)(?:pip\.conf|pip\.ini)$"), _ini_indexes),
    (re.compile(r"(?:^|/)uv\.toml$"), _uv_toml_indexes),
    (re.compile(r"(?:^|/)\.npmrc$"), _npmrc_indexes),
    (re.compile(r"(?:^|/)\.yarnrc$"), _yarnrc_indexes),
    (re.compile(r"(?:^|/)\.yarnrc\.yml$"), _yarnrc_yml_indexes),
    (re.compile(r"(?:^|/)bunfig\.toml$"), _bunfig_indexes),
    (re.compile(r"(?:^|/)\.condarc$"), _condarc_indexes),
    (re.compile(r"(?:^|/)\.cargo/config(?:\.toml)?$"), _cargo_config_indexes),
)


def indexes_of(path: str, text: Optional[str]) -> List[Index]:
    if not text:
        return []
    for regex, reader in INDEX_FILES:
        if regex.search(path):
            try:
                return reader(text, path)
            except (AttributeError, TypeError, KeyError, IndexError, ValueError):
                return []  # a value of an unexpected type: not a configuration we can read
    if manifests.is_manifest(path):
        return _manifest_indexes(text, path)
    return []


def _index_key(index: Index) -> Tuple[str, str]:
    return index.ecosystem, _canon(index.url)


_LINE_INDEX_FILES = re.compile(r"(?:^|/)\.(?:npmrc|yarnrc)$")


def index_findings(change: ChangeSet, f: FileChange) -> List[Finding]:
    old_text, new_text, old_path, new_path = _sides(f)
    if new_text is None and f.status != DELETED and (
            diff_mod.line_oriented(new_path) or _LINE_INDEX_FILES.search(new_path)):
        old_text, new_text = diff_mod.sparse(f, "old"), diff_mod.sparse(f, "new")  # hunks-only
    if new_text is None:
        return []
    if manifests.is_manifest(new_path):
        new = list(diff_mod.parse_manifest(change, new_path, new_text, "new").indexes)
        old = list(diff_mod.parse_manifest(change, old_path, old_text, "old").indexes)
    else:
        new = indexes_of(new_path, new_text)
        if not new:
            return []
        old = indexes_of(old_path, old_text)
    known = {_index_key(i) for i in old}
    out: List[Finding] = []
    for index in new:
        if _index_key(index) in known or is_default_index(index):
            continue
        known.add(_index_key(index))
        what = {
            "extra-index-url": "an extra package index, searched next to the default one (dependency confusion)",
            "index-url": "a replacement for the default package index",
            "find-links": "a page of package links pip may install from",
            "trusted-host": "a host whose TLS certificate pip will not check",
            "channel": "a conda channel",
            "source-replacement": "a replacement for crates.io",
        }.get(index.kind, "a package source")
        if index.kind in ("registry", "index", "source") and index.name and not index.default:
            what = f"a package source ({index.name})"
        out.append(finding(
            "dependency/new-package-index", index.path, index.line,
            f"{index.url} is configured as {what}",
            index.text,
            details={"url": index.url, "kind": index.kind, "ecosystem": index.ecosystem, "name": index.name,
                     "replaces_default": index.default},
        ))
    return out


def lockfile_registry_findings(change: ChangeSet, f: FileChange) -> List[Finding]:
    """Lockfile entries resolved from a registry the old lockfile never used,
    or that switched from the registry to a URL / Git source."""
    old_text, new_text, old_path, new_path = _sides(f)
    if new_text is None:
        return []
    new = diff_mod.parse_lockfile(change, new_path, new_text, "new")
    old = diff_mod.parse_lockfile(change, old_path, old_text, "old")
    old_hosts = {lockfiles.registry_of(d.registry) for d in old if d.registry}
    old_src = {(d.name, d.version): d.source for d in old}
    old_names = {d.name: d.source for d in old}
    by_host: Dict[str, List] = {}
    out: List[Finding] = []
    for d in new:
        if d.registry and not lockfiles.is_default_registry(d.registry):
            host = lockfiles.registry_of(d.registry)
            if host not in old_hosts:
                by_host.setdefault(host, []).append(d)
        if d.source and not diff_mod._local(d.source) and not d.source.startswith("path:") \
                and d.name in old_names and not old_names[d.name] and old_src.get((d.name, d.version)) != d.source:
            out.append(finding(
                "dependency/direct-source", d.manifest, d.line,
                f"{d.raw_name or d.name} is now resolved from {d.source} instead of the package registry",
                d.text, details={"ecosystem": d.ecosystem, "package": d.name, "new_source": d.source,
                                 "lockfile": d.manifest}))
    for host, deps in by_host.items():
        first = deps[0]
        names = sorted({d.raw_name or d.name for d in deps})
        out.append(finding(
            "dependency/new-package-index", first.manifest, first.line,
            f"{posixpath.basename(first.manifest)} now resolves {', '.join(names[:5])}"
            f"{' and %d more' % (len(names) - 5) if len(names) > 5 else ''} from {host}, "
            f"a registry the old lockfile did not use",
            first.text, details={"url": host, "kind": "lockfile-registry", "ecosystem": first.ecosystem,
                                 "packages": names[:50]}))
    return out


# --------------------------------------------------------------------------
# pre-commit and GitHub Actions.

_SHA = re.compile(r"^[0-9a-f]{40}$")


def _precommit_repos(text: Optional[str]) -> List[Dict[str, Any]]:
    root = _yaml.compose(text or "")
    out = []
    for node in _yaml.seq(_yaml.get(root, "repos")):
        repo_node = _yaml.get(node, "repo")
        url = _yaml.scalar(repo_node) or ""
        entry: Dict[str, Any] = {"url": url, "line": _yaml.line(repo_node) if repo_node is not None else 0,
                 "rev": _yaml.scalar(_yaml.get(node, "rev")) or "", "deps": []}
        for hook in _yaml.seq(_yaml.get(node, "hooks")):
            hook_id = _yaml.scalar(_yaml.get(hook, "id")) or ""
            for dep in _yaml.seq(_yaml.get(hook, "additional_dependencies")):
                value = _yaml.scalar(dep)
                if value:
                    entry["deps"].append((hook_id, value, _yaml.line(dep)))
        out.append(entry)
    return out


def precommit_findings(f: FileChange) -> List[Finding]:
    old_text, new_text, _, path = _sides(f)
    if new_text is None:
        return []
    old = _precommit_repos(old_text)
    new = _precommit_repos(new_text)
    old_urls = {_canon(r["url"]) for r in old}
    old_deps = {(_canon(r["url"]), hook, re.sub(r"\s+", "", dep)) for r in old for hook, dep, _ in r["deps"]}
    lines = new_text.splitlines()
    out: List[Finding] = []
    seen: Set[Tuple[int, str]] = set()  # YAML aliases repeat the same node
    for repo in new:
        url = repo["url"]
        if url in ("local", "meta") or not url:
            pass
        elif _canon(url) not in old_urls:
            rev = repo["rev"]
            out.append(finding(
                "dependency/new-pre-commit-repo", path, repo["line"],
                f"new pre-commit hook repository {url}" + ("" if _SHA.match(rev) else
                                                         f" at {rev or 'no rev'} (not a full commit SHA)"),
                mask(lines[repo["line"] - 1] if 0 < repo["line"] <= len(lines) else url),
                details={"repo": url, "rev": rev, "rev_is_sha": bool(_SHA.match(rev))}))
        for hook, dep, no in repo["deps"]:
            if (_canon(url), hook, re.sub(r"\s+", "", dep)) in old_deps or (no, dep) in seen:
                continue
            seen.add((no, dep))
            out.append(finding(
                "dependency/new-pre-commit-repo", path, no,
                f"pre-commit hook {hook or '?'} ({url}) installs {dep} as an additional dependency",
                lines[no - 1] if 0 < no <= len(lines) else dep,
                details={"repo": url, "hook": hook, "dependency": dep}))
    return out


def _uses_nodes(root: object) -> Iterator[Tuple[str, int]]:
    """(value, line) of every `uses:` in a workflow or action file."""
    stack = [root]
    while stack:
        node = stack.pop()
        for key, _, value in _yaml.items(node):  # type: ignore[arg-type]  # the _yaml helpers answer None for other nodes
            if key == "uses" and _yaml.scalar(value):
                yield str(_yaml.scalar(value)).strip(), _yaml.line(value)
            else:
                stack.append(value)
        stack.extend(_yaml.seq(node))  # type: ignore[arg-type]  # the _yaml helpers answer None for other nodes


def unpinned(uses: str) -> str:
    """'' when USES is pinned (or local); else what it is pinned to."""
    if uses.startswith(("./", ".\\")):
        return ""
    if uses.startswith("docker://"):
        return "" if "@sha256:" in uses else "a Docker tag"
    if "@" not in uses:
        return "no ref at all"
    ref = uses.rsplit("@", 1)[1]
    if _SHA.match(ref):
        return ""
    if re.match(r"^v?\d+(\.\d+)*$", ref):
        return f"the tag {ref}"
    return f"the ref {ref}"


_USES_LINE = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)""")


def action_findings(f: FileChange, used_elsewhere: Optional[Callable[[], Dict[str, Set[str]]]] = None
                    ) -> List[Finding]:
    """USED_ELSEWHERE: action_name -> refs the base revision's workflow and action
    files run, asked for only when a pinned action is new to this file."""
    old_text, new_text, _, path = _sides(f)
    if new_text is None and f.status != DELETED:
        # hunks-only: the lines the diff shows are all there is
        new_text = diff_mod.sparse(f, "new")
        old_uses = {m.group(1) for m in map(_USES_LINE.match, diff_mod.sparse(f, "old").splitlines()) if m}
        found = [(m.group(1), no) for no, m in enumerate(map(_USES_LINE.match, new_text.splitlines()), 1) if m]
        return _uses_findings(path, new_text, found, old_uses, used_elsewhere)
    if new_text is None or "uses" not in new_text:
        return []
    new_root = _yaml.compose(new_text)
    if new_root is None:
        return []
    old_uses = {u for u, _ in _uses_nodes(_yaml.compose(old_text))} if old_text else set()
    return _uses_findings(path, new_text, list(_uses_nodes(new_root)), old_uses, used_elsewhere)


def repository_actions(change: ChangeSet) -> Dict[str, Set[str]]:
    """action_name -> the refs it is used at, in the base revision's workflow and action files."""
    out: Dict[str, Set[str]] = {}
    if change.mode == "diff":
        return out
    for p in change.list_head():
        if _WORKFLOW.search(p) or _ACTION.search(p):
            text = change.read_base(p)
            if text and "uses" in text:
                for m in map(_USES_LINE.match, text.splitlines()):
                    if m:
                        uses = m.group(1)
                        out.setdefault(action_name(uses), set()).add(uses.rsplit("@", 1)[1] if "@" in uses else "")
    return out


def action_name(uses: str) -> str:
    """The action a `uses:` runs, without its ref: 'actions/cache@v4' -> 'actions/cache',
    'docker://alpine@sha256:..' -> 'docker://alpine'. Case-insensitive, as GitHub is."""
    if uses.startswith("docker://"):
        name = uses.split("@", 1)[0]
        return re.sub(r":[^/:]*$", "", name).lower()
    return uses.rsplit("@", 1)[0].lower()


_REF_COMMENT = re.compile(r"#\s*(?:tag\s*[:=]?\s*)?(v?\d[\w.+-]*)")


def _uses_findings(path: str, new_text: str, found: List[Tuple[str, int]], old_uses: Set[str],
                   used_elsewhere: Optional[Callable[[], Dict[str, Set[str]]]] = None) -> List[Finding]:
    """unpinned-action for a new reference that is not a commit SHA; new-dependency (info) for
    an action this file did not use before, pinned (saying whether, and at which refs, the
    repository's other workflows already use it). A new SHA of an action the file already
    used (a bump) is not a new dependency: quiet when pinned."""
    lines = new_text.splitlines()
    old_names = {action_name(u) for u in old_uses}
    out: List[Finding] = []
    seen: Set[str] = set()
    for uses, no in sorted(found, key=lambda u: u[1]):
        if uses in old_uses or uses.startswith(("./", ".\\")):
            continue
        line = lines[no - 1] if 0 < no <= len(lines) else uses
        why = unpinned(uses)
        if why:
            out.append(finding(
                "dependency/unpinned-action", path, no,
                f"{uses} is pinned to {why}, which its owner can move; pin a full commit SHA",
                line, details={"uses": uses, "pinned_to": why}))
            continue
        name = action_name(uses)
        if name in old_names or name in seen:
            continue  # a bump of an action the file already ran, or the same one twice
        seen.add(name)
        ref = uses.rsplit("@", 1)[1] if "@" in uses else ""
        elsewhere = sorted((used_elsewhere() if used_elsewhere is not None else {}).get(name, ()))
        if not elsewhere:
            also = ""
        elif ref in elsewhere:
            also = "; other workflows of the repository already use it at this commit"
        else:
            also = "; other workflows of the repository use it at " + ", ".join(r[:12] for r in elsewhere[:3])
        tag = _REF_COMMENT.search(line[line.index(" #"):] if " #" in line else "")
        kind = "Docker image" if uses.startswith("docker://") else "reusable workflow" \
            if "/.github/workflows/" in uses else "GitHub Action"
        out.append(finding(
            "dependency/new-dependency", path, no,
            f"new {kind} {uses.split('@', 1)[0]} pinned to {ref[:12] if _SHA.match(ref) else ref}"
            + (f" ({tag.group(1)})" if tag else "") + also,
            line, severity="info",
            details={"ecosystem": "actions", "package": uses.split("@", 1)[0], "uses": uses, "version": ref,
                     "tag": tag.group(1) if tag else "", "manifest": path, "used_elsewhere_at": elsewhere}))
    return out


# --------------------------------------------------------------------------
# Git submodules.

_SUBMODULE = re.compile(r"^\s*\[submodule\s+\"([^\"]*)\"\]\s*$")
_GITMODULES_KEY = re.compile(r"^\s*(url|path|branch)\s*=\s*(.*?)\s*$")


def _submodules(text: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """name -> {url, path, branch, line (of url)} from a .gitmodules text."""
    out: Dict[str, Dict[str, Any]] = {}
    current: Optional[Dict[str, Any]] = None
    for no, line in enumerate((text or "").splitlines(), 1):
        m = _SUBMODULE.match(line)
        if m:
            current = out.setdefault(m.group(1), {"line": no})
            continue
        m = _GITMODULES_KEY.match(line)
        if m and current is not None:
            current[m.group(1)] = m.group(2)
            if m.group(1) == "url":
                current["line"] = no
    return out


def submodule_findings(f: FileChange) -> List[Finding]:
    old_text, new_text, _, path = _sides(f)
    if new_text is None:
        return []
    old_urls = {_canon(str(s.get("url", ""))) for s in _submodules(old_text).values()}
    lines = new_text.splitlines()
    out: List[Finding] = []
    for name, sub in _submodules(new_text).items():
        url = str(sub.get("url", ""))
        if not url or _canon(url) in old_urls:
            continue
        no = int(sub["line"])
        out.append(finding(
            "dependency/new-submodule", path, no,
            f"new git submodule {name} from {mask(url)}"
            + (f" following branch {sub['branch']}" if sub.get("branch") else ""),
            mask(lines[no - 1] if 0 < no <= len(lines) else url),
            details={"name": name, "url": mask(url), "path": sub.get("path", ""), "branch": sub.get("branch", "")}))
    return out


# --------------------------------------------------------------------------
# Commands in scripts.

_PREFILTER = re.compile(
    r"\b(?:pip[0-9.]*|pipx|uvx?|poetry|pdm|pipenv|easy_install|conda|mamba|micromamba|npm|npx|pnpm|pnpx|yarn|"
    r"bunx?|go|cargo|gem|bundle|composer|apt-get|apt|apk|yum|dnf|zypper|brew|choco|winget|curl|wget|iwr|irm|"
    r"Invoke-WebRequest|Invoke-RestMethod)\b")
_FETCH = r"(?:curl|wget|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|fetch)"
_SHELLS = r"(?:(?:ba|z|k|da|fi|c|tc)?sh|python[0-9.]*|perl|ruby|node|php|iex|Invoke-Expression|pwsh|powershell)"
# The four shapes of a download run by a shell; the first two are each read
# as a head (found by finditer) and a tail matched where the head ends.  One
# regex searched for the whole shape read the same run again from every
# fetch word of a pipeline segment (every `sh`/`.` of an option list), which
# is quadratic on a long line; every start inside a head ends that head at
# the same place, so the same tail decides them all and finditer, which
# resumes past the head, tries each head once.  Same leftmost match.
# `curl ... | [sudo -E] [env A=1] sh`: the segment after the fetch word runs
# to the first | ; & or newline, which must be a pipe.
_FETCH_SEGMENT = re.compile(_FETCH + r"\b[^|;&\n]*", re.I)
# `\S[^\s=]*=\S*` is `\S+=\S*` (a word with "=" past its first character),
# without trying each "=" of a long word as the split.
_TO_SHELL = re.compile(r"\|\s*(?:sudo\b(?:\s+-\S+)*\s+)?(?:env\b(?:\s+\S[^\s=]*=\S*)*\s+)?"
                       r"(?:/usr/bin/|/bin/|/usr/local/bin/)?" + _SHELLS + r"\b(?![.-])(?!\s+-[cmeE]\b)", re.I)
# `bash -s <(curl ...)`: the shell word and its options, then the process substitution.
_SOURCE_HEAD = re.compile(r"\b(?:(?:ba|z|k)?sh|source|\.)\s+(?:-\S+\s+)*", re.I)
_SOURCE_FETCH = re.compile(r"<\(\s*" + _FETCH + r"\b", re.I)
_PIPE_TO_SHELL = (
    re.compile(r"\b(?:(?:ba|z|k)?sh\s+-c|eval)\s+[\"']?(?:\$\(|`)\s*" + _FETCH + r"\b", re.I),
    # `\s*(?:\(\s*)?(?:\(\s*)?` reads what `\s*\(?\s*(?:\(\s*)?` read, without
    # trying every split of a blank run between two `\s*` (quadratic).
    re.compile(r"\b(?:iex|Invoke-Expression)\s*(?:\(\s*)?(?:\(\s*)?(?:" + _FETCH + r"|New-Object\s+Net\.WebClient)",
               re.I),
)


class Command(NamedTuple):
    tool: str  # "pip install", "npx", ...
    ecosystem: str
    packages: Tuple[str, ...]
    action: str  # "install", "run", "system" or PROJECT
    notes: Tuple[str, ...] = ()  # ("--extra-index-url https://...",)


# `npm install` / `yarn` / `pnpm install` / `bun install` with no package: installs what the
# manifest in the working directory declares, resolving versions instead of taking the lockfile's.
PROJECT = "project"
_FROZEN = {"--frozen-lockfile", "--immutable", "--immutable-cache", "--ci", "--prefer-offline-frozen"}
_LOCKED_TOOL = {"npm": "npm ci", "pnpm": "pnpm install --frozen-lockfile",
                "yarn": "yarn install --frozen-lockfile (--immutable on Yarn 2+)", "bun": "bun install --frozen-lockfile"}


# Options that take a value, per tool family (others are flags).
_PIP_VALUE_OPTS = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                   "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--platform",
                   "--python-version", "--implementation", "--abi", "--upgrade-strategy", "--progress-bar",
                   "--trusted-host", "--cache-dir", "--log", "--proxy", "--retries", "--timeout",
                   "--exists-action", "--cert", "--client-cert", "--global-option", "--install-option",
                   "-C", "--config-settings", "--no-binary", "--only-binary", "--python", "-p",
                   "--report", "--extra", "--group", "--with", "--python-platform", "--index",
                   "--default-index", "--index-strategy", "--keyring-provider", "-w", "--resolution",
                   "--prerelease", "--exclude-newer", "--package", "--optional", "--rev", "--tag",
                   "--branch", "--source", "--directory", "--project"}
_NPM_VALUE_OPTS = {"--registry", "--prefix", "-w", "--workspace", "--tag", "--cache", "--userconfig",
                   "-C", "--dir", "--filter", "--cwd", "--omit", "--include", "--save-prefix", "--use"}
_CARGO_VALUE_OPTS = {"--version", "--vers", "--git", "--branch", "--tag", "--rev", "--path", "--root",
                     "--index", "--registry", "--features", "-F", "--bin", "--example", "--target",
                     "--target-dir", "--profile", "-j", "--jobs", "--rename", "--package", "-p",
                     "--config", "-Z", "--manifest-path"}
_GEM_VALUE_OPTS = {"-v", "--version", "-s", "--source", "-i", "--install-dir", "-n", "--bindir",
                   "--platform", "-g", "--file", "--group", "--require", "--git", "--branch", "--path"}
_CONDA_VALUE_OPTS = {"-c", "--channel", "-n", "--name", "-p", "--prefix", "--file", "--override-channels"}
_SYSTEM_VALUE_OPTS = {"-o", "--option", "-t", "--target-release", "--repository", "-X", "--root",
                      "--installroot", "--enablerepo", "--disablerepo", "--setopt", "--cask"}
_BOOTSTRAP = {"pip", "setuptools", "wheel"}  # upgrading the installer itself is not a new package
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SPLIT = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&", "\n"}
_PYTHON = re.compile(r"^(?:.*/)?(?:python[0-9.]*|py)$")


def _positional(args: List[str], value_opts: Set[str], notes: List[str]) -> List[str]:
    out: List[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i + 1:])
            break
        if arg.startswith("-") and len(arg) > 1:
            opt, eq, value = arg.partition("=")
            if opt in ("--index-url", "-i", "--extra-index-url", "--registry", "--index", "--default-index",
                       "-c", "--channel", "--source", "-s", "--git", "--find-links", "-f"):
                if not eq and i + 1 < len(args):
                    value = args[i + 1]
                if value:
                    notes.append(f"{opt} {mask(value)}")
            if opt in value_opts and not eq:
                i += 2
                continue
            i += 1
            continue
        out.append(arg)
        i += 1
    return out


def _is_local(arg: str) -> bool:
    return (arg in (".", "..") or arg.startswith(("./", "../", "/", "~", "file:", ".[", "$", "${", "@/"))
            or arg.endswith((".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".txt"))
            and not re.match(r"^[a-z+]+://", arg))


def _packages(args: Iterable[str], ecosystem: str) -> Tuple[str, ...]:
    out = []
    for arg in args:
        arg = arg.strip()
        if not arg or _is_local(arg) or "$" in arg or "*" in arg:
            continue
        if ecosystem == PYPI:
            base = re.split(r"[<>=!~\[;@ ]", arg, 1)[0]
            if base.lower() in _BOOTSTRAP:
                continue
        out.append(mask(arg))
    return tuple(out)


def classify(words: List[str]) -> Optional[Command]:
    """What a simple command (already split into words) installs or runs."""
    while words and (_ASSIGN.match(words[0]) or words[0] in ("sudo", "env", "time", "exec", "command",
                                                             "nohup", "doas", "then", "do", "else", "!")):
        head = words.pop(0)
        if head in ("sudo", "doas"):
            while words and words[0].startswith("-"):
                opt = words.pop(0)
                if opt in ("-u", "-g", "-C", "-h", "-p", "-U") and words:
                    words.pop(0)
    if not words:
        return None
    cmd = posixpath.basename(words[0])
    args = words[1:]
    notes: List[str] = []

    def sub(*names: str) -> Optional[List[str]]:
        rest = [a for a in args]
        while rest and rest[0].startswith("-") and rest[0] not in names:
            rest.pop(0)
        if rest and rest[0] in names:
            return rest[1:]
        return None

    # Python
    if _PYTHON.match(cmd) and len(args) >= 2 and args[0] == "-m" and args[1] in ("pip", "pipx", "uv"):
        cmd, args = args[1], args[2:]
    if re.match(r"^pip[0-9.]*$", cmd) or cmd == "uv" and args[:1] == ["pip"]:
        tool = "uv pip" if cmd == "uv" else "pip"
        rest = sub("install") if cmd != "uv" else (args[2:] if args[1:2] == ["install"] else None)
        if rest is None:
            return None
        pkgs = _packages(_positional(rest, _PIP_VALUE_OPTS, notes), PYPI)
        editable = [a for a in re.findall(r"(?:^|\s)(?:-e|--editable)[ =](\S+)", " ".join(rest))
                    if re.match(r"^(?:git\+|hg\+|https?://)", a)]
        pkgs = tuple(dict.fromkeys(pkgs + tuple(editable)))
        return Command(f"{tool} install", PYPI, pkgs, "install", tuple(notes)) if pkgs else None
    if cmd == "easy_install":
        pkgs = _packages(_positional(args, set(), notes), PYPI)
        return Command("easy_install", PYPI, pkgs, "install") if pkgs else None
    if cmd == "uv":
        if args[:1] == ["add"]:
            pkgs = _packages(_positional(args[1:], _PIP_VALUE_OPTS, notes), PYPI)
            return Command("uv add", PYPI, pkgs, "install", tuple(notes)) if pkgs else None
        if args[:2] in (["tool", "install"], ["tool", "run"]):
            pos = _positional(args[2:], _PIP_VALUE_OPTS, notes)
            pkgs = _packages(pos[:1], PYPI)
            return Command(f"uv tool {args[1]}", PYPI, pkgs, "install" if args[1] == "install" else "run",
                           tuple(notes)) if pkgs else None
        if args[:1] == ["run"]:
            withs = re.findall(r"--with(?:=|\s+)(\S+)", " ".join(args))
            pkgs = _packages([p for w in withs for p in w.split(",")], PYPI)
            return Command("uv run --with", PYPI, pkgs, "run") if pkgs else None
        return None
    if cmd == "uvx":
        pos = _positional(args, _PIP_VALUE_OPTS, notes)
        withs = re.findall(r"--with(?:=|\s+)(\S+)", " ".join(args))
        pkgs = _packages(pos[:1] + withs, PYPI)
        return Command("uvx", PYPI, pkgs, "run", tuple(notes)) if pkgs else None
    if cmd == "pipx":
        if args[:1] in (["install"], ["run"], ["inject"]):
            pos = _positional(args[1:], _PIP_VALUE_OPTS | {"--spec", "--pip-args"}, notes)
            if args[0] == "inject":
                pos = pos[1:]
            elif args[0] == "run":
                pos = pos[:1]
            spec = re.findall(r"--spec(?:=|\s+)(\S+)", " ".join(args))
            pkgs = _packages(spec or pos, PYPI)
            return Command(f"pipx {args[0]}", PYPI, pkgs, "run" if args[0] == "run" else "install",
                           tuple(notes)) if pkgs else None
        return None
    if cmd in ("poetry", "pdm") and args[:1] == ["add"]:
        pkgs = _packages(_positional(args[1:], _PIP_VALUE_OPTS | {"-G", "--group", "-E", "--extras"}, notes),
                         PYPI)
        return Command(f"{cmd} add", PYPI, pkgs, "install") if pkgs else None
    if cmd == "pipenv" and args[:1] == ["install"]:
        pkgs = _packages(_positional(args[1:], _PIP_VALUE_OPTS | {"--categories"}, notes), PYPI)
        return Command("pipenv install", PYPI, pkgs, "install", tuple(notes)) if pkgs else None
    if cmd in ("conda", "mamba", "micromamba") and args[:1] in (["install"], ["create"]):
        pkgs = _packages(_positional(args[1:], _CONDA_VALUE_OPTS, notes), CONDA)
        return Command(f"{cmd} {args[0]}", CONDA, pkgs, "install", tuple(notes)) if pkgs else None
    # JavaScript
    if cmd in ("npm", "pnpm", "yarn", "bun"):
        rest = list(args)
        while rest and rest[0].startswith("-"):
            rest.pop(0)
        if not rest:
            # bare `yarn` installs the project's dependencies, like `yarn install`
            info = {"-v", "--version", "-h", "--help"}
            return Command("yarn", NPM, (), PROJECT) \
                if cmd == "yarn" and not set(args) & (_FROZEN | info) else None
        verb = rest[0]
        if cmd == "yarn" and verb == "global":
            rest = rest[1:]
            verb = rest[0] if rest else ""
        adds = {"npm": ("install", "i", "add", "in", "isntall", "ins", "inst", "insta", "instal", "isnt",
                        "isnta", "isntal"),
                "pnpm": ("add", "install", "i"), "yarn": ("add",), "bun": ("add", "install", "i", "a")}[cmd]
        runs = {"npm": ("exec", "x"), "pnpm": ("dlx", "exec"), "yarn": ("dlx",), "bun": ("x",)}[cmd]
        if verb in adds or cmd == "yarn" and verb == "install":
            pos = _positional(rest[1:], _NPM_VALUE_OPTS, notes)
            pkgs = _packages(pos, NPM)
            if pkgs:
                return Command(f"{cmd} {verb}", NPM, pkgs, "install", tuple(notes))
            if pos or verb == "add" or set(args) & _FROZEN:
                return None  # a local path or $VARIABLE; or the lockfile is enforced
            return Command(f"{cmd} {verb}", NPM, (), PROJECT, tuple(notes))
        if verb in runs:
            if cmd == "pnpm" and verb == "exec":
                return None  # runs a binary already installed
            return _npx(f"{cmd} {verb}", rest[1:], notes)
        return None
    if cmd in ("npx", "pnpx", "bunx"):
        return _npx(cmd, args, notes)
    # Go, Rust, Ruby, PHP
    if cmd == "go" and args[:1] in (["install"], ["get"], ["run"]):
        pos = _positional(args[1:], {"-C", "-o", "-tags", "-ldflags", "-gcflags", "-mod", "-modfile",
                                     "-exec", "-p", "-pkgdir", "-toolexec"}, notes)
        pkgs = tuple(a for a in pos if "." in a.split("/")[0] and not a.startswith(".")
                     and (args[0] != "run" or "@" in a))
        return Command(f"go {args[0]}", GO, pkgs, "run" if args[0] == "run" else "install") if pkgs else None
    if cmd == "cargo" and args[:1] in (["install"], ["add"], ["binstall"]):
        pos = _positional(args[1:], _CARGO_VALUE_OPTS, notes)
        git = re.findall(r"--git(?:=|\s+)(\S+)", " ".join(args))
        pkgs = _packages(pos, CARGO) + tuple(git)
        if args[0] == "install" and not pos and not git:
            return None  # `cargo install --path .`
        return Command(f"cargo {args[0]}", CARGO, pkgs, "install", tuple(notes)) if pkgs else None
    if cmd == "gem" and args[:1] == ["install"]:
        pkgs = _packages(_positional(args[1:], _GEM_VALUE_OPTS, notes), RUBYGEMS)
        return Command("gem install", RUBYGEMS, pkgs, "install", tuple(notes)) if pkgs else None
    if cmd == "bundle" and args[:1] == ["add"]:
        pkgs = _packages(_positional(args[1:], _GEM_VALUE_OPTS, notes), RUBYGEMS)
        return Command("bundle add", RUBYGEMS, pkgs, "install", tuple(notes)) if pkgs else None
    if cmd == "composer" and args[:1] in (["require"], ["global"]):
        rest = args[1:] if args[0] == "require" else args[2:] if args[1:2] == ["require"] else []
        pkgs = _packages(_positional(rest, set(), notes), COMPOSER)
        return Command("composer require", COMPOSER, pkgs, "install") if pkgs else None
    # System package managers
    system = {"apt-get": ("install",), "apt": ("install",), "aptitude": ("install",), "apk": ("add",),
              "yum": ("install",), "dnf": ("install",), "microdnf": ("install",), "zypper": ("install", "in"),
              "brew": ("install", "reinstall"), "choco": ("install",), "winget": ("install",),
              "port": ("install",), "pacman": ("-S", "-Sy", "-Syu", "--sync")}
    if cmd in system:
        rest = list(args)
        while rest and rest[0].startswith("-") and rest[0] not in system[cmd]:
            rest.pop(0)
        if not rest or rest[0] not in system[cmd]:
            return None
        pkgs = _packages(_positional(rest[1:], _SYSTEM_VALUE_OPTS, notes), "system")
        return Command(f"{cmd} {rest[0]}", "system", pkgs, "system") if pkgs else None
    return None


def package_name(arg: str, ecosystem: str) -> str:
    """The package an installer argument names, without its version:
    'requests[socks]>=2' -> 'requests', '@types/node@20' -> '@types/node', 'x/y@latest' -> 'x/y'."""
    arg = arg.strip().strip("'\"")
    if re.match(r"^[a-z][a-z0-9+.-]*://|^git\+", arg):
        return origin_of(arg)
    if ecosystem in (PYPI, CONDA):
        return re.split(r"[<>=!~\[;@ ]", arg, 1)[0].lower()
    if arg.startswith("@"):
        scope, _, rest = arg.partition("/")
        return scope + "/" + rest.split("@", 1)[0]
    return arg.split("@", 1)[0].split("==", 1)[0]


def origin_of(url: str) -> str:
    return diff_mod.origin(url)


def _npx(tool: str, args: List[str], notes: List[str]) -> Optional[Command]:
    pkgs = list(re.findall(r"(?:^|\s)(?:-p|--package)(?:=|\s+)(\S+)", " ".join(args)))
    pos = _positional(args, _NPM_VALUE_OPTS | {"-p", "--package", "-c", "--call"}, notes)
    if pos and not pkgs:
        pkgs.append(pos[0])
    found = _packages(pkgs, NPM)
    return Command(tool, NPM, found, "run", tuple(notes)) if found else None


def strip_shell_comment(line: str) -> str:
    """Drop a `#` comment: only at the start of a word and outside quotes."""
    quote = ""
    prev = " "
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                pass
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and prev in " \t;&|(":
            return line[:i]
        prev = ch
    return line


def split_commands(line: str) -> List[List[str]]:
    """Words of each simple command in a shell line (&&, ||, ;, |, & and
    subshell parentheses separate commands).  Comments are dropped."""
    line = strip_shell_comment(line)
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        lexer.commenters = ""
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: fall back to whitespace
        tokens = line.split("#", 1)[0].split()
    out: List[List[str]] = []
    cur: List[str] = []
    for tok in tokens:
        if tok in _SPLIT or (tok and set(tok) <= set(";&|()")):
            if cur:
                out.append(cur)
            cur = []
            continue
        if set(tok) <= set("<>") and tok:
            cur.append(tok)
            continue
        cur.append(tok)
    if cur:
        out.append(cur)
    # drop redirections and their targets
    cleaned = []
    for words in out:
        kept: List[str] = []
        skip = False
        for w in words:
            if skip:
                skip = False
                continue
            if w and set(w) <= set("<>"):
                skip = True
                continue
            if re.match(r"^\d?[<>]", w):
                continue
            kept.append(w)
        cleaned.append(kept)
    return cleaned


class Logical(NamedTuple):
    first: int  # line of the first physical line
    lines: Tuple[int, ...]  # all physical line numbers
    text: str  # the shell text


_FETCH_HINT = re.compile(r"curl|wget|iwr|irm|invoke-|fetch|webclient", re.I)


def _pipe_to_shell(text: str) -> str:
    if not _FETCH_HINT.search(text):
        return ""
    for head_rx, tail_rx in ((_FETCH_SEGMENT, _TO_SHELL), (_SOURCE_HEAD, _SOURCE_FETCH)):
        for head in head_rx.finditer(text):
            tail = tail_rx.match(text, head.end())
            if tail:
                return text[head.start():tail.end()]
    for regex in _PIPE_TO_SHELL:
        m = regex.search(text)
        if m:
            return m.group(0)
    return ""


# --- script kinds -----------------------------------------------------------

_DOCKERFILE = re.compile(r"(?:^|/)(?:(?:Docker|Container)file(?:\.[\w.-]+)?|[\w.-]+\.(?:dockerfile|Dockerfile))$")
_SHELL = re.compile(r"\.(?:sh|bash|zsh|ksh|command)$")
_MAKEFILE = re.compile(r"(?:^|/)(?:GNUmakefile|[Mm]akefile|[\w.-]+\.mk)$")
_WORKFLOW = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$")
_ACTION = re.compile(r"(?:^|/)action\.ya?ml$")
_GITLAB = re.compile(r"(?:^|/)\.gitlab-ci\.ya?ml$")
_SHEBANG = re.compile(r"^#!\s*(?:/usr/bin/env\s+(?:-S\s+)?)?(?:/\S*/)?(?:ba|z|k|da)?sh\b")


def _continued(lines: List[str], start: int, cont: str = "\\") -> Iterator[Logical]:
    """Join backslash continuations; yields logical lines numbered from START."""
    buf: List[str] = []
    nums: List[int] = []
    for i, line in enumerate(lines):
        no = start + i
        stripped = line.rstrip()
        if stripped.endswith(cont):
            buf.append(stripped[:-1])
            nums.append(no)
            continue
        buf.append(line)
        nums.append(no)
        yield Logical(nums[0], tuple(nums), " ".join(b.strip() for b in buf))
        buf, nums = [], []
    if buf:
        yield Logical(nums[0], tuple(nums), " ".join(b.strip() for b in buf))


def shell_logicals(text: str) -> Iterator[Logical]:
    for lg in _continued(text.splitlines(), 1):
        if lg.text.lstrip().startswith("#"):
            continue
        yield lg


_HEREDOC = re.compile(r"<<-?\s*[\"']?(\w+)[\"']?")


_WORD_AND_BLANKS = re.compile(r"\S+\s+")


def _run_flags_dropped(body: str) -> str:
    """BODY without its leading --flags (RUN --mount=... --network=...), as
    `body = body.split(None, 1)[1] if " " in body else ""` while it starts
    with "--", each word skipped in place (splitting off the rest again for
    each flag is quadratic on a long line).  BODY has no trailing blank."""
    pos, last_space = 0, body.rfind(" ")
    while body.startswith("--", pos):
        if last_space < pos:
            return ""
        m = _WORD_AND_BLANKS.match(body, pos)  # found: a blank follows, then more (no trailing blank)
        pos = m.end() if m else len(body)
    return body[pos:]


def dockerfile_logicals(text: str) -> Iterator[Logical]:
    lines = text.splitlines()
    heredoc: Optional[str] = None
    # Comment lines inside a continued instruction are dropped by Docker.
    cleaned = []
    for ln in lines:
        if heredoc is not None:
            cleaned.append(ln)
            continue
        cleaned.append("" if ln.lstrip().startswith("#") else ln)
    for lg in _continued(cleaned, 1):
        if heredoc is not None:  # a line of a RUN <<EOF script
            if lg.text.strip() == heredoc:
                heredoc = None
                continue
            if not lg.text.lstrip().startswith("#"):
                yield lg
            continue
        m = re.match(r"^\s*RUN\s+(.*)$", lg.text, re.I | re.S)
        if not m:
            continue
        body = _run_flags_dropped(m.group(1).strip())
        here = _HEREDOC.match(body)
        if here:
            heredoc = here.group(1)
            rest = body[here.end():].strip()
            if rest:
                yield Logical(lg.first, lg.lines, rest)
            continue
        if body.startswith("["):
            try:
                argv = json.loads(body)
                if isinstance(argv, list):
                    body = " ".join(shlex.quote(str(a)) for a in argv)
                    if argv[:2] in (["/bin/sh", "-c"], ["sh", "-c"], ["bash", "-c"], ["/bin/bash", "-c"]):
                        body = " ".join(str(a) for a in argv[2:])
            except (ValueError, RecursionError):  # RecursionError: [[[[... nested past the stack
                pass
        yield Logical(lg.first, lg.lines, body)


def makefile_logicals(text: str) -> Iterator[Logical]:
    lines = text.splitlines()
    for lg in _continued(lines, 1):
        raw = lines[lg.first - 1]
        if not raw.startswith("\t"):
            continue
        body = lg.text.strip().lstrip("@-+").strip()
        body = re.sub(r"\$\((?:PIP|PYTHON)\)", lambda m: m.group(0)[2:-1].lower(), body)
        if body.startswith("#"):
            continue
        yield Logical(lg.first, lg.lines, body.replace("$$", "$"))


def _run_blocks(text: str, keys: Tuple[str, ...]) -> Iterator[Logical]:
    """The shell lines of `run:` (workflows) / `script:` (GitLab) values."""
    root = _yaml.compose(text)
    if root is None:
        return
    lines = text.splitlines()
    stack = [root]
    nodes = []
    while stack:
        node = stack.pop()
        for key, _, value in _yaml.items(node):
            if key in keys:
                nodes.extend([value] if _yaml.scalar(value) is not None else _yaml.seq(value))
            else:
                stack.append(value)
        stack.extend(_yaml.seq(node))
    for node in nodes:
        value = _yaml.scalar(node)
        if value is None:
            continue
        start, end = node.start_mark.line, node.end_mark.line
        style = getattr(node, "style", None)
        if style in ("|", ">"):
            first = start + 1
            last = end if end > start else start
            block = lines[first:last + 1] if first <= last else []
            indent = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
            yield from _continued([b[indent:] for b in block], first + 1)
        else:
            yield Logical(start + 1, tuple(range(start + 1, end + 2)), " ".join(value.split("\n")))


def workflow_logicals(text: str) -> Iterator[Logical]:
    return _run_blocks(text, ("run",))


def gitlab_logicals(text: str) -> Iterator[Logical]:
    return _run_blocks(text, ("script", "before_script", "after_script"))


def package_json_logicals(text: str) -> Iterator[Logical]:
    data, problem = _json.loads(text)
    if problem or not isinstance(data, dict) or not isinstance(data.get("scripts"), dict):
        return
    lines = _json.key_lines(text, max_depth=2)
    for name, cmd in data["scripts"].items():
        if isinstance(cmd, str):
            no = lines.get(("scripts", name), 0)
            yield Logical(no, (no,), cmd)


def script_kind(path: str, new_text: Optional[str]):
    if _DOCKERFILE.search(path):
        return dockerfile_logicals
    if _WORKFLOW.search(path) or _ACTION.search(path):
        return workflow_logicals
    if _GITLAB.search(path):
        return gitlab_logicals
    if _MAKEFILE.search(path):
        return makefile_logicals
    if posixpath.basename(path) == "package.json":
        return package_json_logicals
    if _SHELL.search(path):
        return shell_logicals
    if "." not in posixpath.basename(path) and new_text and _SHEBANG.match(new_text):
        return shell_logicals
    return None


def _commands_in(logicals: Iterable[Logical]) -> Iterator[Tuple[Logical, Command]]:
    for lg in logicals:
        if not _PREFILTER.search(lg.text):
            continue
        for words in split_commands(lg.text):
            cmd = classify(list(words))
            if cmd is not None:
                yield lg, cmd


def _physical(lg: Logical, lines: List[str], added: AbstractSet[int], needles: List[str]) -> int:
    """The added physical line of LG that holds all NEEDLES (a continued command
    spans several lines: report the one naming the package); 0 when none does."""
    for no in lg.lines:
        if no in added and 0 < no <= len(lines) and all(n in lines[no - 1] for n in needles):
            return no
    return 0


_WORKDIR = re.compile(r"^\s*WORKDIR\s+(\S+)", re.I)


def _workdirs(lines: List[str]) -> List[Tuple[int, str]]:
    """(line, directory) of each Dockerfile WORKDIR (a FROM starts a new stage: back to /)."""
    out: List[Tuple[int, str]] = []
    for no, line in enumerate(lines, 1):
        m = _WORKDIR.match(line)
        if m:
            d = m.group(1).strip("\"'")
            prev = out[-1][1] if out else "/"
            out.append((no, d if d.startswith(("/", "$")) else posixpath.join(prev or "/", d)))
        elif re.match(r"^\s*FROM\s", line, re.I):
            out.append((no, ""))
    return out


def _workdir(workdirs: List[Tuple[int, str]], line: int) -> str:
    current = ""
    for no, d in workdirs:
        if no > line:
            break
        current = d
    return current


def script_findings(f: FileChange) -> List[Finding]:
    old_text, new_text, old_path, path = _sides(f)
    if new_text is None and f.status != DELETED and script_kind(path, None) not in (
            None, workflow_logicals, gitlab_logicals, package_json_logicals):
        old_text, new_text = diff_mod.sparse(f, "old"), diff_mod.sparse(f, "new")  # hunks-only
    if new_text is None:
        return []
    kind = script_kind(path, new_text)
    if kind is None:
        return []
    # Cheap prefilter: an added line names an installer, or continues a line (`\\`) that may.
    if not _PREFILTER.search("\n".join(ln.text for ln in f.added())) and not (
            "\\\n" in new_text and _PREFILTER.search(new_text)):
        return []
    added = f.added_line_numbers()
    if not added:
        return []
    new_logicals = [lg for lg in kind(new_text) if added.intersection(lg.lines)]
    if not new_logicals:
        return []
    old_logicals = list(kind(old_text)) if old_text else []
    old_pkgs = {(c.tool, package_name(p, c.ecosystem)) for _, c in _commands_in(old_logicals) for p in c.packages}
    old_pipes = {re.sub(r"\s+", " ", _pipe_to_shell(lg.text)) for lg in old_logicals
                 if "|" in lg.text or "<(" in lg.text or "$(" in lg.text or "iex" in lg.text.lower()}
    old_project = {(c.tool.split()[0], PROJECT) for _, c in _commands_in(old_logicals) if c.action == PROJECT}
    new_lines = new_text.splitlines()
    workdirs = _workdirs(new_lines) if kind is dockerfile_logicals else []
    out: List[Finding] = []
    for lg in new_logicals:
        if not _PREFILTER.search(lg.text):
            continue
        at = min(added.intersection(lg.lines))
        evidence = mask(new_lines[at - 1] if 0 < at <= len(new_lines) else lg.text)
        pipe = _pipe_to_shell(lg.text)
        if pipe and re.sub(r"\s+", " ", pipe) not in old_pipes:
            out.append(finding(
                "dependency/pipe-to-shell", path, at,
                f"downloads code and runs it unverified: {mask(lg.text.strip())[:160]}",
                evidence, details={"command": mask(lg.text.strip())[:500]}))
        for words in split_commands(lg.text):
            cmd = classify(list(words))
            if cmd is None:
                continue
            if cmd.action == PROJECT:
                if (cmd.tool.split()[0], PROJECT) in old_project:
                    continue
                old_project.add((cmd.tool.split()[0], PROJECT))
                no = _physical(lg, new_lines, added, [words[0].rsplit("/", 1)[-1]] + words[1:2]) or at
                where = _workdir(workdirs, lg.first)
                out.append(finding(
                    "dependency/installer-command", path, no,
                    f"`{' '.join(words[:2])}` installs whatever the package.json"
                    f"{' in ' + where if where else ''} declares, resolving versions afresh: "
                    f"`{_LOCKED_TOOL.get(cmd.tool.split()[0], 'npm ci')}` installs exactly what the lockfile records",
                    mask(new_lines[no - 1] if 0 < no <= len(new_lines) else lg.text), severity="info",
                    details={"tool": cmd.tool, "ecosystem": cmd.ecosystem, "packages": [], "action": PROJECT,
                             "workdir": where, "notes": list(cmd.notes),
                             "command": mask(" ".join(shlex.quote(w) for w in words))[:500]}))
                continue
            new_pkgs = tuple(p for p in cmd.packages if (cmd.tool, package_name(p, cmd.ecosystem)) not in old_pkgs)
            if not new_pkgs:
                continue
            verb = {"run": "downloads and runs", "system": "installs system package(s)"}.get(
                cmd.action, "installs")
            note = f" ({'; '.join(cmd.notes)})" if cmd.notes else ""
            no = _physical(lg, new_lines, added, [new_pkgs[0]]) or at
            evidence = mask(new_lines[no - 1] if 0 < no <= len(new_lines) else lg.text)
            out.append(finding(
                "dependency/installer-command", path, no,
                f"`{cmd.tool}` {verb} {', '.join(new_pkgs[:8])}"
                f"{' and %d more' % (len(new_pkgs) - 8) if len(new_pkgs) > 8 else ''} "
                f"outside the manifests and lockfiles{note}",
                evidence, severity="info" if cmd.action == "system" else None,
                details={"tool": cmd.tool, "ecosystem": cmd.ecosystem, "packages": list(new_pkgs),
                         "action": cmd.action, "notes": list(cmd.notes),
                         "command": mask(" ".join(shlex.quote(w) for w in words))[:500]}))
    return out


# --------------------------------------------------------------------------
# Installers run from program code: subprocess.run(["pip", "install", x]),
# os.system("npm i x"), execSync("npx x").

_EXEC_FUNCS = {"system", "popen", "run", "call", "check_call", "check_output", "Popen", "getoutput",
               "getstatusoutput", "spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync",
               "execa", "execaSync", "execaCommand", "shell_exec", "passthru", "Command", "main"}
_CODE_EXEC = re.compile(r"\b(?:system|popen|run|call|check_call|check_output|Popen|getoutput|spawn(?:Sync)?|"
                        r"exec(?:Sync|File|FileSync)?|execa(?:Sync|Command)?|shell_exec|passthru|Command|"
                        r"runCommand|pipmain)\s*[(!]")
_CODE_FILE = re.compile(r"\.(?:py|pyw|js|mjs|cjs|jsx|ts|mts|cts|tsx|rb|php|go|rs|java|kt|cs)$")
# An installer and its verb in code, possibly as separate list items: "pip", "install".
_CODE_HINT = re.compile(
    r"""\b(?:pip[0-9.]*|pipx|npm|pnpm|yarn|bun|uv|poetry|pdm|gem|cargo|go|conda|mamba|apt-get|apt|apk|brew|composer)"""
    r"""["']?\s*[,\s]\s*["']?(?:install|i|add|dlx)\b|\b(?:npx|uvx|bunx|pnpx)["']?[\s,]""")
_CODE_WORDS = ("install", "npx", "uvx", "dlx", "bunx", "pnpx", "npm i ", " add ")


# "npx", "uvx", "dlx", "bunx" ("pnpx" holds "npx"): one search for their
# last letter, rarer in code than their first, instead of one per word.
_X_WORDS = re.compile(r"x(?:(?<=npx)|(?<=uvx)|(?<=dlx)|(?<=bunx))")


def _code_words(text: str) -> bool:
    """Substring test before the regex: most lines of code name no installer verb."""
    return "install" in text or _X_WORDS.search(text) is not None or "npm i " in text or " add " in text


def _code_hint(joined: str) -> bool:
    """Does _CODE_HINT match one of the lines of JOINED that hold a code word?
    Only those lines are cut out and searched (a code word never spans lines)."""
    seen = set()
    for word in _CODE_WORDS:
        pos = joined.find(word)
        while pos >= 0:
            start = joined.rfind("\n", 0, pos) + 1
            end = joined.find("\n", pos)
            end = len(joined) if end < 0 else end
            if start not in seen:
                seen.add(start)
                if _CODE_HINT.search(joined[start:end]):
                    return True
            pos = joined.find(word, end)
    return False


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|`([^`$]*)`')


def _words_of(node: ast.AST) -> Optional[List[str]]:
    """A literal argv list ([sys.executable, "-m", "pip", "install", "x"]) as words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    words = []
    for elt in node.elts:
        if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
            words.append(elt.value)
        elif isinstance(elt, ast.Attribute) and elt.attr == "executable":
            words.append("python")
        else:
            words.append("$ARG")
    return words


def _python_calls(text: str) -> Iterator[Tuple[int, int, List[List[str]]]]:
    """(first line, last line, commands) of calls in Python code that run a command line."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # MemoryError: the parser's stack overflowing on hostile input, not a lack of memory
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in _EXEC_FUNCS:
            continue
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        first = node.args[0]
        if name == "main":
            if owner not in ("pip", "pipmain", "_internal"):
                continue
            words = _words_of(first)
            if words:
                yield node.lineno, node.end_lineno or node.lineno, [["pip"] + words]
            continue
        end = node.end_lineno or node.lineno
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield node.lineno, end, split_commands(first.value)
        elif isinstance(first, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "$ARG" for v in first.values]
            yield node.lineno, end, split_commands("".join(str(p) for p in parts))
        else:
            words = _words_of(first)
            if words:
                yield node.lineno, end, [words]


def _line_calls(text: str, lines: Iterable[int]) -> Iterator[Tuple[int, int, List[List[str]]]]:
    """(line, line, commands) of exec-like calls on LINES of code in other languages,
    from the string literals on that line."""
    all_lines = text.splitlines()
    for no in lines:
        if not 0 < no <= len(all_lines):
            continue
        line = all_lines[no - 1]
        if not _CODE_EXEC.search(line):
            continue
        literals = [next(g for g in m.groups() if g is not None) for m in _STRING.finditer(line)]
        if not literals:
            continue
        if len(literals) == 1:
            yield no, no, split_commands(literals[0])
        else:  # spawn("npm", ["install", "x"])
            yield no, no, [literals]


def code_findings(f: FileChange) -> List[Finding]:
    old_text, new_text, _, path = _sides(f)
    if new_text is None or not _CODE_FILE.search(path):
        return []
    joined = "\n".join([ln.text for hunk in f.hunks for ln in hunk.lines if ln.kind == "+"])
    if not _code_words(joined) or not _code_hint(joined):
        return []
    added = f.added_line_numbers()
    python = path.endswith((".py", ".pyw"))

    def calls(text: str, only: Optional[frozenset]) -> List[Tuple[int, Command, List[str]]]:
        """(line to report, command, words); with ONLY, just calls touching those lines."""
        found = []
        source = _python_calls(text) if python else _line_calls(
            text, sorted(only) if only is not None else range(1, text.count("\n") + 2))
        for first, last, commands in source:
            if only is not None:
                touched = [n for n in range(first, last + 1) if n in only]
                if not touched:
                    continue
                first = touched[0]
            for words in commands:
                cmd = classify(list(words))
                if cmd is not None:
                    found.append((first, cmd, words))
        return found

    new_calls = calls(new_text, added)
    if not new_calls:
        return []
    old_pkgs = {(c.tool, package_name(p, c.ecosystem)) for _, c, _ in calls(old_text, None)
                for p in c.packages} if old_text else set()
    lines = new_text.splitlines()
    out: List[Finding] = []
    for no, cmd, words in new_calls:
        new_pkgs = tuple(p for p in cmd.packages if (cmd.tool, package_name(p, cmd.ecosystem)) not in old_pkgs)
        if not new_pkgs:
            continue
        out.append(finding(
            "dependency/installer-command", path, no,
            f"code runs `{cmd.tool}` to install {', '.join(new_pkgs[:8])} at run time, outside the manifests",
            mask(lines[no - 1] if 0 < no <= len(lines) else " ".join(words)),
            severity="info" if cmd.action == "system" else None,
            details={"tool": cmd.tool, "ecosystem": cmd.ecosystem, "packages": list(new_pkgs),
                     "action": cmd.action, "notes": list(cmd.notes), "from_code": True,
                     "command": mask(" ".join(shlex.quote(w) for w in words))[:500]}))
    return out


# --------------------------------------------------------------------------

def _sides(f: FileChange) -> Tuple[Optional[str], Optional[str], str, str]:
    old_path = f.old_path or f.path
    old = f.old_text() if f.old_path is not None else None
    new = f.new_text() if f.status != DELETED else None
    return old, new, old_path, f.path


def _is_index_file(path: str) -> bool:
    return manifests.is_manifest(path) or any(regex.search(path) for regex, _ in INDEX_FILES)


def check(change: ChangeSet, ctx: Context) -> List[Finding]:
    """Findings for other ways code comes in (see the module docstring)."""
    out: List[Finding] = []
    cache: List[Dict[str, Set[str]]] = []

    def used_elsewhere() -> Dict[str, Set[str]]:
        if not cache:
            cache.append(repository_actions(change))
        return cache[0]

    for f in change.files:
        if f.is_binary or f.status == DELETED or manifests.skipped(f.path):
            continue
        path = f.path
        base = posixpath.basename(path)
        if manifests.is_manifest(path):
            problems = diff_mod.parse_manifest(change, path, f.new_text(), "new").problems
            for problem in problems[:3]:
                ctx.warn(f"dependency: could not fully read a manifest: {problem}")
            out.extend(unreadable.manifest_findings(path, problems))
        if _is_index_file(path):
            out.extend(index_findings(change, f))
        if lockfiles.is_lockfile(path):
            out.extend(lockfile_registry_findings(change, f))
            out.extend(unreadable.lockfile_findings(path, f.new_text()))
        if base in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
            out.extend(precommit_findings(f))
        if (_WORKFLOW.search(path) or _ACTION.search(path)) and _enabled(ctx, "actions"):
            out.extend(action_findings(f, used_elsewhere))
        if base == ".gitmodules":
            out.extend(submodule_findings(f))
        out.extend(script_findings(f))
        out.extend(code_findings(f))
    return _trusted_filter(out, ctx.settings or {})


def _enabled(ctx: Context, ecosystem: str) -> bool:
    """The family's `ecosystems` setting names ECOSYSTEM (or is not given)."""
    enabled = (ctx.settings or {}).get("ecosystems")
    return enabled is None or ecosystem in [str(e).lower() for e in _as_list(enabled)]


def _as_list(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _trusted_filter(findings: List[Finding], settings: Any) -> List[Finding]:
    """Drop what the policy trusts, when the family's settings name it:
    ``allowed_indexes`` (URL prefixes or globs) and ``trusted_actions``
    (globs of owner/repo, e.g. "actions/*", whose tags are accepted)."""
    import fnmatch

    indexes = [_canon(u) for u in _as_list(settings.get("allowed_indexes"))]
    actions = _as_list(settings.get("trusted_actions"))
    if not indexes and not actions:
        return findings
    out = []
    for f in findings:
        details = f.details or {}
        if f.rule == "dependency/new-package-index" and indexes:
            url = _canon(str(details.get("url", "")))
            if any(url.startswith(i) or fnmatch.fnmatchcase(url, i) for i in indexes):
                continue
        if f.rule == "dependency/unpinned-action" and actions:
            uses = str(details.get("uses", "")).split("@", 1)[0]
            repo = "/".join(uses.split("/")[:2])
            if any(fnmatch.fnmatchcase(repo, a) or fnmatch.fnmatchcase(uses, a) for a in actions):
                continue
        out.append(f)
    return out
