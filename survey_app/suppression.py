"""Small-cell suppression: the one rule every dashboard page, chart and CSV goes through.

The rule (also in the README): a group (a municipality in one wave, or a municipality on the
progression page) with fewer respondents than the threshold is hidden as a whole; a shown
group shows its whole distribution. When a group is hidden and the total of all
municipalities is shown, further groups are hidden, the smallest first, until the hidden
groups cover each other: every hidden count can be moved to another hidden group without
changing anything that is shown. If that needs every group hidden, or cannot be reached,
the total is hidden instead and the other groups are shown.

The covering check is an exchange argument. A hidden group's size is not determined when
one respondent can move to or from another hidden group, both sizes staying within their
labels. A hidden count x of answer category c is not
determined when one answer of c can change places with an answer of another category in
another hidden group (x >= 1), or an answer of c can come over from another hidden group
(x = 0). Both keep every shown number and every group's size, so the count takes at least
two values that agree with the page.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from analysis.counts import ALL_GROUP, CountTable, OptionCounts
from analysis.progression import ProgressionCounts
from analysis.reading import MISSING_CODES

SMALL = "small"
COMPLEMENT = "complement"


def small_label(threshold: int, unit: str = "svar") -> str:
    """The Danish label of a group hidden for being small."""
    return f"færre end {threshold} {unit}"


COMPLEMENT_LABEL = "skjult, så små grupper ikke kan regnes ud"
COMPLEMENT_CHART_LABEL = "skjult"  # a chart's row label has little room; the page explains


@dataclass(frozen=True)
class Decision:
    """Which groups of one wave (or one progression view) are hidden, and why."""

    small: frozenset[str] = frozenset()
    complement: frozenset[str] = frozenset()
    total_hidden: bool = False

    def reason(self, group: str) -> str | None:
        """``small``, ``complement`` or None (shown); the total is ``ALL_GROUP``."""
        if group == ALL_GROUP:
            return COMPLEMENT if self.total_hidden else None
        if group in self.small:
            return SMALL
        return COMPLEMENT if group in self.complement else None


def decide(
    sizes: Mapping[str, int],
    threshold: int,
    total_shown: bool,
    cells: Mapping[str, Sequence[Sequence[int]]] | None = None,
    hidden_already: frozenset[str] = frozenset(),
) -> Decision:
    """The suppression rule for groups that add up to one total.

    ``sizes`` holds every group's number of respondents; ``cells`` each group's counts per
    answer category, one vector per item (None: only sizes are shown). ``hidden_already``
    names groups hidden for another reason, which count as hidden here."""
    small = frozenset(g for g, n in sizes.items() if 0 < n < threshold)
    present = {g for g, n in sizes.items() if n > 0}
    hidden = (small | hidden_already) & present
    if not hidden or not total_shown:
        return Decision(small)
    candidates = sorted(present - hidden, key=lambda g: (sizes[g], g))
    for extra in [None, *candidates]:
        if extra is not None:
            hidden = hidden | {extra}
        if hidden == present:
            break
        if _sizes_covered(hidden, sizes, threshold) and _covered(hidden, cells):
            return Decision(small, frozenset(hidden - small - hidden_already))
    return Decision(small, total_hidden=True)


def _sizes_covered(hidden: set[str], sizes: Mapping[str, int], threshold: int) -> bool:
    """True if every hidden group's size could be one more or one less: one respondent can
    move to or from another hidden group with both sizes still within what their labels
    say (below the threshold for a small group, at or above it for the others)."""

    def fits(group: str, n: int) -> bool:
        return 0 < n < threshold if sizes[group] < threshold else n >= threshold

    return all(
        any(
            (fits(g, sizes[g] + d) and fits(h, sizes[h] - d)) for h in hidden - {g} for d in (1, -1)
        )
        for g in hidden
    )


def _covered(hidden: set[str], cells: Mapping[str, Sequence[Sequence[int]]] | None) -> bool:
    """True if no hidden count follows from the total minus the shown groups."""
    if len(hidden) < 2:
        return False
    if cells is None:
        return True
    for group in hidden:
        others = [cells[h] for h in hidden if h != group]
        for i, vector in enumerate(cells[group]):
            for c, count in enumerate(vector):
                if count == 0:
                    movable = any(other[i][c] > 0 for other in others)
                else:
                    movable = any(
                        v > 0 for other in others for j, v in enumerate(other[i]) if j != c
                    )
                if not movable:
                    return False
    return True


def group_size(table: CountTable, group: str, wave: str) -> int:
    """Respondents of a group in a wave (each response has one row per item it answered)."""
    best = 0
    for item in table.items():
        cell = table.get(item, group, wave)
        best = max(best, cell.n + cell.ved_ikke + cell.ubesvaret + cell.ikke_relevant)
    return best


@dataclass
class SuppressedCounts:
    """A count table as a viewer may see it: per wave, which groups are hidden and why.

    ``items`` are ``(item key, number of options)``; ``total_shown`` says whether the
    viewer sees the total (``alle``) at all; ``impossible`` names per item the missing
    codes its questionnaire rules out (``ubesvaret`` for a required item, ``ved_ikke``
    without such an option, ``ikke_relevant`` for an item that is always asked)."""

    table: CountTable
    items: list[tuple[str, int]]
    waves: list[str]
    threshold: int
    total_shown: bool
    impossible: Mapping[str, Collection[str]] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(init=False)

    def __post_init__(self) -> None:
        members = [g for g in self.table.groups() if g != ALL_GROUP]
        self.decisions = {}
        for wave in self.waves:
            sizes = {g: group_size(self.table, g, wave) for g in members}
            cells: dict[str, list[list[int]]] = {g: [] for g in members}
            for key, k in self.items:
                vectors = {g: _vector(self.table.get(key, g, wave, k)) for g in members}
                if not any(any(v) for v in vectors.values()):
                    continue  # an item nobody in the wave answered is not in its version
                # a missing code the questionnaire rules out is a known zero, not a secret
                live = [
                    i for i in range(k + len(MISSING_CODES))
                    if i < k or any(v[i] for v in vectors.values())
                    or MISSING_CODES[i - k] not in self.impossible.get(key, ())
                ]  # fmt: skip
                for g in members:
                    cells[g].append([vectors[g][i] for i in live])
            self.decisions[wave] = decide(sizes, self.threshold, self.total_shown, cells)

    def reason(self, group: str, wave: str) -> str | None:
        """Why a group is hidden in a wave (``small``/``complement``), or None if shown."""
        return self.decisions[wave].reason(group)

    def label(self, group: str, wave: str) -> str | None:
        """The Danish text shown in place of a hidden group's numbers, or None if shown."""
        reason = self.reason(group, wave)
        if reason is None:
            return None
        return small_label(self.threshold) if reason == SMALL else COMPLEMENT_LABEL

    def get(self, item: str, group: str, wave: str, n_options: int) -> OptionCounts | None:
        """A shown group's whole counts for one item, or None if the group is hidden."""
        if self.reason(group, wave) is not None:
            return None
        return self.table.get(item, group, wave, n_options)

    def shown_in_both(self, group: str) -> bool:
        """True if the group is shown in every wave (so statistics across waves may be)."""
        return all(self.reason(group, wave) is None for wave in self.waves)

    def hidden_labels(self, groups: Sequence[str]) -> dict[tuple[str, str], str]:
        """``{(group, wave): label}`` for every hidden group of ``groups``, for the charts."""
        labels = {}
        for group in groups:
            for wave in self.waves:
                reason = self.reason(group, wave)
                if reason is not None:
                    small = reason == SMALL
                    labels[(group, wave)] = (
                        small_label(self.threshold) if small else COMPLEMENT_CHART_LABEL
                    )
        return labels

    def shown_table(self) -> CountTable:
        """Only the shown groups' counts, each whole (for charts)."""
        kept = CountTable()
        for item, group, wave, value, missing, count in self.table.records():
            if wave in self.decisions and self.reason(group, wave) is None:
                kept.add(item, group, wave, value, missing, count)
        return kept


