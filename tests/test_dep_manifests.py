"""Manifest parsers, one realistic file per format, and their edge cases."""
from __future__ import annotations

from conftest import deadline

from guardrails.checks.dependency import manifests
from guardrails.checks.dependency.manifests import pep508, requirements
from guardrails.checks.dependency.model import pep503


def deps(path, text):
    parsed = manifests.parse(path, text)
    return {(d.ecosystem, d.name, d.group): d for d in parsed.deps}, parsed


# --- the table --------------------------------------------------------------

def test_table_picks_parsers_by_file_name_only():
    yes = ["requirements.txt", "requirements-dev.txt", "dev-requirements.txt", "requirements/base.txt",
           "requirements/test.in", "requirements.in", "app/requirements_prod.txt", "constraints.txt",
           "pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "environment.yml", "environment-dev.yaml",
           "package.json", "web/package.json", "go.mod", "Cargo.toml", "Gemfile", "pom.xml", "build.gradle",
           "app/build.gradle.kts", "gradle/libs.versions.toml", "jekyll.gemspec", "composer.json",
           "src/App/App.csproj", "Directory.Packages.props", "packages.config", "Dockerfile", "docker/api.Dockerfile"]
    no = ["MANIFEST.in", "Makefile.in", "requests.txt", "frequency.txt", "README.md", "package-lock.json",
          "go.sum", "config.h.in", "notes/requirements.md", "pyproject.toml.bak", "setup.py.orig"]
    for path in yes:
        assert manifests.is_manifest(path), path
    for path in no:
        assert not manifests.is_manifest(path), path


def test_vendored_and_fixture_manifests_are_skipped():
    assert manifests.skipped("node_modules/left-pad/package.json")
    assert manifests.skipped("web/node_modules/@x/y/package.json")
    assert manifests.skipped("vendor/github.com/x/go.mod")
    assert manifests.skipped(".venv/lib/site-packages/x/setup.py")
    assert manifests.skipped("tests/fixtures/app/package.json")
    assert not manifests.skipped("services/api/package.json")
    assert not manifests.skipped("vendors.txt")


# --- PEP 508 ----------------------------------------------------------------

def test_pep508_parser():
    r = pep508.parse('Requests[socks, security] >= 2.8.1, < 3 ; python_version >= "3.8"')
    assert r == pep508.Requirement("Requests", ("socks", "security"), ">=2.8.1,<3", "", 'python_version >= "3.8"')
    r = pep508.parse("pip @ https://github.com/pypa/pip/archive/22.0.zip ; python_version<'3.12'")
    assert r.url == "https://github.com/pypa/pip/archive/22.0.zip" and r.marker == "python_version<'3.12'"
    assert pep508.parse("name (>=1.0)").spec == ">=1.0"
    assert pep508.parse("zope.interface===5.4.0+local").spec == "===5.4.0+local"
    assert pep508.parse("django==4.*").spec == "==4.*"
    assert pep508.parse("not a requirement at all") is None
    assert pep508.parse("foo >= ") is None
    assert pep508.parse("-e .") is None
    assert pep508.name_from_url("git+https://github.com/a/b.git@v1#egg=My_Pkg") == "My_Pkg"
    assert pep508.name_from_url("https://files.example.com/black-24.1.0-py3-none-any.whl") == "black"
    assert pep503("Zope.Interface__x") == "zope-interface-x"


# --- requirements files -----------------------------------------------------

REQUIREMENTS = """\
# Core
--index-url https://pypi.org/simple
--extra-index-url https://__token__:s3cret@pkgs.example.com/simple
-r base.txt
-c constraints/pins.txt
Django>=4.2,<5.0  # web framework
requests[socks]==2.31.0 ; python_version >= "3.8"
cryptography==42.0.5 \\
    --hash=sha256:0123456789abcdef \\
    --hash=sha256:fedcba9876543210
Flask_Login
git+https://github.com/acme/toolkit.git@v1.2#egg=acme-toolkit
-e git+https://github.com/acme/editable.git@main#egg=acme_editable
-e .
./vendor/localpkg
numpy @ https://files.example.com/numpy-1.26.0.tar.gz
uvicorn[standard]   # comment with pip install something
"""


