"""Accounts, tokens, sessions and the demo's admin: hashed secrets, expiry, revocation, CSRF, rate limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update
from typer.testing import CliRunner

from helpers import SIGN_IN_PASSWORD, auth_headers, inspecting
from museion import audit
from museion.audit.models import AuditEntry
from museion.cli.main import app as cli
from museion.http import ratelimit
from museion.privacy.models import Member
from museion.security.auth import issue_token
from museion.security.models import Account, Token
from museion.server import create_app

TOKEN_RE = re.compile(r"mus_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")



def actions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn, inspecting():
        return [(e["actor"], e["action"], e["target"]) for e in audit.entries(conn, audit.AuditFilter(), limit=1000)]


def test_tokens_are_shown_once_and_stored_as_argon2_hashes(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, "analyst")
    created = client.post("/api/auth/tokens", json={"label": "notebook", "days": 7}, headers=headers)
    assert created.status_code == 201 and TOKEN_RE.fullmatch(created.json()["token"])
    secret = created.json()["token"]
    listed = client.get("/api/auth/tokens", headers=headers)
    assert listed.status_code == 200 and secret not in listed.text and secret.split("_", 2)[2] not in listed.text
    assert {t["label"] for t in listed.json()} == {"", "notebook"}
    with sample_catalogue.connect() as conn, inspecting():
        stored = conn.execute(select(Token.secret_hash, Token.public_id).where(Token.id == created.json()["id"])).one()
    assert stored.secret_hash.startswith("$argon2id$") and secret.split("_", 2)[2] not in stored.secret_hash
    assert secret.split("_")[1] == stored.public_id
    assert client.get("/api/works", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_revocation_and_expiry_take_effect_at_once(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, "curator")
    assert client.get("/api/works", headers=headers).status_code == 200  # verified once, now remembered
    token_id = client.get("/api/auth/tokens", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/auth/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get("/api/works", headers=headers).status_code == 401

    other = auth_headers(sample_catalogue, "curator")
    assert client.get("/api/works", headers=other).status_code == 200
    with sample_catalogue.begin() as conn, inspecting():
        conn.execute(update(Token).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    assert client.get("/api/works", headers=other).status_code == 401


def test_a_wrong_secret_with_a_real_public_id_is_refused(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, "curator")
    assert client.get("/api/works", headers=headers).status_code == 200
    public_id = headers["Authorization"].split("_")[1]
    forged = {"Authorization": f"Bearer mus_{public_id}_{'A' * 43}"}
    assert client.get("/api/works", headers=forged).status_code == 401
    assert client.get("/api/works", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/api/works", headers={"Authorization": "Basic YWxpY2U6cHc="}).status_code == 401


def test_others_tokens_cannot_be_revoked_through_the_own_tokens_route(client: TestClient, sample_catalogue: Engine) -> None:
    victim = auth_headers(sample_catalogue, "auditor")
    victim_token = client.get("/api/auth/tokens", headers=victim).json()[0]["id"]
    attacker = auth_headers(sample_catalogue, "analyst")
    assert client.delete(f"/api/auth/tokens/{victim_token}", headers=attacker).status_code == 404
    assert client.get("/api/audit", headers=victim).status_code == 200


def test_session_cookie_flags_and_csrf(client: TestClient, sample_catalogue: Engine) -> None:
    response = client.post("/api/auth/login", json={"name": "alice", "password": SIGN_IN_PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    csrf = response.json()["csrf_token"]
    assert client.get("/api/auth/me").json()["via"] == "session"
    refused = client.post("/api/auth/tokens", json={})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.post("/api/auth/tokens", json={}, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.post("/api/auth/tokens", json={}, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401

    secure = client.post("https://testserver/api/auth/login", json={"name": "alice", "password": SIGN_IN_PASSWORD})
    assert "Secure" in secure.headers["set-cookie"]


def test_wrong_passwords_are_refused_alike_and_audited_without_names(client: TestClient, sample_catalogue: Engine) -> None:
    for body in ({"name": "alice", "password": "wrong password"}, {"name": "nobody", "password": SIGN_IN_PASSWORD}):
        response = client.post("/api/auth/login", json=body)
        assert response.status_code == 401 and response.json()["detail"] == "wrong name or password"
    failed = [a for a in actions(sample_catalogue) if a[1] == "auth.login_failed"]
    assert len(failed) == 2 and all(t.startswith("name:h") for _, _, t in failed)
    assert not any("alice" in str(a) or "nobody" in str(a) for a in actions(sample_catalogue))


def test_sign_in_is_rate_limited(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: 1000.0)  # no refill between attempts, however slow the machine
    statuses = [client.post("/api/auth/login", json={"name": "alice", "password": "wrong password"}).status_code
                for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    limited = client.post("/api/auth/login", json={"name": "alice", "password": SIGN_IN_PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"].startswith("application/problem+json")


def test_guessing_tokens_is_rate_limited(client: TestClient) -> None:
    statuses = {client.get("/api/works", headers={"Authorization": f"Bearer mus_{i:012x}_{'a' * 43}"}).status_code
                for i in range(25)}
    assert statuses == {401, 429}


def test_web_sign_in_and_out(client: TestClient) -> None:
    page = client.get("/login", params={"next": "/works/1"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert "museion_login" in page.headers["set-cookie"]
    assert client.post("/login", data={"csrf_token": "forged", "name": "alice", "password": SIGN_IN_PASSWORD}).status_code == 403
    failed = client.post("/login", data={"csrf_token": csrf, "name": "alice", "password": "wrong"})
    assert failed.status_code == 200 and "wrong name or password" in failed.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', failed.text).group(1)  # type: ignore[union-attr]  # a fresh form
    signed_in = client.post("/login", data={"csrf_token": csrf, "name": "alice", "password": SIGN_IN_PASSWORD, "next": "/works/1"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/works/1"
    work = client.get("/works/1")
    assert work.status_code == 200 and 'action="/logout"' in work.text
    session_csrf = re.search(r'name="csrf_token" value="([^"]+)"', work.text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": session_csrf}).headers["location"] == "/login"
    assert client.get("/works/1").status_code == 303  # the session is over


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client: TestClient, target: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"csrf_token": csrf, "name": "alice", "password": SIGN_IN_PASSWORD, "next": target})
    assert response.headers["location"] == "/"


def test_disabling_an_account_ends_its_tokens_and_sessions(client: TestClient, sample_catalogue: Engine) -> None:
    admin = auth_headers(sample_catalogue, "admin")
    user = auth_headers(sample_catalogue, "curator")
    me = client.get("/api/auth/me", headers=user).json()
    short = client.post("/api/accounts", json={"name": "bob", "role": "analyst", "password": "short"}, headers=admin)
    assert short.status_code == 422
    assert client.patch(f"/api/accounts/{me['account_id']}", json={"active": False}, headers=admin).json()["active"] is False
    assert client.get("/api/works", headers=user).status_code == 401
    assert client.patch(f"/api/accounts/{me['account_id']}", json={"role": "superuser"}, headers=admin).status_code == 422


def test_admin_issues_member_tokens_scoped_to_one_member(client: TestClient, sample_catalogue: Engine) -> None:
    admin = auth_headers(sample_catalogue, "admin")
    issued = client.post("/api/members/demo:m1/tokens", json={"label": "self-service"}, headers=admin)
    assert issued.status_code == 201
    member = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get("/api/members/demo:m1/consents", headers=member).status_code == 200
    assert client.get("/api/members/demo:m2/consents", headers=member).status_code == 403
    assert client.post("/api/members/demo:nobody/tokens", json={}, headers=admin).status_code == 404


def test_erasing_a_member_removes_its_account_and_keeps_the_chain_valid(sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn, inspecting():
        from museion.security.auth import member_account

        before = conn.scalar(select(func.count()).select_from(AuditEntry))  # the sample's imports are audited too
        account_id = member_account(conn, "demo:m1", actor="test")
        issue_token(conn, account_id, actor="test")
        conn.execute(delete(Member).where(Member.key == "demo:m1"))
    with sample_catalogue.connect() as conn, inspecting():
        assert conn.scalar(select(func.count()).select_from(Account).where(Account.id == account_id)) == 0
        assert conn.scalar(select(func.count()).select_from(Token).where(Token.account_id == account_id)) == 0
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == before + 2 and audit.verify(conn).ok


# --- the command line and the demo -------------------------------------------------------------

def test_users_and_tokens_commands(museion_env: str, sample_catalogue: Engine) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "add", "carol", "--role", "auditor", "--password"], input=f"{SIGN_IN_PASSWORD}\n{SIGN_IN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["users", "add", "dave", "--role", "wizard"]).exit_code == 1
    created = runner.invoke(cli, ["tokens", "create", "--user", "carol", "--label", "laptop", "--days", "30"])
    token = TOKEN_RE.search(created.output).group(0)  # type: ignore[union-attr]
    assert created.exit_code == 0 and "shown once" in created.output
    listed = runner.invoke(cli, ["tokens", "list", "--user", "carol", "--json"])
    assert token not in listed.output and '"label": "laptop"' in listed.output
    with TestClient(create_app(sample_catalogue)) as client:
        assert client.get("/api/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        token_id = client.get("/api/auth/tokens", headers={"Authorization": f"Bearer {token}"}).json()[0]["id"]
        assert runner.invoke(cli, ["tokens", "revoke", str(token_id)]).exit_code == 0
        assert client.get("/api/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    member = runner.invoke(cli, ["tokens", "create", "--member", "demo:m2"])
    assert member.exit_code == 0 and TOKEN_RE.search(member.output)
    assert runner.invoke(cli, ["tokens", "create"]).exit_code == 1
    assert runner.invoke(cli, ["users", "set", "carol", "--disable"]).exit_code == 0
    assert '"active": false' in runner.invoke(cli, ["users", "list", "--json"]).output
    assert [a for _, a, _ in actions(sample_catalogue) if a != "data.import"] == [
        "account.create", "token.create", "token.revoke", "account.create", "token.create", "account.update"]


def test_demo_creates_an_admin_and_prints_its_token_once(museion_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from museion.config import get_settings

    monkeypatch.setenv("MUSEION_DATASETS_DIR", str(tmp_path / "no-datasets"))
    get_settings.cache_clear()
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    tokens = TOKEN_RE.findall(first.output)
    assert len(tokens) == 1
    second = runner.invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0 and not TOKEN_RE.search(second.output) and "--new-admin-token" in second.output
    third = runner.invoke(cli, ["demo", "--no-serve", "--new-admin-token"])
    assert len(TOKEN_RE.findall(third.output)) == 1 and TOKEN_RE.findall(third.output) != tokens
    from museion.store.session import engine_for

    with TestClient(create_app(engine_for(museion_env))) as client:
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    assert me["name"] == "admin" and me["role"] == "admin"
