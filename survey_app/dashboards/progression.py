"""The progression page's content: domain statistics per group with small groups hidden."""

from __future__ import annotations

import json
from dataclasses import dataclass

from analysis.definitions import QuestionnaireDef
from analysis.plots import progression_figure
from analysis.progression import (
    DOMAIN_PREFIX,
    Progression,
    ProgressionCounts,
    progression_from_counts,
)

from .comparison import SIGNIFICANCE
from .suppression import shown, suppressed_progression


@dataclass
class ProgressionRow:
    """One domain in one group, suppressed where needed."""

    domain: str
    group: str
    n: str
    hidden: bool
    result: Progression | None
    improved: str = ""
    unchanged: str = ""
    worsened: str = ""
    reading: str = ""


@dataclass
class ProgressionPage:
    rows: list[ProgressionRow]
    figure: dict | None
    plotted_groups: list[str]


def reading(result: Progression) -> str:
    """A plain-language reading of a domain's change, in Danish, from the Wilcoxon p after
    Benjamini-Hochberg adjustment over the group's domains (as the comparison page does)."""
    if result.status_code == "too_few" or result.p_adjusted is None:
        return "For få borgere med to besvarelser til en sikker vurdering"
    if result.p_adjusted >= SIGNIFICANCE or not result.mean_change:
        return "Ingen sikker ændring"
    return "Sikker fremgang" if result.mean_change > 0 else "Sikker tilbagegang"


def build_progression(
    counts: ProgressionCounts, definition: QuestionnaireDef, groups: list[str], threshold: int
) -> ProgressionPage:
    """Domain rows per group (hidden under the threshold) and the progression figure."""
    results = [
        r for r in progression_from_counts(counts, definition, groups)
        if r.item.startswith(DOMAIN_PREFIX)
    ]  # fmt: skip
    labels = {DOMAIN_PREFIX + d.key: d.label for d in definition.domains}
    rows = []
    for r in results:
        hidden = r.n < threshold
        rows.append(
            ProgressionRow(
                domain=labels.get(r.item, r.item),
                group=r.group,
                n=shown(r.n, threshold),
                hidden=hidden,
                result=None if hidden else r,
                improved="" if hidden else shown(r.improved, threshold),
                unchanged="" if hidden else shown(r.unchanged, threshold),
                worsened="" if hidden else shown(r.worsened, threshold),
                reading="" if hidden else reading(r),
            )
        )
    plotted = suppressed_progression(counts, threshold)
    plotted_groups = [g for g in groups if any(k[1] == g for k in plotted.by_occasion)]
    figure = (
        json.loads(progression_figure(plotted, definition, plotted_groups).to_json())
        if plotted_groups
        else None
    )
    return ProgressionPage(rows, figure, plotted_groups)
