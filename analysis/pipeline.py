"""From an export file to results: read, check against the definitions, count, compute.

These functions are what the command line uses; each goes through the count-table code
that the app can call directly with counts aggregated in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analysis.compare import Comparison, compare_counts
from analysis.counts import ALL_GROUP, CountTable, checked_rows, count_table_from_rows
from analysis.definitions import QuestionnaireDef, merge_versions
from analysis.progression import (
    Occasion,
    Progression,
    ProgressionCounts,
    citizen_occasions,
    domain_reliabilities,
    first_occasions,
    progression_counts_from_occasions,
    progression_from_counts,
)
from analysis.reading import ExportError, ExportRow, iter_export
from analysis.reliability import DomainReliability


class _Versions:
    """Passes rows through and remembers which questionnaire versions they answered."""

    def __init__(self, rows: Iterable[ExportRow]):
        self.rows = rows
        self.seen: set[int] = set()

    def __iter__(self) -> Iterator[ExportRow]:
        for row in self.rows:
            self.seen.add(row.version)
            yield row


@dataclass
class WaveComparison:
    """Results of ``compare_export`` with the counts and definition behind them (for plots)."""

    results: list[Comparison]
    table: CountTable
    definition: QuestionnaireDef
    groups: list[str]


def compare_rows(
    rows: Iterable[ExportRow],
    definitions: dict[int, QuestionnaireDef],
    wave_a: str,
    wave_b: str,
    by_municipality: bool = False,
    source: str = "export",
) -> WaveComparison:
    """Compare two waves from export rows of one questionnaire (definitions by version):
    group ``alle`` and, with ``by_municipality``, every municipality. An unknown item, code,
    version or wave stops with an ExportError naming where."""
    versions = _Versions(rows)
    table = count_table_from_rows(versions, definitions, source)
    waves = table.waves()
    for wave in (wave_a, wave_b):
        if wave not in waves:
            present = ", ".join(w or "(no wave)" for w in waves) or "none"
            raise ExportError(
                source, None, "wave",
                f"wave {wave!r} does not occur in the file for this questionnaire "
                f"(waves present: {present})",
            )  # fmt: skip
    definition = merge_versions(definitions, versions.seen)
    municipalities = table.groups()
    total = table.with_total()
    groups = [ALL_GROUP] + (municipalities if by_municipality else [])
    results = compare_counts(total, definition, wave_a, wave_b, groups)
    return WaveComparison(results, total, definition, [ALL_GROUP, *municipalities])


def compare_export(
    path: str | Path,
    definitions: dict[int, QuestionnaireDef],
    questionnaire: str,
    wave_a: str,
    wave_b: str,
    by_municipality: bool = False,
) -> WaveComparison:
    """Compare two waves of ``questionnaire`` straight from an export CSV (see compare_rows)."""
    rows = iter_export(path, questionnaire, definitions)
    return compare_rows(rows, definitions, wave_a, wave_b, by_municipality, str(path))


@dataclass
class ProgressionResult:
    """Results of ``progression_export`` with the counts, definition and citizens behind them."""

    results: list[Progression]
    counts: ProgressionCounts
    definition: QuestionnaireDef
    citizens: dict[str, list[Occasion]]
    reliabilities: dict[str, DomainReliability] = field(default_factory=dict)


def progression_rows(
    rows: Iterable[ExportRow],
    definitions: dict[int, QuestionnaireDef],
    by_municipality: bool = False,
    source: str = "export",
) -> ProgressionResult:
    """Progression between each citizen's first and latest occasion, from export rows of one
    repeated questionnaire: group ``alle`` and, with ``by_municipality``, each municipality."""
    versions = _Versions(rows)
    citizens = citizen_occasions(checked_rows(versions, definitions, source))
    if not citizens:
        raise ExportError(
            source, None, "respondent_key",
            "no row has a citizen pseudonym; progression needs a repeated citizen questionnaire",
        )  # fmt: skip
    definition = merge_versions(definitions, versions.seen)
    counts = progression_counts_from_occasions(citizens, definition, by_municipality)
    groups = counts.groups() if by_municipality else [ALL_GROUP]
    reliabilities = domain_reliabilities(first_occasions(citizens), definition)
    used = {key: r.used for key, r in reliabilities.items()}
    results = progression_from_counts(counts, definition, groups, used)
    return ProgressionResult(results, counts, definition, citizens, reliabilities)


def progression_export(
    path: str | Path,
    definitions: dict[int, QuestionnaireDef],
    questionnaire: str,
    by_municipality: bool = False,
) -> ProgressionResult:
    """Progression of ``questionnaire`` straight from an export CSV (see progression_rows)."""
    rows = iter_export(path, questionnaire, definitions)
    return progression_rows(rows, definitions, by_municipality, str(path))
