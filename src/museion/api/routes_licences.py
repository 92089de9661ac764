"""The rights registry over HTTP: licences and holders (list, one, import as CSV or ODRL, export as ODRL), conflicts,
gaps, licences about to expire, editing a licence's window and territories or ending it, and a holder's usage
statement (JSON, CSV or one standalone HTML file)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.rights import licence_csv, licence_reports, licences, odrl
from museion.rights.availability import today
from museion.rights.gaps import used_works
from museion.rights.usage import export_file, statement
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api/rights", tags=["rights"])
Reader = Annotated[Principal, requires(Perm.RIGHTS_READ)]
Manager = Annotated[Principal, requires(Perm.RIGHTS_MANAGE)]
LicenceId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/licences", summary="Licences, latest start first, with how many works each covers")
def list_licences(_: Reader, conn: ConnDep, holder: Annotated[str | None, Query(max_length=255)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200, offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> list[dict[str, Any]]:
    return licence_reports.list_licences(conn, holder=holder, limit=limit, offset=offset)


@router.get("/licences/{licence_id}", summary="One licence with its works")
def get_licence(licence_id: LicenceId, _: Reader, conn: ConnDep) -> dict[str, Any]:
    return licence_reports.licence(conn, licence_id)


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "odrl"]
    content: str | dict[str, Any] = Field(description="CSV text, or the ODRL JSON-LD document.")
    mapping: list[str] = Field(default_factory=list, max_length=20, description="FIELD=COLUMN pairs (CSV).")


@router.post("/licences/import", summary="Record licences from CSV or ODRL; refused whole (422, row and field) on any problem")
def import_licences(body: ImportIn, principal: Manager, conn: TxDep) -> dict[str, list[int]]:
    if body.format == "odrl":
        rows = odrl.parse(body.content, "ODRL document")
    else:
        text = body.content if isinstance(body.content, str) else ""
        rows = licence_csv.read_licences(io.StringIO(text), licence_csv.parse_mapping(body.mapping, licence_csv.LICENCE_FIELDS))
    return {"licences": licences.save_licences(conn, rows, actor=principal.actor, label=f"api.{body.format}")}


@router.get("/licences.odrl", summary="Every licence as a W3C ODRL JSON-LD document")
def export_odrl(_: Reader, conn: ConnDep) -> dict[str, Any]:
    return odrl.document([odrl.policy(lic, keys) for lic, keys in licence_reports.with_work_keys(conn)])


@router.post("/licences/{licence_id}/end", summary="End a licence on a day (default yesterday): its works are withheld after it")
def end(licence_id: LicenceId, principal: Manager, conn: TxDep,
        last_day: Annotated[date | None, Body(embed=True)] = None) -> dict[str, Any]:
    licences.end_licence(conn, licence_id, last_day or today() - timedelta(days=1), actor=principal.actor)
    return licence_reports.licence(conn, licence_id)


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts: date
    ends: date | None = Field(default=None, description="Last day covered; null: open-ended.")
    territories: list[str] = Field(min_length=1, max_length=300, description='ISO 3166-1 alpha-2 codes, or ["world"].')


@router.patch("/licences/{licence_id}", summary="Change a licence's window and territories; checked as an import is (422, field)")
def edit(licence_id: LicenceId, body: EditIn, principal: Manager, conn: TxDep) -> dict[str, Any]:
    licences.edit_licence(conn, licence_id, starts=body.starts, ends=body.ends, territories=body.territories,
                          actor=principal.actor)
    return licence_reports.licence(conn, licence_id)


class HoldersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(max_length=5_000_000, description="CSV text with columns key, name, kind, creator (or as mapped).")
    mapping: list[str] = Field(default_factory=list, max_length=4, description="FIELD=COLUMN pairs.")


@router.post("/holders/import", summary="Record rights holders from CSV; refused whole (422, row and field) on any problem")
def import_holders(body: HoldersIn, principal: Manager, conn: TxDep) -> dict[str, int]:
    found = licence_csv.read_holders(io.StringIO(body.content), licence_csv.parse_mapping(body.mapping, licence_csv.HOLDER_FIELDS),
                                     "api.csv")
    return {"holders": licences.save_holders(conn, found, actor=principal.actor, label="api.csv")}


@router.get("/holders", summary="Rights holders with how many licences each granted")
def holders(_: Reader, conn: ConnDep) -> list[dict[str, Any]]:
    return licence_reports.holders(conn)


@router.get("/conflicts", summary="Exclusive licences on the same work that overlap in use, territory and days")
def conflicts(_: Reader, conn: ConnDep) -> list[dict[str, Any]]:
    return licence_reports.conflicts(conn)


@router.get("/gaps", summary="Works served or exported in the period with no licence recorded for that use")
def gaps(principal: Reader, conn: TxDep, start: Annotated[date, Query()] = date(2000, 1, 1)) -> list[dict[str, Any]]:
    return licence_reports.gaps(conn, used_works(conn, start, today(), actor=principal.actor))


@router.get("/expiring", summary="Licences whose last day falls within the next N days")
def expiring(_: Reader, conn: ConnDep, days: Annotated[int, Query(ge=1, le=3650)] = 30) -> list[dict[str, Any]]:
    return licence_reports.expiring(conn, days, today())


@router.post("/expiring/alerts", summary="Raise a risk alert (routed to curators) for each licence ending within N days")
def expiry_alerts(principal: Manager, conn: TxDep, days: Annotated[int, Query(ge=1, le=3650)] = 30) -> dict[str, list[int]]:
    from museion.risk.licence_expiry import scan  # risk sits above rights: the alert is raised from the face

    return {"alerts": scan(conn, actor=principal.actor, within_days=days, day=today())}


@router.get("/statements/{holder}", response_model=None,
            summary="A rights holder's usage statement for a period, with the SHA-256 of its inputs (JSON, CSV or standalone HTML)")
def usage_statement(holder: Annotated[str, Path(max_length=255)], principal: Reader, conn: TxDep,
                    start: Annotated[date, Query()], end: Annotated[date, Query()],
                    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
                    lang: Annotated[Literal["en", "zh-Hans"], Query()] = "en") -> dict[str, Any] | Response:
    st = statement(conn, holder, start, end, actor=principal.actor)
    if format == "json":
        return st
    name, media, body = export_file(st, format, lang)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
