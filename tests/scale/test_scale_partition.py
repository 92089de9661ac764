"""Partitioning properties (generated ids and times): every member in exactly one partition, the same one on every
run, and time periods that agree with the calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.scale.partition import (MAX_PARTITIONS, check_partitions, member_partition, partition_rows, rebalance_hint,
                                     time_partition)

ids = st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=300)


@given(ids, st.integers(min_value=1, max_value=64))
@settings(max_examples=200, deadline=None)
def test_every_member_in_exactly_one_partition_and_stable(members: list[int], n: int) -> None:
    array = np.array(members, dtype=np.int64)
    parts = partition_rows(array, n)
    positions = np.concatenate([p.rows for p in parts]) if parts else np.empty(0, np.int64)
    assert sorted(positions.tolist()) == list(range(len(members)))  # all of them, none twice
    assert [p.id for p in parts] == sorted({p.id for p in parts}) and all(len(p) for p in parts)
    labels = member_partition(array, n)
    for p in parts:
        assert (labels[p.rows] == p.id).all() and (np.diff(p.rows) > 0).all()
    assert (member_partition(array[::-1], n) == labels[::-1]).all()  # a member's partition does not depend on the others


def test_partition_is_fixed_across_processes_and_roughly_even() -> None:
    # pinned values: a change of hash would move every member's partition (and break resuming old runs);
    # SplitMix64's first output from state 0 is 0xE220A8397B1DCDAF, so member 0 lands in partition 0xF of 16
    assert member_partition(np.array([0, 1, 2, 12345, -7]), 16).tolist() == [15, 1, 14, 0, 0]
    assert int(member_partition(np.array([0]), 2**16)[0]) == 0xE220A8397B1DCDAF % 2**16
    assert member_partition(np.array([1, 2, 3]), 1).tolist() == [0, 0, 0]
    sizes = [len(p) for p in partition_rows(np.arange(100_000), 32)]
    assert len(sizes) == 32 and rebalance_hint(sizes) < 1.1  # consecutive ids spread evenly
    with pytest.raises(ValueError, match="between 1 and"):
        check_partitions(0)
    with pytest.raises(ValueError, match="between 1 and"):
        check_partitions(MAX_PARTITIONS + 1)


@given(st.lists(st.floats(min_value=0, max_value=4.0e9, allow_nan=False), max_size=50))
@settings(max_examples=100, deadline=None)
def test_time_periods_match_the_calendar(stamps: list[float]) -> None:
    months = time_partition(np.array(stamps), "month")
    days = time_partition(np.array(stamps), "day")
    for stamp, month, day in zip(stamps, months, days, strict=True):
        when = datetime.fromtimestamp(int(stamp), UTC)
        assert month == f"{when.year:04d}-{when.month:02d}" and day == when.strftime("%Y-%m-%d")


def test_missing_times_and_unknown_periods() -> None:
    assert time_partition(np.array([np.nan, 0.0]), "year").tolist() == ["unknown", "1970"]
    with pytest.raises(ValueError, match="unknown period 'week'"):
        time_partition(np.array([0.0]), "week")
