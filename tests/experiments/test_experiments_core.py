"""Pure cores of online evaluation: attribution, online metrics, always-valid sequential tests, the design's
verdicts and the replay estimator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.experiments.attribution import attribute
from museion.experiments.design import Plan, PlanRejected, evaluate, verdict
from museion.experiments.online import Catalogue, cumulative_cells
from museion.experiments.replay import ips
from museion.experiments.sequential import Moments, look, plan_sample

DAY = 86400.0


def test_an_event_goes_to_the_latest_earlier_showing_within_the_window() -> None:
    lists = [[10, 11, 12], [12, 13], [10]]
    found = attribute(np.array([0, 0, 1]), np.array([0.0, 100.0, 0.0]), lists,
                      np.array([0, 0, 1, 1]), np.array([12, 11, 10, 99]), np.array(["view", "rating", "borrow", "view"]),
                      np.array([np.nan, 5.0, np.nan, np.nan]), np.array([150.0, 50.0, DAY * 2, 10.0]), window_s=DAY, k=2)
    # member 0's view of 12 at 150 s goes to the second list (position 0), not the first (position 2)
    assert found.first_position.tolist() == [1, 0, -1]
    assert found.clicked.tolist() == [True, True, False]  # the rating of 11 at 50 s hit list 0 at position 1
    assert found.converted.tolist() == [True, False, False]  # a rating of 5 converts; a view does not
    assert found.clicked_works[2] == set()  # the borrow came after the window; work 99 was never shown


def test_an_event_before_the_list_or_at_a_position_past_k_is_not_a_click() -> None:
    found = attribute(np.array([0]), np.array([100.0]), [[1, 2, 3]], np.array([0, 0]), np.array([1, 3]),
                      np.array(["view", "view"]), np.array([np.nan, np.nan]), np.array([50.0, 150.0]), window_s=DAY, k=2)
    assert not found.clicked[0] and found.first_position[0] == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 1000), st.lists(st.integers(0, 9), max_size=5, unique=True)),
                max_size=12),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.floats(0, 2000)), max_size=20))
def test_attribution_links_only_shown_works_of_the_same_member_earlier_within_the_window(
        lists: list[tuple[int, float, list[int]]], events: list[tuple[int, int, float]]) -> None:
    lists = sorted(lists, key=lambda x: x[1])
    found = attribute(np.array([m for m, _, _ in lists], dtype=np.int64), np.array([t for _, t, _ in lists]),
                      [w for _, _, w in lists], np.array([m for m, _, _ in events], dtype=np.int64),
                      np.array([w for _, w, _ in events], dtype=np.int64), np.array(["view"] * len(events), dtype=object),
                      np.full(len(events), np.nan), np.array([t for _, _, t in events]), window_s=300.0, k=3)
    for i, (member, at, works) in enumerate(lists):
        for work in found.clicked_works[i]:
            assert work in works
            assert any(m == member and w == work and at < t <= at + 300.0 for m, w, t in events)
        assert found.clicked[i] <= bool(found.clicked_works[i])


def test_cells_are_daily_snapshots_with_the_member_as_unit_and_small_snapshots_left_out() -> None:
    members = np.array([0, 0, 0, 1, 2, 3, 4, 5, 0, 1])  # member 0 has four lists, three of them on day 1
    times = np.array([0.0, 1.0, 2.0] + [0.0] * 5 + [DAY, DAY])
    lists = [[1, 2, 3]] * len(members)
    found = attribute(members, times, lists, np.array([0, 0]), np.array([1, 2]), np.array(["view", "view"], dtype=object),
                      np.array([np.nan, np.nan]), np.array([0.5, 1.5]), window_s=DAY, k=3)
    catalogue = Catalogue({1: 50.0, 2: 5.0, 3: 1.0, 4: 1.0}, 4)
    cells = cumulative_cells(members, np.full(len(members), 7), times, lists, found, catalogue, np.arange(6) + 1, 3)
    ctr = {c.day: c for c in cells if c.metric == "ctr"}
    # day 1: six members; member 0 clicked two of their three lists (0.667), the others none
    assert (ctr["1970-01-01"].n, ctr["1970-01-01"].total) == (6, pytest.approx(2 / 3))
    assert (ctr["1970-01-02"].n, ctr["1970-01-02"].total) == (6, pytest.approx(2 / 4))  # a snapshot of both days
    coverage = [c for c in cells if c.metric == "coverage"]
    assert [c.n for c in coverage] == [1, 2] and coverage[0].total == pytest.approx(0.75)
    few = cumulative_cells(members[:4], np.full(4, 7), times[:4], lists[:4], attribute(
        members[:4], times[:4], lists[:4], np.array([0]), np.array([1]), np.array(["view"], dtype=object),
        np.array([np.nan]), np.array([0.5]), window_s=DAY, k=3), catalogue, np.arange(6) + 1, 3)
    assert few == []  # two members: nothing is published about them


def _moments(x: np.ndarray) -> Moments:
    return Moments(len(x), float(x.sum()), float((x**2).sum()))


def test_the_confidence_sequence_keeps_false_positives_under_alpha_when_peeking_every_day() -> None:
    rng = np.random.default_rng(7)
    false_positives = 0
    for _ in range(200):
        a, b = Moments(0, 0, 0), Moments(0, 0, 0)
        for _day in range(20):  # peek twenty times
            a, b = a + _moments(rng.binomial(1, 0.1, 100).astype(float)), b + _moments(rng.binomial(1, 0.1, 100).astype(float))
            seen = look(a, b, alpha=0.05, tau=0.02)
            if seen is not None and (seen.low > 0 or seen.high < 0):
                false_positives += 1
                break
    assert false_positives / 200 <= 0.05


def test_a_real_difference_is_found_and_the_interval_covers_it() -> None:
    rng = np.random.default_rng(3)
    a, b = _moments(rng.binomial(1, 0.10, 20000).astype(float)), _moments(rng.binomial(1, 0.13, 20000).astype(float))
    seen = look(a, b, alpha=0.05, tau=0.02)
    assert seen is not None and seen.low > 0 and seen.low < 0.03 < seen.high and seen.p_value < 0.05
    assert look(Moments(1, 1, 1), b, alpha=0.05, tau=0.02) is None


def test_sample_plan_needs_more_for_smaller_effects_and_more_when_peeking() -> None:
    small, large = plan_sample(0.05, 0.005), plan_sample(0.05, 0.02)
    assert small.fixed_per_arm > large.fixed_per_arm and small.sequential_per_arm > large.sequential_per_arm
    assert large.sequential_per_arm > large.fixed_per_arm  # the price of looking any time
    with pytest.raises(ValueError, match="baseline"):
        plan_sample(1.5, 0.01)


def test_plan_refuses_unknown_metrics_and_bad_tolerances() -> None:
    with pytest.raises(PlanRejected, match="primary"):
        Plan.from_dict({"primary": "latency_ms"})
    with pytest.raises(PlanRejected, match="guardrails"):
        Plan.from_dict({"guardrails": {"exposure_gap": 0}})
    with pytest.raises(PlanRejected, match="unknown fields"):
        Plan.from_dict({"colour": 1})
    assert Plan.from_dict({"guardrails": {"latency_ms": 10}}).guardrails == {"latency_ms": 10}


def _cells(version: int, metric: str, values: np.ndarray, days: int = 4) -> list[dict]:
    """Daily snapshots: day d holds the first d parts of ``values``."""
    out = []
    for d in range(1, days + 1):
        part = values[: len(values) * d // days]
        out.append({"version_id": version, "day": f"2026-01-0{d}", "metric": metric, "grp": "", "n": len(part),
                    "total": float(part.sum()), "total_sq": float((part**2).sum())})
    return out


def test_a_guardrail_is_breached_only_when_the_interval_is_wholly_past_its_tolerance() -> None:
    rng = np.random.default_rng(1)
    control, worse, same = rng.normal(0.2, 0.1, 4000), rng.normal(0.5, 0.1, 4000), rng.normal(0.2, 0.1, 4000)
    breached = verdict(_cells(1, "exposure_gap", control) + _cells(2, "exposure_gap", worse), 1, 2, "exposure_gap", "",
                       alpha=0.05, scale=0.05, tolerance=0.05)
    assert breached.status == "breach" and len(breached.curve) == 4 and breached.curve[-1]["low"] > 0.05
    fine = verdict(_cells(1, "exposure_gap", control) + _cells(2, "exposure_gap", same), 1, 2, "exposure_gap", "",
                   alpha=0.05, scale=0.05, tolerance=0.05)
    assert fine.status == "ok"
    assert verdict([], 1, 2, "latency_ms", "", alpha=0.05, scale=50, tolerance=50).status == "no_data"
    result = evaluate(_cells(1, "exposure_gap", control) + _cells(2, "exposure_gap", worse), 1, 2, Plan())
    assert [g.metric for g in result["breached"]] == ["exposure_gap"] and result["primary"].status == "no_data"


def test_replay_of_the_logged_lists_themselves_gives_their_own_clicks() -> None:
    logged = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    clicks = [{2}, set(), {7, 9}]
    same = ips(logged, clicks, logged, k=3)
    assert same.candidate_clicks == pytest.approx(same.logged_clicks) == pytest.approx(1.0)
    assert same.overlap == 1.0 and same.candidate_se > 0
    moved = ips(logged, clicks, [[2, 1, 3], [0, 0, 0], [9, 7, 8]], k=3)  # clicked works moved up: examined more
    assert moved.candidate_clicks > same.candidate_clicks and math.isfinite(moved.variance)
    with pytest.raises(ValueError, match="no logged list"):
        ips([], [], [], k=3)
