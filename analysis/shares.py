"""Shares of answers for success criteria: a named set of options of one item, its share
with Wilson's 95% score interval, and the change between two waves with Newcombe's (1998)
hybrid score interval. Pure: counts in, numbers out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analysis.counts import OptionCounts
from analysis.effects import share_difference, wilson_interval


@dataclass(frozen=True)
class Share:
    """``successes`` of ``n`` substantive answers; share and interval None when n is 0."""

    successes: int
    n: int
    share: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ShareChange:
    """Share in wave B minus share in wave A with Newcombe's 95% interval."""

    a: Share
    b: Share
    difference: float
    low: float
    high: float


def option_share(counts: OptionCounts, options: Iterable[int]) -> Share:
    """The share of substantive answers falling in ``options`` (codes), with Wilson's interval."""
    successes = sum(counts.counts[code - 1] for code in options if code <= len(counts.counts))
    n = counts.n
    if n == 0:
        return Share(0, 0, None, None, None)
    low, high = wilson_interval(successes, n)
    return Share(successes, n, successes / n, low, high)


def share_change(a: Share, b: Share) -> ShareChange | None:
    """The change from ``a`` to ``b`` with Newcombe's interval; None if a wave has no answers."""
    if a.n == 0 or b.n == 0:
        return None
    difference, low, high = share_difference(b.successes, b.n, a.successes, a.n)
    return ShareChange(a, b, difference, low, high)
