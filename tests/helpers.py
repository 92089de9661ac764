"""Small helpers shared by tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from museion.store.models import Creator, Credit, Event, Member, Work, WorkTerm

COUNTED = {"works": Work, "creators": Creator, "credits": Credit, "terms": WorkTerm, "members": Member, "events": Event}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}
