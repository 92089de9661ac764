"""Demand cells for insight: events per group of works and calendar period (purpose ``analytics``).

Forecasting needs a regular grid of counts (groups x periods) with no gaps; publishing it must not single anyone out.
So this gate function counts events of consenting members per (group, period), keeps the distinct members of each
cell, and suppresses (NaN) every non-empty cell describing fewer than ``k`` distinct members (primary suppression).
Because the same period's total is published too, a period with exactly one suppressed cell would give it away
(total minus the visible groups), so a second cell of that period is suppressed as well (secondary, or complementary,
suppression; see ``suppress``). Empty periods between the first and the last event are filled with an explicit 0
(zero members cannot identify anyone). Groups are labels the caller derives from the public catalogue (genre,
subject, creator attributes…), or member segments through ``museion.privacy.segment_demand``. One access record per
call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Row, select

from museion.errors import MuseionError
from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.consent import current_purpose, participants
from museion.privacy.models import Event, Member

PURPOSE = "analytics"
PERIODS = ("day", "week", "month")
TOTAL = "total"


@dataclass(frozen=True, slots=True)
class DemandCells:
    """Counts of events per group and period, every period first..last; NaN where fewer than k distinct members."""

    periods: list[str]  # "2018-03" month, "2018-W09" ISO week, "2018-03-04" day
    groups: list[str]  # sorted labels; ["total"] when no grouping was asked for
    counts: np.ndarray  # float (n_groups, n_periods); NaN where suppressed
    members: np.ndarray  # int (n_groups, n_periods) distinct members per cell; 0 where suppressed or empty
    suppressed: int  # how many cells were suppressed (primary and secondary)
    last_event_at: int | None = None  # epoch seconds of the latest event counted (is the last period complete?)
    secondary: int = 0  # of them, cells suppressed only so that a primary one cannot be recovered from the total


def check_period(period: str) -> str:
    """pandas' frequency of ``period``; an unknown period is an error."""
    if period not in PERIODS:
        raise MuseionError("unknown period %(period)s: use day, week or month", period=period)
    return {"day": "D", "week": "W-SUN", "month": "M"}[period]


def period_labels(index: pd.PeriodIndex, period: str) -> list[str]:
    """Text labels of periods: 2018-03-04, 2018-W09 (ISO week, Monday first), 2018-03."""
    if period == "week":
        iso = index.start_time.isocalendar()
        return [f"{y:04d}-W{w:02d}" for y, w in zip(iso.year, iso.week, strict=True)]
    return [str(p) for p in index]


def _empty(groups: list[str]) -> DemandCells:
    return DemandCells([], groups, np.zeros((len(groups), 0)), np.zeros((len(groups), 0), dtype=np.int64), 0)


