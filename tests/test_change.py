"""Getting and parsing a change, through guardrails.change directly, on real
git repositories: every source (--base/--head, --staged, --diff, default)
and every odd shape a diff can take."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from conftest import Repo
from guardrails import change
from guardrails.errors import GuardError
from guardrails.model import ADDED_FILE, COPIED, DELETED, MODIFIED, RENAMED, ChangeSet, FileChange


def git_bytes(repo: Repo, *args: str) -> bytes:
    """Byte-exact git output (Repo.git decodes and strips)."""
    proc = subprocess.run(("git",) + args, cwd=repo.path, env=repo.env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=True)
    return proc.stdout


def blob(repo: Repo, rev_path: str) -> bytes:
    return git_bytes(repo, "cat-file", "blob", rev_path)


def only(cs: ChangeSet) -> FileChange:
    assert len(cs.files) == 1, [f.path for f in cs.files]
    return cs.files[0]


def lines(f: FileChange) -> List[tuple]:
    return [tuple(ln) for ln in f.lines()]


def enc(text: "str | None") -> "bytes | None":
    return None if text is None else text.encode("utf-8", "surrogateescape")


CALC_OLD = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_NEW = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    # fast path\n    return b * a\n"


# --------------------------------------------------------------------------
# --base / --head


def test_revisions_lines_numbers_and_texts(repo: Repo):
    repo.commit({"calc.py": CALC_OLD})
    repo.commit({"calc.py": CALC_NEW})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    f = only(cs)
    assert (f.path, f.old_path, f.status) == ("calc.py", "calc.py", MODIFIED)
    assert (f.old_mode, f.new_mode) == ("100644", "100644")
    assert lines(f) == [
        (" ", "", 3, 3), (" ", "", 4, 4), (" ", "def mul(a, b):", 5, 5),
        ("-", "    return a * b", 6, None),
        ("+", "    # fast path", None, 6), ("+", "    return b * a", None, 7),
    ]
    assert f.added_line_numbers() == {6, 7} and f.removed_line_numbers() == {6}
    assert f.hunks[0][:4] == (3, 4, 3, 5)
    assert f.old_text() == CALC_OLD and f.new_text() == CALC_NEW
    assert cs.coverage == "full" and cs.mode == "git"
    assert cs.head_rev == repo.git("rev-parse", "HEAD")
    assert cs.base_rev == repo.git("rev-parse", "HEAD~1")
    assert "HEAD~1...HEAD (merge-base" in cs.source


def test_revisions_use_merge_base_not_the_moved_base(repo: Repo):
    repo.commit({"a.py": "a = 1\n", "b.py": "b = 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"a.py": "a = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"b.py": "b = 2\n"})  # main moved on after the fork
    repo.git("checkout", "-q", "feature")
    cs = change.from_revisions("main", cwd=str(repo.path))
    # Only the feature's own edit: main's later b.py edit is not reverted.
    assert [f.path for f in cs.files] == ["a.py"]
    assert cs.base_rev == repo.git("merge-base", "main", "feature")
    # Near miss: a two-dot comparison would show b.py too.
    two_dot = change.from_revisions("main", cwd=str(repo.path), merge_base=False)
    assert sorted(f.path for f in two_dot.files) == ["a.py", "b.py"]


def test_head_option_and_texts_come_from_git_objects_not_the_work_tree(repo: Repo):
    repo.commit({"app.py": "x = 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit({"app.py": "x = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.write({"app.py": "x = 'work tree'\n", "junk.py": "untracked\n"})
    cs = change.from_revisions("main", "feature", cwd=str(repo.path))
    f = only(cs)
    assert f.new_text() == "x = 2\n" and f.old_text() == "x = 1\n"
    assert cs.read_head("app.py") == "x = 2\n" and cs.read_base("app.py") == "x = 1\n"
    assert cs.read_head("junk.py") is None
    assert cs.list_head() == ("app.py",)


def test_run_from_a_subfolder_gives_root_relative_paths(repo: Repo):
    repo.commit({"pkg/mod.py": "a = 1\n", "top.py": "t = 1\n"})
    repo.commit({"pkg/mod.py": "a = 2\n", "top.py": "t = 2\n"})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path / "pkg"))
    assert sorted(f.path for f in cs.files) == ["pkg/mod.py", "top.py"]
    assert cs.repo == str(repo.path)


def test_empty_change(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.commit(message="empty")
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    assert cs.files == () and cs.added_line_count() == 0


def test_bad_refs_raise_one_line_naming_the_ref(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    for args, needle in (((["no-such-branch"], {}), "--base 'no-such-branch'"),
                         ((["HEAD"], {"head": "nope"}), "--head 'nope'"),
                         ((["--output=/tmp/x"], {}), "--base '--output=/tmp/x'"),
                         ((["HEAD:a.py"], {}), "--base 'HEAD:a.py'")):
        with pytest.raises(GuardError) as exc:
            change.from_revisions(*args[0], cwd=str(repo.path), **args[1])
        assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_unrelated_histories_have_no_merge_base(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit({"b.py": "b = 1\n"})
    with pytest.raises(GuardError, match="no merge-base"):
        change.from_revisions("main", cwd=str(repo.path))


def test_not_a_repository(tmp_path: Path):
    with pytest.raises(GuardError, match="not a git repository"):
        change.from_revisions("HEAD", cwd=str(tmp_path))
    with pytest.raises(GuardError, match="not a git repository"):
        change.from_staged(cwd=str(tmp_path))


# --------------------------------------------------------------------------
# Shapes of change (through --base)


def test_rename_with_edit_and_pure_rename(repo: Repo):
    body = "".join(f"line {i}\n" for i in range(1, 21))
    repo.commit({"old/name.py": body, "keep.txt": "same\n"})
    repo.write({"old/name.py": None, "keep.txt": None})
    repo.commit({"new/name.py": body.replace("line 10\n", "line ten\n"), "moved.txt": "same\n"})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    by = {f.path: f for f in cs.files}
    edited, pure = by["new/name.py"], by["moved.txt"]
    assert (edited.status, edited.old_path) == (RENAMED, "old/name.py")
    assert edited.similarity is not None and 80 <= edited.similarity < 100
    assert [ln for ln in lines(edited) if ln[0] != " "] == [("-", "line 10", 10, None), ("+", "line ten", None, 10)]
    assert edited.old_text() == body and edited.new_text() == body.replace("line 10\n", "line ten\n")
    assert (pure.status, pure.old_path, pure.similarity, pure.hunks) == (RENAMED, "keep.txt", 100, ())
    assert pure.old_text() == pure.new_text() == "same\n"
    assert cs.read_base("old/name.py") == body and cs.read_head("old/name.py") is None


def test_copy_is_reported_as_copy(repo: Repo):
    body = "".join(f"def f{i}():\n    return {i}\n" for i in range(15))
    repo.commit({"src/util.py": body})
    # -C finds copies whose source is modified in the same change.
    repo.commit({"src/util.py": body + "# more\n", "src/util_copy.py": body + "# copy\n"})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    by = {f.path: f for f in cs.files}
    copy = by["src/util_copy.py"]
    assert (copy.status, copy.old_path) == (COPIED, "src/util.py")
    assert [ln[:2] for ln in copy.added()] == [("+", "# copy")]
    assert copy.old_text() == body and copy.new_text() == body + "# copy\n"
    assert by["src/util.py"].status == MODIFIED


def test_deleted_file(repo: Repo):
    repo.commit({"gone.py": "a = 1\nb = 2\n", "stay.py": "s = 1\n"})
    repo.commit({"gone.py": None})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert (f.path, f.old_path, f.status) == ("gone.py", "gone.py", DELETED)
    assert (f.old_mode, f.new_mode) == ("100644", None)
    assert lines(f) == [("-", "a = 1", 1, None), ("-", "b = 2", 2, None)]
    assert f.old_text() == "a = 1\nb = 2\n" and f.new_text() is None


def test_added_file(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.commit({"b.py": "b = 1\nb = 2\n"})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert (f.path, f.old_path, f.status, f.old_mode, f.new_mode) == ("b.py", None, ADDED_FILE, None, "100644")
    assert lines(f) == [("+", "b = 1", None, 1), ("+", "b = 2", None, 2)]
    assert f.old_text() is None and f.new_text() == "b = 1\nb = 2\n"


def test_binary_files(repo: Repo):
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256))
    repo.commit({"img.png": png, "a.py": "a = 1\n"})
    repo.commit({"img.png": png + b"\0more", "new.bin": b"\0\1\2", "a.py": "a = 2\n"})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    by = {f.path: f for f in cs.files}
    for path, status in (("img.png", MODIFIED), ("new.bin", ADDED_FILE)):
        f = by[path]
        assert f.is_binary and f.status == status and f.hunks == ()
        assert f.old_text() is None and f.new_text() is None
    assert by["a.py"].new_text() == "a = 2\n"  # the text file next to them is read normally


def test_mode_only_change(repo: Repo):
    repo.commit({"run.sh": "#!/bin/sh\necho hi\n"})
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.git("commit", "-q", "-m", "chmod")
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert (f.status, f.old_mode, f.new_mode, f.hunks) == (MODIFIED, "100644", "100755", ())
    assert f.old_text() == f.new_text() == "#!/bin/sh\necho hi\n"


def test_submodule_bump(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    one, two = "1" * 40, "2" * 40
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{one},vendor/lib")
    repo.git("commit", "-q", "-m", "add submodule")
    repo.git("update-index", "--cacheinfo", f"160000,{two},vendor/lib")
    repo.git("commit", "-q", "-m", "bump submodule")
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert f.is_submodule and f.path == "vendor/lib" and f.status == MODIFIED
    assert (f.old_mode, f.new_mode) == ("160000", "160000")
    assert lines(f) == [("-", f"Subproject commit {one}", 1, None), ("+", f"Subproject commit {two}", None, 1)]
    assert f.old_text() is None and f.new_text() is None


def test_no_newline_at_end_of_file(repo: Repo):
    repo.commit({"a.txt": "one\ntwo"})
    repo.commit({"a.txt": "one\ntwo\nthree"})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert lines(f) == [(" ", "one", 1, 1), ("-", "two", 2, None), ("+", "two", None, 2), ("+", "three", None, 3)]
    assert f.old_text() == "one\ntwo" and f.new_text() == "one\ntwo\nthree"


def test_crlf_lines_are_stripped_in_lines_and_kept_in_texts(repo: Repo):
    repo.commit({"win.txt": b"a\r\nb\r\n"})
    repo.commit({"win.txt": b"a\r\nB\r\nc\r\n"})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert lines(f) == [(" ", "a", 1, 1), ("-", "b", 2, None), ("+", "B", None, 2), ("+", "c", None, 3)]
    assert f.new_text() == "a\r\nB\r\nc\r\n"


def test_bytes_that_are_not_utf8_survive(repo: Repo):
    old = "café = 1\n".encode("latin-1")
    new = "café = 2\n".encode("latin-1") + b"\xff\xfe ok\n"
    repo.commit({"legacy.py": old})
    repo.commit({"legacy.py": new})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    added = [ln.text for ln in f.added()]
    assert [enc(t) for t in added] == [b"caf\xe9 = 2", b"\xff\xfe ok"]
    assert enc(f.new_text()) == new and enc(f.old_text()) == old


ODD_PATHS = ["dir with space/file name.py", "unicodé/ß.py", 'quote"d.py', "back\\slash.py", "tab\there.py",
             "a b/c b/d.py"]


def test_paths_with_spaces_unicode_and_quoting(repo: Repo):
    repo.commit({"seed.txt": "x\n"})
    repo.commit({p: f"# {p}\nvalue = 1\n" for p in ODD_PATHS})
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    assert sorted(f.path for f in cs.files) == sorted(ODD_PATHS)
    for f in cs.files:
        assert f.new_text() == f"# {f.path}\nvalue = 1\n"
        assert cs.read_head(f.path) == f.new_text()
    assert set(ODD_PATHS) <= set(cs.list_head())


def test_renamed_odd_path(repo: Repo):
    repo.commit({"tab\there.py": "x = 1\n" * 10})
    repo.write({"tab\there.py": None})
    repo.commit({"naïve name.py": "x = 1\n" * 10})
    f = only(change.from_revisions("HEAD~1", cwd=str(repo.path)))
    assert (f.status, f.old_path, f.path) == (RENAMED, "tab\there.py", "naïve name.py")


def test_hundred_thousand_added_lines_parse_fast(repo: Repo):
    repo.commit({"README.md": "big change\n"})
    files = {f"pkg/mod_{i:02d}.py": "".join(f"value_{i}_{j} = compute({j}, 'x')\n" for j in range(5000))
             for i in range(20)}
    repo.commit(files)
    started = time.perf_counter()
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    added = cs.added_line_count()
    elapsed = time.perf_counter() - started
    assert added == 100_000 and len(cs.files) == 20
    f = cs.file("pkg/mod_07.py")
    assert f is not None and list(f.added())[-1] == ("+", "value_7_4999 = compute(4999, 'x')", None, 5000)
    assert f.new_text() == files["pkg/mod_07.py"]
    # The whole deterministic pass has 2 s for this; getting the change must
    # be a small part of it (generous bound for a loaded CI machine).
    assert elapsed < 1.5, elapsed


# --------------------------------------------------------------------------
# --staged


def test_staged_reads_the_index_not_the_work_tree(repo: Repo):
    repo.commit({"app.py": "a = 1\nb = 2\n"})
    repo.stage({"app.py": "a = 1\nb = 3\n", "new.py": "n = 1\n"})
    repo.write({"app.py": "a = 1\nb = 'work tree only'\n", "new.py": "n = 'work tree'\n",
                "untracked.py": "u = 1\n"})
    cs = change.from_staged(cwd=str(repo.path))
    assert cs.mode == "staged" and cs.head_rev is None and cs.base_rev == repo.git("rev-parse", "HEAD")
    by = {f.path: f for f in cs.files}
    assert sorted(by) == ["app.py", "new.py"]
    assert lines(by["app.py"]) == [(" ", "a = 1", 1, 1), ("-", "b = 2", 2, None), ("+", "b = 3", None, 2)]
    assert by["app.py"].new_text() == "a = 1\nb = 3\n" and by["app.py"].old_text() == "a = 1\nb = 2\n"
    assert by["new.py"].new_text() == "n = 1\n"
    assert cs.read_head("app.py") == "a = 1\nb = 3\n" and cs.read_base("app.py") == "a = 1\nb = 2\n"
    assert cs.read_head("untracked.py") is None
    assert cs.list_head() == ("app.py", "new.py")


def test_staged_mode_only_change_reads_the_index(repo: Repo):
    repo.commit({"run.sh": "echo 1\n"})
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.write({"run.sh": "echo 'not staged'\n"})
    f = only(change.from_staged(cwd=str(repo.path)))
    assert (f.old_mode, f.new_mode, f.hunks) == ("100644", "100755", ())
    assert f.new_text() == "echo 1\n"


def test_staged_in_a_repository_without_commits(repo: Repo):
    repo.stage({"first.py": "print('first')\n"})
    cs = change.from_staged(cwd=str(repo.path))
    f = only(cs)
    assert (f.status, f.path) == (ADDED_FILE, "first.py")
    assert lines(f) == [("+", "print('first')", None, 1)]
    assert f.new_text() == "print('first')\n" and cs.base_rev is None
    assert cs.read_base("first.py") is None and cs.read_head("first.py") == "print('first')\n"
    assert "no commits" in cs.source


def test_staged_nothing_staged_is_empty(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.write({"a.py": "a = 2\n"})
    assert change.from_staged(cwd=str(repo.path)).files == ()


def test_staged_honours_git_index_file(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """What git does for `git commit -a`: stage into another index file and
    point GIT_INDEX_FILE at it."""
    repo.commit({"a.py": "a = 1\n"})
    repo.write({"a.py": "a = 'temporary index'\n"})
    alt = tmp_path / "alt-index"
    env = dict(repo.env, GIT_INDEX_FILE=str(alt))
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo.path, env=env, check=True)
    subprocess.run(["git", "add", "a.py"], cwd=repo.path, env=env, check=True)
    repo.write({"a.py": "a = 'work tree'\n"})
    assert change.from_staged(cwd=str(repo.path)).files == ()  # the real index has nothing staged
    monkeypatch.setenv("GIT_INDEX_FILE", str(alt))
    f = only(change.from_staged(cwd=str(repo.path)))
    assert f.new_text() == "a = 'temporary index'\n"
    assert [ln.text for ln in f.added()] == ["a = 'temporary index'"]


def test_relative_git_index_file_is_taken_from_the_starting_folder(repo: Repo, monkeypatch: pytest.MonkeyPatch):
    repo.commit({"sub/a.py": "a = 1\n"})
    env = dict(repo.env, GIT_INDEX_FILE=str(repo.path / ".git" / "other-index"))
    subprocess.run(["git", "read-tree", "HEAD"], cwd=repo.path, env=env, check=True)
    repo.write({"sub/a.py": "a = 2\n"})
    subprocess.run(["git", "add", "sub/a.py"], cwd=repo.path, env=env, check=True)
    repo.write({"sub/a.py": "a = 3\n"})
    monkeypatch.chdir(repo.path / "sub")
    monkeypatch.setenv("GIT_INDEX_FILE", "../.git/other-index")  # relative to where we started
    f = only(change.from_staged(cwd=str(repo.path / "sub")))
    assert f.new_text() == "a = 2\n"


def test_pre_commit_hook_with_commit_a_sees_the_temporary_index(repo: Repo, tmp_path: Path):
    """A real hook, run by `git commit -a`: git stages the work tree into
    .git/index.lock and sets GIT_INDEX_FILE; .git/index is still old."""
    repo.commit({"calc.py": "x = 1\n"})
    out = tmp_path / "hook-saw.txt"
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    root = Path(__file__).resolve().parent.parent
    script = ("import sys; from guardrails import change; cs = change.from_staged(); f = cs.files[0]; "
              "open(sys.argv[1], 'w').write(repr((f.path, [l.text for l in f.added()], f.new_text())))")
    hook.write_text(f"#!/bin/sh\nPYTHONPATH='{root}' exec '{sys.executable}' -c \"{script}\" '{out}'\n")
    hook.chmod(0o755)
    repo.write({"calc.py": "x = 2\ny = 3\n"})  # modified, not staged
    repo.git("commit", "-q", "-a", "-m", "commit -a")
    assert out.read_text() == repr(("calc.py", ["x = 2", "y = 3"], "x = 2\ny = 3\n"))


# --------------------------------------------------------------------------
# default


def test_default_without_upstream_is_head_parent(repo: Repo):
    repo.commit({"a.py": "a = 1\n"})
    repo.commit({"a.py": "a = 2\n"})
    cs = change.default(cwd=str(repo.path))
    assert cs.source.startswith("HEAD~1..HEAD") and "no upstream" in cs.source
    assert only(cs).new_text() == "a = 2\n"


def test_default_with_upstream_uses_its_merge_base(repo: Repo):
    repo.commit({"a.py": "a = 1\n", "b.py": "b = 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.git("branch", "--set-upstream-to=main")
    repo.commit({"a.py": "a = 2\n"})
    repo.commit({"c.py": "c = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"b.py": "b = 2\n"})
    repo.git("checkout", "-q", "feature")
    cs = change.default(cwd=str(repo.path))
    fork = repo.git("merge-base", "main", "feature")
    assert sorted(f.path for f in cs.files) == ["a.py", "c.py"]  # both feature commits, not main's
    assert cs.source == f"main...HEAD (upstream branch; merge-base {fork[:12]})"


def test_default_on_root_commit_and_without_commits(repo: Repo):
    with pytest.raises(GuardError, match="no commits yet"):
        change.default(cwd=str(repo.path))
    repo.commit({"a.py": "a = 1\n"})
    cs = change.default(cwd=str(repo.path))
    assert "root commit" in cs.source
    f = only(cs)
    assert f.status == ADDED_FILE and f.new_text() == "a = 1\n"


# --------------------------------------------------------------------------
# --diff


def _write(tmp_path: Path, data: bytes, name: str = "change.patch") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _mixed_change(repo: Repo) -> None:
    repo.commit({"calc.py": CALC_OLD, "old.py": "o = 1\n", "gone.py": "g = 1\ng = 2\n",
                 "eof.txt": "no newline", "win.txt": b"a\r\nb\r\n",
                 "mv/src.py": "".join(f"line {i}\n" for i in range(20))})
    repo.write({"gone.py": None, "mv/src.py": None})
    repo.commit({"calc.py": CALC_NEW, "new file.py": "n = 1\n", "eof.txt": "no newline\nstill none",
                 "win.txt": b"a\r\nB\r\nc\r\n",
                 "mv/dst.py": "".join(f"line {i}\n" for i in range(20)).replace("line 5\n", "line five\n")})


def _check_against_head(repo: Repo, cs: ChangeSet) -> None:
    """Every text must equal what git itself has at main~1 / main."""
    assert {f.path for f in cs.files} == {"calc.py", "new file.py", "eof.txt", "win.txt", "gone.py", "mv/dst.py"}
    for f in cs.files:
        if f.status != DELETED:
            assert enc(f.new_text()) == blob(repo, f"main:{f.path}"), f.path
        if f.old_path is not None:
            assert enc(f.old_text()) == blob(repo, f"main~1:{f.old_path}"), f.path


@pytest.mark.parametrize("abbrev", [True, False], ids=["short-index-ids", "full-index-ids"])
def test_diff_in_repository_with_preimages_is_full(repo: Repo, tmp_path: Path, abbrev: bool):
    _mixed_change(repo)
    raw = git_bytes(repo, "diff", "HEAD~1", "HEAD", *([] if abbrev else ["--full-index"]))
    assert (b"index 0000000.." in raw) == abbrev  # the case under test really is short ids
    repo.git("checkout", "-q", "HEAD~1")  # the patch is "not yet applied"
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(repo.path))
    assert cs.coverage == "full" and cs.mode == "diff"
    _check_against_head(repo, cs)
    by = {f.path: f for f in cs.files}
    assert lines(by["calc.py"]) == lines(change.from_revisions("HEAD", "main", cwd=str(repo.path)).file("calc.py"))
    assert (by["mv/dst.py"].status, by["mv/dst.py"].old_path) == (RENAMED, "mv/src.py")
    assert by["gone.py"].status == DELETED and by["new file.py"].status == ADDED_FILE
    # read_head: changed files as patched, others from the work tree; read_base from HEAD.
    assert cs.read_head("calc.py") == CALC_NEW and cs.read_head("old.py") == "o = 1\n"
    assert cs.read_head("gone.py") is None and cs.read_base("gone.py") == "g = 1\ng = 2\n"
    assert "new file.py" in cs.list_head() and "gone.py" not in cs.list_head()
    assert "mv/src.py" not in cs.list_head() and "mv/dst.py" in cs.list_head()


def test_diff_from_stdin_and_format_patch(repo: Repo, tmp_path: Path):
    _mixed_change(repo)
    mail = git_bytes(repo, "format-patch", "-1", "--stdout", "HEAD")
    assert mail.startswith(b"From ") and b"\n-- \n" in mail
    repo.git("checkout", "-q", "HEAD~1")
    cs = change.from_diff("-", cwd=str(repo.path), stdin=mail)
    assert cs.coverage == "full" and cs.source == "diff from standard input"
    _check_against_head(repo, cs)


def test_diff_outside_a_repository_is_hunks_only(repo: Repo, tmp_path: Path):
    _mixed_change(repo)
    raw = git_bytes(repo, "diff", "HEAD~1", "HEAD")
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(elsewhere))
    assert cs.coverage == "hunks-only" and cs.repo is None
    by = {f.path: f for f in cs.files}
    # What the diff holds whole is still known: an added file's new text, a
    # deleted file's old text.  The rest is not.
    assert by["new file.py"].new_text() == "n = 1\n"
    assert by["gone.py"].old_text() == "g = 1\ng = 2\n"
    assert by["calc.py"].old_text() is None and by["calc.py"].new_text() is None
    assert lines(by["calc.py"])[3] == ("-", "    return a * b", 6, None)
    assert cs.read_head("calc.py") is None and cs.list_head() == tuple(sorted(["new file.py", "calc.py", "eof.txt",
                                                                             "win.txt", "mv/dst.py"]))


def test_diff_in_a_repository_without_the_preimages_is_hunks_only(repo: Repo, tmp_path: Path):
    repo.commit({"calc.py": CALC_OLD})
    raw = (b"diff --git a/calc.py b/calc.py\nindex 1234567..89abcde 100644\n--- a/calc.py\n+++ b/calc.py\n"
           b"@@ -5,2 +5,3 @@ def add(a, b):\n def mul(a, b):\n-    return a * b\n+    # fast path\n"
           b"+    return b * a\n")
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(repo.path))
    assert cs.coverage == "hunks-only"
    f = only(cs)
    assert f.old_text() is None and f.new_text() is None
    assert lines(f) == [(" ", "def mul(a, b):", 5, 5), ("-", "    return a * b", 6, None),
                        ("+", "    # fast path", None, 6), ("+", "    return b * a", None, 7)]
    assert f.hunks[0].section == "def add(a, b):"


def test_plain_unified_diff_without_git_headers(repo: Repo, tmp_path: Path):
    raw = (b"--- calc.py.orig\t2024-05-01 10:00:00.000000000 +0200\n+++ calc.py\t2024-05-01 10:01:00.000000000 +0200\n"
           b"@@ -1,2 +1,2 @@\n-a = 1\n+a = 2\n b = 1\n"
           b"--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-x\n+y\n"
           b"--- /dev/null\n+++ b/added.py\n@@ -0,0 +1 @@\n+new\n"
           b"--- old/name.py\t2024-05-01\n+++ new/other.py\t2024-05-01\n@@ -1 +1 @@\n-o\n+n\n")
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(tmp_path))
    assert (cs.files[3].old_path, cs.files[3].path, cs.files[3].status) == ("old/name.py", "new/other.py", RENAMED)
    cs = cs._replace(files=cs.files[:3])
    assert [(f.old_path, f.path, f.status) for f in cs.files] == [
        ("calc.py", "calc.py", MODIFIED), ("src/x.py", "src/x.py", MODIFIED), (None, "added.py", ADDED_FILE)]
    assert cs.coverage == "hunks-only"
    assert cs.files[2].new_text() == "new\n"


def test_diff_quoted_paths_from_default_git_config(repo: Repo, tmp_path: Path):
    """A patch made with git's defaults (core.quotepath=true) has octal
    escapes for every non-ASCII byte."""
    repo.commit({"seed.txt": "x\n"})
    repo.commit({p: f"# {p}\n" for p in ODD_PATHS})
    raw = git_bytes(repo, "-c", "core.quotepath=true", "diff", "HEAD~1", "HEAD")
    assert b'"b/unicod\\303\\251/\\303\\237.py"' in raw
    repo.git("checkout", "-q", "HEAD~1")
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(repo.path))
    assert sorted(f.path for f in cs.files) == sorted(ODD_PATHS)
    assert all(f.new_text() == f"# {f.path}\n" for f in cs.files)


def test_diff_with_mnemonic_and_no_prefix(repo: Repo, tmp_path: Path):
    repo.commit({"src/a b.py": "a = 1\n"})
    repo.commit({"src/a b.py": "a = 2\n"})
    for config in ("diff.mnemonicPrefix=true", "diff.noprefix=true"):
        raw = git_bytes(repo, "-c", config, "diff", "HEAD~1", "HEAD")
        f = only(change.from_diff(_write(tmp_path, raw), cwd=str(repo.path)))
        assert f.path == "src/a b.py" and f.old_text() == "a = 1\n" and f.new_text() == "a = 2\n", config


def test_diff_no_newline_markers_rebuild_exact_bytes(repo: Repo, tmp_path: Path):
    cases = [("one\ntwo", "one\ntwo\n"), ("one\ntwo\n", "one\ntwo"), ("a", "b"), ("x\ny", "x\ny\nz")]
    for i, (old, new) in enumerate(cases):
        repo.commit({f"f{i}.txt": old})
        repo.commit({f"f{i}.txt": new})
        raw = git_bytes(repo, "diff", "HEAD~1", "HEAD")
        assert b"\\ No newline at end of file" in raw
        f = only(change.from_diff(_write(tmp_path, raw), cwd=str(repo.path)))
        assert (f.old_text(), f.new_text()) == (old, new), (old, new)


def test_diff_crlf_file_and_crlf_transported_patch(repo: Repo, tmp_path: Path):
    repo.commit({"win.txt": b"a\r\nb\r\n", "unix.py": "x = 1\n"})
    repo.commit({"win.txt": b"a\r\nB\r\n", "unix.py": "x = 2\n"})
    raw = git_bytes(repo, "diff", "HEAD~1", "HEAD")
    mangled = raw.replace(b"\n", b"\r\n")  # saved by a Windows editor
    for data in (raw, mangled):
        cs = change.from_diff(_write(tmp_path, data), cwd=str(repo.path))
        by = {f.path: f for f in cs.files}
        assert sorted(by) == ["unix.py", "win.txt"]
        assert [ln.text for ln in by["win.txt"].added()] == ["B"]
        assert by["win.txt"].new_text() == "a\r\nB\r\n" and by["unix.py"].new_text() == "x = 2\n"


def test_diff_not_utf8(repo: Repo, tmp_path: Path):
    repo.commit({"l.py": "s = 'é'\n".encode("latin-1")})
    repo.commit({"l.py": "s = 'è'\n".encode("latin-1")})
    raw = git_bytes(repo, "diff", "HEAD~1", "HEAD")
    f = only(change.from_diff(_write(tmp_path, raw), cwd=str(repo.path)))
    assert enc(f.new_text()) == "s = 'è'\n".encode("latin-1")
    assert enc(next(f.added()).text) == "s = 'è'".encode("latin-1")


def test_diff_binary_mode_and_submodule_entries(repo: Repo, tmp_path: Path):
    repo.commit({"run.sh": "echo\n", "img.bin": b"\0\1"})
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'3' * 40},sub")
    repo.write({"img.bin": b"\0\2"})
    repo.git("add", "img.bin")
    repo.git("commit", "-q", "-m", "mixed")
    for extra in ([], ["--binary"]):
        raw = git_bytes(repo, "diff", *extra, "HEAD~1", "HEAD")
        cs = change.from_diff(_write(tmp_path, raw), cwd=str(repo.path))
        by = {f.path: f for f in cs.files}
        assert by["img.bin"].is_binary and by["img.bin"].new_text() is None
        assert (by["run.sh"].old_mode, by["run.sh"].new_mode) == ("100644", "100755")
        assert by["run.sh"].new_text() == "echo\n"  # mode-only: read from HEAD
        assert by["sub"].is_submodule and by["sub"].status == ADDED_FILE
        assert cs.coverage == "full"


def test_diff_series_touching_one_file_twice_is_merged(repo: Repo, tmp_path: Path):
    body = "".join(f"row {i}\n" for i in range(20))
    repo.commit({"a.py": "a = 1\n", "old/mod.py": body, "tmp.py": "t = 1\n"})
    repo.write({"old/mod.py": None})
    repo.commit({"a.py": "a = 2\n", "new.py": "n = 1\n", "new/mod.py": body, "tmp.py": "t = 2\n"})
    repo.commit({"a.py": "a = 2\nb = 3\n", "new.py": "n = 1\nn = 2\n",
                 "new/mod.py": body.replace("row 15\n", "row fifteen\n"), "tmp.py": None})
    mbox = git_bytes(repo, "format-patch", "--stdout", "HEAD~2..HEAD")
    assert mbox.count(b"diff --git a/a.py b/a.py") == 2
    repo.git("checkout", "-q", "HEAD~2")
    cs = change.from_diff(_write(tmp_path, mbox), cwd=str(repo.path))
    assert cs.coverage == "full"
    by = {f.path: f for f in cs.files}
    assert sorted(by) == ["a.py", "new.py", "new/mod.py", "tmp.py"]  # one entry per file
    # Line numbers are those of the whole series, from the first pre-image to the last result.
    assert lines(by["a.py"]) == [("-", "a = 1", 1, None), ("+", "a = 2", None, 1), ("+", "b = 3", None, 2)]
    assert by["a.py"].old_text() == "a = 1\n" and by["a.py"].new_text() == "a = 2\nb = 3\n"
    assert by["new.py"].status == ADDED_FILE and [ln.new_no for ln in by["new.py"].added()] == [1, 2]
    mod = by["new/mod.py"]
    assert (mod.status, mod.old_path) == (RENAMED, "old/mod.py")
    assert [ln for ln in lines(mod) if ln[0] != " "] == [("-", "row 15", 16, None), ("+", "row fifteen", None, 16)]
    assert (by["tmp.py"].status, lines(by["tmp.py"])) == (DELETED, [("-", "t = 1", 1, None)])
    assert by["tmp.py"].old_text() == "t = 1\n" and by["tmp.py"].new_text() is None


def test_diff_series_added_then_deleted_is_no_change(repo: Repo, tmp_path: Path):
    repo.commit({"keep.py": "k = 1\n"})
    repo.commit({"scratch.py": "s = 1\n"})
    repo.commit({"scratch.py": None})
    mbox = git_bytes(repo, "format-patch", "--stdout", "HEAD~2..HEAD")
    repo.git("checkout", "-q", "HEAD~2")
    assert change.from_diff(_write(tmp_path, mbox), cwd=str(repo.path)).files == ()


def test_diff_texts_numbers_like_git():
    rows = [f"{i}\n" for i in range(1, 21)]
    old = "".join(rows)
    rows[4] = "five\n"
    del rows[17]
    new = "".join(rows)
    hunks = change.diff_texts(old, new)
    assert [h[:4] for h in hunks] == [(2, 7, 2, 7), (15, 6, 15, 5)]
    assert [ln for h in hunks for ln in h.lines if ln.kind != " "] == [
        ("-", "5", 5, None), ("+", "five", None, 5), ("-", "18", 18, None)]
    assert change.diff_texts("", "a\nb\n")[0][:4] == (0, 0, 1, 2)


def test_diff_that_does_not_apply(repo: Repo, tmp_path: Path):
    repo.commit({"a.py": "a = 1\nb = 1\n"})
    real_blob = repo.git("rev-parse", "HEAD:a.py")
    raw = (f"diff --git a/a.py b/a.py\nindex {real_blob}..1111111 100644\n--- a/a.py\n+++ b/a.py\n"
           "@@ -1,2 +1,2 @@\n a = 1\n-b = 999\n+b = 2\n").encode()
    f = only(change.from_diff(_write(tmp_path, raw), cwd=str(repo.path)))
    with pytest.raises(GuardError, match=r"does not apply to a.py: line 2"):
        f.new_text()


def test_empty_diff_is_an_empty_change(tmp_path: Path):
    for data in (b"", b"\n\n", b"From 0123 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH] empty\n\n"):
        cs = change.from_diff(_write(tmp_path, data), cwd=str(tmp_path))
        assert cs.files == () and cs.coverage == "full"


@pytest.mark.parametrize("data, needle", [
    (b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n", "line 7"),  # hunk too short
    (b"diff --git a/x b/x\nindex 1111111..2222222 100644\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
     "line 1: the ---/+++ names"),
    (b"--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n*b\n+c\n", "line 5"),  # not a diff line
    (b"@@ -1 +1 @@\n-a\n+b\n", "line 1"),  # hunk without a file
    (b"hello, this is not a diff\n", "no file header"),
    (b"From x\n\ndiff --cc a.py\nindex 1,2..3\n--- a/a.py\n+++ b/a.py\n@@@ -1,1 -1,1 +1,1 @@@\n", "line 3: a combined"),
])
def test_malformed_diffs_name_the_file_and_line(tmp_path: Path, data: bytes, needle: str):
    path = _write(tmp_path, data, "bad.patch")
    with pytest.raises(GuardError) as exc:
        change.from_diff(path, cwd=str(tmp_path))
    msg = str(exc.value)
    assert "bad.patch" in msg and needle in msg and "\n" not in msg, msg


def test_unreadable_diff_file(tmp_path: Path):
    with pytest.raises(GuardError, match="cannot read --diff"):
        change.from_diff(str(tmp_path / "missing.patch"), cwd=str(tmp_path))


def test_diff_paths_cannot_read_outside_the_repository(repo: Repo, tmp_path: Path):
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    repo.commit({"a.py": "a = 1\n"})
    (repo.path / "link").symlink_to(tmp_path / "secret.txt")
    raw = b"--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+n = 1\n"
    cs = change.from_diff(_write(tmp_path, raw), cwd=str(repo.path))
    assert cs.read_head("../secret.txt") is None
    assert cs.read_head("link") is None
    assert cs.read_head("a.py") == "a = 1\n"


# --------------------------------------------------------------------------
# Units


@pytest.mark.parametrize("quoted, plain", [
    ('"a/caf\\303\\251.py"', "a/café.py"),
    ('"a/tab\\there"', "a/tab\there"),
    ('"a/q\\"uote\\\\"', 'a/q"uote\\'),
    ('"a/\\377bad"', "a/\udcffbad"),
    ("a/plain name", "a/plain name"),
])
def test_unquote_path(quoted: str, plain: str):
    assert change.unquote_path(quoted) == plain


def test_apply_hunks_keeps_mixed_line_endings():
    text = (b"diff --git a/m b/m\nindex 1111111..2222222 100644\n--- a/m\n+++ b/m\n"
            b"@@ -1,3 +1,3 @@\n a\r\n-b\n+B\r\n c\n").decode()
    p = change.parse_diff(text)[0]
    assert change.apply_hunks("a\r\nb\nc\nd\n", p) == "a\r\nB\r\nc\nd\n"


def test_lines_with_other_unicode_line_breaks_are_not_split():
    # str.splitlines() would split at \x0c, \x1c, \u2028 and \x85.
    text = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\x0cb\n+a\u2028b\x85c\x1cd\n"
    f = change.parse_diff(text)[0]
    assert [ln.text for ln in f.hunks[0].lines] == ["a\x0cb", "a\u2028b\x85c\x1cd"]


def test_gitattributes_cannot_hide_text_changes_as_binary(repo: Repo):
    """The change itself can add `*.py binary` (or `-diff`) to
    .gitattributes, which makes git print "Binary files differ" for every
    Python file; the line checks would see nothing."""
    repo.commit({"app.py": "a = 1\n", "logo.png": b"\x89PNG\0\0\1"})
    repo.commit({".gitattributes": "*.py binary\n*.txt -diff\n*.png binary\n",
                 "app.py": "a = 1\nimport os  # noqa\n", "notes.txt": "hidden?\n", "logo.png": b"\x89PNG\0\0\2"})
    by = {f.path: f for f in change.from_revisions("HEAD~1", cwd=str(repo.path)).files}
    assert not by["app.py"].is_binary
    assert [(ln.text, ln.new_no) for ln in by["app.py"].added()] == [("import os  # noqa", 2)]
    assert [ln.text for ln in by["notes.txt"].added()] == ["hidden?"]
    assert by["logo.png"].is_binary and by["logo.png"].hunks == ()  # really binary: stays binary
    repo.write({"app.py": "a = 1\nimport os  # noqa\nimport sys  # noqa\n"})
    repo.git("add", "app.py")
    staged = change.from_staged(cwd=str(repo.path))
    assert [ln.text for ln in only(staged).added()] == ["import sys  # noqa"]


def test_staged_during_a_merge_conflict_checks_the_rest(repo: Repo):
    repo.commit({"x.py": "x = 0\n", "k.py": "k = 0\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit({"x.py": "x = 'topic'\n"})
    repo.git("checkout", "-q", "main")
    repo.commit({"x.py": "x = 'main'\n"})
    proc = subprocess.run(["git", "merge", "-q", "topic"], cwd=repo.path, env=repo.env, capture_output=True)
    assert proc.returncode != 0  # a real conflict
    repo.write({"k.py": "k = 1\n"})
    repo.git("add", "k.py")  # not `add -A`: that would mark x.py resolved
    cs = change.from_staged(cwd=str(repo.path))
    assert [f.path for f in cs.files] == ["k.py"]
    assert "unmerged, not checked: x.py" in cs.source


def test_lookalike_hunk_header_in_the_header_area():
    text = ("diff --git a/x b/x\nindex 1111111..2222222 100644\n@@ -not a hunk header\n--- a/x\n+++ b/x\n"
            "@@ -1,2 +1,2 @@\n keep\n-old\n+new\n")
    f = change.parse_diff(text)[0]
    assert [tuple(ln) for ln in f.hunks[0].lines] == [(" ", "keep", 1, 1), ("-", "old", 2, None), ("+", "new", None, 2)]


def test_mutated_diffs_give_a_change_or_a_guard_error_never_a_crash(repo: Repo, tmp_path: Path):
    """Truncated, shuffled, duplicated and garbled diffs: every one either
    parses (and its texts load) or raises GuardError, nothing else."""
    import random

    _mixed_change(repo)
    lines_ = git_bytes(repo, "diff", "HEAD~1", "HEAD").decode().splitlines(keepends=True)
    rng = random.Random(1234)
    garbage = ["@@ -1,2 +1,2 @@\n", "@@ -0,0 +0,0 @@\n", "+++ b/x\n", "--- a/x\n", "diff --git a/q b/q\n",
               "\\ No newline at end of file\n", "rename from zz\n", "index zzz..yyy\n",
               "Binary files a and b differ\n",
               "\n", "*\n", "GIT binary patch\n", 'diff --git "a/unterminated b/x\n', "new file mode 100644\n"]
    repo.git("checkout", "-q", "HEAD~1")
    outcomes = {"ok": 0, "error": 0}
    for round_ in range(400):
        mutated = list(lines_)
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(("cut", "drop", "dup", "swap", "insert", "renumber"))
            i = rng.randrange(len(mutated)) if mutated else 0
            if op == "cut":
                mutated = mutated[:i]
            elif op == "drop" and mutated:
                del mutated[i]
            elif op == "dup" and mutated:
                mutated.insert(i, mutated[i])
            elif op == "swap" and len(mutated) > 1:
                j = rng.randrange(len(mutated))
                mutated[i], mutated[j] = mutated[j], mutated[i]
            elif op == "insert":
                mutated.insert(i, rng.choice(garbage))
            elif op == "renumber":
                mutated.insert(i, f"@@ -{rng.randint(0, 40)},{rng.randint(0, 5)} +{rng.randint(0, 40)},"
                                  f"{rng.randint(0, 5)} @@\n")
        data = "".join(mutated).encode()
        try:
            if round_ % 10 == 0:  # through git too, now and then (slower)
                cs = change.from_diff("-", cwd=str(repo.path), stdin=data)
            else:
                cs = change.from_diff("-", cwd=str(tmp_path), stdin=data)
            for f in cs.files:
                f.old_text(), f.new_text()
            outcomes["ok"] += 1
        except GuardError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
    assert outcomes["ok"] > 20 and outcomes["error"] > 20, outcomes


def test_diff_of_uncommitted_work_piped_in(repo: Repo, tmp_path: Path):
    """`git diff | guardrails check --diff -`: pre-images are in the index,
    post-images exist only in the work tree (and in the patch)."""
    repo.commit({"app.py": CALC_OLD})
    repo.write({"app.py": CALC_NEW, "notes.md": "untracked\n"})
    raw = git_bytes(repo, "diff")
    (repo.path / "app.py").write_text(CALC_OLD)  # even if the work tree moves on again
    cs = change.from_diff("-", cwd=str(repo.path / "."), stdin=raw)
    f = only(cs)
    assert cs.coverage == "full" and f.old_text() == CALC_OLD and f.new_text() == CALC_NEW
    assert cs.read_head("app.py") == CALC_NEW and cs.read_head("notes.md") == "untracked\n"


def test_read_many_for_every_source(repo: Repo, tmp_path: Path):
    repo.commit({"a.py": "a = 1\n", "lib/b.py": "b = 1\n", "gone.py": "g\n"})
    repo.commit({"a.py": "a = 2\n", "gone.py": None, "new.py": "n\n"})
    wanted = ["a.py", "lib/b.py", "gone.py", "new.py", "missing.py"]
    cs = change.from_revisions("HEAD~1", cwd=str(repo.path))
    assert change.read_many(cs, wanted) == {"a.py": "a = 2\n", "lib/b.py": "b = 1\n", "gone.py": None,
                                            "new.py": "n\n", "missing.py": None}
    assert change.read_many(cs, wanted, side="old") == {"a.py": "a = 1\n", "lib/b.py": "b = 1\n", "gone.py": "g\n",
                                                        "new.py": None, "missing.py": None}
    assert all(change.read_many(cs, wanted)[p] == cs.read_head(p) for p in wanted)
    repo.stage({"lib/b.py": "b = 'staged'\n"})
    repo.write({"lib/b.py": "b = 'work tree'\n"})
    staged = change.from_staged(cwd=str(repo.path))
    assert change.read_many(staged, ["lib/b.py", "a.py"]) == {"lib/b.py": "b = 'staged'\n", "a.py": "a = 2\n"}
    patch = tmp_path / "p.diff"
    patch.write_bytes(git_bytes(repo, "diff", "HEAD"))
    diff_cs = change.from_diff(str(patch), cwd=str(repo.path))
    assert change.read_many(diff_cs, ["lib/b.py", "a.py"]) == {"lib/b.py": "b = 'work tree'\n", "a.py": "a = 2\n"}


def test_linked_worktree(repo: Repo, tmp_path: Path):
    """`git worktree add`: .git is a file pointing into the main repository."""
    repo.commit({"a.py": "a = 1\n"})
    wt = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "side", str(wt))
    (wt / "a.py").write_text("a = 2\n")
    subprocess.run(["git", "add", "a.py"], cwd=wt, env=repo.env, check=True)
    f = only(change.from_staged(cwd=str(wt)))
    assert f.new_text() == "a = 2\n" and f.old_text() == "a = 1\n"
    subprocess.run(["git", "commit", "-q", "-m", "side"], cwd=wt, env=repo.env, check=True)
    cs = change.from_revisions("main", cwd=str(wt))
    assert cs.repo == str(wt) and only(cs).new_text() == "a = 2\n"


def test_diff_no_index_of_two_loose_files(tmp_path: Path):
    (tmp_path / "before.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "after.py").write_text("x = 1\ny = 3\n")
    proc = subprocess.run(["git", "diff", "--no-index", "before.py", "after.py"], cwd=tmp_path,
                          stdout=subprocess.PIPE)
    assert proc.returncode == 1 and proc.stdout.startswith(b"diff --git a/before.py b/after.py")
    f = only(change.from_diff("-", cwd=str(tmp_path), stdin=proc.stdout))
    assert (f.old_path, f.path, f.status) == ("before.py", "after.py", RENAMED)
    assert lines(f)[-2:] == [("-", "y = 2", 2, None), ("+", "y = 3", None, 2)]


def test_error_naming_a_path_with_a_newline_stays_one_line(repo: Repo, tmp_path: Path):
    name = "evil\nname.py"
    repo.commit({name: "a = 1\nb = 1\n"})
    blob_id = repo.git("rev-parse", f"HEAD:{name}")
    raw = (f'diff --git "a/evil\\nname.py" "b/evil\\nname.py"\nindex {blob_id}..1111111 100644\n'
           '--- "a/evil\\nname.py"\n+++ "b/evil\\nname.py"\n@@ -1,2 +1,2 @@\n a = 1\n-b = 7\n+b = 2\n').encode()
    f = only(change.from_diff("-", cwd=str(repo.path), stdin=raw))
    assert f.path == name
    with pytest.raises(GuardError) as exc:
        f.new_text()
    assert "\n" not in str(exc.value) and "evil\\nname.py" in str(exc.value)
