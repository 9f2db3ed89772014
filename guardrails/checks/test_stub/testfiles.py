"""Which files of a repository are tests.

Shared by the Python and the other-language parts of the test-stub family.
A path is a test file when the usual conventions of its language say so
(``test_*.py``, ``*_test.go``, ``*.spec.ts``, ``src/test/java`` ...) or when
the repository's pytest configuration (``python_files``, ``testpaths`` in
pytest.ini, pyproject.toml, setup.cfg or tox.ini) makes it one.

Nothing here runs the repository's code: configuration files are parsed as
text (configparser / tomllib).
"""
from __future__ import annotations

import bisect
import configparser
import fnmatch
import posixpath
import re
from array import array
from typing import Dict, List, NamedTuple, Optional, Tuple

from guardrails.change import read_many

try:  # Python >= 3.11
    import tomllib as _toml
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as _toml  # type: ignore[no-redef]  # the 3.10 backport of tomllib

__all__ = [
    "PytestConfig", "is_test_file", "is_python_test_file", "pytest_config",
    "collected_function", "collected_class", "rust_test_ranges", "register_extra",
]

# Folder names whose contents are test code (or test data) in any language.
TEST_DIRS = frozenset({
    "tests", "test", "testing", "__tests__", "__mocks__", "spec", "specs",
    "testdata", "test_data", "__snapshots__", "cypress", "e2e",
})

_JS_EXT = r"(?:js|jsx|ts|tsx|mjs|cjs|mts|cts|vue|svelte)"
# Basename conventions, language by language.
_NAME_PATTERNS = [
    re.compile(p) for p in (
        r"^test_.*\.py$", r"^.*_test\.py$", r"^conftest\.py$", r"^tests\.py$",  # pytest, Django
        rf"^.*\.(?:test|spec|e2e-spec|e2e|cy)\.{_JS_EXT}$",  # jest, vitest, mocha, cypress
        rf"^(?:test|spec)\.{_JS_EXT}$",
        r"^.*_test\.go$",
        r"^(?:tests|.*_tests?)\.rs$",  # `#[cfg(test)] mod tests;` in its own file
        r"^(?:.*(?:Test|Tests|TestCase|IT)|Test[A-Z_].*)\.(?:java|kt|kts|scala|groovy)$",
        r"^.*Spec\.(?:scala|groovy|kt)$",
        r"^.*(?:Test|Tests)\.(?:cs|fs|vb|swift|php)$",
        r"^.*_(?:spec|test)\.rb$",
        r"^.*_test\.exs$",
        r"^(?:.*_(?:test|unittest)|test_.*)\.(?:c|cc|cpp|cxx|h|hpp)$",
        r"^.*_test\.dart$",
    )
]
# Maven / Gradle source sets: src/test/..., src/androidTest/..., src/integrationTest/...
_SRC_TEST_SET = re.compile(r"(?:^|/)src/(?:test|[A-Za-z]*Test|testFixtures)/")

PYTEST_FILES_DEFAULT = ("test_*.py", "*_test.py")
PYTEST_CLASSES_DEFAULT = ("Test",)
PYTEST_FUNCTIONS_DEFAULT = ("test",)

_CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


class PytestConfig(NamedTuple):
    """The parts of a pytest configuration that decide what is collected.

    ``root`` is the folder of the configuration file ("" = repository root);
    ``testpaths`` are relative to it.
    """

    root: str = ""
    python_files: Tuple[str, ...] = PYTEST_FILES_DEFAULT
    python_classes: Tuple[str, ...] = PYTEST_CLASSES_DEFAULT
    python_functions: Tuple[str, ...] = PYTEST_FUNCTIONS_DEFAULT
    testpaths: Tuple[str, ...] = ()
    source: str = ""  # the file it came from ("" = pytest's defaults)


DEFAULT_CONFIG = PytestConfig()


def _split(value: object) -> Tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if str(v).strip())
    return tuple(str(value).split()) if value is not None else ()


