"""Attacks on accounts (issue 21, items 6, 9, 11 and 12): reused ids after erasure, admins acting as members,
sign-in limits dodged through X-Forwarded-For or other addresses, and the last admin locking everyone out."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner

from helpers import SIGN_IN_PASSWORD, auth_headers, inspecting
from museion import audit
from museion.cli.main import app as cli
from museion.cli.serve import proxy_options
from museion.config import get_settings
from museion.errors import Conflict
from museion.http.ratelimit import Backoff
from museion.privacy.models import Member
from museion.security.auth import (
    TokenVerifier,
    account_id_for,
    delete_member_account,
    issue_member_token,
    member_account,
    update_account,
)
from museion.security.models import Account, Token


def _actions(engine: Engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn, inspecting():
        return [(e["action"], e["target"], e["details"] or {}) for e in audit.entries(conn, audit.AuditFilter(), limit=1000)]


# --- 6: ids are never reused --------------------------------------------------------------------

def test_ids_of_an_erased_member_their_account_and_token_are_never_reused(sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn, inspecting():
        issued = issue_member_token(conn, "demo:m2", actor="test")
        old_member = conn.scalar(select(Member.id).where(Member.key == "demo:m2"))
        assert delete_member_account(conn, old_member, actor="system") == issued.account_id
        conn.execute(delete(Member).where(Member.id == old_member))  # the newest ids are gone, as after an erasure
        conn.execute(Member.__table__.insert().values(key="demo:m9", source="demo", content_hash=b"\x01" * 16))
        new_member = conn.scalar(select(Member.id).where(Member.key == "demo:m9"))
        renewed = issue_member_token(conn, "demo:m9", actor="test")
    assert new_member > old_member
    assert renewed.account_id > issued.account_id and renewed.id > issued.id


def test_deleting_a_member_account_is_audited_with_its_tokens(sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn, inspecting():
        issued = issue_member_token(conn, "demo:m1", actor="test")
        member_id = conn.scalar(select(Account.member_id).where(Account.id == issued.account_id))
        delete_member_account(conn, member_id, actor="account:7")
        assert conn.scalar(select(Token.id).where(Token.account_id == issued.account_id)) is None
        assert delete_member_account(conn, member_id, actor="account:7") is None  # nothing left: nothing recorded
    deleted = [a for a in _actions(sample_catalogue) if a[0] == "account.delete"]
    assert deleted == [("account.delete", f"account:{issued.account_id}", {"reason": "member_erased", "tokens": 1})]


# --- 9: a token for a member is a staff act, and says so ---------------------------------------

def test_a_member_token_minted_by_staff_is_marked_and_audited(sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn, inspecting():
        issued = issue_member_token(conn, "demo:m1", actor="account:3")
        principal = TokenVerifier().resolve(conn, issued.token, "api")
    assert principal is not None and principal.issued_by == "account:3"
    assert principal.channel("self-service") == "staff:account:3"  # what the request ledger records, never self-service
    created = [a for a in _actions(sample_catalogue) if a[0] == "token.create"]
    assert created[-1][2]["for_member_by"] == "account:3"


def test_only_the_separate_permission_mints_member_tokens(client: TestClient, sample_catalogue: Engine) -> None:
    for role in ("privacy_officer", "curator", "auditor"):
        refused = client.post("/api/members/demo:m1/tokens", json={}, headers=auth_headers(sample_catalogue, role))
        assert refused.status_code == 403, role
    minted = client.post("/api/members/demo:m1/tokens", json={}, headers=auth_headers(sample_catalogue, "admin"))
    assert minted.status_code == 201
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {minted.json()['token']}"}).json()
    assert me["role"] == "member"


def test_a_members_own_account_token_is_not_marked(sample_catalogue: Engine) -> None:
    from museion.security.auth import issue_token

    with sample_catalogue.begin() as conn, inspecting():
        token = issue_token(conn, member_account(conn, "demo:m1", actor="test"), actor="test").token
        principal = TokenVerifier().resolve(conn, token, "api")
    assert principal is not None and principal.issued_by is None and principal.channel("self-service") == "self-service"


# --- 11: forwarded headers and per-account back-off ----------------------------------------------

def test_serve_trusts_no_forwarded_headers_unless_proxies_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    assert proxy_options() == {"proxy_headers": False, "forwarded_allow_ips": None}
    monkeypatch.setenv("MUSEION_FORWARDED_ALLOW_IPS", " 10.0.0.5 , 10.0.0.6")
    get_settings.cache_clear()
    assert proxy_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.0.0.6"}
    get_settings.cache_clear()


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client: TestClient) -> None:
    statuses = [client.post("/api/auth/login", json={"name": "alice", "password": "wrong password"},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(11)]
    assert statuses[-1] == 429  # every guess counted against the real peer, whatever the header said


def test_backoff_doubles_after_the_free_failures_and_resets_on_success() -> None:
    backoff = Backoff(free=2, first=10.0, cap=35.0)
    for _ in range(2):
        assert backoff.wait("alice") == 0.0
        backoff.failed("alice")
    assert 9.0 < backoff.wait("alice") <= 10.0 and backoff.wait("bob") == 0.0
    backoff.failed("alice")
    assert 19.0 < backoff.wait("alice") <= 20.0
    backoff.failed("alice")
    assert 34.0 < backoff.wait("alice") <= 35.0  # capped
    backoff.succeeded("alice")
    assert backoff.wait("alice") == 0.0


def test_an_account_under_attack_backs_off_whatever_the_address(app: FastAPI, client: TestClient) -> None:
    app.state.guards.accounts = Backoff(free=3, first=60.0)
    for _ in range(3):
        app.state.guards.logins = type(app.state.guards.logins)(capacity=10, period=60.0)  # a fresh address each time
        assert client.post("/api/auth/login", json={"name": "alice", "password": "wrong password"}).status_code == 401
    app.state.guards.logins = type(app.state.guards.logins)(capacity=10, period=60.0)
    held = client.post("/api/auth/login", json={"name": "alice", "password": SIGN_IN_PASSWORD})
    assert held.status_code == 429 and int(held.headers["retry-after"]) >= 1
    assert client.post("/api/auth/login", json={"name": "bob", "password": "wrong password"}).status_code == 401


# --- 12: the last admin -------------------------------------------------------------------------

def test_the_last_active_admin_cannot_disable_or_demote_themselves(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, "admin")
    me = client.get("/api/auth/me", headers=headers).json()["account_id"]
    for patch in ({"active": False}, {"role": "curator"}):
        refused = client.patch(f"/api/accounts/{me}", json=patch, headers=headers)
        assert refused.status_code == 409 and "last active admin" in refused.json()["detail"]
    other = client.post("/api/accounts", json={"name": "second-admin", "role": "admin"}, headers=headers).json()["id"]
    assert client.patch(f"/api/accounts/{me}", json={"role": "curator"}, headers=headers).status_code == 200
    with sample_catalogue.begin() as conn, inspecting(), pytest.raises(Conflict, match="last active admin"):
        update_account(conn, other, actor="test", active=False)


def test_the_cli_refuses_to_disable_the_last_admin(museion_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["users", "add", "root", "--role", "admin"]).exit_code == 0
    refused = runner.invoke(cli, ["users", "set", "root", "--disable"])
    assert refused.exit_code == 1 and "last active admin" in refused.output and "Traceback" not in refused.output
    from museion.store.engine import make_engine

    engine = make_engine(museion_env)
    with engine.connect() as conn, inspecting():
        assert conn.scalar(select(Account.active).where(Account.id == account_id_for(conn, "root")))
    engine.dispose()
