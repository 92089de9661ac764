"""Demand and catalogue series (service): counts of demand through the gate, per group of works from the public
catalogue (``museion.insight.groups``) or per member segment (``museion.insight.segmenting``).

Audience demand is read only through ``museion.privacy.demand.demand_cells`` (purpose ``analytics``, one access record
per read, cells under k distinct members suppressed). The groups of works (genre, subject, kind, creators' gender or
nationality, era) come from the catalogue, never from members. The catalogue side (acquisitions and works per year by
medium, genre…) is public and read directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
from sqlalchemy import Connection, Engine, select

from museion.catalog.models import Work
from museion.errors import MuseionError
from museion.insight.groups import check_by, work_groups
from museion.insight.segmenting import member_segments
from museion.insight.series import BY_CATALOGUE, BY_DEMAND, BY_MEMBERS, SeriesSet, ends_early, select as pick, yearly_counts
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.demand import PERIODS, demand_cells
from museion.privacy.demand_dp import dp_demand_cells
from museion.privacy.segment_demand import segment_demand_cells

MAX_WORK_SERIES = 50  # by=work: the most demanded works only (a page of series, not the catalogue)


def demand_series(engine_or_conn: Engine | Connection, actor: str, by: str = "total", period: str = "month", *,
                  groups: Collection[str] | None = None, top: int | None = None, kinds: Collection[str] | None = None,
                  source: str | None = None, k: int = SMALL_CELL, since: int | None = None,
                  until: int | None = None, complete_only: bool = True) -> SeriesSet:
    """Events per group of works and period, through the gate (one access record), gaps filled, small cells NaN;
    with ``complete_only``, a last period the data ends early in is left out (``partial_left_out`` names it)."""
    check_by(by, BY_DEMAND)
    if period not in PERIODS:
        raise MuseionError("unknown period %(period)s: use day, week or month", period=period)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return demand_series(conn, actor, by, period, groups=groups, top=top, kinds=kinds, source=source, k=k,
                                 since=since, until=until, complete_only=complete_only)
    conn = engine_or_conn
    if by == "segment":  # members clustered on taste
        cells = segment_demand_cells(conn, actor=actor, segments=member_segments(conn, actor, source=source),
                                     period=period, kinds=kinds, source=source, k=k, since=since, until=until)
    else:
        cells = demand_cells(conn, actor=actor, period=period, groups=None if by == "total" else work_groups(conn, by),
                             kinds=kinds, source=source, k=k, since=since, until=until)
    if not cells.periods:
        if by != "total":
            raise MuseionError("no demand by %(by)s: no work with a %(by)s has events of members taking part in "
                               "analytics", by=by)
        raise MuseionError("there is no demand to count yet: no events of members taking part in analytics")
    periods, counts, partial = cells.periods, cells.counts, None
    if complete_only and len(periods) > 1 and cells.last_event_at is not None and ends_early(periods[-1], period, cells.last_event_at):
        periods, counts, partial = periods[:-1], counts[:, :-1], periods[-1]
    seen = list(range(len(cells.groups)))
    if not groups:  # groups of works nobody asked for (e.g. another source's genres) are not series
        seen = [i for i, row in enumerate(cells.counts) if np.isnan(row).any() or row.sum() > 0]
    found = SeriesSet("demand", by, period, periods, [cells.groups[i] for i in seen], counts[seen], cells.suppressed,
                      max(k, SMALL_CELL), partial)
    if by == "work" and top is None and not groups:
        top = MAX_WORK_SERIES
    return pick(found, sorted(groups) if groups else None, top)


def dp_demand_series(engine: Engine, actor: str, by: str = "total", period: str = "month", *, epsilon: float,
                     source: str | None, groups: Collection[str] | None = None, top: int | None = None,
                     kinds: Collection[str] | None = None, max_contributions: int = 50,
                     progress: Callable[[float, str], None] | None = None) -> SeriesSet:
    """Demand released with differential privacy, charged to ``source``'s budget (``privacy.demand_dp``); every cell
    noisy and none suppressed; ``dp`` on the result says what it cost and the noise it carries."""
    check_by(by, BY_DEMAND)
    if by in BY_MEMBERS:
        raise MuseionError("a differentially private release groups works; %(by)s is not offered", by=by)
    if not source:
        raise MuseionError("a differentially private release is charged to one member source's budget: name the source")
    with engine.connect() as conn:
        mapping = None if by == "total" else work_groups(conn, by)
    released = dp_demand_cells(engine, source, epsilon=epsilon, actor=actor, period=period, groups=mapping, kinds=kinds,
                               max_contributions=max_contributions, progress=progress)
    cells = released.cells
    periods, counts, partial = cells.periods, cells.counts, None
    if len(periods) > 1 and cells.last_event_at is not None and ends_early(periods[-1], period, cells.last_event_at):
        periods, counts, partial = periods[:-1], counts[:, :-1], periods[-1]
    found = SeriesSet("demand", by, period, periods, cells.groups, counts, 0, None, partial, released.as_dict())
    if by == "work" and top is None and not groups:
        top = MAX_WORK_SERIES
    return pick(found, sorted(groups) if groups else None, top)


def catalogue_series(conn: Connection, by: str = "medium", measure: str = "acquisitions", *, source: str | None = None,
                     groups: Collection[str] | None = None, top: int | None = None, first: int | None = None,
                     last: int | None = None) -> SeriesSet:
    """Works acquired (``acquisitions``) or made (``works``) per year and group: public catalogue counts."""
    check_by(by, BY_CATALOGUE)
    if measure not in ("acquisitions", "works"):
        raise MuseionError("unknown measure %(measure)s: use acquisitions or works", measure=measure)
    year = Work.acquisition_year if measure == "acquisitions" else Work.year
    scope = [year.is_not(None)] + ([] if source is None else [Work.source == source])
    rows = conn.execute(select(Work.id, year).where(*scope)).all()
    if not rows:
        raise MuseionError("there are no %(measure)s with a year in the catalogue", measure=measure)
    labels = work_groups(conn, by, source=source)
    kept = [(y, labels[w]) for w, y in rows if w in labels]
    if not kept:
        raise MuseionError("no works with a year have a %(by)s", by=by)
    years = np.array([float(y) for y, _ in kept])
    found = yearly_counts(years, [ls for _, ls in kept], measure=measure, by=by, first=first, last=last)
    return pick(found, sorted(groups) if groups else None, top)


def supply(conn: Connection, by: str, labels: Collection[str]) -> dict[str, int]:
    """How many catalogue works each group holds (the supply side of a catalogue gap)."""
    counts: dict[str, int] = dict.fromkeys(labels, 0)
    for ls in work_groups(conn, by).values():
        for label in ls:
            if label in counts:
                counts[label] += 1
    return counts
