"""A change that rewrites existing test code and touches no code under test.

An agent asked to make failing tests pass can do it from the tests' side
alone: the fixture the test builds (a model, an override, a class whose
``__repr__`` should raise) rewritten so there is nothing left to fail, the
test's setup wrapped in a retry or a transaction, the test settings
loosened. None of it needs a removed assertion, so the assertion-level
comparisons see nothing. What they share is visible from the file list and
the hunks alone: existing lines of test code were removed or rewritten, and
no existing file outside the tests changed.

What does not count: blank lines, comments and imports; assertions and the
``def``/``class`` lines of tests (the assertion-level checks judge those:
moved, renamed, refactored into a helper, duplicate removed); and removed
lines that reappear among the change's added lines (a move or a
reformatting) unless they reappear nested deeper under a new ``with``,
``try``, ``while`` or ``for`` block. The finding is escalated (a test-only
fix of a wrong test looks the same), never blocked, and only when no other
test-stub finding already speaks for the change.
"""
from __future__ import annotations

import ast
import posixpath
import re
from typing import Any, Dict, List, Set

from guardrails.checks import finding
from guardrails.checks.test_stub import python_ast as pa
from guardrails.checks.test_stub import python_tests as pt
from guardrails.checks.test_stub.testfiles import is_test_file
from guardrails.model import ADDED_FILE, ChangeSet, Finding, Line

RULE = "test-stub/test-only-rewrite"

# Files whose change is not a change of the code under test.
_NOT_CODE_EXT = {".md", ".rst", ".txt", ".adoc"}
_NOT_CODE_NAME = re.compile(r"^(?:changes|changelog|news|authors|history|readme|license|contributors)\b", re.I)
# A removed line that is not code of the test: blank, a comment, an import.
_NOT_TEST_CODE = re.compile(r"^\s*(?:#|$|import\s|from\s+[\w.]+\s+import\s)")
_NEW_BLOCK = re.compile(r"^\s*(?:with|try|while|for)\b.*:\s*(?:#.*)?$")


def _is_doc(path: str) -> bool:
    base = posixpath.basename(path)
    return posixpath.splitext(base)[1].lower() in _NOT_CODE_EXT or bool(_NOT_CODE_NAME.match(base)) or \
        path.startswith(("docs/", "doc/"))


def _squeeze(text: str) -> str:
    """A line without its whitespace and with one quote style: equal after a
    reformatting."""
    return "".join(text.split()).replace("'", '"')


def _judged_elsewhere(pf: Any) -> Set[int]:
    """Old line numbers of the assertions and of the def/class lines of a
    test file: the assertion-level comparisons judge those."""
    out: Set[int] = set()
    tree = pf.old_tree
    if tree is None:
        return out
    for fn in pa.functions(tree).values():
        out.update(pa.node_lines(fn.node)[:1])
        out.update(d.lineno for d in fn.node.decorator_list)
        for a in pt.assertions(fn.node, pf.old_lines):
            out.update(pa.node_lines(a.node))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            out.add(node.lineno)
    return out


def check(change: ChangeSet, already: List[Finding], files: List[Any]) -> List[Finding]:
    """ALREADY: the test-stub findings of this change so far; FILES: its
    parsed Python files (python.PyFile)."""
    if any(f.severity in ("block", "escalate") for f in already):
        return []
    for fc in change.files:
        if fc.is_binary or fc.is_submodule:
            continue
        test = is_test_file(fc.path, change) or is_test_file(fc.old_path or fc.path, change)
        if not test and fc.status != ADDED_FILE and not _is_doc(fc.path):
            return []  # the change edits code outside the tests
    # every added line, and runs of up to 6 consecutive added lines joined
    # (a statement re-wrapped over lines), squeezed
    added_all: Set[str] = set()
    for fc in change.files:
        run = [_squeeze(ln.text) for ln in fc.added()]
        for i in range(len(run)):
            for j in range(i + 1, min(i + 6, len(run)) + 1):
                added_all.add("".join(run[i:j]))
    rewritten = []  # (path, rewritten lines, added lines)
    for pf in files:
        fc = pf.fc
        if not pf.is_test or fc.status == ADDED_FILE or not fc.path.endswith(".py"):
            continue
        skip = _judged_elsewhere(pf)
        added = [ln for ln in fc.added() if ln.new_no and ln.text.strip()]
        nests = any(_NEW_BLOCK.match(ln.text) for ln in added)
        deeper: Dict[str, int] = {}
        for ln in added:
            key = _squeeze(ln.text)
            deeper[key] = max(deeper.get(key, 0), len(ln.text) - len(ln.text.lstrip()))
        code: List[Line] = []
        for ln in fc.removed():
            if _NOT_TEST_CODE.match(ln.text) or (ln.old_no in skip):
                continue
            key = _squeeze(ln.text)
            if key in added_all:
                indent = len(ln.text) - len(ln.text.lstrip())
                if not (nests and deeper.get(key, -1) > indent):
                    continue  # moved or reformatted, not nested under a new block
            code.append(ln)
        if code:
            rewritten.append((fc.path, code, added))
    if not rewritten:
        return []
    path, code, added = rewritten[0]
    total = sum(len(c) for _p, c, _a in rewritten)
    files_text = ", ".join(p for p, _c, _a in rewritten[:4]) + (" ..." if len(rewritten) > 4 else "")
    first = added[0] if added else code[0]
    line, side = (first.new_no or 0, "new") if added else (first.old_no or 0, "old")
    return [finding(
        RULE, path, line,
        f"the change rewrites existing test code ({total} line(s) removed or rewritten in {files_text}) "
        "and changes no code outside the tests: the tests may have been made to pass from their own side",
        first.text, side=side,
        details={"files": [p for p, _c, _a in rewritten], "removed_lines": total,
                 "first_removed": code[0].text.strip()[:200]})]
