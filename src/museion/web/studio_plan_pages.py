"""The exhibition builder in the browser for curators: build a plan from a theme (query, subject or seed works) with
representation targets, then swap, pin, move or rebuild it (each a saved revision) and publish it to the review queue,
whose acceptance opens the public gallery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.errors import MuseionError, NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep, HomeDep
from museion.http.i18n import error_text
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.studio import exhibitions, plans
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
PlanId = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=500)]


def _targets(text: str) -> dict[tuple[str, str], int]:
    return plans.parse_targets([line for line in text.replace(",", "\n").splitlines() if line.strip()])


def _list(request: Request, conn: Any, message: str | None = None, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "studio_plans.html", {
        "plans": plans.plans(conn), "least": exhibitions.MIN_WORKS, "most": exhibitions.MAX_WORKS, "message": message},
        status_code=status)


def _plan(request: Request, conn: Any, plan_id: int, message: str | None = None, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "studio_plan.html", {"plan": plans.show(conn, plan_id), "message": message},
                                      status_code=status)


@router.get("/studio/plans", response_class=HTMLResponse)
def page(request: Request, _: Curator, conn: ConnDep) -> HTMLResponse:
    return _list(request, conn)


@router.post("/studio/plans", response_class=RedirectResponse)
def build(request: Request, principal: Curator, engine: EngineDep, home: HomeDep, theme: Annotated[str, Form(min_length=1, max_length=500)],
          by: Annotated[str, Form(max_length=16)] = "query",
          works: Annotated[int, Form(ge=exhibitions.MIN_WORKS, le=exhibitions.MAX_WORKS)] = 20,
          title: Annotated[str, Form(max_length=255)] = "", targets: Text = "",
          order: Annotated[str, Form(max_length=16)] = "chronological") -> Response:
    try:
        with engine.begin() as conn:
            found = plans.create(conn, home, theme, actor=principal.actor, by=by, size=works, title=title or None,
                                 targets=_targets(targets), order=order)
    except MuseionError as exc:
        with engine.connect() as conn:
            return _list(request, conn, error_text(request, exc), 422)
    return RedirectResponse(f"/studio/plans/{found}", status_code=303)


@router.get("/studio/plans/{plan_id}", response_class=HTMLResponse)
def plan(request: Request, _: Curator, conn: ConnDep, plan_id: PlanId) -> HTMLResponse:
    try:
        return _plan(request, conn, plan_id)
    except NotFound as exc:
        return templates.TemplateResponse(request, "not_found.html", {"message": error_text(request, exc)}, status_code=404)


@router.post("/studio/plans/{plan_id}/change", response_class=RedirectResponse)
def change(request: Request, principal: Curator, engine: EngineDep, home: HomeDep, plan_id: PlanId,
           op: Annotated[str, Form(max_length=16)], key: Annotated[str, Form(max_length=255)] = "",
           other: Annotated[str, Form(max_length=255)] = "", position: Annotated[int | None, Form(ge=1, le=exhibitions.MAX_WORKS)] = None,
           targets: Text = "", order: Annotated[str, Form(max_length=16)] = "") -> Response:
    """One change, saved as a revision; a refused change leaves the plan as it was and says why."""
    try:
        with engine.begin() as conn:
            if op == "rebuild":
                plans.rebuild(conn, home, plan_id, actor=principal.actor, order=order or None,
                              targets=_targets(targets) if targets.strip() else None)
            elif op == "publish":
                plans.publish(conn, plan_id, actor=principal.actor)
            else:
                plans.revise(conn, plan_id, actor=principal.actor, op=op, key=key, other=other.strip() or None, position=position)
    except MuseionError as exc:
        with engine.connect() as conn:
            return _plan(request, conn, plan_id, error_text(request, exc), 422)
    return RedirectResponse(f"/studio/plans/{plan_id}", status_code=303)
