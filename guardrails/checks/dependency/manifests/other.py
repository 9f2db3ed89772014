"""Smaller formats: composer.json (PHP), NuGet project files (.csproj,
Directory.Packages.props, packages.config) and Dockerfile base images."""
from __future__ import annotations

import re
from typing import List

from guardrails.checks.dependency.manifests import _json
from guardrails.checks.dependency.manifests.pom import _El
from guardrails.checks.dependency.model import (
    BUILD, COMPOSER, CONSTRAINT, DEV, DOCKER, NUGET, RUNTIME, Dep, Index, Parsed, mask, normalise,
)


def parse_composer(text: str, path: str) -> Parsed:
    data, problem = _json.loads(text)
    if problem:
        return Parsed(problems=(f"{path}: {problem}",))
    if not isinstance(data, dict):
        return Parsed()
    lines = _json.key_lines(text, max_depth=2)
    all_lines = text.splitlines()
    deps: List[Dep] = []
    for section, group in (("require", RUNTIME), ("require-dev", DEV)):
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            if name == "php" or name.startswith(("ext-", "lib-")) or "/" not in name:
                continue  # the platform, not a package
            no = lines.get((section, name), 0)
            deps.append(Dep(COMPOSER, normalise(COMPOSER, name), str(spec).replace(" ", ""), group, path, no,
                            raw_name=name, text=all_lines[no - 1].strip().rstrip(",") if no else ""))
    indexes: List[Index] = []
    repos = data.get("repositories")
    for repo in (repos.values() if isinstance(repos, dict) else repos if isinstance(repos, list) else []):
        if isinstance(repo, dict) and isinstance(repo.get("url"), str):
            url = repo["url"]
            no = next((i for i, ln in enumerate(all_lines, 1) if url in ln), 0)
            indexes.append(Index(url=mask(url), kind=str(repo.get("type", "repository")), ecosystem=COMPOSER,
                                 path=path, line=no, text=mask(all_lines[no - 1].strip()) if no else url))
    return Parsed(deps=tuple(deps), indexes=tuple(indexes))


def _walk(el: _El):
    yield el
    for child in el.children:
        yield from _walk(child)


def parse_nuget(text: str, path: str) -> Parsed:
    """PackageReference / PackageVersion / packages.config <package>, with attributes
    or child elements for the version."""
    root = _tree_with_attrs(text)
    if root is None:
        return Parsed(problems=(f"{path}: not readable XML",))
    lines = text.splitlines()
    deps: List[Dep] = []
    test_project = bool(re.search(r"(?:^|[/.])(?:unit)?tests?(?:[/.]|$)", path, re.I))
    for el, attrs in root:
        if el not in ("PackageReference", "PackageVersion", "package", "GlobalPackageReference"):
            continue
        name = attrs.get("Include") or attrs.get("id") or attrs.get("Update") or ""
        if not name:
            continue
        version = attrs.get("Version") or attrs.get("version") or attrs.get("VersionOverride") or ""
        group = CONSTRAINT if el == "PackageVersion" else RUNTIME
        if attrs.get("developmentDependency") == "true" or attrs.get("PrivateAssets", "").lower() == "all":
            group = DEV if group == RUNTIME else group
        if el == "GlobalPackageReference":
            group = BUILD
        elif test_project and group == RUNTIME:
            group = DEV
        no = attrs.get("__line__", 0)
        deps.append(Dep(NUGET, normalise(NUGET, name), version.replace(" ", ""), group, path, no, raw_name=name,
                        text=lines[no - 1].strip() if 0 < no <= len(lines) else ""))
    return Parsed(deps=tuple(deps))


def _tree_with_attrs(text: str):
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    out = []
    stack: List[tuple] = []  # (name, attrs) of the open elements

    def start(name: str, attrs: dict) -> None:
        attrs = dict(attrs)
        attrs["__line__"] = parser.CurrentLineNumber
        name = name.rsplit(":", 1)[-1]
        out.append((name, attrs))
        stack.append((name, attrs))

    def end(name: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        # <PackageReference Include="x"><Version>1.0</Version></PackageReference>
        if len(stack) >= 2 and stack[-1][0] in ("Version", "PrivateAssets", "VersionOverride") and chunk.strip():
            parent = stack[-2][1]
            parent[stack[-1][0]] = parent.get(stack[-1][0], "") + chunk.strip()

    def no_entities(*args: object) -> None:
        raise ValueError("entity declarations are not read")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.EntityDeclHandler = no_entities
    try:
        parser.Parse(text.encode("utf-8", "surrogateescape"), True)
    except (xml.parsers.expat.ExpatError, ValueError):
        return None
    return out


_FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", re.I)


def parse_dockerfile(text: str, path: str) -> Parsed:
    """Base images (FROM), skipping scratch and earlier build stages."""
    deps: List[Dep] = []
    stages = set()
    froms = []
    for no, raw in enumerate(text.splitlines(), 1):
        m = _FROM.match(raw)
        if not m:
            continue
        image, stage = m.group(1), (m.group(2) or "").lower()
        froms.append((no, raw, image))
        if stage:
            stages.add(stage)
    for i, (no, raw, image) in enumerate(froms):
        if image.lower() == "scratch" or image.lower() in stages or "$" in image:
            continue
        name, digest = image, ""
        if "@" in name:
            name, digest = name.split("@", 1)
        tag = ""
        if ":" in name.rsplit("/", 1)[-1]:
            name, tag = name.rsplit(":", 1)
        group = RUNTIME if i == len(froms) - 1 else BUILD
        spec = f"=={tag or 'latest'}" if digest else tag  # a digest pins exactly
        deps.append(Dep(DOCKER, name.lower(), spec, group, path, no, raw_name=name, text=raw.strip(),
                        version=tag, source=f"digest:{digest}" if digest else ""))
    return Parsed(deps=tuple(deps))
