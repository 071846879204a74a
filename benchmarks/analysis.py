"""Benchmark for analysis/: compare two waves for every item and municipality.

Writes a synthetic export (default one million answers: 2 waves, 98 municipalities,
5 items) and prints the time to compare all items for all municipalities
1. from the CSV file (read, validate, count, compute),
2. from a count table (what the app hands over after a SQL GROUP BY),
3. with a naive per-group pandas + scipy implementation, in the same run,
and the peak memory of each (tracemalloc, measured in separate runs so that tracing does
not distort the timings).

    .venv/bin/python benchmarks/analysis.py [--answers N] [--municipalities M] [--items K]
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.compare import compare_counts  # noqa: E402
from analysis.counts import ALL_GROUP, CountTable  # noqa: E402
from analysis.definitions import load_definitions, merge_versions  # noqa: E402
from analysis.pipeline import compare_export  # noqa: E402
from analysis.reading import COLUMNS  # noqa: E402

KEY, WAVE_A, WAVE_B = "bench", "jan-2019", "sommer-2020"


def write_definition(directory: Path, n_items: int) -> None:
    """A questionnaire with ``n_items`` five-point items."""
    items = "\n".join(
        f"  - {{key: item{i}, text: 'Spørgsmål {i}', scale: grad}}" for i in range(n_items)
    )
    labels = ["Slet ikke", "I mindre grad", "Hverken eller", "I nogen grad", "I høj grad"]
    options = "\n".join(f"      - {{code: {c}, label: '{t}'}}" for c, t in enumerate(labels, 1))
    (directory / f"{KEY}.v1.yaml").write_text(
        f"key: {KEY}\nversion: 1\ntitle: Benchmark\naudience: caseworker\nanonymous: true\n"
        f"scales:\n  - key: grad\n    type: ordinal\n    options:\n{options}\n"
        f"    non_substantive: {{key: ved_ikke, label: 'Ved ikke'}}\nitems:\n{items}\n",
        encoding="utf-8",
    )


def write_export(path: Path, answers: int, municipalities: int, n_items: int, seed: int):
    """A synthetic export; returns the SQL-style aggregated records of the same rows."""
    rnd = random.Random(seed)
    names = [f"Kommune-{m:03d}-æøå" for m in range(municipalities)]
    labels = ["Slet ikke", "I mindre grad", "Hverken eller", "I nogen grad", "I høj grad"]
    aggregated: Counter = Counter()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for response in range(answers // n_items):
            wave = WAVE_A if response % 2 else WAVE_B
            shift = 0 if wave == WAVE_A else 1
            municipality = names[rnd.randrange(municipalities)]
            day = "2019-01-15" if wave == WAVE_A else "2020-06-15"
            rid = f"{response:032x}"
            for i in range(n_items):
                if rnd.random() < 0.05:
                    value, label, missing = "", "Ved ikke", "ved_ikke"
                else:
                    code = min(5, max(1, round(rnd.gauss(3 + shift * 0.3, 1.1))))
                    value, label, missing = str(code), labels[code - 1], ""
                writer.writerow(
                    (rid, "", KEY, 1, wave, municipality, f"item{i}", value, label, missing, day)
                )
                aggregated[
                    (f"item{i}", municipality, wave, int(value) if value else None, missing)
                ] += 1
    return [(*key, n) for key, n in aggregated.items()]


def from_csv(path: Path, definitions) -> list:
    """Our path from the export file."""
    return compare_export(path, definitions, KEY, WAVE_A, WAVE_B, by_municipality=True).results


def from_counts(records: list, definitions) -> list:
    """Our path from SQL-style count records."""
    table = CountTable.from_records(records)
    groups = [ALL_GROUP, *table.groups()]
    definition = merge_versions(definitions, {1})
    return compare_counts(table.with_total(), definition, WAVE_A, WAVE_B, groups)


def naive_pandas(path: Path, n_items: int) -> list:
    """What one would write first: read with pandas, filter per group and item, run scipy."""
    import pandas as pd
    from scipy import stats

    df = pd.read_csv(path, dtype={"value": "float64"}, keep_default_na=False, na_values=[""])
    df = df[df["value"].notna()]  # drop "ved ikke" and skipped answers
    results = []
    groups = [None, *sorted(df["municipality"].unique())]
    for group in groups:
        in_group = df if group is None else df[df["municipality"] == group]
        for i in range(n_items):
            rows = in_group[in_group["item"] == f"item{i}"]
            a = rows.loc[rows["wave"] == WAVE_A, "value"].to_numpy()
            b = rows.loc[rows["wave"] == WAVE_B, "value"].to_numpy()
            if len(a) < 3 or len(b) < 3:
                results.append(None)
                continue
            mw = stats.mannwhitneyu(a, b)
            bm = stats.brunnermunzel(a, b)
            sorted_b = np.sort(b)  # Cliff's delta without an n_a x n_b matrix
            below = np.searchsorted(sorted_b, a, side="left").sum()
            above = (len(b) - np.searchsorted(sorted_b, a, side="right")).sum()
            delta = (below - above) / (len(a) * len(b))
            results.append((mw.pvalue, bm.pvalue, delta))
    return results


def timed(label: str, func, *args):
    gc.collect()
    start = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s", flush=True)
    return result, seconds


def peak_memory(func, *args) -> float:
    gc.collect()
    tracemalloc.start()
    func(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--municipalities", type=int, default=98)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_definition(tmp, args.items)
        definitions = load_definitions(tmp, KEY)
        path = tmp / "export.csv"
        start = time.perf_counter()
        records = write_export(path, args.answers, args.municipalities, args.items, args.seed)
        print(
            f"synthetic export: {args.answers:,} answers, {args.municipalities} municipalities, "
            f"{args.items} items, 2 waves; {path.stat().st_size / 2**20:.0f} MiB written in "
            f"{time.perf_counter() - start:.1f} s; {len(records):,} count records"
        )
        ours_csv, t_csv = timed("analysis, from the CSV file", from_csv, path, definitions)
        ours_counts, t_counts = timed(
            "analysis, from a count table", from_counts, records, definitions
        )
        naive, t_naive = timed(
            "naive per-group pandas + scipy (from CSV)", naive_pandas, path, args.items
        )
        assert [r.to_record() for r in ours_csv] == [r.to_record() for r in ours_counts]
        comparable = [
            (r, n)
            for r, n in zip(ours_csv, naive, strict=True)
            if n is not None and r.p_value is not None
        ]
        delta_gap = max((abs(r.cliffs.delta - n[2]) for r, n in comparable), default=0.0)
        worst = max(
            (
                abs(r.brunner_munzel_p - n[1])
                for r, n in comparable
                if r.brunner_munzel_p is not None
            ),
            default=0.0,
        )
        print(
            f"results: {len(ours_csv)} comparisons (identical from CSV and from counts); "
            f"largest difference to the naive run: Brunner-Munzel p {worst:.1e}, "
            f"Cliff's delta {delta_gap:.1e}"
        )
        print(f"speed-up over naive pandas: {t_naive / t_csv:.1f}x from CSV, "
              f"{t_naive / t_counts:.0f}x from counts")  # fmt: skip
        if not args.no_memory:
            print("peak memory (tracemalloc, separate runs):")
            runs = [
                ("analysis, from the CSV file", from_csv, (path, definitions)),
                ("analysis, from a count table", from_counts, (records, definitions)),
                ("naive pandas + scipy", naive_pandas, (path, args.items)),
            ]
            for label, func, func_args in runs:
                print(f"  {label:<42} {peak_memory(func, *func_args):8.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
