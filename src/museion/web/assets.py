"""Plotly's JavaScript, served from the installed plotly package (never a CDN; never copied into the repository)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from plotly import __version__ as plotly_version

from museion.http.authz import requires
from museion.security.permissions import Perm

router = APIRouter(include_in_schema=False)
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@router.get("/assets/plotly.min.js", dependencies=[requires(Perm.STATS_READ)])
def plotly_js() -> FileResponse:
    """The bundle the installed plotly package ships; staff pages with charts load it (members never need it)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"cache-control": "private, max-age=86400", "etag": f'"plotly-{plotly_version}"'})
