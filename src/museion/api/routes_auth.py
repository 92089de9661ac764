"""Signing in and out over the API, who the caller is, and the caller's own API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from museion.http.authz import GuardsDep, limit_logins, public, requires, signed_in
from museion.http.deps import ConnDep, EngineDep, TxDep
from museion.http.sessions import set_session_cookie, sign_in, sign_out
from museion.security.auth import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    SESSION,
    IssuedToken,
    Principal,
    issue_token,
    list_tokens,
    login_with_password,
    revoke_token,
)
from museion.security.permissions import MATRIX, Perm, Role

router = APIRouter(prefix="/api", tags=["security"])
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Id = Annotated[int, Path(ge=1, le=2**62)]


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

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenIssuedOut:
        return cls(id=issued.id, account_id=issued.account_id, token=issued.token, expires_at=issued.expires_at)


class TokenOut(BaseModel):
    id: int
    public_id: str
    account_id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


# --- sessions ----------------------------------------------------------------------------------

@router.post("/auth/login", response_model=SessionOut, summary="Sign in with a name and password (sets the session cookie)",
             dependencies=[public(), Depends(limit_logins)])
def api_login(request: Request, response: Response, body: LoginIn, engine: EngineDep, guards: GuardsDep) -> SessionOut:
    issued = sign_in(engine, lambda conn: login_with_password(conn, body.name, body.password.get_secret_value()),
                     backoff=guards.accounts, name=body.name)
    set_session_cookie(request, response, issued)
    with engine.connect() as conn:  # resolving now also spares the next request the argon2 check
        session = guards.verifier.resolve(conn, issued.token, SESSION)
    return SessionOut(account_id=session.account_id, name=session.name, role=session.role, csrf_token=session.csrf,
                      expires_at=issued.expires_at)


@router.post("/auth/logout", status_code=204, summary="End this session, or revoke the token used for this request")
def api_logout(principal: Annotated[Principal, signed_in()], conn: TxDep) -> Response:
    return sign_out(conn, principal, Response(status_code=204))


@router.get("/auth/me", response_model=MeOut, summary="Who the credentials belong to and what they may do")
def me(principal: Annotated[Principal, signed_in()]) -> MeOut:
    return MeOut(account_id=principal.account_id, name=principal.name, role=principal.role, via=principal.via,
                 permissions=sorted(p.value for p in MATRIX.get(Role(principal.role), ())))


# --- the caller's own tokens -------------------------------------------------------------------

@router.get("/auth/tokens", response_model=list[TokenOut], summary="Your API tokens (never their secrets)")
def my_tokens(principal: Annotated[Principal, requires(Perm.TOKENS_OWN)], conn: ConnDep) -> list[TokenOut]:
    return [TokenOut(**t) for t in list_tokens(conn, principal.account_id)]


@router.post("/auth/tokens", response_model=TokenIssuedOut, status_code=201, summary="Create an API token for yourself",
             dependencies=[Depends(limit_logins)])
def create_my_token(body: TokenIn, principal: Annotated[Principal, requires(Perm.TOKENS_OWN)], conn: TxDep) -> TokenIssuedOut:
    return TokenIssuedOut.of(issue_token(conn, principal.account_id, actor=principal.actor, label=body.label, days=body.days))


@router.delete("/auth/tokens/{token_id}", status_code=204, summary="Revoke one of your tokens")
def revoke_my_token(token_id: Id, principal: Annotated[Principal, requires(Perm.TOKENS_OWN)], conn: TxDep) -> Response:
    revoke_token(conn, token_id, actor=principal.actor, owner=principal.account_id)
    return Response(status_code=204)
