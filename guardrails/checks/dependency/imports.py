"""Imports and the packages behind them.

Two questions, both answered without the project's environment:

* which *new* imports (Python ``import``/``from``, JS/TS ``import``/
  ``require``/``import()``) name a third-party package no manifest declares
  (``undeclared``), and
* which newly declared packages nothing in the repository uses (``unused``).

Python import names are mapped to distributions through a curated table
(``guardrails/data/import-names.tsv``: ``yaml`` -> PyYAML, ``PIL`` ->
Pillow ...), falling back to the normalised name and to affix variants
(``python-foo``, ``foo-py``).  The standard library and Node's built-in
modules come from shipped lists; the project's own modules from the paths of
the new revision.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import json
import os
import posixpath
import re
import subprocess
from collections import defaultdict
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from guardrails import git
from guardrails.change import read_many
from guardrails.checks.dependency.model import NPM, PYPI, Dep, pep503
from guardrails.model import ADDED, ChangeSet, FileChange, Line

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data")

PY_EXT = (".py", ".pyi")
JS_EXT = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte", ".astro")
# Folders whose code is not the project's own: vendored copies, build output,
# sample inputs of tests.
SKIP_DIRS = frozenset({
    "node_modules", "vendor", "vendored", "_vendor", "third_party", "third-party", "site-packages",
    "fixtures", "__fixtures__", "testdata", "test_data", "dist", "build", ".venv", "venv",
    ".tox", ".nox", "bower_components", ".next", ".nuxt", "out", "coverage",
})
MAX_FILE_BYTES = 1_000_000


def skipped(path: str) -> bool:
    parts = path.split("/")[:-1]
    return any(p in SKIP_DIRS for p in parts)


# --------------------------------------------------------------------------
# Shipped data.

def _lines(name: str) -> List[str]:
    try:
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            return [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]
    except OSError:
        return []


@functools.lru_cache(maxsize=None)
def stdlib() -> frozenset:
    import sys
    return frozenset(_lines("python-stdlib.txt")) | frozenset(getattr(sys, "stdlib_module_names", ()))


@functools.lru_cache(maxsize=None)
def node_builtins() -> frozenset:
    return frozenset(_lines("node-builtins.txt"))


NODE_PREFIX_ONLY = frozenset({"test", "test/reporters", "sea", "sqlite"})


@functools.lru_cache(maxsize=None)
def import_table() -> Tuple[Dict[str, Tuple[str, ...]], Dict[str, Set[str]]]:
    """(import name -> distributions, distribution -> import names), normalised dists."""
    forward: Dict[str, Tuple[str, ...]] = {}
    reverse: Dict[str, Set[str]] = defaultdict(set)
    for ln in _lines("import-names.tsv"):
        mod, _, dists = ln.partition("\t")
        names = tuple(pep503(d) for d in dists.split(",") if d.strip())
        if mod and names:
            forward[mod.strip()] = names
            for d in names:
                reverse[d].add(mod.strip())
    return forward, dict(reverse)


_AFFIX = re.compile(r"^(?:python-|py-|py)|(?:-python|-py|-client|-sdk|-api)$")


def distributions_for(module: str) -> Tuple[str, ...]:
    """The distributions that may provide MODULE (a dotted import path),
    most specific first; the last one is the normalised top-level name."""
    forward, _ = import_table()
    parts = module.split(".")
    out: List[str] = []
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        out.extend(forward.get(key, ()))
        if i > 1:
            out.append(pep503(key))  # namespace packages: google.cloud.storage -> google-cloud-storage
    out.append(pep503(parts[0]))
    return tuple(dict.fromkeys(out))


def import_names(dist: str) -> Set[str]:
    """The import names a distribution probably provides (dotted for namespaces)."""
    _, reverse = import_table()
    dist = pep503(dist)
    names = set(reverse.get(dist, ()))
    under = dist.replace("-", "_")
    names.add(under)
    words = dist.split("-")
    if 2 <= len(words) <= 6:
        # Namespace packages: google-cloud-storage -> google.cloud.storage,
        # llama-index-llms-openai -> llama_index.llms.openai: every "-" is "_" or ".".
        for mask in range(1, 2 ** (len(words) - 1)):
            out = words[0]
            for i, w in enumerate(words[1:]):
                out += ("." if mask >> i & 1 else "_") + w
            names.add(out)
    stripped = _AFFIX.sub("", dist)
    if stripped and stripped != dist and len(stripped) >= 2:
        names.add(stripped.replace("-", "_"))
    if dist.startswith("types-"):
        names |= import_names(dist[len("types-"):])
    if dist.endswith("-stubs"):
        names |= import_names(dist[: -len("-stubs")])
    return names


def _declared_python(module: str, declared: Set[str]) -> bool:
    if any(d in declared for d in distributions_for(module)):
        return True
    top = module.split(".")[0]
    for dist in declared:
        for name in import_names(dist):
            if name == top or module == name or module.startswith(name + ".") or name.startswith(module + "."):
                return True
    return False


# --------------------------------------------------------------------------
# Imports the change adds.

class Import(NamedTuple):
    path: str
    line: int
    module: str  # dotted Python module, or the JS specifier as written
    package: str  # the third-party package it names (JS) / the top-level module (Python)
    text: str
    language: str  # "python" or "js"
    type_only: bool = False
    shown: str = ""  # the module as the statement writes it ("PIL" for "from PIL import Image")


# A line that may import: `^\s*(?:import|from)\s+[A-Za-z_]`, searched without
# its "^\s*" over the joined added lines (the keyword must then be the first
# non-blank of its line), so that the engine skips ahead to the words;
# [^\S\n] keeps a match on one line.
_PY_KEYWORD = re.compile(r"(?:import|from)[^\S\n]+[A-Za-z_]")
_PY_IMPORT = re.compile(r"^(?P<indent>\s*)import\s+(?P<mods>[A-Za-z_][\w.]*(?:\s+as\s+\w+)?"
                        r"(?:\s*,\s*[A-Za-z_][\w.]*(?:\s+as\s+\w+)?)*)\s*(?:;|#|$)")
_PY_FROM = re.compile(r"^(?P<indent>\s*)from\s+(?P<mod>[A-Za-z_][\w.]*)\s+import\s+\(?\s*(?P<names>[\w\s,*]*)")
_PY_TRY = re.compile(r"^(\s*)try\s*:")
_PY_EXCEPT = re.compile(r"^(\s*)except\b\s*(?P<what>[^:]*):")
_IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")


_PY_TYPE_CHECKING = re.compile(r"^\s*if\s+(?:not\s+)?(?:typing\.|t\.)?TYPE_CHECKING\s*(?:and\b[^:]*|or\b[^:]*)?:")


def _header(lines: List[str], index: int) -> Optional[Tuple[int, str]]:
    """The line that opens the block holding lines[index] (the nearest line
    above it, within 200, that is indented less), with its index; None for
    a line at the top level or without one in reach."""
    text = lines[index]
    indent = len(text) - len(text.lstrip())
    if not indent:
        return None
    for j in range(index - 1, max(-1, index - 200), -1):
        prev = lines[j]
        if not prev.strip() or prev.lstrip().startswith("#"):
            continue
        if len(prev) - len(prev.lstrip()) < indent:
            return j, prev
    return None


def _type_only(lines: List[str], index: int) -> bool:
    """Is lines[index] (an indented import) in the body of ``if TYPE_CHECKING:``?
    Such an import runs only under a type checker (typing_extensions for a
    stub, ``_typeshed``, which never exists at run time): no runtime
    dependency is needed for it.  (A pip commit importing ``_typeshed``
    under TYPE_CHECKING was reported as undeclared.)"""
    header = _header(lines, index)
    return header is not None and bool(_PY_TYPE_CHECKING.match(header[1])) \
        and not header[1].lstrip().startswith("if not")


def _optional(lines: List[str], index: int) -> bool:
    """Is lines[index] (an indented import) in the body of a ``try`` whose
    handlers catch ImportError (an optional dependency with a fallback)?"""
    header = _header(lines, index)
    if header is None:
        return False
    _, prev = header
    pind = len(prev) - len(prev.lstrip())
    if not _PY_TRY.match(prev):
        return False
    for k in range(index + 1, min(len(lines), index + 400)):
        e = _PY_EXCEPT.match(lines[k])
        if e and len(e.group(1)) == pind:
            what = e.group("what").strip()
            if not what or any(x in what for x in _IMPORT_ERRORS):
                return True
        elif lines[k].strip() and len(lines[k]) - len(lines[k].lstrip()) <= pind \
                and not lines[k].lstrip().startswith(("except", "#")):
            return False
    return False


_TRIPLES = ('"' * 3, "'" * 3)
# Comments and strings, a triple-quoted one read whole (to its first closing
# quotes, or to the end of the text).  Every alternative opens with a
# literal, so the engine skips ahead to the next "#" or quote.
_PY_TOKENS = re.compile(r"#[^\n]*|" + '"""' + r"[\s\S]*?(?:" + '"""' + r"|\Z)|'''[\s\S]*?(?:'''|\Z)"
                        + r'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*\'''')


def _string_lines(lines: List[str], wanted: Set[int]) -> Set[int]:
    """Which of the WANTED line numbers (1-based) start inside a triple-quoted string."""
    text = "\n".join(lines)
    # offset of line n = lengths of the lines before it + one newline each
    lengths = list(itertools.accumulate(map(len, lines), initial=0))
    offsets = {no: lengths[no - 1] + no - 1 for no in wanted if 1 <= no <= len(lines)}
    if not offsets:
        return set()
    last = max(offsets.values())
    ranges: List[Tuple[int, int]] = []  # (first offset inside, offset of the closing quotes), in order
    for m in _PY_TOKENS.finditer(text):
        a, b = m.span()
        if a >= last:
            break  # a string opening here or later holds none of the wanted lines
        if not text.startswith(_TRIPLES, a):
            continue  # a comment or a one-line string (a triple quote always opens a triple-quoted token)
        closed = b - a >= 6 and text.startswith(text[a:a + 3], b - 3)
        ranges.append((a + 3, b - 3 if closed else len(text)))
    if not ranges:
        return set()
    firsts = [a for a, _ in ranges]
    out: Set[int] = set()
    for no, offset in offsets.items():
        i = bisect.bisect_right(firsts, offset) - 1  # the ranges are disjoint: only this one can hold it
        if i >= 0 and offset < ranges[i][1]:
            out.add(no)
    return out


def _keyword_lines(lines: List[Line], rx: "re.Pattern[str]", first: bool) -> List[Line]:
    """The LINES (in order) where RX, searched over their joined text, matches
    (a match of RX never spans a newline).  FIRST: only a match at the
    line's first non-blank character counts; else the match must start a
    word."""
    text = "\n".join([ln.text for ln in lines])
    out: List[Line] = []
    index = pos = 0
    taken = -1
    for m in rx.finditer(text):
        at = m.start()
        index += text.count("\n", pos, at)
        pos = at
        if index == taken:
            continue
        if first:
            line_start = text.rfind("\n", 0, at) + 1
            if line_start < at and not text[line_start:at].isspace():
                continue
        elif at > 0 and _WORD_CHAR.match(text, at - 1):
            continue
        taken = index
        out.append(lines[index])
    return out


_WORD_CHAR = re.compile(r"\w")


def python_imports(f: FileChange) -> List[Import]:
    """The absolute imports on the lines the change adds (a line scanner, not
    a parser: it must stay cheap on 100,000 added lines)."""
    out: List[Import] = []
    whole: Optional[List[str]] = None
    added = [ln for hunk in f.hunks for ln in hunk.lines if ln.kind == ADDED]
    candidates = [ln for ln in _keyword_lines(added, _PY_KEYWORD, first=True) if ln.new_no is not None]
    if not candidates:
        return out
    text_all = f.new_text()
    in_string: Set[int] = set()
    if text_all is not None and any(t in text_all for t in _TRIPLES):
        whole = text_all.splitlines()
        in_string = _string_lines(whole, {ln.new_no for ln in candidates if ln.new_no is not None})
    for ln in candidates:
        t = ln.text
        if ln.new_no is None or ln.new_no in in_string:
            continue
        m = _PY_IMPORT.match(t)
        n = None if m else _PY_FROM.match(t)
        if not m and not n:
            continue
        if t[:1].isspace():
            if whole is None:
                text = f.new_text()
                whole = text.splitlines() if text is not None else [x.text for x in f.lines() if x.kind != "-"]
            idx = ln.new_no - 1 if f.new_text() is not None else None
            if idx is not None and idx < len(whole) and (_optional(whole, idx) or _type_only(whole, idx)):
                continue
        if m:
            for part in m.group("mods").split(","):
                mod = part.strip().split()[0]
                out.append(Import(f.path, ln.new_no, mod, mod.split(".")[0], t, "python"))
        elif n is not None:
            mod = n.group("mod")
            names = [seg.split()[0] for seg in (n.group("names") or "").split(",")
                     if seg.strip() and seg.split()[0] != "*"]
            # "from google.cloud import storage": the module may be a namespace package.
            best = f"{mod}.{names[0]}" if len(names) == 1 else mod
            out.append(Import(f.path, ln.new_no, best, mod.split(".")[0], t, "python", shown=mod))
    return out


# A line that may import: `\b(?:import|require|from)\b`, the leading \b
# checked on the character before, so that the engine skips ahead to the words.
_JS_KEYWORD = re.compile(r"(?:import|require|from)\b")
# Static forms must start the line (a code sample inside a string does not);
# require()/import() may stand anywhere in an expression.
_JS_SPEC = re.compile(
    r"""^\s*(?:(?P<kw>import|export)\b(?P<mid>[^'"`;]*?)\bfrom\s*|\}[^'"`]*?\bfrom\s*|import\s*)"""
    r"""(?P<q>['"])(?P<spec>[^'"\n]+)(?P=q)"""
    r"""|(?:^|[^\w$.])(?:require|import)\s*\(\s*(?P<q2>['"])(?P<spec2>[^'"\n]+)(?P=q2)\s*\)""",
)
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][\w.~-]*/)?[a-z0-9][\w.~-]*$", re.I)