def _from_mapping(data: Dict[str, object], root: str, source: str) -> PytestConfig:
    return PytestConfig(
        root=root,
        python_files=_split(data["python_files"]) if "python_files" in data else PYTEST_FILES_DEFAULT,
        python_classes=_split(data["python_classes"]) if "python_classes" in data else PYTEST_CLASSES_DEFAULT,
        python_functions=(_split(data["python_functions"]) if "python_functions" in data
                          else PYTEST_FUNCTIONS_DEFAULT),
        testpaths=tuple(p.strip("/").removeprefix("./") for p in _split(data.get("testpaths"))),
        source=source,
    )


def parse_pytest_config(name: str, text: str, root: str = "") -> Optional[PytestConfig]:
    """The pytest section of one configuration file, or None when it has none
    (or cannot be parsed: a broken file is not our business here)."""
    source = posixpath.join(root, name) if root else name
    base = posixpath.basename(name)
    if base == "pyproject.toml":
        try:
            data = _toml.loads(text)
        except (ValueError, TypeError, RecursionError, MemoryError):  # nested too deep: unreadable too
            return None
        section = data.get("tool", {}).get("pytest", {}).get("ini_options")
        if not isinstance(section, dict):
            return None
        return _from_mapping(section, root, source)
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text, source=source)
    except configparser.Error:
        return None
    section_name = "tool:pytest" if base == "setup.cfg" else "pytest"
    if not parser.has_section(section_name):
        # pytest.ini is the configuration even when empty.
        return PytestConfig(root=root, source=source) if base in ("pytest.ini", ".pytest.ini") else None
    return _from_mapping(dict(parser.items(section_name)), root, source)


class _Configs:
    """The pytest configurations of one change's new side, read lazily: a
    folder's candidate files are read (in one batch) the first time a path
    below it asks."""

    def __init__(self, change: object):
        self.change = change
        self.by_folder: Dict[str, Optional[PytestConfig]] = {}
        self.candidates: Optional[Dict[str, List[str]]] = None

    def _candidates(self) -> Dict[str, List[str]]:
        if self.candidates is None:
            listing = getattr(self.change, "list_head", None)
            paths: Tuple[str, ...] = ()
            if callable(listing):
                try:
                    paths = tuple(listing())
                except Exception:  # an unreadable listing only loses the configuration
                    paths = ()
            names = [p for p in paths if posixpath.basename(p) in _CONFIG_NAMES] if paths else list(_CONFIG_NAMES)
            order = {name: i for i, name in enumerate(_CONFIG_NAMES)}
            self.candidates = {}
            for p in sorted(names, key=lambda p: order[posixpath.basename(p)]):
                self.candidates.setdefault(posixpath.dirname(p), []).append(p)
        return self.candidates

    def folder(self, folder: str) -> Optional[PytestConfig]:
        if folder in self.by_folder:
            return self.by_folder[folder]
        found: Optional[PytestConfig] = None
        paths = self._candidates().get(folder, [])
        if paths:
            texts = read_many(self.change, paths)
            for path in paths:  # pytest takes the first file with a pytest section
                text = texts.get(path)
                if text is not None:
                    found = parse_pytest_config(posixpath.basename(path), text, folder)
                    if found is not None:
                        break
        self.by_folder[folder] = found
        return found


# id(change) -> (change, its configurations); the change is kept so its id
# cannot be reused while the entry lives.  A few entries are enough.
_CACHE: Dict[int, Tuple[object, _Configs]] = {}


def _configs(change: object) -> _Configs:
    key = id(change)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is change:
        return hit[1]
    if len(_CACHE) > 8:
        _CACHE.clear()
    configs = _Configs(change)
    _CACHE[key] = (change, configs)
    return configs


def pytest_config(path: str, change: object = None) -> PytestConfig:
    """The pytest configuration that governs PATH: the nearest folder at or
    above it that holds one, else pytest's defaults."""
    if change is None:
        return DEFAULT_CONFIG
    configs = _configs(change)
    folder = posixpath.dirname(path)
    while True:
        cfg = configs.folder(folder)
        if cfg is not None:
            return cfg
        if not folder:
            return DEFAULT_CONFIG
        folder = posixpath.dirname(folder)


