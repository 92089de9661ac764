"""Acquisition provenance for the Tate works in the catalogue, read from the credit lines of Tate's artworks file
(the catalogue's import keeps no credit line) and parsed by ``museion.rights.provenance``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select

from museion import audit
from museion.catalog.models import Work
from museion.datasets.adapters import TATE, TATE_SOURCE
from museion.rights.licence_models import WorkAcquisition
from museion.rights.provenance import parse_credit_line


def load_tate_acquisitions(conn: Connection, datasets_dir: Path, *, actor: str) -> tuple[int, int]:
    """Parse every credit line of Tate's artworks file for the works loaded; returns (lines read, acquisitions kept)."""
    folder = TATE.locate(datasets_dir)
    TATE.require(folder)
    works = dict(conn.execute(select(Work.key, Work.id).where(Work.source == TATE_SOURCE)).all())
    rows, read = [], 0
    with gzip.open(folder / "artworks.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            work_id = works.get(f"{TATE_SOURCE}:{record.get('id')}")
            if work_id is None:
                continue
            read += 1
            found = parse_credit_line(record.get("creditLine"))
            if found is not None:
                rows.append({"work_id": work_id, "method": found.method, "party": found.party, "year": found.year,
                             "credit_line": found.credit_line})
    conn.execute(delete(WorkAcquisition).where(WorkAcquisition.work_id.in_(select(Work.id).where(Work.source == TATE_SOURCE))))
    for start in range(0, len(rows), 5000):
        conn.execute(insert(WorkAcquisition), rows[start:start + 5000])
    audit.record(conn, actor=actor, action="rights.acquisitions", target=f"source:{TATE_SOURCE}",
                 details={"read": read, "parsed": len(rows)})
    return read, len(rows)
