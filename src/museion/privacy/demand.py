"""Demand cells for insight: events per group of works and calendar period (purpose ``analytics``).

Forecasting needs a regular grid of counts (groups x periods) with no gaps; publishing it must not single anyone out.
So this gate function counts events of consenting members per (group, period), keeps the distinct members of each
cell, and suppresses (NaN) every non-empty cell describing fewer than ``k`` distinct members. Empty periods between
the first and the last event are filled with an explicit 0 (zero members cannot identify anyone). Groups are
labels the caller derives from the public catalogue (genre, subject, creator attributes…): never from members.
One access record per call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

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
    suppressed: int  # how many non-empty cells were suppressed
    last_event_at: int | None = None  # epoch seconds of the latest event counted (is the last period complete?)


def _freq(period: str) -> str:
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
    freq = _freq(period)
    k = max(int(k), SMALL_CELL)
    declared = current_purpose(conn, PURPOSE)
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
    rows = np.array([tuple(r) for r in conn.execute(query)], dtype=np.int64).reshape(-1, 3)  # tuples: Rows convert slowly
    labels = sorted({label for ls in groups.values() for label in ls}) if groups is not None else [TOTAL]
    details = {"aggregate": "demand", "period": period, "grouped": groups is not None, "groups": len(labels),
               "kinds": sorted(kinds) if kinds is not None else None, "source": source, "k": k}
    frame = pd.DataFrame(rows, columns=["work", "member", "at"])
    if groups is not None:
        pairs = [(w, label) for w, ls in groups.items() for label in set(ls)]
        mapping = pd.DataFrame(pairs, columns=["work", "group"]).astype({"work": np.int64, "group": object})
        frame = frame.merge(mapping, on="work", how="inner")
    else:
        frame["group"] = TOTAL
    if frame.empty:
        record(conn, actor=actor, declared=declared, categories=["activity"], rows=0, members=0, details=details)
        return _empty(labels)
    frame["period"] = pd.to_datetime(frame["at"], unit="s", utc=True).dt.tz_localize(None).dt.to_period(freq)
    index = pd.period_range(frame["period"].min(), frame["period"].max(), freq=freq)
    cells = frame.groupby(["group", "period"]).agg(n=("member", "size"), m=("member", "nunique"))
    full = pd.MultiIndex.from_product([labels, index], names=["group", "period"])
    cells = cells.reindex(full, fill_value=0)
    counts = cells["n"].to_numpy(dtype=float).reshape(len(labels), len(index))
    members = cells["m"].to_numpy(dtype=np.int64).reshape(len(labels), len(index))
    hidden = (members > 0) & (members < k)
    counts[hidden] = np.nan
    members = np.where(hidden, 0, members)
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=int(len(frame)),
           members=int(frame["member"].nunique()), details={**details, "suppressed": int(hidden.sum())})
    return DemandCells(period_labels(index, period), labels, counts, members, int(hidden.sum()), int(frame["at"].max()))
