"""Every change source and diff shape through the command line, the way a
user (or a hook, or the Action) runs it: the JSON report's source, stats,
coverage, and findings placed on the right lines; and input errors that end
with exit 2 and one line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Repo, check_json, run_cli

NOQA = "suppression/blanket-noqa"


def git_bytes(repo: Repo, *args: str) -> bytes:
    return subprocess.run(("git",) + args, cwd=repo.path, env=repo.env, stdout=subprocess.PIPE,
                          check=True).stdout


def noqa_lines(report: dict, path: str) -> list:
    return sorted(f["line"] for f in report["findings"] if f["rule"] == NOQA and f["path"] == path)


def one_line_error(res, *needles: str) -> None:
    assert res.code == 2, (res.code, res.out, res.err)
    assert "Traceback" not in res.err and "Traceback" not in res.out
    assert res.err.startswith("guardrails: error: ") and res.err.count("\n") == 1, res.err
    for needle in needles:
        assert needle in res.err, res.err


BASE = "import os\n\n\ndef run():\n    return os.getcwd()\n"
# Line 5 gains a blanket noqa, line 7 is new with one.
HEAD = "import os\n\n\ndef run():\n    return os.getcwd()  # noqa\n\n\nx = 1  # noqa\n"


def test_base_reports_lines_and_stats(repo: Repo):
    repo.commit({"app.py": BASE})
    repo.commit({"app.py": HEAD})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["source"].startswith("HEAD~1...HEAD (merge-base ")
    assert report["stats"]["coverage"] == "full"
    assert (report["stats"]["files"], report["stats"]["lines_added"], report["stats"]["lines_removed"]) == (1, 4, 1)
    assert noqa_lines(report, "app.py") == [5, 8]


def test_base_and_head_judge_the_branch_not_the_work_tree(repo: Repo):
    repo.commit({"app.py": BASE})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"app.py": HEAD})
    repo.git("checkout", "-q", "main")
    repo.commit({"other.py": "y = 1  # noqa\n"})  # main moves on: not part of the feature
    repo.write({"app.py": BASE + "z = 2  # noqa\n"})  # nor is the work tree
    report = check_json(repo, "--base", "main", "--head", "feature")
    assert report["stats"]["files"] == 1
    assert noqa_lines(report, "app.py") == [5, 8] and noqa_lines(report, "other.py") == []


def test_renamed_file_findings_use_new_path_and_lines(repo: Repo):
    body = "".join(f"value_{i} = {i}\n" for i in range(30))
    repo.commit({"pkg/old_name.py": body})
    repo.write({"pkg/old_name.py": None})
    repo.commit({"pkg/new name.py": body.replace("value_20 = 20\n", "value_20 = 20  # noqa\n")})
    report = check_json(repo, "--base", "HEAD~1")
    assert report["stats"]["files"] == 1
    assert noqa_lines(report, "pkg/new name.py") == [21]


def test_odd_shapes_survive_the_whole_pipeline(repo: Repo):
    repo.commit({"img.png": b"\x89PNG\0\0" + bytes(range(200)), "run.sh": "echo\n", "gone.py": "g = 1\n",
                 "win.py": b"a = 1\r\nb = 2\r\n", "eof.py": "e = 1", "latin.py": "s = 'caf\xe9'\n".encode("latin-1"),
                 "src/util.py": "".join(f"def f{i}():\n    return {i}\n" for i in range(10))})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    repo.git("commit", "-q", "-m", "more")
    repo.write({"img.png": b"\x89PNG\0\1", "gone.py": None,
                 "win.py": b"a = 1\r\nb = 3  # noqa\r\n", "eof.py": "e = 1\nf = 2  # noqa",
                 "latin.py": "s = 'caf\xe9'  # noqa\n".encode("latin-1"),
                 "src/util.py": "".join(f"def f{i}():\n    return {i}\n" for i in range(10)) + "# more\n",
                 "src/util_copy.py": "".join(f"def f{i}():\n    return {i}\n" for i in range(10)) + "x = 1  # noqa\n",
                 "dir with space/ünï.py": "u = 1  # noqa\n"})
    # `git add -A` drops the gitlink (no folder in the work tree) and keeps
    # the work tree's mode, so set both in the index after it.
    repo.git("add", "-A")
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'2' * 40},vendor/lib")
    repo.git("commit", "-q", "-m", "odd shapes")
    assert repo.git("ls-tree", "HEAD", "vendor/lib").startswith("160000 commit 2222")
    report = check_json(repo, "--base", "HEAD~2")
    assert report["stats"]["coverage"] == "full"
    paths = {f["path"] for f in report["findings"] if f["rule"] == NOQA}
    assert paths == {"win.py", "eof.py", "latin.py", "src/util_copy.py", "dir with space/ünï.py"}
    assert noqa_lines(report, "win.py") == [2] and noqa_lines(report, "eof.py") == [2]
    assert noqa_lines(report, "src/util_copy.py") == [21]
    latin = next(f for f in report["findings"] if f["path"] == "latin.py")
    assert latin["line"] == 1 and "caf" in latin["evidence"]
    assert report["stats"]["files"] == 10


def test_empty_change_passes(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.commit(message="nothing")
    report = check_json(repo, "--base", "HEAD~1")
    assert report["verdict"] == "pass" and report["stats"]["files"] == 0 and report["findings"] == []


def test_hundred_thousand_added_lines_are_counted_exactly(repo: Repo):
    repo.commit({"README.md": "x\n"})
    files = {f"data/part{i}.csv": "".join(f"{i},{j},value {j}\n" for j in range(12_000)) for i in range(8)}
    files["gen/m3.py"] = "".join(f"v{j} = {j}\n" for j in range(4_000)).replace("v1234 = 1234\n",
                                                                          "v1234 = 1234  # noqa\n")
    repo.commit(files)
    report = check_json(repo, "--base", "HEAD~1")
    assert report["stats"]["lines_added"] == 100_000 and report["stats"]["files"] == 9
    assert noqa_lines(report, "gen/m3.py") == [1235]


# --------------------------------------------------------------------------
# --staged


def test_staged_judges_the_index_not_the_work_tree(repo: Repo):
    repo.commit({"app.py": BASE})
    repo.stage({"app.py": HEAD})
    repo.write({"app.py": BASE + "\n\nwork = 1  # noqa\n", "loose.py": "l = 1  # noqa\n"})
    report = check_json(repo, "--staged")
    assert report["source"].startswith("staged changes")
    assert noqa_lines(report, "app.py") == [5, 8] and noqa_lines(report, "loose.py") == []


def test_staged_first_commit(repo: Repo):
    repo.stage({"first.py": "import os  # noqa\n"})
    report = check_json(repo, "--staged")
    assert noqa_lines(report, "first.py") == [1] and report["stats"]["lines_added"] == 1


def test_hook_run_by_commit_a_checks_what_will_be_committed(repo: Repo, tmp_path: Path):
    repo.commit({"app.py": BASE})
    out = tmp_path / "report.json"
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nPYTHONPATH='{ROOT}' '{sys.executable}' -m guardrails check --staged "
                    f"--no-llm --format json > '{out}'\nexit 0\n")
    hook.chmod(0o755)
    repo.write({"app.py": HEAD})  # never `git add`ed: only `commit -a` stages it
    repo.git("commit", "-q", "-a", "-m", "via commit -a")
    report = json.loads(out.read_text())
    assert noqa_lines(report, "app.py") == [5, 8]


# --------------------------------------------------------------------------
# --diff


def test_diff_file_with_preimages_is_full(repo: Repo, tmp_path: Path):
    repo.commit({"app.py": BASE, ".guardrails.yml": "exclude: []\n"})
    repo.commit({"app.py": HEAD})
    patch = tmp_path / "change.diff"
    patch.write_bytes(git_bytes(repo, "diff", "HEAD~1", "HEAD"))  # short index ids
    repo.git("checkout", "-q", "HEAD~1")
    report = check_json(repo, "--diff", str(patch))
    assert report["stats"]["coverage"] == "full"
    assert report["source"] == f"diff file {patch}"
    assert not any(n.startswith("hunks-only") for n in report["notes"])
    assert noqa_lines(report, "app.py") == [5, 8]


def test_diff_on_stdin_format_patch(repo: Repo):
    repo.commit({"app.py": BASE})
    repo.commit({"app.py": HEAD})
    mail = git_bytes(repo, "format-patch", "-1", "--stdout")
    repo.git("checkout", "-q", "HEAD~1")
    res = run_cli(["check", "--format", "json", "--diff", "-"], cwd=repo.path, stdin=mail)
    assert res.code in (0, 1), res.err
    report = res.json()
    assert report["source"] == "diff from standard input" and report["stats"]["coverage"] == "full"
    assert noqa_lines(report, "app.py") == [5, 8]


def test_diff_outside_repository_is_hunks_only_with_a_note(repo: Repo, tmp_path: Path):
    repo.commit({"app.py": BASE})
    repo.commit({"app.py": HEAD})
    patch = tmp_path / "change.diff"
    patch.write_bytes(git_bytes(repo, "diff", "HEAD~1", "HEAD"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    res = run_cli(["check", "--format", "json", "--diff", str(patch)], cwd=elsewhere)
    assert res.code in (0, 1), res.err
    report = res.json()
    assert report["stats"]["coverage"] == "hunks-only"
    assert any(n.startswith("hunks-only") for n in report["notes"])
    assert noqa_lines(report, "app.py") == [5, 8]  # line-level checks still work


def test_diff_empty_input_passes(tmp_path: Path):
    res = run_cli(["check", "--format", "json", "--diff", "-"], cwd=tmp_path, stdin=b"")
    assert res.code == 0, res.err
    assert res.json()["stats"]["files"] == 0


# --------------------------------------------------------------------------
# Errors: exit 2, one line, no traceback


def test_input_errors_are_one_line(repo: Repo, tmp_path: Path):
    repo.commit({"a.py": "a = 1\nb = 1\n"})
    cases = [
        (["--base", "no-such-ref"], None, ("--base 'no-such-ref'",)),
        (["--base", "HEAD", "--head", "v9.9"], None, ("--head 'v9.9'",)),
        (["--diff", str(tmp_path / "missing.diff")], None, ("cannot read --diff",)),
        (["--diff", "-"], b"@@ -1 +1 @@\n-a\n+b\n", ("malformed diff on standard input at line 1",)),
        (["--diff", "-"], b"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,5 +1,5 @@\n a = 1\n",
         ("malformed diff on standard input", "shorter")),
        (["--diff", "-"], b"just some words\n", ("no file header",)),
    ]
    blob = repo.git("rev-parse", "HEAD:a.py")
    cases.append((["--diff", "-"], (f"diff --git a/a.py b/a.py\nindex {blob[:7]}..1234567 100644\n--- a/a.py\n"
                                    "+++ b/a.py\n@@ -1,2 +1,2 @@\n a = 1\n-b = 7\n+b = 2\n").encode(),
                  ("does not apply to a.py",)))
    for args, stdin, needles in cases:
        one_line_error(run_cli(["check", "--format", "json", *args], cwd=repo.path, stdin=stdin), *needles)


def test_staged_outside_repository(tmp_path: Path):
    one_line_error(run_cli(["check", "--staged"], cwd=tmp_path), "not a git repository")


def test_default_in_repository_without_commits(repo: Repo):
    one_line_error(run_cli(["check"], cwd=repo.path), "no commits yet", "--staged")


def test_default_source_is_named(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    assert "root commit" in check_json(repo)["source"]
    repo.commit({"a.py": "a = 2  # noqa\n"})
    report = check_json(repo)
    assert report["source"] == "HEAD~1..HEAD (no upstream branch)"
    assert noqa_lines(report, "a.py") == [1]


def test_console_script_subprocess_never_prints_a_traceback(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    proc = subprocess.run([sys.executable, "-m", "guardrails", "check", "--diff", "-"], cwd=repo.path,
                          input=b"diff --git a/a.py\n@@ nonsense\n", capture_output=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert proc.stderr.count(b"\n") == 1 and proc.stderr.startswith(b"guardrails: error: malformed diff")


def test_gitattributes_in_the_change_cannot_blind_the_checks(repo: Repo):
    repo.commit({"app.py": BASE})
    repo.commit({".gitattributes": "*.py -diff\n", "app.py": HEAD})
    assert noqa_lines(check_json(repo, "--base", "HEAD~1"), "app.py") == [5, 8]
