"""Undeclared imports and unused new dependencies, end to end on real git
repositories, plus unit tests of the import readers."""
from __future__ import annotations

import json

from guardrails.checks.dependency import imports
from guardrails.model import ADDED, ADDED_FILE, FileChange, Hunk, Line
from tests.conftest import check_json

UNDECLARED = "dependency/undeclared-import"
UNUSED = "dependency/unused-dependency"

PYPROJECT = """\
[project]
name = "shop"
version = "1.0"
dependencies = [
{deps}
]
"""


def pyproject(*deps: str) -> str:
    return PYPROJECT.format(deps="\n".join(f'    "{d}",' for d in deps))


def findings(report: dict, rule: str) -> list:
    return [f for f in report["findings"] if f["rule"] == rule]


def base_python_repo(repo, deps=("requests>=2",), extra=None):
    files = {
        "pyproject.toml": pyproject(*deps),
        "src/shop/__init__.py": "",
        "src/shop/api.py": "import requests\n\n\ndef get(url):\n    return requests.get(url).json()\n",
        "tests/test_api.py": "from shop import api\n\n\ndef test_get():\n    assert api\n",
    }
    files.update(extra or {})
    repo.commit(files, "base")


# --------------------------------------------------------------------------
# Python: undeclared imports.

def test_undeclared_python_import_is_reported_on_its_line(repo):
    base_python_repo(repo)
    repo.commit({"src/shop/config.py": (
        "import os\n"
        "\n"
        "import yaml\n"
        "from PIL import Image\n"
        "\n"
        "\n"
        "def load(path):\n"
        "    return yaml.safe_load(open(path)), Image, os\n"
    )})
    report = check_json(repo, "--base", "HEAD~1")
    got = {(f["path"], f["line"], f["details"]["package"]) for f in findings(report, UNDECLARED)}
    assert got == {("src/shop/config.py", 3, "PyYAML"), ("src/shop/config.py", 4, "Pillow")}
    f = findings(report, UNDECLARED)[0]
    assert f["severity"] == "escalate"
    assert "declare" in f["message"] and f["details"]["ecosystem"] == "pypi"


def test_declared_under_its_distribution_name_is_fine(repo):
    base_python_repo(repo, deps=("requests>=2", "PyYAML>=6", "pillow", "scikit-learn", "PyJWT",
                                 "google-cloud-storage", "python-dateutil", "opencv-python-headless",
                                 "beautifulsoup4", "typing_extensions"))
    repo.commit({"src/shop/config.py": (
        "import yaml\n"
        "import jwt\n"
        "import cv2\n"
        "from PIL import Image\n"
        "from sklearn.linear_model import LinearRegression\n"
        "from google.cloud import storage\n"
        "from dateutil import parser\n"
        "from bs4 import BeautifulSoup\n"
        "from typing_extensions import Self\n"
        "import shop.api\n"
        "from shop import api\n"
        "from . import api as api2\n"
        "from .api import get\n"
        "import json, tomllib, asyncio\n"
        "import distutils.util\n"
        "from __future__ import annotations\n"
    )})
    report = check_json(repo, "--base", "HEAD~1")
    assert findings(report, UNDECLARED) == []


