"""The shipped data of the dependency family: popular-package lists, the
standard-library and Node built-in lists, the import-name table."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

DATA = ROOT / "guardrails" / "data"


def names(file: str) -> list:
    lines = (DATA / file).read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln and not ln.startswith("#")]


@pytest.mark.parametrize("file,known,size", [
    ("popular-pypi.txt", ["requests", "numpy", "pyyaml", "python-dateutil", "django", "scikit-learn"], 5000),
    ("popular-npm.txt", ["react", "lodash", "express", "@types/node", "typescript", "chalk"], 5000),
])
def test_popular_list_is_present_and_sane(file, known, size):
    path = DATA / file
    assert path.stat().st_size < 300_000, "data files must stay small"
    header = path.read_text(encoding="utf-8").split("\n", 5)[:5]
    assert any("build_popular_lists.py" in h for h in header), "the header names the script"
    assert any("licen" in h.lower() for h in header), "the header names the licence"
    got = names(file)
    assert 5000 <= len(got) <= 15000, len(got)
    assert len(got) == len(set(got)), "no duplicates"
    for name in known:
        assert name in got, name
    # Sorted by rank: the very popular ones come first.
    assert got.index(known[0]) < 1000 and got.index(known[1]) < 1000
    assert len(got) >= size


def test_pypi_names_are_pep503_normalised():
    for name in names("popular-pypi.txt"):
        assert name == re.sub(r"[-_.]+", "-", name).lower(), name


def test_npm_names_are_lower_case_package_names():
    pattern = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
    bad = [n for n in names("popular-npm.txt") if not pattern.match(n)]
    assert bad == []


def test_stdlib_list_covers_removed_modules_and_current_ones():
    got = set(names("python-stdlib.txt"))
    for mod in ("os", "sys", "asyncio", "tomllib", "distutils", "imp", "asynchat", "telnetlib", "__future__"):
        assert mod in got, mod
    assert "requests" not in got and "yaml" not in got
    assert set(sys.stdlib_module_names) <= got | {m for m in sys.stdlib_module_names if m.startswith("_")}


def test_node_builtins_list():
    got = set(names("node-builtins.txt"))
    for mod in ("fs", "path", "child_process", "fs/promises", "worker_threads", "http2"):
        assert mod in got, mod
    assert "lodash" not in got and "express" not in got


def test_import_table_maps_known_import_names():
    rows = dict(ln.split("\t", 1) for ln in names("import-names.tsv"))
    assert len(rows) >= 300
    expect = {"yaml": "PyYAML", "PIL": "Pillow", "sklearn": "scikit-learn", "jwt": "PyJWT",
              "cv2": "opencv-python", "bs4": "beautifulsoup4", "dateutil": "python-dateutil"}
    for mod, dist in expect.items():
        assert rows[mod].split(",")[0] == dist, mod


def test_build_script_reproduces_the_lists(tmp_path):
    """The script builds the same lists from small inputs of the same shape."""
    pypi = tmp_path / "pypi.tsv"
    pypi.write_text("name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
                    "Zope.Interface\t1\t2024-01\t3\tx\n"
                    "requests\t2\t2024-01\t1\tHTTP\n"
                    "unranked\t1\t2024-01\t\tnothing\n"
                    "Python_Dateutil\t2\t2024-01\t2\tdates\n", encoding="utf-8")
    npm = tmp_path / "npm.tsv"
    npm.write_text("name\tversion\tdownloads_a_month\tsummary\n"
                   "lodash\t4\t500\tutils\n"
                   "React\t18\t900\tui\n"
                   "bad name!\t1\t99999\tx\n"
                   "@types/node\t20\t700\ttypes\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_popular_lists.py"),
                           "--pypi", str(pypi), "--npm", str(npm), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    body = lambda f: [ln for ln in (out / f).read_text().splitlines() if not ln.startswith("#")]  # noqa: E731  # a one-line helper
    assert body("popular-pypi.txt") == ["requests", "python-dateutil", "zope-interface"]
    assert body("popular-npm.txt") == ["react", "@types/node", "lodash"]
    assert "fs" in body("node-builtins.txt") and "os" in body("python-stdlib.txt")
