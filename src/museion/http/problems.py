"""Errors as RFC 9457 problem details (application/problem+json), never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from museion.errors import Conflict, InputRejected, MuseionError, NotFound
from museion.privacy.served import LogFull
from museion.registry.lifecycle import NoModel

log = logging.getLogger("museion.api")
PROBLEM = "application/problem+json"
BUSY_RETRY_AFTER = 5
LOCK_STATES = frozenset({"55P03", "40001", "40P01"})  # PostgreSQL: lock not available, serialisation failure, deadlock


def problem(status: int, title: str, detail: str | None = None, instance: str | None = None, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not Found", 405: "Method Not Allowed"}
    return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail), request.url.path)


async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"location": list(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    return problem(422, "Invalid request", "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors),
                   request.url.path, errors=errors)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not Found", str(exc), request.url.path)

    @app.exception_handler(InputRejected)
    async def rejected(request: Request, exc: InputRejected) -> JSONResponse:
        return problem(422, "Input rejected", f"{len(exc.problems)} problem(s); nothing was changed", request.url.path,
                       problems=[p.as_dict() for p in exc.problems])

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem(409, "Conflict", str(exc), request.url.path)

    @app.exception_handler(NoModel)
    async def no_model(request: Request, exc: NoModel) -> JSONResponse:
        return problem(503, "No model", str(exc), request.url.path)

    @app.exception_handler(LogFull)
    async def log_full(request: Request, exc: LogFull) -> JSONResponse:
        return busy(str(exc), request.url.path, exc.retry_after)

    @app.exception_handler(OperationalError)
    async def operational(request: Request, exc: OperationalError) -> JSONResponse:
        if not contended(exc):
            return unexpected(request.scope, exc)
        log.warning("write lock held elsewhere on %s %s", request.method, getattr(request.scope.get("route"), "path", "?"))
        return busy("the database is busy with another write (an import?)", request.url.path, BUSY_RETRY_AFTER)

    @app.exception_handler(MuseionError)
    async def museion_error(request: Request, exc: MuseionError) -> JSONResponse:
        return problem(400, "Bad Request", str(exc), request.url.path)

    @app.exception_handler(Exception)
    async def outside_hardening(request: Request, exc: Exception) -> JSONResponse:  # a middleware outside it failed
        return unexpected(request.scope, exc)


def contended(exc: OperationalError) -> bool:
    """Whether the database refused because another transaction holds a lock (not a broken query or a lost server)."""
    if getattr(exc.orig, "sqlstate", None) in LOCK_STATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message or "database is busy" in message


def busy(detail: str, instance: str, retry_after: int) -> JSONResponse:
    """503 with Retry-After: the request changed nothing and may be repeated."""
    response = problem(503, "Service Unavailable", f"{detail}; try again in {retry_after} s", instance)
    response.headers["retry-after"] = str(retry_after)
    return response


def unexpected(scope: Scope, exc: BaseException) -> JSONResponse:
    """The 500 answer to an unhandled error: logged by type and frames, answered without either.

    Sent by ``hardening.Hardening`` (not an app exception handler, which Starlette runs outside every
    middleware) so that 500s carry the same security headers as every other response.
    """
    route = getattr(scope.get("route"), "path", "?")  # the template: concrete paths can hold member keys
    log.error("unhandled error on %s %s: %s", scope.get("method"), route, type(exc).__name__, exc_info=exc)
    return problem(500, "Internal Server Error", "the server could not complete the request", scope.get("path"))