def _vector(cell: OptionCounts) -> list[int]:
    """The counts of one cell: codes 1..n, then the missing codes in MISSING_CODES order."""
    return [*cell.counts, *(getattr(cell, code) for code in MISSING_CODES)]


def progression_decision(results: Sequence, threshold: int, total_shown: bool) -> Decision:
    """The rule for the progression page, from its per-group, per-measure results: a group's
    size is its largest number of citizens over the measures, its cells per measure are
    improved/unchanged/worsened (or only n where those are not computed)."""
    sizes: dict[str, int] = {}
    cells: dict[str, list[list[int]]] = {}
    for r in results:
        if r.group == ALL_GROUP:
            continue
        sizes[r.group] = max(sizes.get(r.group, 0), r.n)
        counts = [r.improved, r.unchanged, r.worsened]
        cells.setdefault(r.group, []).append(counts if None not in counts else [r.n])
    return decide(sizes, threshold, total_shown, cells)


def suppressed_progression(
    counts: ProgressionCounts, decision: Decision, threshold: int
) -> ProgressionCounts:
    """The occasion points a chart may draw: only shown groups, and per occasion the same
    rule again (a point of fewer than ``threshold`` citizens hides, and the total's point
    hides unless the hidden points cover each other)."""
    by_point: dict[tuple[str, int], dict[str, int]] = {}
    for (measure, group, number), scores in counts.by_occasion.items():
        by_point.setdefault((measure, number), {})[group] = sum(scores.values())
    keep = {}
    for (measure, number), sizes in by_point.items():
        members = {g: n for g, n in sizes.items() if g != ALL_GROUP}
        hidden = frozenset(g for g in members if decision.reason(g) is not None)
        point = decide(members, threshold, not decision.total_hidden, None, hidden)
        for group in sizes:
            if group == ALL_GROUP:
                shown = not decision.total_hidden and not point.total_hidden
            else:
                shown = group not in hidden and point.reason(group) is None
            if shown:
                keep[(measure, group, number)] = counts.by_occasion[(measure, group, number)]
    return ProgressionCounts(pairs=counts.pairs, first_scores=counts.first_scores, by_occasion=keep)
