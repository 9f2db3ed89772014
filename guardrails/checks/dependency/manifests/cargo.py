"""Cargo.toml: [dependencies], [dev-dependencies], [build-dependencies],
their [target.'cfg(..)'.*] forms, [workspace.dependencies], [patch.*] and
[replace]; `package = "real"` renames, git / path / alternative registries."""
from __future__ import annotations

from typing import Any, List, Tuple

from guardrails.checks.dependency.manifests import _toml
from guardrails.checks.dependency.model import (
    BUILD, CARGO, DEV, OPTIONAL, OVERRIDE, RUNTIME, Dep, Parsed, mask, normalise,
)

_KINDS = (("dependencies", RUNTIME), ("dev-dependencies", DEV), ("dev_dependencies", DEV),
          ("build-dependencies", BUILD), ("build_dependencies", BUILD))


def _spec_and_source(value: Any) -> Tuple[str, str, str, tuple, bool, bool]:
    """(spec, source, real package name, features, optional, inherits workspace)."""
    if isinstance(value, str):
        return value, "", "", (), False, False
    if not isinstance(value, dict):
        return "", "", "", (), False, False
    spec = str(value.get("version", ""))
    source = ""
    if "git" in value:
        ref = value.get("rev") or value.get("tag") or value.get("branch") or ""
        source = f"git+{value['git']}" + (f"@{ref}" if ref else "")
    elif "path" in value:
        source = f"path:{value['path']}"
    elif value.get("registry"):
        source = f"registry:{value['registry']}"
    elif value.get("registry-index"):
        source = f"registry+{value['registry-index']}"
    features = tuple(value.get("features") or ())
    return (spec, source, str(value.get("package", "")), features, bool(value.get("optional")),
            bool(value.get("workspace")))


def parse(text: str, path: str) -> Parsed:
    data, problem = _toml.loads(text, path)
    if problem:
        return Parsed(problems=(problem,))
    loc = _toml.Locator(text)
    deps: List[Dep] = []

    def table(key: Tuple[str, ...], entries: Any, group: str, marker: str = "") -> None:
        if not isinstance(entries, dict):
            return
        for name, value in entries.items():
            spec, source, real, features, optional, inherited = _spec_and_source(value)
            line = loc.key(key + (name,))
            g = OPTIONAL if optional and group == RUNTIME else group
            deps.append(Dep(CARGO, normalise(CARGO, real or name), "" if spec == "*" else spec.replace(" ", ""),
                            g, path, line, raw_name=name, source=mask(source) or ("workspace:" if inherited else ""),
                            text=loc.text(line), extras=features, marker=marker,
                            version=spec.lstrip("=") if spec.startswith("=") else ""))

    for key, group in _KINDS:
        table((key,), data.get(key), group)
    for cfg, target in (data.get("target") or {}).items():
        if isinstance(target, dict):
            for key, group in _KINDS:
                table(("target", cfg, key), target.get(key), group, marker=cfg)
    workspace = data.get("workspace") or {}
    if isinstance(workspace, dict):
        table(("workspace", "dependencies"), workspace.get("dependencies"), RUNTIME, marker="workspace")
    for registry, patches in (data.get("patch") or {}).items():
        table(("patch", registry), patches, OVERRIDE, marker=f"patch.{registry}")
    table(("replace",), data.get("replace"), OVERRIDE, marker="replace")
    return Parsed(deps=tuple(deps))
