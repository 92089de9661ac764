"""Online metrics of a rollout from what was really served (service, run as a job): the lists both versions served
since the rollout started and the events that followed them, read through the privacy gate (purpose analytics,
opted-out members left out), attributed, aggregated per version and day, stored, and the stop rules enforced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from museion.experiments import monitor, rollouts, stats
from museion.experiments.attribution import attribute
from museion.experiments.design import Plan
from museion.experiments.live import LIVE_METRICS
from museion.experiments.online import Catalogue, cumulative_cells
from museion.privacy.attribution import served_traffic
from museion.recommend.artifacts import load_index
from museion.registry import cards
from museion.registry.artifact_files import index_file

Progress = Callable[[float, str], None]


def catalogue_of(conn: Connection, home: Path, version_id: int) -> Catalogue:
    """Work popularity as the version learned it (its training interactions), and its catalogue size."""
    index = load_index(index_file(home, cards.get_version(conn, version_id).artifact))
    counts = np.asarray((index.matrix > 0).sum(axis=0)).ravel()
    return Catalogue(dict(zip(index.work_ids.tolist(), counts.astype(float).tolist(), strict=True)), len(index.work_ids))


def measure_served(engine: Engine, home: Path, rollout_id: int, *, actor: str,
                   progress: Progress | None = None) -> dict[str, Any]:
    """Recompute the rollout's statistics from served traffic, then enforce its stop rules; one transaction."""
    report = progress or (lambda _f, _m: None)
    with engine.begin() as conn:
        rollout = rollouts.get(conn, rollout_id)
        plan = Plan.from_dict(rollout.plan)
        versions = [int(rollout.control_version_id), int(rollout.candidate_version_id)]
        report(0.1, "reading served lists and later events through the privacy gate (purpose analytics)")
        traffic = served_traffic(conn, actor=actor, since=rollout.started_at, until=rollout.stopped_at, version_ids=versions,
                                 window_s=int(plan.window_hours * 3600))
        if not len(traffic.list_member):
            return {"rollout_id": rollout_id, "lists": 0, "cells": 0,
                    "reason": "no list of either version was served to a member taking part in analytics since the "
                              "rollout started, so there is nothing to measure yet"}
        report(0.4, f"attributing {len(traffic.event_member):,} events to {len(traffic.list_member):,} lists")
        attributed = attribute(traffic.list_member, traffic.list_time, traffic.list_works, traffic.event_member,
                               traffic.event_work, traffic.event_kind, traffic.event_value, traffic.event_time,
                               window_s=plan.window_hours * 3600, k=plan.k)
        cells = cumulative_cells(traffic.list_member, traffic.list_version, traffic.list_time, traffic.list_works, attributed,
                            catalogue_of(conn, home, versions[0]), traffic.member_activity, plan.k)
        report(0.8, f"storing {len(cells)} daily cells and checking the guardrails")
        written = stats.replace_cells(conn, rollout_id, cells, "served", keep=LIVE_METRICS)  # live ones: experiments.live
        found = monitor.enforce(conn, rollout_id, actor=actor)
    return {"rollout_id": rollout_id, "lists": int(len(traffic.list_member)), "attributed": int(attributed.clicked.sum()),
            "cells": written, "stopped": found["stopped"], "alert_id": found["alert_id"], "breached": found["breached"],
            "primary": found["primary"]["status"]}
