"""The app's outer shell: security headers, a request-size limit, JSON access logs, and problem+json
answers for refused requests (401, 403, 413, 429) and unexpected errors (500, answered here so they
carry the security headers too) — with sign-in redirects for browser pages.

Log lines carry the route template (``/api/members/{member}/…``), never the concrete path or query, and
the caller as ``account:<id>``: no member keys, tokens, passwords or free text reach the logs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import sys
import threading
import time
import traceback
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from museion.http.authz import SESSION_COOKIE, Forbidden, Guards, RateLimited, Unauthenticated, client_address
from museion.http.i18n import error_text, gettext_for
from museion.http.problems import http_error as problem_http
from museion.http.problems import invalid as problem_invalid
from museion.http.problems import problem, unexpected
from museion.http.templating import error_pages
from museion.security.auth import AuthError

MAX_BODY_BYTES = 1 << 20
access_log = logging.getLogger("museion.access")
security_log = logging.getLogger("museion.security")
log = logging.getLogger("museion.api")

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


def docs_policy(page: bytes, *, inline_styles: bool) -> str:
    """The policy of an API documentation page (museion.http.apidocs): everything from this server only; inline, just
    the page's own start-up scripts (by sha256) and, for ReDoc, which writes its styles into the page, style elements.
    ReDoc's search runs in a worker made from a blob."""
    scripts = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
                       for body in INLINE_SCRIPT.findall(page))
    styles = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    return (f"default-src 'self'; script-src 'self' {scripts}; style-src {styles}; img-src 'self' data:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SampledLog:
    """Security events logged at most once per key and period, each line counting those held back since: a flood of
    refusals cannot flood the log, and none is written to the store (a refusal must cost the server nothing)."""

    def __init__(self, period: float = 60.0, max_keys: int = 10_000) -> None:
        self.period, self.max_keys = period, max_keys
        self._seen: dict[tuple[str, ...], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def note(self, event: str, key: tuple[str, ...], fields: dict[str, Any]) -> bool:
        """Log ``event`` unless ``key`` was logged within the period (then count it); True when logged."""
        now = time.monotonic()
        with self._lock:
            since, held = self._seen.get(key, (-self.period, 0))
            if now - since < self.period:
                self._seen[key] = (since, held + 1)
                return False
            if len(self._seen) >= self.max_keys:
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.period}
            self._seen[key] = (now, 0)
        security_log.warning(event, extra={"fields": {**fields, "held_back": held}})
        return True


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, f"request bodies are limited to {MAX_BODY_BYTES:,} bytes")


class Hardening:
    """Pure ASGI middleware: refuses oversized bodies, adds security headers, logs one JSON line per request."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        path: str = scope["path"]
        request_id = uuid.uuid4().hex[:16]
        received, responded = 0, False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge()
            return message

        https = scope.get("scheme") == "https"

        async def secured_send(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in HEADERS if name not in names]
                if b"content-security-policy" not in names:  # a page with a policy of its own (the API docs) keeps it
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-request-id", request_id.encode()))
                if b"cache-control" not in names and not path.startswith(("/static/", "/docs/")):
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
                await problem(413, "Content Too Large", BodyTooLarge().detail, path)(scope, receive, secured_send)
            elif "\x00" in path or b"%00" in scope.get("query_string", b""):  # no database stores them in text
                await problem(400, "Bad Request", "NUL characters are not accepted in addresses", path)(scope, receive, secured_send)
            else:
                await self.app(scope, limited_receive, secured_send)
        except Exception as exc:
            if responded:  # too late for a 500: the server closes the connection
                raise
            await unexpected(scope, exc)(scope, receive, secured_send)
        finally:
            self._log(scope, status, started, request_id)

    @staticmethod
    def _log(scope: Scope, status: int, started: float, request_id: str) -> None:
        route = scope.get("route")
        principal = scope.get("state", {}).get("principal")
        access_log.info("request", extra={"fields": {
            "method": scope["method"], "route": getattr(route, "path", None) or "(unmatched)", "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 2), "actor": principal.actor if principal else None,
            "request_id": request_id,
        }})


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Exceptions keep their type and frames but not their message, which
    may quote the input that caused them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                                 "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["frames"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(record.exc_info[2])]
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime  # type: ignore[assignment]


def configure_logging(level: int = logging.INFO) -> None:
    """Send Museion's logs to stderr as JSON lines (once per process, however many apps are built)."""
    logger = logging.getLogger("museion")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/healthz", "/openapi.json"))


def _browser(request: Request) -> bool:
    """A page request from a browser (it asks for HTML): it gets a styled page; any other client, problem+json."""
    return _wants_html(request) and "text/html" in request.headers.get("accept", "")


def _route(request: Request) -> str:
    return getattr(request.scope.get("route"), "path", None) or "(unmatched)"


def install(app: FastAPI) -> None:
    """Add the guards, the middleware and the handlers for refused requests (a page for browsers where one helps)."""
    app.state.guards = Guards()
    refusals = app.state.refusals = SampledLog()
    app.add_middleware(Hardening)
    configure_logging()

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> Response:
        presented = "bearer" if "authorization" in request.headers else "session" if SESSION_COOKIE in request.cookies else None
        if presented:  # credentials that are not valid (none at all is an ordinary sign-in prompt)
            refusals.note("invalid credentials", ("401", client_address(request)),
                          {"credentials": presented, "address": client_address(request), "route": _route(request)})
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        response = problem(401, "Unauthorized", str(exc), request.url.path)
        response.headers["www-authenticate"] = 'Bearer realm="museion"'
        return response

    @app.exception_handler(AuthError)
    async def refused(request: Request, exc: AuthError) -> JSONResponse:
        return problem(401, "Unauthorized", str(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        """A browser gets a page in its language naming each refused value; API clients get problem+json."""
        if not _browser(request):
            return await problem_invalid(request, exc)
        _ = gettext_for(request)
        reasons = []
        for error in exc.errors():
            field, value = str(error["loc"][-1]) if error.get("loc") else "?", repr(error.get("input"))[:80]
            expected = (error.get("ctx") or {}).get("expected")
            reasons.append(_("%(field)s: %(value)s is not accepted here; accepted: %(expected)s") % {
                "field": field, "value": value, "expected": expected} if expected else
                _("%(field)s: %(value)s is not accepted here") % {"field": field, "value": value})
        return error_pages.TemplateResponse(request, "invalid.html", {"reasons": reasons}, status_code=422)

    @app.exception_handler(HTTPException)
    async def no_page(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and _browser(request):
            return error_pages.TemplateResponse(request, "not_found.html", {"message": gettext_for(request)(
                "There is no page at this address.")}, status_code=404)
        return await problem_http(request, exc)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        principal = getattr(request.state, "principal", None)
        actor = principal.actor if principal else client_address(request)
        refusals.note("refused", ("403", actor, request.method, _route(request)),
                      {"actor": actor, "method": request.method, "route": _route(request), "why": str(exc)})
        if _wants_html(request):
            return error_pages.TemplateResponse(request, "forbidden.html", {
                "message": error_text(request, exc), "roles": exc.values.get("roles", [])}, status_code=403)
        return problem(403, "Forbidden", str(exc), request.url.path)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        response = problem(429, "Too Many Requests", str(exc), request.url.path)
        response.headers["retry-after"] = str(max(1, round(exc.retry_after)))
        return response

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> JSONResponse:
        log.warning("database refused a value on %s %s", request.method, request.url.path)
        return problem(422, "Invalid request", "a value cannot be stored (out of range, or containing a NUL character)",
                       request.url.path)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(413, "Content Too Large", exc.detail, request.url.path)

