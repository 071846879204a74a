"""Wave comparison per item and group, from a count table.

For ordinal items: Mann-Whitney U (exact at small n), Brunner-Munzel, Cliff's delta with its
interval. For yes/no items: Fisher's exact test and the change in the share of yes. Nominal
items get distributions only. p-values are Benjamini-Hochberg adjusted over the items of the
questionnaire within each group. A wave with fewer than ``MIN_N`` substantive answers makes
the group ``too_few``: its counts are kept, but no p-value is computed.

``n`` is the number of answers a statistic uses: the substantive answers of both waves.
"Ved ikke", unanswered and not relevant (routed past) items are counted apart
(``n_ved_ikke_a`` ... ``n_ubesvaret_b``, then ``n_ikke_relevant_a`` and ``_b``, added last).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.counts import CountTable
from analysis.definitions import ItemDef, QuestionnaireDef
from analysis.distributions import Distribution, describe_counts
from analysis.effects import (
    CliffsDelta,
    YesNoComparison,
    benjamini_hochberg,
    brunner_munzel_counts,
    cliffs_delta_counts,
    yes_no_counts,
)
from analysis.mannwhitney import mann_whitney_counts

MIN_N = 3
JSON_KEYS = (
    "item",
    "group",
    "wave_a",
    "wave_b",
    "n",
    "n_a",
    "n_b",
    "n_ved_ikke_a",
    "n_ved_ikke_b",
    "n_ubesvaret_a",
    "n_ubesvaret_b",
    "median_a",
    "median_b",
    "mean_a",
    "mean_b",
    "u",
    "p_value",
    "method",
    "brunner_munzel_p",
    "cliffs_delta",
    "cliffs_delta_low",
    "cliffs_delta_high",
    "p_adjusted",
    "status",
    "note",
    "n_ikke_relevant_a",
    "n_ikke_relevant_b",
)
STATUSES = ("ok", "too_few", "nominal", "not_comparable")


@dataclass
class Comparison:
    """One item in one group, wave A against wave B. ``status`` is one of STATUSES; ``note``
    holds the words when there is more to say (e.g. why Brunner-Munzel is undefined).
    Cliff's delta is positive when wave B answered lower. Fields are None where not
    computed; never NaN."""

    item: str
    group: str
    wave_a: str
    wave_b: str
    scale_type: str
    distribution_a: Distribution
    distribution_b: Distribution
    status_code: str = "ok"
    notes: list[str] = field(default_factory=list)
    u: float | None = None
    p_value: float | None = None
    method: str | None = None
    brunner_munzel_p: float | None = None
    cliffs: CliffsDelta | None = None
    yes_no: YesNoComparison | None = None
    p_adjusted: float | None = None

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
        a, b, c = self.distribution_a, self.distribution_b, self.cliffs
        return {
            "item": self.item,
            "group": self.group,
            "wave_a": self.wave_a,
            "wave_b": self.wave_b,
            "n": a.n + b.n,
            "n_a": a.n,
            "n_b": b.n,
            "n_ved_ikke_a": a.ved_ikke,
            "n_ved_ikke_b": b.ved_ikke,
            "n_ubesvaret_a": a.ubesvaret,
            "n_ubesvaret_b": b.ubesvaret,
            "median_a": a.median,
            "median_b": b.median,
            "mean_a": a.mean,
            "mean_b": b.mean,
            "u": self.u,
            "p_value": self.p_value,
            "method": self.method,
            "brunner_munzel_p": self.brunner_munzel_p,
            "cliffs_delta": c.delta if c else None,
            "cliffs_delta_low": c.low if c else None,
            "cliffs_delta_high": c.high if c else None,
            "p_adjusted": self.p_adjusted,
            "status": self.status,
            "note": self.note,
            "n_ikke_relevant_a": a.ikke_relevant,
            "n_ikke_relevant_b": b.ikke_relevant,
        }


def compare_item(
    item: ItemDef,
    counts_a,
    counts_b,
    group: str = "alle",
    wave_a: str = "A",
    wave_b: str = "B",
    comparable: bool = True,
) -> Comparison:
    """Compare one item between two waves from its option counts (OptionCounts)."""
    result = Comparison(
        item=item.key,
        group=group,
        wave_a=wave_a,
        wave_b=wave_b,
        scale_type=item.scale_type,
        distribution_a=describe_counts(item, counts_a, group, wave_a),
        distribution_b=describe_counts(item, counts_b, group, wave_b),
    )
    n_a, n_b = counts_a.n, counts_b.n
    if not comparable:
        result.status_code = "not_comparable"
        result.notes.append("the item's wording or scale differs between the versions answered")
        return result
    if item.scale_type == "nominal":
        result.status_code = "nominal"
        result.notes.append("distributions only; no ordinal test applies to a nominal scale")
        return result
    if n_a < MIN_N or n_b < MIN_N:
        result.status_code = "too_few"
        result.notes.append(
            f"fewer than {MIN_N} substantive answers (wave {wave_a}: {n_a}, wave {wave_b}: {n_b})"
        )
        return result
    a, b = counts_a.counts, counts_b.counts
    if item.scale_type == "yes_no":
        yes = item.yes_code - 1
        r = yes_no_counts(a[yes], n_a - a[yes], b[yes], n_b - b[yes])
        result.yes_no, result.p_value, result.method = r, r.p_value, "fisher_exact"
        result.notes.append(
            f"share yes {r.share_a:.3f} in {wave_a}, {r.share_b:.3f} in {wave_b}; "
            f"difference {r.difference:+.3f} (95% CI {r.low:+.3f} to {r.high:+.3f}, Newcombe)"
        )
        return result
    mw = mann_whitney_counts(a, b)
    result.u, result.p_value, result.method = mw.u, mw.p_value, mw.method
    bm = brunner_munzel_counts(a, b)
    result.brunner_munzel_p = bm.p_value
    if bm.p_value is None:
        result.notes.append(f"Brunner-Munzel {bm.reason}")
    result.cliffs = cliffs_delta_counts(a, b)
    return result


def compare_counts(
    table: CountTable,
    definition: QuestionnaireDef,
    wave_a: str,
    wave_b: str,
    groups: list[str] | None = None,
) -> list[Comparison]:
    """Compare every item of ``definition`` between two waves in each group of the table
    (``alle`` first), with Benjamini-Hochberg adjustment over the items within each group.
    Every item and group gives a result, also without answers."""
    known = {i.key for i in definition.items}
    unknown = [k for k in table.items() if k not in known]
    if unknown:
        raise ValueError(f"items not in questionnaire {definition.key}: {', '.join(unknown)}")
    results: list[Comparison] = []
    for group in groups if groups is not None else table.groups():
        in_group = [
            compare_item(
                item,
                table.get(item.key, group, wave_a, item.n_options),
                table.get(item.key, group, wave_b, item.n_options),
                group,
                wave_a,
                wave_b,
                definition.is_comparable(item.key),
            )
            for item in definition.items
        ]
        adjusted = benjamini_hochberg([r.p_value for r in in_group])
        for result, p in zip(in_group, adjusted, strict=True):
            result.p_adjusted = p
        results.extend(in_group)
    return results
