"""Lockfile parsers: every package a lockfile pins, with its exact version,
where it is fetched from, and (uv.lock) when that version was uploaded.

``parse(path, text)`` returns a tuple of Dep with group "locked" (the diff
decides which are transitive).  A lockfile that cannot be read gives ().
"""
from __future__ import annotations

import functools
import json
import posixpath
import re
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from guardrails.checks.dependency.manifests import _toml
from guardrails.checks.dependency.model import (
    CARGO, COMPOSER, GO, LOCKED, NPM, PYPI, RUBYGEMS, Dep, mask, normalise, pep503,
)

# Registries nobody needs to be told about ("" = unknown, treated as default).
DEFAULT_REGISTRIES = (
    "https://pypi.org/simple", "https://pypi.python.org/simple", "https://files.pythonhosted.org",
    "https://pypi.org/", "https://registry.npmjs.org", "https://registry.yarnpkg.com",
    "https://registry.npmjs.com",
    "registry+https://github.com/rust-lang/crates.io-index", "sparse+https://index.crates.io/",
    "https://github.com/rust-lang/crates.io-index", "https://index.crates.io",
    "https://rubygems.org", "https://proxy.golang.org", "https://repo.maven.apache.org",
    "https://repo1.maven.org",
)


@functools.lru_cache(maxsize=256)
def is_default_registry(url: str) -> bool:
    if not url:
        return True
    url = url.rstrip("/")
    return any(url.startswith(d.rstrip("/")) for d in DEFAULT_REGISTRIES)


def registry_of(url: str) -> str:
    """scheme://host of a URL (the part that says whose server it is)."""
    m = re.match(r"^((?:[a-z+]+\+)?[a-z][a-z0-9+.-]*://[^/]+)", url)
    return mask(m.group(1)) if m else mask(url)


