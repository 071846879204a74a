"""Cronbach's alpha with Feldt's interval, and which reliability the reliable change index uses."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.reliability import (
    MIN_CITIZENS,
    alpha_with_interval,
    choose_reliability,
    cronbach_alpha,
    feldt_interval,
    first_occasion_rows,
)
from tests.analysis.helpers import write_export
from tests.analysis.test_progression import find, occasion, run

# Pingouin's example data set ``cronbach_alpha`` (15 persons x 10 items, wide form), whose
# documentation (https://pingouin-stats.org/build/html/generated/pingouin.cronbach_alpha.html)
# publishes alpha = 0.5917188485995826 with the Feldt 95% interval [0.195, 0.84].
PINGOUIN_EXAMPLE = [
    [3, 2, 2, 4, 1, 4, 5, 1, 4, 3], [5, 5, 4, 6, 3, 5, 1, 2, 5, 5],
    [7, 5, 3, 5, 5, 6, 4, 3, 3, 6], [2, 3, 4, 3, 3, 2, 2, 2, 6, 6],
    [6, 5, 5, 6, 5, 4, 4, 4, 6, 7], [1, 2, 2, 3, 4, 2, 5, 2, 3, 5],
    [4, 3, 3, 5, 3, 5, 2, 1, 2, 4], [2, 5, 4, 4, 3, 7, 2, 2, 4, 6],
    [6, 2, 5, 5, 5, 1, 6, 5, 2, 3], [5, 2, 4, 6, 4, 3, 5, 3, 1, 7],
    [4, 1, 3, 5, 2, 5, 3, 2, 3, 4], [4, 4, 2, 3, 2, 5, 3, 4, 2, 3],
    [5, 5, 5, 6, 2, 3, 3, 2, 4, 4], [6, 5, 5, 5, 4, 2, 2, 1, 4, 6],
    [4, 4, 3, 5, 5, 3, 1, 3, 2, 3],
]  # fmt: skip


def test_alpha_and_feldt_interval_match_the_published_example():
    estimate = alpha_with_interval(PINGOUIN_EXAMPLE)
    assert (estimate.n, estimate.k, estimate.excluded) == (15, 10, 0)
    assert estimate.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert round(estimate.low, 3) == 0.195 and round(estimate.high, 2) == 0.84


def test_feldt_interval_matches_bonett_worked_example():
    """Bonett (2021), Statistical Methods for Psychologists vol. 1, section 4.19, R package
    statpsych: ci.cronbach(.05, .85, 7, 89) gives LL 0.7971254, UL 0.8931436. statpsych takes
    n(k - 1) as the second degrees of freedom where Feldt, Woodruff & Salih (1987) take
    (n - 1)(k - 1), so the two agree to three decimals, not to seven."""
    low, high = feldt_interval(0.85, 89, 7)
    assert round(low, 3) == 0.797 and round(high, 3) == 0.893
    assert abs(low - 0.7971254) < 1e-4 and abs(high - 0.8931436) < 1e-4


def hoyt_alpha(rows) -> float:
    """Alpha computed differently: Hoyt's (1941) two-way ANOVA, 1 - MS_residual / MS_persons."""
    x = np.asarray(rows, dtype=float)
    n, k = x.shape
    grand = x.mean()
    ss_persons = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_items = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_residual = ((x - grand) ** 2).sum() - ss_persons - ss_items
    return 1 - (ss_residual / ((n - 1) * (k - 1))) / (ss_persons / (n - 1))


@pytest.mark.parametrize("seed", range(5))
def test_alpha_equals_hoyts_anova_form(seed):
    rng = np.random.default_rng(seed)
    trait = rng.integers(1, 6, size=40)
    rows = np.clip(trait[:, None] + rng.integers(-1, 2, size=(40, 4)), 1, 5).tolist()
    assert cronbach_alpha(rows) == pytest.approx(hoyt_alpha(rows), abs=1e-12)


def test_alpha_agrees_with_pingouin_listwise():
    """An independent implementation (pingouin, a test dependency only), with missing answers
    removed listwise as the app does."""
    pg = pytest.importorskip("pingouin")
    pd = pytest.importorskip("pandas")
    rows = [list(r) for r in PINGOUIN_EXAMPLE]
    rows[2][4] = None
    rows[7][0] = None
    ours = alpha_with_interval(rows)
    frame = pd.DataFrame([[np.nan if v is None else v for v in r] for r in rows])
    theirs, _ = pg.cronbach_alpha(data=frame, nan_policy="listwise")
    assert (ours.n, ours.excluded) == (13, 2)
    assert ours.alpha == pytest.approx(theirs, abs=1e-12)
    # pingouin's interval takes n before the deletion (15); ours the 13 complete rows, so the
    # intervals are compared on the complete rows.
    _, (low, high) = pg.cronbach_alpha(data=frame.dropna())
    assert (round(ours.low, 3), round(ours.high, 3)) == (low, high)


