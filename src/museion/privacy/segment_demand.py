"""Demand cells per member segment (purpose ``analytics``): events per (segment, period) through the same counting
and small-cell suppression as ``museion.privacy.demand`` (primary under k members, secondary so no suppressed cell
follows from the period's total).

Segments group members, not works: the caller (``museion.insight.segmenting``) clusters members of the analytics
purpose on their genre mix and hands over member id -> segment label; this function counts, suppresses and records
the access. A segment of fewer than k members is refused, so no series describes a handful of people even where its
cells would each pass. One access record per call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

import pandas as pd
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.consent import current_purpose
from museion.privacy.demand import PURPOSE, DemandCells, check_period, count_cells, event_rows


@gated
def segment_demand_cells(conn: Connection, *, actor: str, segments: Mapping[int, str], period: str = "month",
                         kinds: Collection[str] | None = None, source: str | None = None, k: int = SMALL_CELL,
                         since: int | None = None, until: int | None = None) -> DemandCells:
    """Events of members taking part in analytics per segment (``segments``: member id -> label; members absent from
    it are left out) and period (UTC); cells under ``k`` distinct members suppressed, with their complements."""
    check_period(period)
    k = max(int(k), SMALL_CELL)
    sizes = Counter(segments.values())
    small = sorted(label for label, n in sizes.items() if n < k)
    if small:
        raise MuseionError("segments %(segments)s have fewer than %(k)s members: merge them before counting demand",
                           segments=", ".join(small), k=k)
    declared = current_purpose(conn, PURPOSE)
    rows = event_rows(conn, declared, kinds=kinds, source=source, since=since, until=until)
    frame = pd.DataFrame(rows, columns=["work", "member", "at"])
    frame["group"] = frame["member"].map(segments)  # members without a segment (no taste vector) get NaN: left out
    frame = frame.dropna(subset=["group"])
    labels = sorted(sizes)
    cells = count_cells(frame, labels, period, k)
    record(conn, actor=actor, declared=declared, categories=["activity"], rows=int(len(frame)),
           members=int(frame["member"].nunique()),
           details={"aggregate": "demand by member segment", "period": period, "groups": len(labels), "source": source,
                    "kinds": sorted(kinds) if kinds is not None else None, "k": k, "suppressed": cells.suppressed,
                    "secondary": cells.secondary, "smallest_segment": int(min(sizes.values(), default=0))})
    return cells
