"""Harvests of other institutions' OAI-PMH repositories: start one (a job: progress, cancel, whole or nothing) and
read past ones with their counts and row-level problems (``museion.heritage.oai_harvester``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.heritage.oai_harvester import Endpoint, HarvestFailed, harvests
from museion.heritage.oai_protocol import OaiError, parse_datestamp
from museion.http.authz import requires
from museion.http.deps import EngineDep
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/heritage/harvests", tags=["interoperability"])
Harvester = Annotated[Principal, requires(Perm.CATALOG_HARVEST)]


class HarvestIn(BaseModel):
    url: str = Field(min_length=8, max_length=1000, examples=["https://collections.example.org/oai"],
                     description="The repository's OAI-PMH base URL (http or https).")
    set: str | None = Field(default=None, max_length=255, pattern=r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
    from_: str | None = Field(default=None, alias="from", max_length=20, description="YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ; "
                              "default: from the last harvest of the same URL, set and format that landed.")
    prefix: Literal["oai_dc", "edm"] = "oai_dc"
    source: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$",
                               description="The catalogue source its records are keyed under (default: from the host).")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        try:
            return Endpoint.parse(value).url
        except HarvestFailed as exc:
            raise ValueError(str(exc)) from None

    @field_validator("from_")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_datestamp(value, "from")
            except OaiError as exc:
                raise ValueError(exc.message) from None
        return value


@router.post("", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Harvest another repository's records into the catalogue (a job; whole or nothing)")
def start(request: Request, body: HarvestIn, principal: Harvester, queue: QueueDep) -> JSONResponse:
    params = {"url": body.url, "set": body.set, "from": body.from_, "prefix": body.prefix, "source": body.source}
    return accepted(request, queue, principal, "oai_harvest", {k: v for k, v in params.items() if v is not None})


@router.get("", summary="Past harvests, newest first: what was asked, what landed, the problems found")
def past(_: Harvester, engine: EngineDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    return harvests(engine, limit)