def suppress(counts: np.ndarray, members: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counts with suppressed cells NaN, members with them 0, the primary mask, the secondary mask).

    Primary: a non-empty cell of fewer than ``k`` distinct members. Secondary (the published rule): with two or more
    groups, a period holding exactly one suppressed cell also loses its smallest other non-empty cell (an empty one
    when none is left; ties go to the first group), so every period has none or at least two suppressed cells and
    its published total minus the visible cells leaves a sum of two or more unknowns, never one cell's value. This
    is tau-Argus's hypercube idea cut to one dimension: rows have no published totals here. Written by hand: no
    maintained Python package applies cell suppression to a counts grid."""
    counts = np.asarray(counts, dtype=float).copy()
    members = np.asarray(members, dtype=np.int64).copy()
    primary = (members > 0) & (members < k)
    secondary = np.zeros_like(primary)
    if counts.shape[0] >= 2:
        for column in np.flatnonzero(primary.sum(axis=0) == 1):
            open_cells = np.flatnonzero(~primary[:, column])
            nonempty = open_cells[counts[open_cells, column] > 0]
            pool = nonempty if len(nonempty) else open_cells
            secondary[pool[np.argmin(counts[pool, column])], column] = True
    hidden = primary | secondary
    counts[hidden] = np.nan
    members[hidden] = 0
    return counts, members, primary, secondary


def count_cells(frame: pd.DataFrame, labels: list[str], period: str, k: int) -> DemandCells:
    """Count a frame of events (columns member, at, group) into suppressed cells over every period first..last."""
    if frame.empty:
        return _empty(labels)
    freq = check_period(period)
    frame = frame.assign(period=pd.to_datetime(frame["at"], unit="s", utc=True).dt.tz_localize(None).dt.to_period(freq))
    index = pd.period_range(frame["period"].min(), frame["period"].max(), freq=freq)
    cells = frame.groupby(["group", "period"]).agg(n=("member", "size"), m=("member", "nunique"))
    cells = cells.reindex(pd.MultiIndex.from_product([labels, index], names=["group", "period"]), fill_value=0)
    shape = (len(labels), len(index))
    counts, members, primary, secondary = suppress(cells["n"].to_numpy(dtype=float).reshape(shape),
                                                   cells["m"].to_numpy(dtype=np.int64).reshape(shape), k)
    return DemandCells(period_labels(index, period), labels, counts, members, int(primary.sum() + secondary.sum()),
                       int(frame["at"].max()), int(secondary.sum()))


@gated
def demand_cells(conn: Connection, *, actor: str, period: str = "month",
                 groups: Mapping[int, Sequence[str]] | None = None, kinds: Collection[str] | None = None,
                 source: str | None = None, k: int = SMALL_CELL, since: int | None = None,
                 until: int | None = None) -> DemandCells:
    """Events of members taking part in analytics, per group of works and period (UTC).

    ``groups`` maps work id -> labels (a work may be in several groups; works absent from it are ignored); None
    gives one ``total`` series. ``kinds`` keeps some event kinds only; ``source`` one member source; ``since`` and
    ``until`` bound ``occurred_at`` (epoch seconds, until exclusive). ``k`` (at least the gate's own 5) is the fewest
    distinct members a published cell may describe."""
    check_period(period)
    k = max(int(k), SMALL_CELL)
    declared = current_purpose(conn, PURPOSE)
    rows = event_rows(conn, declared, kinds=kinds, source=source, since=since, until=until)
    labels = sorted({label for ls in groups.values() for label in ls}) if groups is not None else [TOTAL]
    details = {"aggregate": "demand", "period": period, "grouped": groups is not None, "groups": len(labels),
               "kinds": sorted(kinds) if kinds is not None else None, "source": source, "k": k}
    frame = grouped(rows, groups)
    cells = count_cells(frame, labels, period, k)
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=int(len(frame)),
           members=int(frame["member"].nunique()), details={**details, "suppressed": cells.suppressed,
                                                            "secondary": cells.secondary})
    return cells


def grouped(rows: np.ndarray, groups: Mapping[int, Sequence[str]] | None) -> pd.DataFrame:
    """Event rows (work, member, at) as a frame with their group: one row per label of the work (works without one
    dropped), or ``total`` for every row when ``groups`` is None."""
    frame = pd.DataFrame(rows, columns=["work", "member", "at"])
    if groups is None:
        return frame.assign(group=TOTAL)
    pairs = [(w, label) for w, ls in groups.items() for label in set(ls)]
    mapping = pd.DataFrame(pairs, columns=["work", "group"]).astype({"work": np.int64, "group": object})
    return frame.merge(mapping, on="work", how="inner")


def event_rows(conn: Connection, declared: Row, *, kinds: Collection[str] | None = None, source: str | None = None,
               since: int | None = None, until: int | None = None) -> np.ndarray:
    """(work, member, occurred_at) of the events of members taking part in ``declared``, as an int64 array (n, 3).
    Called only from gated functions of this package."""
    query = select(Event.work_id, Event.member_id, Event.occurred_at).where(
        Event.occurred_at.is_not(None), Event.member_id.in_(participants(declared)))
    if kinds is not None:
        query = query.where(Event.kind.in_(sorted(set(kinds))))
    if source is not None:
        query = query.where(Event.member_id.in_(select(Member.id).where(Member.source == source)))
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if until is not None:
        query = query.where(Event.occurred_at < until)
    return np.array([tuple(r) for r in conn.execute(query)], dtype=np.int64).reshape(-1, 3)  # tuples: Rows convert slowly
