"""Progression of citizens answering a repeated questionnaire (such as ``en-plan``).

A citizen's occasions are their responses ordered by ``answered_at`` (then response id). A
measure is an ordinal item (scored by its code) or a domain (``domain:<key>``, the mean of
the domain's ordinal items, with items of negative polarity reversed, code -> n + 1 - code,
so that a higher domain score is always better; a domain score needs at least half of the
domain's items answered). Per measure, each citizen's first and latest occasion with a
score for it are paired. Everything below the pairing works on counts of pairs, so the app
can hand over aggregated data through ``ProgressionCounts``.

Wilcoxon p-values are Benjamini-Hochberg adjusted within each group, over the group's domain
scores and, as a family of their own, over its single items, so that a domain's adjusted p
is the same whether or not the items were computed beside it (the dashboard shows domains
only). A group with fewer than ``MIN_N`` citizens is ``too_few``: no test, no interval and
no improved/unchanged/worsened counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType

from analysis.counts import ALL_GROUP
from analysis.definitions import QuestionnaireDef
from analysis.effects import benjamini_hochberg
from analysis.reading import ExportRow
from analysis.reliability import (
    MIN_CITIZENS,
    DomainReliability,
    alpha_with_interval,
    choose_reliability,
    first_occasion_rows,
)
from analysis.wilcoxon import wilcoxon_counts

MIN_N = 3
RELIABLE_Z = 1.96
DOMAIN_PREFIX = "domain:"
JSON_KEYS = (
    "item",
    "group",
    "n",
    "mean_first",
    "mean_latest",
    "mean_change",
    "change_low",
    "change_high",
    "wilcoxon_p",
    "p_adjusted",
    "improved",
    "unchanged",
    "worsened",
    "status",
    "note",
)
STATUSES = ("ok", "too_few")


@dataclass(frozen=True)
class Occasion:
    """One response of a citizen: when, where, and the option codes given (None if missing)."""

    response_id: str
    answered_at: str
    municipality: str
    values: dict[str, int | None]


@dataclass(frozen=True)
class ScoredOccasion:
    """One occasion of a citizen's trajectory (``number`` 1, 2, ...) with a score per measure
    (None where the citizen gave no substantive answer)."""

    number: int
    answered_at: str
    response_id: str
    municipality: str
    scores: dict[str, float | None]


def citizen_occasions(rows: Iterable[ExportRow]) -> dict[str, list[Occasion]]:
    """Each citizen's occasions (rows with a respondent_key), ordered by time then response id."""
    by_response: dict[str, tuple[str, str, str, dict[str, int | None]]] = {}
    for row in rows:
        if not row.respondent_key:
            continue
        entry = by_response.get(row.response_id)
        if entry is None:
            entry = by_response[row.response_id] = (
                row.respondent_key, row.answered_at, row.municipality, {},
            )  # fmt: skip
        entry[3][row.item] = row.value
    citizens: dict[str, list[Occasion]] = {}
    for response_id, (key, at, municipality, values) in by_response.items():
        citizens.setdefault(key, []).append(Occasion(response_id, at, municipality, values))
    for occasions in citizens.values():
        occasions.sort(key=lambda o: (o.answered_at, o.response_id))
    return dict(sorted(citizens.items()))


def measures(definition: QuestionnaireDef) -> list[str]:
    """The measures of a questionnaire: its ordinal items, then ``domain:<key>`` per domain."""
    items = [i.key for i in definition.items if i.scale_type == "ordinal"]
    domains = [DOMAIN_PREFIX + d.key for d in definition.domains if definition.domain_items(d.key)]
    return items + domains


def occasion_scores(values: Mapping[str, int | None], definition: QuestionnaireDef) -> dict:
    """Scores of one occasion per measure as exact fractions (None if not answered). Items keep
    their codes; domain scores reverse negative-polarity items before averaging."""
    scores: dict[str, Fraction | None] = {}
    for item in definition.items:
        if item.scale_type == "ordinal":
            value = values.get(item.key)
            ok = value is not None and definition.is_comparable(item.key)
            scores[item.key] = Fraction(value) if ok else None
    for domain in definition.domains:
        items = [i for i in definition.domain_items(domain.key) if definition.is_comparable(i.key)]
        if not items:
            continue
        answered = [
            (i.n_options + 1 - values[i.key]) if i.polarity == "negative" else values[i.key]
            for i in items
            if values.get(i.key) is not None
        ]
        enough = answered and 2 * len(answered) >= len(items)
        scores[DOMAIN_PREFIX + domain.key] = (
            Fraction(sum(answered), len(answered)) if enough else None
        )
    return scores


