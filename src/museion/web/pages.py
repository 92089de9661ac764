"""Pages people use in a browser: the start page, the catalogue browser, work pages and the member lookup."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from museion.catalog import queries
from museion.errors import NotFound
from museion.http.authz import requires
from museion.http.deps import ServedModelDep, SessionDep, TxDep
from museion.ingest.schema import WORK_KINDS
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web import kpis
from museion.web.member_pages import reason, served_list
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
WorkKind = Literal[("", *sorted(WORK_KINDS))]  # type: ignore[valid-type]  # an unknown kind is refused by name
PAGE_SIZE = 30


@router.get("/catalogue", response_class=HTMLResponse, dependencies=[requires(Perm.CATALOG_READ)])
def catalogue(
    request: Request,
    principal: Annotated[Principal, requires(Perm.STATS_READ)],
    session: SessionDep,
    conn: TxDep,  # the session's connection: the headline audience counts leave an access record
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[WorkKind, Query()] = "",
    genre: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    result = queries.list_works(
        session, queries.WorkFilter(q=q or None, kind=kind or None, genre=genre or None),
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    link = lambda p: "/catalogue?" + urlencode({k: v for k, v in {"q": q, "kind": kind, "genre": genre, "page": p}.items() if v})  # noqa: E731
    return templates.TemplateResponse(request, "catalogue.html", {
        "works": result.items, "total": result.total, "q": q, "kind": kind, "genre": genre, "page": page,
        "pages": pages, "prev_link": link(page - 1) if page > 1 else None, "next_link": link(page + 1) if page < pages else None,
        "kinds": queries.kinds(session), "genres": queries.facet(session, "genre", kind=kind or None, limit=60),
        "stats": kpis.totals(conn, actor=principal.actor),
    })


@router.get("/works/{work_id}", response_class=HTMLResponse, dependencies=[requires(Perm.CATALOG_READ)])
def work_page(request: Request, work_id: int, session: SessionDep) -> HTMLResponse:
    try:
        work = queries.get_work(session, work_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    return templates.TemplateResponse(request, "work.html", {"work": work})


@router.get("/recommendations", response_class=HTMLResponse)
def recommendations_page(
    request: Request,
    principal: Annotated[Principal, requires(Perm.MEMBER_RECOMMENDATIONS, member="member")],
    model: ServedModelDep,
    member: Annotated[str, Query(max_length=255)] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    """Staff look up one member's list, with the reason for every item (members use their own page)."""
    served, message, status = served_list(model, member, k, actor=principal.actor, preview=True) if member else (None, None, 200)
    return templates.TemplateResponse(request, "recommendations.html", {
        "member": member, "served": served, "message": message,
        "reasons": [reason(item, request) for item in served.items] if served else []}, status_code=status)