def test_alpha_is_undefined_for_too_little_or_no_variance():
    assert cronbach_alpha([[1, 2, 3]]) is None  # one person
    assert cronbach_alpha([[1], [2], [3]]) is None  # one item
    assert cronbach_alpha([[3, 3], [3, 3], [3, 3]]) is None  # sum score does not vary
    assert alpha_with_interval([]).alpha is None
    estimate = alpha_with_interval([[1, None], [None, 2]])
    assert (estimate.n, estimate.excluded, estimate.alpha, estimate.low) == (0, 2, None, None)


def test_the_estimate_is_used_from_thirty_complete_first_occasions():
    rows = [[v, v, min(5, v + (i % 3 == 0))] for i, v in enumerate([1, 2, 3, 4, 5] * 6)]
    enough = alpha_with_interval(rows)
    assert enough.n == MIN_CITIZENS
    used = choose_reliability("d", enough, 0.8)
    assert (used.source, used.used) == ("estimated", enough.alpha)
    too_few = alpha_with_interval(rows[:-1] + [[None, 1, 1]])
    assert (too_few.n, too_few.excluded) == (MIN_CITIZENS - 1, 1)
    planned = choose_reliability("d", too_few, 0.8)
    assert (planned.source, planned.used) == ("planning", 0.8)
    assert choose_reliability("d", too_few, None).source == "none"


def test_a_non_positive_alpha_falls_back_to_the_planning_value():
    rows = [[1, 5], [5, 2], [2, 4], [4, 1]] * 8  # items pull apart: alpha far below 0
    estimate = alpha_with_interval(rows)
    assert estimate.n == 32 and estimate.alpha < 0
    assert choose_reliability("d", estimate, 0.7).source == "planning"


def test_first_occasion_rows_reverse_negative_items_and_keep_missing():
    rows = first_occasion_rows(
        [{"a": 1, "b": 1}, {"a": 5, "b": None}, {"a": 4}], ["a", "b"], {"b": 6}
    )
    assert rows == [[1, 5], [5, None], [4, None]]


def citizens_rows(count, change_on_second):
    """``count`` citizens of the forloeb fixture; the hverdag items agree closely on the first
    occasion (alpha about 0.96); the second occasion is one point higher on hverdag."""
    rows = []
    for c in range(count):
        base = 1 + c % 5
        noise = 1 if c % 4 == 0 and base < 5 else 0
        first = {"klarer_hverdag": base, "overskud": base + noise, "bekymret": 6 - base,
                 "tror_paa_mig": 3, "en_plan": 3}  # fmt: skip
        second = dict(first, klarer_hverdag=min(5, base + change_on_second),
                      overskud=min(5, base + noise + change_on_second),
                      bekymret=max(1, 6 - base - change_on_second))  # fmt: skip
        if base == 5:  # no room above: this citizen goes down instead
            second = dict(first, klarer_hverdag=4, overskud=4, bekymret=2)
        rows += occasion(f"c{c:02d}", 1, first) + occasion(f"c{c:02d}", 2, second)
    return rows


def test_reliable_change_uses_the_estimate_from_thirty_citizens(tmp_path):
    """A one-point change is within the noise with the planning value 0.8 (limit 1.96 *
    sqrt(2) * SD * sqrt(0.2), about 1.24 for SD 1.42 of these first scores) but reliable with
    the estimated alpha of about 0.96."""
    result = run(tmp_path, citizens_rows(30, 1))
    reliability = result.reliabilities["hverdag"]
    assert reliability.source == "estimated" and reliability.estimate.n == 30
    assert reliability.used == pytest.approx(hoyt_alpha(_hverdag_first_rows(30)), abs=1e-12)
    assert 0.9 < reliability.used < 1
    hverdag = find(result, "domain:hverdag")
    assert (hverdag.improved, hverdag.worsened) == (24, 6)
    assert result.reliabilities["tro"].source == "planning"  # one item: alpha undefined


def test_reliable_change_uses_the_planning_value_below_thirty(tmp_path):
    result = run(tmp_path, citizens_rows(29, 1))
    reliability = result.reliabilities["hverdag"]
    assert (reliability.source, reliability.used, reliability.estimate.n) == ("planning", 0.8, 29)
    hverdag = find(result, "domain:hverdag")
    assert (hverdag.improved, hverdag.unchanged, hverdag.worsened) == (0, 29, 0)


def _hverdag_first_rows(count):
    rows = []
    for c in range(count):
        base = 1 + c % 5
        noise = 1 if c % 4 == 0 and base < 5 else 0
        rows.append([base, base + noise, base])  # bekymret 6 - base reversed: base
    return rows


def test_missing_codes_leave_the_citizen_out_of_that_domain_only(tmp_path):
    rows = citizens_rows(31, 1)
    for row in rows:
        if row["respondent_key"] == "c00" and row["item"] == "overskud":
            row["value"], row["label"], row["missing"] = "", "", "ved_ikke"
    path = write_export(tmp_path / "missing.csv", rows)
    assert path.exists()
    result = run(tmp_path, rows)
    assert result.reliabilities["hverdag"].estimate.n == 30
    assert result.reliabilities["hverdag"].estimate.excluded == 1
