"""What runs after a capability finishes: the risk detectors after each import and each training. Registered here,
above ingest, recommend and risk alike, so the lower layers never import risk; a face that runs an import calls
:func:`after_import`, and the training job kind is wrapped by :func:`followed`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from museion.jobs import JobContext
from museion.jobs.runner import Run

if TYPE_CHECKING:
    from museion.risk.quality import Imported


def after_import(engine: Engine, home: Path, *, actor: str, files: Sequence[Imported] = ()) -> dict[str, Any]:
    """Profile the imported ``files``, then data quality, fake profiles and drift on the store as the import left it
    (each check skipped with its reason when it cannot judge); never undoes or fails the import."""
    from museion.risk.followup import after_import as checks

    return checks(engine, home, actor=actor, files=files)


def followed(run: Run) -> Run:
    """``run`` (the training kind), then the detectors that judge what it was trained on; their outcome is added to
    the job's result under ``risk``."""

    def with_checks(ctx: JobContext) -> dict[str, Any]:
        from museion.risk.followup import after_training

        result = run(ctx)  # recorded: no cancellable report after this point, the checks only add alerts
        return {**result, "risk": after_training(ctx.engine, ctx.home, actor=ctx.actor)}

    with_checks.__doc__ = run.__doc__
    return with_checks
