"""Impact assessments in the browser: every assessment with its sign-off, review date and retention; a form to record
one (``assessments:write``) and the privacy officer's sign-off (``assessments:sign``). Nothing here edits or deletes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from museion.errors import Conflict, MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep
from museion.registry import assessments
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]


def _page(request: Request, conn: Connection, principal: Principal, message: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "assessments.html", {
        "assessments": assessments.assessments(conn), "message": message, "years": assessments.RETENTION_YEARS,
        "can_write": allowed(principal.role, Perm.ASSESSMENTS_WRITE), "can_sign": allowed(principal.role, Perm.ASSESSMENTS_SIGN),
    }, status_code=status_code)


@router.get("/assessments", response_class=HTMLResponse)
def page(request: Request, principal: Annotated[Principal, requires(Perm.ASSESSMENTS_READ)], conn: ConnDep) -> HTMLResponse:
    return _page(request, conn, principal)


def _step(request: Request, principal: Principal, engine: EngineDep, step: Callable[[Connection], object]) -> Response:
    """Run ``step`` in its own transaction; a refusal shows the page again, saying why, and changes nothing."""
    try:
        with engine.begin() as conn:
            step(conn)
    except MuseionError as exc:
        with engine.connect() as conn:
            code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
            return _page(request, conn, principal, str(exc), code)
    return RedirectResponse("/assessments", status_code=303)


@router.post("/assessments", response_class=RedirectResponse)
def create(request: Request, principal: Annotated[Principal, requires(Perm.ASSESSMENTS_WRITE)], engine: EngineDep,
           subject: Annotated[str, Form(max_length=80)], risks: Text, necessity: Text, safeguards: Text,
           residual_risk: Annotated[Literal["low", "medium", "high"], Form()], residual_notes: Text,
           review_by: Annotated[str, Form(max_length=10)]) -> Response:
    """Record an assessment of ``version:N`` or ``purpose:CODE``."""
    def step(conn: Connection) -> None:
        kind, _, value = subject.strip().partition(":")
        if kind not in ("version", "purpose") or not value:
            raise MuseionError(f"assessed: write version:N or purpose:CODE, not {subject!r}")
        try:
            due = datetime.strptime(review_by, "%Y-%m-%d").replace(tzinfo=UTC)
            version_id = int(value) if kind == "version" else None
        except ValueError:
            raise MuseionError(f"{review_by!r} is not a date (YYYY-MM-DD), or {value!r} is not a version number") from None
        assessments.create(conn, actor=principal.actor, version_id=version_id, purpose=value if kind == "purpose" else None,
                           risks=risks, necessity=necessity, safeguards=safeguards, residual_risk=residual_risk,
                           residual_notes=residual_notes, review_by=due)
    return _step(request, principal, engine, step)


@router.post("/assessments/sign", response_class=RedirectResponse)
def sign(request: Request, principal: Annotated[Principal, requires(Perm.ASSESSMENTS_SIGN)], engine: EngineDep,
         assessment_id: Annotated[int, Form(ge=1, le=2**62)]) -> Response:
    """The privacy officer's sign-off."""
    return _step(request, principal, engine,
                 lambda conn: assessments.sign(conn, assessment_id, signer_account_id=principal.account_id, actor=principal.actor))