def citizen_trajectory(
    occasions: list[Occasion], definition: QuestionnaireDef
) -> list[ScoredOccasion]:
    """One citizen's occasions in order, each with its item and domain scores (for plotting)."""
    ordered = sorted(occasions, key=lambda o: (o.answered_at, o.response_id))
    return [
        ScoredOccasion(
            number,
            o.answered_at,
            o.response_id,
            o.municipality,
            {
                k: (float(v) if v is not None else None)
                for k, v in occasion_scores(o.values, definition).items()
            },
        )
        for number, o in enumerate(ordered, start=1)
    ]


class Score(Fraction):
    """An exact score that keeps its hash: a progression page counts tens of thousands of
    score pairs into dictionaries, and Fraction works its hash out anew on every lookup.
    Equal to, and hashed as, the Fraction of the same value."""

    __slots__ = ("_hash",)

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash = Fraction.__hash__(self)
            return self._hash


@dataclass
class ProgressionCounts:
    """What progression needs, as counts: per (measure, group) the number of citizens with
    each (first score, latest score) pair; per measure the first-occasion scores of all
    citizens (for the Jacobson-Truax standard deviation); per (measure, group, occasion
    number) the scores, for progression lines."""

    pairs: dict[tuple[str, str], Counter] = field(default_factory=dict)
    first_scores: dict[str, Counter] = field(default_factory=dict)
    by_occasion: dict[tuple[str, str, int], Counter] = field(default_factory=dict)

    def groups(self) -> list[str]:
        """The groups present: ``alle`` first."""
        names = {g for _, g in self.pairs} | {g for _, g, _ in self.by_occasion}
        return sorted(names, key=lambda g: (g != ALL_GROUP, g))


def progression_counts_from_occasions(
    citizens: Mapping[str, list[Occasion]],
    definition: QuestionnaireDef,
    by_municipality: bool = False,
) -> ProgressionCounts:
    """Aggregate citizens' occasions into ProgressionCounts. A citizen belongs to the
    municipality of their first occasion; ``alle`` holds every citizen."""
    result = ProgressionCounts()
    for occasions in citizens.values():
        if not occasions:
            continue
        ordered = sorted(occasions, key=lambda o: (o.answered_at, o.response_id))
        groups = [ALL_GROUP] + ([ordered[0].municipality] if by_municipality else [])
        series = [occasion_scores(o.values, definition) for o in ordered]
        add_citizen(result, series, groups, measures(definition))
    return result


def add_citizen(
    counts: ProgressionCounts,
    series: list[Mapping[str, Fraction | None]],
    groups: list[str],
    measure_keys: list[str],
) -> None:
    """Count one citizen's occasions (in order; each a score per measure, None or absent if
    not scored) into ``counts`` for each of ``groups``. This is the aggregation step the app
    uses when it computes occasion scores in SQL."""
    for measure in measure_keys:
        scored = [s[measure] for s in series if s.get(measure) is not None]
        for number, s in enumerate(series, start=1):
            if s.get(measure) is not None:
                for group in groups:
                    key = (measure, group, number)
                    counts.by_occasion.setdefault(key, Counter())[s[measure]] += 1
        if not scored:
            continue
        counts.first_scores.setdefault(measure, Counter())[scored[0]] += 1
        for group in groups:
            pairs = counts.pairs.setdefault((measure, group), Counter())
            if len(scored) >= 2:
                pairs[(scored[0], scored[-1])] += 1


