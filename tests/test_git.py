"""guardrails/git.py: the git calls and the settings that must not change
what we read.  Real repositories, real git."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import Repo
from guardrails import change, git
from guardrails.errors import GuardError


def test_cat_blobs_reads_many_objects_in_one_batch(repo: Repo):
    repo.commit({"a.py": "a = 1\n", "dir/sp ace.txt": "s\n", "bin.dat": b"\0\1\2\n\n"})
    names = ["HEAD:a.py", "HEAD:dir/sp ace.txt", "HEAD:bin.dat", "HEAD:missing.py", "HEAD:dir", "HEAD",
             "HEAD:a.py", "bad\nname", ""]
    got = git.cat_blobs(names, str(repo.path))
    assert got["HEAD:a.py"] == b"a = 1\n"
    assert got["HEAD:dir/sp ace.txt"] == b"s\n"
    assert got["HEAD:bin.dat"] == b"\0\1\2\n\n"  # sizes, not lines, delimit the bodies
    # Missing, a tree, a commit, and names cat-file cannot take: None, no error.
    for name in ("HEAD:missing.py", "HEAD:dir", "HEAD", "bad\nname", ""):
        assert got[name] is None, name


def test_cat_blobs_reads_the_index_and_non_utf8_paths(repo: Repo):
    repo.commit({"seed": "x\n"})
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")  # a Latin-1 file name
    (repo.path / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin\n")
    repo.git("add", "-A")
    assert git.cat_blobs([f":0:{name}"], str(repo.path))[f":0:{name}"] == b"latin\n"
    assert name in git.ls_files(None, str(repo.path))


def test_resolve_blobs_expands_short_ids_and_refuses_the_rest(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    full = repo.git("rev-parse", "HEAD:a.py")
    commit = repo.git("rev-parse", "HEAD")
    # A branch named like hex digits must not stand in for a blob.
    repo.git("branch", "cafe123")
    got = git.resolve_blobs([full[:7], full, "0000000", commit[:7], "cafe123", "HEAD:a.py", "HEAD:nope"],
                            str(repo.path))
    assert got[full[:7]] == full and got[full] == full and got["HEAD:a.py"] == full
    assert got["0000000"] is None and got[commit[:7]] is None and got["cafe123"] is None
    assert got["HEAD:nope"] is None
    assert git.blob_exists(full[:10], str(repo.path)) and not git.blob_exists("deadbeef", str(repo.path))


def test_toplevel(repo: Repo, tmp_path: Path):
    repo.commit({"sub/a.py": "a\n"})
    assert git.toplevel(str(repo.path / "sub")) == str(repo.path)
    outside = tmp_path / "plain"
    outside.mkdir()
    assert git.toplevel(str(outside)) is None
    assert git.toplevel(str(repo.path / ".git")) is None  # inside .git there is no work tree


def test_repository_owned_by_someone_else_is_an_error_not_no_repository(repo: Repo,
                                                                         monkeypatch: pytest.MonkeyPatch):
    repo.commit({"a.py": "a\n"})
    # git's own test switch for the CVE-2022-24765 ownership check.
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with pytest.raises(GuardError) as exc:
        git.toplevel(str(repo.path))
    assert "dubious ownership" in str(exc.value) and "safe.directory" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_failing_git_reports_the_fatal_line(repo: Repo):
    with pytest.raises(GuardError) as exc:
        git.run(["log", "--no-such-option"], cwd=str(repo.path))
    msg = str(exc.value)
    assert msg.startswith("git log --no-such-option failed in ") and "\n" not in msg
    assert "unrecognized argument" in msg or "fatal" in msg


def test_resolve_peels_tags_and_rejects_non_commits(repo: Repo):
    repo.commit({"a.py": "a\n"})
    repo.git("tag", "-a", "-m", "v1", "v1")
    head = repo.git("rev-parse", "HEAD")
    assert git.resolve("v1", str(repo.path)) == head
    tree = repo.git("rev-parse", "HEAD^{tree}")
    for bad in (tree, "HEAD:a.py", "", "a\nb"):
        with pytest.raises(GuardError):
            git.resolve(bad, str(repo.path), "--base")


def test_shallow_clone_hint(repo: Repo, tmp_path: Path):
    for i in range(3):
        repo.commit({"a.py": f"a = {i}\n"})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, env=repo.env)
    with pytest.raises(GuardError, match="shallow clone") as exc:
        git.resolve("HEAD~2", str(clone), "--base")
    assert "fetch-depth: 0" in str(exc.value)


def test_env_makes_relative_hook_paths_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_INDEX_FILE", ".git/index.lock")
    monkeypatch.setenv("GIT_DIR", "/abs/.git")
    monkeypatch.setenv("LANGUAGE", "de")
    env = git._env()
    assert env["GIT_INDEX_FILE"] == str(tmp_path / ".git" / "index.lock")
    assert env["GIT_DIR"] == "/abs/.git"
    assert env["LC_ALL"] == "C" and "LANGUAGE" not in env and env["GIT_PAGER"] == "cat"


def test_empty_tree_in_sha256_repository(tmp_path: Path, repo: Repo):
    assert git.empty_tree(str(repo.path)) == git.EMPTY_TREE
    sha256 = tmp_path / "sha256"
    sha256.mkdir()
    proc = subprocess.run(["git", "init", "-q", "--object-format=sha256", str(sha256)], env=repo.env)
    assert proc.returncode == 0
    tree = git.empty_tree(str(sha256))
    assert len(tree) == 64 and tree != git.EMPTY_TREE


def test_sha256_repository_change(tmp_path: Path):
    path = tmp_path / "r256"
    path.mkdir()
    subprocess.run(["git", "init", "-q", "--object-format=sha256", "-b", "main", str(path)], check=True)
    r = Repo(path)  # re-initialising keeps the object format
    assert r.git("rev-parse", "--show-object-format") == "sha256"
    r.commit({"a.py": "a = 1\n"})
    r.commit({"a.py": "a = 2\n"})
    cs = change.from_revisions("HEAD~1", cwd=str(path))
    assert len(cs.base_rev or "") == 64
    assert cs.files[0].old_text() == "a = 1\n" and cs.files[0].new_text() == "a = 2\n"
    raw = subprocess.run(["git", "diff", "HEAD~1", "HEAD"], cwd=path, stdout=subprocess.PIPE, check=True).stdout
    r.git("checkout", "-q", "HEAD~1")
    diff_cs = change.from_diff("-", cwd=str(path), stdin=raw)
    assert diff_cs.coverage == "full" and diff_cs.files[0].new_text() == "a = 2\n"


HOSTILE_CONFIG = [
    ("color.ui", "always"), ("color.diff", "always"), ("diff.noprefix", "true"),
    ("diff.mnemonicPrefix", "true"), ("diff.relative", "true"), ("diff.context", "0"),
    ("diff.external", "/bin/false"), ("core.quotepath", "true"), ("diff.suppressBlankEmpty", "true"),
    ("diff.ignoreSubmodules", "all"), ("diff.submodule", "log"), ("diff.renames", "false"),
    ("core.pager", "less -R"), ("diff.interHunkContext", "10"), ("core.abbrev", "5"),
]


def test_user_diff_config_cannot_change_what_we_parse(repo: Repo):
    """A developer's ~/.gitconfig or the repository's own .git/config is
    outside our control; every setting that changes `git diff` output is
    overridden."""
    body = "".join(f"line {i}\n" for i in range(1, 31))
    repo.commit({"src/app.py": body, "old name.txt": "same\n" * 20, "é/x.txt": "x\n"})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor")
    repo.git("commit", "-q", "-m", "submodule")
    expected_new = body.replace("line 10\n", "line ten\n").replace("line 12\n", "\n")
    repo.write({"old name.txt": None})
    repo.git("update-index", "--cacheinfo", f"160000,{'2' * 40},vendor")
    repo.commit({"src/app.py": expected_new, "new name.txt": "same\n" * 20, "é/x.txt": "y\n"})
    for key, value in HOSTILE_CONFIG:
        repo.git("config", key, value)
    (repo.path / "src").mkdir(exist_ok=True)
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path / "src"))  # diff.relative would cut to src/
    by = {f.path: f for f in cs.files}
    assert sorted(by) == ["new name.txt", "src/app.py", "vendor", "é/x.txt"]
    assert by["new name.txt"].status == "renamed"  # diff.renames=false ignored
    assert by["vendor"].is_submodule  # diff.ignoreSubmodules=all ignored
    app = by["src/app.py"]
    assert len(app.hunks) == 1 and app.hunks[0].old_len == 9  # context 3, not 0 and not merged by 10
    assert [(ln.kind, ln.text, ln.old_no, ln.new_no) for ln in app.lines() if ln.kind != " "] == [
        ("-", "line 10", 10, None), ("+", "line ten", None, 10), ("-", "line 12", 12, None), ("+", "", None, 12)]
    assert app.new_text() == expected_new
    staged = repo.path / "src" / "app.py"
    staged.write_text(expected_new + "tail\n")
    repo.git("add", "src/app.py")
    s = change.from_staged(cwd=str(repo.path))
    assert [ln.text for ln in s.files[0].added()] == ["tail"]


def test_diff_attribute(repo: Repo):
    repo.commit({".gitattributes": "*.py -diff\n*.dat binary\n*.md diff=markdown\n*.txt diff\n",
                 "a.py": "a\n"})
    got = git.diff_attribute(["a.py", "x.dat", "r.md", "n.txt", "none.c", "sp ace.py"], str(repo.path))
    assert got == {"a.py": "unset", "x.dat": "unset", "r.md": "markdown", "n.txt": "set",
                   "none.c": "unspecified", "sp ace.py": "unset"}
