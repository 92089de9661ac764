"""Who is calling, and may they: the FastAPI dependencies every route declares.

Each route names exactly what it needs with ``requires(Perm.X)``, ``signed_in()`` or ``public()``.
The declaration is discoverable from the route object (``declarations``), so ``check_routes`` refuses to
build an app with an undeclared route and the authorization-matrix test enumerates every route.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from starlette.routing import BaseRoute

from museion.errors import MuseionError
from museion.http.deps import SessionDep, get_session
from museion.http.ratelimit import Backoff, TokenBucket
from museion.privacy.intake import refers_to
from museion.security.addresses import AddressBook
from museion.security.auth import API, SESSION, Principal, TokenVerifier
from museion.security.permissions import MATRIX, SELF_ONLY, Perm, Role, allowed

SESSION_COOKIE = "museion_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC, SIGNED_IN = "public", "signed-in"
# Framework routes that are not APIRoutes: the OpenAPI document and its viewers, and the stylesheet the
# login page needs. Nothing else may be reached without a declaration.
PUBLIC_FRAMEWORK_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"})

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer mus_…`.")
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                              description="Browser session (set by /login); unsafe requests also need the X-CSRF-Token header.")


class Unauthenticated(MuseionError):
    """No valid credentials came with the request."""


class Forbidden(MuseionError):
    """The caller is known but the matrix does not let their role do this."""


class RateLimited(MuseionError):
    """Too many attempts from one address or for one account; ``retry_after`` seconds until the next is allowed."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many attempts; try again in {retry_after:.0f} s")
        self.retry_after = retry_after


class Guards:
    """Per-app authentication state: the token verifier and the rate limits on sign-in and failures."""

    def __init__(self) -> None:
        self.verifier = TokenVerifier()
        self.logins = TokenBucket(capacity=10, period=60.0)  # sign-in and token creation attempts per address
        self.failures = TokenBucket(capacity=20, period=60.0)  # requests with a bad token per address
        self.accounts = Backoff()  # failed password sign-ins per account name, from any address
        self.reads_session: dict[int, bool] = {}  # route id -> whether it queries the request's session itself
        self.addresses = AddressBook()  # where each token is used from (keyed hashes of networks), for misuse checks


def guards(request: Request) -> Guards:
    return request.app.state.guards


GuardsDep = Annotated[Guards, Depends(guards)]


def client_address(request: Request) -> str:
    """The peer's address: uvicorn replaces it from X-Forwarded-For only for proxies in MUSEION_FORWARDED_ALLOW_IPS."""
    return request.client.host if request.client else "unknown"


def limit_logins(request: Request) -> None:
    """Spend one sign-in attempt for the caller's address, or refuse with 429."""
    if wait := guards(request).logins.take(client_address(request)):
        raise RateLimited(wait)


def _authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Annotated[str | None, Depends(session_cookie)],
    db: SessionDep,
) -> Principal:
    """The caller, from a bearer token or else a session cookie, read through the request's own database
    session, so a route that queries it too (``SessionDep``, ``ConnDep``, ``TxDep``) reuses the connection.
    A route that does not gets the connection back in the pool at once: holding it while the route opens
    another (the recommender reads through its own) exhausts the pool under load and deadlocks."""
    if credentials is not None:
        token, kind = credentials.credentials, API
    elif session:
        token, kind = session, SESSION
    else:
        raise Unauthenticated("sign in: send `Authorization: Bearer <token>` or use the session from /login")
    principal = guards(request).verifier.resolve(db.connection(), token, kind)
    if not _reads_session(request):
        db.rollback()  # nothing was written: this only ends the read and releases the connection
    if principal is None:
        if wait := guards(request).failures.take(client_address(request)):
            raise RateLimited(wait)
        raise Unauthenticated("the token or session is not valid (unknown, expired or revoked)")
    request.state.principal = principal  # for the access log and the page header
    guards(request).addresses.note(request.app.state.engine, request.app.state.home, token_id=principal.token_id,
                                   account_id=principal.account_id, address=client_address(request))
    return principal


