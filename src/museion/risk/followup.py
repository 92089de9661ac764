"""The detectors that run after an import or a training (service): each check in its own transaction, so one that
cannot judge (too little data, too short a history) is reported as skipped with its reason and the others still run;
the alerts they raise for the first time are delivered like any other. ``museion.jobs_kinds.followups`` calls these
when an import or a training job has finished, so neither ingest nor recommend knows about risk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from museion.errors import MuseionError
from museion.risk import delivery, detection, drift_check, quality, served_drift

Check = Callable[[Connection, str], list[int]]

AFTER_IMPORT: dict[str, Check] = {
    "quality": lambda conn, actor: quality.scan(conn, actor=actor),
    "shilling": lambda conn, actor: detection.scan(conn, actor=actor).new,
    "drift": lambda conn, actor: drift_check.scan(conn, actor=actor),
}
"""A new import may bring fake profiles, a shifted distribution or a broken file."""
AFTER_TRAINING: dict[str, Check] = {
    "shilling": lambda conn, actor: detection.scan(conn, actor=actor).new,
    "served_drift": lambda conn, actor: served_drift.scan(conn, actor=actor),
}
"""A new version may have been trained on fake profiles (an accepted quarantine keeps them out of the next one); and
the deployed version's served traffic says whether it is time to replace it."""


def run_checks(engine: Engine, home: Path, checks: dict[str, Check], *, actor: str) -> dict[str, Any]:
    """Run ``checks`` one transaction each; {check: {"alerts": [...]} or {"skipped": reason}} and deliver the new."""
    out: dict[str, Any] = {}
    raised: list[int] = []
    for name, check in checks.items():
        try:
            with engine.begin() as conn:
                found = check(conn, actor)
        except MuseionError as exc:  # too little data or history: say so, raise nothing
            out[name] = {"skipped": str(exc)}
            continue
        out[name] = {"alerts": found}
        raised.extend(found)
    delivery.deliver(engine, sorted(set(raised)), delivery.load(home))
    return out


def after_import(engine: Engine, home: Path, *, actor: str,
                 files: Sequence[quality.Imported] = ()) -> dict[str, Any]:
    """Profile the imported ``files`` column by column (for the quality check to compare), then run the checks."""
    profiled: list[int] = []
    for file in files:
        if not file.path.is_file():
            continue  # rows built in memory, or a file moved since: nothing to profile
        with engine.begin() as conn:
            run = quality.profile_import(conn, entity=file.entity, source=file.source, path=file.path,
                                         label=file.label, options=file.options)
        if run is not None:
            profiled.append(run)
    return {"profiled_runs": profiled, **run_checks(engine, home, AFTER_IMPORT, actor=actor)}


def after_training(engine: Engine, home: Path, *, actor: str) -> dict[str, Any]:
    return run_checks(engine, home, AFTER_TRAINING, actor=actor)
