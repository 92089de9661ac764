"""New-work outlook's pure core: first-year demand per work, the forecast from comparable works, the time-split
evaluation against the genre-mean baseline; and on MovieLens, that the outlook beats the genre mean."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import require_dataset
from museion.errors import MuseionError
from museion.insight.outlook import YEAR, evaluate, forecast, histories

DAY = 86400.0


def test_first_year_demand_counts_only_the_first_365_days_of_finished_years() -> None:
    works = np.array([1, 1, 1, 2, 3])
    members = np.array([1, 2, 1, 1, 1])
    t0 = 1.5e9
    times = np.array([t0, t0 + 10 * DAY, t0 + 400 * DAY, t0 + 5 * DAY, t0 + 399 * DAY])
    h = histories(works, members, times, {1: ["Drama"], 2: ["Comedy"]}, {1: 1990, 2: None})
    assert h.work_ids.tolist() == [1, 2]  # work 3 appeared too late for a complete first year
    assert h.demand.tolist() == [2, 1] and h.members.tolist() == [2, 1] and np.isnan(h.year[1])
    with pytest.raises(MuseionError, match="no timed events"):
        histories(works, members, np.full(5, np.nan), {}, {})


def synthetic(n: int = 300, seed: int = 0):  # type: ignore[no-untyped-def]
    """Drama works draw 20 events in their first year when new and 2 when old; Comedy 5: age matters, genre too."""
    rng = np.random.default_rng(seed)
    works, members, times, labels, years = [], [], [], {}, {}
    for w in range(n):
        first = 1.3e9 + rng.uniform(0, 6 * YEAR)
        genre = "Drama" if w % 2 else "Comedy"
        entry_year = 1970 + first / (365.2425 * DAY)
        old = w % 4 < 2
        years[w] = entry_year - (40 if old else 0)
        count = 5 if genre == "Comedy" else (2 if old else 20)
        labels[w] = [genre]
        works += [w] * count
        members += list(range(count))
        times += [first] + list(first + rng.uniform(0, 300 * DAY, count - 1))
    return histories(np.array(works), np.array(members), np.array(times), labels, years)


def test_forecast_uses_comparable_works_and_beats_the_genre_mean_on_a_time_split() -> None:
    h = synthetic()
    new = forecast(h, frozenset({"Drama"}), 2020.0, 1970 * 0 + 1.6e9 + 2 * YEAR)
    assert new.expected == 20 and new.genre_mean == pytest.approx(11, abs=2) and new.low <= new.expected <= new.high
    e = evaluate(h)
    assert e.train > 0 and e.test > 0 and e.mae == 0 < e.mae_genre_mean  # comparables know age matters; genre means do not
    with pytest.raises(MuseionError, match="too few"):
        evaluate(h.take(np.arange(len(h.demand)) < 10))


def test_movielens_outlook_beats_the_genre_mean_baseline() -> None:
    import pandas as pd

    folder = require_dataset("movielens-latest-small")
    ratings, movies = pd.read_csv(folder / "ratings.csv"), pd.read_csv(folder / "movies.csv")
    labels = {int(i): [g for g in gs.split("|") if g != "(no genres listed)"] for i, gs in zip(movies.movieId, movies.genres)}
    year = movies.title.str.extract(r"\((\d{4})\)\s*$")[0].astype(float)
    years = {int(i): (None if y != y else float(y)) for i, y in zip(movies.movieId, year)}
    h = histories(ratings.movieId.values, ratings.userId.values, ratings.timestamp.values.astype(float), labels, years)
    e = evaluate(h)
    assert e.mae < e.mae_genre_mean and e.test > 1000
