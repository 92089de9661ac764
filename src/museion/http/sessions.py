"""Browser sessions, shared by the sign-in API and the sign-in page: an attempt that stays audited when it is
refused, the session cookie set on success, and signing out (the session ended, the cookie dropped)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from sqlalchemy import Connection, Engine

from museion.http.authz import SESSION_COOKIE, RateLimited
from museion.http.ratelimit import Backoff
from museion.security.auth import SESSION_LIFETIME, AuthError, IssuedToken, Principal, revoke_token


def sign_in(engine: Engine, attempt: Callable[[Connection], IssuedToken], *, backoff: Backoff | None = None,
            name: str | None = None) -> IssuedToken:
    """Run a sign-in attempt in its own transaction, which commits even when it is refused, so the refusal stays audited.
    With ``backoff`` and the account ``name``, an account that keeps failing is refused for longer each time (429)."""
    if backoff is not None and name is not None and (wait := backoff.wait(name)):
        raise RateLimited(wait)
    with engine.begin() as conn:
        try:
            issued = attempt(conn)
        except AuthError as exc:
            failure = exc
        else:
            if backoff is not None and name is not None:
                backoff.succeeded(name)
            return issued
    if backoff is not None and name is not None:
        backoff.failed(name)
    raise failure


def set_session_cookie(request: Request, response: Response, issued: IssuedToken) -> None:
    response.set_cookie(SESSION_COOKIE, issued.token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, secure=request.url.scheme == "https", samesite="lax")


def sign_out(conn: Connection, principal: Principal, response: Response) -> Response:
    """End the session (or revoke the token) the request came with, and drop the cookie."""
    revoke_token(conn, principal.token_id, actor=principal.actor)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
