"""The dependency family's policy, end to end on real git repositories:
what a new dependency is reported as, and how the configuration changes it."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from guardrails import change as change_mod
from guardrails.checks import dependency
from guardrails.model import Context, Options
from tests.conftest import check_json, run_cli

REQS = "requests==2.32.3\n"
APP = "import requests\n"


def by_package(report: dict, path: str = "") -> dict:
    out: dict = {}
    for f in report["findings"]:
        if f["rule"].startswith("dependency/") and (not path or f["path"] == path):
            out.setdefault(f["details"].get("package"), set()).add((f["rule"], f["severity"]))
    return out


def py_repo(repo, policy: str = "", extra=None):
    files = {"requirements.txt": REQS, "app.py": APP}
    if policy:
        files[".guardrails.yml"] = policy
    files.update(extra or {})
    repo.commit(files, "base")


def test_popular_declared_used_package_is_info_only(repo):
    py_repo(repo)
    repo.commit({"requirements.txt": REQS + "PyYAML==6.0.2\n", "app.py": APP + "import yaml\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert by_package(report) == {"pyyaml": {("dependency/new-dependency", "info")}}
    f = [f for f in report["findings"] if f["rule"] == "dependency/new-dependency"][0]
    assert (f["path"], f["line"]) == ("requirements.txt", 2)
    assert f["details"]["manifest"] == "requirements.txt" and f["details"]["spec"] == "==6.0.2"
    assert "PyYAML" in f["message"]
    assert report["verdict"] == "pass"


def test_lookalike_blocks_and_names_the_real_package(repo):
    py_repo(repo)
    repo.commit({"requirements.txt": REQS + "reqeusts==2.31.0\npython-dateutils==2.9\n",
                 "app.py": APP + "import reqeusts\nimport dateutils\n"})
    report = check_json(repo, "--base", "HEAD~1")
    got = by_package(report, "requirements.txt")
    assert ("dependency/lookalike-name", "block") in got["reqeusts"]
    assert ("dependency/lookalike-name", "block") in got["python-dateutils"]
    la = [f for f in report["findings"] if f["rule"] == "dependency/lookalike-name"]
    assert {f["details"]["resembles"] for f in la} == {"requests", "python-dateutil"}
    how = {f["details"]["package"]: (f["details"]["how"], f["details"]["kind"]) for f in la}
    assert how == {"reqeusts": ("edit distance 1", "typo"),
                   "python-dateutils": ("plural/singular variant", "plural")}
    assert report["verdict"] == "block"


def test_npm_lookalike_and_prefix_variant(repo):
    pkg = {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "^4.17.21"}}
    repo.commit({"package.json": json.dumps(pkg, indent=2) + "\n", "index.js": "require('lodash')\n"}, "base")
    pkg["dependencies"].update({"lodahs": "^1.0.0", "node-express": "^1.0.0", "express": "^4.19.0"})
    repo.commit({"package.json": json.dumps(pkg, indent=2) + "\n",
                 "index.js": "require('lodash')\nrequire('lodahs')\nrequire('node-express')\nrequire('express')\n"})
    got = by_package(check_json(repo, "--base", "HEAD~1"), "package.json")
    assert got["lodahs"] == {("dependency/lookalike-name", "block")}
    assert got["node-express"] == {("dependency/lookalike-name", "block")}
    assert got["express"] == {("dependency/new-dependency", "info")}


def test_lookalike_in_a_lockfile_only_addition(repo):
    lock = {"name": "web", "lockfileVersion": 3, "packages": {
        "": {"name": "web", "dependencies": {"lodash": "^4.17.21"}},
        "node_modules/lodash": {"version": "4.17.21", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"},
    }}
    pkg = {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "^4.17.21"}}
    repo.commit({"package.json": json.dumps(pkg, indent=2) + "\n",
                 "package-lock.json": json.dumps(lock, indent=2) + "\n"}, "base")
    lock["packages"]["node_modules/lodahs"] = {
        "version": "1.0.0", "resolved": "https://registry.npmjs.org/lodahs/-/lodahs-1.0.0.tgz"}
    repo.commit({"package-lock.json": json.dumps(lock, indent=2) + "\n"})
    got = by_package(check_json(repo, "--base", "HEAD~1"), "package-lock.json")
    assert ("dependency/lookalike-name", "block") in got["lodahs"]
    assert not any(r == "dependency/unverified-package" for r, _ in got["lodahs"])  # transitive: not vetted online


def test_offline_unknown_name_is_unverified_never_silent(repo):
    py_repo(repo)
    repo.commit({"requirements.txt": REQS + "fastapi-magic-auth==1.0\nhttpx==0.27.0\n",
                 "app.py": APP + "import fastapi_magic_auth\nimport httpx\n"})
    got = by_package(check_json(repo, "--base", "HEAD~1"))
    assert got["fastapi-magic-auth"] == {("dependency/unverified-package", "escalate")}
    assert got["httpx"] == {("dependency/new-dependency", "info")}


def test_deny_allow_and_approved_file(repo):
    policy = ("dependency:\n"
              "  deny: [pycrypto, 'npm:left-*']\n"
              "  allow: [reqeusts]\n"
              "  approved_file: .approved-deps\n")
    py_repo(repo, policy, extra={".approved-deps": "# approved by security\nacme-internal-sdk\n"})
    repo.commit({
        ".approved-deps": "# approved by security\nacme-internal-sdk\nsneaky-new-name\n",  # not yet in force
        "requirements.txt": REQS + "pycrypto==2.6.1\nreqeusts==1.0\nacme-internal-sdk==3.1\nsneaky-new-name==1.0\n",
        "app.py": APP + "import Crypto\nimport reqeusts\nimport acme_internal_sdk\nimport sneaky_new_name\n",
    })
    got = by_package(check_json(repo, "--base", "HEAD~1"), "requirements.txt")
    assert got["pycrypto"] == {("dependency/denied-package", "block")}
    assert got["reqeusts"] == {("dependency/new-dependency", "info")}  # allowed: no name checks
    assert got["acme-internal-sdk"] == {("dependency/new-dependency", "info")}
    assert got["sneaky-new-name"] == {("dependency/unverified-package", "escalate")}


def test_deny_glob_with_ecosystem_prefix(repo):
    pkg = {"name": "web", "version": "1.0.0", "dependencies": {}}
    repo.commit({".guardrails.yml": "dependency:\n  deny: ['npm:left-*']\n",
                 "package.json": json.dumps(pkg, indent=2) + "\n"}, "base")
    pkg["dependencies"] = {"left-pad": "^1.3.0"}
    repo.commit({"package.json": json.dumps(pkg, indent=2) + "\n", "index.js": "require('left-pad')\n"})
    report = check_json(repo, "--base", "HEAD~1")
    f = [f for f in report["findings"] if f["rule"] == "dependency/denied-package"]
    assert len(f) == 1 and f[0]["details"]["pattern"] == "left-*" and f[0]["line"] == 5


def test_young_package_offline_from_uv_lock_upload_time(repo):
    def uv_lock(extra: str) -> str:
        return ('version = 1\nrequires-python = ">=3.10"\n\n'
                '[[package]]\nname = "shop"\nversion = "1.0"\nsource = { editable = "." }\n' + extra)

    def entry(name: str, when: datetime) -> str:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return (f'\n[[package]]\nname = "{name}"\nversion = "0.1.0"\n'
                f'source = {{ registry = "https://pypi.org/simple" }}\n'
                f'sdist = {{ url = "https://files.example/{name}-0.1.0.tar.gz", hash = "sha256:00", '
                f'size = 10, upload-time = "{stamp}" }}\n')

    now = datetime.now(timezone.utc)
    pyproject = '[project]\nname = "shop"\nversion = "1.0"\ndependencies = [\n{}]\n'
    repo.commit({"pyproject.toml": pyproject.format(""), "uv.lock": uv_lock(""), "shop.py": "\n"}, "base")
    repo.commit({
        "pyproject.toml": pyproject.format('    "brand-new-helper",\n    "settled-helper",\n'),
        "uv.lock": uv_lock(entry("brand-new-helper", now - timedelta(days=2))
                           + entry("settled-helper", now - timedelta(days=400))),
        "shop.py": "import brand_new_helper\nimport settled_helper\n",
    })
    got = by_package(check_json(repo, "--base", "HEAD~1"), "pyproject.toml")
    assert got["brand-new-helper"] == {("dependency/young-package", "escalate")}
    assert got["settled-helper"] == {("dependency/unverified-package", "escalate")}


def test_ecosystems_setting_limits_the_checks(repo):
    py_repo(repo, "dependency:\n  ecosystems: [npm]\n")
    repo.commit({"requirements.txt": REQS + "reqeusts==1.0\n", "app.py": APP + "import yaml\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f for f in report["findings"] if f["rule"].startswith("dependency/")] == []


def test_go_indirect_requirement_is_shown(repo):
    gomod = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/spf13/cobra v1.8.0\n{})\n"
    repo.commit({"go.mod": gomod.format(""), "main.go": "package main\n"}, "base")
    repo.commit({"go.mod": gomod.format("\tgolang.org/x/time v0.5.0 // indirect\n")})
    report = check_json(repo, "--base", "HEAD~1")
    f = [f for f in report["findings"] if f["details"].get("package") == "golang.org/x/time"]
    assert [(x["rule"], x["severity"]) for x in f] == [("dependency/new-dependency", "info")]
    assert "indirect" in f[0]["message"]


def test_bad_configuration_is_a_clear_error(repo):
    py_repo(repo, "dependency:\n  max_age_days: soon\n")
    repo.commit({"requirements.txt": REQS + "httpx\n"})
    res = run_cli(["check", "--base", "HEAD~1"], cwd=repo.path)
    assert res.code == 2
    assert "max_age_days" in res.err and "Traceback" not in res.err
    repo.commit({".guardrails.yml": "dependency:\n  alow: [x]\n"})
    repo.commit({"requirements.txt": REQS + "httpx\nrich\n"})
    res = run_cli(["check", "--base", "HEAD~1"], cwd=repo.path)
    assert res.code == 2 and "alow" in res.err and "allow" in res.err


def test_hundred_thousand_added_lines_stay_fast(repo):
    py_repo(repo)
    body = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(1000))
    files = {f"pkg/mod{n}.py": f"import os\nimport requests\nfrom pkg import mod{n}\n" + body * 1 for n in range(50)}
    files.update({f"web/m{n}.js": "import fs from 'fs';\nconst x = require('lodash');\n"
                  + "function g(a) { return a + 1; }\n" * 2000 for n in range(2)})
    repo.commit(files)
    ch = change_mod.from_revisions("HEAD~1", "HEAD", cwd=str(repo.path))
    assert ch.added_line_count() >= 100_000
    ctx = Context(options=Options(), settings=dict(dependency.CONFIG_SCHEMA), warn=lambda m: None)
    start = time.perf_counter()
    found = list(dependency.check(ch, ctx))
    took = time.perf_counter() - start
    assert took < 1.5, took
    # lodash is not declared and there is no package.json: JS is not judged; Python imports are fine.
    assert [f.rule for f in found] == []


def test_pip_compile_transitive_lines_are_not_unused(repo):
    head = "# generated by pip-compile\nmkdocs-material==9.5.0\n    # via -r docs/requirements.in\n"
    repo.commit({"docs/requirements.txt": head, "docs/requirements.in": "mkdocs-material\n"}, "base")
    repo.commit({"docs/requirements.txt": head + "backrefs==6.1\n    # via mkdocs-material\n"
                                                 "icecream==2.1\n    # via\n    #   -r docs/requirements.in\n"})
    report = check_json(repo, "--base", "HEAD~1")
    unused = sorted(f["details"]["package"] for f in report["findings"]
                    if f["rule"] == "dependency/unused-dependency")
    assert unused == ["icecream"]  # backrefs came in through mkdocs-material; icecream was asked for


def test_diff_file_outside_a_repository(tmp_path):
    patch = (
        "diff --git a/requirements.txt b/requirements.txt\n"
        "--- a/requirements.txt\n+++ b/requirements.txt\n"
        "@@ -1 +1,3 @@\n requests==2.32.3\n+reqeusts==2.31.0\n+icecream==2.1.3\n"
        "diff --git a/app.py b/app.py\n"
        "--- a/app.py\n+++ b/app.py\n"
        "@@ -1 +1,2 @@\n import requests\n+import reqeusts\n"
    )
    (tmp_path / "change.diff").write_text(patch, encoding="utf-8")
    res = run_cli(["check", "--format", "json", "--diff", str(tmp_path / "change.diff")], cwd=tmp_path)
    assert res.code in (0, 1), res.err
    got = by_package(res.json(), "requirements.txt")
    # Hunks only, no repository: names are still judged (look-alikes need no repository).
    assert got == {"reqeusts": {("dependency/lookalike-name", "block")},
                   "icecream": {("dependency/new-dependency", "info")}}
    # Nothing to search for uses: said, not guessed.
    assert any("unused-dependency" in n for n in res.json()["notes"])


# --- weak look-alikes: plural or separator only, of a package outside the top 1,000 ---------------

ACR_REQS = "loguru==0.7.2\nunidiff\nrequests==2.32.3\n"


def test_offline_plural_lookalike_of_a_less_popular_package_is_escalated(repo):
    # nus-apr/auto-code-rover 8c38463504 adds emojis, icecream and natsort next to version bumps.
    repo.commit({"requirements.txt": ACR_REQS, "app.py": "import requests\nimport loguru\nimport unidiff\n"})
    repo.commit({"requirements.txt": "loguru==0.7.2\nunidiff==0.7.5\nrequests==2.32.3\nemojis==0.7.0\n"
                                     "icecream==2.1.3\nnatsort==8.4.0\nholiday==1.0.0\nflask_restfuls==0.1\n"
                                     "typing-extension==4.0\nscikitlearn==1.0\n",
                 "app.py": "import requests\nimport loguru\nimport unidiff\nimport emojis\nimport icecream\n"
                           "import natsort\nimport holiday\nimport flask_restfuls\nimport typing_extension\n"
                           "import scikitlearn\n"})
    report = check_json(repo, "--base", "HEAD~1")
    la = {f["details"]["package"]: f for f in report["findings"] if f["rule"] == "dependency/lookalike-name"}
    sev = {p: (f["severity"], f["details"]["kind"], f["details"].get("weak", False)) for p, f in la.items()}
    assert sev == {
        "emojis": ("escalate", "plural", True),  # emoji is ranked ~1,100th
        "flask-restfuls": ("escalate", "plural", True),
        "holiday": ("block", "plural", False),  # holidays is in the top 1,000
        "typing-extension": ("block", "plural", False),  # a known typosquat of a top-10 package
        "scikitlearn": ("block", "separator", False),
    }
    assert "--online" in la["emojis"]["message"] and "plural" in la["emojis"]["message"]
    got = by_package(report, "requirements.txt")
    # a look-alike is not also "unverified"; the other new names are as before
    assert got["emojis"] == {("dependency/lookalike-name", "escalate")}
    assert got["natsort"] == {("dependency/new-dependency", "info")}
    assert got["icecream"] == {("dependency/new-dependency", "info")}
    assert report["verdict"] == "block"


def test_online_a_young_weak_lookalike_still_blocks(repo, tmp_path):
    from tests.test_dep_registry import Registry, policy, pypi_doc

    reg = Registry()
    try:
        reg.add("/pypi/emojis/json", (200, pypi_doc("emojis", [2900, 2000, 1500, 900, 400, 100]), 0))
        reg.add("/pypi/flask-restfuls/json", (200, pypi_doc("flask-restfuls", [12, 3]), 0))
        repo.commit({".guardrails.yml": policy(reg, tmp_path), "requirements.txt": REQS, "app.py": APP}, "base")
        repo.commit({"requirements.txt": REQS + "emojis==0.7.0\nflask-restfuls==0.2\ndjango-dirtyfield==1.0\n",
                     "app.py": APP + "import emojis\nimport flask_restfuls\nimport dirtyfield\n"})
        report = check_json(repo, "--base", "HEAD~1", "--online")
    finally:
        reg.close()
    la = {f["details"]["package"]: f["severity"] for f in report["findings"]
          if f["rule"] == "dependency/lookalike-name"}
    # established on the registry: escalated; young: blocked; unknown (404): blocked
    assert la == {"emojis": "escalate", "flask-restfuls": "block", "django-dirtyfield": "block"}
    got = by_package(report, "requirements.txt")
    assert ("dependency/unknown-package", "block") in got["django-dirtyfield"]
    assert ("dependency/young-package", "escalate") in got["flask-restfuls"]