def test_optional_imports_and_own_modules_are_not_reported(repo):
    base_python_repo(repo, extra={
        "scripts/helpers.py": "X = 1\n",
        "packages/billing/pyproject.toml": pyproject("requests"),
        "packages/billing/src/billing/__init__.py": "",
        "conftest.py": "",
    })
    repo.commit({
        "scripts/run.py": (
            "import helpers\n"
            "import billing\n"
            "import conftest\n"
            "try:\n"
            "    import ujson as json\n"
            "except ImportError:\n"
            "    import json\n"
        ),
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert findings(report, UNDECLARED) == []


def test_type_checking_imports_need_no_runtime_dependency(repo):
    """Imports under `if TYPE_CHECKING:` run only under a type checker (as in
    pip's own sources: `_typeshed`, `typing_extensions`); one outside it
    still needs a declared dependency."""
    base_python_repo(repo)
    repo.commit({
        "src/shop/types.py": (
            "from __future__ import annotations\n"
            "import typing\n"
            "from typing import TYPE_CHECKING\n"
            "\n"
            "if TYPE_CHECKING:\n"
            "    from _typeshed import StrPath\n"
            "    from typing_extensions import Self\n"
            "if typing.TYPE_CHECKING:\n"
            "    import attrs\n"
            "if not TYPE_CHECKING:\n"
            "    import cattrs\n"
            "import orjson\n"
        ),
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert sorted((f["line"], f["details"]["package"]) for f in findings(report, UNDECLARED)) == \
        [(11, "cattrs"), (12, "orjson")]


def test_import_declared_in_the_same_change_is_fine(repo):
    base_python_repo(repo)
    repo.commit({
        "pyproject.toml": pyproject("requests>=2", "PyYAML>=6"),
        "src/shop/config.py": "import yaml\n\nCONF = yaml.safe_load('a: 1')\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert findings(report, UNDECLARED) == []
    assert findings(report, UNUSED) == []


def test_requirements_file_declares_too_and_old_imports_are_not_reported(repo):
    repo.commit({
        "requirements.txt": "requests==2.32.3\n",
        "app.py": "import requests\nimport numpy\n",  # numpy undeclared, but not new
    }, "base")
    repo.commit({"app.py": "import requests\nimport numpy\nimport pandas as pd\n"})
    report = check_json(repo, "--base", "HEAD~1")
    got = [(f["line"], f["details"]["package"]) for f in findings(report, UNDECLARED)]
    assert got == [(3, "pandas")]


def test_repository_without_python_manifest_is_not_judged(repo):
    repo.commit({"tool.py": "print('hi')\n"}, "base")
    repo.commit({"tool.py": "import yaml\nprint(yaml)\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert findings(report, UNDECLARED) == []


def test_syntax_error_file_falls_back_to_added_lines(repo):
    base_python_repo(repo)
    repo.commit({"src/shop/broken.py": "import yaml\ndef broken(:\n    pass\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f["details"]["package"] for f in findings(report, UNDECLARED)] == ["PyYAML"]


# --------------------------------------------------------------------------
# JavaScript / TypeScript.

def package_json(deps=None, dev=None, name="web", scripts=None) -> str:
    data = {"name": name, "version": "1.0.0", "dependencies": deps or {}}
    if dev:
        data["devDependencies"] = dev
    if scripts:
        data["scripts"] = scripts
    return json.dumps(data, indent=2) + "\n"


def test_undeclared_js_imports(repo):
    repo.commit({
        "package.json": package_json({"lodash": "^4.17.21", "@scope/ui": "^1.0.0"}),
        "tsconfig.json": '{\n  // comment\n  "compilerOptions": {"paths": {"@app/*": ["src/*"]},},\n}\n',
        "src/index.ts": "import _ from 'lodash';\n",
        "packages/shared/package.json": package_json(name="@acme/shared"),
    }, "base")
    repo.commit({"src/feature.ts": (
        "import fs from 'fs';\n"
        "import path from 'node:path';\n"
        "import fp from 'lodash/fp';\n"
        "import { Button } from '@scope/ui/button';\n"
        "import { helper } from './helper';\n"
        "import { thing } from '@app/thing';\n"
        "import { shared } from '@acme/shared';\n"
        "import axios from 'axios';\n"
        "const chalk = require('chalk');\n"
        "const lazy = await import('@tanstack/react-query');\n"
        "import type { Z } from 'zod';\n"
        "// import nope from 'commented-out';\n"
        "const sample = \"import { ref } from 'vue'\";\n"
        "export { x } from '@other/pkg/sub';\n"
    )})
    report = check_json(repo, "--base", "HEAD~1")
    got = sorted((f["line"], f["details"]["package"]) for f in findings(report, UNDECLARED))
    assert got == [(8, "axios"), (9, "chalk"), (10, "@tanstack/react-query"), (11, "zod"),
                   (14, "@other/pkg")]
    assert all(f["details"]["ecosystem"] == "npm" for f in findings(report, UNDECLARED))


def test_types_package_declares_a_type_only_import(repo):
    repo.commit({"package.json": package_json(dev={"@types/express": "^4"}), "a.ts": "\n"}, "base")
    repo.commit({"a.ts": "import type { Request } from 'express';\n"})
    assert findings(check_json(repo, "--base", "HEAD~1"), UNDECLARED) == []


# --------------------------------------------------------------------------
# Unused new dependencies.

def test_unused_new_python_dependency(repo):
    base_python_repo(repo)
    repo.commit({"pyproject.toml": pyproject("requests>=2", "icecream>=2", "PyYAML>=6", "pytest-cov",
                                             "types-requests", "towncrier"),
                 "src/shop/conf.py": "import yaml\n",
                 "pyproject2.toml": "[tool.towncrier]\nname = 'x'\n"})
    report = check_json(repo, "--base", "HEAD~1")
    unused = findings(report, UNUSED)
    assert [f["details"]["package"] for f in unused] == ["icecream"]
    f = unused[0]
    assert f["path"] == "pyproject.toml" and f["line"] == 6 and f["severity"] == "escalate"
    assert "icecream" in f["details"]["looked_for"]


def test_used_through_a_quoted_module_name_or_a_command(repo):
    base_python_repo(repo, extra={"Makefile": "lint:\n\tpython -m black .\n"})
    repo.commit({
        "pyproject.toml": pyproject("requests>=2", "sphinx-copybutton", "httpie", "blessed"),
        "docs/conf.py": "extensions = ['sphinx_copybutton']\n",
        "Makefile": "lint:\n\tpython -m black .\nsmoke:\n\thttpie --version\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert [f["details"]["package"] for f in findings(report, UNUSED)] == ["blessed"]


def test_unused_new_npm_dependency(repo):
    repo.commit({
        "package.json": package_json({"react": "^18"}),
        "src/app.tsx": "import React from 'react';\n",
    }, "base")
    repo.commit({
        "package.json": package_json(
            {"react": "^18", "left-pad": "^1.3.0", "clsx": "^2.0.0", "uuid": "^9"},
            dev={"@types/uuid": "^9", "@types/left-pad": "^1", "eslint-plugin-react": "^7",
                 "rimraf": "^5", "dotenv-flow": "^4", "@types/node": "^20"},
            scripts={"start": "dotenv-flow -- node ."}),
        "src/app.tsx": "import React from 'react';\nimport clsx from 'clsx';\n",
        "src/id.js": "const { v4 } = require('uuid');\n",
    })
    report = check_json(repo, "--base", "HEAD~1")
    assert sorted(f["details"]["package"] for f in findings(report, UNUSED)) == ["@types/left-pad", "left-pad"]


def test_unused_check_is_bounded_to_the_new_side(repo):
    base_python_repo(repo, extra={"src/shop/old.py": "import icecream\n"})
    repo.commit({"pyproject.toml": pyproject("requests>=2", "icecream"), "src/shop/old.py": None})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f["details"]["package"] for f in findings(report, UNUSED)] == ["icecream"]


# --------------------------------------------------------------------------
# Units.

def _file(path: str, text: str) -> FileChange:
    lines = tuple(Line(ADDED, t, None, i + 1) for i, t in enumerate(text.splitlines()))
    return FileChange(path=path, old_path=None, status=ADDED_FILE,
                      hunks=(Hunk(0, 0, 1, len(lines), "", lines),), load_new=lambda: text)


def test_python_imports_reads_only_added_absolute_imports():
    f = _file("m.py", "import a.b, c\nfrom d.e import f, g\nfrom . import h\nfrom .i import j\nx = 1\n")
    got = [(i.line, i.module, i.package) for i in imports.python_imports(f)]
    assert got == [(1, "a.b", "a"), (1, "c", "c"), (2, "d.e", "d")]


def test_js_package_names():
    assert imports.js_package("lodash/fp") == "lodash"
    assert imports.js_package("@babel/core/lib/x") == "@babel/core"
    assert imports.js_package("./x") is None
    assert imports.js_package("node:fs") is None
    assert imports.js_package("@/components/x") is None
    assert imports.js_package("~/x") is None
    assert imports.js_package("#internal") is None
    assert imports.js_package("virtual:pwa") is None
    assert imports.js_package("react?raw") == "react"


def test_distribution_and_import_name_guesses():
    assert imports.distributions_for("yaml")[0] == "pyyaml"
    assert "google-cloud-storage" in imports.distributions_for("google.cloud.storage")
    assert imports.distributions_for("unknownthing") == ("unknownthing",)
    assert "yaml" in imports.import_names("PyYAML")
    assert "dateutil" in imports.import_names("python-dateutil")
    assert "google.cloud.storage" in imports.import_names("google-cloud-storage")
    assert "requests" in imports.import_names("types-requests")


def test_imports_inside_triple_quoted_strings_are_not_imports():
    src = ('"""Usage:\n\nimport nope\n"""\nimport yaml\nx = "a\\"b"\nsnippet = r\'\'\'\nfrom c import d\n\'\'\'\n'
           'import e  # """ in a comment\nt = "\'\'\'"\nimport h\n')
    got = [(i.line, i.module) for i in imports.python_imports(_file("m.py", src))]
    assert got == [(5, "yaml"), (10, "e"), (12, "h")]


def test_optional_import_detection_in_nested_blocks():
    src = ("def load():\n    try:\n        import ujson as json\n    except (ImportError, ValueError):\n"
           "        import json\n    import yaml\n    try:\n        import orjson\n    except KeyError:\n"
           "        pass\n")
    got = [i.module for i in imports.python_imports(_file("m.py", src))]
    assert got == ["json", "yaml", "orjson"]


def test_conda_environment_declares_python_packages(repo):
    env = ("name: app\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - numpy=1.26\n"
           "  - pip\n  - pip:\n    - requests==2.32.3\n")
    repo.commit({"environment.yml": env, "app.py": "import requests\n"}, "base")
    repo.commit({"app.py": "import requests\nimport numpy as np\nimport pandas as pd\n"})
    report = check_json(repo, "--base", "HEAD~1")
    assert [f["details"]["package"] for f in findings(report, UNDECLARED)] == ["pandas"]


def test_package_json_nested_past_the_stack_beside_js_imports(tmp_path):
    """json.loads raises RecursionError (not ValueError) on [[[[... : the
    package.json and tsconfig read for the project's own names are then
    unreadable, the run still ends 0/1 and the import is still judged."""
    from tests.conftest import run_cli

    deep = "[" * 20_000 + "]" * 20_000
    for config in ("package.json", "tsconfig.json"):
        files = {"package.json": ['{"name": "web"}'], config: [deep], "src/app.ts": ['import y from "leftpadz";']}
        patch = "".join(f"diff --git a/{p} b/{p}\nnew file mode 100644\n--- /dev/null\n+++ b/{p}\n"
                        f"@@ -0,0 +1,{len(body)} @@\n" + "".join(f"+{x}\n" for x in body) for p, body in files.items())
        (tmp_path / "p.diff").write_text(patch)
        res = run_cli(["check", "--format", "json", "--no-llm", "--diff", str(tmp_path / "p.diff")], cwd=tmp_path)
        assert res.code in (0, 1), (config, res.err)
        found = [(f["path"], f["line"]) for f in res.json()["findings"] if f["rule"] == UNDECLARED]
        assert found == [("src/app.ts", 1)], config
    assert imports._loose_json(deep) is None and imports._loose_json("{\"a\": 1,}") == {"a": 1}
