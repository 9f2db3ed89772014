"""Gradle build scripts (Groovy and Kotlin DSL), read line by line inside
`dependencies { }` and `repositories { }` blocks, and version catalogs
(gradle/libs.versions.toml).  Nothing is evaluated."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from guardrails.checks.dependency.manifests import _toml
from guardrails.checks.dependency.model import (
    BUILD, CONSTRAINT, DEV, MAVEN, RUNTIME, Dep, Index, Parsed, mask,
)

_CONFIG = re.compile(
    r"^\s*(?P<conf>[a-z][A-Za-z0-9]*)\s*(?:\(\s*)?(?P<body>.*?)\s*\)?\s*(?:\{.*)?$")
_COORD = re.compile(r"""^["']([^"'$\s:]+|\$\{?[\w.]+\}?):([^"'\s:]+)(?::([^"'\s@:]*))?(?::[^"'\s@]*)?(?:@\w+)?["']""")
_NAMED = re.compile(r"""(group|name|version)\s*[:=]\s*["']([^"']*)["']""")
_WRAPPERS = re.compile(r"^(?:platform|enforcedPlatform|testFixtures|kotlin)\s*\(\s*")
_REPO_URL = re.compile(r"""(?:url\s*(?:=|\s)\s*(?:uri\s*\(\s*)?|maven\s*\(\s*(?:url\s*=\s*)?)["']([^"']+)["']""")
_DEFAULT_REPOS = ("mavenCentral", "google", "gradlePluginPortal", "mavenLocal", "jcenter")


def _group_of(conf: str) -> Optional[str]:
    low = conf.lower()
    if low.startswith(("test", "androidtest", "integrationtest", "functionaltest")) or "test" in low:
        return DEV
    if low in ("classpath", "kapt", "ksp", "annotationprocessor", "compileonly", "detektplugins") or \
            low.endswith(("annotationprocessor", "compileonly", "kapt", "ksp")):
        return BUILD
    if low in ("implementation", "api", "compile", "runtime", "runtimeonly", "compileonlyapi") or \
            low.endswith(("implementation", "api", "runtimeonly")):
        return RUNTIME
    if low in ("constraints",):
        return CONSTRAINT
    return None


def _strip_comment(line: str) -> str:
    i = line.find("//")
    while i >= 0:
        before = line[:i]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return line[:i]
        i = line.find("//", i + 2)
    return line


def parse(text: str, path: str) -> Parsed:
    deps: List[Dep] = []
    indexes: List[Index] = []
    stack: List[str] = []  # names of the open blocks
    in_comment = False
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw
        if in_comment:
            if "*/" not in line:
                continue
            line = line.split("*/", 1)[1]
            in_comment = False
        if "/*" in line and "*/" not in line.split("/*", 1)[1]:
            line, in_comment = line.split("/*", 1)[0], True
        line = _strip_comment(line).strip()
        if not line:
            continue
        block = stack[-1] if stack else ""
        if block == "dependencies" or block == "constraints":
            _dependency(line, raw, no, path, deps, CONSTRAINT if block == "constraints" else None)
        elif block in ("repositories", "maven", "ivy"):
            m = _REPO_URL.search(line)
            if m:
                indexes.append(Index(url=mask(m.group(1)), kind="repository", ecosystem=MAVEN, path=path,
                                     line=no, text=mask(raw.strip())))
        opened = re.findall(r"([A-Za-z_][\w.]*)\s*(?:\([^)]*\))?\s*\{", line)
        n_open, n_close = line.count("{"), line.count("}")
        # Close first the blocks that a leading "}" ends, then open new ones.
        names = iter(opened)
        for ch in line:
            if ch == "{":
                stack.append(next(names, ""))
            elif ch == "}" and stack:
                stack.pop()
        del n_open, n_close
    return Parsed(deps=tuple(deps), indexes=tuple(indexes))


def _dependency(line: str, raw: str, no: int, path: str, deps: List[Dep], force: Optional[str]) -> None:
    m = _CONFIG.match(line)
    if not m:
        return
    group = force or _group_of(m.group("conf"))
    if group is None:
        return
    body = _WRAPPERS.sub("", m.group("body")).strip()
    coord = _COORD.match(body)
    if coord:
        group_id, artifact, version = coord.group(1), coord.group(2), coord.group(3) or ""
    else:
        named = dict(_NAMED.findall(body))
        if "name" not in named:
            return  # project(':x'), files(...), libs.foo (version catalog), fileTree(...)
        group_id, artifact, version = named.get("group", ""), named["name"], named.get("version", "")
    name = f"{group_id}:{artifact}"
    deps.append(Dep(MAVEN, name, version, group, path, no, raw_name=name, text=raw.strip(),
                    version=version if version and version[0].isdigit() and "+" not in version else "",
                    subgroup=m.group("conf")))


def parse_catalog(text: str, path: str) -> Parsed:
    """gradle/libs.versions.toml: [libraries] and [plugins] with [versions] refs."""
    data, problem = _toml.loads(text, path)
    if problem:
        return Parsed(problems=(problem,))
    loc = _toml.Locator(text)
    versions = data.get("versions") or {}
    deps: List[Dep] = []

    def version_of(entry: dict) -> str:
        v = entry.get("version")
        if isinstance(v, str):
            return v
        if isinstance(v, dict):
            if "ref" in v:
                ref = versions.get(v["ref"])
                if isinstance(ref, dict):
                    return str(ref.get("strictly") or ref.get("require") or "")
                return ref if isinstance(ref, str) else ""
            return str(v.get("strictly") or v.get("require") or v.get("prefer") or "")
        if "version.ref" in entry:
            return str(versions.get(entry["version.ref"], ""))
        return ""

    for section, group in (("libraries", RUNTIME), ("plugins", BUILD)):
        for alias, entry in (data.get(section) or {}).items():
            coords: Tuple[str, str] = ("", "")
            version = ""
            if isinstance(entry, str):
                parts = entry.split(":")
                if section == "plugins":
                    coords = (parts[0], "")
                    version = parts[1] if len(parts) > 1 else ""
                elif len(parts) >= 2:
                    coords = (parts[0], parts[1])
                    version = parts[2] if len(parts) > 2 else ""
            elif isinstance(entry, dict):
                if "module" in entry:
                    g, _, a = str(entry["module"]).partition(":")
                    coords = (g, a)
                elif "id" in entry:
                    coords = (str(entry["id"]), "")
                else:
                    coords = (str(entry.get("group", "")), str(entry.get("name", "")))
                version = version_of(entry)
            if not coords[0]:
                continue
            name = f"{coords[0]}:{coords[1]}" if coords[1] else coords[0]
            line = loc.key((section, alias))
            deps.append(Dep(MAVEN, name, version, group, path, line, raw_name=name, text=loc.text(line),
                            subgroup=alias))
    return Parsed(deps=tuple(deps))