def js_package(spec: str) -> Optional[str]:
    """The npm package an import specifier names; None for relative paths,
    URLs, aliases and anything that is not a package name."""
    spec = spec.split("?", 1)[0].split("#", 1)[0] if not spec.startswith("#") else spec
    if not spec or spec.startswith((".", "/", "~", "#", "@/", "$")) or "${" in spec:
        return None
    if ":" in spec:
        return None  # node:, npm:, http:, virtual:, bun: ...
    parts = spec.split("/")
    name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
    if spec.startswith("@") and len(parts) < 2:
        return None
    return name.lower() if _NPM_NAME.match(name) else None


def js_imports(f: FileChange) -> List[Import]:
    out: List[Import] = []
    added = [ln for hunk in f.hunks for ln in hunk.lines if ln.kind == ADDED]
    for ln in _keyword_lines(added, _JS_KEYWORD, first=False):
        t = ln.text
        if ln.new_no is None:
            continue
        s = t.lstrip()
        if s.startswith(("//", "*", "/*")):
            continue
        seen: Set[str] = set()
        for m in _JS_SPEC.finditer(t):
            spec = m.group("spec") or m.group("spec2")
            if spec in seen:
                continue
            seen.add(spec)
            if spec.startswith("node:"):
                continue
            pkg = js_package(spec)
            if pkg is None:
                continue
            type_only = bool(m.group("kw") and re.match(r"\s*type\b", m.group("mid") or ""))
            out.append(Import(f.path, ln.new_no, spec, pkg, t, "js", type_only))
    return out


