"""The wave comparison page's content: statistics from ``analysis`` with small groups hidden."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.compare import Comparison, compare_counts
from analysis.counts import ALL_GROUP, CountTable, OptionCounts
from analysis.definitions import ItemDef, QuestionnaireDef
from analysis.plots import item_figure, small_multiples_figure

from ..suppression import SuppressedCounts

SIGNIFICANCE = 0.05


@dataclass
class WaveCells:
    """One group's answers to one item in one wave as shown: counts, or why not."""

    counts: OptionCounts | None
    hidden: str | None


@dataclass
class GroupRow:
    """One group's line in an item's tables: both waves, and statistics if both are shown."""

    group: str
    a: WaveCells
    b: WaveCells
    comparison: Comparison | None
    reading: str = ""


@dataclass
class ItemSection:
    """Everything shown for one item: figures (plotly figure dictionaries) and the table of
    groups."""

    item: ItemDef
    rows: list[GroupRow]
    figure_all: dict | None
    figure_groups: dict | None


def reading(result: Comparison, wave_a: str, wave_b: str) -> str:
    """A plain-language reading of one comparison, in Danish, naming the waves by title."""
    if result.status_code == "too_few":
        return "For få svar til en test"
    if result.status_code == "nominal":
        return "Kun fordeling (svarkategorierne har ingen rækkefølge)"
    if result.status_code == "not_comparable":
        return "Kan ikke sammenlignes: spørgsmålet er ændret mellem versionerne"
    p = result.p_adjusted if result.p_adjusted is not None else result.p_value
    if p is None:
        return "Ingen test"
    if p >= SIGNIFICANCE:
        return "Ingen sikker forskel"
    if result.cliffs is not None:
        direction = "lavere" if result.cliffs.delta > 0 else "højere"
        return f"Sikker forskel: svarene i „{wave_b}“ ligger {direction} end i „{wave_a}“"
    if result.yes_no is not None:
        direction = "større" if result.yes_no.difference > 0 else "mindre"
        return f"Sikker forskel: andelen „ja“ er {direction} i „{wave_b}“"
    return "Sikker forskel"


def suppressed(
    table: CountTable,
    definition: QuestionnaireDef,
    waves: list[str],
    groups: list[str],
    threshold: int,
    impossible: dict[str, set[str]] | None,
) -> SuppressedCounts:
    """The count table as the viewer of ``groups`` may see it (``alle`` among them or not)."""
    items = [(item.key, item.n_options) for item in definition.items]
    return SuppressedCounts(table, items, waves, threshold, ALL_GROUP in groups, impossible or {})


def build_sections(
    table: CountTable,
    definition: QuestionnaireDef,
    wave_a: str,
    wave_b: str,
    groups: list[str],
    threshold: int,
    impossible: dict[str, set[str]] | None = None,
    titles: dict[str, str] | None = None,
) -> list[ItemSection]:
    """Per item: each group's counts and statistics as the suppression rule allows (a group
    is shown or hidden as a whole per wave), and figures drawn from the same counts.
    ``titles`` names the waves in the readings (by key when missing)."""
    title_a, title_b = ((titles or {}).get(w, w) for w in (wave_a, wave_b))
    view = suppressed(table, definition, [wave_a, wave_b], groups, threshold, impossible)
    results = {
        (r.item, r.group): r for r in compare_counts(table, definition, wave_a, wave_b, groups)
    }
    plotted, hidden = view.shown_table(), view.hidden_labels(groups)
    municipalities = [g for g in groups if g != ALL_GROUP]
    sections = []
    for item in definition.items:
        rows = []
        for group in groups:
            cells = [
                WaveCells(view.get(item.key, group, w, item.n_options), view.label(group, w))
                for w in (wave_a, wave_b)
            ]
            result = results[(item.key, group)] if view.shown_in_both(group) else None
            text = reading(result, title_a, title_b) if result else ""
            rows.append(GroupRow(group, cells[0], cells[1], result, text))
        figure_all = (
            item_figure(plotted, definition, item.key, wave_a, wave_b, [ALL_GROUP], hidden)
            if ALL_GROUP in groups
            else None
        )
        figure_groups = (
            small_multiples_figure(
                plotted, definition, item.key, wave_a, wave_b, municipalities, hidden
            )
            if municipalities
            else None
        )
        sections.append(ItemSection(item, rows, figure_all, figure_groups))
    return sections


COUNTS_HEADER = [
    "item",
    "group",
    "wave",
    "value",
    "count",
    "n",
    "ved_ikke",
    "ubesvaret",
    "note",
]


def count_rows(
    table: CountTable,
    definition: QuestionnaireDef,
    waves: list[str],
    groups: list[str],
    threshold: int,
    impossible: dict[str, set[str]] | None = None,
) -> list[list]:
    """The rows of counts.csv (``COUNTS_HEADER``): per item, group and wave one row per
    option code (labels are in the codebook export) with the group's n, "ved ikke" and
    skipped answers beside it, or one row
    saying why the group is hidden; the same rule as the page. Only closed items: open
    items (text, number) never enter the count table; "ikke relevant" is not a column."""
    view = suppressed(table, definition, waves, groups, threshold, impossible)
    rows = []
    for item in definition.items:
        for group in groups:
            for wave in waves:
                counts = view.get(item.key, group, wave, item.n_options)
                if counts is None:
                    rows.append(
                        [item.key, group, wave, "", "", "", "", "", view.label(group, wave)]
                    )
                    continue
                beside = [counts.n, counts.ved_ikke, counts.ubesvaret, ""]
                rows.extend(
                    [item.key, group, wave, code, count, *beside]
                    for code, count in enumerate(counts.counts, start=1)
                )
    return rows
