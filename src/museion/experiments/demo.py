"""A reviewed candidate for the demo's controlled rollout (service): a version trained on MovieLens ratings, audited for
fairness and approved AUTOMATICALLY by the demo's labelled reviewer accounts, not deployed, so that a reviewer can
start a canary of it beside the deployed version (``museion demo``, ``museion experiment demo-candidate``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from museion.fairness.service import run_version_audit
from museion.recommend.training import train
from museion.registry import lifecycle
from museion.registry.demo import approve_for_demo

ALGORITHM = "pop"
"""The popularity baseline: its lists lean on the most-rated films, so in a simulated canary beside the deployed EASE
model the exposure-gap guardrail is expected to catch it, which is what the demo shows."""


def waiting_candidate(engine: Engine) -> int | None:
    """An approved version that is not deployed (one the demo or anyone left ready for a rollout), or None."""
    with engine.connect() as conn:
        found = lifecycle.versions(conn, lifecycle.APPROVED, limit=1)
    return int(found[0]["id"]) if found else None


def reviewed_candidate(engine: Engine, home: Path, *, algorithm: str = ALGORITHM, source: str | None = "movielens",
                       actor: str = "demo") -> int:
    """Train ``algorithm``, audit it, approve it the demo's labelled way (not deployed); returns its version id."""
    version = train(engine, home, algorithm, source=source, actor=actor)
    run_version_audit(engine, home, version.id, actor=actor)
    with engine.begin() as conn:
        approve_for_demo(conn, home, version.id, deploy=False)
    return int(version.id)
