"""Plotly's JavaScript, served from the installed plotly package (never a CDN; never copied into the repository)."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from plotly import __version__ as plotly_version

from museion.http.authz import requires
from museion.security.permissions import Perm

router = APIRouter(include_in_schema=False)
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
INJECTED_STYLE = re.compile(r'document\.getElementById\("([0-9a-f]{16,})"\)\)\{var \w+=document\.createElement\("style"\)')


@cache
def injected_style_ids() -> tuple[str, ...]:
    """Ids of the ``<style>`` elements plotly.min.js writes into a page as it loads (its bundled map library's CSS).
    It skips any whose id the page already holds, so chart pages hold an empty element with each id: the
    Content-Security-Policy can refuse inline styles without a console error, and no map is ever drawn here."""
    return tuple(dict.fromkeys(INJECTED_STYLE.findall(PLOTLY_JS.read_text(encoding="utf-8"))))


@router.get("/assets/plotly.min.js", dependencies=[requires(Perm.STATS_READ)])
def plotly_js() -> FileResponse:
    """The bundle the installed plotly package ships; staff pages with charts load it (members never need it)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"cache-control": "private, max-age=86400", "etag": f'"plotly-{plotly_version}"'})
