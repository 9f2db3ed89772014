"""Look-alike package names: a new name that is one or two edits away from a
popular package, or the same name dressed differently (``python-`` / ``-py``
/ ``js`` / ``node-`` affixes, separators, a plural ``s``, digits for letters).

The popular lists (``guardrails/data/popular-<ecosystem>.txt``) hold ~15,000
names each, most downloaded first.  Matching runs only on the handful of
names a change adds, through two indexes built once per process:

* a bigram inverted index (``count filter``): a name within edit distance k
  of a query of length L shares at least ``L - 1 - 3k`` of its bigrams, so
  only the few names passing that count are compared exactly;
* a skeleton map: the name with affixes, separators, a trailing plural and
  look-alike digits removed -> popular names with that skeleton.

Each match says what kind of difference it is (``kind``): a true typo
(letters added, dropped, swapped or replaced), or only a plural ``s`` /
only separators.  Measured on the PyPI and npm name lists, plural- and
separator-only matches are mostly legitimate neighbours (``emojis`` next to
``emoji``, ``holidays`` / ``holiday``) unless the target is among the most
downloaded packages, where the known typosquats sit (``typing-extension``,
``huggingface-hubs``, ``torchvisions``): such a match of a target ranked
below ``WEAK_TARGETS`` is ``weak`` evidence (see ``LookAlike.weak``).
"""
from __future__ import annotations

import functools
import os
import re
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Tuple

from guardrails.checks.dependency.model import NPM, PYPI

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data")
FILES = {PYPI: "popular-pypi.txt", NPM: "popular-npm.txt"}

# Only the most popular names are worth imitating; a name two edits from the
# 14,000th package is more often a legitimate neighbour than a trap.
EDIT_TARGETS = 5000
PATTERN_TARGETS = 10000
MIN_LEN = 5  # shorter names collide with everything
SHORT = 7  # names shorter than this are compared with the top SHORT_TARGETS only
SHORT_TARGETS = 2000
MIN_SKELETON = 5
# A plural- or separator-only look-alike of a target ranked after this is weak evidence.
WEAK_TARGETS = 1000
TYPO, PLURAL, SEPARATOR, AFFIX, DIGIT = "typo", "plural", "separator", "affix", "digit"


def normalise(ecosystem: str, name: str) -> str:
    if ecosystem == PYPI:
        return re.sub(r"[-_.]+", "-", name).lower()
    return name.strip().lower()


@functools.lru_cache(maxsize=None)
def popular(ecosystem: str) -> Tuple[str, ...]:
    """The ecosystem's popular names, most downloaded first (() when none shipped)."""
    fname = FILES.get(ecosystem)
    if not fname:
        return ()
    try:
        with open(os.path.join(DATA, fname), encoding="utf-8") as f:
            return tuple(ln.strip() for ln in f if ln.strip() and not ln.startswith("#"))
    except OSError:
        return ()


@functools.lru_cache(maxsize=None)
def rank(ecosystem: str) -> Dict[str, int]:
    return {name: i + 1 for i, name in enumerate(popular(ecosystem))}


def is_popular(ecosystem: str, name: str) -> bool:
    return normalise(ecosystem, name) in rank(ecosystem)


def distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or ``limit + 1``
    as soon as it is known to exceed LIMIT."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: List[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = i
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def allowed_distance(name: str) -> int:
    """1 for short names, 2 for long ones (the scope is not counted)."""
    bare = name.rsplit("/", 1)[-1]
    if len(bare) < MIN_LEN:
        return 0
    return 1 if len(bare) < 10 else 2


_PREFIXES = ("python-", "python", "py-", "node-", "js-", "py")
_SUFFIXES = ("-python", "python", "-py", "-js", ".js", "js", "-node", "node")
_DIGITS = str.maketrans({"0": "o", "1": "l", "3": "e", "5": "s", "4": "a"})


