"""Wave comparison per item and group: statuses, distributions, honest small samples."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from analysis.compare import JSON_KEYS, MIN_N, compare_counts
from analysis.counts import CountTable
from analysis.distributions import distributions, median_of_counts
from analysis.pipeline import compare_export
from tests.analysis.helpers import answer, definitions, wave_rows, write_export

A, B = "jan-2019", "sommer-2020"


def run(tmp_path, rows, by_municipality=True):
    path = write_export(tmp_path / "export.csv", rows)
    return compare_export(path, definitions(), "proeve", A, B, by_municipality)


def find(result, item, group="alle"):
    return next(r for r in result.results if r.item == item and r.group == group)


def assert_no_nan(record):
    for value in record.values():
        assert not (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize(("n_a", "n_b"), [(0, 5), (1, 1), (2, 3), (2, 2), (5, 2)])
def test_too_few_keeps_counts_but_no_p_values(tmp_path, n_a, n_b):
    rows = wave_rows("forenklet", [2] * n_a, [4] * n_b) + wave_rows("brug", [1, 2, 3], [2, 3, 4])
    result = run(tmp_path, rows)
    r = find(result, "forenklet")
    assert r.status_code == "too_few"
    assert r.status == "too_few"
    assert f"{A}: {n_a}" in r.note and f"{B}: {n_b}" in r.note
    record = r.to_record()
    assert (record["n_a"], record["n_b"]) == (n_a, n_b)
    assert record["p_value"] is None and record["p_adjusted"] is None
    assert record["u"] is None and record["brunner_munzel_p"] is None
    assert r.distribution_b.counts[3] == n_b
    assert find(result, "brug").status_code == "ok"


def test_three_answers_each_is_enough(tmp_path):
    r = find(run(tmp_path, wave_rows("forenklet", [1, 2, 3], [3, 4, 5])), "forenklet")
    assert MIN_N == 3 and r.status == "ok"
    assert r.method == "exact"
    assert r.u == 0.5  # one tie (3 vs 3), no pair with A > B
    assert r.cliffs.delta == pytest.approx(-8 / 9)  # 8 of 9 pairs A < B, one tie


def test_ved_ikke_and_skipped_are_counted_apart_and_never_in_statistics(tmp_path):
    rows = wave_rows("forenklet", [1, 2, 3], [3, 4, 5])
    rows += [answer("forenklet", None, A), answer("forenklet", None, A, missing="ubesvaret")]
    rows += [answer("forenklet", None, B)] * 2
    r = find(run(tmp_path, rows), "forenklet")
    assert (r.distribution_a.n, r.distribution_a.ved_ikke, r.distribution_a.ubesvaret) == (3, 1, 1)
    assert (r.distribution_b.n, r.distribution_b.ved_ikke) == (3, 2)
    assert r.distribution_a.shares == pytest.approx((1 / 3, 1 / 3, 1 / 3, 0, 0))
    assert r.distribution_a.mean == 2 and r.distribution_a.median == 2
    clean = find(run(tmp_path, wave_rows("forenklet", [1, 2, 3], [3, 4, 5])), "forenklet")
    assert r.p_value == clean.p_value and r.u == clean.u


def test_all_answers_equal_and_one_option_only(tmp_path):
    rows = wave_rows("forenklet", [3, 3, 3], [3, 3, 3, 3])
    rows += wave_rows("belastning", [2, 2, 2], [5, 5, 5, 5])
    result = run(tmp_path, rows)
    same = find(result, "forenklet")
    assert same.p_value == 1.0 and same.cliffs.delta == 0
    assert same.brunner_munzel_p is None and "all answers are equal" in same.note
    assert same.status == "ok" and same.note.startswith("Brunner-Munzel undefined")
    apart = find(result, "belastning")
    assert apart.cliffs.delta == -1.0 and apart.cliffs.low == -1.0
    assert "completely separated" in apart.note
    # exact p for complete separation of 3 and 4 answers: 2 / C(7, 3)
    assert apart.p_value == pytest.approx(2 / math.comb(7, 3))
    for r in result.results:
        assert_no_nan(r.to_record())


def test_very_unequal_group_sizes(tmp_path):
    big = [1, 2, 3, 4, 5] * 80
    r = find(run(tmp_path, wave_rows("forenklet", [4, 5, 5], big)), "forenklet")
    assert r.method == "asymptotic"
    theirs = stats.mannwhitneyu([4, 5, 5], big, method="asymptotic")
    assert (r.u, r.p_value) == (theirs.statistic, pytest.approx(theirs.pvalue))
    assert r.brunner_munzel_p == pytest.approx(stats.brunnermunzel([4, 5, 5], big).pvalue)


def test_yes_no_item_uses_fisher_and_share_of_yes(tmp_path):
    # code 2 is "Ja" in the fixture: yes 1/4 in A, 4/5 in B
    r = find(run(tmp_path, wave_rows("tilsyn", [2, 1, 1, 1], [2, 2, 2, 2, 1])), "tilsyn")
    assert r.method == "fisher_exact"
    assert r.p_value == pytest.approx(stats.fisher_exact([[1, 3], [4, 1]]).pvalue)
    assert r.yes_no.share_a == 0.25 and r.yes_no.share_b == 0.8
    assert r.yes_no.difference == pytest.approx(0.55)
    assert "share yes 0.250" in r.note and "Newcombe" in r.note
    assert r.u is None and r.cliffs is None


def test_nominal_item_gets_distributions_only(tmp_path):
    r = find(run(tmp_path, wave_rows("sagstype", [1, 2, 3, 3], [1, 1, 2])), "sagstype")
    assert r.status_code == "nominal" and "no ordinal test" in r.note
    assert r.p_value is None and r.distribution_a.median is None
    assert r.distribution_a.counts == (1, 1, 2)


def test_item_changed_between_versions_is_not_compared(tmp_path):
    rows = wave_rows("brug", [1, 2, 3], [2, 3, 4]) + wave_rows("forenklet", [1, 2, 3], [2, 3, 4])
    for row in rows[3:6]:
        row["version"] = "2"  # 'brug' answered in version 2 in the summer wave
    r = find(run(tmp_path, rows), "brug")
    assert r.status_code == "not_comparable" and r.p_value is None
    assert r.distribution_b.n == 3
    assert find(run(tmp_path, rows), "forenklet").status_code == "ok"


def test_every_item_and_group_is_reported_and_bh_is_within_group(tmp_path):
    rows = wave_rows("forenklet", [1, 1, 2, 2], [4, 5, 5, 4], "Aalborg")
    rows += wave_rows("brug", [1, 2, 3, 4], [1, 2, 3, 4], "Aalborg")
    rows += wave_rows("forenklet", [1, 2, 2], [3, 3, 4], "Thisted")
    result = run(tmp_path, rows)
    groups = [r.group for r in result.results]
    assert groups == ["alle"] * 5 + ["Aalborg"] * 5 + ["Thisted"] * 5
    items = [r.item for r in result.results[:5]]
    assert items == ["forenklet", "brug", "tilsyn", "sagstype", "belastning"]
    for group in ("alle", "Aalborg"):
        in_group = [r for r in result.results if r.group == group and r.p_value is not None]
        expected = stats.false_discovery_control([r.p_value for r in in_group])
        assert [r.p_adjusted for r in in_group] == pytest.approx(list(expected))
    thisted = find(result, "forenklet", "Thisted")
    assert thisted.p_adjusted == thisted.p_value  # the only p-value in its group
    assert find(result, "tilsyn", "Thisted").status_code == "too_few"


def test_without_by_municipality_only_alle(tmp_path):
    rows = wave_rows("forenklet", [1, 2], [3, 4], "Aalborg")
    rows += wave_rows("forenklet", [1, 2], [3, 4], "Thisted")
    result = run(tmp_path, rows, by_municipality=False)
    assert {r.group for r in result.results} == {"alle"}
    assert find(result, "forenklet").distribution_a.n == 4


def test_record_has_exactly_the_json_keys_and_is_json_safe(tmp_path):
    rows = wave_rows("forenklet", [1, 2, 3], [3, 4, 5]) + wave_rows("tilsyn", [1], [2])
    for r in run(tmp_path, rows).results:
        record = r.to_record()
        assert tuple(record) == JSON_KEYS
        json.dumps(record, allow_nan=False)


def test_compare_counts_from_sql_style_records():
    definition = definitions()[1]
    records = [
        ("forenklet", "Aalborg", A, 1, None, 2),
        ("forenklet", "Aalborg", A, 2, None, 1),
        ("forenklet", "Aalborg", A, None, "ved_ikke", 4),
        ("forenklet", "Aalborg", B, 5, None, 3),
    ]
    table = CountTable.from_records(records).with_total()
    results = compare_counts(table, definition, A, B)
    r = next(x for x in results if x.item == "forenklet" and x.group == "Aalborg")
    assert r.distribution_a.counts == (2, 1, 0, 0, 0) and r.distribution_a.ved_ikke == 4
    assert r.cliffs.delta == -1.0
    with pytest.raises(ValueError, match="not in questionnaire"):
        compare_counts(CountTable.from_records([("ukendt", "x", A, 1, None, 1)]), definition, A, B)
    with pytest.raises(ValueError, match="codes above 5"):
        compare_counts(CountTable.from_records([("forenklet", "x", A, 6, "", 1)]), definition, A, B)


def test_distributions_and_median():
    assert median_of_counts([1, 0, 1]) == 2.0  # answers 1 and 3
    assert median_of_counts([2, 1, 0]) == 1.0
    assert median_of_counts([0, 0]) is None
    definition = definitions()[1]
    table = CountTable.from_records([("forenklet", "Aalborg", A, 4, "", 3)])
    dists = distributions(table, definition)
    assert len(dists) == 5
    empty = next(d for d in dists if d.item == "brug")
    assert (empty.n, empty.shares, empty.mean) == (0, None, None)
    forenklet = next(d for d in dists if d.item == "forenklet")
    assert forenklet.shares == (0, 0, 0, 1.0, 0) and forenklet.labels[3] == "I nogen grad"
