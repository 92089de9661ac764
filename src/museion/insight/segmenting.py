"""Audience segments (service): members taking part in analytics, read through the gate (purpose analytics, one
access record), as taste vectors over the catalogue's genres; clustered by ``museion.insight.segments``. Only
aggregates leave: each segment's size (at least 5 members), its genre and subject mix, activity and recency —
never a member, and never demographics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.insight.demand import work_groups
from museion.insight.segments import K_MIN, SEEDS, choose, tastes
from museion.privacy import gate


def segment(conn: Connection, actor: str, *, ks: Sequence[int] = range(2, 9), seeds: Sequence[int] = SEEDS,
            source: str | None = None) -> dict[str, Any]:
    """Segments of the members taking part in analytics (of one member source, or all), with their profiles."""
    if len(seeds) < 2:
        raise MuseionError("stability needs at least two seeds, not %(n)s", n=len(seeds))
    events = gate.read_activity(conn, purpose=gate.ANALYTICS, actor=actor, source=source)
    if not len(events):
        raise MuseionError("there are no events of members taking part in analytics to segment")
    genres = work_groups(conn, "genre")
    t = tastes(events.member_ids, events.work_ids, events.timestamps, genres)
    subjects_of = work_groups(conn, "subject")
    subject_matrix, subject_names = None, []
    if subjects_of:
        s = tastes(events.member_ids, events.work_ids, events.timestamps, subjects_of)
        row = {int(m): i for i, m in enumerate(s.members)}
        subject_names = s.genres
        subject_matrix = np.zeros((len(t.members), len(subject_names)))
        for i, m in enumerate(t.members):
            if int(m) in row:
                subject_matrix[i] = s.shares[row[int(m)]]
    found = choose(t, ks, seeds=seeds, subjects=subject_matrix, subject_names=subject_names)
    return {"members": int(len(t.members)), "genres": len(t.genres), "k": found.k, "criterion": found.criterion,
            "ari": found.ari, "ari_min": found.ari_min, "seeds": list(found.seeds), "merged": found.merged,
            "k_min": K_MIN, "candidates": [asdict(c) for c in found.candidates],
            "profiles": [asdict(p) for p in found.profiles]}
