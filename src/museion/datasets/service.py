"""Load a known dataset into the store, recording what was loaded so a demo can skip repeats."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from museion import audit
from museion.datasets.adapters import ProgressFactory
from museion.datasets.dataset import Dataset
from museion.ingest.load import ImportReport, file_sha256, import_transaction
from museion.ingest.runs import landed_before, record_run
from museion.store.base import utcnow


def dataset_fingerprint(dataset: Dataset, folder: Path) -> str:
    """sha256 over the dataset's file names and contents: changes when any file changes."""
    digest = hashlib.sha256()
    for rel in sorted(dataset.files):
        digest.update(f"{rel}\0{file_sha256(folder / rel)}\n".encode())
    return digest.hexdigest()


def already_loaded(engine: Engine, dataset: Dataset, folder: Path) -> bool:
    """True when this dataset, with exactly these file contents, has landed before."""
    fingerprint = dataset_fingerprint(dataset, folder)
    with engine.connect() as conn:
        return landed_before(conn, "dataset", fingerprint)


def load_dataset(engine: Engine, dataset: Dataset, folder: Path, *, max_errors: int = 20,
                 progress: ProgressFactory = None, actor: str = "cli") -> list[ImportReport]:
    """Run the dataset's adapter on ``folder`` in one transaction: the whole dataset lands, or nothing does.
    Each file's import and the load as a whole are appended to the audit chain (ids and counts); it waits while another
    import runs (see ``import_transaction``)."""
    dataset.require(folder)
    started = utcnow()
    fingerprint = dataset_fingerprint(dataset, folder)
    with import_transaction(engine) as conn:
        reports = dataset.load(conn, folder, max_errors, progress)
        totals = {name: sum(getattr(r, name) for r in reports) for name in ("rows_read", "inserted", "updated", "unchanged")}
        record_run(conn, entity="dataset", source=dataset.name, file_name=str(folder), file_sha256=fingerprint,
                   started_at=started, totals=totals, actor=actor, action="dataset.load",
                   details={"dataset": audit.ref("dataset", dataset.name), "fingerprint": fingerprint, "files": len(reports)})
    return reports
