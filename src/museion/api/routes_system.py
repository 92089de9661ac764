"""Health: liveness, the database it reaches and the schema revision it runs on."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import text

from museion import __version__
from museion.api.schemas import HealthOut
from museion.http.authz import public
from museion.http.deps import EngineDep
from museion.store.migrate import current_revision

router = APIRouter(tags=["system"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness and database check", dependencies=[public()])
def healthz(engine: EngineDep) -> HealthOut:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return HealthOut(status="ok", database=engine.dialect.name, schema_revision=current_revision(engine),
                     version=__version__, checked_at=datetime.now(UTC))
