"""The series core: selection, totals, model input (trimming and filling suppressed cells), yearly counts, labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.errors import MuseionError, NotFound
from museion.insight.series import (SeriesSet, era, medium_family, model_input, next_periods, season_length, select,
                                    total, yearly_counts)

NAN = float("nan")


def sample() -> SeriesSet:
    values = np.array([[1.0, NAN, 3.0], [5.0, 5.0, 5.0], [0.0, 0.0, 1.0]])
    return SeriesSet("demand", "genre", "month", ["2020-01", "2020-02", "2020-03"], ["Comedy", "Drama", "War"], values, 1, 5)


def test_select_by_name_and_top_and_unknown_group() -> None:
    s = sample()
    assert select(s, ["War", "Comedy"]).groups == ["War", "Comedy"]
    assert select(s, top=2).groups == ["Drama", "Comedy"]  # largest total first
    with pytest.raises(NotFound, match="no genre group Horror; known groups: Comedy, Drama, War"):
        select(s, ["Horror"])
    assert total(s).tolist() == [6.0, 5.0, 9.0]
    assert s.as_dict()["values"][0] == [1.0, None, 3.0]


def test_model_input_trims_leading_zeros_and_interpolates_suppressed_cells() -> None:
    y, offset, filled = model_input(np.array([0, 0, 4.0, NAN, 8.0, 0.0]))
    assert offset == 2 and filled == 1 and y.tolist() == [4.0, 6.0, 8.0, 0.0]
    assert model_input(np.array([0.0, NAN]))[0].size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1e6), st.just(NAN)), min_size=1, max_size=40))
def test_model_input_never_leaves_gaps_and_keeps_published_cells(values: list[float]) -> None:
    array = np.array(values)
    y, offset, filled = model_input(array)
    assert not np.isnan(y).any()
    published = ~np.isnan(array[offset:])
    assert np.array_equal(y[published], array[offset:][published])
    assert filled == int((~published).sum())


def test_yearly_counts_fill_every_year_and_count_each_label_once() -> None:
    found = yearly_counts(np.array([2001.0, 2003.0, NAN, 2003.0]), [["a"], ["a", "b", "a"], ["b"], ["b"]],
                          measure="acquisitions", by="medium")
    assert found.periods == ["2001", "2002", "2003"] and found.groups == ["a", "b"]
    assert found.values.tolist() == [[1, 0, 1], [0, 0, 2]] and found.period == "year"
    with pytest.raises(MuseionError, match="no acquisitions with a year"):
        yearly_counts(np.array([NAN]), [["a"]], measure="acquisitions", by="medium")


def test_labels_seasons_mediums_and_eras() -> None:
    assert next_periods("2018-11", "month", 3) == ["2018-12", "2019-01", "2019-02"]
    assert next_periods("2020-W52", "week", 2) == ["2020-W53", "2021-W01"]
    assert next_periods("2013", "year", 1) == ["2014"]
    assert season_length("month", 24) == 12 and season_length("month", 23) == 1 and season_length("year", 100) == 1
    assert medium_family("Oil paint on canvas") == "Oil paint" and medium_family("graphite, ink") == "Graphite"
    assert medium_family("  ") is None
    assert era(1995) == "1990s" and era(1820) == "19th century" and era(1201) == "13th century" and era(None) is None
