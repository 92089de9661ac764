"""Pages people use in a browser: the start page, the catalogue browser, work pages and the member lookup."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from museion.catalog import queries
from museion.errors import NotFound
from museion.heritage.edm import web_uri
from museion.heritage.iiif import manifest_url
from museion.heritage.schema_org import script_text, work_jsonld
from museion.http.authz import requires
from museion.http.deps import HomeDep, ServedModelDep, SessionDep, TxDep
from museion.rights.availability import unavailable
from museion.ingest.schema import WORK_KINDS
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.studio.catalogue import find_works
from museion.web import kpis
from museion.web.licence_pages import work_rights
from museion.web.member_pages import reason, served_list
from museion.studio.descriptions import accepted_walltext
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
WorkKind = Literal[("", *sorted(WORK_KINDS))]  # type: ignore[valid-type]  # an unknown kind is refused by name
PAGE_SIZE = 30


@router.get("/catalogue", response_class=HTMLResponse, dependencies=[requires(Perm.CATALOG_READ)])
def catalogue(
    request: Request,
    principal: Annotated[Principal, requires(Perm.STATS_READ)],
    session: SessionDep,
    home: HomeDep,
    conn: TxDep,  # the session's connection: the headline audience counts leave an access record
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[WorkKind, Query()] = "",
    genre: Annotated[str, Query(max_length=200)] = "",
    subject: Annotated[str, Query(max_length=512)] = "",
    creator: Annotated[str, Query(max_length=512)] = "",
    era: Annotated[str, Query(max_length=32)] = "",
    medium: Annotated[str, Query(max_length=512)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    chosen = {"kind": kind, "genre": genre, "subject": subject, "creator": creator, "era": era, "medium": medium}
    result = find_works(session, home, q, chosen, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)  # licensed here and now
    pages = max(1, -(-result.total // PAGE_SIZE))
    link = lambda p, **more: "/catalogue?" + urlencode({k: v for k, v in {"q": q, **chosen, **more, "page": p}.items() if v})  # noqa: E731
    return templates.TemplateResponse(request, "catalogue.html", {
        "works": result.works, "total": result.total, "q": q, "kind": kind, "genre": genre, "page": page, "chosen": chosen,
        "engine": result.engine, "facets": result.facets, "active": [k for k in ("subject", "creator", "era", "medium") if chosen[k]], "corrections": result.corrections, "facet_link": link,
        "pages": pages, "prev_link": link(page - 1) if page > 1 else None, "next_link": link(page + 1) if page < pages else None,
        "kinds": queries.kinds(session), "genres": queries.facet(session, "genre", kind=kind or None, limit=60),
        "stats": kpis.totals(conn, actor=principal.actor),
    })


@router.get("/works/{work_id}", response_class=HTMLResponse)
def work_page(request: Request, work_id: int, session: SessionDep,
              principal: Annotated[Principal, requires(Perm.CATALOG_READ)]) -> HTMLResponse:
    try:
        if not unavailable(session.connection(), "display").allows(work_id):
            raise NotFound("no work with id %(id)s available here and now", id=work_id)
        work = queries.get_work(session, work_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    base = str(request.base_url).rstrip("/")
    manifest = manifest_url(base, work.id) if web_uri(work.image_url) is not None else None
    return templates.TemplateResponse(request, "work.html", {"work": work, **work_rights(session.connection(), work_id),
                                                            "manifest": manifest,
                                                            "jsonld": script_text(work_jsonld(work, f"{base}/works/{work.id}", manifest)),
                                                            "walltext": accepted_walltext(session.connection(), work.key),
                                                            "can_draft": allowed(principal.role, Perm.STUDIO_SUGGEST)})


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
