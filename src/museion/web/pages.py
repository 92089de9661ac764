"""Pages people use in a browser: the catalogue browser and work pages (the dashboard's first shell)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from museion import __version__
from museion.api.authz import requires
from museion.api.deps import get_recommender, get_session
from museion.catalog import queries
from museion.catalog.stats import catalogue_stats
from museion.errors import NotFound
from museion.ingest.schema import WORK_KINDS
from museion.recommend.service import NoModel
from museion.security.permissions import Perm

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["version"] = __version__
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


@router.get("/", response_class=HTMLResponse, dependencies=[requires(Perm.CATALOG_READ), requires(Perm.STATS_READ)])
def catalogue(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=32)] = "",
    genre: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    kind = kind if kind in WORK_KINDS else ""
    result = queries.list_works(
        session, queries.WorkFilter(q=q or None, kind=kind or None, genre=genre or None),
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    link = lambda p: "/?" + urlencode({k: v for k, v in {"q": q, "kind": kind, "genre": genre, "page": p}.items() if v})  # noqa: E731
    return templates.TemplateResponse(request, "catalogue.html", {
        "works": result.items, "total": result.total, "q": q, "kind": kind, "genre": genre, "page": page,
        "pages": pages, "prev_link": link(page - 1) if page > 1 else None, "next_link": link(page + 1) if page < pages else None,
        "kinds": queries.kinds(session), "genres": queries.facet(session, "genre", kind=kind or None, limit=60),
        "stats": catalogue_stats(session),
    })


@router.get("/works/{work_id}", response_class=HTMLResponse, dependencies=[requires(Perm.CATALOG_READ)])
def work_page(request: Request, work_id: int, session: Annotated[Session, Depends(get_session)]) -> HTMLResponse:
    try:
        work = queries.get_work(session, work_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": str(exc)}, status_code=404)
    return templates.TemplateResponse(request, "work.html", {"work": work})


@router.get("/recommendations", response_class=HTMLResponse,
            dependencies=[requires(Perm.MEMBER_RECOMMENDATIONS, member="member")])
def recommendations_page(
    request: Request,
    member: Annotated[str, Query(max_length=255)] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HTMLResponse:
    """A member's list with the reason for every item (the seed of member self-service)."""
    context: dict[str, object] = {"member": member, "served": None, "message": None}
    status = 200
    if member:
        try:
            context["served"] = get_recommender(request).recommend(member, k)
        except NotFound as exc:
            context["message"], status = str(exc), 404
        except NoModel as exc:
            context["message"], status = str(exc), 503
    return templates.TemplateResponse(request, "recommendations.html", context, status_code=status)
