"""Internal consistency of a domain: Cronbach's alpha with Feldt's confidence interval.

Alpha is estimated from each citizen's first occasion only (one row per citizen, so the rows
are independent), from the citizens who answered every item of the domain substantively:
``ved_ikke``, ``ubesvaret`` and ``ikke_relevant`` remove the citizen from that domain's
estimate (listwise deletion within the domain; other domains keep them). Negative items are
reversed first, as in the domain score. Below ``MIN_CITIZENS`` complete first occasions the
estimate is not used: the reliable change index then rests on the planning value written in
the questionnaire.

alpha = k / (k - 1) * (1 - sum of item variances / variance of the sum score)
(Cronbach 1951). The interval is Feldt's (Feldt, Woodruff & Salih 1987, formulas 6 and 7):
(1 - alpha) / (1 - alpha_hat) follows F(n - 1, (n - 1)(k - 1)), so
[1 - (1 - alpha_hat) F(1 - c/2), 1 - (1 - alpha_hat) F(c/2)].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

MIN_CITIZENS = 30
SOURCES = ("estimated", "planning", "none")


@dataclass(frozen=True)
class AlphaEstimate:
    """Cronbach's alpha of ``k`` items from ``n`` complete rows with its interval (None where
    undefined: fewer than two rows or items, or a sum score that does not vary)."""

    n: int
    k: int
    alpha: float | None
    low: float | None
    high: float | None
    excluded: int = 0


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of complete rows (one per person, one column per item); None with
    fewer than two rows or two items, or when the sum score does not vary."""
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        return None
    columns = [[Fraction(row[j]) for row in rows] for j in range(k)]
    total = _variance([sum(Fraction(v) for v in row) for row in rows])
    if total == 0:
        return None
    alpha = Fraction(k, k - 1) * (1 - sum(_variance(c) for c in columns) / total)
    return float(alpha)


def _variance(values: list[Fraction]) -> Fraction:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def feldt_interval(
    alpha: float, n: int, k: int, confidence: float = 0.95
) -> tuple[float, float] | tuple[None, None]:
    """Feldt's confidence interval for alpha from n persons and k items ((None, None) if
    n < 2 or k < 2)."""
    from scipy.stats import f as f_distribution  # here: scipy takes a second to import

    if n < 2 or k < 2:
        return None, None
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * f_distribution.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * f_distribution.ppf(tail, df1, df2)
    return float(low), float(high)


def alpha_with_interval(
    rows: Iterable[Sequence[float | None]], confidence: float = 0.95
) -> AlphaEstimate:
    """Alpha and Feldt interval after listwise deletion: a row with any None is left out
    (and counted in ``excluded``)."""
    rows = list(rows)
    complete = [row for row in rows if all(v is not None for v in row)]
    k = len(rows[0]) if rows else 0
    alpha = cronbach_alpha(complete)
    low, high = (None, None) if alpha is None else feldt_interval(alpha, len(complete), k,
                                                                   confidence)  # fmt: skip
    return AlphaEstimate(len(complete), k, alpha, low, high, len(rows) - len(complete))


def alpha_from_patterns(
    patterns: Mapping[tuple[int, ...], int], k: int, rows: int, confidence: float = 0.95
) -> AlphaEstimate:
    """``alpha_with_interval`` from counts: ``patterns`` maps each complete row of ``k``
    integer scores to how many persons gave it, ``rows`` is the number of persons before
    listwise deletion. Exact integer moments instead of one fraction per value."""
    n = sum(patterns.values())
    alpha = None
    if n >= 2 and k >= 2:
        sums, squares = [0] * k, [0] * k
        total = total_squares = 0
        for row, count in patterns.items():
            for j, value in enumerate(row):
                sums[j] += count * value
                squares[j] += count * value * value
            score = sum(row)
            total += count * score
            total_squares += count * score * score
        spread = n * total_squares - total * total
        if spread:
            items = sum(n * q - s * s for q, s in zip(squares, sums, strict=True))
            alpha = float(Fraction(k, k - 1) * (1 - Fraction(items, spread)))
    low, high = (None, None) if alpha is None else feldt_interval(alpha, n, k, confidence)
    return AlphaEstimate(n, k, alpha, low, high, rows - n)


@dataclass(frozen=True)
class DomainReliability:
    """The reliability a domain's reliable change index uses and why: ``source`` is
    ``estimated`` (alpha from at least MIN_CITIZENS complete first occasions), ``planning``
    (the value in the questionnaire, because too few citizens or alpha undefined) or ``none``."""

    domain: str
    estimate: AlphaEstimate
    planning: float | None
    used: float | None
    source: str


def choose_reliability(
    domain: str, estimate: AlphaEstimate, planning: float | None, minimum: int = MIN_CITIZENS
) -> DomainReliability:
    """The estimated alpha when at least ``minimum`` complete first occasions gave one
    (and it is above 0, so that the RCI is defined), else the planning value."""
    if estimate.alpha is not None and estimate.n >= minimum and 0 < estimate.alpha < 1:
        return DomainReliability(domain, estimate, planning, estimate.alpha, "estimated")
    if planning is not None:
        return DomainReliability(domain, estimate, planning, planning, "planning")
    return DomainReliability(domain, estimate, planning, None, "none")


def first_occasion_rows(
    first_values: Iterable[Mapping[str, int | None]],
    item_keys: Sequence[str],
    reversed_top: Mapping[str, int],
) -> list[list[int | None]]:
    """The domain's item scores of each citizen's first occasion, negative items reversed
    (code -> top - code, ``reversed_top`` = number of options + 1); None where missing."""
    rows = []
    for values in first_values:
        row: list[int | None] = []
        for key in item_keys:
            value = values.get(key)
            if value is not None and key in reversed_top:
                value = reversed_top[key] - value
            row.append(value)
        rows.append(row)
    return rows
