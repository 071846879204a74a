"""Cliff's delta, Brunner-Munzel, Fisher / share difference and Benjamini-Hochberg."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.effects import (
    benjamini_hochberg,
    brunner_munzel_counts,
    cliffs_delta_counts,
    romano_size,
    share_difference,
    wilson_interval,
    yes_no_counts,
)


def to_counts(values, levels):
    return [list(values).count(v) for v in levels]


def cliff_naive(t, c, z=None):
    """effsize::cliff.delta (unbiased variance, Student t) written over the dominance matrix."""
    t, c = np.asarray(t, float), np.asarray(c, float)
    n1, n2 = len(t), len(c)
    dom = np.sign(t[:, None] - c[None, :])
    d = dom.mean()
    dd = d * (n1 * n2 - 1) / (n1 * n2) if abs(d) == 1 else d
    ssr = ((dom - dd) ** 2).sum()
    s = (
        n2**2 * ((dom.mean(1) - dd) ** 2).sum() + n1**2 * ((dom.mean(0) - dd) ** 2).sum() - ssr
    ) / (n1 * n2 * (n1 - 1) * (n2 - 1))
    s = max(s, 0.0)
    z = stats.t.ppf(0.975, n1 + n2 - 2) if z is None else z
    root = z * math.sqrt(s) * math.sqrt((1 - dd**2) ** 2 + z**2 * s)
    low = (dd - dd**3 - root) / (1 - dd**2 + z**2 * s)
    high = (dd - dd**3 + root) / (1 - dd**2 + z**2 * s)
    return d, (-1.0 if d == -1 else low), (1.0 if d == 1 else high)


def test_cliffs_delta_effsize_documented_example():
    """R effsize::cliff.delta, tests/testthat/testCliff.R "Small differences" (after Hess &
    Kromrey 2004): treatment = c(10,10,20,20,20,30,30,30,40,50), control =
    c(10,20,30,40,40,50) gives delta = -0.25 (small), 95% CI -0.7265846 to 0.3890062 with the
    default settings (unbiased variance, Student t), as in the comment of R/CliffDelta.R."""
    levels = [10, 20, 30, 40, 50]
    treatment = [10, 10, 20, 20, 20, 30, 30, 30, 40, 50]
    control = [10, 20, 30, 40, 40, 50]
    result = cliffs_delta_counts(to_counts(treatment, levels), to_counts(control, levels))
    assert result.delta == -0.25
    assert result.low == pytest.approx(-0.7265846, abs=1e-7)
    assert result.high == pytest.approx(0.3890062, abs=1e-7)
    assert result.size == "small"


def test_cliffs_delta_effsize_negligible_example():
    """R effsize tests/testCliff.Rout.save: x1 = c(10,20,20,20,30,30,30,40,50,100),
    x2 = c(10,20,30,40,40,50): delta -0.06666667 (negligible), CI -0.6082254 to 0.5172431."""
    levels = [10, 20, 30, 40, 50, 100]
    x1 = [10, 20, 20, 20, 30, 30, 30, 40, 50, 100]
    x2 = [10, 20, 30, 40, 40, 50]
    result = cliffs_delta_counts(to_counts(x1, levels), to_counts(x2, levels))
    assert result.delta == pytest.approx(-0.06666667, abs=1e-8)
    assert (result.low, result.high) == pytest.approx((-0.6082254, 0.5172431), abs=1e-7)
    assert result.size == "negligible"


def test_cliffs_delta_sign_and_separation():
    # wave A all 5, wave B all 1: every pair A > B, B answered lower, delta = +1
    result = cliffs_delta_counts([0, 0, 0, 0, 3], [4, 0, 0, 0, 0])
    assert result.delta == 1.0 and result.high == 1.0 and -1 < result.low < 1
    assert result.size == "large"
    flipped = cliffs_delta_counts([4, 0, 0, 0, 0], [0, 0, 0, 0, 3])
    assert flipped.delta == -1.0 and flipped.low == -1.0


def test_cliffs_delta_all_equal_and_n_one():
    same = cliffs_delta_counts([0, 5, 0], [0, 4, 0])
    assert same.delta == 0 and same.size == "negligible"
    assert not any(math.isnan(v) for v in (same.low, same.high))
    single = cliffs_delta_counts([1, 0, 0], [0, 0, 1])
    assert single.delta == -1.0 and single.low is None and single.high is None


def test_romano_thresholds():
    """Romano et al. (2006) as used by effsize: 0.147, 0.33, 0.474."""
    assert [romano_size(d) for d in (0.146, 0.147, 0.329, 0.33, 0.473, 0.474, -0.9)] == [
        "negligible", "small", "small", "medium", "medium", "large", "large",
    ]  # fmt: skip


samples = st.lists(st.integers(1, 5), min_size=2, max_size=40)


@settings(max_examples=150, deadline=None)
@given(samples, samples)
def test_cliffs_delta_counts_equal_the_dominance_matrix(a, b):
    levels = [1, 2, 3, 4, 5]
    ours = cliffs_delta_counts(to_counts(a, levels), to_counts(b, levels))
    d, low, high = cliff_naive(a, b)
    assert ours.delta == pytest.approx(d, abs=1e-12)
    assert ours.low == pytest.approx(max(-1.0, low), abs=1e-9)
    assert ours.high == pytest.approx(min(1.0, high), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(samples, samples)
def test_brunner_munzel_matches_scipy_or_says_why_not(a, b):
    levels = [1, 2, 3, 4, 5]
    ours = brunner_munzel_counts(to_counts(a, levels), to_counts(b, levels))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns where the test is undefined
        theirs = stats.brunnermunzel(a, b)
    if ours.p_value is None:
        assert ours.reason.startswith("undefined")
        assert not np.isfinite(theirs.statistic) or math.isnan(theirs.pvalue)
    else:
        assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-12)
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-9)


def test_brunner_munzel_undefined_cases_in_words():
    assert "all answers are equal" in brunner_munzel_counts([0, 3, 0], [0, 4, 0]).reason
    separated = brunner_munzel_counts([3, 1, 0, 0], [0, 0, 2, 2])
    assert separated.p_value is None and "completely separated" in separated.reason
    assert "fewer than two" in brunner_munzel_counts([1, 0], [1, 3]).reason
    # one wave constant but overlapping the other: defined
    assert brunner_munzel_counts([0, 3, 0], [1, 1, 1]).p_value is not None


def test_newcombe_1998_worked_examples():
    """Newcombe RG (1998) Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17:873-890, Table II, method 10
    (score interval, hybrid): (a) 56/70-48/80: 0.0524, 0.3339; (b) 9/10-3/10: 0.1705, 0.8090;
    (d) 5/56-0/29: -0.0381, 0.1926; (e) 0/10-0/20: -0.1611, 0.2775; (f) 0/10-0/10:
    -0.2775, 0.2775; (g) 10/10-0/20: 0.6791, 1.0000; (h) 10/10-0/10: 0.6075, 1.0000."""
    expected = {
        (56, 70, 48, 80): (0.0524, 0.3339),
        (9, 10, 3, 10): (0.1705, 0.8090),
        (5, 56, 0, 29): (-0.0381, 0.1926),
        (0, 10, 0, 20): (-0.1611, 0.2775),
        (0, 10, 0, 10): (-0.2775, 0.2775),
        (10, 10, 0, 20): (0.6791, 1.0000),
        (10, 10, 0, 10): (0.6075, 1.0000),
    }
    for (x1, n1, x2, n2), (low, high) in expected.items():
        d, lo, hi = share_difference(x1, n1, x2, n2)
        assert d == pytest.approx(x1 / n1 - x2 / n2)
        assert (lo, hi) == pytest.approx((low, high), abs=5e-5)


def hypergeometric_two_sided(yes_a, no_a, yes_b, no_b):
    """Fisher's two-sided p by summing every table as likely as or less likely than the one
    observed, with the margins fixed."""
    n_a, n_b, yes = yes_a + no_a, yes_b + no_b, yes_a + yes_b

    def prob(x):
        return math.comb(n_a, x) * math.comb(n_b, yes - x) / math.comb(n_a + n_b, yes)

    observed = prob(yes_a)
    support = range(max(0, yes - n_b), min(yes, n_a) + 1)
    return min(1.0, sum(prob(x) for x in support if prob(x) <= observed * (1 + 1e-7)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=30),
    st.lists(st.booleans(), min_size=1, max_size=30),
)
def test_yes_no_matches_fisher_on_raw_rows(a, b):
    ours = yes_no_counts(sum(a), len(a) - sum(a), sum(b), len(b) - sum(b))
    table = [[sum(a), len(a) - sum(a)], [sum(b), len(b) - sum(b)]]
    assert ours.p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)
    assert ours.p_value == pytest.approx(hypergeometric_two_sided(*table[0], *table[1]), rel=1e-6)
    assert ours.difference == pytest.approx(sum(b) / len(b) - sum(a) / len(a))
    assert ours.low <= ours.difference <= ours.high


def test_benjamini_hochberg_against_scipy_and_by_hand():
    p = [0.01, 0.04, 0.03, 0.2]
    # by hand: sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.04*4/3=0.0533, 0.04*4/3... monotone
    assert benjamini_hochberg(p) == pytest.approx([0.04, 0.0533333, 0.0533333, 0.2], abs=1e-6)
    assert benjamini_hochberg(p) == pytest.approx(list(stats.false_discovery_control(p)))
    assert benjamini_hochberg([None, 0.5, None]) == [None, 0.5, None]
    assert benjamini_hochberg([]) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=20))
def test_benjamini_hochberg_matches_scipy_ignoring_none(p):
    present = [x for x in p if x is not None]
    ours = [x for x in benjamini_hochberg(p) if x is not None]
    if present:
        assert ours == pytest.approx(list(stats.false_discovery_control(present)), abs=1e-12)


def test_wilson_newcombe_1998_single_proportion_examples():
    """Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison
    of seven methods. Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity
    correction): 81/263: 0.2553-0.3662; 15/148: 0.0624-0.1605; 0/20: 0-0.1611;
    1/29: 0.0061-0.1718."""
    expected = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }
    for (x, n), bounds in expected.items():
        assert wilson_interval(x, n) == pytest.approx(bounds, abs=5e-5)


def test_the_fast_scipy_functions_give_scipy_stats_results_to_the_last_bit():
    """The statistics call scipy.special's t and normal functions directly (scipy.stats'
    per-call checks dominated the comparison page); the results stay bit for bit the same."""
    from scipy.special import ndtr, stdtr, stdtrit

    for df in (1, 2.5, 7, 43.2, 998, 23_000, 1e7):
        assert float(stdtrit(df, 0.975)) == float(stats.t.ppf(0.975, df))
        for x in (0.0, 1e-9, 0.3, 1.96, 4.2, 38.0):
            assert float(stdtr(df, -x)) == float(stats.t.sf(x, df))
    for z in (-1.0, 0.0, 0.5, 1.96, 6.5, 40.0):
        assert float(ndtr(-z)) == float(stats.norm.sf(z))
    bm = brunner_munzel_counts([3, 5, 9, 4, 2], [6, 4, 7, 8, 5])
    assert bm.p_value == 2 * float(stats.t.sf(abs(bm.statistic), bm.df))
