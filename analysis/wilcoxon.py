"""Wilcoxon signed-rank test from counts of paired differences.

Zero differences are dropped (Wilcoxon's convention, scipy's default). With at most
``EXACT_MAX_N`` non-zero differences the p-value is exact, from the sign-flip distribution
given the tied absolute differences; otherwise the normal approximation with tie correction
(no continuity correction). When no difference is non-zero the sign-flip distribution is the
single point W+ = 0, so the p-value is 1 (and the reason says why).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real

EXACT_MAX_N = 50


@dataclass(frozen=True)
class SignedRank:
    """W+ (sum of ranks of positive differences), two-sided p and the method; ``reason``
    says why p is 1 when no difference is non-zero."""

    statistic: float | None
    p_value: float | None
    method: str | None
    n_nonzero: int
    reason: str = ""


def wilcoxon_counts(differences: Mapping[Real, int], method: str = "auto") -> SignedRank:
    """Two-sided Wilcoxon signed-rank test from {difference: number of citizens}.

    ``method`` is ``auto`` (exact up to EXACT_MAX_N non-zero differences), ``exact`` or
    ``asymptotic``."""
    import numpy as np
    from scipy.stats import norm

    groups: dict[Real, list[int]] = {}  # |d| -> [negatives, positives]
    for d, count in differences.items():
        if count < 0:
            raise ValueError("counts cannot be negative")
        if d == 0 or count == 0:
            continue
        pair = groups.setdefault(abs(d), [0, 0])
        pair[d > 0] += count
    n = sum(neg + pos for neg, pos in groups.values())
    if n == 0:
        return SignedRank(0.0, 1.0, "exact", 0, "p = 1: no citizen's answer changed")
    twice_ranks, before = [], 0  # midranks times two are integers
    for magnitude in sorted(groups):
        size = sum(groups[magnitude])
        twice_ranks.append((2 * before + size + 1, groups[magnitude]))
        before += size
    twice_w = sum(r * pos for r, (_, pos) in twice_ranks)
    if method == "exact" or (method == "auto" and n <= EXACT_MAX_N):
        size = n * (n + 1) + 1  # 2 W+ runs over 0..n(n+1)
        ways = np.zeros(size)
        ways[0] = 1.0
        for r, (neg, pos) in twice_ranks:
            tied = neg + pos
            new = np.zeros(size)
            for m in range(tied + 1):
                shift = m * r
                new[shift:] += math.comb(tied, m) * ways[: size - shift]
            ways = new
        low, high = ways[: twice_w + 1].sum(), ways[twice_w:].sum()
        p = min(1.0, 2 * min(low, high) / 2.0**n)
        return SignedRank(twice_w / 2, float(p), "exact", n)
    mean = n * (n + 1) / 4
    ties = sum((neg + pos) ** 3 - (neg + pos) for _, (neg, pos) in twice_ranks)
    variance = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
    z = (twice_w / 2 - mean) / math.sqrt(variance)
    return SignedRank(twice_w / 2, float(min(1.0, 2 * norm.sf(abs(z)))), "asymptotic", n)
