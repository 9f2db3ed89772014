"""Python files known only by their diff's hunks (hunks-only coverage: a
diff judged outside the repository it applies to).

Each side of each hunk is parsed on its own, at its real line numbers, with
the blocks that enclose it rebuilt as "wrapper" lines in the gap above it:
the hunk's section header (``@@ ... @@ def test_x(self):``) when it names
the enclosing function or class, else a placeholder. Old and new sides get
the same wrappers, so the comparisons of the whole-file checks (tests old
against new, branches, skips, tampering) run on the hunks unchanged. The
parts of one function that several hunks show are merged back into one
function. Lines that would not parse (a hunk starting inside a bracket or a
string) are trimmed from the hunk's edges, never from its changed lines
when it can be helped.

Findings from such files say so (``details["hunks_only"]``), and those the
missing context could overturn are escalated instead of blocking.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from guardrails.model import ADDED, CONTEXT, REMOVED, FileChange, Finding

# A function the diff does not name (its def line is outside the hunk).
PLACEHOLDER = "test_around_line_{}"
_PLACEHOLDER_RE = re.compile(r"test_around_line_(\d+)")
_PLACEHOLDER_CLASS = "TestAroundLine{}"
# How many edge lines may be trimmed before a hunk side is given up.
MAX_TRIM = 8

_DEF = re.compile(r"(?:async\s+)?def\s+(\w+)\s*\(")
_CLASS = re.compile(r"class\s+(\w+)")
_SELF = re.compile(r"(?:async\s+)?def\s+\w+\s*\(\s*(?:self|cls)\b")
_MEMBER = re.compile(r"\s*(?:@|def\s|async\s+def\s|class\s)")

# Rules whose finding the unseen part of the file can overturn: a helper
# that still asserts, a test elsewhere that ties or unties a literal.
_ESCALATE_HOWS: Set[str] = set()


class Side(NamedTuple):
    text: str  # the side's lines at their real numbers, blank elsewhere
    tree: Optional[ast.Module]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _code(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _header(section: str) -> Tuple[str, str, str]:
    """(kind, name, header line) of a hunk's section text: kind "def",
    "class" or ""."""
    s = section.strip()
    m = _DEF.match(s)
    if m:
        head = s if s.rstrip().endswith(":") else ""
        if head:
            # some invalid headers (`pip install ` 1,667 times) exhaust the
            # parser: MemoryError, not SyntaxError
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(head + "\n pass")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                head = ""
        if not head:  # a signature cut short or spread over lines
            head = f"def {m.group(1)}(self, *args, **kwargs):" if _SELF.match(s) else \
                f"def {m.group(1)}(*args, **kwargs):"
        return "def", m.group(1), head
    m = _CLASS.match(s)
    if m:
        head = s if s.rstrip().endswith(":") else f"class {m.group(1)}:"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(head + "\n pass")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            head = f"class {m.group(1)}:"
        return "class", m.group(1), head
    return "", "", ""


def _wrapper(section: str, lines: List[str], tag: int) -> List[str]:
    """Header lines that make LINES (one side of a hunk) parse where they
    stand: one line per indentation level above the first code line."""
    code = [ln for ln in lines if _code(ln)]
    if not code:
        return []
    first = _indent(code[0])
    if first == 0:
        return []
    levels = sorted({0} | {_indent(ln) for ln in code[1:] if _indent(ln) < first})
    member = bool(_MEMBER.match(code[0]))  # the first line is itself a def, a class or a decorator
    kind, _name, head = _header(section)
    placeholder = f"def {PLACEHOLDER.format(tag)}(self, *args, **kwargs):"
    cls_placeholder = f"class {_PLACEHOLDER_CLASS.format(tag)}:"
    mid = (levels[-1] + first) // 2
    heads: Dict[int, str] = {}

    def inner(text: str) -> None:
        # the block right around the first line: the next level, or one
        # made up between the last level and the first line
        if len(levels) > 1:
            heads[levels[1]] = text
        elif not member and mid > levels[0]:
            levels.append(mid)
            heads[mid] = text

    if kind == "class":
        heads[levels[0]] = head
        inner(placeholder)
    elif kind == "def" and _SELF.match(head):
        heads[levels[0]] = cls_placeholder
        inner(head)
    elif kind == "def":
        heads[levels[0]] = head
    elif member and _SELF.match(code[0].strip()):
        heads[levels[0]] = cls_placeholder
    else:
        heads[levels[0]] = placeholder.replace("self, ", "")
    return [" " * lv + heads.get(lv, "if True:") for lv in levels]


def _parse(text: str) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _parse_hunk(section: str, start: int, lines: List[str], changed: List[bool], tag: int) -> Optional[ast.Module]:
    """Parse one side of a hunk (LINES from line START), trimming edge lines
    that do not parse; context lines go first."""
    n = len(lines)
    # Trims that keep every changed line come first, shortest first.
    first_changed = next((i for i, c in enumerate(changed) if c), n)
    last_changed = max((i for i, c in enumerate(changed) if c), default=-1)
    attempts: List[Tuple[int, int, int, int]] = []
    # A long hunk that does not parse is broken, not cut: few attempts.
    limit = MAX_TRIM if n <= 400 else 1
    for total in range(0, 2 * limit + 1):
        for front in range(0, min(total, limit) + 1):
            back = total - front
            if back > limit or front + back >= n:
                continue
            keeps = front <= first_changed and n - back > last_changed
            attempts.append((0 if keeps else 1, total, front, back))
    attempts.sort()
    for _keeps, _total, front, back in attempts:
        part = lines[front:n - back]
        wrap = _wrapper(section, part, tag)
        top = start + front  # the real number of part[0]
        if len(wrap) < top:
            text = "\n" * (top - 1 - len(wrap)) + "\n".join(wrap + part) + "\n"
            tree = _parse(text)
        else:
            tree = _parse("\n".join(wrap + part) + "\n")
            if tree is not None:
                ast.increment_lineno(tree, top - 1 - len(wrap))
        if tree is not None:
            return tree
    return None


def _merge(body: List[ast.stmt], new: List[ast.stmt]) -> None:
    """Add NEW to BODY, joining a function or class that BODY already holds
    under the same name (one function seen through two hunks)."""
    for node in new:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            # A function or class of the same kind and name (typed Any: ast.stmt
            # does not know that these three have body and decorators).
            same: Any = next((b for b in reversed(body) if type(b) is type(node) and b.name == node.name), None)
            if same is not None:
                if isinstance(node, ast.ClassDef):
                    _merge(same.body, node.body)
                else:
                    same.body.extend(node.body)
                    same.decorator_list.extend(d for d in node.decorator_list
                                               if d.lineno > 0)
                same.end_lineno = max(same.end_lineno or 0, node.end_lineno or 0)
                continue
        if getattr(node, "lineno", 1) <= 0 and isinstance(node, ast.If):
            _merge(body, node.body)  # an `if True:` wrapper above the file's first line
            continue
        body.append(node)


def sides(fc: FileChange) -> Tuple[Optional[Side], Optional[Side]]:
    """The old and new sides of FC as far as its hunks show them."""
    out: List[Optional[Side]] = []
    for side in ("old", "new"):
        if (side == "old" and fc.status == "added") or (side == "new" and fc.status == "deleted"):
            out.append(None)
            continue
        keep = REMOVED if side == "old" else ADDED
        numbered: Dict[int, str] = {}
        body: List[ast.stmt] = []
        for h in fc.hunks:
            rows = [ln for ln in h.lines if ln.kind in (CONTEXT, keep)]
            if not rows:
                continue
            nums = [(ln.old_no if side == "old" else ln.new_no) or 0 for ln in rows]
            for no, ln in zip(nums, rows):
                numbered[no] = ln.text
            tree = _parse_hunk(h.section, nums[0], [ln.text for ln in rows],
                               [ln.kind == keep for ln in rows], h.new_start)
            if tree is not None:
                _merge(body, tree.body)
        last = max(numbered) if numbered else 0
        text = "\n".join(numbered.get(i, "") for i in range(1, last + 1)) + ("\n" if last else "")
        out.append(Side(text, ast.Module(body=body, type_ignores=[]) if body or not numbered else None))
    return out[0], out[1]


def mark(findings: List[Finding]) -> List[Finding]:
    """Say that only the hunks were seen, and escalate what the unseen part
    of the file could overturn."""
    out = []
    for f in findings:
        det = dict(f.details)
        det["hunks_only"] = True
        severity = f.severity
        unnamed = bool(_PLACEHOLDER_RE.search(f.message))
        if severity == "block" and (unnamed or det.get("how") in _ESCALATE_HOWS):
            severity = "escalate"
        msg = _PLACEHOLDER_RE.sub(lambda m: f"<the function around line {m.group(1)}>", f.message)
        msg = re.sub(r"TestAroundLine(\d+)::", "", msg)
        out.append(f._replace(message=msg + " (judged from the diff's hunks alone)", severity=severity,
                              details=det))
    return out