# --------------------------------------------------------------------------
# The project's own modules.

PY_MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile")
PY_ANY_MANIFEST = re.compile(
    r"(^|/)(pyproject\.toml|setup\.py|setup\.cfg|Pipfile|requirements[^/]*\.(txt|in)|environment\.ya?ml)$")
SOURCE_ROOTS = ("src", "lib", "python", "source", "py")


class Project:
    """Repository-wide facts computed once from change.list_head()."""

    def __init__(self, change: ChangeSet):
        self.change = change
        self.paths = [p for p in change.list_head() if not skipped(p)]
        self._children: Optional[Dict[str, Set[str]]] = None
        self._own: Optional[Set[str]] = None
        self._js_own: Optional[Tuple[Set[str], Tuple[str, ...], Set[str]]] = None

    def has_python_manifest(self) -> bool:
        return any(PY_ANY_MANIFEST.search(p) for p in self.paths)

    def has_package_json(self) -> bool:
        return any(p == "package.json" or p.endswith("/package.json") for p in self.paths)

    def children(self) -> Dict[str, Set[str]]:
        """folder -> names importable from it (module stems and folders holding Python)."""
        if self._children is None:
            kids: Dict[str, Set[str]] = defaultdict(set)
            for p in self.paths:
                if not p.endswith(PY_EXT + (".so", ".pyd")):
                    continue
                parts = p.split("/")
                stem = parts[-1].split(".")[0]
                kids["/".join(parts[:-1])].add(stem)
                for i in range(len(parts) - 1):
                    kids["/".join(parts[:i])].add(parts[i])
            self._children = kids
        return self._children

    def own_python(self) -> Set[str]:
        """Top-level names at the source roots (repo root, src/ layouts, monorepo packages)."""
        if self._own is None:
            kids = self.children()
            roots = {""}
            for p in self.paths:
                folder, _, base = p.rpartition("/")
                if base in PY_MANIFESTS:
                    roots.add(folder)
                    roots.update(posixpath.join(folder, r) if folder else r for r in SOURCE_ROOTS)
            for folder in list(kids):
                if folder.rsplit("/", 1)[-1] in SOURCE_ROOTS:
                    roots.add(folder)
            own: Set[str] = set()
            for r in roots:
                own |= kids.get(r, set())
            self._own = own
        return self._own

    def is_own_python(self, top: str, importer: str) -> bool:
        if top in self.own_python():
            return True
        kids = self.children()
        folder = posixpath.dirname(importer)
        while True:
            if top in kids.get(folder, ()):
                return True
            if not folder:
                return False
            folder = posixpath.dirname(folder)

    def js_own(self) -> Tuple[Set[str], Tuple[str, ...], Set[str]]:
        """(workspace package names, tsconfig path-alias prefixes, names under a baseUrl)."""
        if self._js_own is None:
            names: Set[str] = set()
            prefixes: List[str] = []
            base_children: Set[str] = set()
            pkg_files = [p for p in self.paths if p.rsplit("/", 1)[-1] == "package.json"][:500]
            cfg_files = [p for p in self.paths
                         if re.search(r"(^|/)(tsconfig[^/]*|jsconfig)\.json$", p)][:100]
            texts = read_many(self.change, pkg_files + cfg_files)
            for p in pkg_files:
                data = _loose_json(texts.get(p))
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    names.add(data["name"].lower())
                if isinstance(data, dict) and isinstance(data.get("imports"), dict):
                    prefixes.extend(k.rstrip("*") for k in data["imports"] if isinstance(k, str))
            for p in cfg_files:
                data = _loose_json(texts.get(p))
                opts = data.get("compilerOptions") if isinstance(data, dict) else None
                if not isinstance(opts, dict):
                    continue
                paths = opts.get("paths")
                if isinstance(paths, dict):
                    prefixes.extend(k.rstrip("*") for k in paths if isinstance(k, str) and k.rstrip("*"))
                base = opts.get("baseUrl")
                if isinstance(base, str):
                    folder = posixpath.normpath(posixpath.join(posixpath.dirname(p), base))
                    folder = "" if folder == "." else folder
                    for q in self.paths:
                        if folder and not q.startswith(folder + "/"):
                            continue
                        rest = q[len(folder) + 1:] if folder else q
                        base_children.add(rest.split("/")[0].rsplit(".", 1)[0].lower())
            self._js_own = (names, tuple(dict.fromkeys(prefixes)), base_children)
        return self._js_own


