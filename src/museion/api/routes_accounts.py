"""Staff accounts and their API tokens, and self-service tokens for members (the account manager's work)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import Connection

from museion.api.routes_auth import Id, TokenIn, TokenIssuedOut, TokenOut
from museion.errors import NotFound
from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.security.auth import (
    MIN_PASSWORD,
    Principal,
    create_account,
    issue_member_token,
    issue_token,
    list_accounts,
    list_tokens,
    revoke_token,
    update_account,
)
from museion.security.permissions import Perm, Role

router = APIRouter(prefix="/api", tags=["security"])
StaffRole = StrEnum("StaffRole", {r.value: r.value for r in Role if r is not Role.MEMBER})  # type: ignore[misc]
AccountManager = Annotated[Principal, requires(Perm.ACCOUNTS_MANAGE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def _account(conn: Connection, account_id: int) -> AccountOut:
    rows = list_accounts(conn, account_id)
    if not rows:
        raise NotFound(f"no account with id {account_id}")
    return AccountOut(**rows[0])


@router.get("/accounts", response_model=list[AccountOut], summary="Every account", dependencies=[requires(Perm.ACCOUNTS_MANAGE)])
def accounts(conn: ConnDep) -> list[AccountOut]:
    return [AccountOut(**row) for row in list_accounts(conn)]


@router.post("/accounts", response_model=AccountOut, status_code=201, summary="Create a staff account")
def add_account(body: AccountIn, principal: AccountManager, conn: TxDep) -> AccountOut:
    account_id = create_account(conn, body.name, body.role.value, actor=principal.actor,
                                password=body.password.get_secret_value() if body.password else None)
    return _account(conn, account_id)


@router.patch("/accounts/{account_id}", response_model=AccountOut, summary="Change a role, a password, or disable an account")
def change_account(account_id: Id, body: AccountPatch, principal: AccountManager, conn: TxDep) -> AccountOut:
    update_account(conn, account_id, actor=principal.actor, role=body.role.value if body.role else None, active=body.active,
                   password=body.password.get_secret_value() if body.password else None)
    return _account(conn, account_id)


@router.get("/accounts/{account_id}/tokens", response_model=list[TokenOut], summary="An account's API tokens",
            dependencies=[requires(Perm.ACCOUNTS_MANAGE)])
def account_tokens(account_id: Id, conn: ConnDep) -> list[TokenOut]:
    return [TokenOut(**t) for t in list_tokens(conn, account_id)]


@router.post("/accounts/{account_id}/tokens", response_model=TokenIssuedOut, status_code=201,
             summary="Create an API token for a staff account")
def create_account_token(account_id: Id, body: TokenIn, principal: AccountManager, conn: TxDep) -> TokenIssuedOut:
    return TokenIssuedOut.of(issue_token(conn, account_id, actor=principal.actor, label=body.label, days=body.days))


@router.delete("/accounts/{account_id}/tokens/{token_id}", status_code=204, summary="Revoke an account's token")
def revoke_account_token(account_id: Id, token_id: Id, principal: AccountManager, conn: TxDep) -> Response:
    revoke_token(conn, token_id, actor=principal.actor, owner=account_id)
    return Response(status_code=204)


@router.post("/members/{member}/tokens", response_model=TokenIssuedOut, status_code=201,
             summary="Create a token that acts for this member (their own data only); requests made with it are "
                     "recorded as made by you on their behalf")
def create_member_token(body: TokenIn,
                        member: Annotated[str, Path(min_length=1, max_length=255, description="The member's pseudonymous key.")],
                        principal: Annotated[Principal, requires(Perm.TOKENS_FOR_MEMBER)], conn: TxDep) -> TokenIssuedOut:
    return TokenIssuedOut.of(issue_member_token(conn, member, actor=principal.actor, label=body.label, days=body.days))
