"""The semantic diff of manifests in real git repositories: what changed,
and what only looks changed (reformatting, reordering, moving files)."""
from __future__ import annotations

import json

from conftest import check_json

from guardrails import change as change_mod
from guardrails.checks.dependency import diff


def changes(repo):
    cs = change_mod.from_revisions("HEAD~1", "HEAD", cwd=str(repo.path))
    return cs, diff.dependency_changes(cs)


def summary(found):
    return sorted((c.kind, c.dep.name, c.dep.group, c.loosened) for c in found)


def mine(report):
    rules = {"dependency/version-loosened", "dependency/moved-to-runtime", "dependency/lockfile-only",
             "dependency/direct-source"}
    return [f for f in report["findings"] if f["rule"] in rules]


def test_requirements_added_removed_changed_loosened(repo):
    repo.commit({"requirements.txt": "flask==2.3.3\nrequests==2.31.0\nclick>=8.0\nnumpy==1.26.4\n",
                 "app.py": "import flask\n"})
    repo.commit({"requirements.txt": "flask==3.0.0\nrequests>=2.31\nclick>=8.0\nhttpx==0.27.0\n"})
    _, found = changes(repo)
    assert summary(found) == [
        ("added", "httpx", "runtime", False),
        ("removed", "numpy", "runtime", False),
        ("version-changed", "flask", "runtime", False),
        ("version-changed", "requests", "runtime", True),
    ]
    added = next(c for c in found if c.kind == "added")
    assert added.new.line == 4 and added.new.manifest == "requirements.txt" and added.new.text == "httpx==0.27.0"
    removed = next(c for c in found if c.kind == "removed")
    assert removed.old.line == 4 and removed.new is None


def test_reformatting_and_reordering_is_not_a_change(repo):
    repo.commit({"requirements.txt": "requests==2.31.0\nDjango>=4.2,<5\n# tools\nclick\n",
                 "pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx>=0.27", "rich"]\n',
                 "package.json": json.dumps({"dependencies": {"react": "^18.2.0", "zod": "3.22.4"}})})
    repo.commit({"requirements.txt": "# web\ndjango >= 4.2, < 5   # framework\nclick\n\nRequests == 2.31.0\n",
                 "pyproject.toml": '[project]\nname = "x"\ndependencies = [\n  "rich",\n  "httpx >= 0.27",\n]\n',
                 "package.json": json.dumps({"dependencies": {"zod": "3.22.4", "react": "^18.2.0"}}, indent=4)})
    _, found = changes(repo)
    assert found == []


def test_moving_dependencies_between_files_is_not_new(repo):
    repo.commit({"setup.py": "from setuptools import setup\nsetup(name='x', install_requires=['requests>=2', 'click'],"
                             " extras_require={'test': ['pytest']})\n"})
    repo.commit({"setup.py": None,
                 "pyproject.toml": '[project]\nname = "x"\ndependencies = ["requests>=2", "click>=8"]\n'
                                   '[project.optional-dependencies]\ntest = ["pytest"]\n'})
    _, found = changes(repo)
    assert summary(found) == [("version-changed", "click", "runtime", False)]


def test_moved_to_runtime_in_one_manifest_and_across_files(repo):
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx"]\n'
                                   '[dependency-groups]\ntest = ["pytest>=8", "faker"]\n',
                 "requirements-dev.txt": "ipdb\n", "requirements.txt": "rich\n"})
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx", "pytest>=8"]\n'
                                   '[dependency-groups]\ntest = ["faker"]\n',
                 "requirements-dev.txt": "", "requirements.txt": "rich\nipdb\n"})
    _, found = changes(repo)
    assert summary(found) == [("moved", "ipdb", "runtime", False), ("moved", "pytest", "runtime", False)]
    report = check_json(repo, "--base", "HEAD~1")
    moved = sorted((f["path"], f["line"], f["details"]["old_group"]) for f in mine(report)
                   if f["rule"] == "dependency/moved-to-runtime")
    assert moved == [("pyproject.toml", 3, "dev"), ("requirements.txt", 2, "dev")]


def test_version_loosened_findings_and_severities(repo):
    repo.commit({"requirements.txt": "numpy==1.26.4\npandas>=2.0,<3\nscipy>=1.11,<1.12\nflask==2.3.3\n"})
    repo.commit({"requirements.txt": "numpy\npandas>=2.0\nscipy>=1.11,<1.13\nflask==3.0.0\n"})
    report = check_json(repo, "--base", "HEAD~1")
    found = sorted((f["line"], f["severity"], f["details"]["why"]) for f in mine(report))
    assert found == [(1, "escalate", "pin-dropped"), (2, "escalate", "upper-bound-dropped"),
                     (3, "info", "upper-bound-raised")]