_JSON_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _loose_json(text: Optional[str]):
    """JSON with comments and trailing commas (tsconfig), or None."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    except RecursionError:  # [[[[... nested past the stack: no cleaning makes it readable
        return None
    cleaned = _JSON_COMMENT.sub(lambda m: m.group(1) or "", text)
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", cleaned))
    except (ValueError, RecursionError):
        return None


# --------------------------------------------------------------------------
# Undeclared imports.

class Undeclared(NamedTuple):
    imp: Import
    ecosystem: str
    suggestion: str  # the distribution / package to declare


def undeclared(change: ChangeSet, declared: Dict[str, Set[str]], project: Project,
               ecosystems: Iterable[str]) -> List[Undeclared]:
    enabled = set(ecosystems)
    py_files = [f for f in change.files if f.path.endswith(PY_EXT) and f.status != "deleted"
                and not skipped(f.path)] if PYPI in enabled else []
    js_files = [f for f in change.files if f.path.endswith(JS_EXT) and f.status != "deleted"
                and not skipped(f.path) and not f.path.endswith(".d.ts")] if NPM in enabled else []
    out: List[Undeclared] = []
    py_imports = [i for f in py_files for i in python_imports(f)]
    if py_imports and (PYPI in declared or "conda" in declared or project.has_python_manifest()):
        have = set(declared.get(PYPI, set())) | set(declared.get("conda", set()))  # conda installs them too
        std = stdlib()
        for imp in py_imports:
            top = imp.package
            if top in std or top.startswith("_") and top[1:] in std or project.is_own_python(top, imp.path):
                continue
            if _declared_python(imp.module, have):
                continue
            out.append(Undeclared(imp, PYPI, _suggest_python(imp.module)))
    js = [i for f in js_files for i in js_imports(f)]
    if js and (NPM in declared or project.has_package_json()):
        have = declared.get(NPM, set())
        builtins = node_builtins()
        names, prefixes, base_children = project.js_own()
        for imp in js:
            pkg = imp.package
            spec = imp.module
            bare = spec.split("?", 1)[0]
            if bare in builtins and bare not in NODE_PREFIX_ONLY or pkg in builtins and pkg not in NODE_PREFIX_ONLY:
                continue
            if pkg in names or any(bare.startswith(p) for p in prefixes if p) or pkg in base_children:
                continue
            if pkg in have or f"@types/{_types_name(pkg)}" in have:
                continue
            out.append(Undeclared(imp, NPM, pkg))
    return out


def _types_name(pkg: str) -> str:
    return pkg[1:].replace("/", "__") if pkg.startswith("@") else pkg


@functools.lru_cache(maxsize=None)
def _display_names() -> Dict[str, str]:
    """import name -> the usual distribution as its project spells it ("yaml" -> "PyYAML")."""
    out: Dict[str, str] = {}
    for ln in _lines("import-names.tsv"):
        mod, _, dists = ln.partition("\t")
        if mod and dists:
            out[mod.strip()] = dists.split(",")[0].strip()
    return out


def _suggest_python(module: str) -> str:
    shown = _display_names()
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in shown:
            return shown[key]
    return pep503(parts[0])


# --------------------------------------------------------------------------
# Unused new dependencies.

# Loaded by name by another tool (a plugin, a preset, a config-referenced
# module), or run as a command rather than imported: never "unused".
PLUGIN_PATTERNS = {
    PYPI: (
        "pytest-*", "flake8-*", "pylint-*", "mkdocs-*", "mkdocs", "sphinx*", "sphinxcontrib-*",
        "pre-commit", "pre-commit-*", "tox-*", "hatch-*", "poetry-plugin-*",
        "jupyterlab*", "ipykernel", "mypy-*", "coverage*", "setuptools*", "wheel", "build", "twine",
        "pip", "pip-tools", "uv", "ruff", "black", "isort", "mypy", "pyright", "pylint", "flake8",
        "bandit", "tox", "nox", "pytest", "hatch", "hatchling", "poetry", "pdm", "commitizen",
        "gunicorn", "uvicorn", "supervisor", "ipython", "jupyter", "notebook", "codespell",
        "yamllint", "pydocstyle", "pycodestyle", "pyupgrade", "autoflake", "docformatter",
        "interrogate", "vulture", "deptry", "pip-audit", "safety", "detect-secrets",
    ),
    NPM: (
        "eslint-plugin-*", "eslint-config-*", "@*/eslint-plugin*", "@*/eslint-config*",
        "@babel/*", "babel-plugin-*", "babel-preset-*", "prettier-plugin-*", "@typescript-eslint/*",
        "stylelint-*", "postcss-*", "@vitejs/plugin-*", "vite-plugin-*", "rollup-plugin-*",
        "@rollup/plugin-*", "*-loader", "*-webpack-plugin", "webpack-*", "karma-*", "jest-*",
        "@commitlint/*", "@semantic-release/*", "remark-*", "rehype-*", "@tailwindcss/*",
        "typescript", "eslint", "prettier", "jest", "vitest", "@vitest/*", "mocha", "nyc", "c8",
        "husky", "lint-staged", "rimraf", "concurrently", "nodemon", "ts-node", "tsx", "webpack",
        "vite", "rollup", "esbuild", "tailwindcss", "postcss", "autoprefixer", "turbo", "lerna",
        "nx", "npm-run-all", "npm-run-all2", "cross-env", "dotenv-cli", "semantic-release",
        "@changesets/cli", "patch-package", "@playwright/test", "playwright", "cypress", "tsup",
        "ts-jest", "@swc/*", "swc", "sass", "less", "stylelint", "commitizen", "cz-*", "standard",
        "xo", "ava", "tap", "tape", "uvu", "wrangler", "vercel", "netlify-cli", "http-server",
        "serve", "typedoc", "jsdoc", "tombi", "@biomejs/biome", "biome", "knip", "publint",
        "size-limit", "@size-limit/*", "bun-types", "@tsconfig/*",
    ),
}

TOOL_FILES = (
    "Makefile", "makefile", "GNUmakefile", "*.mk", "justfile", "Justfile", "tox.ini", "noxfile.py",
    ".pre-commit-config.yaml", ".github/workflows/*", ".gitlab-ci.yml", "Dockerfile*", "*.sh",
    "mkdocs.yml", "mkdocs.yaml", ".readthedocs.y*ml", "conf.py", "Procfile", "Taskfile.y*ml",
)
# Files where a tool's own section ("[tool.ruff]", "[mypy]", "[coverage:run]") says it is used.
SECTION_FILES = ("*.toml", "*.cfg", "*.ini", ".flake8", ".coveragerc")
JS_CONFIG_FILES = (
    "*.config.js", "*.config.cjs", "*.config.mjs", "*.config.ts", "*.config.mts", "*.config.cts",
    ".babelrc*", ".eslintrc*", ".prettierrc*", ".stylelintrc*", ".postcssrc*", "tsconfig*.json",
    "jsconfig.json", ".mocharc*", "babel.config.*", "*.config.json", ".swcrc", "vercel.json",
    "turbo.json", "nx.json", "angular.json", "project.json", ".storybook/*",
)


IMPLICIT_JS = frozenset({"react-dom"})
GREP_TIMEOUT = 20  # seconds for one repository-wide search


def _types_base(name: str) -> str:
    """@types/babel__core -> @babel/core; @types/node -> node."""
    base = name[len("@types/"):]
    return "@" + base.replace("__", "/", 1) if "__" in base else base


def is_plugin(ecosystem: str, name: str) -> bool:
    from fnmatch import fnmatchcase
    return any(fnmatchcase(name, p) for p in PLUGIN_PATTERNS.get(ecosystem, ()))


def _grep(change: ChangeSet, patterns: Sequence[str], pathspecs: Sequence[str],
          ignore_case: bool = False, fixed: bool = False) -> List[str]:
    """Lines of the new side matching any pattern (git grep over the revision,
    bounded in time; no repository: the changed files).  FIXED strings are much
    faster than regular expressions on large repositories: callers grep for
    fixed prefixes and check the lines they get back."""
    if not patterns:
        return []
    if change.repo:
        args = ["grep", "-I", "-h", "--no-color", "-F" if fixed else "-E"]
        if ignore_case:
            args.append("-i")
        for p in patterns:
            args += ["-e", p]
        if change.mode == "staged":
            args.append("--cached")
        elif change.mode == "git" and change.head_rev:
            args.append(change.head_rev)
        args.append("--")
        args += [f":(glob)**/{s}" if "/" not in s else f":(glob){s}" for s in pathspecs]
        args += [":(exclude,glob)**/node_modules/**", ":(exclude,glob)**/package-lock.json",
                 ":(exclude,glob)**/package.json"]
        # Our own pathspecs use glob magic, which GIT_LITERAL_PATHSPECS (set by
        # git.py so that paths from a change are never patterns) would disable.
        env = git._env()
        env.pop("GIT_LITERAL_PATHSPECS", None)
        try:
            proc = subprocess.run(["git", *git.GIT_OPTS, *args], cwd=change.repo, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=GREP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            return []
        if proc.returncode not in (0, 1):
            return []
        return proc.stdout.decode("utf-8", "replace").splitlines()
    from fnmatch import fnmatchcase
    regs = [re.compile(re.escape(p) if fixed else _posix_classes(p), re.I if ignore_case else 0)
            for p in patterns]
    lines: List[str] = []
    for f in change.files:
        base = f.path.rsplit("/", 1)[-1]
        if not any(fnmatchcase(base, s) or fnmatchcase(f.path, s) for s in pathspecs):
            continue
        for ln in f.added():
            if any(r.search(ln.text) for r in regs):
                lines.append(ln.text)
    return lines


def _posix_classes(pattern: str) -> str:
    """A POSIX ERE (as git grep takes it) in Python's dialect."""
    return pattern.replace("[:space:]", r"\s").replace("[:alnum:]", "a-zA-Z0-9")


