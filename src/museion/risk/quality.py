"""Data-quality alerts on imports (service):

- volume: an import whose rows read depart from its entity and source's own history (the ``import_runs`` records);
- columns: after an import, its file is profiled column by column (:mod:`museion.risk.columns`: null counts, a sample
  of numbers or the commonest values), kept in ``risk_import_profiles``, and compared with the pooled profiles of the
  last ``HISTORY`` imports of the same entity and source; a null rate or a value distribution that moved is an alert
  with the before and after figures as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from museion.ingest.models import ImportRun
from museion.ingest.readers import ReadOptions, iter_chunks
from museion.risk import alerts, columns
from museion.risk.drift_stats import volume_departures
from museion.risk.models import RiskImportProfile

DETECTOR = "quality.import_volume"
DETECTOR_COLUMNS = "quality.import_columns"
HISTORY = 5


@dataclass(frozen=True)
class Imported:
    """A file an import just read: what it was, where it is, and how it is read."""

    entity: str
    source: str
    path: Path
    label: str
    """The name the import run recorded for it."""
    options: ReadOptions | None = None


def scan(conn: Connection, *, actor: str) -> list[int]:
    """Volume and column checks: one alert per (entity, source) whose latest import read 3× more or less than usual,
    and one per column of a latest import whose null rate or values departed from the earlier imports."""
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
    return raised + scan_columns(conn, actor=actor)


def profile_import(conn: Connection, *, entity: str, source: str, path: Path, label: str,
                   options: ReadOptions | None = None) -> int | None:
    """Profile the file of the latest landed import of ``entity`` from ``source`` recorded as ``label`` (the run's id,
    or None when no such run exists or it is profiled already). Rows the import refused are left out."""
    run_id = conn.scalar(select(ImportRun.id).where(ImportRun.entity == entity, ImportRun.source == source,
                                                    ImportRun.file_name == label).order_by(ImportRun.id.desc()).limit(1))
    if run_id is None or conn.scalar(select(RiskImportProfile.id).where(RiskImportProfile.run_id == run_id)):
        return None
    rows = (values for chunk, _problems in iter_chunks(path, options or ReadOptions(), label) for _line, values in chunk)
    found = columns.profile(rows)
    conn.execute(insert(RiskImportProfile).values(run_id=int(run_id), entity=entity, source=source,
                                                  rows=max((c["rows"] for c in found.values()), default=0),
                                                  columns=found))
    return int(run_id)


def scan_columns(conn: Connection, *, actor: str) -> list[int]:
    """Compare each (entity, source)'s latest profiled import with the ``HISTORY`` profiled before it."""
    latest: dict[tuple[str, str], list[Any]] = {}
    for row in conn.execute(select(RiskImportProfile).order_by(RiskImportProfile.run_id.desc())):
        kept = latest.setdefault((row.entity, row.source), [])
        if len(kept) <= HISTORY:
            kept.append(row)
    raised = []
    for (entity, source), (newest, *earlier) in latest.items():
        if not earlier:
            continue
        for found in columns.departures(columns.pool([e.columns for e in earlier]), newest.columns):
            what = ("share of empty values" if found.measure == "null_rate" else "distribution of values")
            summary = (f"column {found.column} of the latest {entity} import from {source}: the {what} moved "
                       + (f"from {found.before:.1%} to {found.after:.1%}" if found.measure == "null_rate"
                          else f"(PSI {found.after:.2f})"))
            raised.append(alerts.raise_alert(
                conn, kind="quality", detector=DETECTOR_COLUMNS, severity=found.severity,
                subject=f"import:{newest.run_id}:{found.column}:{found.measure}", summary=summary, actor=actor,
                evidence={"entity": entity, "source": source, "run": newest.run_id, "column": found.column,
                          "measure": found.measure, "before": found.before, "after": found.after,
                          "compared_with_runs": [e.run_id for e in earlier], **found.details}).alert_id)
    return raised