def test_loosening_rules_per_ecosystem():
    assert diff.looseness("pypi", "==1.2", "==1.3") == ""
    assert diff.looseness("pypi", "==1.2", ">=1.2") == "pin-dropped"
    assert diff.looseness("pypi", "~=1.2.3", ">=1.2.3") == "upper-bound-dropped"
    assert diff.looseness("pypi", ">=1.2", ">=1.1") == "lower-bound-lowered"
    assert diff.looseness("pypi", ">=1.2", ">=1.3") == ""
    assert diff.looseness("pypi", ">=1,<2", ">=2,<3") == ""
    assert diff.looseness("pypi", "", ">=1") == ""
    assert diff.looseness("pypi", "^1.2", "^2.0") == ""  # poetry caret bump
    assert diff.looseness("npm", "1.2.3", "^1.2.3") == "pin-dropped"
    assert diff.looseness("npm", "^1.2.3", "*") == "constraint-dropped"
    assert diff.looseness("npm", "~1.2.3", "^1.2.3") == "upper-bound-raised"
    assert diff.looseness("npm", "^1.2.3", "^1.4.0") == ""
    assert diff.looseness("npm", "^0.2.3", "^0.3.0") == ""
    assert diff.looseness("npm", "^1 || ^2", "^2") == ""
    assert diff.looseness("npm", "^2", "^1 || ^2") == "lower-bound-lowered"
    assert diff.looseness("npm", "1.x", "*") == "constraint-dropped"
    assert diff.looseness("cargo", "1.2", "1.3") == ""
    assert diff.looseness("cargo", "=1.2.3", "1.2.3") == "pin-dropped"
    assert diff.looseness("rubygems", "~> 7.1.0", "~> 7.1") == "upper-bound-raised"
    assert diff.looseness("rubygems", "= 7.1.0", ">= 7.1") == "pin-dropped"
    assert diff.looseness("maven", "[1.0,2.0)", "[1.0,)") == "upper-bound-dropped"
    assert diff.looseness("maven", "1.2.3", "1.2.4") == ""
    assert diff.looseness("conda", "1.26.*", ">=1.26") == "upper-bound-dropped"
    assert diff.looseness("go", "v1.2.0", "v1.1.0") == ""


def test_package_json_moves_and_aliases(repo):
    repo.commit({"package.json": json.dumps({"dependencies": {"react": "^18.2.0"},
                                             "devDependencies": {"lodash": "^4.17.21", "jest": "^29.0.0"}},
                                            indent=2)})
    repo.commit({"package.json": json.dumps({"dependencies": {"react": "^18.2.0", "lodash": "^4.17.21",
                                                              "ui": "npm:@acme/ui@^2.0.0"},
                                             "devDependencies": {"jest": "^29.0.0"}}, indent=2)})
    _, found = changes(repo)
    assert summary(found) == [("added", "@acme/ui", "runtime", False), ("moved", "lodash", "runtime", False)]
    added = next(c.new for c in found if c.kind == "added")
    assert added.raw_name == "ui" and added.line == 5


def test_source_switch_to_a_fork_is_reported(repo):
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n'})
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n'
                                   '[tool.uv.sources]\nhttpx = { git = "https://github.com/someone/httpx" }\n'})
    _, found = changes(repo)
    assert summary(found) == [("version-changed", "httpx", "runtime", True)]
    report = check_json(repo, "--base", "HEAD~1")
    src = [f for f in mine(report) if f["rule"] == "dependency/direct-source"]
    assert len(src) == 1 and src[0]["details"]["new_source"] == "git+https://github.com/someone/httpx"


def test_include_files_outside_the_table_are_followed(repo):
    repo.commit({"requirements.txt": "-r deps/common.pip\nflask\n", "deps/common.pip": "requests\n"})
    repo.commit({"deps/common.pip": "requests\nleftpad-py==0.1\n"})
    cs, found = changes(repo)
    assert summary(found) == [("added", "leftpad-py", "runtime", False)]
    assert found[0].new.manifest == "deps/common.pip" and found[0].new.line == 2
    assert diff.declared(cs)["pypi"] == {"flask", "requests", "leftpad-py"}


def test_go_indirect_becoming_direct_is_not_moved_to_runtime(repo):
    repo.commit({"go.mod": "module x\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/sys v0.15.0 // indirect\n)\n"})
    repo.commit({"go.mod": "module x\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/sys v0.15.0\n"
                           "\tgithub.com/google/uuid v1.6.0\n)\n"})
    _, found = changes(repo)
    assert summary(found) == [("added", "github.com/google/uuid", "runtime", False),
                              ("moved", "golang.org/x/sys", "runtime", False)]
    assert diff.manifest_findings(found) == []


