"""The demand gate function and the demand/catalogue series service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from helpers import inspecting
from museion.errors import MuseionError, NotFound
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.insight.demand import catalogue_series, demand_series, supply
from museion.insight.groups import work_groups
from museion.privacy.demand import demand_cells
from museion.privacy.models import AccessRecord


def _at(year: int, month: int, day: int = 3) -> int:
    return int(datetime(year, month, day, 12, tzinfo=timezone.utc).timestamp())


# Jan 2020: 6 members view Drama work w0; Feb: nothing; Mar: 2 members view Comedy w1 (suppressed), 6 view w0 on the 30th.
EVENTS = ([(f"m{m}", "w0", _at(2020, 1)) for m in range(6)] + [(f"m{m}", "w1", _at(2020, 3)) for m in range(2)]
          + [(f"m{m}", "w0", _at(2020, 3, 30)) for m in range(6)] + [("m0", "w2", _at(2020, 3))])


@pytest.fixture
def demand(engine: Engine, tmp_path: Path) -> Engine:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres,year,medium,acquisition_year\n"
                     "w0,film,Zero,Drama,1995,Oil paint on canvas,2001\nw1,film,One,Comedy|Drama,1958,Graphite on paper,2001\n"
                     "w2,book,Two,,1820,Oil paint on board,2003\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    events = tmp_path / "events.csv"
    events.write_text("member,work,kind,timestamp\n" + "".join(f"{m},{w},view,{t}\n" for m, w, t in EVENTS), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), events, keep_member_ids=True)
    return engine


def test_cells_fill_gaps_suppress_small_cells_and_record_one_access(demand: Engine) -> None:
    with demand.begin() as conn:
        groups = work_groups(conn, "genre")
        cells = demand_cells(conn, actor="analyst", period="month", groups=groups)
        with inspecting():
            records = conn.execute(select(AccessRecord.actor, AccessRecord.purpose)).all()
    assert cells.periods == ["2020-01", "2020-02", "2020-03"]
    assert cells.groups == ["Comedy", "Drama"]
    assert np.isnan(cells.counts[0, 2]) and cells.counts[0, 0] == 0  # 2 members: suppressed; January: an explicit 0
    assert cells.counts[1].tolist()[:2] == [6.0, 0.0]
    # March's Drama (8 events, 6 members) is published no more: with Comedy its period's only suppressed cell, the
    # March total minus Drama would give Comedy away, so Drama is suppressed as its complement (secondary)
    assert np.isnan(cells.counts[1, 2]) and cells.members[1, 2] == 0
    assert cells.suppressed == 2 and cells.secondary == 1 and cells.members[0, 2] == 0
    assert records == [("analyst", "analytics")]


def test_total_week_and_day_labels_and_k(demand: Engine) -> None:
    with demand.begin() as conn:
        total = demand_cells(conn, actor="a", period="week")
        days = demand_cells(conn, actor="a", period="day", k=7)
        tiny = demand_cells(conn, actor="a", period="month", k=1)  # never below the gate's own 5
    assert total.groups == ["total"] and total.periods[0] == "2020-W01" and total.periods[-1] == "2020-W14"
    assert len(total.periods) == 14 and np.nansum(total.counts) == 12  # the 2+1 March-3 events are one small cell
    assert days.periods[0] == "2020-01-03" and len(days.periods) == 31 + 29 + 30 - 2
    assert np.isnan(days.counts[0]).all() or np.nanmax(days.counts) == 0  # no day reaches 7 members
    assert tiny.suppressed == 0 and tiny.counts[0].tolist() == [6.0, 0.0, 9.0]


def test_kinds_and_bounds_filter_and_empty_answer(demand: Engine) -> None:
    with demand.begin() as conn:
        none = demand_cells(conn, actor="a", kinds={"purchase"})
        later = demand_cells(conn, actor="a", since=_at(2020, 2))
    assert none.periods == [] and none.counts.shape == (1, 0)
    assert later.periods == ["2020-03"]


def test_objecting_members_are_left_out(demand: Engine) -> None:
    from museion.privacy import consent
    from helpers import member_id_for

    with demand.begin() as conn:
        assert demand_cells(conn, actor="a").counts[0].tolist() == [6.0, 0.0, 9.0]
    with demand.begin() as conn, inspecting():
        declared = consent.current_purpose(conn, "analytics")
        consent.record(conn, member_id_for(conn, "t:m5"), declared, granted=False, notice_version="1", source="web")
    with demand.begin() as conn:
        assert demand_cells(conn, actor="a").counts[0].tolist() == [5.0, 0.0, 8.0]  # 5 members left: still published
    with demand.begin() as conn, inspecting():
        consent.record(conn, member_id_for(conn, "t:m4"), declared, granted=False, notice_version="1", source="web")
    with demand.begin() as conn:
        cells = demand_cells(conn, actor="a")
    assert np.isnan(cells.counts[0, 0]) and cells.suppressed == 2  # 4 members: both non-empty months suppressed


def test_demand_series_service_and_bad_input(demand: Engine) -> None:
    series = demand_series(demand, "analyst", "genre", "month")
    assert series.groups == ["Comedy", "Drama"] and series.k == 5
    assert demand_series(demand, "analyst", "genre", groups=["Drama"]).groups == ["Drama"]
    with pytest.raises(NotFound, match="no genre group Horror"):
        demand_series(demand, "analyst", "genre", groups=["Horror"])
    with pytest.raises(MuseionError, match="unknown grouping"):
        demand_series(demand, "analyst", "colour")
    with pytest.raises(MuseionError, match="unknown period"):
        demand_series(demand, "analyst", "genre", "fortnight")
    with pytest.raises(MuseionError, match="no demand by creator_gender: no work with a creator_gender"):
        demand_series(demand, "analyst", "creator_gender")  # the works have no credited creators
    with pytest.raises(MuseionError, match="no demand to count"):
        demand_series(demand, "analyst", "total", kinds=["purchase"])
    by_work = demand_series(demand, "analyst", "work", "month")
    assert by_work.groups[0].startswith("Zero (#") and len(by_work.groups) == 3  # most demanded first


def test_catalogue_groups_series_and_supply(demand: Engine) -> None:
    with demand.begin() as conn:
        assert sorted(work_groups(conn, "era").values()) == [["1950s"], ["1990s"], ["19th century"]]
        acquisitions = catalogue_series(conn, "medium", "acquisitions")
        made = catalogue_series(conn, "genre", "works")
        counts = supply(conn, "genre", ["Drama", "Comedy", "Horror"])
        n_works = conn.scalar(select(func.count()).select_from(__import__("museion.catalog.models", fromlist=["Work"]).Work))
    assert acquisitions.periods == ["2001", "2002", "2003"] and acquisitions.groups == ["Graphite", "Oil paint"]
    assert acquisitions.values.tolist() == [[1, 0, 0], [1, 0, 1]]
    assert made.periods[0] == "1958" and made.periods[-1] == "1995" and made.values.sum() == 3
    assert counts == {"Drama": 2, "Comedy": 1, "Horror": 0} and n_works == 3
    with demand.begin() as conn, pytest.raises(MuseionError, match="unknown measure"):
        catalogue_series(conn, "medium", "loans")


def test_a_last_period_the_data_ends_early_in_is_left_out(demand: Engine) -> None:
    weekly = demand_series(demand, "analyst", "total", "week")  # the last event is on Monday of 2020-W14
    assert weekly.periods[-1] == "2020-W13" and weekly.partial_left_out == "2020-W14"
    assert demand_series(demand, "analyst", "total", "week", complete_only=False).periods[-1] == "2020-W14"
    assert demand_series(demand, "analyst", "total", "month").partial_left_out is None  # March 30 of 31 days: complete