def skeleton(name: str) -> str:
    """The name without the dressing that typosquats vary: scope kept."""
    scope, _, bare = name.rpartition("/")
    s = bare.lower()
    for _ in range(2):
        for p in _PREFIXES:
            if s.startswith(p) and len(s) - len(p) >= 3:
                s = s[len(p):]
                break
        for x in _SUFFIXES:
            if s.endswith(x) and len(s) - len(x) >= 3:
                s = s[: -len(x)]
                break
    s = re.sub(r"[-_.]+", "", s).translate(_DIGITS)
    if s.endswith("s") and len(s) > 4:
        s = s[:-1]
    return (scope + "/" if scope else "") + s


class _Index:
    def __init__(self, names: Tuple[str, ...]):
        self.names = names
        # (bigram, length) -> ids: a query of length L only meets names of length L +- k.
        self.bigrams: Dict[Tuple[str, int], List[int]] = defaultdict(list)
        for i, name in enumerate(names[:EDIT_TARGETS]):
            if len(name) >= MIN_LEN:
                for g in set(_grams(name)):
                    self.bigrams[(g, len(name))].append(i)
        # One-deletion neighbourhood (names shorter than 10 are matched within one edit):
        # a and b are one edit apart only if they share a key of {x} + {x minus one letter}.
        self.deletes: Dict[str, List[int]] = defaultdict(list)
        for i, name in enumerate(names[:EDIT_TARGETS]):
            if MIN_LEN - 1 <= len(name) <= 11:
                for key in _deletes(name):
                    self.deletes[key].append(i)
        self.skeletons: Dict[str, List[str]] = defaultdict(list)
        for name in names[:PATTERN_TARGETS]:
            self.skeletons[skeleton(name)].append(name)


def _deletes(s: str) -> set:
    return {s} | {s[:i] + s[i + 1:] for i in range(len(s))}


def _grams(s: str) -> List[str]:
    s = f"^{s}$"
    return [s[i:i + 2] for i in range(len(s) - 1)]


@functools.lru_cache(maxsize=None)
def _index(ecosystem: str) -> _Index:
    return _Index(popular(ecosystem))


class LookAlike(NamedTuple):
    name: str  # the new name
    target: str  # the popular name it resembles
    how: str  # "edit distance 1", "prefix/suffix/separator variant", ...
    target_rank: int
    kind: str = TYPO  # TYPO, PLURAL, SEPARATOR, AFFIX or DIGIT (see kind_of)

    @property
    def weak(self) -> bool:
        """Only a plural or only separators differ, from a package outside the
        top WEAK_TARGETS: more often a legitimate neighbour than a trap."""
        return self.kind in (PLURAL, SEPARATOR) and self.target_rank > WEAK_TARGETS


_SEPS = re.compile(r"[-_.]")


def _plural(x: str, y: str) -> bool:
    """One of X / Y is the other with a plural s or es ("requestss" doubles an s: not a plural)."""
    short, long_ = (x, y) if len(x) < len(y) else (y, x)
    return bool(short) and (long_ == short + "es" or long_ == short + "s" and not short.endswith("s"))


def kind_of(name: str, target: str) -> str:
    """What separates NAME from TARGET (both normalised): PLURAL when one
    word (or the whole name) only gains or loses a plural s/es, SEPARATOR when
    only -, _ and . differ, DIGIT for digits standing for letters, AFFIX for
    python-/py/-js/node- dressing, TYPO for anything else (letters added,
    dropped, swapped or replaced)."""
    if _scope(name) != _scope(target):
        return TYPO
    a, b = name.rsplit("/", 1)[-1], target.rsplit("/", 1)[-1]
    ja, jb = _SEPS.sub("", a), _SEPS.sub("", b)
    if ja == jb:
        return SEPARATOR
    wa, wb = _SEPS.split(a), _SEPS.split(b)
    if len(wa) == len(wb):
        diff = [(x, y) for x, y in zip(wa, wb) if x != y]
        if len(diff) == 1 and _plural(*diff[0]):
            return PLURAL
    if _plural(ja, jb):
        return PLURAL
    if ja.translate(_DIGITS) == jb.translate(_DIGITS):
        return DIGIT
    if skeleton(a) == skeleton(b):
        return AFFIX
    return TYPO


