"""The API's documentation that opens with no network: Swagger UI at /docs and ReDoc at /redoc, their scripts and
styles served from the files the ``fastapi-offline`` package ships (never a CDN), under a content security policy
that names those files and the page's one inline start-up script by its hash."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from museion.http.hardening import docs_policy

DOCS, REDOC = "/docs", "/redoc"
ASSETS = DOCS  # the bundle's files sit under /docs/: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png
BUNDLE = ("fastapi_offline", "static")
SWAGGER_PARAMETERS = {"validatorUrl": None}  # Swagger UI would otherwise send the schema to validator.swagger.io
REDOC_JS = "redoc.standalone.js"
REDOC_LOGO = (b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E")
"""ReDoc's menu always shows Redocly's logo from their CDN: an empty local image instead (the link stays)."""


@cache
def _local_redoc() -> bytes:
    return files(BUNDLE[0]).joinpath(BUNDLE[1], REDOC_JS).read_bytes().replace(*REDOC_LOGO)


class DocsAssets(StaticFiles):
    """The bundle's files as shipped, but ReDoc's script with its one remote reference made local."""

    def __init__(self) -> None:
        super().__init__(packages=[BUNDLE])

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == REDOC_JS:
            return Response(_local_redoc(), media_type="text/javascript", headers={"cache-control": "public, max-age=86400"})
        return await super().get_response(path, scope)


def _with_policy(page: HTMLResponse, *, inline_styles: bool) -> HTMLResponse:
    page.headers["content-security-policy"] = docs_policy(page.body, inline_styles=inline_styles)
    return page


def install(app: FastAPI) -> None:
    """Serve the two documentation pages and their assets (build the app with ``docs_url=None, redoc_url=None``)."""
    title = f"{app.title} API"

    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _with_policy(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=title, swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css", swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS), inline_styles=False)

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return _with_policy(get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=title, redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png", with_google_fonts=False), inline_styles=True)

    app.add_route(DOCS, swagger, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
    app.mount(ASSETS, DocsAssets(), name="docs-assets")
