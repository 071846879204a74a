"""Progression: first against latest occasion per citizen, Wilcoxon, t-interval, reliable change."""

from __future__ import annotations

import itertools
import json
import math
import statistics
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.definitions import merge_versions
from analysis.pipeline import progression_export
from analysis.progression import (
    JSON_KEYS,
    Score,
    citizen_occasions,
    citizen_trajectory,
    mean_interval_counts,
    occasion_scores,
    progression_from_pairs,
    reliable_change_limit,
)
from analysis.reading import read_export
from analysis.wilcoxon import wilcoxon_counts
from tests.analysis.helpers import answer, definitions, write_export

ITEMS = ["klarer_hverdag", "overskud", "bekymret", "tror_paa_mig", "en_plan"]


def occasion(citizen, number, values, municipality="Furesø", day=None):
    """Rows of one occasion: ``values`` maps item -> code (None = ved ikke)."""
    at = f"2019-{number:02d}-{day or 10:02d}T10:00:00Z"
    return [
        answer(item, code, "", municipality, questionnaire="forloeb",
               response_id=f"{citizen}-{number}", respondent_key=citizen, answered_at=at)
        for item, code in values.items()
    ]  # fmt: skip


def everything(code):
    return dict.fromkeys(ITEMS, code)


def run(tmp_path, rows, by_municipality=False):
    path = write_export(tmp_path / "export.csv", rows)
    return progression_export(path, definitions("forloeb"), "forloeb", by_municipality)


def find(result, item, group="alle"):
    return next(r for r in result.results if r.item == item and r.group == group)


# --- Wilcoxon signed-rank ---------------------------------------------------------------


def test_wilcoxon_darwin_zea_mays_example():
    """Darwin's Zea mays height differences (eighths of an inch) from Fisher (1935), The
    Design of Experiments, as in scipy.stats.wilcoxon's documentation: exact two-sided
    p = 0.041259765625 (W- = 24)."""
    d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]
    result = wilcoxon_counts(Counter(d))
    assert result.method == "exact"
    assert result.p_value == 0.041259765625
    assert 15 * 16 / 2 - result.statistic == 24


def brute_force_signed_rank(d):
    """Exact two-sided p by flipping every sign of the non-zero differences (midranks)."""
    d = [x for x in d if x != 0]
    ranks = stats.rankdata([abs(x) for x in d])
    observed = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    low = high = 0
    for signs in itertools.product((False, True), repeat=len(d)):
        w = sum(r for r, positive in zip(ranks, signs, strict=True) if positive)
        low += w <= observed + 1e-9
        high += w >= observed - 1e-9
    return min(1.0, 2 * min(low, high) / 2 ** len(d))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=11))
def test_wilcoxon_exact_with_ties_and_zeros_equals_brute_force(d):
    result = wilcoxon_counts(Counter(d))
    # With only zeros the enumeration has the single point W+ = 0: p = 1 (constant data).
    assert result.p_value == pytest.approx(brute_force_signed_rank(d), abs=1e-12)
    if all(x == 0 for x in d):
        assert result.p_value == 1.0 and "no citizen's answer changed" in result.reason


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=1, max_size=80))
def test_wilcoxon_asymptotic_matches_scipy(d):
    if all(x == 0 for x in d):
        return
    ours = wilcoxon_counts(Counter(d), method="asymptotic")
    theirs = stats.wilcoxon(d, method="asymptotic", zero_method="wilcox", correction=False)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-14)


def test_wilcoxon_exact_without_ties_matches_scipy():
    d = [1.5, -0.5, 2.5, 3.5, -4.5, 5.5, 6.5, 7.5]
    assert wilcoxon_counts(Counter(d)).p_value == pytest.approx(
        stats.wilcoxon(d, method="exact").pvalue
    )


# --- intervals and reliable change ----------------------------------------------------


def test_t_interval_matches_scipy():
    changes = [1, 1, 2, -1, 0, 3, 1]
    result = mean_interval_counts(Counter(changes))
    low, high = stats.t.interval(
        0.95, len(changes) - 1, loc=statistics.mean(changes), scale=stats.sem(changes)
    )
    assert (result.low, result.high) == pytest.approx((low, high))
    single = mean_interval_counts(Counter([2]))
    assert (single.n, single.mean, single.low, single.high) == (1, 2.0, None, None)


