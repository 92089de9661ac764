"""Served lists and the events that followed them, for online evaluation (purpose ``analytics``).

Only members taking part in analytics who did not opt out of experiments; member ids are replaced by opaque codes
(0..m-1, new on every call) so nothing returned names or keys anyone; the caller (``museion.experiments``) attributes
events to lists and publishes per-version aggregates only, never a cell of fewer than five members. Members who
withdraw consent drop out of every later read. One access record per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, func, select

from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.consent import current_purpose, participants
from museion.privacy.experiment_choice import opted_out_members
from museion.privacy.models import Event, Member, ServedEntry

PURPOSE = "analytics"


@dataclass(frozen=True)
class ServedTraffic:
    """Lists in serving order and events in time order; ``*_member`` are opaque codes, times epoch seconds."""

    list_member: np.ndarray
    list_version: np.ndarray
    list_time: np.ndarray
    list_works: list[list[int]]
    event_member: np.ndarray
    event_work: np.ndarray
    event_kind: np.ndarray
    event_value: np.ndarray
    event_time: np.ndarray
    member_activity: np.ndarray
    """Events per member code, all time (for the fairness audit's activity groups)."""
    member_ids: np.ndarray | None = None
    """The member ids behind the codes, only when asked for (replaying a candidate model needs its rows)."""

    @property
    def n_members(self) -> int:
        return len(self.member_activity)


@gated
def served_traffic(conn: Connection, *, actor: str, since: datetime, until: datetime | None,
                   version_ids: Sequence[int], window_s: int, with_ids: bool = False) -> ServedTraffic:
    """Lists of ``version_ids`` served in [since, until) and the events of the same members up to ``window_s`` after;
    ``with_ids`` adds the member ids behind the codes (recorded as such in the access record)."""
    declared = current_purpose(conn, PURPOSE)
    members = select(Member.id).where(Member.id.in_(participants(declared)), Member.id.not_in(opted_out_members()))
    lists_q = (select(ServedEntry.member_id, ServedEntry.model_version_id, ServedEntry.served_at, ServedEntry.work_ids)
               .where(ServedEntry.served_at >= since, ServedEntry.model_version_id.in_(list(version_ids)),
                      ServedEntry.member_id.in_(members)).order_by(ServedEntry.served_at, ServedEntry.id))
    if until is not None:
        lists_q = lists_q.where(ServedEntry.served_at < until)
    lists = conn.execute(lists_q).all()
    ids = sorted({int(r.member_id) for r in lists})
    code = {m: i for i, m in enumerate(ids)}
    start = int(since.timestamp())
    end = None if until is None else int(until.timestamp()) + window_s
    events: list = []
    activity = np.zeros(len(ids), dtype=np.int64)
    for chunk in range(0, len(ids), 500):
        batch = ids[chunk:chunk + 500]
        q = (select(Event.member_id, Event.work_id, Event.kind, Event.value, Event.occurred_at)
             .where(Event.member_id.in_(batch), Event.occurred_at >= start))
        events += conn.execute(q if end is None else q.where(Event.occurred_at < end)).all()
        for member, n in conn.execute(select(Event.member_id, func.count()).where(Event.member_id.in_(batch))
                                      .group_by(Event.member_id)):
            activity[code[int(member)]] = int(n)
    events.sort(key=lambda r: r.occurred_at)
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=len(lists) + len(events), members=len(ids),
           details={"aggregate": "online_evaluation", "versions": sorted(int(v) for v in version_ids),
                    "member_ids": with_ids})
    return ServedTraffic(
        np.array([code[int(r.member_id)] for r in lists], dtype=np.int64),
        np.array([int(r.model_version_id) for r in lists], dtype=np.int64),
        np.array([r.served_at.timestamp() for r in lists], dtype=np.float64),
        [list(r.work_ids) for r in lists],
        np.array([code[int(r.member_id)] for r in events], dtype=np.int64),
        np.array([int(r.work_id) for r in events], dtype=np.int64),
        np.array([r.kind for r in events], dtype=object),
        np.array([np.nan if r.value is None else float(r.value) for r in events], dtype=np.float64),
        np.array([float(r.occurred_at) for r in events], dtype=np.float64),
        activity, np.array(ids, dtype=np.int64) if with_ids else None)