def _conventional(path: str) -> bool:
    base = posixpath.basename(path)
    if any(p.match(base) for p in _NAME_PATTERNS):
        return True
    parts = path.split("/")[:-1]
    if any(part in TEST_DIRS for part in parts):
        return True
    return bool(_SRC_TEST_SET.search(path))


def _configured(path: str, cfg: PytestConfig) -> bool:
    if not cfg.source or not path.endswith(".py"):
        return False
    base = posixpath.basename(path)
    if any(fnmatch.fnmatchcase(base, pattern) for pattern in cfg.python_files):
        return True
    rel = path[len(cfg.root) + 1:] if cfg.root and path.startswith(cfg.root + "/") else path
    for testpath in cfg.testpaths:
        if testpath in ("", "."):
            continue
        if any(ch in testpath for ch in "*?["):
            if fnmatch.fnmatchcase(rel, testpath) or fnmatch.fnmatchcase(rel, testpath.rstrip("/") + "/*"):
                return True
        elif rel == testpath or rel.startswith(testpath.rstrip("/") + "/"):
            return True
    return False


# id(change) -> (change, extra globs from the family's `test_files` setting).
_EXTRA: Dict[int, Tuple[object, Tuple[str, ...]]] = {}


def register_extra(change: object, patterns: Tuple[str, ...]) -> None:
    """Globs that also make a file a test file, for this change (the
    family's ``test_files`` setting; the family entry calls this)."""
    if len(_EXTRA) > 8:
        _EXTRA.clear()
    _EXTRA[id(change)] = (change, tuple(patterns))


def is_test_file(path: str, change: object = None) -> bool:
    """True when PATH (repository-relative, "/"-separated) is test code or
    test configuration, by its language's conventions or by the repository's
    pytest configuration (read from CHANGE's new side when given)."""
    path = path.replace("\\", "/").removeprefix("./")
    if _conventional(path):
        return True
    if change is not None:
        extra = _EXTRA.get(id(change))
        if extra is not None and extra[0] is change and extra[1]:
            from guardrails.model import glob_match
            if glob_match(path, extra[1]):
                return True
    if change is not None and path.endswith(".py"):
        return _configured(path, pytest_config(path, change))
    return False


def is_python_test_file(path: str, change: object = None) -> bool:
    return path.endswith(".py") and is_test_file(path, change)


def _name_matches(name: str, patterns: Tuple[str, ...]) -> bool:
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if fnmatch.fnmatchcase(name, pattern):
                return True
        elif name.startswith(pattern):
            return True
    return False


def collected_function(name: str, cfg: PytestConfig = DEFAULT_CONFIG, in_testcase: bool = False) -> bool:
    """Would pytest (or unittest, for a TestCase method) collect a test
    function or method of this name?"""
    if in_testcase:
        return name.startswith("test")
    return _name_matches(name, cfg.python_functions)


def collected_class(name: str, cfg: PytestConfig = DEFAULT_CONFIG, is_testcase: bool = False) -> bool:
    """Would pytest collect a class of this name (a unittest.TestCase
    subclass is collected whatever its name)?"""
    return is_testcase or _name_matches(name, cfg.python_classes)


_CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
# The opener after a `#[cfg(test)]` was once one pattern, attributes then
# `mod name {`. Each attribute reads to its first "]", so the run of
# attributes is read one way only, and `mod`/`pub` can only follow its end:
# reading the run, then the rest at its end, matches the same. Split, the
# run can be shared by every `#[cfg(test)]` inside it (a line of 100,000
# `#[cfg(test)]` was read once per `#[cfg(test)]`, quadratic).
_ATTRS = re.compile(r"\s*(?:#\s*\[[^\]]*\]\s*)*")
_MOD_TAIL = re.compile(r"(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def rust_test_ranges(text: str) -> List[Tuple[int, int]]:
    """1-based inclusive line ranges of the ``#[cfg(test)] mod name { ... }``
    blocks of a Rust file (braces counted outside strings and comments)."""
    ranges: List[Tuple[int, int]] = []
    run_end = -1  # end of the last run of attributes read
    opener_end: Optional[int] = None  # where its `mod name {` ends (None: no module there)
    braces: Optional[_Braces] = None
    newlines: List[int] = []
    for m in _CFG_TEST.finditer(text):
        if m.start() >= run_end:  # not inside the run read for an earlier one
            run_end = _ATTRS.match(text, m.end()).end()
            tail = _MOD_TAIL.match(text, run_end)
            opener_end = tail.end() if tail else None
        if opener_end is None:
            continue
        if braces is None:
            braces = _Braces(text)
            newlines = [nl.start() for nl in re.finditer("\n", text)]
        end = braces.close(opener_end)
        ranges.append((bisect.bisect_left(newlines, m.start()) + 1, bisect.bisect_left(newlines, end) + 1))
    return ranges


class _Braces:
    """The closing braces of the openers of one text. Each is found by a scan
    counting braces outside strings, chars and comments, but a scan that
    reaches a place where an earlier one stood (outside strings and
    comments) would go on as that one did, so it takes the earlier results
    from there: nested openers on one line of 100,000 `mod a {` were each
    scanned to the end (quadratic)."""

    def __init__(self, text: str):
        self.text = text
        n = len(text)
        # per offset where an earlier scan stood outside strings and
        # comments: the key of the innermost brace open there (-1: none yet)
        self.top = array("q", [-1]) * (n + 1)
        self.closed: Dict[int, int] = {}  # key (the offset after a "{") -> its "}" (n: never closed)
        # per offset a string was read through: where the string ends (-1: not known)
        self.string_end = array("q", [-1]) * (n + 2)
        self.found: Dict[str, List[int]] = {}  # needle -> offsets of all its occurrences

    def _find(self, needle: str, start: int) -> int:
        """text.find(NEEDLE, START) for needles that cannot overlap themselves."""
        offsets = self.found.get(needle)
        if offsets is None:
            offsets = self.found[needle] = [m.start() for m in re.finditer(re.escape(needle), self.text)]
        k = bisect.bisect_left(offsets, start)
        return offsets[k] if k < len(offsets) else -1

    def close(self, pos: int) -> int:
        """Offset of the brace closing the one just before POS (or the end)."""
        closed = self.closed
        if pos in closed:
            return closed[pos]
        text, top, n = self.text, self.top, len(self.text)
        stack = [pos]  # keys of the braces open, innermost last
        i = pos
        while stack:
            if i >= n:
                for key in stack:
                    closed[key] = n
                break
            seen = top[i]
            if seen >= 0:  # an earlier scan stood here: its innermost brace closes where ours does
                end = closed[seen]
                if end >= n:
                    for key in stack:
                        closed[key] = n
                    break
                closed[stack.pop()] = end
                i = end + 1
                continue
            top[i] = stack[-1]
            ch = text[i]
            if ch == "/" and text.startswith("//", i):
                nl = self._find("\n", i)
                i = n if nl < 0 else nl
                continue
            if ch == "/" and text.startswith("/*", i):
                end = self._find("*/", i + 2)
                i = n if end < 0 else end + 2
                continue
            if ch == '"':
                i = self._string(i + 1)
            elif ch == "'" and i + 2 < n and (text[i + 2] == "'" or text[i + 1] == "\\"):
                end = self._find("'", i + 2)
                i = n if end < 0 else end
            elif ch == "{":
                stack.append(i + 1)
            elif ch == "}":
                closed[stack.pop()] = i
            i += 1
        return closed[pos]

    def _string(self, i: int) -> int:
        """Offset of the quote ending a string read from I (n or more: none)."""
        text, ends, n = self.text, self.string_end, len(self.text)
        path = []
        while i < n and text[i] != '"':
            if ends[i] >= 0:
                i = ends[i]
                break
            path.append(i)
            i += 2 if text[i] == "\\" else 1
        for j in path:
            ends[j] = i
        return i
