"""Splits partition the interaction list, reproducibly, with the documented per-member sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.recommend.evaluation.splits import Split, leave_last_out, make_split, ratio_split, time_split


def parts(split: Split) -> list[np.ndarray]:
    return [split.train, split.valid, split.test]


def assert_partition(split: Split, n: int) -> None:
    everything = np.concatenate(parts(split))
    assert sorted(everything.tolist()) == list(range(n))
    assert all(np.all(np.diff(p) > 0) for p in parts(split))


def sizes_per_member(split: Split, members: np.ndarray) -> dict[int, tuple[int, int, int]]:
    return {
        int(m): tuple(int(np.sum(members[p] == m)) for p in parts(split))  # type: ignore[misc]
        for m in np.unique(members)
    }


def test_ratio_811_uses_recbole_part_sizes() -> None:
    counts = {0: 10, 1: 20, 2: 5, 3: 3, 4: 2, 5: 1, 6: 15}
    members = np.repeat(list(counts), list(counts.values()))
    np.random.default_rng(0).shuffle(members)
    split = ratio_split(members, seed=42)
    assert_partition(split, len(members))
    assert sizes_per_member(split, members) == {
        0: (8, 1, 1),
        1: (16, 2, 2),
        2: (3, 1, 1),  # 0.1 × 5 < 1: test and valid each get one while train keeps more than one
        3: (1, 1, 1),
        4: (2, 0, 0),  # fewer than 3 interactions: all in train
        5: (1, 0, 0),
        6: (13, 1, 1),
    }
    assert split.method == "ratio-811" and split.seed == 42


def test_ratio_split_is_seeded() -> None:
    members = np.repeat(np.arange(20), 10)
    a, b, c = ratio_split(members, seed=1), ratio_split(members, seed=1), ratio_split(members, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(parts(a), parts(b), strict=True))
    assert not np.array_equal(a.test, c.test)


def test_leave_last_out_holds_out_the_latest() -> None:
    members = np.array([7, 7, 7, 7, 8, 8, 9, 9, 9])
    stamps = np.array([4.0, 1.0, 3.0, 2.0, 5.0, 6.0, 1.0, 1.0, 0.0])
    split = leave_last_out(members, stamps)
    assert_partition(split, len(members))
    assert split.test.tolist() == [0, 7]  # member 9: equal stamps, the later list position is "last"
    assert split.valid.tolist() == [2, 6]
    assert split.train.tolist() == [1, 3, 4, 5, 8]  # member 8 has only 2: all train


def test_time_split_cuts_at_instants() -> None:
    stamps = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10], dtype=float)
    split = time_split(stamps, quantiles=(0.5, 0.8))
    first, second = np.quantile(stamps, (0.5, 0.8))
    assert (stamps[split.train] < first).all()
    assert ((stamps[split.valid] >= first) & (stamps[split.valid] < second)).all()
    assert (stamps[split.test] >= second).all() and split.test.tolist() == [8, 9, 10]
    assert_partition(split, len(stamps))


def test_make_split_dispatch_and_errors() -> None:
    members, stamps = np.repeat(np.arange(3), 5), np.arange(15.0)
    assert make_split("loo", members, stamps, seed=0).method == "loo"
    assert make_split("time", members, stamps, seed=0).method == "time"
    assert make_split("ratio-811", members, None, seed=0).method == "ratio-811"
    with pytest.raises(ValueError, match="needs timestamps"):
        make_split("loo", members, None, seed=0)
    with pytest.raises(ValueError, match="unknown split"):
        make_split("kfold", members, stamps, seed=0)
    with pytest.raises(ValueError, match="sum to 1"):
        ratio_split(members, seed=0, ratios=(0.5, 0.1, 0.1))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 8), max_size=120), st.integers(0, 3))
def test_every_split_is_a_partition_and_deterministic(member_list: list[int], seed: int) -> None:
    members = np.array(member_list, dtype=np.int64)
    stamps = np.random.default_rng(seed).integers(0, 20, len(members)).astype(float)
    for make in (
        lambda: ratio_split(members, seed=seed),
        lambda: leave_last_out(members, stamps),
        lambda: time_split(stamps),
    ):
        split, again = make(), make()
        assert_partition(split, len(members))
        assert all(np.array_equal(x, y) for x, y in zip(parts(split), parts(again), strict=True))
    # per-member splits keep at least one training interaction for every member
    for split in (ratio_split(members, seed=seed), leave_last_out(members, stamps)):
        assert set(members[split.train].tolist()) == set(member_list)