def _line_index(text: str) -> List[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def _line_at(starts: List[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


# --------------------------------------------------------------------------
# TOML lockfiles: uv.lock, poetry.lock, Cargo.lock ([[package]] arrays).

_PKG_NAME = re.compile(r'^name\s*=\s*"([^"]+)"', re.M)


def _package_lines(text: str) -> List[Tuple[int, str]]:
    """(line, text) of the `name = ` key of every [[package]] in order."""
    out: List[Tuple[int, str]] = []
    pending = False
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            pending = stripped == "[[package]]"
            continue
        if pending and stripped.startswith("name"):
            out.append((no, stripped))
            pending = False
    return out


def _toml_packages(text: str, path: str) -> Iterator[Tuple[dict, int, str]]:
    data, problem = _toml.loads(text, path)
    if problem:
        return
    packages = data.get("package") or []
    lines = _package_lines(text)
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            continue
        no, raw = lines[i] if i < len(lines) else (0, "")
        yield pkg, no, raw


def parse_uv(text: str, path: str) -> tuple:
    out = []
    for pkg, no, raw in _toml_packages(text, path):
        source = pkg.get("source") or {}
        if not isinstance(source, dict):
            source = {}
        if any(k in source for k in ("editable", "virtual")):
            continue  # the project itself / a workspace member
        registry = str(source.get("registry") or "")
        src = ""
        for key in ("git", "url", "path", "directory"):
            if key in source:
                src = ("path:" if key in ("path", "directory") else "") + str(source[key])
                break
        uploaded = ""
        sdist = pkg.get("sdist")
        times = []
        if isinstance(sdist, dict) and sdist.get("upload-time"):
            times.append(str(sdist["upload-time"]))
        for wheel in pkg.get("wheels") or ():
            if isinstance(wheel, dict) and wheel.get("upload-time"):
                times.append(str(wheel["upload-time"]))
        if times:
            uploaded = min(times)
        name = pkg["name"]
        out.append(Dep(PYPI, pep503(name), "==" + str(pkg.get("version", "")), LOCKED, path, no,
                       raw_name=name, source=mask(src), text=raw, version=str(pkg.get("version", "")),
                       registry=mask(registry), uploaded=uploaded))
    return tuple(out)


def parse_poetry(text: str, path: str) -> tuple:
    out = []
    for pkg, no, raw in _toml_packages(text, path):
        source = pkg.get("source") or {}
        registry = src = ""
        if isinstance(source, dict):
            kind = str(source.get("type", ""))
            url = str(source.get("url", ""))
            if kind == "legacy":
                registry = url
            elif kind in ("git", "url", "file", "directory"):
                ref = source.get("resolved_reference") or source.get("reference", "")
                src = f"path:{url}" if kind in ("file", "directory") else url if kind == "url" else f"git+{url}@{ref}"
        name = pkg["name"]
        version = str(pkg.get("version", ""))
        out.append(Dep(PYPI, pep503(name), "==" + version, LOCKED, path, no, raw_name=name,
                       source=mask(src), text=raw, version=version, registry=mask(registry)))
    return tuple(out)


def parse_cargo(text: str, path: str) -> tuple:
    out = []
    for pkg, no, raw in _toml_packages(text, path):
        source = str(pkg.get("source") or "")
        if not source:
            continue  # a workspace member
        registry = src = ""
        if source.startswith(("registry+", "sparse+")):
            registry = source
        else:
            src = source
        name = pkg["name"]
        version = str(pkg.get("version", ""))
        out.append(Dep(CARGO, normalise(CARGO, name), "=" + version, LOCKED, path, no, raw_name=name,
                       source=mask(src), text=raw, version=version, registry=mask(registry)))
    return tuple(out)


# --------------------------------------------------------------------------
# npm family.

_JSON_KEY = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*:', re.M)


def _json_key_lines(text: str) -> Dict[str, int]:
    """First line of every quoted key (good enough to place lockfile entries)."""
    out: Dict[str, int] = {}
    line, pos = 1, 0
    count = text.count
    for m in _JSON_KEY.finditer(text):
        start = m.start(1)
        line += count("\n", pos, start)
        pos = start
        key = m.group(1)
        if key not in out:
            out[key] = line
    return out


def _npm_registry(resolved: str) -> Tuple[str, str]:
    """(registry, source) of a package-lock `resolved` URL."""
    if not resolved:
        return "", ""
    if resolved.startswith(("http://", "https://")) and "/-/" in resolved:
        return registry_of(resolved), ""
    return "", mask(resolved)


def parse_package_lock(text: str, path: str) -> tuple:
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    lines = _json_key_lines(text)
    out = []
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        for key, info in packages.items():
            if not key or not isinstance(info, dict) or "node_modules/" not in key or info.get("link"):
                continue
            name = info.get("name") or key.rsplit("node_modules/", 1)[1]
            version = str(info.get("version", ""))
            registry, src = _npm_registry(str(info.get("resolved", "")))
            no = lines.get(key, 0)
            out.append(Dep(NPM, normalise(NPM, name), version, LOCKED, path, no, raw_name=name,
                           source=src, text=f'"{key}": {version}', version=version, registry=registry))
        return tuple(out)

    def walk(deps: dict, prefix: str) -> None:  # lockfileVersion 1
        for name, info in deps.items():
            if not isinstance(info, dict):
                continue
            version = str(info.get("version", ""))
            registry, src = _npm_registry(str(info.get("resolved", "")))
            if not registry and not src and not re.match(r"^\d", version):
                src = mask(version)  # "github:user/repo#sha", "file:..."
            out.append(Dep(NPM, normalise(NPM, name), version, LOCKED, path, lines.get(name, 0),
                           raw_name=name, source=src, text=f'"{name}": {version}', version=version,
                           registry=registry))
            if isinstance(info.get("dependencies"), dict):
                walk(info["dependencies"], prefix + name + "/")

    if isinstance(data.get("dependencies"), dict):
        walk(data["dependencies"], "")
    return tuple(out)


def _split_descriptor(desc: str) -> Tuple[str, str]:
    """'@scope/a@^1.0' -> ('@scope/a', '^1.0');  'a@npm:^1' -> ('a', 'npm:^1')."""
    desc = desc.strip().strip('"').strip("'")
    at = desc.find("@", 1)
    if at < 0:
        return desc, ""
    return desc[:at], desc[at + 1:]


def parse_yarn(text: str, path: str) -> tuple:
    """yarn.lock v1 (its own format) and berry (YAML), read line by line."""
    out = []
    header: Optional[Tuple[int, str, str]] = None
    fields: Dict[str, str] = {}

    def flush() -> None:
        if header is None:
            return
        no, name, raw = header
        spec = fields.get("spec", "")
        if "@workspace:" in raw or "@link:" in raw or "@portal:" in raw or name == "__metadata":
            return
        version = fields.get("version", "")
        resolved = fields.get("resolved", "")
        resolution = fields.get("resolution", "")
        registry, src = _npm_registry(resolved)
        if resolution:  # berry: "a@npm:1.2.3" or "a@https://github.com/...#commit=..."
            _, how = _split_descriptor(resolution)
            if not how.startswith("npm:"):
                src = mask(how)
        elif not resolved and spec and not spec.startswith(("npm:", "^", "~", "<", ">", "=", "*")) \
                and not spec[:1].isdigit():
            src = mask(spec)
        out.append(Dep(NPM, normalise(NPM, name), version, LOCKED, path, no, raw_name=name,
                       source=src, text=raw.strip(), version=version, registry=registry))

    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            flush()
            fields = {}
            first = line.rstrip().rstrip(":").split(",")[0]
            name, spec = _split_descriptor(first)
            fields["spec"] = spec
            header = (no, name, line)
            continue
        stripped = line.strip()
        m = re.match(r'^"?([A-Za-z]+)"?:?\s+"?([^"]*)"?\s*$', stripped)
        if m and line.startswith("  ") and not line.startswith("    "):
            fields.setdefault(m.group(1), m.group(2))
    flush()
    return tuple(out)


def _pnpm_key(key: str) -> Tuple[str, str]:
    """(name, version) of a pnpm package key: '/a/1.0.0' (v5), '/a@1.0.0' (v6),
    'a@1.0.0(peer@2)' (v9), '@s/a@1.0.0', 'a@https://host/a.tgz'."""
    key = key.strip().strip("'\"").lstrip("/")
    scope = ""
    if key.startswith("@"):
        scope, _, key = key.partition("/")
        scope += "/"
    if "@" in key:
        name, _, version = key.partition("@")
    else:
        name, _, version = key.rpartition("/") if "/" in key else (key, "", "")
    if "://" not in version:
        version = version.split("(", 1)[0].split("_", 1)[0]
    return scope + name, version


def parse_pnpm(text: str, path: str) -> tuple:
    """pnpm-lock.yaml v5 (/a/1.0.0), v6 (/a@1.0.0) and v9 (a@1.0.0) package keys."""
    out = []
    section = ""
    current: Optional[Dep] = None

    def flush() -> None:
        if current is not None:
            out.append(current)

    for no, line in enumerate(text.splitlines(), 1):
        if line and not line[0].isspace():
            flush()
            current = None
            section = line.split(":", 1)[0].strip()
            continue
        if section != "packages" or not line.strip():
            continue
        if line.startswith("  ") and not line.startswith("   "):
            body = line[2:].rstrip()
            if body.endswith(":"):
                key = body[:-1]
            elif ": " in body:
                key = body.rsplit(": ", 1)[0]
            else:
                continue
            flush()
            name, version = _pnpm_key(key)
            source = ""
            if "://" in version:
                source, version = mask(version), ""
            current = Dep(NPM, normalise(NPM, name), version, LOCKED, path, no, raw_name=name,
                          text=line.strip(), version=version, source=source)
            continue
        if current is not None and "tarball:" in line:
            t = re.search(r"tarball:\s*['\"]?([^'\",}\s]+)", line)
            if t:
                registry, src = _npm_registry(t.group(1))
                current = current._replace(registry=registry, source=src or current.source)
        elif current is not None and re.search(r"\b(repo|commit|type):\s", line) and "git" in line:
            current = current._replace(source=mask(line.strip()))
    flush()
    return tuple(out)


# --------------------------------------------------------------------------
# Others.

def parse_go_sum(text: str, path: str) -> tuple:
    out = []
    seen = set()
    for no, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if len(parts) != 3:
            continue
        module, version = parts[0], parts[1].replace("/go.mod", "")
        if (module, version) in seen:
            continue
        seen.add((module, version))
        out.append(Dep(GO, module, version, LOCKED, path, no, raw_name=module, text=line.strip(),
                       version=version))
    return tuple(out)


def parse_pipfile_lock(text: str, path: str) -> tuple:
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    lines = _json_key_lines(text)
    sources = {}
    for src in ((data.get("_meta") or {}).get("sources") or []):
        if isinstance(src, dict):
            sources[src.get("name")] = str(src.get("url", ""))
    out = []
    for section in ("default", "develop"):
        for name, info in (data.get(section) or {}).items():
            if not isinstance(info, dict):
                continue
            version = str(info.get("version", "")).lstrip("=")
            registry = sources.get(info.get("index"), "") if info.get("index") else ""
            src = ""
            for key in ("git", "file", "path"):
                if key in info:
                    src = (f"path:{info[key]}" if key == "path" else str(info[key]) if key == "file"
                           else f"git+{info[key]}@{info.get('ref', '')}")
            out.append(Dep(PYPI, pep503(name), "==" + version if version else "", LOCKED, path,
                           lines.get(name, 0), raw_name=name, source=mask(src),
                           text=f'"{name}": {info.get("version", "")}', version=version,
                           registry=mask(registry)))
    return tuple(out)


def parse_gemfile_lock(text: str, path: str) -> tuple:
    out = []
    section = ""
    remote = ""
    for no, line in enumerate(text.splitlines(), 1):
        if line and not line[0].isspace():
            section = line.strip()
            remote = ""
            continue
        stripped = line.strip()
        if stripped.startswith("remote:"):
            remote = stripped.split(":", 1)[1].strip()
            continue
        if section not in ("GEM", "GIT", "PATH", "PLUGIN SOURCE"):
            continue
        m = re.match(r"^    ([A-Za-z0-9_.-]+) \(([^)]+)\)$", line)
        if not m:
            continue
        version = m.group(2).split("-", 1)[0] if "-" in m.group(2) and not m.group(2)[0].isalpha() else m.group(2)
        registry = remote if section == "GEM" else ""
        src = "" if section == "GEM" else f"{section.lower()}+{remote}"
        out.append(Dep(RUBYGEMS, normalise(RUBYGEMS, m.group(1)), version, LOCKED, path, no,
                       raw_name=m.group(1), source=mask(src), text=stripped, version=version,
                       registry=mask(registry)))
    return tuple(out)


_NAME_VALUE = re.compile(r'^\s*"name"\s*:\s*"([^"]+)"', re.M)


def parse_composer_lock(text: str, path: str) -> tuple:
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    lines: Dict[str, int] = {}
    line, pos = 1, 0
    for m in _NAME_VALUE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        lines.setdefault(m.group(1), line)
    out = []
    for section in ("packages", "packages-dev"):
        for pkg in data.get(section) or ():
            if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
                continue
            name = pkg["name"]
            version = str(pkg.get("version", ""))
            src = ""
            dist = pkg.get("dist") if isinstance(pkg.get("dist"), dict) else {}
            if dist.get("type") == "path":
                src = f"path:{dist.get('url', '')}"
            out.append(Dep(COMPOSER, normalise(COMPOSER, name), version, LOCKED, path, lines.get(name, 0),
                           raw_name=name, source=mask(src), text=f'"name": "{name}"', version=version))
    return tuple(out)


PARSERS: Dict[str, Callable[[str, str], tuple]] = {
    "uv.lock": parse_uv,
    "poetry.lock": parse_poetry,
    "pdm.lock": parse_poetry,
    "Cargo.lock": parse_cargo,
    "package-lock.json": parse_package_lock,
    "npm-shrinkwrap.json": parse_package_lock,
    "yarn.lock": parse_yarn,
    "pnpm-lock.yaml": parse_pnpm,
    "go.sum": parse_go_sum,
    "Pipfile.lock": parse_pipfile_lock,
    "Gemfile.lock": parse_gemfile_lock,
    "gems.locked": parse_gemfile_lock,
    "composer.lock": parse_composer_lock,
}
NAMES = tuple(PARSERS)


def is_lockfile(path: str) -> bool:
    return posixpath.basename(path) in PARSERS


def parse(path: str, text: str) -> tuple:
    parser = PARSERS.get(posixpath.basename(path))
    if parser is None or not text:
        return ()
    try:
        return parser(text, path)
    except (RecursionError, AttributeError, TypeError, KeyError, IndexError, ValueError):
        return ()  # not a lockfile this parser can read
