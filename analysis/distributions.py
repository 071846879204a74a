"""Distributions per item, wave and group: counts and shares per option, n, median, mean.

"Ved ikke", skipped and not relevant (routed past) answers are counted and reported apart;
they never enter n, the shares, the median or the mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.counts import CountTable, OptionCounts
from analysis.definitions import ItemDef, QuestionnaireDef


@dataclass(frozen=True)
class Distribution:
    """One item in one group and wave. ``shares``, ``median`` and ``mean`` are None when
    there are no substantive answers; median and mean are None for non-ordinal scales."""

    item: str
    group: str
    wave: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    shares: tuple[float, ...] | None
    n: int
    median: float | None
    mean: float | None
    ved_ikke: int
    ubesvaret: int
    ikke_relevant: int = 0


def median_of_counts(counts: tuple[int, ...] | list[int]) -> float | None:
    """The median option code (the mean of the two middle answers when n is even)."""
    n = sum(counts)
    if n == 0:
        return None
    wanted = ((n - 1) // 2, n // 2)  # 0-based positions of the middle answer(s)
    found: list[int] = []
    seen = 0
    for code, c in enumerate(counts, start=1):
        for position in wanted:
            if seen <= position < seen + c:
                found.append(code)
        seen += c
    return sum(found) / 2


def mean_of_counts(counts: tuple[int, ...] | list[int]) -> float | None:
    """The mean option code, or None without answers."""
    n = sum(counts)
    if n == 0:
        return None
    return sum(code * c for code, c in enumerate(counts, start=1)) / n


def describe_counts(
    item: ItemDef, counts: OptionCounts, group: str = "", wave: str = ""
) -> Distribution:
    """The distribution of one item's answers from its option counts."""
    n = counts.n
    ordinal = item.scale_type == "ordinal"
    return Distribution(
        item=item.key,
        group=group,
        wave=wave,
        labels=item.labels,
        counts=counts.counts,
        shares=tuple(c / n for c in counts.counts) if n else None,
        n=n,
        median=median_of_counts(counts.counts) if ordinal else None,
        mean=mean_of_counts(counts.counts) if ordinal else None,
        ved_ikke=counts.ved_ikke,
        ubesvaret=counts.ubesvaret,
        ikke_relevant=counts.ikke_relevant,
    )


def distributions(
    table: CountTable,
    definition: QuestionnaireDef,
    waves: list[str] | None = None,
    groups: list[str] | None = None,
) -> list[Distribution]:
    """Every item x group x wave distribution of the table, in questionnaire item order."""
    waves = waves if waves is not None else table.waves()
    groups = groups if groups is not None else table.groups()
    return [
        describe_counts(item, table.get(item.key, group, wave, item.n_options), group, wave)
        for group in groups
        for item in definition.items
        for wave in waves
    ]
