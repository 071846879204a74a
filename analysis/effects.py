"""Effect sizes and tests beside Mann-Whitney, all from option counts.

- Cliff's delta with the asymmetric confidence interval of Cliff (1993) / Feng & Cliff (2004),
  as R's ``effsize::cliff.delta`` computes it by default (unbiased variance, Student t).
- Brunner-Munzel's test, robust to unequal variances; undefined cases are named in words.
- Fisher's exact test and the difference in share with Newcombe's (1998) hybrid score
  interval for yes/no items.
- Benjamini-Hochberg adjusted p-values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Romano et al. (2006) thresholds for |delta|, as used by effsize::cliff.delta.
ROMANO_THRESHOLDS = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))
SIZE_WORDS_DA = {
    "negligible": "ubetydelig",
    "small": "lille",
    "medium": "mellem",
    "large": "stor",
}


@dataclass(frozen=True)
class CliffsDelta:
    """Share of pairs A > B minus share A < B (positive: wave B answered lower), its 95%
    interval (None when fewer than two answers in a wave) and Romano's size word."""

    delta: float
    low: float | None
    high: float | None
    size: str


def romano_size(delta: float) -> str:
    """negligible / small / medium / large for |delta| by Romano's thresholds."""
    for limit, word in ROMANO_THRESHOLDS:
        if abs(delta) < limit:
            return word
    return "large"


