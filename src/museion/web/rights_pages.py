"""Near-duplicate records in the browser for curators: start a scan of the catalogue (a job; new pairs go to the
collaboration queue) and read the links curators decided."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from museion.http.authz import requires
from museion.http.deps import ConnDep
from museion.jobs_kinds import QueueDep
from museion.rights import matching
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]


@router.get("/rights/duplicates", response_class=HTMLResponse)
def page(request: Request, _: Curator, conn: ConnDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "rights_duplicates.html", {
        "links": matching.links(conn), "threshold": matching.learned_threshold(conn)})


@router.post("/rights/duplicates", response_class=RedirectResponse)
def scan(principal: Curator, queue: QueueDep, source: Annotated[str, Form(max_length=64, pattern=r"^[\w.-]*$")] = "",
         limit: Annotated[int, Form(ge=1, le=10_000)] = 50) -> RedirectResponse:
    """Start the scan as a job and show its progress page (it links to the queued pairs when done)."""
    job_id = queue.submit("duplicate_scan", {"source": source or None, "limit": limit, "threshold": None}, principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
