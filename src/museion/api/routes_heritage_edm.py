"""EDM over the API: one work's Europeana Data Model record (RDF/XML or JSON-LD, by ?format= or Accept), the
stored quality report, and the whole-catalogue export and check as jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.heritage import edm_report
from museion.heritage.edm_service import FORMATS, work_graph
from museion.heritage.edm import PREFIXES
from museion.http.authz import requires
from museion.http.deps import HomeDep, SessionDep
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/heritage/edm", tags=["heritage"])
Reader = Annotated[Principal, requires(Perm.CATALOG_READ)]
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
RDF = {200: {"content": {"application/rdf+xml": {}, "application/ld+json": {}}, "description": "The work's EDM record."}}


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def negotiated(request: Request, fmt: str | None) -> str:
    """?format= wins; else the Accept header (JSON-LD when it asks for it, RDF/XML otherwise)."""
    if fmt:
        return fmt
    accept = request.headers.get("accept", "")
    return "jsonld" if "ld+json" in accept or ("json" in accept and "rdf+xml" not in accept) else "rdfxml"


@router.get("/works/{work_id}", response_class=Response, responses=RDF,
            summary="One work as a Europeana Data Model record (edm:ProvidedCHO, ore:Aggregation, edm:Agent…)")
def work(request: Request, session: SessionDep, _: Reader, work_id: Annotated[int, Path(ge=1, le=2**62)],
         format: Annotated[Literal["rdfxml", "jsonld"] | None, Query(description="rdfxml or jsonld; default: by Accept")] = None,
         ) -> Response:
    fmt = negotiated(request, format)
    g = work_graph(session, work_id, base_url(request))
    body = (g.serialize(format="pretty-xml", max_depth=1, encoding="utf-8") if fmt == "rdfxml" else
            g.serialize(format="json-ld", context={p: str(ns) for p, ns in PREFIXES.items()}, encoding="utf-8"))
    return Response(body, media_type=FORMATS[fmt], headers={"Vary": "Accept"})


@router.get("/report", summary="The latest EDM quality report: SHACL pass share and Europeana tiers by source, failing works")
def report(_: Reader, home: HomeDep) -> dict[str, Any]:
    return edm_report.load(home)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, max_length=64, pattern=r"^[\w.-]+$", description="Only works of this source.")


class ExportIn(CheckIn):
    format: Literal["rdfxml", "jsonld"] = Field("rdfxml", description="RDF/XML or JSON-LD.")


@router.post("/report", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Check every displayable work against the EDM shapes and tiers as a job; it stores the report")
def check(request: Request, body: CheckIn, principal: Curator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "edm_check", {**body.model_dump(), "base_url": base_url(request)})


@router.post("/exports", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Export every displayable work as EDM (RDF/XML or JSON-LD) to a file in MUSEION_HOME, as a job")
def export(request: Request, body: ExportIn, principal: Curator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "edm_export", {**body.model_dump(), "base_url": base_url(request)})
