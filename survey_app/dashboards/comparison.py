"""The wave comparison page's content: statistics from ``analysis`` with small groups hidden."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from analysis.compare import Comparison, compare_counts
from analysis.counts import ALL_GROUP, CountTable
from analysis.definitions import ItemDef, QuestionnaireDef
from analysis.plots import item_figure, small_multiples_figure

from .suppression import group_n, shown, suppressed_table

SIGNIFICANCE = 0.05


@dataclass
class GroupRow:
    """One group's line in an item's table, already suppressed where needed."""

    group: str
    n_a: str
    n_b: str
    hidden: bool
    comparison: Comparison | None
    option_counts_a: list[str] = field(default_factory=list)
    option_counts_b: list[str] = field(default_factory=list)
    ved_ikke_a: str = ""
    ved_ikke_b: str = ""
    reading: str = ""


@dataclass
class ItemSection:
    """Everything shown for one item: figures (as JSON) and the table of groups."""

    item: ItemDef
    rows: list[GroupRow]
    figure_all: str | None
    figure_groups: str | None
    hidden_groups: list[str]


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


def _figure_json(figure) -> str:
    return json.loads(figure.to_json())


def build_sections(
    table: CountTable,
    definition: QuestionnaireDef,
    wave_a: str,
    wave_b: str,
    groups: list[str],
    threshold: int,
    titles: dict[str, str] | None = None,
) -> list[ItemSection]:
    """Per item: statistics for each group, counts shown as '<N' where small, figures
    drawn only from groups and cells at or above the threshold. ``titles`` names the waves
    in the readings (by key when missing)."""
    title_a, title_b = ((titles or {}).get(w, w) for w in (wave_a, wave_b))
    results = compare_counts(table, definition, wave_a, wave_b, groups)
    plotted, hidden = suppressed_table(table, threshold, [wave_a, wave_b])
    by_key = {(r.item, r.group): r for r in results}
    sections = []
    for item in definition.items:
        rows = []
        for group in groups:
            n_a, n_b = group_n(table, group, wave_a), group_n(table, group, wave_b)
            cell_a = table.get(item.key, group, wave_a, item.n_options)
            cell_b = table.get(item.key, group, wave_b, item.n_options)
            too_small = min(n_a, n_b) < threshold
            result = None if too_small else by_key[(item.key, group)]
            rows.append(
                GroupRow(
                    group=group,
                    n_a=shown(n_a, threshold),
                    n_b=shown(n_b, threshold),
                    hidden=too_small,
                    comparison=result,
                    option_counts_a=[shown(c, threshold) for c in cell_a.counts],
                    option_counts_b=[shown(c, threshold) for c in cell_b.counts],
                    ved_ikke_a=shown(cell_a.ved_ikke, threshold),
                    ved_ikke_b=shown(cell_b.ved_ikke, threshold),
                    reading=reading(result, title_a, title_b) if result else "",
                )
            )
        shown_groups = [g for g in groups if g not in hidden and g != ALL_GROUP]
        figure_all = (
            _figure_json(item_figure(plotted, definition, item.key, wave_a, wave_b, [ALL_GROUP]))
            if ALL_GROUP in groups and ALL_GROUP not in hidden
            else None
        )
        figure_groups = (
            _figure_json(
                small_multiples_figure(plotted, definition, item.key, wave_a, wave_b, shown_groups)
            )
            if shown_groups
            else None
        )
        sections.append(
            ItemSection(item, rows, figure_all, figure_groups, sorted(hidden & set(groups)))
        )
    return sections