def _ere_escape(s: str) -> str:
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", s)


def used_packages(change: ChangeSet, deps: Sequence[Dep], project: Project) -> Set[Tuple[str, str]]:
    """(ecosystem, name) of DEPS that something in the new revision uses."""
    used: Set[Tuple[str, str]] = set()
    py = [d for d in deps if d.ecosystem == PYPI]
    js = [d for d in deps if d.ecosystem == NPM]
    if py:
        used |= _used_python(change, py)
    if js:
        used |= _used_js(change, js, project)
    return used


_PY_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+(.*)|import\s+(.*))")


def _used_python(change: ChangeSet, deps: Sequence[Dep]) -> Set[Tuple[str, str]]:
    guesses = {d.name: import_names(d.name) for d in deps}
    tops = sorted({g.split(".")[0] for gs in guesses.values() for g in gs})
    patterns = [f"{kw}{t}" for t in tops for kw in ("import ", "from ", "'", '"')]
    lines = _grep(change, patterns, ["*.py", "*.pyi", "*.ipynb"], fixed=True)
    imported: Set[str] = set()
    quoted: Set[str] = set()
    for ln in lines:
        m = _PY_IMPORT_LINE.match(ln.replace('\\n', '\n').strip().strip('",'))
        if m and m.group(1):
            imported.add(m.group(1))
            for name in re.split(r"[\s,()]+", m.group(2)):
                if name and name != "as":
                    imported.add(f"{m.group(1)}.{name}")
        elif m:
            for part in m.group(3).split(","):
                imported.add(part.strip().split(" ")[0])
        for q in re.findall(r"""['"]([\w.]+)['"]""", ln):
            quoted.add(q)
    out: Set[Tuple[str, str]] = set()
    for d in deps:
        for g in guesses[d.name]:
            if any(i == g or i.startswith(g + ".") for i in imported) or g in quoted \
                    or any(q.startswith(g + ".") for q in quoted):
                out.add((PYPI, d.name))
                break
    rest = [d for d in deps if (PYPI, d.name) not in out]
    if rest:
        out |= _used_as_tool(change, rest)
    return out


