"""Maven pom.xml: dependencies (scope test -> dev, provided -> build,
optional -> optional), dependencyManagement (constraints), build plugins,
${property} versions, and <repositories> / <pluginRepositories>.
Read with expat to keep line numbers; no external entities are fetched."""
from __future__ import annotations

import re
import xml.parsers.expat
from typing import Dict, List, Optional

from guardrails.checks.dependency.model import (
    BUILD, CONSTRAINT, DEV, MAVEN, OPTIONAL, RUNTIME, Dep, Index, Parsed, mask,
)


class _El:
    __slots__ = ("tag", "line", "children", "text")

    def __init__(self, tag: str, line: int):
        self.tag = tag
        self.line = line
        self.children: List["_El"] = []
        self.text = ""

    def find(self, tag: str) -> Optional["_El"]:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> List["_El"]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str) -> str:
        child = self.find(tag)
        return child.text.strip() if child is not None else ""


def _tree(text: str) -> Optional[_El]:
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root: List[_El] = []
    stack: List[_El] = []

    def start(name: str, attrs: dict) -> None:
        el = _El(name.rsplit(":", 1)[-1], parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(name: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        if stack:
            stack[-1].text += chunk

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
    return root[0] if root else None


_PROP = re.compile(r"\$\{([^}]+)\}")


def parse(text: str, path: str) -> Parsed:
    root = _tree(text)
    if root is None or root.tag != "project":
        return Parsed(problems=(f"{path}: not a readable Maven project",) if root is None else ())
    lines = text.splitlines()
    props: Dict[str, str] = {}
    properties = root.find("properties")
    if properties is not None:
        for p in properties.children:
            props[p.tag] = p.text.strip()
    props.setdefault("project.version", root.value("version"))

    def resolve(value: str) -> str:
        for _ in range(5):
            if "${" not in value:
                break
            value = _PROP.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        return value

    deps: List[Dep] = []

    def text_at(no: int) -> str:
        return lines[no - 1].strip() if 0 < no <= len(lines) else ""

    def add(el: _El, group: str, default_group_id: str = "") -> None:
        group_id = resolve(el.value("groupId")) or default_group_id
        artifact = resolve(el.value("artifactId"))
        if not artifact:
            return
        name = f"{group_id}:{artifact}"
        version = resolve(el.value("version"))
        scope = el.value("scope")
        g = group
        if group == RUNTIME:
            if scope == "test":
                g = DEV
            elif scope in ("provided", "system"):
                g = BUILD
            elif el.value("optional") == "true":
                g = OPTIONAL
        if scope == "import":
            g = CONSTRAINT
        art_el = el.find("artifactId")
        no = art_el.line if art_el is not None else el.line
        deps.append(Dep(MAVEN, name, version, g, path, no, raw_name=name, text=text_at(no),
                        version=version if version and version[0] not in "[(" else "",
                        subgroup=scope))

    for container, group in ((root, RUNTIME), (root.find("dependencyManagement"), CONSTRAINT)):
        if container is None:
            continue
        block = container.find("dependencies")
        for dep in block.findall("dependency") if block is not None else ():
            add(dep, group)
    build = root.find("build")
    if build is not None:
        for holder in (build, build.find("pluginManagement")):
            plugins = holder.find("plugins") if holder is not None else None
            for plugin in plugins.findall("plugin") if plugins is not None else ():
                add(plugin, BUILD, "org.apache.maven.plugins")
    indexes: List[Index] = []
    for section in ("repositories", "pluginRepositories"):
        block = root.find(section)
        for repo in block.children if block is not None else ():
            url_el = repo.find("url")
            if url_el is None or not url_el.text.strip():
                continue
            url = resolve(url_el.text.strip())
            indexes.append(Index(url=mask(url), kind="repository", ecosystem=MAVEN, path=path,
                                 line=url_el.line, text=mask(text_at(url_el.line)),
                                 name=repo.value("id")))
    profiles = root.find("profiles")
    for profile in profiles.findall("profile") if profiles is not None else ():
        block = profile.find("dependencies")
        for dep in block.findall("dependency") if block is not None else ():
            add(dep, OPTIONAL)
    return Parsed(deps=tuple(deps), indexes=tuple(indexes))
