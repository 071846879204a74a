"""Small-group suppression: no dashboard cell may rest on fewer respondents than the threshold."""

from __future__ import annotations

from analysis.counts import CountTable
from analysis.progression import ProgressionCounts


def shown(count: int | None, threshold: int) -> str:
    """A count as the dashboard shows it: '<N' for 1..N-1 respondents, else the number."""
    if count is None:
        return "–"
    return f"<{threshold}" if 0 < count < threshold else str(count)


def group_n(table: CountTable, group: str, wave: str) -> int:
    """Responses in a group and wave (every response has one row per item, missing included)."""
    best = 0
    for item in table.items():
        cell = table.get(item, group, wave)
        best = max(best, cell.n + cell.ved_ikke + cell.ubesvaret)
    return best


def suppressed_table(
    table: CountTable, threshold: int, waves: list[str]
) -> tuple[CountTable, set[str]]:
    """A copy for plots and downloads: groups with fewer than ``threshold`` responses in any
    of ``waves`` are dropped, and every remaining cell under the threshold is left out.
    Returns the copy and the names of the dropped groups."""
    dropped = {g for g in table.groups() for w in waves if group_n(table, g, w) < threshold}
    kept = CountTable()
    for item, group, wave, value, missing, count in table.records():
        if group not in dropped and count >= threshold:
            kept.add(item, group, wave, value, missing, count)
    return kept, dropped


def suppressed_progression(counts: ProgressionCounts, threshold: int) -> ProgressionCounts:
    """A copy for plots: the occasion points resting on fewer than ``threshold`` citizens
    are left out (pairs and first scores are not plotted and stay as they are)."""
    return ProgressionCounts(
        pairs=counts.pairs,
        first_scores=counts.first_scores,
        by_occasion={
            key: scores
            for key, scores in counts.by_occasion.items()
            if sum(scores.values()) >= threshold
        },
    )
