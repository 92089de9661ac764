"""Data-quality alerts on imports (service): an import whose volume departs from its entity and source's own history
(the ``import_runs`` records: rows read per run). Import runs record volumes only, so null rates and value
distributions per import are not checked here (the interaction drift check covers the distribution of ratings)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from museion.ingest.models import ImportRun
from museion.risk import alerts
from museion.risk.drift_stats import volume_departures

DETECTOR = "quality.import_volume"


def scan(conn: Connection, *, actor: str) -> list[int]:
    """One alert per (entity, source) whose latest import read 3× more or less than usual."""
    history: dict[str, list[int]] = {}
    runs: dict[str, int] = {}
    for run in conn.execute(select(ImportRun.id, ImportRun.entity, ImportRun.source, ImportRun.rows_read)
                            .order_by(ImportRun.id)):
        key = f"{run.entity}:{run.source}"
        history.setdefault(key, []).append(int(run.rows_read))
        runs[key] = int(run.id)
    raised = []
    for found in volume_departures(history):
        entity, source = found.key.split(":", 1)
        raised.append(alerts.raise_alert(
            conn, kind="quality", detector=DETECTOR, severity="medium", subject=f"import:{runs[found.key]}",
            summary=f"the latest {entity} import from {source} read {found.latest:,} rows (usually about "
                    f"{found.usual:,.0f})", actor=actor,
            evidence={"entity": entity, "source": source, "latest": found.latest, "usual": found.usual,
                      "history": history[found.key][-24:], "run": runs[found.key]}).alert_id)
    return raised