def test_jacobson_truax_reliable_change_limit():
    """Jacobson NS, Truax P (1991) Clinical significance: a statistical approach to defining
    meaningful change in psychotherapy research. J Consult Clin Psychol 59:12-19:
    RC = (x2 - x1) / S_diff, S_diff = sqrt(2 SE^2), SE = s1 sqrt(1 - r_xx); |RC| > 1.96 is
    reliable. With s1 = 7.5 and r_xx = 0.80: SE = 3.354, S_diff = 4.743, limit 9.297."""
    assert reliable_change_limit(7.5, 0.80) == pytest.approx(
        1.96 * math.sqrt(2) * 7.5 * math.sqrt(0.2)
    )
    assert reliable_change_limit(7.5, 0.80) == pytest.approx(9.2971, abs=1e-4)
    pairs = {(40, 50): 1, (40, 49): 1, (40, 30): 1, (40, 40): 2}  # +10, +9, -10, 0, 0
    result = progression_from_pairs("domain:x", "alle", pairs, sd_first=7.5, reliability=0.8)
    assert (result.improved, result.unchanged, result.worsened) == (1, 3, 1)
    item = progression_from_pairs("x", "alle", pairs, sd_first=7.5, reliability=0.8)
    assert item.improved is None  # reliable change is classified for domain scores only


# --- scoring and occasions -------------------------------------------------------------


def test_domain_score_reverses_negative_items_and_needs_half_the_items():
    definition = definitions("forloeb")[1]
    scores = occasion_scores(
        {"klarer_hverdag": 5, "overskud": 3, "bekymret": 1, "tror_paa_mig": 2}, definition
    )
    assert scores["domain:hverdag"] == Fraction(5 + 3 + 5, 3)  # bekymret 1 -> 5
    assert scores["bekymret"] == 1  # single items keep their code
    assert scores["domain:tro"] == 2
    assert scores["domain:plan"] is None
    two_of_three = occasion_scores({"klarer_hverdag": 4, "bekymret": 4}, definition)
    assert two_of_three["domain:hverdag"] == Fraction(4 + 2, 2)
    one_of_three = occasion_scores({"klarer_hverdag": 4, "overskud": None}, definition)
    assert one_of_three["domain:hverdag"] is None


def test_occasions_are_ordered_by_time_then_response_id(tmp_path):
    rows = occasion("b1", 3, everything(5)) + occasion("b1", 1, everything(1))
    rows += occasion("b1", 2, everything(2))
    same_time = occasion("b2", 1, everything(4)) + occasion("b2", 1, everything(2))
    for row in same_time[5:]:
        row["response_id"] = "b2-0"  # same moment, lower id: first
    path = write_export(tmp_path / "e.csv", rows + same_time)
    citizens = citizen_occasions(read_export(path))
    assert [o.response_id for o in citizens["b1"]] == ["b1-1", "b1-2", "b1-3"]
    assert [o.response_id for o in citizens["b2"]] == ["b2-0", "b2-1"]
    trajectory = citizen_trajectory(citizens["b1"], definitions("forloeb")[1])
    assert [o.number for o in trajectory] == [1, 2, 3]
    assert [o.scores["domain:tro"] for o in trajectory] == [1.0, 2.0, 5.0]
    assert trajectory[0].scores["domain:hverdag"] == pytest.approx((1 + 1 + 5) / 3)


def test_progression_statistics(tmp_path):
    rows = []
    firsts, latests = [1, 2, 2, 3], [3, 3, 4, 3]
    for i, (first, latest) in enumerate(zip(firsts, latests, strict=True)):
        rows += occasion(f"b{i}", 1, everything(first)) + occasion(f"b{i}", 2, everything(2))
        rows += occasion(f"b{i}", 3, everything(latest))
    rows += occasion("enlig", 1, everything(5))  # one occasion: counts for the SD only
    result = run(tmp_path, rows)
    r = find(result, "tror_paa_mig")
    changes = [b - a for a, b in zip(firsts, latests, strict=True)]
    assert (r.n, r.mean_first, r.mean_latest) == (4, 2.0, 3.25)
    assert r.mean_change == statistics.mean(changes)
    low, high = stats.t.interval(0.95, 3, loc=statistics.mean(changes), scale=stats.sem(changes))
    assert (r.change_low, r.change_high) == pytest.approx((low, high))
    assert r.wilcoxon_p == pytest.approx(brute_force_signed_rank(changes))
    # Jacobson-Truax: SD of first-occasion scores over all five citizens, r = 0.75
    limit = reliable_change_limit(statistics.stdev(firsts + [5]), 0.75)
    dom = find(result, "domain:tro")
    assert dom.improved == sum(c > limit for c in changes)
    assert dom.improved + dom.unchanged + dom.worsened == 4
    assert "no reliability" in find(result, "domain:plan").note
    assert find(result, "domain:plan").improved is None
    for record in (x.to_record() for x in result.results):
        assert tuple(record) == JSON_KEYS
        json.dumps(record, allow_nan=False)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_small_numbers_of_citizens(tmp_path, n):
    rows = occasion("alene", 1, everything(3))
    for i in range(n):
        rows += occasion(f"b{i}", 1, everything(2)) + occasion(f"b{i}", 2, everything(3 + i % 2))
    r = find(run(tmp_path, rows), "domain:hverdag")
    assert r.n == n
    if n < 3:
        assert r.status_code == "too_few" and r.wilcoxon_p is None and r.change_low is None
    else:
        assert r.status_code == "ok" and r.change_low is not None
    if n == 0:
        assert r.mean_first is None and "no citizen has two occasions" in r.note


def test_no_change_at_all_is_said_in_words(tmp_path):
    rows = []
    for i in range(4):
        rows += occasion(f"b{i}", 1, everything(3)) + occasion(f"b{i}", 2, everything(3))
    r = find(run(tmp_path, rows), "en_plan")
    assert r.mean_change == 0 and r.wilcoxon_p == 1.0 and r.status == "ok"
    assert "no citizen's answer changed" in r.note
    assert (r.change_low, r.change_high) == (0.0, 0.0)
    assert "do not vary" in find(run(tmp_path, rows), "domain:hverdag").note


def test_groups_by_first_municipality(tmp_path):
    rows = occasion("b1", 1, everything(1), "Furesø") + occasion("b1", 2, everything(2), "Allerød")
    rows += occasion("b2", 1, everything(1), "Allerød") + occasion(
        "b2", 2, everything(3), "Allerød"
    )
    result = run(tmp_path, rows, by_municipality=True)
    assert [r.group for r in result.results if r.item == "en_plan"] == ["alle", "Allerød", "Furesø"]
    assert find(result, "en_plan", "Furesø").mean_change == 1
    assert find(result, "en_plan", "Allerød").mean_change == 2
    assert find(result, "en_plan").n == 2


# --- the file path equals independent aggregation --------------------------------------

citizen_series = st.lists(
    st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5),
             min_size=1, max_size=4),
    min_size=1, max_size=12,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(citizen_series)
def test_file_path_equals_independent_pair_counts(series):
    rows = []
    for c, occasions in enumerate(series):
        for k, codes in enumerate(occasions, start=1):
            rows += occasion(
                f"b{c}", k, dict(zip(ITEMS, codes, strict=True)), ["Furesø", "Ballerup"][c % 2]
            )
    with tempfile.TemporaryDirectory() as tmp:
        result = progression_export(
            write_export(Path(tmp) / "e.csv", rows), definitions("forloeb"), "forloeb"
        )
    definition = merge_versions(definitions("forloeb"), {1})
    for measure in ["klarer_hverdag", "bekymret", "domain:hverdag", "domain:tro"]:
        pairs, firsts = Counter(), Counter()
        for occasions in series:
            scored = [
                occasion_scores(dict(zip(ITEMS, codes, strict=True)), definition)[measure]
                for codes in occasions
            ]
            scored = [s for s in scored if s is not None]
            if scored:
                firsts[scored[0]] += 1
            if len(scored) >= 2:
                pairs[(scored[0], scored[-1])] += 1
        sd = statistics.stdev(firsts.elements()) if sum(firsts.values()) >= 2 else None
        domain = definition.domain(measure.split(":")[1]) if ":" in measure else None
        expected = progression_from_pairs(
            measure, "alle", pairs, sd, domain.reliability if domain else None
        )
        got = find(result, measure).to_record()
        for key, value in expected.to_record().items():
            if key == "p_adjusted":  # adjusted over the whole group, not one measure
                continue
            assert got[key] == (pytest.approx(value) if isinstance(value, float) else value), key


# --- one rule for multiple testing; status codes ---------------------------------------


def adjusted_fixture(tmp_path):
    """Furesø: six citizens, tror_paa_mig +1 for all, en_plan +1 for five; Allerød: three
    citizens, tror_paa_mig +1; Fanø: one citizen, tror_paa_mig +1. Nothing else changes.
    First scores alternate between 2 and 3, so reliable change is defined."""
    rows = []
    people = [("Furesø", 6), ("Allerød", 3), ("Fanø", 1)]
    number = 0
    for place, count in people:
        for i in range(count):
            base = 2 + number % 2
            latest = everything(base) | {"tror_paa_mig": base + 1}
            if place == "Furesø" and i < 5:
                latest["en_plan"] = base + 1
            citizen = f"b{number}"
            rows += occasion(citizen, 1, everything(base), place)
            rows += occasion(citizen, 2, latest, place)
            number += 1
    return run(tmp_path, rows, by_municipality=True)


