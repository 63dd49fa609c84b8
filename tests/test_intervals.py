"""Intervals that respect what a metric is: shares inside 0–100%, counts and money never below zero."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcc.scenarios.evaluate import summary
from rcc.scenarios.intervals import METRICS, Metric, share_difference, t_interval, wilson

SCENARIO = st.integers(1, 60).flatmap(lambda of: st.tuples(st.integers(0, of), st.just(of)))


def test_wilson_matches_the_hand_computed_interval_for_8_of_10():
    """p = 0.8, z = 1.959964: centre (0.8 + z²/20) / (1 + z²/10) = 0.716735, half-width
    z·√(0.016 + z²/400) / (1 + z²/10) = 0.226579, so 49.02% to 94.33% (the textbook values)."""
    share, low, high = wilson(8, 10)
    assert share == pytest.approx(80.0)
    assert low == pytest.approx(49.0156, abs=1e-3) and high == pytest.approx(94.3314, abs=1e-3)


def test_wilson_stays_informative_at_all_or_none():
    """Where a t-interval collapses to a point (every scenario 100%), Wilson still says how sure."""
    share, low, high = wilson(40, 40)
    assert share == 100.0 and high == 100.0 and 90 < low < 100
    assert wilson(0, 40)[1] == 0.0 and 0 < wilson(0, 40)[2] < 10


@given(st.lists(SCENARIO, min_size=1, max_size=30), st.lists(SCENARIO, min_size=1, max_size=30))
def test_share_intervals_and_their_differences_never_leave_their_range(booked, spot):
    """Whatever the scenarios, a share's interval lies within 0–100% around its share, and the paired
    difference within −100 to +100 points around its difference."""
    n = min(len(booked), len(spot))
    booked, spot = booked[:n], spot[:n]
    share, low, high = wilson(sum(h for h, _ in booked), sum(o for _, o in booked))
    assert 0 <= low <= share <= high <= 100
    diff, d_low, d_high = share_difference([h for h, _ in booked], [o for _, o in booked],
                                           [h for h, _ in spot], [o for _, o in spot])
    assert -100 <= diff <= 100
    if n > 1:
        assert -100 <= d_low <= d_high <= 100


@given(st.lists(st.integers(0, 3), min_size=2, max_size=20))
def test_a_count_interval_never_goes_below_zero(counts):
    mean, low, high = t_interval(counts, floor=0.0)
    assert 0 <= low <= mean <= high


def test_summary_keeps_shares_inside_0_to_100_where_a_t_interval_ran_over():
    """Nearly every child placed in every scenario: the t-interval of the mean of the shares runs past
    100%; the summary's Wilson interval does not, and a count near zero keeps a low end of 0."""
    placed = [40, 40, 40, 37]
    rows = pd.DataFrame({"scenario": range(4)})
    for prefix in ("", "spot_"):
        columns = {"weekly_bill": [900.0, 1000.0, 1100.0, 950.0], "unplaced": [0, 0, 0, 3],
                   "siblings_apart": [0, 0, 0, 1], "far_from_home": [0, 1, 0, 0], "outside_own_la": [1, 0, 0, 2],
                   "void_beds": [0, 0, 0, 1], "score": [1.0, 2.0, 3.0, 4.0], "children": [40] * 4,
                   "placed": placed, "within_20_miles": [39, 40, 40, 37], "groups": [5] * 4,
                   "groups_together": [5, 5, 5, 4], "in_own_la": [39, 40, 40, 35], "beds_used": [2, 2, 2, 1],
                   "contracted_beds": [2] * 4}
        rows = rows.assign(**{prefix + k: v for k, v in columns.items()})
    assert t_interval([100 * p / 40 for p in placed])[2] > 100  # the old way: past 100%
    table = summary(rows).set_index("metric")
    shares = [m.name for m in METRICS.values() if m.kind == "share"]
    for name in shares:
        for column in ("contracts_low", "contracts_high", "spot_low", "spot_high"):
            assert 0 <= table.loc[name, column] <= 100, (name, column)
    assert table.loc["placed_pct", "contracts"] == pytest.approx(100 * 157 / 160)
    for name in ("unplaced", "siblings_apart", "void_beds", "weekly_bill"):
        assert table.loc[name, "contracts_low"] >= 0


def test_a_metric_says_what_it_is_and_a_share_names_what_it_pools():
    assert {m.kind for m in METRICS.values()} == {"share", "count", "money", "score"}
    with pytest.raises(ValueError, match="share"):
        Metric("placed_pct", "Placed (%)", "share")
    with pytest.raises(ValueError, match="kind"):
        Metric("x", "X", "percentage")
