"""Offline replay of a candidate against what the deployed version really served (service, run as a job): the lists
of the last days and the events that followed them through the privacy gate (purpose analytics), the candidate's own
top-k for the same members from its artifact, and the inverse-propensity estimate of its click-through with variance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from museion.errors import Conflict
from museion.experiments.attribution import attribute
from museion.experiments.replay import ips
from museion.privacy.attribution import served_traffic
from museion.recommend.artifacts import load_artifact
from museion.registry import lifecycle
from museion.store.base import utcnow

Progress = Callable[[float, str], None]


def replay_served(engine: Engine, home: Path, candidate_id: int, *, actor: str, days: int = 30, k: int = 10,
                  window_hours: float = 24.0, progress: Progress | None = None) -> dict[str, Any]:
    """Estimate the candidate's clicks at k per list from the deployed version's lists of the last ``days`` days."""
    report = progress or (lambda _f, _m: None)
    with engine.begin() as conn:
        logging_version = lifecycle.deployed_version_id(conn)
        if logging_version is None:
            raise Conflict("no version is deployed, so no list was served to replay")
        candidate = lifecycle.recommender(conn, candidate_id)
        report(0.1, "reading served lists and later events through the privacy gate (purpose analytics)")
        traffic = served_traffic(conn, actor=actor, since=utcnow() - timedelta(days=days), until=None,
                                 version_ids=[logging_version], window_s=int(window_hours * 3600), with_ids=True)
    if not len(traffic.list_member):
        raise Conflict("version %(version)s served no list to a member taking part in analytics in the last %(days)s days: "
                       "nothing to replay yet", version=logging_version, days=days)
    attributed = attribute(traffic.list_member, traffic.list_time, traffic.list_works, traffic.event_member,
                           traffic.event_work, traffic.event_kind, traffic.event_value, traffic.event_time,
                           window_s=window_hours * 3600, k=k)
    report(0.4, f"computing version {candidate_id}'s lists for the same {traffic.n_members:,} members")
    model, _manifest, interactions = load_artifact(home, candidate.artifact)
    row_of = {int(m): r for r, m in enumerate(interactions.member_ids)}
    assert traffic.member_ids is not None
    rows = np.array([row_of.get(int(m), -1) for m in traffic.member_ids])
    known = np.flatnonzero(rows >= 0)
    proposed: dict[int, list[int]] = {}
    if len(known):
        items, _ = model.recommend(rows[known], interactions.matrix[rows[known]], k)
        proposed = {int(code): [int(interactions.work_ids[i]) for i in top if i >= 0] for code, top in zip(known, items, strict=True)}
    candidate_lists = [proposed.get(int(code), []) for code in traffic.list_member]
    found = ips(traffic.list_works, attributed.clicked_works, candidate_lists, k=k)
    report(1.0, "done")
    return {"candidate_version_id": candidate_id, "logging_version_id": logging_version, "days": days, "k": k,
            "members": traffic.n_members, "members_unknown_to_candidate": int(traffic.n_members - len(known)),
            **asdict(found)}
