"""New-work outlook (service): first-year demand of works read through the gate (purpose analytics, one access
record), genres and years from the catalogue; a work's outlook (an existing work by key, or metadata of one not yet
in the catalogue) and the time-split evaluation against the genre-mean baseline. A comparable work's own first-year
demand is shown only when at least 5 distinct members made it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from museion.catalog.models import Work
from museion.errors import MuseionError, NotFound
from museion.insight.groups import work_groups
from museion.insight.outlook import Histories, evaluate, forecast, histories
from museion.privacy import gate
from museion.privacy.aggregates import SMALL_CELL
from museion.store.batches import rows_in_batches


def _histories(conn: Connection, actor: str) -> tuple[Histories, dict[int, tuple[str, str, int | None]], float]:
    events = gate.read_activity(conn, purpose=gate.ANALYTICS, actor=actor)
    if not len(events):
        raise MuseionError("there are no events of members taking part in analytics to learn demand from")
    ids = sorted({int(w) for w in np.unique(events.work_ids)})
    q = select(Work.id, Work.key, Work.title, Work.year)
    works = {int(r.id): (r.key, r.title, r.year) for r in rows_in_batches(conn, lambda c: q.where(Work.id.in_(c)), ids)}
    genres = {w: ls for w, ls in work_groups(conn, "genre").items() if w in works}
    h = histories(events.work_ids, events.member_ids, events.timestamps, genres, {w: v[2] for w, v in works.items()})
    return h, works, float(np.nanmax(events.timestamps))


def outlook(conn: Connection, actor: str, *, work_key: str | None = None, genres: list[str] | None = None,
            year: int | None = None, k: int = 40) -> dict[str, Any]:
    """The first-year outlook of a catalogue work (``work_key``) or of one described by ``genres`` and ``year``."""
    h, works, now = _histories(conn, actor)
    if work_key is not None:
        row = conn.execute(select(Work.id, Work.title, Work.year).where(Work.key == work_key)).first()
        if row is None:
            raise NotFound("no work %(key)s in the catalogue", key=work_key)
        genres = work_groups(conn, "genre").get(int(row.id), [])
        year, title = row.year, row.title
        h = h.take(h.work_ids != int(row.id))  # never compare a work with itself
    else:
        title = None
        if not genres:
            raise MuseionError("describe the new work by at least one genre (or name a work of the catalogue)")
    known = {g for ls in h.labels for g in ls}
    if unknown := sorted(set(genres or []) - known):
        raise MuseionError("unknown genre %(genres)s (none of the works with demand carries it)", genres=", ".join(unknown))
    found = forecast(h, frozenset(genres or []), None if year is None else float(year), now, k=k)
    comparables = []
    for i, d in zip(found.comparables, found.distance, strict=True):
        key, name, made = works[int(h.work_ids[i])]
        shown = float(h.demand[i]) if h.members[i] >= SMALL_CELL else None
        comparables.append({"key": key, "title": name, "year": made, "genres": sorted(h.labels[i]),
                            "first_year_demand": shown, "distance": round(float(d), 4)})
    return {"work_key": work_key, "title": title, "genres": sorted(genres or []), "year": year,
            "expected": found.expected, "low": found.low, "high": found.high, "genre_mean": found.genre_mean,
            "k": k, "trained_on": int(len(h.demand)), "comparables": comparables}


def evaluation(conn: Connection, actor: str, *, test_share: float = 0.2) -> dict[str, Any]:
    """The time-split evaluation: the outlook's MAE beside the genre-mean baseline's (and the overall median's)."""
    if not 0.05 <= test_share <= 0.5:
        raise MuseionError("the test share is between 0.05 and 0.5, not %(share)s", share=test_share)
    h, _, _ = _histories(conn, actor)
    return asdict(evaluate(h, test_share=test_share))
