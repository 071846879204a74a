"""Small-cell suppression: no hidden count can be worked out from what is shown.

The property test asks an independent question of every suppressed table: given exactly
the numbers a viewer sees (shown groups' cells, the total if shown, the labels saying a
hidden group is small or hidden to protect others), what values can each hidden count take?
scipy's linprog finds the smallest and largest over all non-negative tables agreeing with
what is shown (integers relaxed); a count is protected when the two differ by at least one.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analysis.counts import ALL_GROUP, CountTable
from survey_app.suppression import SMALL, SuppressedCounts, decide, progression_decision

THRESHOLD = 5
WAVE = "w"
MISSING = ("ved_ikke", "ubesvaret")


def build_table(groups: dict[str, list[list[int]]]) -> CountTable:
    """``{group: [per item: one cell index per respondent]}``; the last two cells of an
    item are 'ved ikke' and 'ubesvaret'."""
    table = CountTable()
    for group, items in groups.items():
        for i, answers in enumerate(items):
            for cell in answers:
                table.add(f"q{i}", group, WAVE, *_answer(cell, N_OPTIONS))
    return table.with_total(ALL_GROUP)


N_OPTIONS = 3


def _answer(cell: int, k: int) -> tuple:
    return (cell + 1, "") if cell < k else (None, MISSING[cell - k])


def ranges(view: SuppressedCounts, members: list[str], n_items: int, k: int, ruled_out=()):
    """(group, item, cell, low, high) for every hidden count and every hidden group size.
    ``ruled_out`` holds (item, cell) pairs the questionnaire rules out: known zeros."""
    hidden = [g for g in members if view.reason(g, WAVE) is not None]
    if not hidden:
        return []
    width = k + 2
    # variables: per hidden group its size, then its cells item by item
    per_group = 1 + n_items * width
    n_vars = per_group * len(hidden)

    def var(h: int, item: int | None, cell: int = 0) -> int:
        return h * per_group + (0 if item is None else 1 + item * width + cell)

    a_eq, b_eq = [], []
    for h in range(len(hidden)):
        for item in range(n_items):  # every respondent answers every item (or is missing)
            row = np.zeros(n_vars)
            row[[var(h, item, c) for c in range(width)]] = 1
            row[var(h, None)] = -1
            a_eq.append(row)
            b_eq.append(0)
    total_shown = view.total_shown and view.get("q0", ALL_GROUP, WAVE, k) is not None
    if total_shown:
        for item in range(n_items):
            total = _vector(view.get(f"q{item}", ALL_GROUP, WAVE, k))
            shown = [_vector(view.get(f"q{item}", g, WAVE, k)) for g in members if g not in hidden]
            for c in range(width):
                row = np.zeros(n_vars)
                row[[var(h, item, c) for h in range(len(hidden))]] = 1
                a_eq.append(row)
                b_eq.append(total[c] - sum(s[c] for s in shown))
    bounds = [(0, None)] * n_vars
    for h, group in enumerate(hidden):
        small = view.reason(group, WAVE) == SMALL
        bounds[var(h, None)] = (1, THRESHOLD - 1) if small else (THRESHOLD, None)
        for item, cell in ruled_out:
            bounds[var(h, item, cell)] = (0, 0)
    found = []
    for h, group in enumerate(hidden):
        targets = [(None, 0)] + [
            (i, c) for i in range(n_items) for c in range(width) if (i, c) not in ruled_out
        ]
        for item, cell in targets:
            objective = np.zeros(n_vars)
            objective[var(h, item, cell)] = 1
            low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
            high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
            assert low.status == 0, low.message  # the true table is always feasible
            found.append((group, item, cell, low.fun, -high.fun if high.status == 0 else None))
    return found


def _vector(cell) -> list[int]:
    return [*cell.counts, cell.ved_ikke, cell.ubesvaret]


def undetermined(found) -> list:
    """The hidden counts (or sizes) whose range is less than one."""
    return [f for f in found if f[4] is not None and f[4] - f[3] < 1 - 1e-7]


# per item the missing codes the questionnaire rules out (a required item cannot be skipped)
ruled_out_codes = st.lists(st.sets(st.sampled_from(MISSING)), min_size=2, max_size=2)


@st.composite
def tables(draw):
    """Up to five groups of 1-12 respondents answering two items, some missing codes ruled out."""
    impossible = draw(ruled_out_codes)
    allowed = [
        [c for c in range(N_OPTIONS + 2) if c < N_OPTIONS or MISSING[c - N_OPTIONS] not in out]
        for out in impossible
    ]
    groups = []
    for _ in range(draw(st.integers(1, 5))):
        n = draw(st.integers(1, 12))
        groups.append([draw(st.lists(st.sampled_from(a), min_size=n, max_size=n)) for a in allowed])
    return groups, impossible


ONE_BESIDE_EXACTLY_FIVES = (
    # g0 (1 respondent) hidden with g1 and g2 (5 each, labelled "skjult", so at least 5):
    # the total would pin g0's size to 11 - 5 - 5 = 1
    [[[0], [1]], [[0, 1, 2, 3, 4]] * 2, [[4, 3, 2, 1, 0]] * 2, [[0, 1, 2, 3, 4] * 3] * 2],
    [set(), set()],
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
@example(ONE_BESIDE_EXACTLY_FIVES, True)
def test_no_hidden_count_follows_from_what_is_shown(drawn, total_shown):
    groups, impossible = drawn
    data = {f"g{i}": answers for i, answers in enumerate(groups)}
    table = build_table(data)
    items = [("q0", N_OPTIONS), ("q1", N_OPTIONS)]
    ruled = {f"q{i}": out for i, out in enumerate(impossible)}
    view = SuppressedCounts(table, items, [WAVE], THRESHOLD, total_shown, ruled)
    known_zeros = [
        (i, N_OPTIONS + MISSING.index(c)) for i, out in enumerate(impossible) for c in out
    ]
    found = ranges(view, list(data), 2, N_OPTIONS, known_zeros)
    assert undetermined(found) == []
    # a group at or above the threshold is hidden only to protect a small one
    for group, answers in data.items():
        if len(answers[0]) < THRESHOLD:
            assert view.reason(group, WAVE) == SMALL


def test_without_complementary_suppression_the_check_finds_the_disclosure():
    """The check itself: one hidden group beside a shown total is found out."""
    data = {"Aalborg": [[0] * 6, [1] * 6], "Læsø": [[2, 2], [3, 3]]}
    view = SuppressedCounts(build_table(data), [("q0", 3), ("q1", 3)], [WAVE], THRESHOLD, True)
    view.decisions[WAVE] = decide({"Aalborg": 6, "Læsø": 2}, THRESHOLD, False)
    assert undetermined(ranges(view, list(data), 2, 3))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)),
                 min_size=1, max_size=2),
        min_size=1, max_size=5,
    ),
)  # fmt: skip
def test_no_hidden_progression_count_follows_from_the_total(groups):
    """Improved/unchanged/worsened per group and measure; n per measure is their sum."""

    class Row:
        def __init__(self, group, measure, counts):
            self.group, self.item = group, measure
            self.improved, self.unchanged, self.worsened = counts
            self.n = sum(counts)

    measures = min(len(g) for g in groups)
    rows = [Row(f"g{i}", m, g[m]) for i, g in enumerate(groups) for m in range(measures)]
    decision = progression_decision(rows, THRESHOLD, total_shown=True)
    hidden = [f"g{i}" for i in range(len(groups)) if decision.reason(f"g{i}")]
    if not hidden or decision.total_hidden:
        return
    # total minus shown: the hidden groups' sums per measure and category are known
    for m in range(measures):
        for c in range(3):
            total = sum(g[m][c] for i, g in enumerate(groups) if f"g{i}" in hidden)
            for i, g in enumerate(groups):
                if f"g{i}" not in hidden:
                    continue
                rest = [groups[j][m] for j in range(len(groups)) if f"g{j}" in hidden and j != i]
                n_i = sum(g[m])
                high = min(total, n_i)
                low = max(0, total - sum(sum(r) for r in rest))
                # sizes fixed (the strongest viewer): the cell still moves by one
                assert high - low >= 1, (groups, hidden, m, c)
