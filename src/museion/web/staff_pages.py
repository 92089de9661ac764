"""Staff pages beyond the overview: model versions and their evaluations, privacy, and the audit-chain viewer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine

from museion import audit
from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, HomeDep
from museion.privacy import releases, requests
from museion.registry import lifecycle
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web import privacy_summary
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50
REQUESTS_SHOWN = 200
Ident = r"^[A-Za-z0-9_.:/#=-]*$"  # the audit API's filter alphabet
VersionId = Annotated[int, Path(ge=1, le=2**62)]


def _models_page(request: Request, principal: Principal, conn: Connection, message: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    versions = lifecycle.versions(conn, limit=None)
    metrics = sorted({name for v in versions for name in (v["evaluation"] or {}).get("metrics", {})})
    return templates.TemplateResponse(request, "models.html", {
        "versions": versions, "metrics": metrics, "message": message,
        "may_submit": allowed(principal.role, Perm.MODELS_WRITE), "may_deploy": allowed(principal.role, Perm.MODELS_DEPLOY)},
        status_code=status_code)


@router.get("/models", response_class=HTMLResponse)
def models(request: Request, principal: Annotated[Principal, requires(Perm.MODELS_READ)], conn: ConnDep) -> HTMLResponse:
    """Every model version, newest first, with the held-out evaluation recorded when it was trained, its review
    status, and the next step the viewer may take (submit a draft, deploy an approved version)."""
    return _models_page(request, principal, conn)


def _step(request: Request, principal: Principal, engine: Engine, step: Callable[[Connection], object]) -> Response:
    """Take one lifecycle step in its own transaction, rolled back when refused (the page then says why)."""
    try:
        with engine.begin() as conn:
            step(conn)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    except MuseionError as exc:  # out of order, or changed since its review
        with engine.connect() as conn:
            return _models_page(request, principal, conn, str(exc), 409)
    return RedirectResponse("/models", status_code=303)


@router.post("/models/{version_id}/submit", response_class=RedirectResponse)
def submit(request: Request, version_id: VersionId, principal: Annotated[Principal, requires(Perm.MODELS_WRITE)],
           engine: EngineDep, home: HomeDep) -> Response:
    """Submit a draft for review: its card freezes, and the submitter can never review it."""
    return _step(request, principal, engine, lambda conn: lifecycle.submit(
        conn, home, version_id, author_account_id=principal.account_id, actor=principal.actor))


@router.post("/models/{version_id}/deploy", response_class=RedirectResponse)
def deploy(request: Request, version_id: VersionId, principal: Annotated[Principal, requires(Perm.MODELS_DEPLOY)],
           engine: EngineDep, home: HomeDep) -> Response:
    """Deploy an approved version (the one deployed before retires); serving switches on the next request."""
    return _step(request, principal, engine, lambda conn: lifecycle.deploy(conn, home, version_id, actor=principal.actor))


@router.get("/privacy", response_class=HTMLResponse, dependencies=[requires(Perm.REQUESTS_MANAGE)])
def privacy(request: Request, conn: ConnDep,
            closed: Annotated[bool, Query(description="Include closed requests.")] = False) -> HTMLResponse:
    """Purposes and consent counts, data-subject requests with due dates (overdue flagged), DP budgets."""
    return templates.TemplateResponse(request, "privacy.html", {
        "purposes": privacy_summary.purposes_with_consents(conn), "closed": closed,
        "requests": requests.list_requests(conn, open_only=not closed, limit=REQUESTS_SHOWN), "budgets": releases.budgets(conn)})


@router.get("/audit", response_class=HTMLResponse, dependencies=[requires(Perm.AUDIT_READ)])
def audit_viewer(
    request: Request,
    conn: ConnDep,
    actor: Annotated[str, Query(max_length=128, pattern=Ident)] = "",
    action: Annotated[str, Query(max_length=64, pattern=Ident)] = "",
    target: Annotated[str, Query(max_length=256, pattern=Ident)] = "",
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> HTMLResponse:
    """The chain, oldest first, filtered like the API; 'Verify' re-checks every hash and checkpoint."""
    f = audit.AuditFilter(actor=actor or None, action=action or None, target=target or None, since=since, until=until,
                          after_seq=after_seq)
    items = audit.entries(conn, f, AUDIT_PAGE)
    filters = {"actor": actor, "action": action, "target": target, "since": since.isoformat() if since else "",
               "until": until.isoformat() if until else ""}
    more = f"/audit?{urlencode({**{k: v for k, v in filters.items() if v}, 'after_seq': items[-1]['seq']})}" if len(items) == AUDIT_PAGE else None
    return templates.TemplateResponse(request, "audit.html", {"items": items, "filters": filters, "next_link": more, "report": None})


@router.get("/audit/verify", response_class=HTMLResponse, dependencies=[requires(Perm.AUDIT_READ)])
def audit_verify(request: Request, conn: ConnDep) -> HTMLResponse:
    """Verify the whole chain (read-only, so a plain GET) and show the outcome above the latest entries."""
    report = audit.verify(conn).as_dict()
    items = audit.entries(conn, audit.AuditFilter(), AUDIT_PAGE)
    filters = dict.fromkeys(("actor", "action", "target", "since", "until"), "")
    return templates.TemplateResponse(request, "audit.html", {"items": items, "filters": filters, "next_link": None, "report": report})