def _reads_session(request: Request) -> bool:
    """Whether anything besides authentication uses the request's database session (cached per route)."""
    route = request.scope.get("route")
    cache: dict[int, bool] = guards(request).reads_session
    known = cache.get(id(route))
    if known is None:
        known, stack = False, list(getattr(getattr(route, "dependant", None), "dependencies", []))
        while stack and not known:
            dep = stack.pop()
            known = dep.call is get_session
            stack.extend(dep.dependencies if dep.call is not _authenticated else [])
        cache[id(route)] = known  # routes live as long as the app that holds these guards
    return known


async def current_principal(request: Request, principal: Annotated[Principal, Depends(_authenticated)]) -> Principal:
    """The authenticated caller; requests made with a session cookie must echo its CSRF token unless safe."""
    if principal.via == SESSION and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), (principal.csrf or "").encode()):
            raise Forbidden("the CSRF token is missing or wrong: reload the page and try again")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def _declared(kind: str, permission: Perm | None = None) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    def mark(check: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        check.museion_access = permission or kind  # type: ignore[attr-defined]
        return check
    return mark


def requires(permission: Perm, *, member: str | None = None) -> Any:
    """A dependency that lets the request through only if the caller's role holds ``permission``.

    ``member`` names the path or query parameter holding a member key: self-only roles (members) pass
    only when it names themselves (their stored key, or their ``SOURCE:ID`` as imported). Self-only roles never reach a route that names no member.
    """
    @_declared("permission", permission)
    async def check(request: Request, principal: PrincipalDep) -> Principal:
        if not allowed(principal.role, permission):
            raise Forbidden("the %(role)s role may not %(permission)s", role=principal.role, permission=permission.value,
                            roles=[r.value for r in Role if permission in MATRIX[r]])
        if principal.role in SELF_ONLY:
            requested = request.path_params.get(member) or request.query_params.get(member) if member else None
            if requested is None or principal.member_key is None or not refers_to(requested, principal.member_key):
                raise Forbidden("a member token gives access to that member's own data only")
        return principal

    return Depends(check)


def signed_in() -> Any:
    """Any valid principal, whatever its role (who am I, sign out)."""
    @_declared(SIGNED_IN)
    async def check(principal: PrincipalDep) -> Principal:
        return principal

    return Depends(check)


def visitor(request: Request, guards: Guards, conn: Connection) -> Principal | None:
    """Who is looking at a public page, if anyone: a valid bearer token or session is recognised (for the menu and
    the start page), anything else is an anonymous visitor. Refuses nothing."""
    credentials = request.headers.get("authorization", "")
    token, kind = (credentials[7:].strip(), API) if credentials.lower().startswith("bearer ") else (
        request.cookies.get(SESSION_COOKIE), SESSION)
    principal = guards.verifier.resolve(conn, token, kind) if token else None
    if principal is not None:
        request.state.principal = principal
    return principal


def public() -> Any:
    """Explicitly open to everyone: health, sign-in and the public disclosure page."""
    @_declared(PUBLIC)
    async def check() -> None:
        return None

    return Depends(check)


def declarations(route: Any) -> set[str]:
    """What ``route`` declared (permission values, ``public`` or ``signed-in``), found in its dependency tree."""
    found: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if (access := getattr(dep.call, "museion_access", None)) is not None:
            found.add(str(access))
        stack.extend(dep.dependencies)
    return found


def route_contexts(app: FastAPI) -> list[tuple[BaseRoute, Any]]:
    """(original route, route as served: full path, methods, effective dependencies) for every route."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept as branches: app.routes is already flat
        return [(route, route) for route in app.routes]
    return [(context.original_route, context) for context in iter_route_contexts(app.routes)]


def check_routes(app: FastAPI) -> None:
    """Refuse to build an app in which any route is reachable without a declared access rule."""
    for original, served in route_contexts(app):
        if isinstance(original, APIRoute):
            if not declarations(served):
                raise RuntimeError(f"route {sorted(served.methods)} {served.path} declares no access rule: "
                                   "add dependencies=[requires(Perm.…)] (or signed_in() / public())")
        elif served.path not in PUBLIC_FRAMEWORK_PATHS:
            raise RuntimeError(f"route {served.path} is not an APIRoute and not a known public framework path")
