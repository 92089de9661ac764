"""The rights registry in the browser: licences (list with holders and those expiring soon, a form to import rights
holders; one licence with its works and forms to edit its window and territories or end it), conflicts and gaps, and a
holder's usage statement (on the page, or CSV or a standalone HTML file to download). A refused form shows again with
each problem's row, field and reason in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine

from museion.errors import InputRejected, MuseionError, Problem
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, TxDep
from museion.http.i18n import N_, error_text, gettext_for, language_of
from museion.rights import licence_csv, licence_reports, licences
from museion.rights.reasons import reason, recognise
from museion.rights.availability import today
from museion.rights.gaps import used_works
from museion.rights.usage import export_file, statement
from museion.security.auth import Principal
from museion.security.permissions import Perm, allowed
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, requires(Perm.RIGHTS_READ)]
Manager = Annotated[Principal, requires(Perm.RIGHTS_MANAGE)]
LicenceId = Annotated[int, Path(ge=1, le=2**62)]
EXPIRY_DAYS = 30
MAX_IMPORT_BYTES = 5_000_000


def work_rights(conn: Connection, work_id: int) -> dict[str, Any]:
    """For the work page: its licences, acquisition provenance and AI-made additions with their labels."""
    return {"rights": licence_reports.work_rights(conn, work_id)}


FIELDS = {"key": N_("Key"), "name": N_("Name"), "kind": N_("Kind"), "creator": N_("Creator"), "holder": N_("Holder"),
          "works": N_("Works"), "territories": N_("Territories"), "uses": N_("Uses"), "starts": N_("From"),
          "ends": N_("Last day"), "exclusive": N_("Exclusive")}
"""Field labels for refusals, in the reader's language (the field's own name is shown beside, as the file names it)."""


def problem_rows(request: Request, exc: MuseionError) -> list[dict[str, Any]]:
    """Each refused row and field with its reason in the reader's language (``museion.rights.reasons`` read back)."""
    if not isinstance(exc, InputRejected):
        return [{"line": None, "field": None, "label": None, "reason": error_text(request, exc)}]
    gettext = gettext_for(request)
    rows = []
    for p in exc.problems:
        known = recognise(p.reason)
        rows.append({"line": p.line, "field": p.column, "label": gettext(FIELDS[p.column]) if p.column in FIELDS else None,
                     "reason": gettext(known[0]) % known[1] if known else p.reason})
    return rows


def _refused(step: Callable[[Connection], str], engine: Engine,
             again: Callable[[Connection, list[dict[str, Any]]], Response], request: Request) -> Response:
    """Run ``step`` in its own transaction and go where it says; a refusal shows the form again with every problem
    (row, field, why, translated) and changes nothing."""
    try:
        with engine.begin() as conn:
            done = step(conn)
    except MuseionError as exc:
        with engine.connect() as conn:
            return again(conn, problem_rows(request, exc))
    return RedirectResponse(done, status_code=303)


def _licences_page(request: Request, conn: Connection, principal: Principal, holder: str = "", *, imported: int | None = None,
                   problems: list[dict[str, Any]] | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "rights_licences.html", {
        "licences": licence_reports.list_licences(conn, holder=holder or None), "holders": licence_reports.holders(conn),
        "expiring": licence_reports.expiring(conn, EXPIRY_DAYS, today()), "days": EXPIRY_DAYS, "holder": holder,
        "may_manage": allowed(principal.role, Perm.RIGHTS_MANAGE), "imported": imported, "problems": problems or []},
        status_code=422 if problems else 200)


@router.get("/rights/licences", response_class=HTMLResponse)
def licences_page(request: Request, principal: Reader, conn: ConnDep, holder: Annotated[str, Query(max_length=255)] = "",
                  imported: Annotated[int | None, Query(ge=0)] = None) -> HTMLResponse:
    return _licences_page(request, conn, principal, holder, imported=imported)


