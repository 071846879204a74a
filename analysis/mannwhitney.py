"""Mann-Whitney U from option counts: exact permutation p-values with ties at small n.

``u`` is the statistic of wave A: the number of pairs (a, b) with a > b plus half the tied
pairs. With at most ``EXACT_MAX_N`` substantive answers in both waves the two-sided p-value
is exact, from the permutation distribution of U given the observed ties; otherwise it is
the normal approximation with tie and continuity correction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EXACT_MAX_N = 20


@dataclass(frozen=True)
class MannWhitney:
    """U of wave A, its two-sided p-value and how it was computed (``exact``/``asymptotic``)."""

    u: float
    p_value: float
    method: str


def _check(a: Sequence[int], b: Sequence[int]) -> tuple[list[int], list[int]]:
    if len(a) != len(b):
        raise ValueError("both waves need counts for the same options")
    a, b = [int(x) for x in a], [int(x) for x in b]
    if min(a + b, default=0) < 0:
        raise ValueError("counts cannot be negative")
    if sum(a) == 0 or sum(b) == 0:
        raise ValueError("each wave needs at least one substantive answer")
    return a, b


def u_statistic(a: Sequence[int], b: Sequence[int]) -> float:
    """U of wave A from counts per ordered option: pairs A > B plus half of the tied pairs."""
    a, b = _check(a, b)
    twice_u = 0
    below_b = 0
    for count_a, count_b in zip(a, b, strict=True):
        twice_u += count_a * (2 * below_b + count_b)
        below_b += count_b
    return twice_u / 2


def _exact_ways(a: list[int], b: list[int]) -> np.ndarray:
    """Number of ways (exact integers held in floats) to reach each value of 2U."""
    import numpy as np

    n_a, n_b = sum(a), sum(b)
    size = 2 * n_a * n_b + 1  # twice U runs over 0..2 n_a n_b
    ways = np.zeros((n_a + 1, size))
    ways[0, 0] = 1.0
    before = 0
    for count_a, count_b in zip(a, b, strict=True):
        tied = count_a + count_b
        if tied == 0:
            continue
        new = np.zeros_like(ways)
        for m in range(min(n_a, before) + 1):
            row = ways[m]
            if not row.any():
                continue
            b_left = n_b - (before - m)  # answers of B not yet placed
            for x in range(max(0, tied - b_left), min(tied, n_a - m) + 1):
                shift = x * (2 * (before - m) + tied - x)
                new[m + x, shift:] += math.comb(tied, x) * row[: size - shift]
        ways = new
        before += tied
    return ways[n_a]


def exact_u_distribution(a: Sequence[int], b: Sequence[int]) -> dict[float, float]:
    """The permutation distribution of U given the tie pattern of the pooled answers,
    as {u: probability}, computed exactly by dynamic programming over the options."""
    a, b = _check(a, b)
    ways = _exact_ways(a, b)
    total = math.comb(sum(a) + sum(b), sum(a))
    return {i / 2: w / total for i, w in enumerate(ways) if w}


def mann_whitney_counts(a: Sequence[int], b: Sequence[int]) -> MannWhitney:
    """Two-sided Mann-Whitney test of wave A against wave B from counts per ordered option."""
    from scipy.special import ndtr  # scipy.stats.norm.sf(z) is ndtr(-z), without the checks

    a, b = _check(a, b)
    n_a, n_b = sum(a), sum(b)
    u = u_statistic(a, b)
    if n_a <= EXACT_MAX_N and n_b <= EXACT_MAX_N:
        ways = _exact_ways(a, b)
        twice_u = int(2 * u)
        low, high = ways[: twice_u + 1].sum(), ways[twice_u:].sum()
        total = math.comb(n_a + n_b, n_a)
        return MannWhitney(u, float(min(1.0, 2 * min(low, high) / total)), "exact")
    n = n_a + n_b
    ties = sum((x + y) ** 3 - (x + y) for x, y in zip(a, b, strict=True))
    variance = n_a * n_b / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:  # every answer equal: U is the same under every permutation
        return MannWhitney(u, 1.0, "exact")
    z = (abs(u - n_a * n_b / 2) - 0.5) / math.sqrt(variance)
    return MannWhitney(u, float(min(1.0, 2 * ndtr(-z))), "asymptotic")
