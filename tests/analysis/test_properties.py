"""Property tests: the export-file path and the count-table path give identical results,
and both agree with scipy applied to the raw rows."""

from __future__ import annotations

import random
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.compare import compare_counts
from analysis.counts import CountTable
from analysis.definitions import merge_versions
from analysis.pipeline import compare_export
from tests.analysis.helpers import answer, definitions, write_export

A, B = "jan-2019", "sommer-2020"
N_OPTIONS = {"forenklet": 5, "brug": 4, "tilsyn": 2, "sagstype": 3, "belastning": 5}
MUNICIPALITIES = ["Aalborg", "Thisted", "Furesø", "Læsø"]

answers = st.lists(
    st.tuples(
        st.sampled_from(sorted(N_OPTIONS)),
        st.sampled_from(MUNICIPALITIES),
        st.sampled_from([A, B]),
        st.integers(0, 6),  # 0 = ved ikke, 6 = skipped, else a code (folded into range)
    ),
    max_size=120,
)


def rows_from(draw):
    rows = []
    for item, municipality, wave, code in draw:
        if code == 0:
            rows.append(answer(item, None, wave, municipality))
        elif code == 6:
            rows.append(answer(item, None, wave, municipality, missing="ubesvaret"))
        else:
            rows.append(answer(item, (code - 1) % N_OPTIONS[item] + 1, wave, municipality))
    # both waves must occur in the file
    rows.append(answer("forenklet", 1, A, "Aalborg"))
    rows.append(answer("forenklet", 5, B, "Thisted"))
    return rows


@settings(max_examples=60, deadline=None)
@given(answers, st.randoms(use_true_random=False))
def test_file_path_equals_count_table_path(draw, rnd: random.Random):
    rows = rows_from(draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_export(Path(tmp) / "export.csv", rows)
        from_file = compare_export(path, definitions(), "proeve", A, B, by_municipality=True)
    # independent aggregation, like SQL GROUP BY, handed over in a random order
    grouped = Counter(
        (r["item"], r["municipality"], r["wave"], int(r["value"]) if r["value"] else None,
         r["missing"] or None)
        for r in rows
    )  # fmt: skip
    records = [(*key, n) for key, n in grouped.items()]
    rnd.shuffle(records)
    table = CountTable.from_records(records).with_total()
    groups = ["alle", *sorted({r["municipality"] for r in rows})]
    definition = merge_versions(definitions(), {1})
    from_counts = compare_counts(table, definition, A, B, groups)
    assert [r.to_record() for r in from_file.results] == [r.to_record() for r in from_counts]


@settings(max_examples=60, deadline=None)
@given(answers)
def test_results_agree_with_scipy_on_raw_rows(draw):
    rows = rows_from(draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_export(Path(tmp) / "export.csv", rows)
        result = compare_export(path, definitions(), "proeve", A, B, by_municipality=True)
    for r in result.results:
        raw = {
            wave: [
                int(x["value"])
                for x in rows
                if x["item"] == r.item
                and x["wave"] == wave
                and x["value"]
                and r.group in ("alle", x["municipality"])
            ]
            for wave in (A, B)
        }
        assert (r.distribution_a.n, r.distribution_b.n) == (len(raw[A]), len(raw[B]))
        if r.status_code == "too_few":
            assert min(len(raw[A]), len(raw[B])) < 3 and r.p_value is None
            continue
        if r.method in ("exact", "asymptotic"):
            theirs = stats.mannwhitneyu(raw[A], raw[B], method="asymptotic")
            assert r.u == theirs.statistic
            if r.method == "asymptotic":
                assert r.p_value == pytest.approx(theirs.pvalue, rel=1e-9)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bm = stats.brunnermunzel(raw[A], raw[B])
            if r.brunner_munzel_p is not None:
                assert r.brunner_munzel_p == pytest.approx(bm.pvalue, rel=1e-9, abs=1e-12)
            dominance = sum((x > y) - (x < y) for x in raw[A] for y in raw[B])
            assert r.cliffs.delta == pytest.approx(dominance / (len(raw[A]) * len(raw[B])))
            assert r.distribution_a.mean == pytest.approx(sum(raw[A]) / len(raw[A]))
            assert r.distribution_a.median == pytest.approx(
                float(stats.scoreatpercentile(raw[A], 50))
            )
        elif r.method == "fisher_exact":
            table = [[raw[w].count(2), raw[w].count(1)] for w in (A, B)]
            assert r.p_value == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)
