"""Demand and catalogue series (service): groups of works from the public catalogue, counts of demand through the gate.

Audience demand is read only through ``museion.privacy.demand.demand_cells`` (purpose ``analytics``, one access record
per read, cells under k distinct members suppressed). The groups of works (genre, subject, kind, creators' gender or
nationality, era) come from the catalogue, never from members. The catalogue side (acquisitions and works per year by
medium, genre…) is public and read directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.errors import MuseionError
from museion.insight.series import (BY_CATALOGUE, BY_DEMAND, SeriesSet, ends_early, era, medium_family, select as pick,
                                    yearly_counts)
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.demand import PERIODS, demand_cells

MAX_WORK_SERIES = 50  # by=work: the most demanded works only (a page of series, not the catalogue)


def _check_by(by: str, allowed: tuple[str, ...]) -> None:
    if by not in allowed:
        raise MuseionError("unknown grouping %(by)s: use one of %(allowed)s", by=by, allowed=", ".join(allowed))


def work_groups(conn: Connection, by: str, *, source: str | None = None) -> dict[int, list[str]]:
    """Work id -> group labels of ``by`` (a work may fall in several groups; works without one are left out)."""
    _check_by(by, tuple(sorted(set(BY_DEMAND) | set(BY_CATALOGUE))))
    scope = [] if source is None else [Work.source == source]
    found: dict[int, list[str]] = defaultdict(list)
    if by in ("genre", "subject"):
        rows = conn.execute(select(WorkTerm.work_id, WorkTerm.term).join(Work, Work.id == WorkTerm.work_id)
                            .where(WorkTerm.vocabulary == by, *scope).order_by(WorkTerm.work_id, WorkTerm.position)).all()
    elif by in ("creator_gender", "creator_nationality"):
        attribute = Creator.gender if by == "creator_gender" else func.coalesce(Creator.nationality, Creator.region)
        rows = conn.execute(select(Credit.work_id, attribute).join(Creator, Creator.id == Credit.creator_id)
                            .join(Work, Work.id == Credit.work_id).where(attribute.is_not(None), *scope).distinct()).all()
    elif by == "total":
        rows = [(w, "total") for w in conn.scalars(select(Work.id).where(*scope))]
    else:
        column = {"work": Work.title, "kind": Work.kind, "era": Work.year, "medium": Work.medium}[by]
        rows = conn.execute(select(Work.id, column).where(column.is_not(None), *scope)).all()
        if by == "work":
            rows = [(w, f"{title} (#{w})") for w, title in rows]
        elif by == "era":
            rows = [(w, era(int(y))) for w, y in rows]
        elif by == "medium":
            rows = [(w, medium_family(m)) for w, m in rows]
    for work_id, label in rows:
        if label is not None and str(label).strip() and str(label) not in found[work_id]:
            found[work_id].append(str(label))
    return dict(found)


def demand_series(engine_or_conn: Engine | Connection, actor: str, by: str = "total", period: str = "month", *,
                  groups: Collection[str] | None = None, top: int | None = None, kinds: Collection[str] | None = None,
                  source: str | None = None, k: int = SMALL_CELL, since: int | None = None,
                  until: int | None = None, complete_only: bool = True) -> SeriesSet:
    """Events per group of works and period, through the gate (one access record), gaps filled, small cells NaN;
    with ``complete_only``, a last period the data ends early in is left out (``partial_left_out`` names it)."""
    _check_by(by, BY_DEMAND)
    if period not in PERIODS:
        raise MuseionError("unknown period %(period)s: use day, week or month", period=period)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return demand_series(conn, actor, by, period, groups=groups, top=top, kinds=kinds, source=source, k=k,
                                 since=since, until=until, complete_only=complete_only)
    conn = engine_or_conn
    mapping = None if by == "total" else work_groups(conn, by)
    cells = demand_cells(conn, actor=actor, period=period, groups=mapping, kinds=kinds, source=source, k=k,
                         since=since, until=until)
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


def catalogue_series(conn: Connection, by: str = "medium", measure: str = "acquisitions", *, source: str | None = None,
                     groups: Collection[str] | None = None, top: int | None = None, first: int | None = None,
                     last: int | None = None) -> SeriesSet:
    """Works acquired (``acquisitions``) or made (``works``) per year and group: public catalogue counts."""
    _check_by(by, BY_CATALOGUE)
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
