"""Served-traffic drift: live hits and long-tail slots of served lists (pure, on generated arrays), the window
comparison, and the service refusing to judge when nothing is deployed (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from museion.risk import served_drift, served_stats


def test_a_list_is_a_hit_only_for_its_member_its_works_and_inside_the_follow_up_window() -> None:
    hits = served_stats.list_hits(
        list_member=np.array([0, 0, 1, 2]), list_time=np.array([100.0, 100.0, 100.0, 100.0]),
        list_works=[[7, 8], [9], [7], [7]],
        event_member=np.array([0, 1, 1, 2]), event_work=np.array([8, 7, 7, 7]), event_time=np.array([150.0, 50.0, 300.0, 100.0]),
        window_s=100)
    assert hits.tolist() == [True, False, False, False]  # member 1 acted before and too late; member 2 at serving time


def test_tail_slots_and_the_two_window_comparison() -> None:
    slots, tail = served_stats.tail_slots([[1, 2, 3], [1], []], head={1})
    assert slots.tolist() == [3, 1, 0] and tail.tolist() == [2, 0, 0]
    change = served_stats.worse_share((300, 1000), (200, 1000))
    assert change is not None and change.before == 0.3 and change.after == 0.2 and change.z < -3
    assert served_stats.worse_share((300, 1000), (290, 1000)) is None  # a small move is not drift
    assert served_stats.worse_share((30, 100), (20, 100)) is None  # too few lists to tell
    assert served_stats.worse_share((200, 1000), (300, 1000)) is None  # it got better
    assert served_stats.worse_share((0, 0), (1, 10)) is None


def test_nothing_deployed_is_refused_with_a_reason(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(served_drift.TooLittleTraffic, match="no model version is deployed"):
        served_drift.scan(conn, actor="test")
