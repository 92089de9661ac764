"""Events exported from the store to partitioned Parquet for the workers, read through the privacy gate for a named
purpose (the gate keeps only the members taking part and records the access); the folder appears whole or not at
all, with a manifest naming the purpose, who exported and when. Workers read these files, never the database."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy import Engine

from museion.errors import MuseionError
from museion.privacy import gate
from museion.scale.partition import check_partitions, member_partition, time_partition
from museion.store.files import private_staging, write_private

MANIFEST = "_export.json"
PARTITIONING = ("member_bucket", "period")


class ExportError(MuseionError):
    """The export cannot be written where asked."""


def events_table(member_ids: np.ndarray, work_ids: np.ndarray, kinds: np.ndarray, values: np.ndarray, timestamps: np.ndarray,
                 *, partitions: int, period: str) -> pa.Table:
    """Events as an Arrow table with their member bucket and time period (the Parquet partition columns)."""
    stamps = np.asarray(timestamps, dtype=np.float64)
    known = np.isfinite(stamps)
    when = pa.array(np.where(known, stamps, 0).astype(np.int64), type=pa.int64(), mask=~known).cast(pa.timestamp("s", tz="UTC"))
    return pa.table({"member_id": pa.array(member_ids, pa.int64()), "work_id": pa.array(work_ids, pa.int64()),
                     "kind": pa.array(np.asarray(kinds, dtype=str), pa.string()),
                     "value": pa.array(values, pa.float64(), mask=~np.isfinite(np.asarray(values, dtype=np.float64))),
                     "occurred_at": when,
                     "member_bucket": pa.array(member_partition(member_ids, partitions), pa.int32()),
                     "period": pa.array(time_partition(stamps, period).astype(str), pa.string())})


def export_events(engine: Engine, folder: Path, *, purpose: str, actor: str, partitions: int = 16, period: str = "month",
                  source: str | None = None, kinds: frozenset[str] | None = None) -> dict[str, Any]:
    """Write the events ``purpose`` may use to ``folder`` as Parquet partitioned by member bucket and period, with a
    manifest; the gate records the read under ``purpose``. An existing folder is never overwritten."""
    n = check_partitions(partitions)
    if folder.exists():
        raise ExportError(f"{folder} already exists: choose a new folder (an export is never written over another)")
    if not folder.parent.is_dir():
        raise ExportError(f"{folder.parent} is not a folder")
    with engine.begin() as conn:  # the gate filters to the purpose's members and records this read
        events = gate.read_activity(conn, purpose=purpose, actor=actor, source=source, kinds=kinds)
    table = events_table(events.member_ids, events.work_ids, events.kinds, events.values, events.timestamps,
                         partitions=n, period=period)
    staging = private_staging(folder.parent, folder.name)  # owner-only: the export holds members' events
    try:
        ds.write_dataset(table, staging, format="parquet", partitioning=list(PARTITIONING), partitioning_flavor="hive",
                         existing_data_behavior="error", basename_template="part-{i}.parquet")
        manifest = {"purpose": purpose, "actor": actor, "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "rows": len(events), "members": int(len(np.unique(events.member_ids))), "partitions": n, "period": period,
                    "source": source, "kinds": sorted(kinds) if kinds else None, "partitioning": list(PARTITIONING)}
        write_private(staging / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """An export's manifest (its purpose above all), or a clear error when ``folder`` is not an export."""
    try:
        return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        raise ExportError(f"{folder} is not a Museion event export (no readable {MANIFEST})") from None


def read_bucket(folder: Path, bucket: int | None = None) -> pa.Table:
    """The exported events of one member bucket (or all), as a worker reads them: from Parquet, not the database."""
    dataset = ds.dataset(folder, format="parquet", partitioning="hive", exclude_invalid_files=True)
    return dataset.to_table(filter=None if bucket is None else ds.field("member_bucket") == bucket)