def test_declared_covers_every_manifest_but_vendored_ones(repo):
    repo.commit({
        "requirements.txt": "Requests\n",
        "services/api/pyproject.toml": '[project]\nname = "api"\ndependencies = ["FastAPI"]\n',
        "web/package.json": json.dumps({"dependencies": {"react": "^18", "lodash-es": "npm:lodash@4"}}),
        "web/node_modules/evil/package.json": json.dumps({"dependencies": {"evil-dep": "1"}}),
        "tests/fixtures/proj/requirements.txt": "fixture-only\n",
        "go.mod": "module x\n\nrequire github.com/pkg/errors v0.9.1\n",
        "Cargo.toml": '[dependencies]\njson = { package = "serde_json", version = "1" }\n',
    })
    repo.commit({"README.md": "hello\n"})
    cs, _ = changes(repo)
    found = diff.declared(cs)
    assert found["pypi"] == {"requests", "fastapi"}
    assert found["npm"] == {"react", "lodash", "lodash-es"}
    assert found["go"] == {"github.com/pkg/errors"}
    assert found["cargo"] == {"serde_json", "json"}


def test_deleted_manifest_reports_removals_at_old_lines(repo):
    repo.commit({"requirements-dev.txt": "pytest\nmypy==1.8.0\n"})
    repo.commit({"requirements-dev.txt": None})
    _, found = changes(repo)
    assert summary(found) == [("removed", "mypy", "dev", False), ("removed", "pytest", "dev", False)]
    assert {c.old.name: c.old.line for c in found} == {"pytest": 1, "mypy": 2}


def test_manifest_change_gets_lockfile_facts(repo):
    lock = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "httpx"
version = "0.27.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/httpx-0.27.0.tar.gz", hash = "sha256:00", size = 1, upload-time = "2024-02-21T13:07:52.434Z" }
wheels = [
    { url = "https://files.pythonhosted.org/httpx-0.27.0-py3-none-any.whl", hash = "sha256:01", size = 1, upload-time = "2024-02-21T13:07:50.000Z" },
]
"""
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = []\n'})
    repo.commit({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n', "uv.lock": lock})
    _, found = changes(repo)
    assert summary(found) == [("added", "httpx", "runtime", False)]
    dep = found[0].new
    assert dep.version == "0.27.0" and dep.uploaded == "2024-02-21T13:07:50.000Z"
    assert dep.registry == "https://pypi.org/simple"


def test_rev_bump_of_a_git_dependency_is_not_a_new_source(repo):
    old = '[dependencies]\nbiome_cli = { git = "https://github.com/biomejs/biome.git", rev = "df21006" }\n'
    repo.commit({"Cargo.toml": old})
    repo.commit({"Cargo.toml": old.replace("df21006", "4cc531c") +
                 'fork = { version = "1" }\n'})
    _, found = changes(repo)
    assert summary(found) == [("added", "fork", "runtime", False),
                              ("version-changed", "biome_cli", "runtime", False)]
    assert diff.manifest_findings(found) == []
    assert diff.origin("git+https://github.com/a/b.git@v1") == "git+https://github.com/a/b.git"
    assert diff.origin("git+ssh://git@github.com/a/b.git") == "git+ssh://git@github.com/a/b.git"
    assert diff.origin("github:me/x#abc") == "github:me/x"


def test_new_replace_or_patch_pointing_elsewhere_is_a_direct_source(repo):
    repo.commit({"go.mod": "module x\n\nrequire github.com/pkg/errors v0.9.1\n",
                 "Cargo.toml": "[dependencies]\nregex = \"1\"\n"})
    repo.commit({"go.mod": "module x\n\nrequire github.com/pkg/errors v0.9.1\n\n"
                           "replace github.com/pkg/errors => github.com/someone/errors v0.9.2\n"
                           "replace example.com/local => ../local\n",
                 "Cargo.toml": "[dependencies]\nregex = \"1\"\n\n[patch.crates-io]\n"
                               "regex = { git = \"https://github.com/someone/regex\" }\n"})
    report = check_json(repo, "--base", "HEAD~1")
    found = sorted((f["path"], f["line"], f["details"]["new_source"]) for f in mine(report)
                   if f["rule"] == "dependency/direct-source")
    assert found == [("Cargo.toml", 5, "git+https://github.com/someone/regex"),
                     ("go.mod", 5, "github.com/someone/errors@v0.9.2")]


def test_dockerfile_base_image_changes(repo):
    digest = "sha256:" + "a" * 64
    repo.commit({"Dockerfile": f"FROM golang:1.22@{digest} AS build\nRUN go build\nFROM alpine:3.19\n"})
    repo.commit({"Dockerfile": "FROM golang:1.22 AS build\nRUN go build\nFROM alpine:latest\n"})
    _, found = changes(repo)
    assert summary(found) == [("version-changed", "alpine", "runtime", True),
                              ("version-changed", "golang", "build", True)]
    whys = sorted((f.line, f.details["why"]) for f in diff.manifest_findings(found))
    assert whys == [(1, "pin-dropped"), (3, "constraint-dropped")]
