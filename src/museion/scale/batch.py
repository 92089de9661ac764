"""Batch scoring as a job: every member of the deployed version scored into one file per job under MUSEION_HOME
(owner-only folder), on the local engine or the Ray cluster the server is configured with. A stopped or failed job
leaves neither the file nor its part files behind (they hold member keys)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from museion.errors import Conflict, NotFound
from museion.registry.lifecycle import deployed_version_id, version_summary
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.scoring import parts_dir, score_all
from museion.store.files import private_dir

FOLDER = Path("scale") / "batch"
SUFFIXES = {"jsonl": ".jsonl", "parquet": ".parquet"}
MEDIA_TYPES = {".jsonl": "application/jsonl", ".parquet": "application/vnd.apache.parquet"}


def output_path(home: Path, job_id: int, fmt: str) -> Path:
    """Where batch-scoring job ``job_id`` writes its lists: ``home/scale/batch/scores-JOB.jsonl`` (or ``.parquet``)."""
    if fmt not in SUFFIXES:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(SUFFIXES)}")
    return private_dir(home / FOLDER) / f"scores-{job_id}{SUFFIXES[fmt]}"


def find_output(home: Path, job_id: int) -> Path:
    """The finished output file of job ``job_id``; NotFound while it runs, after a failure, or once removed."""
    for suffix in SUFFIXES.values():
        path = home / FOLDER / f"scores-{job_id}{suffix}"
        if path.is_file():
            return path
    raise NotFound(f"batch-scoring job {job_id} has no output file (it has not finished, it failed, or the file was removed)")


def check_deployed(engine: Engine, version_id: int) -> None:
    """Batch scoring serves the deployed version only: an unknown version is NotFound, any other a Conflict."""
    with engine.connect() as conn:
        version_summary(conn, version_id)  # NotFound for an unknown version
        deployed = deployed_version_id(conn)
    if deployed is None:
        raise Conflict("version %(id)s is not deployed (no version is): batch scoring scores every member with the "
                       "deployed version only", id=version_id)
    if deployed != version_id:
        raise Conflict("version %(id)s is not deployed (version %(deployed)s is): batch scoring scores every member with "
                       "the deployed version only", id=version_id, deployed=deployed)


def run_batch(engine: Engine, home: Path, job_id: int, version_id: int, compute: ComputeEngine, *, k: int, partitions: int,
              fmt: str, actor: str, progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Score every member into this job's file; on any stop the partial parts are removed, nothing is left half-written."""
    check_deployed(engine, version_id)
    output = output_path(home, job_id, fmt)
    try:
        done = score_all(engine, home, output, compute, k=k, actor=actor, partitions=partitions, version=version_id,
                         progress=progress)
    except BaseException:
        shutil.rmtree(parts_dir(output).path, ignore_errors=True)
        raise
    return {**done, "output": output.name, "format": fmt, "bytes": output.stat().st_size,
            "download": f"/api/scale/batch-scoring/{job_id}/output"}