def test_requirements_file():
    found, parsed = deps("requirements.txt", REQUIREMENTS)
    names = sorted(name for _, name, _ in found)
    assert names == ["acme-editable", "acme-toolkit", "cryptography", "django", "flask-login", "numpy",
                     "requests", "uvicorn"]
    django = found[("pypi", "django", "runtime")]
    assert django.spec == ">=4.2,<5.0" and django.line == 6 and django.raw_name == "Django"
    req = found[("pypi", "requests", "runtime")]
    assert req.extras == ("socks",) and req.marker == 'python_version >= "3.8"' and req.version == "2.31.0"
    crypto = found[("pypi", "cryptography", "runtime")]
    assert crypto.spec == "==42.0.5" and crypto.line == 8
    assert found[("pypi", "acme-toolkit", "runtime")].source.startswith("git+https://github.com/acme/toolkit")
    assert found[("pypi", "numpy", "runtime")].source == "https://files.example.com/numpy-1.26.0.tar.gz"
    assert parsed.includes == (("base.txt", "requirement", 4), ("constraints/pins.txt", "constraint", 5))
    kinds = [(i.kind, i.line) for i in parsed.indexes]
    assert kinds == [("index-url", 2), ("extra-index-url", 3)]
    assert "s3cret" not in parsed.indexes[1].url and "***@pkgs.example.com" in parsed.indexes[1].url
    assert parsed.problems == ()


def test_requirements_groups_come_from_the_file_name():
    assert requirements.group_of("requirements-dev.txt") == ("dev", "dev")
    assert requirements.group_of("requirements/test.in") == ("dev", "test")
    assert requirements.group_of("docs-requirements.txt") == ("dev", "docs")
    assert requirements.group_of("requirements.txt") == ("runtime", "")
    assert requirements.group_of("requirements/prod.txt") == ("runtime", "")
    found, _ = deps("requirements-dev.txt", "pytest>=8\n")
    assert ("pypi", "pytest", "dev") in found
    found, _ = deps("constraints.txt", "urllib3<2\n")
    assert ("pypi", "urllib3", "constraint") in found


def test_requirements_includes_stay_inside_the_repository():
    parsed = manifests.parse("reqs/requirements.txt", "-r ../../etc/passwd\n-r common.txt\n--requirement=dev.txt\n")
    assert [t for t, _, _ in parsed.includes] == ["reqs/common.txt", "reqs/dev.txt"]


def test_requirements_garbage_is_a_problem_not_a_crash():
    parsed = manifests.parse("requirements.txt", "this is ! not valid\n\x00\nok-package\n")
    assert [d.name for d in parsed.deps] == ["ok-package"]
    assert parsed.problems


# --- pyproject.toml ---------------------------------------------------------

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.18", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "acme"
dependencies = [
    "httpx>=0.27",
    'rich ; sys_platform != "win32"',
    "attrs",
]

