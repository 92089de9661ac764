"""The staff overview: catalogue, audience and activity KPIs over time, as numbers and Plotly charts."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from museion.http.authz import requires
from museion.http.deps import TxDep
from museion.http.i18n import N_, gettext_for
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web import charts, kpis
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
CHART_TITLES = {"activity": N_("Activity per month"), "kinds": N_("Works by kind"), "decades": N_("Works by decade of creation"),
                "acquisitions": N_("Acquisitions by year")}


@router.get("/dashboard", response_class=HTMLResponse)
def overview(request: Request, principal: Annotated[Principal, requires(Perm.STATS_READ)], conn: TxDep) -> HTMLResponse:
    """Aggregates only (counts per month, kind, decade), so every staff role may open it; a transaction because
    the audience counts come through the privacy gate, which records the access."""
    _ = gettext_for(request)
    data = kpis.overview(conn, actor=principal.actor)
    figures = {
        "activity": charts.activity(data["activity"], _) if data["activity"].x else None,
        "kinds": (charts.bar(replace(data["kinds"], x=[_(kind) for kind in data["kinds"].x]), _(CHART_TITLES["kinds"]), _("kind"),
                             _("number of works")) if data["kinds"].x else None),
        "decades": charts.bar(data["decades"], _(CHART_TITLES["decades"]), _("decade"), _("number of works")) if data["decades"].x else None,
        "acquisitions": (charts.bar(data["acquisitions"], _(CHART_TITLES["acquisitions"]), _("year acquired"), _("number of works"))
                         if data["acquisitions"].x else None),
    }
    return templates.TemplateResponse(request, "dashboard.html", {
        **data, "figures": figures, "chart_titles": CHART_TITLES, "kind_rows": list(zip(data["kinds"].x, data["kinds"].y))})