_HOW = {PLURAL: "plural/singular variant", SEPARATOR: "separator variant"}


def lookalike(ecosystem: str, name: str) -> Optional[LookAlike]:
    """The popular package NAME imitates, None when it imitates none (or is popular itself).
    A true typo of any popular name wins over a weak (plural- or separator-only)
    match; among equals, the most popular target."""
    name = normalise(ecosystem, name)
    ranks = rank(ecosystem)
    if not ranks or name in ranks:
        return None
    idx = _index(ecosystem)
    k = allowed_distance(name)
    found: List[Tuple[int, str, str]] = []  # (rank, target, how)
    if k == 1:
        ids = {i for key in _deletes(name) for i in idx.deletes.get(key, ())}
        for i in sorted(ids):
            target = idx.names[i]
            if target == name or (len(name) < SHORT and i >= SHORT_TARGETS):
                continue
            if _scope(target) != _scope(name) and "/" in name + target:
                continue
            a, b = _cores(name, target)
            if allowed_distance(max(a, b, key=len)) and distance(a, b, 1) <= 1:
                found.append((i + 1, target, "edit distance 1"))
    elif k:
        grams = set(_grams(name))
        need = len(grams) - 3 * k
        counts: Dict[int, int] = defaultdict(int)
        for length in range(len(name) - k, len(name) + k + 1):
            for g in grams:
                for i in idx.bigrams.get((g, length), ()):
                    counts[i] += 1
        for i, c in counts.items():
            if c < need:
                continue
            target = idx.names[i]
            if len(name) < SHORT and i >= SHORT_TARGETS:
                continue
            if _scope(target) != _scope(name) and "/" in name + target:
                continue  # @scope/x vs x is a scope question, not a typo
            a, b = _cores(name, target)
            kk = allowed_distance(max(a, b, key=len))
            d = distance(a, b, kk) if kk else kk + 1
            if d <= kk:
                found.append((i + 1, target, f"edit distance {d}"))
    sk = skeleton(name)
    for target in idx.skeletons.get(sk, ()) if len(sk.rsplit("/", 1)[-1]) >= MIN_SKELETON else ():
        if target != name:
            found.append((ranks[target], target, _describe(name, target)))
            break
    best: Optional[LookAlike] = None
    for r, target, how in sorted(found):
        kind = kind_of(name, target)
        la = LookAlike(name, target, _HOW.get(kind, how), r, kind)
        if best is None or (best.weak and not la.weak):
            best = la
        if not best.weak:
            break
    return best


def _cores(a: str, b: str) -> Tuple[str, str]:
    """A and B without the separator-delimited words they share at the start
    and at the end: "python-tlsh" / "python-tds" -> "tlsh" / "tds", so the
    allowed distance is judged on the part that differs."""
    wa, wb = re.split(r"([-_./@])", a), re.split(r"([-_./@])", b)
    i = 0
    while i < min(len(wa), len(wb)) - 1 and wa[i] == wb[i]:
        i += 1
    j = 0
    while j < min(len(wa), len(wb)) - i - 1 and wa[-1 - j] == wb[-1 - j]:
        j += 1
    return "".join(wa[i:len(wa) - j]).strip("-_./"), "".join(wb[i:len(wb) - j]).strip("-_./")


def _scope(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _describe(name: str, target: str) -> str:
    a, b = re.sub(r"[-_.]", "", name), re.sub(r"[-_.]", "", target)
    if a == b:
        return "separator variant"
    if a.rstrip("s") == b.rstrip("s"):
        return "plural/singular variant"
    if a.translate(_DIGITS) == b.translate(_DIGITS):
        return "digit/letter swap"
    return "prefix/suffix variant (python-, py, -js, node- ...)"
