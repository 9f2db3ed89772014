"""pyproject.toml: PEP 621, PEP 735 dependency groups, build-system, Poetry,
PDM, Hatch and uv tables, and the package indexes uv / Poetry / PDM name."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from guardrails.checks.dependency.manifests import _toml, pep508
from guardrails.checks.dependency.model import (
    BUILD, DEV, OPTIONAL, OVERRIDE, CONSTRAINT, PYPI, RUNTIME, Dep, Index, Parsed, mask, pep503,
)


class _Builder:
    def __init__(self, text: str, path: str):
        self.path = path
        self.loc = _toml.Locator(text)
        self.deps: List[Dep] = []
        self.indexes: List[Index] = []
        self.problems: List[str] = []

    def pep508_list(self, key: Tuple[str, ...], values: Any, group: str, subgroup: str = "") -> None:
        if not isinstance(values, list):
            if values is not None:
                self.problems.append(f"{self.path}: {'.'.join(key)} is not a list")
            return
        for item in values:
            if isinstance(item, dict):
                continue  # {include-group = "..."}: its packages are listed under that group
            if not isinstance(item, str):
                continue
            req = pep508.parse(item)
            line = self.loc.value(key, item)
            if req is None:
                self.problems.append(f"{self.path}:{line}: not a requirement: {item[:80]}")
                continue
            self.deps.append(Dep(PYPI, pep503(req.name), req.spec, group, self.path, line,
                                 raw_name=req.name, source=mask(req.url), text=self.loc.text(line),
                                 extras=req.extras, marker=req.marker, subgroup=subgroup,
                                 version=_exact(req.spec)))

    def poetry_table(self, key: Tuple[str, ...], table: Any, group: str, subgroup: str = "") -> None:
        if not isinstance(table, dict):
            return
        for name, value in table.items():
            if name.lower() == "python":
                continue
            line = self.loc.key(key + (name,))
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                spec, source, marker, g = "", "", "", group
                extras: Tuple[str, ...] = ()
                if isinstance(entry, str):
                    spec = entry
                elif isinstance(entry, dict):
                    spec = str(entry.get("version", ""))
                    source = _poetry_source(entry)
                    extras = tuple(str(e) for e in _list(entry.get("extras")))
                    marker = str(entry.get("markers", "") or entry.get("python", "") and
                                 f"python {entry.get('python')}")
                    if entry.get("optional") and group == RUNTIME:
                        g = OPTIONAL
                else:
                    continue
                spec = "" if spec.strip() == "*" else spec.replace(" ", "")
                self.deps.append(Dep(PYPI, pep503(name), spec, g, self.path, line, raw_name=name,
                                     source=mask(source), text=self.loc.text(line), extras=extras,
                                     marker=marker, subgroup=subgroup, version=_poetry_exact(spec)))

    def index(self, url: Any, kind: str, key: Tuple[str, ...], nth: int, name: str = "",
              default: bool = False) -> None:
        if not isinstance(url, str) or not url:
            return
        line = self.loc.key(key + ("url",), nth) or self.loc.key(key, nth)
        self.indexes.append(Index(url=mask(url), kind=kind, ecosystem=PYPI, path=self.path, line=line,
                                  text=mask(self.loc.text(line)), name=name, default=default))


def _poetry_source(entry: Dict[str, Any]) -> str:
    for key in ("git", "url", "path", "file"):
        if key in entry:
            ref = entry.get("rev") or entry.get("tag") or entry.get("branch") or ""
            value = str(entry[key])
            if key == "git":
                return f"git+{value}" + (f"@{ref}" if ref else "")
            if key == "path":
                return f"path:{value}"
            return value
    if entry.get("source"):
        return f"index:{entry['source']}"
    return ""


def _exact(spec: str) -> str:
    if spec.startswith("==") and "," not in spec and "*" not in spec:
        return spec.lstrip("=")
    return ""


def _poetry_exact(spec: str) -> str:
    if spec and spec[0].isdigit() and "," not in spec and "*" not in spec:
        return spec
    return _exact(spec)


def _get(data: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    """The table at KEYS ({} when missing or not a table)."""
    cur: Any = data
    for key in keys:
        if not isinstance(cur, dict):
            return {}
        cur = cur.get(key)
    return cur if isinstance(cur, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def parse(text: str, path: str) -> Parsed:
    data, problem = _toml.loads(text, path)
    if problem:
        return Parsed(problems=(problem,))
    b = _Builder(text, path)
    project = _get(data, "project")
    b.pep508_list(("project", "dependencies"), project.get("dependencies"), RUNTIME)
    for extra, values in _get(project, "optional-dependencies").items():
        b.pep508_list(("project", "optional-dependencies", extra), values, OPTIONAL, extra)
    for group_name, values in _get(data, "dependency-groups").items():
        b.pep508_list(("dependency-groups", group_name), values, DEV, group_name)
    b.pep508_list(("build-system", "requires"), _get(data, "build-system").get("requires"), BUILD)

    poetry = _get(data, "tool", "poetry")
    if poetry:
        b.poetry_table(("tool", "poetry", "dependencies"), poetry.get("dependencies"), RUNTIME)
        b.poetry_table(("tool", "poetry", "dev-dependencies"), poetry.get("dev-dependencies"), DEV, "dev")
        for group_name, group in _get(poetry, "group").items():
            if isinstance(group, dict):
                b.poetry_table(("tool", "poetry", "group", group_name, "dependencies"),
                               group.get("dependencies"), DEV, group_name)
        for i, source in enumerate(_list(poetry.get("source"))):
            if isinstance(source, dict):
                priority = str(source.get("priority", ""))
                b.index(source.get("url"), "source", ("tool", "poetry", "source"), i,
                        name=str(source.get("name", "")),
                        default=priority in ("default", "primary") or bool(source.get("default")))

    pdm = _get(data, "tool", "pdm")
    if pdm:
        for group_name, values in _get(pdm, "dev-dependencies").items():
            b.pep508_list(("tool", "pdm", "dev-dependencies", group_name), values, DEV, group_name)
        for i, source in enumerate(_list(pdm.get("source"))):
            if isinstance(source, dict):
                b.index(source.get("url"), "source", ("tool", "pdm", "source"), i,
                        name=str(source.get("name", "")), default=source.get("name") == "pypi")

    envs = _get(data, "tool", "hatch", "envs")
    if envs:
        for env_name, env in envs.items():
            if not isinstance(env, dict):
                continue
            for key in ("dependencies", "extra-dependencies"):
                b.pep508_list(("tool", "hatch", "envs", env_name, key), env.get(key), DEV, env_name)

    uv = _get(data, "tool", "uv")
    if uv:
        b.pep508_list(("tool", "uv", "dev-dependencies"), uv.get("dev-dependencies"), DEV, "dev")
        b.pep508_list(("tool", "uv", "override-dependencies"), uv.get("override-dependencies"), OVERRIDE)
        b.pep508_list(("tool", "uv", "constraint-dependencies"), uv.get("constraint-dependencies"), CONSTRAINT)
        for i, index in enumerate(_list(uv.get("index"))):
            if isinstance(index, dict):
                b.index(index.get("url"), "index", ("tool", "uv", "index"), i,
                        name=str(index.get("name", "")), default=bool(index.get("default")))
        for key, kind in (("index-url", "index-url"), ("extra-index-url", "extra-index-url"),
                          ("find-links", "find-links")):
            values = uv.get(key)
            for url in (values if isinstance(values, list) else [values] if values else []):
                if isinstance(url, str):
                    line = b.loc.value(("tool", "uv", key), url)
                    b.indexes.append(Index(url=mask(url), kind=kind, ecosystem=PYPI, path=path, line=line,
                                           text=mask(b.loc.text(line)), default=kind == "index-url"))
        _apply_uv_sources(b, _get(uv, "sources"))
    return Parsed(deps=tuple(b.deps), indexes=tuple(b.indexes), problems=tuple(b.problems))


def _apply_uv_sources(b: _Builder, sources: Dict[str, Any]) -> None:
    """[tool.uv.sources] says where a declared package really comes from."""
    where: Dict[str, str] = {}
    for name, value in sources.items():
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            src = ""
            if "git" in entry:
                ref = entry.get("rev") or entry.get("tag") or entry.get("branch") or ""
                src = f"git+{entry['git']}" + (f"@{ref}" if ref else "")
            elif "url" in entry:
                src = str(entry["url"])
            elif "path" in entry:
                src = f"path:{entry['path']}"
            elif "index" in entry:
                src = f"index:{entry['index']}"
            elif entry.get("workspace"):
                src = "workspace:"
            if src:
                where[pep503(name)] = mask(src)
                break
    if where:
        b.deps = [d._replace(source=d.source or where.get(d.name, "")) for d in b.deps]