def _used_as_tool(change: ChangeSet, deps: Sequence[Dep]) -> Set[Tuple[str, str]]:
    """A command or a [tool.x] section in build/CI/tool files (not the manifest line itself)."""
    words: Dict[str, Set[str]] = {}
    for d in deps:
        cands = {d.name, d.raw_name.lower() if d.raw_name else d.name}
        cands |= {n for n in (import_names(d.name) if d.ecosystem == PYPI else ()) if "." not in n}
        if d.ecosystem == NPM:
            cands.add(d.name.rsplit("/", 1)[-1])
        words[d.name] = {x for x in cands if len(x) >= 3}
    alt = "|".join(sorted(_ere_escape(x) for ws in words.values() for x in ws))
    if not alt:
        return set()
    # A tool invoked: "ruff check", "python -m x", "npx x", "uses: x" in build/CI files.
    lines = _grep(change, [rf"(^|[^[:alnum:]_./@-])({alt})([^[:alnum:]_=<>~!^-]|$)"], TOOL_FILES,
                  ignore_case=True)
    out: Set[Tuple[str, str]] = set()
    for ln in lines:
        low = ln.lower()
        for d in deps:
            if (d.ecosystem, d.name) in out:
                continue
            for w in words[d.name]:
                if re.search(rf"(^|[^\w./@-]){re.escape(w)}([^\w=<>~!^-]|$)", low):
                    out.add((d.ecosystem, d.name))
                    break
    # A tool configured: its own section in a config file ("[tool.ruff]", "[mypy]", "[coverage:run]").
    sections = _grep(change, [rf"^[[:space:]]*\[(tool[.:])?({alt})([].:]|$)"], SECTION_FILES, ignore_case=True)
    for ln in sections:
        m = re.match(r"\s*\[(?:tool[.:])?([\w.-]+?)(?:[].:]|$)", ln.lower())
        if not m:
            continue
        for d in deps:
            if m.group(1) in words[d.name]:
                out.add((d.ecosystem, d.name))
    return out


