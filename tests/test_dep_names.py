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
