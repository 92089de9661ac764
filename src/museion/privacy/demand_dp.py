"""Differentially private demand series: events per (group of works, period) released through OpenDP's discrete
Laplace mechanism and charged to a member source's persisted epsilon budget (``museion.privacy.releases``).

Privacy unit: one member. Each member's rows (one per label of the work an event is about, earliest first) are cut
to ``max_contributions`` before counting, so the noise scale OpenDP calibrates covers any one member's whole
contribution to every cell of the grid. The epsilon is reserved under the budget's lock before anything is read and
given back if the release fails; an exhausted budget refuses with nothing read. Groups are the caller's labels from
the public catalogue; the periods span the first to the last event of the source (their dates are the one thing
taken from the data unnoised, as in the k-suppressed series). Noisy counts below 0 are published as 0 (post-
processing keeps the guarantee). No small-cell suppression: the noise is the protection, and its scale is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete

from museion import audit
from museion.errors import MuseionError
from museion.privacy.access import gated
from museion.privacy.access_log import record
from museion.privacy.consent import current_purpose
from museion.privacy.demand import PURPOSE, DemandCells, check_period, event_rows, grouped, period_labels
from museion.privacy.dp import MECHANISM, dp_histogram_of_codes
from museion.privacy.models import PrivacySpend
from museion.privacy.releases import _reserve  # the budget's locked reservation, shared with activity_histogram


@dataclass(frozen=True, slots=True)
class DpDemand:
    """A released grid (``cells.counts`` noisy, never NaN) and what the release cost and what noise it carries."""

    cells: DemandCells
    dataset: str
    epsilon: float
    scale: float  # discrete Laplace scale of each cell's noise
    error_bound: float  # each cell within this of its bounded count with probability ``confidence``
    confidence: float
    max_contributions: int
    remaining: float  # epsilon left in the dataset's budget after this release

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "epsilon": self.epsilon, "scale": round(self.scale, 4),
                "error_bound": round(self.error_bound, 2), "confidence": self.confidence,
                "max_contributions": self.max_contributions, "remaining": self.remaining, "mechanism": MECHANISM,
                "unit": "member"}


@gated
def dp_demand_cells(engine: Engine, dataset: str, *, epsilon: float, actor: str, period: str = "month",
                    groups: Mapping[int, Sequence[str]] | None = None, kinds: Collection[str] | None = None,
                    max_contributions: int = 50, progress: Callable[[float, str], None] | None = None) -> DpDemand:
    """Noisy events per group and period of the members of ``dataset`` taking part in analytics (see the module)."""
    freq = check_period(period)
    if max_contributions < 1:
        raise MuseionError("max contributions must be at least 1, not %(n)s", n=max_contributions)
    query = f"demand per {'group' if groups is not None else 'total'} and {period}, max {max_contributions} per member"
    spend_id, remaining = _reserve(engine, dataset, epsilon, query, actor)
    try:
        if progress:
            progress(0.1, "budget reserved; reading demand")
        with engine.begin() as conn:
            declared = current_purpose(conn, PURPOSE)
            frame = grouped(event_rows(conn, declared, kinds=kinds, source=dataset), groups)
            record(conn, actor=actor, declared=declared, categories=["activity"], rows=int(len(frame)),
                   members=int(frame["member"].nunique()),
                   details={"aggregate": "demand (differentially private)", "period": period, "source": dataset,
                            "epsilon": epsilon, "max_contributions": max_contributions})
        if frame.empty:
            raise MuseionError("%(dataset)s has no demand to release: no events of members taking part in analytics",
                               dataset=dataset)
        labels = sorted({label for ls in groups.values() for label in ls}) if groups is not None else ["total"]
        frame = frame.sort_values(["at", "work"], kind="stable")  # each member's earliest rows are the ones kept
        stamps = pd.to_datetime(frame["at"], unit="s", utc=True).dt.tz_localize(None).dt.to_period(freq)
        index = pd.period_range(stamps.min(), stamps.max(), freq=freq)
        codes = (pd.Index(labels).get_indexer(frame["group"]) * len(index)
                 + pd.PeriodIndex(stamps).asi8 - index[0].ordinal).astype(np.int64)
        if progress:
            progress(0.5, f"counting and noising {len(codes):,} rows into {len(labels) * len(index):,} cells")
        release = dp_histogram_of_codes(codes, frame["member"].to_numpy(), tuple(range(len(labels) * len(index))),
                                        epsilon=epsilon, max_contributions=max_contributions)
        counts = np.maximum(release.counts, 0).astype(float).reshape(len(labels), len(index))
        with engine.begin() as conn:
            audit.record(conn, actor=actor, action="release.dp_demand", target=audit.ref("dataset", dataset),
                         details={"period": period, "groups": len(labels), "epsilon": epsilon,
                                  "max_contributions": max_contributions, "remaining": remaining})
    except BaseException:
        with engine.begin() as conn:  # nothing was released: give the reserved epsilon back
            conn.execute(delete(PrivacySpend).where(PrivacySpend.id == spend_id))
        raise
    cells = DemandCells(period_labels(index, period), labels, counts, np.zeros(counts.shape, dtype=np.int64), 0,
                        int(frame["at"].max()))
    return DpDemand(cells, dataset, release.epsilon, release.scale, release.error_bound, release.confidence,
                    max_contributions, remaining)