def _used_js(change: ChangeSet, deps: Sequence[Dep], project: Project) -> Set[Tuple[str, str]]:
    names = sorted({d.name for d in deps} | {_types_base(d.name) for d in deps if d.name.startswith("@types/")})
    patterns = [f"{q}{n}" for n in names for q in ("'", '"', "`")] + [f"{n}:" for n in names]
    lines = _grep(change, patterns, tuple("*" + e for e in JS_EXT) + JS_CONFIG_FILES, fixed=True)
    found: Set[str] = set()
    for ln in lines:
        low = ln.lower()
        for n in names:
            if re.search(rf"""['"`]{re.escape(n)}(/[^'"`]*)?['"`]""", low) or \
                    re.search(rf"(^|[{{,\s]){re.escape(n)}\s*:", low):
                found.add(n)
    # Loaded by a framework rather than imported by the project (Next.js, Gatsby, Remix render with react-dom).
    found |= IMPLICIT_JS
    out: Set[Tuple[str, str]] = set()
    has_ts = any(p.endswith((".ts", ".tsx", ".mts", ".cts")) for p in project.paths)
    for d in deps:
        if d.name in found:
            out.add((NPM, d.name))
        elif d.name.startswith("@types/"):
            base = _types_base(d.name)
            if base in found or (base in node_builtins() or base == "node") and has_ts:
                out.add((NPM, d.name))
    rest = [d for d in deps if (NPM, d.name) not in out]
    if rest:
        out |= _used_in_scripts(change, rest, project)
    if rest:
        out |= _used_as_tool(change, [d for d in rest if (NPM, d.name) not in out])
    return out


def _used_in_scripts(change: ChangeSet, deps: Sequence[Dep], project: Project) -> Set[Tuple[str, str]]:
    """A package's command in some package.json "scripts"."""
    pkg_files = [p for p in project.paths if p.rsplit("/", 1)[-1] == "package.json"][:500]
    scripts: List[str] = []
    texts = read_many(change, pkg_files)
    for p in pkg_files:
        data = _loose_json(texts.get(p))
        if isinstance(data, dict) and isinstance(data.get("scripts"), dict):
            scripts.extend(str(v).lower() for v in data["scripts"].values())
    out: Set[Tuple[str, str]] = set()
    for d in deps:
        bare = d.name.rsplit("/", 1)[-1]
        for s in scripts:
            if re.search(rf"(^|[\s;&|(]){re.escape(bare)}(\s|$|;|&)", s) or d.name in s:
                out.add((NPM, d.name))
                break
    return out
