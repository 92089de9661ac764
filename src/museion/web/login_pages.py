"""The sign-in page (a name and password, or an API token) and signing out, for people using a browser."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from museion.http.authz import Forbidden, GuardsDep, limit_logins, public, signed_in
from museion.http.deps import EngineDep, TxDep
from museion.http.sessions import set_session_cookie, sign_in, sign_out
from museion.security.auth import AuthError, Principal, login_with_password, login_with_token
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "museion_login"


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no '//' host, no backslashes."""
    return target if re.fullmatch(r"/(?![/\\])[^\s\\]*", target) else "/"


def _login_page(request: Request, next_path: str, message: str | None = None) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(request, "login.html", {"next": _safe_next(next_path), "csrf": csrf,
                                                                  "message": message})
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, max_age=3600, path="/login", httponly=True,
                        secure=request.url.scheme == "https", samesite="strict")
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[public()])
def login_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login", response_model=None, dependencies=[public(), Depends(limit_logins)])
def login_submit(
    request: Request,
    engine: EngineDep,
    guards: GuardsDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    """Sign in with a name and password, or with an API token (how the demo's admin first signs in)."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        raise Forbidden("the sign-in form expired: reload the page and try again")
    try:
        issued = sign_in(engine, (lambda conn: login_with_token(conn, guards.verifier, token.strip())) if token
                         else (lambda conn: login_with_password(conn, name, password)),
                         backoff=None if token else guards.accounts, name=name)  # a name that keeps failing waits longer
    except AuthError as exc:
        return _login_page(request, next, str(exc))  # the form again, with the reason; a page, not an API refusal
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, issued)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_submit(principal: Annotated[Principal, signed_in()], conn: TxDep) -> Response:
    return sign_out(conn, principal, RedirectResponse("/login", status_code=303))