def cliffs_delta_counts(
    a: Sequence[int], b: Sequence[int], confidence: float = 0.95
) -> CliffsDelta:
    """Cliff's delta of wave A against wave B from counts per ordered option, with
    Cliff's asymmetric confidence interval (effsize::cliff.delta defaults)."""
    # scipy.special's t quantile is what scipy.stats.t.ppf computes, without its per-call
    # argument checks (most of the time of a comparison page built on request)
    from scipy.special import stdtrit

    a, b = [int(x) for x in a], [int(x) for x in b]
    if len(a) != len(b):
        raise ValueError("both waves need counts for the same options")
    n1, n2 = sum(a), sum(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("each wave needs at least one substantive answer")
    k = len(a)
    below_b = [sum(b[:i]) for i in range(k)]
    above_b = [n2 - below_b[i] - b[i] for i in range(k)]
    below_a = [sum(a[:j]) for j in range(k)]
    above_a = [n1 - below_a[j] - a[j] for j in range(k)]
    d_i = [(below_b[i] - above_b[i]) / n2 for i in range(k)]  # each A answer vs all of B
    d_j = [(above_a[j] - below_a[j]) / n1 for j in range(k)]  # all of A vs each B answer
    delta = sum(a[i] * d_i[i] for i in range(k)) / n1
    size = romano_size(delta)
    if n1 < 2 or n2 < 2:
        return CliffsDelta(delta, None, None, size)
    # effsize shrinks a delta of exactly +-1 slightly so that the variance is not zero.
    dd = delta * (n1 * n2 - 1) / (n1 * n2) if abs(delta) == 1 else delta
    ss_i = sum(a[i] * (d_i[i] - dd) ** 2 for i in range(k))
    ss_j = sum(b[j] * (d_j[j] - dd) ** 2 for j in range(k))
    ssr = sum(a[i] * b[j] * ((i > j) - (i < j) - dd) ** 2 for i in range(k) for j in range(k))
    variance = (n2**2 * ss_i + n1**2 * ss_j - ssr) / (n1 * n2 * (n1 - 1) * (n2 - 1))
    variance = max(variance, 0.0)
    z = float(stdtrit(n1 + n2 - 2, (1 + confidence) / 2))
    root = z * math.sqrt(variance) * math.sqrt((1 - dd**2) ** 2 + z**2 * variance)
    denominator = 1 - dd**2 + z**2 * variance
    low = (dd - dd**3 - root) / denominator
    high = (dd - dd**3 + root) / denominator
    if delta == 1:
        high = 1.0
    if delta == -1:
        low = -1.0
    return CliffsDelta(delta, max(-1.0, low), min(1.0, high), size)


@dataclass(frozen=True)
class BrunnerMunzel:
    """Brunner-Munzel two-sided p-value, or None with ``reason`` saying why it is undefined."""

    p_value: float | None
    statistic: float | None = None
    df: float | None = None
    reason: str = ""


def brunner_munzel_counts(a: Sequence[int], b: Sequence[int]) -> BrunnerMunzel:
    """Brunner-Munzel test (t approximation) of wave A against wave B from option counts.

    The test is undefined when all answers are equal, when the waves are completely
    separated (every answer of one wave above every answer of the other) or when a wave
    has a single answer; the result then says so in words instead of a p-value.
    """
    from scipy.special import stdtr  # scipy.stats.t.sf(x, df) is stdtr(df, -x)

    a, b = [int(x) for x in a], [int(x) for x in b]
    nx, ny = sum(a), sum(b)
    if nx < 2 or ny < 2:
        return BrunnerMunzel(None, reason="undefined: a wave has fewer than two answers")
    pooled = [x + y for x, y in zip(a, b, strict=True)]
    if sum(1 for c in pooled if c) == 1:
        return BrunnerMunzel(None, reason="undefined: all answers are equal")
    mid_pooled, mid_a, mid_b = _midranks(pooled), _midranks(a), _midranks(b)
    mean_x = sum(c * r for c, r in zip(a, mid_pooled, strict=True)) / nx
    mean_y = sum(c * r for c, r in zip(b, mid_pooled, strict=True)) / ny
    sx = sum(
        c * (rp - ra - mean_x + (nx + 1) / 2) ** 2
        for c, rp, ra in zip(a, mid_pooled, mid_a, strict=True)
    ) / (nx - 1)
    sy = sum(
        c * (rp - rb - mean_y + (ny + 1) / 2) ** 2
        for c, rp, rb in zip(b, mid_pooled, mid_b, strict=True)
    ) / (ny - 1)
    spread = nx * sx + ny * sy
    if spread <= 1e-12 * (nx + ny) ** 2:
        return BrunnerMunzel(
            None, reason="undefined: the waves are completely separated (no overlap)"
        )
    statistic = nx * ny * (mean_y - mean_x) / ((nx + ny) * math.sqrt(spread))
    df = spread**2 / ((nx * sx) ** 2 / (nx - 1) + (ny * sy) ** 2 / (ny - 1))
    p = 2 * float(stdtr(df, -abs(statistic)))
    return BrunnerMunzel(min(1.0, p), statistic, df)


def _midranks(counts: Sequence[int]) -> list[float]:
    ranks, before = [], 0
    for c in counts:
        ranks.append(before + (c + 1) / 2)
        before += c
    return ranks


@dataclass(frozen=True)
class YesNoComparison:
    """Fisher's exact p and the share answering yes in each wave, with the difference
    (wave B minus wave A) and its 95% Newcombe interval."""

    p_value: float
    share_a: float
    share_b: float
    difference: float
    low: float
    high: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for one proportion."""
    from scipy.stats import norm

    z = float(norm.ppf((1 + confidence) / 2))
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)


def share_difference(
    yes_1: int, n_1: int, yes_2: int, n_2: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Difference in share p1 - p2 with Newcombe's (1998, method 10) hybrid score interval."""
    if n_1 < 1 or n_2 < 1:
        raise ValueError("each group needs at least one answer")
    p1, p2 = yes_1 / n_1, yes_2 / n_2
    l1, u1 = wilson_interval(yes_1, n_1, confidence)
    l2, u2 = wilson_interval(yes_2, n_2, confidence)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def yes_no_counts(yes_a: int, no_a: int, yes_b: int, no_b: int) -> YesNoComparison:
    """Fisher's exact test and the change in share of yes from wave A to wave B."""
    from scipy.stats import fisher_exact

    n_a, n_b = yes_a + no_a, yes_b + no_b
    if n_a == 0 or n_b == 0:
        raise ValueError("each wave needs at least one substantive answer")
    p = float(fisher_exact([[yes_a, no_a], [yes_b, no_b]]).pvalue)
    difference, low, high = share_difference(yes_b, n_b, yes_a, n_a)
    return YesNoComparison(min(1.0, p), yes_a / n_a, yes_b / n_b, difference, low, high)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values; None entries stay None and do not count."""
    present = sorted(((p, i) for i, p in enumerate(p_values) if p is not None), key=lambda t: t[0])
    m = len(present)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = present[rank - 1]
        running = min(running, p * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted
