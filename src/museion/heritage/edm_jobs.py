"""The whole-catalogue EDM export and check as the jobs the faces start: each reports progress (where a cancellation
stops it) and leaves either its finished file under MUSEION_HOME or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from museion import audit
from museion.heritage import edm_report
from museion.heritage.edm_service import Progress, check_format, write
from museion.store.engine import session_scope
from museion.store.files import private_dir, private_file

EXPORTS = "heritage/exports"
SUFFIX = {"rdfxml": "rdf", "jsonld": "jsonld"}


def export_path(home: Path, fmt: str, source: str | None) -> Path:
    """Where the export job writes: ``home/heritage/exports/edm-SOURCE.rdf`` (or ``.jsonld``), the latest one kept."""
    return private_dir(home / EXPORTS) / f"edm-{source or 'all'}.{SUFFIX[check_format(fmt)]}"


def export_file(engine: Engine, target: Path, *, fmt: str, base_url: str, actor: str, source: str | None = None,
                progress: Progress | None = None) -> dict[str, Any]:
    """Write every displayable work as EDM to ``target`` (written aside, renamed when done) and audit the export."""
    check_format(fmt)
    # cancelled or failed: the half-written file beside it is removed and the previous export stays
    with session_scope(engine) as session, private_file(target) as out:
        n = write(session, out, fmt, base_url, source=source, progress=progress)
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="export.edm", target=f"format:{fmt}", details={"works": n, "source": source})
    return {"works": n, "format": fmt, "file": str(target), "bytes": target.stat().st_size}


def check_catalogue(engine: Engine, home: Path, *, base_url: str, source: str | None = None,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Check every displayable work, store the report and return its summary."""
    with session_scope(engine) as session:
        report = edm_report.check(session, base_url, source=source, progress=progress)
    edm_report.save(home, report)
    return {"works": report["works"], "passing": report["passing"],
            "by_source": {s: {"works": v["works"], "share_passing": v["share_passing"], "metadata": v["metadata"],
                              "content": v["content"]} for s, v in report["by_source"].items()}}
