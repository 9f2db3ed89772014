"""Look-alike package names (unit level; end-to-end cases are in test_dep_policy.py)."""
from __future__ import annotations

import time

import pytest

from guardrails.checks.dependency import names


@pytest.mark.parametrize("a,b,d", [
    ("requests", "requests", 0),
    ("reqeusts", "requests", 1),  # transposition counts once
    ("requets", "requests", 1),
    ("requestss", "requests", 1),
    ("rewuests", "requests", 1),
    ("abc", "xyz", 3),
    ("python-dateutils", "python-dateutil", 1),
])
def test_distance(a, b, d):
    assert names.distance(a, b, limit=3) == d


def test_distance_stops_at_the_limit():
    assert names.distance("a" * 40, "b" * 40, limit=2) == 3


@pytest.mark.parametrize("eco,name,target", [
    ("pypi", "reqeusts", "requests"),
    ("pypi", "python-dateutils", "python-dateutil"),
    ("pypi", "colourama", "colorama"),
    ("pypi", "djang0", "django"),
    ("pypi", "py-yaml", "pyyaml"),
    ("pypi", "scikit-learnn", "scikit-learn"),
    ("pypi", "beautifulsoup44", "beautifulsoup4"),
    ("pypi", "urllib", "urllib3"),
    ("npm", "lodahs", "lodash"),
    ("npm", "expres", "express"),
    ("npm", "axois", "axios"),
    ("npm", "reactjs", "react"),
    ("npm", "node-express", "express"),
    ("npm", "@types/nodee", "@types/node"),
])
def test_lookalikes_are_found(eco, name, target):
    hit = names.lookalike(eco, name)
    assert hit is not None, name
    assert hit.target == target
    assert hit.how


@pytest.mark.parametrize("eco,name", [
    ("pypi", "requests"),  # the package itself
    ("pypi", "Requests"),  # same after normalisation
    ("pypi", "python_dateutil"),
    ("pypi", "python-tlsh"),  # shares "python-" with python-tds, but tlsh/tds differ by 2 on 4 letters
    ("pypi", "icecream"),
    ("pypi", "code-nav-devon"),
    ("pypi", "llama-index-packs-code-hierarchy"),
    ("npm", "@anthropic-ai/claude-agent-sdk"),
    ("npm", "tombi"),
    ("npm", "left-pad"),
    ("npm", "zod"),  # short popular names are not fuzzy-matched
    ("go", "github.com/stretchr/testifyy"),  # no list shipped for Go: nothing to compare with
])
def test_near_misses_are_not_lookalikes(eco, name):
    assert names.lookalike(eco, name) is None


def test_short_unpopular_names_do_not_match_everything():
    # Four letters: too short to judge by one edit ("chia" vs "chai").
    assert names.lookalike("npm", "chia") is None


def test_skeleton_strips_affixes_separators_plural_and_digits():
    assert names.skeleton("python-dateutil") == "dateutil"
    assert names.skeleton("date_util") == "dateutil"
    assert names.skeleton("Colors-JS") == "color"
    assert names.skeleton("l0dash") == "lodash"
    assert names.skeleton("@scope/node-thing") == "@scope/thing"


def test_matching_is_fast_after_one_index_build():
    names.lookalike("pypi", "warmup-name")
    names.lookalike("npm", "warmup-name")
    queries = [f"package-{i}-helper" for i in range(200)] + ["reqeusts", "lodahs"] * 50
    start = time.perf_counter()
    for q in queries:
        names.lookalike("pypi", q)
        names.lookalike("npm", q)
    assert time.perf_counter() - start < 2.0


def test_popular_lists_load():
    assert names.is_popular("pypi", "NumPy")
    assert names.is_popular("npm", "react")
    assert not names.is_popular("pypi", "reqeusts")
    assert names.rank("pypi")["requests"] < 50


