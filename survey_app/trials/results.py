"""A trial's results per instrument and wave: distributions, n, missing codes, success
shares with Wilson intervals per municipality and in total, the comparison of two waves,
and response rates. Everything passes the one suppression rule (survey_app/suppression.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from analysis.compare import Comparison, compare_counts
from analysis.counts import ALL_GROUP, CountTable, OptionCounts
from analysis.definitions import ItemDef, QuestionnaireDef
from analysis.plots import waves_figure
from analysis.reading import MISSING_CODES
from analysis.shares import Share, ShareChange, option_share, share_change

from ..suppression import SuppressedCounts
from .trials import SuccessCriterion

MISSING_LABELS = {
    "ved_ikke": "Ved ikke",
    "ubesvaret": "Ubesvaret",
    "ikke_relevant": "Ikke relevant",
}


def missing_label(code: str, item: ItemDef | None = None) -> str:
    """The Danish column heading of a missing code (any code, also ones added later); for
    ``ved_ikke`` the item's own label of its non-substantive option."""
    if code == "ved_ikke" and item is not None:
        return item.non_substantive_label
    return MISSING_LABELS.get(code, code.replace("_", " ").capitalize())


@dataclass
class GroupResult:
    """One group's answers to one item in one wave, or the reason they are hidden."""

    group: str
    counts: OptionCounts | None
    hidden: str | None
    missing: dict[str, int]
    shares: list[tuple[SuccessCriterion, Share]]
    yes_share: Share | None = None


@dataclass
class Difference:
    """One group's change between two waves: per criterion the share change (Newcombe), and
    the item's Mann-Whitney/Cliff's delta comparison."""

    group: str
    hidden: bool
    changes: list[tuple[SuccessCriterion, ShareChange | None]]
    comparison: Comparison | None


@dataclass
class ItemResult:
    """Everything shown for one item: per wave the groups, the figure, and for two waves
    the differences."""

    item: ItemDef
    waves: list[str]
    by_wave: dict[str, list[GroupResult]]
    missing_codes: list[str]
    figure: dict | None
    differences: list[Difference] = field(default_factory=list)


def missing_counts(table: CountTable) -> dict[tuple[str, str, str], dict[str, int]]:
    """Per (item, group, wave) every missing code's count, whatever codes the data hold."""
    found: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for item, group, wave, value, missing, count in table.records():
        if value is None and missing:
            found[(item, group, wave)][missing] = count
    return found


def _ordered_codes(codes: set[str]) -> list[str]:
    known = [c for c in MISSING_CODES if c in codes]
    return known + sorted(codes - set(known))


def item_results(
    table: CountTable,
    definition: QuestionnaireDef,
    waves: list[str],
    groups: list[str],
    threshold: int,
    criteria: list[SuccessCriterion],
    impossible: dict[str, set[str]] | None = None,
    with_figures: bool = True,
) -> list[ItemResult]:
    """Per item and wave each group's numbers as the suppression rule allows; with two waves
    also the change in each success share and the ordinal comparison."""
    items = [(item.key, item.n_options) for item in definition.items]
    view = SuppressedCounts(table, items, waves, threshold, ALL_GROUP in groups, impossible or {})
    missing = missing_counts(table)
    comparisons = {}
    if len(waves) == 2:
        comparisons = {
            (r.item, r.group): r for r in compare_counts(table, definition, *waves, groups)
        }
    plotted, hidden = view.shown_table(), view.hidden_labels(groups)
    results = []
    for item in definition.items:
        own = [c for c in criteria if c.item == item.key]
        codes = {
            code
            for g in groups
            for w in waves
            if view.reason(g, w) is None
            for code in missing.get((item.key, g, w), {})
        }
        by_wave = {}
        for wave in waves:
            rows = []
            for group in groups:
                counts = view.get(item.key, group, wave, item.n_options)
                if counts is None:
                    rows.append(GroupResult(group, None, view.label(group, wave), {}, []))
                    continue
                shares = [(c, option_share(counts, c.options)) for c in own]
                yes = option_share(counts, [item.yes_code]) if item.scale_type == "yes_no" else None
                cell_missing = missing.get((item.key, group, wave), {})
                rows.append(GroupResult(group, counts, None, dict(cell_missing), shares, yes))
            by_wave[wave] = rows
        differences = []
        if len(waves) == 2:
            for i, group in enumerate(groups):
                a, b = by_wave[waves[0]][i], by_wave[waves[1]][i]
                if a.hidden or b.hidden:
                    differences.append(Difference(group, True, [], None))
                    continue
                changes = [
                    (c, share_change(sa, sb))
                    for (c, sa), (_, sb) in zip(a.shares, b.shares, strict=True)
                ]
                differences.append(
                    Difference(group, False, changes, comparisons.get((item.key, group)))
                )
        figure = (
            waves_figure(plotted, definition, item.key, waves, groups, hidden)
            if with_figures
            else None
        )
        results.append(ItemResult(item, waves, by_wave, _ordered_codes(codes), figure, differences))
    return results