def test_progression_p_values_are_benjamini_hochberg_adjusted_per_group(tmp_path):
    """Exact Wilcoxon p with every non-zero difference +1 is 2 / 2^n (n non-zero), 1 without
    change. Expected values are R's p.adjust(p, "BH") worked by hand:
    alle domains p = (1, 2/1024, 2/32) -> (1, 0.005859375, 0.09375);
    alle items p = (1, 1, 1, 2/1024, 2/32) -> (1, 1, 1, 0.009765625, 0.15625);
    Furesø domains p = (1, 2/64, 2/32) -> (1, 0.09375, 0.09375);
    Allerød domains p = (1, 2/8, 1) -> (1, 0.75, 1).
    """
    result = adjusted_fixture(tmp_path)
    expected = {
        ("alle", "domain:hverdag"): (1.0, 1.0),
        ("alle", "domain:tro"): (2 / 1024, 0.005859375),
        ("alle", "domain:plan"): (2 / 32, 0.09375),
        ("alle", "klarer_hverdag"): (1.0, 1.0),
        ("alle", "tror_paa_mig"): (2 / 1024, 0.009765625),
        ("alle", "en_plan"): (2 / 32, 0.15625),
        ("Furesø", "domain:hverdag"): (1.0, 1.0),
        ("Furesø", "domain:tro"): (2 / 64, 0.09375),
        ("Furesø", "domain:plan"): (2 / 32, 0.09375),
        ("Allerød", "domain:tro"): (2 / 8, 0.75),
        ("Allerød", "domain:plan"): (1.0, 1.0),
    }
    for (group, measure), (p, adjusted) in expected.items():
        r = find(result, measure, group)
        assert (r.wilcoxon_p, r.p_adjusted) == (pytest.approx(p), pytest.approx(adjusted))
    fanoe = find(result, "domain:tro", "Fanø")
    assert fanoe.wilcoxon_p is None and fanoe.p_adjusted is None


def test_too_few_rows_carry_no_reliable_change_counts(tmp_path):
    result = adjusted_fixture(tmp_path)
    assert find(result, "domain:tro").improved == 10  # the limit is below a change of 1
    fanoe = find(result, "domain:tro", "Fanø")
    assert fanoe.n == 1 and fanoe.status == "too_few"
    assert (fanoe.improved, fanoe.unchanged, fanoe.worsened) == (None, None, None)
    record = fanoe.to_record()
    assert (record["improved"], record["unchanged"], record["worsened"]) == (None, None, None)


def test_status_is_a_bare_code_and_the_words_are_in_note(tmp_path):
    result = adjusted_fixture(tmp_path)
    for r in result.results:
        record = r.to_record()
        assert record["status"] in ("ok", "too_few")
        assert ":" not in record["status"]
    fanoe = find(result, "domain:tro", "Fanø").to_record()
    assert fanoe["note"] == "fewer than 3 citizens with two occasions (1)"
    assert find(result, "domain:plan").to_record()["note"].startswith("no reliable change")


@given(st.integers(-50, 50), st.integers(1, 12))
def test_a_score_is_the_fraction_of_the_same_value(numerator, denominator):
    score, fraction = Score(numerator, denominator), Fraction(numerator, denominator)
    assert score == fraction and hash(score) == hash(fraction) == hash(score)
    assert {fraction: 1}[score] == 1 and {score: 1}[fraction] == 1
    assert Counter({score: 2}) + Counter({fraction: 3}) == Counter({fraction: 5})


def test_progression_is_the_same_from_scores_as_from_fractions():
    from analysis.progression import _pair_statistics

    table = {(Fraction(7, 3), Fraction(3)): 4, (Fraction(2), Fraction(5, 2)): 3, (1, 4): 2}
    _pair_statistics.cache_clear()
    from_scores = progression_from_pairs(
        "domain:d", "alle", {(Score(a), Score(b)): n for (a, b), n in table.items()}, 0.8, 0.7
    )
    _pair_statistics.cache_clear()
    from_fractions = progression_from_pairs(
        "domain:d", "alle", {(Fraction(a), Fraction(b)): n for (a, b), n in table.items()}, 0.8, 0.7
    )
    assert from_scores == from_fractions and from_scores.improved == 2
