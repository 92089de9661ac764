"""The trends core: growth z-scores, changepoints, interval breaches, ranking and catalogue gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.errors import MuseionError
from museion.insight.trends import assess, breaches, changepoint_test, gaps, growth_z, rank


def test_growth_z_flags_a_jump_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    calm = 100 + rng.normal(0, 2, 60)
    jumped = np.concatenate([calm[:-3], [160.0, 170.0, 180.0]])
    assert abs(growth_z(calm, 3)[1]) < 3
    growth, z = growth_z(jumped, 3)
    assert growth > 0.4 and z > 5
    assert growth_z(np.ones(8), 3)[1] is None  # too little history for a z-score
    with pytest.raises(MuseionError, match="needs at least 6 periods"):
        growth_z(np.ones(5), 3)


def test_changepoint_and_breaches() -> None:
    found = changepoint_test(np.array([1.0] * 10 + [9.0] * 10) + np.tile([0.0, 0.3], 10))
    assert found.index == 10 and found.p < 0.01 and found.shift > 3 and found.breaks == [10]
    assert changepoint_test(np.ones(4)) is None
    n, size, side = breaches(np.array([5.0, 20.0, np.nan]), np.array([0.0, 0, 0]), np.array([10.0, 10, 10]))
    assert (n, size, side) == (1, 1.0, 1)
    assert breaches(np.array([-5.0]), np.array([0.0]), np.array([10.0]))[2] == -1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=6, max_size=50))
def test_changepoint_is_inside_the_series(values: list[float]) -> None:
    found = changepoint_test(np.array(values), permutations=49)
    assert found is None or (3 <= found.index <= len(values) - 3 and 0 < found.p <= 1)


def test_assess_and_rank_put_the_evident_breach_first() -> None:
    history = np.full(30, 100.0) + np.tile([1.0, -1.0], 15)
    interval = (np.full(3, 90.0), np.full(3, 110.0))
    up = assess("up", history, np.array([150.0, 160, 170]), np.full(3, 100.0), *interval)
    calm = assess("calm", history, np.array([101.0, 99, 100]), np.full(3, 100.0), *interval)
    suppressed = assess("hidden", history, np.array([np.nan, np.nan, 104.0]), np.full(3, 100.0), *interval)
    assert up.direction == "up" and up.significant and up.breaches == 3 and up.change == pytest.approx(0.6, abs=0.01)
    assert not calm.significant and calm.breaches == 0
    assert suppressed.actual == [None, None, 104.0] and suppressed.recent == 104.0
    assert [t.group for t in rank([calm, up, suppressed])][0] == "up"
    assert [t.group for t in rank([calm, up], only_significant=True)] == ["up"]
    assert rank([calm, up], direction="down") == [] or all(t.direction == "down" for t in rank([calm, up], direction="down"))
    assert up.as_dict()["group"] == "up"


def test_gaps_compare_demand_share_with_supply_share() -> None:
    found = gaps(["a", "b", "c"], np.array([10.0, 10, 80]), np.array([30.0, 10, 60]), np.array([10, 45, 45]))
    assert [g.group for g in found] == ["a"] and found[0].ratio == pytest.approx(0.3 / 0.1)
    assert found[0].growth == pytest.approx(2.0) and found[0].works == 10
    assert gaps([], np.array([]), np.array([]), np.array([])) == []
    assert gaps(["a"], np.array([0.0]), np.array([0.0]), np.array([3])) == []
    assert gaps(["a", "b"], np.array([1.0, 1]), np.array([5.0, 5]), np.array([0, 4]))[0].as_dict()["ratio"] is None


def test_gap_supply_share_counts_the_works_of_groups_not_forecast() -> None:
    found = gaps(["a", "b"], np.array([1.0, 1]), np.array([6.0, 4]), np.array([2, 2]), all_works=8)
    assert [g.group for g in found] == ["a", "b"] and found[0].supply_share == 0.25 and found[0].ratio == pytest.approx(2.4)
