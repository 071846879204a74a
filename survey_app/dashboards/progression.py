"""The progression page's content: domain statistics per group with small groups hidden."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.counts import ALL_GROUP
from analysis.definitions import QuestionnaireDef
from analysis.plots import progression_figure
from analysis.progression import (
    DOMAIN_PREFIX,
    Progression,
    ProgressionCounts,
    progression_from_counts,
)
from analysis.reliability import MIN_CITIZENS, DomainReliability

from ..suppression import (
    COMPLEMENT_LABEL,
    SMALL,
    progression_decision,
    suppressed_progression,
)
from .comparison import SIGNIFICANCE


@dataclass
class ProgressionRow:
    """One domain in one group: the result, or why the group is hidden."""

    domain: str
    group: str
    hidden: str | None
    result: Progression | None
    reading: str = ""


@dataclass
class ReliabilityRow:
    """One domain's reliability on the page: the estimate and the value the RCI used."""

    domain: str
    reliability: DomainReliability

    @property
    def reason(self) -> str:
        """Why the reliable change uses this value, in Danish."""
        r, n = self.reliability, self.reliability.estimate.n
        if r.source == "estimated":
            return f"Estimeret alfa bruges: {n} borgere med alle domænets spørgsmål besvaret"
        if r.estimate.alpha is not None and n >= MIN_CITIZENS:
            return "Planlægningsværdien bruges: den estimerede alfa er ikke mellem 0 og 1"
        if n >= MIN_CITIZENS:
            return (
                "Planlægningsværdien bruges: alfa kan ikke beregnes, da summen af svarene "
                "ikke varierer"
            )
        if r.source == "planning":
            return (
                f"Planlægningsværdien fra spørgeskemaet bruges: kun {n} borgere med alle "
                f"domænets spørgsmål besvaret (mindst {MIN_CITIZENS} skal til)"
            )
        return "Ingen pålidelighed: for få borgere og ingen planlægningsværdi"


@dataclass
class ProgressionPage:
    rows: list[ProgressionRow]
    figure: dict | None
    plotted_groups: list[str]
    hidden_groups: list[str]
    reliability: list[ReliabilityRow]


def reading(result: Progression) -> str:
    """A plain-language reading of a domain's change, in Danish, from the Wilcoxon p after
    Benjamini-Hochberg adjustment over the group's domains (as the comparison page does)."""
    if result.status_code == "too_few" or result.p_adjusted is None:
        return "For få borgere med to besvarelser til en sikker vurdering"
    if result.p_adjusted >= SIGNIFICANCE or not result.mean_change:
        return "Ingen sikker ændring"
    return "Sikker fremgang" if result.mean_change > 0 else "Sikker tilbagegang"


def build_progression(
    counts: ProgressionCounts,
    definition: QuestionnaireDef,
    groups: list[str],
    threshold: int,
    reliabilities: dict[str, DomainReliability] | None = None,
) -> ProgressionPage:
    """Domain rows per group, shown or hidden as a whole by the suppression rule, the
    progression figure drawn from the shown groups only, and per domain the reliability the
    reliable change used (estimated alpha or the planning value, see analysis.reliability)."""
    reliabilities = reliabilities or {}
    used = {key: r.used for key, r in reliabilities.items()}
    every_group = list(dict.fromkeys([*groups, *counts.groups()]))
    results = [
        r for r in progression_from_counts(counts, definition, every_group, used)
        if r.item.startswith(DOMAIN_PREFIX)
    ]  # fmt: skip
    decision = progression_decision(results, threshold, ALL_GROUP in groups)
    labels = {DOMAIN_PREFIX + d.key: d.label for d in definition.domains}
    sizes: dict[str, int] = {}
    for r in results:
        sizes[r.group] = max(sizes.get(r.group, 0), r.n)
    rows, seen = [], set()
    for r in results:
        if r.group not in groups or (r.group, r.item) in seen:
            continue
        seen.add((r.group, r.item))
        reason = decision.reason(r.group)
        hidden = None
        if reason == SMALL or sizes.get(r.group, 0) == 0:
            hidden = f"Færre end {threshold} borgere med to besvarelser – vises ikke"
        elif reason is not None:
            hidden = COMPLEMENT_LABEL.capitalize()
        rows.append(
            ProgressionRow(
                domain=labels.get(r.item, r.item),
                group=r.group,
                hidden=hidden,
                result=None if hidden else r,
                reading="" if hidden else reading(r),
            )
        )
    plotted = suppressed_progression(counts, decision, threshold)
    plotted_groups = [g for g in groups if any(k[1] == g for k in plotted.by_occasion)]
    figure = progression_figure(plotted, definition, plotted_groups) if plotted_groups else None
    hidden_groups = list(dict.fromkeys(r.group for r in rows if r.hidden))
    reliability = [
        ReliabilityRow(d.label, reliabilities[d.key])
        for d in definition.domains
        if d.key in reliabilities
    ]
    return ProgressionPage(rows, figure, plotted_groups, hidden_groups, reliability)
