"""Signing in and out, tokens, accounts and the audit log — as API endpoints and as the web sign-in page."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import Connection, Engine

from museion.api.authz import SESSION_COOKIE, Forbidden, limit_logins, public, requires, signed_in
from museion.errors import NotFound
from museion.security import audit
from museion.security.auth import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    MIN_PASSWORD,
    SESSION,
    SESSION_LIFETIME,
    AuthError,
    IssuedToken,
    Principal,
    create_account,
    issue_token,
    list_accounts,
    list_tokens,
    login_with_password,
    login_with_token,
    member_account,
    revoke_token,
    update_account,
)
from museion.security.permissions import MATRIX, Perm, Role
from museion.web.pages import templates

router = APIRouter(prefix="/api", tags=["security"])
pages = APIRouter(include_in_schema=False)
StaffRole = StrEnum("StaffRole", {r.value: r.value for r in Role if r is not Role.MEMBER})  # type: ignore[misc]
LOGIN_CSRF_COOKIE = "museion_login"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Id = Annotated[int, Path(ge=1, le=2**62)]


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


# --- shapes ------------------------------------------------------------------------------------

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    name: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    account_id: int
    name: str
    role: str
    csrf_token: str = Field(description="Send as X-CSRF-Token with every POST, PATCH or DELETE made with the session cookie.")
    expires_at: datetime


class MeOut(BaseModel):
    account_id: int
    name: str
    role: str
    via: str = Field(description="api (a bearer token) or session (the browser cookie).")
    permissions: list[str]


class TokenIn(Strict):
    label: str = Field("", max_length=128, pattern=PRINTABLE, description="What the token is for.")
    days: int = Field(DEFAULT_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, description="Days until it expires.")


class TokenIssuedOut(BaseModel):
    id: int
    account_id: int
    token: str = Field(description="The secret. It is shown now and never again: store it safely.")
    expires_at: datetime


class TokenOut(BaseModel):
    id: int
    public_id: str
    account_id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class AccountIn(Strict):
    name: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_.-]{1,63}$")
    role: StaffRole  # type: ignore[valid-type]
    password: SecretStr | None = Field(None, min_length=MIN_PASSWORD, max_length=1024,
                                       description="Optional: accounts without one sign in with tokens only.")


class AccountPatch(Strict):
    role: StaffRole | None = None  # type: ignore[valid-type]
    active: bool | None = None
    password: SecretStr | None = Field(None, min_length=MIN_PASSWORD, max_length=1024)


class AccountOut(BaseModel):
    id: int
    name: str
    role: str
    active: bool
    has_password: bool
    created_at: datetime


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_after_seq: int | None = Field(description="Pass as after_seq for the next page; null at the end.")


class AuditProblemOut(BaseModel):
    seq: int
    kind: str
    message: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    last_seq: int
    checkpoints: int
    first_bad_seq: int | None
    seconds: float
    problems: list[AuditProblemOut]


# --- sessions ----------------------------------------------------------------------------------

def _set_session(request: Request, response: Response, issued: IssuedToken) -> None:
    response.set_cookie(SESSION_COOKIE, issued.token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, secure=request.url.scheme == "https", samesite="lax")


def _sign_in(request: Request, attempt: Callable[[Connection], IssuedToken]) -> IssuedToken:
    """Run a sign-in attempt in a transaction that commits even when it is refused, so the refusal stays audited."""
    with engine_of(request).begin() as conn:
        try:
            return attempt(conn)
        except AuthError as exc:
            failure = exc
    raise failure


@router.post("/auth/login", response_model=SessionOut, summary="Sign in with a name and password (sets the session cookie)",
             dependencies=[public(), Depends(limit_logins)])
def api_login(request: Request, response: Response, body: LoginIn) -> SessionOut:
    issued = _sign_in(request, lambda conn: login_with_password(conn, body.name, body.password.get_secret_value()))
    _set_session(request, response, issued)
    with engine_of(request).connect() as conn:  # resolving now also spares the next request the argon2 check
        session = request.app.state.guards.verifier.resolve(conn, issued.token, SESSION)
    return SessionOut(account_id=session.account_id, name=session.name, role=session.role, csrf_token=session.csrf,
                      expires_at=issued.expires_at)


def _sign_out(request: Request, principal: Principal, response: Response) -> Response:
    """End the session (or revoke the token) the request came with, and drop the cookie."""
    with engine_of(request).begin() as conn:
        revoke_token(conn, principal.token_id, actor=principal.actor)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/auth/logout", status_code=204, summary="End this session, or revoke the token used for this request")
def api_logout(request: Request, principal: Annotated[Principal, signed_in()]) -> Response:
    return _sign_out(request, principal, Response(status_code=204))


@router.get("/auth/me", response_model=MeOut, summary="Who the credentials belong to and what they may do")
def me(principal: Annotated[Principal, signed_in()]) -> MeOut:
    return MeOut(account_id=principal.account_id, name=principal.name, role=principal.role, via=principal.via,
                 permissions=sorted(p.value for p in MATRIX.get(Role(principal.role), ())))


# --- tokens ------------------------------------------------------------------------------------

def _issued(issued: IssuedToken) -> TokenIssuedOut:
    return TokenIssuedOut(id=issued.id, account_id=issued.account_id, token=issued.token, expires_at=issued.expires_at)


@router.get("/auth/tokens", response_model=list[TokenOut], summary="Your API tokens (never their secrets)")
def my_tokens(request: Request, principal: Annotated[Principal, requires(Perm.TOKENS_OWN)]) -> list[TokenOut]:
    with engine_of(request).connect() as conn:
        return [TokenOut(**t) for t in list_tokens(conn, principal.account_id)]


@router.post("/auth/tokens", response_model=TokenIssuedOut, status_code=201, summary="Create an API token for yourself",
             dependencies=[Depends(limit_logins)])
def create_my_token(request: Request, body: TokenIn, principal: Annotated[Principal, requires(Perm.TOKENS_OWN)]) -> TokenIssuedOut:
    with engine_of(request).begin() as conn:
        return _issued(issue_token(conn, principal.account_id, actor=principal.actor, label=body.label, days=body.days))


@router.delete("/auth/tokens/{token_id}", status_code=204, summary="Revoke one of your tokens")
def revoke_my_token(request: Request, token_id: Id, principal: Annotated[Principal, requires(Perm.TOKENS_OWN)]) -> Response:
    with engine_of(request).begin() as conn:
        revoke_token(conn, token_id, actor=principal.actor, owner=principal.account_id)
    return Response(status_code=204)


# --- accounts ----------------------------------------------------------------------------------

def _account(request: Request, account_id: int) -> AccountOut:
    with engine_of(request).connect() as conn:
        rows = list_accounts(conn, account_id)
    if not rows:
        raise NotFound(f"no account with id {account_id}")
    return AccountOut(**rows[0])


@router.get("/accounts", response_model=list[AccountOut], summary="Every account", dependencies=[requires(Perm.ACCOUNTS_MANAGE)])
def accounts(request: Request) -> list[AccountOut]:
    with engine_of(request).connect() as conn:
        return [AccountOut(**row) for row in list_accounts(conn)]


@router.post("/accounts", response_model=AccountOut, status_code=201, summary="Create a staff account")
def add_account(request: Request, body: AccountIn, principal: Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]) -> AccountOut:
    with engine_of(request).begin() as conn:
        account_id = create_account(conn, body.name, body.role.value, actor=principal.actor,
                                    password=body.password.get_secret_value() if body.password else None)
    return _account(request, account_id)


@router.patch("/accounts/{account_id}", response_model=AccountOut, summary="Change a role, a password, or disable an account")
def change_account(request: Request, account_id: Id, body: AccountPatch,
                   principal: Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]) -> AccountOut:
    with engine_of(request).begin() as conn:
        update_account(conn, account_id, actor=principal.actor, role=body.role.value if body.role else None, active=body.active,
                       password=body.password.get_secret_value() if body.password else None)
    return _account(request, account_id)


@router.get("/accounts/{account_id}/tokens", response_model=list[TokenOut], summary="An account's API tokens",
            dependencies=[requires(Perm.ACCOUNTS_MANAGE)])
def account_tokens(request: Request, account_id: Id) -> list[TokenOut]:
    with engine_of(request).connect() as conn:
        return [TokenOut(**t) for t in list_tokens(conn, account_id)]


@router.post("/accounts/{account_id}/tokens", response_model=TokenIssuedOut, status_code=201,
             summary="Create an API token for a staff account")
def create_account_token(request: Request, account_id: Id, body: TokenIn,
                         principal: Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]) -> TokenIssuedOut:
    with engine_of(request).begin() as conn:
        return _issued(issue_token(conn, account_id, actor=principal.actor, label=body.label, days=body.days))


@router.delete("/accounts/{account_id}/tokens/{token_id}", status_code=204, summary="Revoke an account's token")
def revoke_account_token(request: Request, account_id: Id, token_id: Id,
                         principal: Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]) -> Response:
    with engine_of(request).begin() as conn:
        revoke_token(conn, token_id, actor=principal.actor, owner=account_id)
    return Response(status_code=204)


@router.post("/members/{member}/tokens", response_model=TokenIssuedOut, status_code=201,
             summary="Create a self-service token that reads this member's own data only")
def create_member_token(request: Request, body: TokenIn,
                        member: Annotated[str, Path(min_length=1, max_length=255, description="The member's pseudonymous key.")],
                        principal: Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]) -> TokenIssuedOut:
    with engine_of(request).begin() as conn:
        account_id = member_account(conn, member, actor=principal.actor)
        return _issued(issue_token(conn, account_id, actor=principal.actor, label=body.label, days=body.days))


# --- audit -------------------------------------------------------------------------------------

Ident = r"^[A-Za-z0-9_.:/#=-]*$"


@router.get("/audit", response_model=AuditPage, summary="Audit entries, oldest first, with filters",
            dependencies=[requires(Perm.AUDIT_READ)])
def audit_log(
    request: Request,
    actor: Annotated[str | None, Query(max_length=128, pattern=Ident, examples=["account:1"])] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=Ident,
                                        description="An action, or a prefix ending in '.' (e.g. token.).")] = None,
    target: Annotated[str | None, Query(max_length=256, pattern=Ident)] = None,
    since: Annotated[datetime | None, Query(description="Entries at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Entries before this time.")] = None,
    after_seq: Annotated[int, Query(ge=0, le=2**62, description="Entries after this sequence number.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    f = audit.AuditFilter(actor=actor, action=action, target=target, since=since, until=until, after_seq=after_seq)
    with engine_of(request).connect() as conn:
        items = audit.entries(conn, f, limit)
    return AuditPage(items=[AuditEntryOut(**e) for e in items], next_after_seq=items[-1]["seq"] if len(items) == limit else None)


@router.get("/audit/verify", response_model=VerifyOut, summary="Check the whole chain; names the first bad entry",
            dependencies=[requires(Perm.AUDIT_READ)])
def audit_verify(request: Request) -> VerifyOut:
    with engine_of(request).connect() as conn:
        return VerifyOut.model_validate(audit.verify(conn).as_dict())


# --- the web sign-in page ----------------------------------------------------------------------

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


@pages.get("/login", response_class=HTMLResponse, dependencies=[public()])
def login_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> HTMLResponse:
    return _login_page(request, next)


@pages.post("/login", response_model=None, dependencies=[public(), Depends(limit_logins)])
def login_submit(
    request: Request,
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
    verifier = request.app.state.guards.verifier
    try:
        issued = _sign_in(request, (lambda conn: login_with_token(conn, verifier, token.strip())) if token
                          else (lambda conn: login_with_password(conn, name, password)))
    except AuthError as exc:
        return _login_page(request, next, str(exc))  # the form again, with the reason; a page, not an API refusal
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session(request, response, issued)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@pages.post("/logout")
def logout_submit(request: Request, principal: Annotated[Principal, signed_in()]) -> Response:
    return _sign_out(request, principal, RedirectResponse("/login", status_code=303))
