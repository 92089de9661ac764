"""Audience segments' pure core: taste vectors from events and the catalogue's genres, the number of segments chosen by
silhouette among the k stable across seeds, small segments merged, aggregate profiles; the ARI target on MovieLens."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import require_dataset
from museion.errors import MuseionError
from museion.insight.segments import K_MIN, choose, merge_small, tastes

LABELS = {1: ["Drama"], 2: ["Comedy"], 3: ["Horror"], 4: ["Drama", "Romance"]}


def clustered(per: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three audiences: Drama/Romance lovers, Comedy fans, Horror fans (each also sees a little of the others)."""
    rng = np.random.default_rng(seed)
    members, works, times = [], [], []
    for group, favourite in enumerate(([1, 4], [2], [3])):
        for m in range(per):
            member = group * 100 + m
            picks = list(rng.choice(favourite, 12)) + list(rng.choice([1, 2, 3, 4], 2))
            members += [member] * len(picks)
            works += picks
            times += list(1.6e9 + rng.uniform(0, 3e7, len(picks)))
    return np.array(members), np.array(works), np.array(times)


def test_taste_vectors_split_each_event_over_its_genres() -> None:
    t = tastes(np.array([7, 7, 8]), np.array([4, 2, 9]), np.array([10.0, 20.0, np.nan]), LABELS)
    assert t.genres == ["Comedy", "Drama", "Horror", "Romance"] and t.members.tolist() == [7]  # 8 saw an unlabelled work
    assert t.shares[0].tolist() == pytest.approx([0.5, 0.25, 0.0, 0.25]) and t.events.tolist() == [2] and t.last_seen[0] == 20


def test_three_audiences_are_found_stably_and_profiled() -> None:
    members, works, times = clustered()
    found = choose(tastes(members, works, times, LABELS), range(2, 6))
    assert found.k == 3 and found.ari >= 0.99 and "silhouette" in found.criterion
    assert sorted(p.size for p in found.profiles) == [20, 20, 20]
    tops = {p.top_genres[0][0] for p in found.profiles}
    assert tops == {"Comedy", "Horror", "Drama"} or tops == {"Comedy", "Horror", "Romance"}
    assert all(p.top_genres[0][2] > 1.5 for p in found.profiles)  # lift against everyone
    assert all(p.recency_days_median is not None and p.events_median == 14 for p in found.profiles)


def test_small_segments_are_merged_and_too_few_members_refused() -> None:
    x = np.array([[0.0], [0.1], [0.2], [0.1], [0.0], [5.0], [5.1], [5.2], [5.0], [4.9], [9.0], [9.1]])
    labels, merged = merge_small(x, np.array([0] * 5 + [1] * 5 + [2] * 2), K_MIN)
    assert merged == 1 and np.bincount(labels).tolist() == [7, 5] and (labels[-2:] == labels[5]).all()
    members, works, times = clustered(per=3)
    with pytest.raises(MuseionError, match="too few to segment"):
        choose(tastes(members[:20], works[:20], times[:20], LABELS))


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 1000), st.integers(6, 15))
def test_property_no_published_segment_is_under_k(seed: int, per: int) -> None:
    members, works, times = clustered(per, seed)
    found = choose(tastes(members, works, times, LABELS), range(2, 5), seeds=(0, 1))
    assert all(p.size >= K_MIN for p in found.profiles) and sum(p.size for p in found.profiles) == 3 * per


def test_movielens_segments_are_stable_across_five_seeds() -> None:
    import pandas as pd

    folder = require_dataset("movielens-latest-small")
    ratings, movies = pd.read_csv(folder / "ratings.csv"), pd.read_csv(folder / "movies.csv")
    labels = {int(i): [g for g in gs.split("|") if g != "(no genres listed)"] for i, gs in zip(movies.movieId, movies.genres)}
    found = choose(tastes(ratings.userId.values, ratings.movieId.values, ratings.timestamp.values.astype(float), labels))
    assert found.ari >= 0.8 and len(found.seeds) == 5 and found.k >= 2