@dataclass(frozen=True)
class MeanInterval:
    """n, mean and 95% t-interval (None where undefined) of a set of scores."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_interval_counts(values: Mapping, confidence: float = 0.95) -> MeanInterval:
    """Mean and t-interval from {value: count}; the interval needs n >= 2."""
    return _mean_interval(frozenset(values.items()), confidence)


@lru_cache(maxsize=4096)
def _mean_interval(values: frozenset, confidence: float) -> MeanInterval:
    """``mean_interval_counts`` of one table of counts, kept per process (a chart's points
    are the same tables until a new occasion changes its citizen's groups)."""
    values = dict(values)
    # scipy.special's t quantile is what scipy.stats.t.ppf computes, without its per-call
    # argument checks (this runs for every line point of the progression chart).
    from scipy.special import stdtrit

    n = sum(values.values())
    if n == 0:
        return MeanInterval(0, None, None, None)
    mean = Fraction(sum(Fraction(v) * c for v, c in values.items()), n)
    if n < 2:
        return MeanInterval(n, float(mean), None, None)
    ss = sum((Fraction(v) - mean) ** 2 * c for v, c in values.items())
    half = float(stdtrit(n - 1, (1 + confidence) / 2)) * math.sqrt(ss / (n - 1) / n)
    return MeanInterval(n, float(mean), float(mean) - half, float(mean) + half)


def forget_statistics() -> None:
    """Empty the statistics kept per process (pair tables, line points), so that the next
    page computes every group anew (benchmarks)."""
    _pair_statistics.cache_clear()
    _mean_interval.cache_clear()


def sd_counts(values: Mapping) -> float | None:
    """Sample standard deviation from {value: count}; None with fewer than two values."""
    n = sum(values.values())
    if n < 2:
        return None
    mean = Fraction(sum(Fraction(v) * c for v, c in values.items()), n)
    return math.sqrt(sum((Fraction(v) - mean) ** 2 * c for v, c in values.items()) / (n - 1))


def reliable_change_limit(sd_first: float, reliability: float) -> float:
    """Jacobson & Truax (1991): the smallest change with |RCI| > 1.96, i.e.
    1.96 * S_diff with S_diff = sqrt(2 * SE^2) and SE = sd_first * sqrt(1 - reliability)."""
    standard_error = sd_first * math.sqrt(1 - reliability)
    return RELIABLE_Z * math.sqrt(2 * standard_error**2)


@dataclass
class Progression:
    """First against latest occasion for one measure and group. Change is latest minus
    first; improved/unchanged/worsened is Jacobson-Truax reliable change for domain scores
    (higher is better) and None for single items and for ``too_few``. ``status`` is one of
    STATUSES; ``note`` holds the words where there is more to say. ``p_adjusted`` is the
    Wilcoxon p after Benjamini-Hochberg adjustment (see the module docstring)."""

    item: str
    group: str
    n: int
    mean_first: float | None = None
    mean_latest: float | None = None
    mean_change: float | None = None
    change_low: float | None = None
    change_high: float | None = None
    wilcoxon_p: float | None = None
    wilcoxon_method: str | None = None
    p_adjusted: float | None = None
    improved: int | None = None
    unchanged: int | None = None
    worsened: int | None = None
    status_code: str = "ok"
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The status code, one of STATUSES."""
        return self.status_code

    @property
    def note(self) -> str:
        """What more there is to say, in words ('' if nothing)."""
        return "; ".join(self.notes)

    def to_record(self) -> dict:
        """The result as a flat dict with exactly the JSON keys of the command line."""
        return {key: getattr(self, key) for key in JSON_KEYS}


def progression_from_pairs(
    measure: str,
    group: str,
    pairs: Mapping[tuple, int],
    sd_first: float | None = None,
    reliability: float | None = None,
) -> Progression:
    """Progression statistics from {(first score, latest score): number of citizens}:
    means, mean change with 95% t-interval, Wilcoxon signed-rank p and, given the
    first-occasion SD over all citizens and the reliability, Jacobson-Truax counts."""
    n = sum(pairs.values())
    result = Progression(measure, group, n)
    if n == 0:
        result.status_code = "too_few"
        result.notes.append("no citizen has two occasions with answers")
        return result
    first, latest, change, changes, test = _pair_statistics(
        frozenset(
            ((a.numerator, a.denominator, b.numerator, b.denominator), count)
            for (a, b), count in pairs.items()
        )
    )
    result.mean_first, result.mean_latest, result.mean_change = first.mean, latest.mean, change.mean
    if n < MIN_N:
        result.status_code = "too_few"
        result.notes.append(f"fewer than {MIN_N} citizens with two occasions ({n})")
        return result
    if measure.startswith(DOMAIN_PREFIX):
        _reliable_change(result, changes, sd_first, reliability)
    result.change_low, result.change_high = change.low, change.high
    result.wilcoxon_p, result.wilcoxon_method = test.p_value, test.method
    if test.reason:
        result.notes.append(f"Wilcoxon {test.reason}")
    return result


@lru_cache(maxsize=4096)
def _pair_statistics(pairs: frozenset[tuple[tuple[int, int, int, int], int]]) -> tuple:
    """Means with intervals of first, latest and change, the changes counted, and the
    Wilcoxon test, of one table of pairs (first and latest score as numerator and
    denominator, with their count); kept per process, since an unchanged table gives the
    same statistics and a new occasion changes only its citizen's groups."""
    exact: dict[tuple[int, int], Score] = {}

    def score(numerator: int, denominator: int) -> Score:
        found = exact.get((numerator, denominator))
        if found is None:
            found = exact[(numerator, denominator)] = Score(numerator, denominator)
        return found

    table = {(score(an, ad), score(bn, bd)): c for (an, ad, bn, bd), c in pairs}
    changes: Counter = Counter()
    for (an, ad, bn, bd), count in pairs:
        change = Fraction(bn * ad - an * bd, ad * bd)
        changes[score(change.numerator, change.denominator)] += count
    first = mean_interval_counts(_margin(table, 0))
    latest = mean_interval_counts(_margin(table, 1))
    change = mean_interval_counts(changes)
    test = wilcoxon_counts(changes) if sum(table.values()) >= MIN_N else None
    return first, latest, change, MappingProxyType(changes), test


def _margin(pairs: Mapping[tuple, int], index: int) -> Counter:
    margin: Counter = Counter()
    for pair, count in pairs.items():
        margin[pair[index]] += count
    return margin


def _reliable_change(result: Progression, changes: Counter, sd_first, reliability) -> None:
    if reliability is None:
        result.notes.append("no reliable change: the domain has no reliability in its definition")
        return
    if not sd_first:
        result.notes.append("no reliable change: first-occasion scores do not vary")
        return
    limit = reliable_change_limit(sd_first, reliability)
    result.improved = sum(c for d, c in changes.items() if d > limit)
    result.worsened = sum(c for d, c in changes.items() if d < -limit)
    result.unchanged = result.n - result.improved - result.worsened


def domain_reliabilities(
    first_values: list[Mapping[str, int | None]],
    definition: QuestionnaireDef,
    minimum: int = MIN_CITIZENS,
) -> dict[str, DomainReliability]:
    """Per domain: Cronbach's alpha from the citizens' first occasions (one mapping of item
    codes per citizen, None for a missing code; listwise deletion within the domain) and the
    reliability the reliable change index uses: the estimate from at least ``minimum``
    complete first occasions, else the planning value of the definition."""
    result = {}
    for domain in definition.domains:
        items = [i for i in definition.domain_items(domain.key) if definition.is_comparable(i.key)]
        if not items:
            continue
        tops = {i.key: i.n_options + 1 for i in items if i.polarity == "negative"}
        rows = first_occasion_rows(first_values, [i.key for i in items], tops)
        estimate = alpha_with_interval(rows)
        result[domain.key] = choose_reliability(domain.key, estimate, domain.reliability, minimum)
    return result


def first_occasions(citizens: Mapping[str, list[Occasion]]) -> list[dict[str, int | None]]:
    """The option codes of each citizen's first occasion (by time, then response id)."""
    return [
        dict(min(occasions, key=lambda o: (o.answered_at, o.response_id)).values)
        for occasions in citizens.values()
        if occasions
    ]


def progression_from_counts(
    counts: ProgressionCounts,
    definition: QuestionnaireDef,
    groups: list[str] | None = None,
    reliabilities: Mapping[str, float | None] | None = None,
) -> list[Progression]:
    """Progression per measure and group (``alle`` first), every measure in every group, with
    Benjamini-Hochberg adjusted p-values (per group: domains as one family, items as another).
    ``reliabilities`` (domain key -> value) replaces the definition's planning values, e.g.
    with the ``used`` value of ``domain_reliabilities``."""
    results = []
    measure_keys = measures(definition)
    # The Jacobson-Truax SD rests on every citizen's first score, the same for every group.
    sd_first = {m: sd_counts(counts.first_scores.get(m, Counter())) for m in measure_keys}
    for group in groups if groups is not None else counts.groups():
        in_group = []
        for measure in measure_keys:
            reliability = None
            if measure.startswith(DOMAIN_PREFIX):
                key = measure[len(DOMAIN_PREFIX) :]
                domain = definition.domain(key)
                reliability = domain.reliability if domain else None
                if reliabilities is not None and key in reliabilities:
                    reliability = reliabilities[key]
            pairs = counts.pairs.get((measure, group), Counter())
            in_group.append(
                progression_from_pairs(measure, group, pairs, sd_first[measure], reliability)
            )
        for is_domain in (False, True):
            family = [r for r in in_group if r.item.startswith(DOMAIN_PREFIX) == is_domain]
            adjusted = benjamini_hochberg([r.wilcoxon_p for r in family])
            for result, p in zip(family, adjusted, strict=True):
                result.p_adjusted = p
        results.extend(in_group)
    return results


def occasion_lines(
    counts: ProgressionCounts, measure: str, group: str
) -> list[tuple[int, MeanInterval]]:
    """Mean score with 95% interval by occasion number (1, 2, ...) for one measure and group."""
    numbers = sorted(k[2] for k in counts.by_occasion if k[0] == measure and k[1] == group)
    return [(k, mean_interval_counts(counts.by_occasion[(measure, group, k)])) for k in numbers]