def test_shared_words_do_not_count_towards_the_distance():
    # "aws-cdk" / "aws-sdk": the differing part ("cdk" / "sdk") is too short to call one a typo of the other.
    assert names.lookalike("npm", "aws-cdk") is None or names.lookalike("npm", "aws-cdk").target != "aws-sdk"
    assert names.lookalike("pypi", "python-tlsh") is None


# --- what kind of difference: true typos vs plural / separator only -------------------------------

@pytest.mark.parametrize("name,target,kind", [
    ("emojis", "emoji", names.PLURAL),
    ("holiday", "holidays", names.PLURAL),
    ("python-dateutils", "python-dateutil", names.PLURAL),
    ("huggingfaces-hub", "huggingface-hub", names.PLURAL),  # the s on another word
    ("boxes", "box", names.PLURAL),
    ("scikitlearn", "scikit-learn", names.SEPARATOR),
    ("lodash.merge", "lodash-merge", names.SEPARATOR),
    ("reqeusts", "requests", names.TYPO),  # transposition
    ("colourama", "colorama", names.TYPO),
    ("djanga", "django", names.TYPO),
    ("requestss", "requests", names.TYPO),  # a doubled letter is not a plural
    ("colouramas", "colorama", names.TYPO),  # a plural on top of a typo is a typo
    ("djang0", "django", names.DIGIT),
    ("reactjs", "react", names.AFFIX),
    ("@types/colors", "@types/color", names.PLURAL),
    ("@evil/color", "@types/color", names.TYPO),
])
def test_kind_of(name, target, kind):
    assert names.kind_of(name, target) == kind


@pytest.mark.parametrize("eco,name,target,weak", [
    ("pypi", "emojis", "emoji", True),  # plural of a package outside the top 1,000
    ("pypi", "sklearns", "sklearn", True),
    ("pypi", "python-dateutils", "python-dateutil", False),  # the target is in the top 20
    ("pypi", "typing-extension", "typing-extensions", False),  # a real typosquat of a top-10 name
    ("pypi", "torchvisions", "torchvision", False),  # top 1,000: still strong
    ("pypi", "reqeusts", "requests", False),
    ("pypi", "djanga", "django", False),
    ("pypi", "colourama", "colorama", False),
    ("npm", "lodahs", "lodash", False),
    ("npm", "mime-type", "mime-types", False),  # top 100
])
def test_weak_lookalikes(eco, name, target, weak):
    hit = names.lookalike(eco, name)
    assert hit is not None and hit.target == target
    assert hit.weak is weak
    if hit.kind in (names.PLURAL, names.SEPARATOR):
        assert hit.how in ("plural/singular variant", "separator variant")


def test_a_true_typo_wins_over_a_weak_plural(tmp_path, monkeypatch):
    # widgets (rank 1200, plural of widget: weak) and wodget (rank 1500, one letter off: a typo).
    fillers = [f"filler-package-{i:06d}" for i in range(1199)]
    popular = fillers + ["widgets"] + [f"other-package-{i:06d}" for i in range(299)] + ["wodget"]
    (tmp_path / "popular-fake.txt").write_text("# test list\n" + "\n".join(popular) + "\n")
    monkeypatch.setattr(names, "DATA", str(tmp_path))
    monkeypatch.setitem(names.FILES, "fake", "popular-fake.txt")
    for cached in (names.popular, names.rank, names._index):
        cached.cache_clear()
    try:
        assert names.rank("fake")["widgets"] == 1200
        hit = names.lookalike("fake", "widget")
        assert (hit.target, hit.kind, hit.weak) == ("wodget", names.TYPO, False)
        # wodgets: plural of wodget (weak), one letter off widgets (a typo): the typo is reported
        hit = names.lookalike("fake", "wodgets")
        assert (hit.target, hit.kind, hit.weak) == ("widgets", names.TYPO, False)
        hit = names.lookalike("fake", "wodget-s")
        assert (hit.target, hit.kind, hit.weak) == ("wodget", names.PLURAL, True)
    finally:
        for cached in (names.popular, names.rank, names._index):
            cached.cache_clear()
