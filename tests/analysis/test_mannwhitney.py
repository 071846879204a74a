"""Mann-Whitney U from counts against scipy on raw rows and brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.mannwhitney import exact_u_distribution, mann_whitney_counts, u_statistic


def to_counts(values: list[int], k: int) -> list[int]:
    return [values.count(code) for code in range(1, k + 1)]


def u_raw(a: list[int], b: list[int]) -> float:
    return sum((x > y) + 0.5 * (x == y) for x in a for y in b)


def brute_force_p(a: list[int], b: list[int]) -> float:
    """Exact two-sided p by enumerating every split of the pooled answers (ties kept)."""
    pooled = a + b
    observed = u_raw(a, b)
    low = high = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(a)):
        picked = set(chosen)
        u = u_raw(
            [pooled[i] for i in chosen], [pooled[i] for i in range(len(pooled)) if i not in picked]
        )
        total += 1
        low += u <= observed
        high += u >= observed
    return min(1.0, 2 * min(low, high) / total)


CASES = [
    ([1, 2, 3], [3, 4, 5]),  # n = 3, one tie
    ([1], [2]),  # n = 1
    ([1, 1], [2, 2]),  # n = 2, separated
    ([3, 3, 3], [3, 3, 3, 3]),  # all answers equal
    ([2, 2, 2, 2], [4, 4, 4]),  # one option only in each wave
    ([1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5]),  # many ties
    ([1, 5], [1, 1, 2, 3, 3, 4, 4, 5, 5, 5, 2]),  # very unequal sizes
]


@pytest.mark.parametrize(("a", "b"), CASES)
def test_exact_p_equals_brute_force_enumeration(a, b):
    result = mann_whitney_counts(to_counts(a, 5), to_counts(b, 5))
    assert result.method == "exact"
    assert result.u == u_raw(a, b)
    assert result.p_value == pytest.approx(brute_force_p(a, b), abs=1e-12)


def test_all_answers_equal_gives_p_one():
    assert mann_whitney_counts([0, 0, 3], [0, 0, 4]).p_value == 1.0
    big = mann_whitney_counts([0, 30, 0], [0, 25, 0])
    assert (big.p_value, big.u) == (1.0, 30 * 25 / 2)


def test_exact_distribution_has_the_tie_corrected_mean_and_variance():
    a, b = [1, 2, 0, 3], [2, 0, 2, 1]
    dist = exact_u_distribution(a, b)
    n_a, n_b, n = 6, 5, 11
    ties = sum((x + y) ** 3 - (x + y) for x, y in zip(a, b, strict=True))
    mean = sum(u * p for u, p in dist.items())
    variance = sum((u - mean) ** 2 * p for u, p in dist.items())
    assert sum(dist.values()) == pytest.approx(1.0)
    assert mean == pytest.approx(n_a * n_b / 2)
    assert variance == pytest.approx(n_a * n_b / 12 * ((n + 1) - ties / (n * (n - 1))))


def test_exact_without_ties_matches_scipy_exact():
    a, b = [1, 4, 6, 9, 12], [2, 3, 5, 7, 8, 10, 11]
    counts_a = [int(v in a) for v in range(1, 13)]
    counts_b = [int(v in b) for v in range(1, 13)]
    ours = mann_whitney_counts(counts_a, counts_b)
    theirs = stats.mannwhitneyu(a, b, method="exact")
    assert ours.u == theirs.statistic
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-12)


def test_switches_to_asymptotic_above_twenty():
    assert mann_whitney_counts([10, 10, 0], [5, 10, 5]).method == "exact"
    assert mann_whitney_counts([10, 10, 1], [5, 10, 5]).method == "asymptotic"


values = st.lists(st.integers(1, 5), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(values, values)
def test_statistic_and_asymptotic_p_match_scipy_on_raw_rows(a, b):
    result = mann_whitney_counts(to_counts(a, 5), to_counts(b, 5))
    theirs = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
    assert result.u == theirs.statistic
    if result.method == "asymptotic" and len(set(a + b)) > 1:
        assert result.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15)
    assert 0 <= result.p_value <= 1 and not math.isnan(result.p_value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=7),
    st.lists(st.integers(1, 4), min_size=1, max_size=7),
)
def test_exact_p_matches_brute_force_for_random_small_samples(a, b):
    result = mann_whitney_counts(to_counts(a, 4), to_counts(b, 4))
    assert result.p_value == pytest.approx(brute_force_p(a, b), abs=1e-12)


def test_u_statistic_and_refusals():
    assert u_statistic([1, 0], [0, 1]) == 0.0
    assert u_statistic([0, 1], [1, 0]) == 1.0
    with pytest.raises(ValueError):
        mann_whitney_counts([0, 0], [1, 1])
    with pytest.raises(ValueError):
        mann_whitney_counts([1, 0], [1, 1, 1])