[project.optional-dependencies]
docs = ["sphinx>=7"]
s3 = ["boto3"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff==0.4.4"]

[tool.poetry.dependencies]
python = "^3.10"
pendulum = "^3.0"
lxml = { version = "^5.1", optional = true }
acme-fork = { git = "https://github.com/me/acme-fork.git", rev = "abc123" }
local-lib = { path = "../local-lib", develop = true }

[tool.poetry.dev-dependencies]
black = "^24.0"

[tool.poetry.group.typing.dependencies]
mypy = "*"

[[tool.poetry.source]]
name = "corp"
url = "https://pypi.corp.example/simple"
priority = "supplemental"

[tool.pdm.dev-dependencies]
bench = ["pyperf"]

[tool.hatch.envs.default]
dependencies = ["coverage[toml]"]
[tool.hatch.envs.docs]
extra-dependencies = ["mkdocs"]

[tool.uv]
dev-dependencies = ["ipython"]
override-dependencies = ["urllib3<2"]

[[tool.uv.index]]
name = "internal"
url = "https://pkgs.internal.example/simple"
explicit = true

[tool.uv.sources]
httpx = { git = "https://github.com/someone/httpx", branch = "main" }
attrs = { index = "internal" }
"""


def test_pyproject_all_tables():
    found, parsed = deps("pyproject.toml", PYPROJECT)
    by = {(n, g): d for (_, n, g), d in found.items()}
    assert by[("hatchling", "build")].line == 2 and by[("hatch-vcs", "build")].line == 2
    assert by[("httpx", "runtime")].line == 8 and by[("httpx", "runtime")].spec == ">=0.27"
    assert by[("httpx", "runtime")].source == "git+https://github.com/someone/httpx@main"
    assert by[("attrs", "runtime")].source == "index:internal"
    assert by[("rich", "runtime")].marker == 'sys_platform != "win32"' and by[("rich", "runtime")].line == 9
    assert by[("sphinx", "optional")].subgroup == "docs" and by[("sphinx", "optional")].line == 14
    assert by[("pytest", "dev")].subgroup == "test" and by[("ruff", "dev")].version == "0.4.4"
    assert by[("pendulum", "runtime")].spec == "^3.0" and by[("pendulum", "runtime")].line == 23
    assert by[("lxml", "optional")].spec == "^5.1"
    assert by[("acme-fork", "runtime")].source == "git+https://github.com/me/acme-fork.git@abc123"
    assert by[("local-lib", "runtime")].source == "path:../local-lib"
    assert by[("black", "dev")].line == 29
    assert by[("mypy", "dev")].spec == "" and by[("mypy", "dev")].subgroup == "typing"
    assert ("pyperf", "dev") in by and ("coverage", "dev") in by and ("mkdocs", "dev") in by
    assert ("ipython", "dev") in by and by[("urllib3", "override")].spec == "<2"
    assert not any(name == "python" for name, _ in by)
    urls = {(i.url, i.name, i.line) for i in parsed.indexes}
    assert urls == {("https://pypi.corp.example/simple", "corp", 36),
                    ("https://pkgs.internal.example/simple", "internal", 53)}


def test_pyproject_invalid_toml_is_a_problem():
    parsed = manifests.parse("pyproject.toml", "[project\ndependencies = [")
    assert parsed.deps == () and "invalid TOML" in parsed.problems[0]


# --- setup.cfg / setup.py / Pipfile / conda ----------------------------------

def test_setup_cfg():
    text = """\
[metadata]
name = acme

[options]
packages = find:
install_requires =
    requests>=2.28
    # a comment
    importlib-metadata; python_version<"3.10"
setup_requires = setuptools_scm>=8
tests_require =
    pytest

[options.extras_require]
yaml = PyYAML>=6
"""
    found, _ = deps("setup.cfg", text)
    assert found[("pypi", "requests", "runtime")].line == 7
    assert found[("pypi", "importlib-metadata", "runtime")].marker == 'python_version<"3.10"'
    assert found[("pypi", "setuptools-scm", "build")].spec == ">=8"
    assert ("pypi", "pytest", "dev") in found
    assert found[("pypi", "pyyaml", "optional")].subgroup == "yaml"


def test_setup_py_is_read_not_run(tmp_path):
    marker = tmp_path / "ran"
    text = f"""\
import os
from setuptools import setup
open({str(marker)!r}, "w").write("executed")
REQUIRES = [
    "click>=8",
    "jinja2",
]
TESTS = REQUIRES + ["pytest"]
setup(
    name="acme",
    install_requires=REQUIRES + ["markupsafe>=2"],
    extras_require={{"test": TESTS, "docs": ["sphinx"]}},
    setup_requires=["wheel"],
    python_requires=">=3.9",
)
"""
    found, parsed = deps("setup.py", text)
    assert not marker.exists()
    assert found[("pypi", "click", "runtime")].line == 5
    assert found[("pypi", "markupsafe", "runtime")].line == 11
    assert ("pypi", "pytest", "optional") in found and ("pypi", "sphinx", "optional") in found
    assert ("pypi", "wheel", "build") in found
    dynamic = manifests.parse("setup.py", "from setuptools import setup\nsetup(install_requires=open('r').read().split())\n")
    assert dynamic.deps == () and "not a literal list" in dynamic.problems[0]


def test_pipfile():
    text = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[[source]]
url = "https://private.example.com/simple"
verify_ssl = true
name = "private"

[packages]
requests = "*"
django = {version = ">=4.2", extras = ["argon2"]}
internal-lib = {version = "==1.0", index = "private"}
mylib = {git = "https://github.com/me/mylib.git", ref = "v2"}

[dev-packages]
pytest = "==8.0.0"

[requires]
python_version = "3.11"
"""
    found, parsed = deps("Pipfile", text)
    assert found[("pypi", "requests", "runtime")].spec == "" and found[("pypi", "requests", "runtime")].line == 12
    assert found[("pypi", "internal-lib", "runtime")].source == "index:private"
    assert found[("pypi", "mylib", "runtime")].source == "git+https://github.com/me/mylib.git@v2"
    assert found[("pypi", "pytest", "dev")].line == 18
    assert [(i.url, i.line) for i in parsed.indexes] == [("https://pypi.org/simple", 2),
                                                        ("https://private.example.com/simple", 7)]
    assert not any(n == "python-version" for _, n, _ in found)


def test_conda_environment():
    text = """\
name: science
channels:
  - conda-forge
  - https://conda.example.com/private
dependencies:
  - python=3.11
  - numpy>=1.26
  - conda-forge::scipy=1.11
  - pandas 2.1.*
  - pip
  - pip:
      - requests==2.31.0
      - --extra-index-url https://pkgs.example.com/simple
      - git+https://github.com/me/tool.git#egg=tool
"""
    found, parsed = deps("environment.yml", text)
    assert set(found) == {("conda", "numpy", "runtime"), ("conda", "scipy", "runtime"),
                          ("conda", "pandas", "runtime"), ("pypi", "requests", "runtime"),
                          ("pypi", "tool", "runtime")}
    assert found[("conda", "numpy", "runtime")].line == 7
    assert found[("conda", "scipy", "runtime")].source == "channel:conda-forge"
    assert found[("pypi", "requests", "runtime")].line == 12
    kinds = {(i.kind, i.url, i.default) for i in parsed.indexes}
    assert ("channel", "https://conda.example.com/private", False) in kinds
    assert ("extra-index-url", "https://pkgs.example.com/simple", False) in kinds


def test_yaml_that_is_not_an_environment_gives_nothing():
    assert manifests.parse("environment.yml", "name: x\nvariables:\n  A: 1\n").deps == ()
    assert manifests.parse("environment.yml", "a: [unclosed\n").problems


# --- hostile and malformed input ----------------------------------------------

WRONG_TYPES = {
    "pyproject.toml": '[project]\ndependencies = "requests"\noptional-dependencies = ["x"]\n'
                      '[tool.poetry]\ndependencies = ["x"]\ngroup = 3\nsource = "x"\n'
                      '[tool.uv]\nsources = ["x"]\nindex = {url = 1}\n[dependency-groups]\ntest = "pytest"\n',
    "Pipfile": '[packages]\nrequests = 3\n[[source]]\nurl = 5\n',
    "Cargo.toml": '[dependencies]\nserde = 1\n[target]\nx = 2\n[patch]\ncrates-io = "x"\n',
    "package.json": '{"dependencies": ["react"], "overrides": "x", "bundledDependencies": {"a": 1}}',
    "environment.yml": "dependencies:\n  - {pip: nope}\n  - 3\n  - [a, b]\nchannels: 7\n",
    "setup.cfg": "[options]\ninstall_requires\n  = ???\n",
    "setup.py": "setup(install_requires=[1, None, b'x', 'ok'], extras_require={1: ['a'], 'x': 'y'})\n",
    "go.mod": "require (\n  onlyname\n)\nreplace => \n",
    "Gemfile": 'gem\ngem :sym, require: [\ngroup do\nend\nend\nend\n',
    "pom.xml": "<project><dependencies><dependency/></dependencies></project>",
    "build.gradle": "dependencies {\n  implementation(\n  }\n}}}\n",
    "gradle/libs.versions.toml": '[libraries]\na = 3\nb = {module = 4}\n[versions]\nx = []\n',
    "requirements.txt": "-r\n--index-url\n-e\n\\\n",
}


def test_parsers_survive_wrong_types_and_garbage():
    import random

    rng = random.Random(7)
    for path, text in WRONG_TYPES.items():
        parsed = manifests.parse(path, text)
        assert isinstance(parsed.deps, tuple), path
    alphabet = "[]{}()=:\"',-#\n \t@^~<>*.abcxyz0123\\"
    for path in WRONG_TYPES:
        for _ in range(40):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
            parsed = manifests.parse(path, text)
            assert isinstance(parsed.problems, tuple), (path, text)


def test_pyproject_lines_with_escaped_quotes_and_single_line_arrays():
    text = ('[project]\nname = "x"\ndependencies = [\n  "attrs",\n'
            '  "tomli>=1.2.2;python_version<\\"3.11\\"",\n]\n'
            '[project.optional-dependencies]\ndev = ["pytest", "ruff"]\n')
    found, _ = deps("pyproject.toml", text)
    assert found[("pypi", "tomli", "runtime")].line == 5
    assert found[("pypi", "tomli", "runtime")].marker == 'python_version<"3.11"'
    assert found[("pypi", "ruff", "optional")].line == 8


def test_requirements_comment_is_linear_on_a_long_line():
    import random
    import re

    with deadline():
        assert list(requirements.logical_lines("x" + " " * 200_000 + "y#")) == [(1, "x" + " " * 200_000 + "y#")]
        assert list(requirements.logical_lines("requests" + " " * 200_000 + "# pinned")) == [(1, "requests")]
        assert list(requirements.logical_lines("\\\n" + " \\\n" * 50_000 + "a #")) == [(1, "a")]
    old = re.compile(r"(^|\s+)#.*$")
    rnd = random.Random(5)
    for _ in range(20_000):
        line = "".join(rnd.choice([" ", "\t", "#", "a", "=", "\u00a0", "1"]) for _ in range(rnd.randint(0, 10)))
        assert old.sub("", line) == requirements._COMMENT.sub("", line), line
