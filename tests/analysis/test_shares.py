"""Success-criterion shares: counted from the options named, Wilson and Newcombe intervals."""

import pytest

from analysis.counts import OptionCounts
from analysis.shares import option_share, share_change


def test_option_share_counts_named_options_only():
    share = option_share(OptionCounts((1, 2, 3, 4), ved_ikke=5, ubesvaret=6), [3, 4])
    assert (share.successes, share.n) == (7, 10)
    assert share.share == pytest.approx(0.7)
    assert share.low < 0.7 < share.high


def test_no_answers_no_share():
    share = option_share(OptionCounts((0, 0), ved_ikke=3), [1])
    assert share.share is None and share.low is None
    assert share_change(share, share) is None


def test_share_change_is_newcombe_example_b():
    """Newcombe (1998) Table II (b): 9/10 - 3/10, hybrid score interval 0.1705 to 0.8090."""
    a = option_share(OptionCounts((7, 3)), [2])  # 3 of 10
    b = option_share(OptionCounts((1, 9)), [2])  # 9 of 10
    change = share_change(a, b)
    assert change.difference == pytest.approx(0.6)
    assert (change.low, change.high) == pytest.approx((0.1705, 0.8090), abs=5e-5)
