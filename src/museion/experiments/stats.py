"""A rollout's daily statistics as stored (``rollout_stats``): written from attributed served traffic (replacing the
previous computation) or added to by simulated traffic, read back for curves and verdicts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from museion.experiments.online import Cell
from museion.registry.rollout_models import RolloutStat

SOURCES = ("served", "simulated")


def replace_cells(conn: Connection, rollout_id: int, cells: Iterable[Cell], source: str, *,
                  keep: tuple[str, ...] = ()) -> int:
    """Replace the rollout's cells of ``source`` by ``cells`` (a full recomputation), keeping those of the metrics in
    ``keep`` (measured elsewhere, e.g. live latency); returns how many were written."""
    conn.execute(delete(RolloutStat).where(RolloutStat.rollout_id == rollout_id, RolloutStat.source == source,
                                           RolloutStat.metric.not_in(keep)))
    rows = [{"rollout_id": rollout_id, "version_id": c.version, "day": c.day, "metric": c.metric, "grp": c.grp,
             "source": source, "n": c.n, "total": c.total, "total_sq": c.total_sq} for c in cells]
    if rows:
        conn.execute(insert(RolloutStat), rows)
    return len(rows)


def add_cells(conn: Connection, rollout_id: int, cells: Iterable[Cell], source: str) -> None:
    """Add ``cells`` to the stored ones with the same version, day, metric and group (traffic arriving in steps)."""
    for c in cells:
        key = (RolloutStat.rollout_id == rollout_id, RolloutStat.version_id == c.version, RolloutStat.day == c.day,
               RolloutStat.metric == c.metric, RolloutStat.grp == c.grp, RolloutStat.source == source)
        done = conn.execute(update(RolloutStat).where(*key).values(
            n=RolloutStat.n + c.n, total=RolloutStat.total + c.total, total_sq=RolloutStat.total_sq + c.total_sq)).rowcount
        if not done:
            conn.execute(insert(RolloutStat).values(rollout_id=rollout_id, version_id=c.version, day=c.day, metric=c.metric,
                                                    grp=c.grp, source=source, n=c.n, total=c.total, total_sq=c.total_sq))


def cells(conn: Connection, rollout_id: int, source: str | None = None) -> list[dict[str, Any]]:
    q = select(RolloutStat.version_id, RolloutStat.day, RolloutStat.metric, RolloutStat.grp, RolloutStat.source,
               RolloutStat.n, RolloutStat.total, RolloutStat.total_sq).where(RolloutStat.rollout_id == rollout_id)
    if source is not None:
        q = q.where(RolloutStat.source == source)
    return [dict(r._mapping) for r in conn.execute(q.order_by(RolloutStat.day, RolloutStat.id))]
