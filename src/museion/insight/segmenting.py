"""Audience segments (service): members taking part in analytics, read through the gate (purpose analytics, one
access record), as taste vectors over the catalogue's genres; clustered by ``museion.insight.segments``. Only
aggregates leave: each segment's size (at least 5 members), its genre and subject mix, activity and recency —
never a member, and never demographics. ``member_segments`` keeps member -> segment inside the service, to hand it to
the gate's demand counting per segment (``museion.privacy.segment_demand``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from museion.errors import MuseionError
from museion.insight.groups import work_groups
from museion.insight.segments import K_MIN, SEEDS, Profile, Segmentation, Tastes, choose, tastes
from museion.privacy import gate


@dataclass(frozen=True, slots=True)
class Inputs:
    """What segmenting reads through the gate: taste vectors and each member's subject mix (rows as in ``tastes``)."""

    tastes: Tastes
    subjects: np.ndarray | None
    subject_names: list[str]


def read_inputs(conn: Connection, actor: str, *, source: str | None = None) -> Inputs:
    """Members taking part in analytics as taste vectors over the catalogue's genres (one access record)."""
    events = gate.read_activity(conn, purpose=gate.ANALYTICS, actor=actor, source=source)
    if not len(events):
        raise MuseionError("there are no events of members taking part in analytics to segment")
    t = tastes(events.member_ids, events.work_ids, events.timestamps, work_groups(conn, "genre"))
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
    return Inputs(t, subject_matrix, subject_names)


def cluster(inputs: Inputs, *, ks: Sequence[int] = range(2, 9), seeds: Sequence[int] = SEEDS,
            progress: Callable[[float, str], None] | None = None) -> Segmentation:
    """The segmentation of ``inputs`` (no database: a job reports progress and can be cancelled while it runs)."""
    if len(seeds) < 2:
        raise MuseionError("stability needs at least two seeds, not %(n)s", n=len(seeds))
    return choose(inputs.tastes, ks, seeds=seeds, subjects=inputs.subjects, subject_names=inputs.subject_names,
                  progress=progress)


def describe(inputs: Inputs, found: Segmentation) -> dict[str, Any]:
    """The published result: aggregates only (sizes of at least 5, profiles, the criterion, stability)."""
    t = inputs.tastes
    return {"members": int(len(t.members)), "genres": len(t.genres), "k": found.k, "criterion": found.criterion,
            "ari": found.ari, "ari_min": found.ari_min, "seeds": list(found.seeds), "merged": found.merged,
            "k_min": K_MIN, "candidates": [asdict(c) for c in found.candidates],
            "profiles": [asdict(p) for p in found.profiles], "labels": segment_labels(found.profiles)}


def segment(conn: Connection, actor: str, *, ks: Sequence[int] = range(2, 9), seeds: Sequence[int] = SEEDS,
            source: str | None = None) -> dict[str, Any]:
    """Segments of the members taking part in analytics (of one member source, or all), with their profiles."""
    inputs = read_inputs(conn, actor, source=source)
    return describe(inputs, cluster(inputs, ks=ks, seeds=seeds))


def segment_labels(profiles: Sequence[Profile]) -> list[str]:
    """A readable label per segment: its number and its two most characteristic genres ("2 · Drama, Romance")."""
    return [f"{p.segment + 1} · {', '.join(g for g, _s, _l in p.top_genres[:2])}" for p in profiles]


def member_segments(conn: Connection, actor: str, *, source: str | None = None) -> dict[int, str]:
    """Member id -> segment label at the chosen k (seeded, so the same data gives the same segments). Stays in the
    service: it is handed to ``privacy.segment_demand`` to count demand per segment, never published."""
    inputs = read_inputs(conn, actor, source=source)
    found = cluster(inputs)
    names = dict(zip((p.segment for p in found.profiles), segment_labels(found.profiles), strict=True))
    return {int(m): names[int(label)] for m, label in zip(inputs.tastes.members, found.labels, strict=True)}