@router.post("/rights/holders/import", response_class=RedirectResponse, response_model=None)
def import_holders(request: Request, principal: Manager, engine: EngineDep, file: Annotated[UploadFile, File()]) -> Response:
    """Rights holders from a CSV file (columns key, name, kind, creator); refused whole, with row and field, on any problem."""
    name = file.filename or "holders.csv"

    def step(conn: Connection) -> str:
        data = file.file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise MuseionError("the file is larger than %(n)s MB", n=MAX_IMPORT_BYTES // 1_000_000)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MuseionError("the file is not UTF-8 text") from None
        found = licence_csv.read_holders(io.StringIO(text), licence_csv.parse_mapping([], licence_csv.HOLDER_FIELDS), name)
        return f"/rights/licences?imported={licences.save_holders(conn, found, actor=principal.actor, label=name)}#holders"

    return _refused(step, engine, lambda conn, problems: _licences_page(request, conn, principal, problems=problems), request)


def _licence_page(request: Request, conn: Connection, principal: Principal, licence_id: int,
                  problems: list[dict[str, Any]] | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    lic = licence_reports.licence(conn, licence_id)
    return templates.TemplateResponse(request, "rights_licence.html", {
        "lic": lic, "may_manage": allowed(principal.role, Perm.RIGHTS_MANAGE), "yesterday": today() - timedelta(days=1),
        "problems": problems or [], "form": form or {"starts": lic["starts"].isoformat(),
                                                      "ends": lic["ends"].isoformat() if lic["ends"] else "",
                                                      "territories": ", ".join(lic["territories"])}},
        status_code=422 if problems else 200)


@router.get("/rights/licences/{licence_id}", response_class=HTMLResponse)
def licence_page(request: Request, licence_id: LicenceId, principal: Reader, conn: ConnDep) -> HTMLResponse:
    return _licence_page(request, conn, principal, licence_id)


@router.post("/rights/licences/{licence_id}/end", response_class=RedirectResponse, response_model=None)
def end_licence(request: Request, licence_id: LicenceId, principal: Manager, engine: EngineDep,
                last_day: Annotated[date, Form()]) -> Response:
    def step(conn: Connection) -> str:
        licences.end_licence(conn, licence_id, last_day, actor=principal.actor)
        return f"/rights/licences/{licence_id}"

    return _refused(step, engine, lambda conn, problems: _licence_page(request, conn, principal, licence_id, problems), request)


@router.post("/rights/licences/{licence_id}/edit", response_class=RedirectResponse, response_model=None)
def edit_licence(request: Request, licence_id: LicenceId, principal: Manager, engine: EngineDep,
                 starts: Annotated[date, Form()], territories: Annotated[str, Form(max_length=2000)],
                 ends: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Change the licence's first and last day and its territories (codes separated by commas or spaces, or "world"),
    checked as an import is; an empty last day makes it open-ended."""
    form = {"starts": starts.isoformat(), "ends": ends, "territories": territories}

    def step(conn: Connection) -> str:
        try:
            last = date.fromisoformat(ends.strip()) if ends.strip() else None
        except ValueError:
            raise InputRejected([Problem("form", None, "ends", reason("not_date", text=repr(ends)))]) from None
        licences.edit_licence(conn, licence_id, starts=starts, ends=last, territories=territories.replace(",", " ").split(),
                              actor=principal.actor)
        return f"/rights/licences/{licence_id}"

    return _refused(step, engine, lambda conn, problems: _licence_page(request, conn, principal, licence_id, problems, form),
                    request)


@router.get("/rights/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, principal: Reader, conn: TxDep) -> HTMLResponse:
    """Conflicting exclusives, and works served or exported (in the last year) with no licence for that use."""
    return templates.TemplateResponse(request, "rights_conflicts.html", {
        "conflicts": licence_reports.conflicts(conn),
        "gaps": licence_reports.gaps(conn, used_works(conn, today() - timedelta(days=365), today(), actor=principal.actor), limit=50)})


@router.get("/rights/statements", response_class=HTMLResponse, response_model=None)
def statement_page(request: Request, principal: Reader, conn: TxDep, holder: Annotated[str, Query(max_length=255)] = "",
                   start: date | None = None, end: date | None = None,
                   format: Annotated[str, Query(pattern="^(page|html|csv)$")] = "page") -> Response:
    """The statement on the page; ``format=csv`` or ``html`` downloads it (HTML: one standalone file, this language)."""
    start, end = start or today().replace(day=1), end or today()
    st = statement(conn, holder, start, end, actor=principal.actor) if holder else None
    if st is not None and format != "page":
        name, media, body = export_file(st, format, language_of(request))
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return templates.TemplateResponse(request, "rights_statement.html", {
        "st": st, "holders": licence_reports.holders(conn), "holder": holder, "start": start, "end": end})
