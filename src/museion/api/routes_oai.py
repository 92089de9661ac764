"""The OAI-PMH 2.0 endpoint at ``/oai`` (GET and POST form, open to every harvester): the catalogue's records that may
be displayed here today, as Dublin Core or EDM, with deleted records reported as such (``museion.heritage``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response

from museion.heritage.oai_provider import Provider
from museion.http.authz import public
from museion.http.deps import TxDep
from museion.store.base import utcnow

router = APIRouter(tags=["interoperability"])
XML = "text/xml; charset=utf-8"
DESCRIPTION = ("OAI-PMH 2.0 (verb=Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord; "
               "metadataPrefix oai_dc or edm). Errors are OAI error elements in a 200 response, as the protocol asks.")


def provider(request: Request) -> Provider:
    site = str(request.base_url).rstrip("/")
    return Provider(base_url=f"{site}/oai", site=site)


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """A POST request's arguments, as sent (application/x-www-form-urlencoded; repeated names kept)."""
    body = await request.body()
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


@router.get("/oai", summary="OAI-PMH 2.0 data provider", description=DESCRIPTION, dependencies=[public()],
            response_class=Response, responses={200: {"content": {"text/xml": {}}}})
def oai_get(request: Request, conn: TxDep) -> Response:
    body = provider(request).respond(conn, request.query_params.multi_items(), utcnow())
    return Response(body, media_type=XML)


@router.post("/oai", summary="OAI-PMH 2.0 data provider (form-encoded arguments)", description=DESCRIPTION,
             dependencies=[public()], response_class=Response, responses={200: {"content": {"text/xml": {}}}})
def oai_post(request: Request, conn: TxDep, pairs: Annotated[list[tuple[str, str]], Depends(form_pairs)]) -> Response:
    body = provider(request).respond(conn, pairs, utcnow())
    return Response(body, media_type=XML)
