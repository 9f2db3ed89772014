"""package.json: dependencies, devDependencies, peerDependencies,
optionalDependencies, bundledDependencies, overrides / resolutions /
pnpm.overrides, with npm aliases, workspace:, file:, link: and git specs."""
from __future__ import annotations

import re
from typing import Any, List, Tuple

from guardrails.checks.dependency.manifests import _json
from guardrails.checks.dependency.model import (
    BUNDLED, DEV, NPM, OPTIONAL, OVERRIDE, PEER, RUNTIME, Dep, Parsed, mask, normalise,
)

SECTIONS = (
    ("dependencies", RUNTIME),
    ("devDependencies", DEV),
    ("peerDependencies", PEER),
    ("optionalDependencies", OPTIONAL),
)
_GIT = re.compile(r"^(?:git\+|git://|github:|gitlab:|bitbucket:|gist:|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:#.*)?$)")
_URL = re.compile(r"^https?://")


def split_spec(spec: str) -> Tuple[str, str, str]:
    """(real name or '', version range, source) of a dependency value."""
    spec = spec.strip()
    if spec.startswith("npm:"):  # "npm:real-name@^1.0"
        body = spec[4:]
        at = body.find("@", 1)
        if at < 0:
            return body, "", ""
        return body[:at], body[at + 1:], ""
    if spec.startswith(("workspace:", "file:", "link:", "portal:", "patch:")):
        return "", "", spec
    if _URL.match(spec) or _GIT.match(spec):
        return "", "", spec
    if spec in ("*", "latest", "x", ""):
        return "", "", ""
    return "", spec, ""


def parse(text: str, path: str) -> Parsed:
    data, problem = _json.loads(text)
    if problem:
        return Parsed(problems=(f"{path}: {problem}",))
    if not isinstance(data, dict):
        return Parsed()
    lines = _json.key_lines(text)
    all_lines = text.splitlines()

    def text_at(no: int) -> str:
        return all_lines[no - 1].strip().rstrip(",") if 0 < no <= len(all_lines) else ""

    deps: List[Dep] = []

    def add(key: str, value: Any, group: str, keypath: Tuple[str, ...], subgroup: str = "") -> None:
        if not isinstance(value, str):
            return
        real, spec, source = split_spec(value)
        name = real or key
        no = lines.get(keypath, 0)
        deps.append(Dep(NPM, normalise(NPM, name), spec, group, path, no, raw_name=key,
                        source=mask(source) or (f"npm:{real}" if real else ""), text=mask(text_at(no)),
                        subgroup=subgroup, version=spec if re.match(r"^\d+\.\d+\.\d+\S*$", spec) else ""))

    for section, group in SECTIONS:
        table = data.get(section)
        if isinstance(table, dict):
            for key, value in table.items():
                add(key, value, group, (section, key))
    for section in ("bundledDependencies", "bundleDependencies"):
        names = data.get(section)
        if isinstance(names, list):
            no = lines.get((section,), 0)
            for name in names:
                if isinstance(name, str):
                    deps.append(Dep(NPM, normalise(NPM, name), "", BUNDLED, path, no, raw_name=name,
                                    text=text_at(no)))

    def overrides(table: Any, keypath: Tuple[str, ...]) -> None:
        if not isinstance(table, dict):
            return
        for key, value in table.items():
            # "**/lodash", "parent/child", "lodash@1": the overridden package is the last name
            target = re.sub(r"^(?:\*\*/)+", "", key)
            target = target.rsplit("/", 1)[-1] if "/" in target and not target.startswith("@") else target
            if target.startswith("@") and target.count("/") > 1:
                target = "/".join(target.split("/")[-2:])
            target = re.sub(r"(?<=.)@[^/@]*$", "", target)
            if isinstance(value, dict):
                if "." in value:
                    add(target, value["."], OVERRIDE, keypath + (key,), "")
                overrides(value, keypath + (key,))
            elif isinstance(value, str) and not value.startswith("$"):
                add(target, value, OVERRIDE, keypath + (key,))

    overrides(data.get("overrides"), ("overrides",))
    overrides(data.get("resolutions"), ("resolutions",))
    pnpm = data.get("pnpm")
    if isinstance(pnpm, dict):
        overrides(pnpm.get("overrides"), ("pnpm", "overrides"))
    return Parsed(deps=tuple(d for d in deps if d.name and d.name != "."))
