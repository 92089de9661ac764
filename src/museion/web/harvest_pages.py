"""Interoperability in the browser for curators: this installation's OAI-PMH base URL and sets, a form that harvests
another repository's records into the catalogue (a job), and past harvests with their problems."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.errors import MuseionError
from museion.heritage.oai_harvester import Endpoint, harvests
from museion.heritage.oai_protocol import SET_SPEC, OaiError, parse_datestamp
from museion.heritage.oai_store import list_sets
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.http.i18n import N_, error_text
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Harvester = Annotated[Principal, requires(Perm.CATALOG_HARVEST)]


def _page(request: Request, engine: EngineDep, message: str | None = None, status: int = 200) -> HTMLResponse:
    with engine.connect() as conn:
        found_sets = list_sets(conn)
    site = str(request.base_url).rstrip("/")
    return templates.TemplateResponse(request, "heritage_harvest.html", {
        "base_url": f"{site}/oai", "sets": found_sets, "harvests": harvests(engine, 50), "message": message},
        status_code=status)


@router.get("/heritage/harvest", response_class=HTMLResponse)
def page(request: Request, _: Harvester, engine: EngineDep) -> HTMLResponse:
    return _page(request, engine)


@router.post("/heritage/harvest", response_class=RedirectResponse)
def start(request: Request, principal: Harvester, engine: EngineDep, queue: QueueDep,
          url: Annotated[str, Form(min_length=1, max_length=1000)],
          prefix: Annotated[Literal["oai_dc", "edm"], Form()] = "oai_dc",
          set_spec: Annotated[str, Form(alias="set", max_length=255)] = "",
          from_date: Annotated[str, Form(alias="from", max_length=20)] = "") -> Response:
    """Check the form, start the harvest job and show its progress."""
    try:
        Endpoint.parse(url)
        if set_spec and not SET_SPEC.match(set_spec):
            raise MuseionError(N_("%(set)s is not a set name (setSpec)"), set=set_spec[:80])
        if from_date:
            try:
                parse_datestamp(from_date, "from")
            except OaiError:
                raise MuseionError(N_("%(date)s is not a date: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"), date=from_date) from None
    except MuseionError as exc:
        return _page(request, engine, error_text(request, exc), status=422)
    params = {"url": url.strip(), "prefix": prefix, **({"set": set_spec} if set_spec else {}), **({"from": from_date} if from_date else {})}
    return RedirectResponse(f"/jobs/{queue.submit('oai_harvest', params, principal.actor)}", status_code=303)
