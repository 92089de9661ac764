"""The hardened shell: headers, size limits, errors without traces, logs without secrets, and injection
attempts (SQL, template, path traversal, CSV formula) against every text input of the API and the pages."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers, counts, role_for
from museion.api.app import create_app
from museion.api.hardening import MAX_BODY_BYTES, JsonFormatter
from museion.api.ratelimit import TokenBucket
from museion.security import audit
from museion.security.auth import create_account
from museion.security.permissions import Role

PAYLOADS = [
    "' OR '1'='1", "1; DROP TABLE works; --", '" OR 1=1 --', "%' UNION SELECT name FROM accounts --",  # SQL
    "{{7*7}}", "{% for x in range(3) %}x{% endfor %}", "${7*7}", "<script>alert(1)</script>",  # template / markup
    "../../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "/etc/passwd",  # path traversal
    '=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",  # CSV formula
    "a\x00b", "é" * 300,  # a NUL byte, and over-long text
]


@pytest.fixture
def app(sample_catalogue: Engine) -> FastAPI:
    app = create_app(sample_catalogue)
    app.state.guards.logins = TokenBucket(capacity=100_000, period=1.0)
    return app


@pytest.fixture
def client(app: FastAPI, sample_catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, headers=auth_headers(sample_catalogue, "admin")) as c:
        yield c


# --- headers, limits, errors -------------------------------------------------------------------

def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    for path in ("/api/works", "/", "/healthz", "/no/such/page", "/login"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'self'" in headers["content-security-policy"] and "cdn" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]  # Swagger UI's scripts only
    assert "strict-transport-security" in client.get("https://testserver/healthz").headers


def test_request_bodies_are_limited(client: TestClient) -> None:
    big = b'{"label": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.post("/api/auth/tokens", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"].startswith("application/problem+json")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while the body streams in
        yield b'{"label": "'
        for _ in range(20):
            yield b"x" * (MAX_BODY_BYTES // 16)
        yield b'"}'

    response = client.post("/api/auth/tokens", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["title"] == "Content Too Large"


def test_unexpected_errors_say_nothing_about_the_inside(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    from museion.catalog import queries

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail about member demo:m1")

    monkeypatch.setattr(queries, "list_works", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/works")
    assert response.status_code == 500 and response.headers["content-type"].startswith("application/problem+json")
    assert "secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "RuntimeError" in logged and "secret internal detail" not in logged and "demo:m1" not in logged


# --- logs --------------------------------------------------------------------------------------

def test_json_logs_carry_no_secrets_or_personal_data(app: FastAPI, sample_catalogue: Engine,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    password, member = "a very private passphrase", "demo:m1"
    with sample_catalogue.begin() as conn:
        create_account(conn, "logger-test", "privacy_officer", actor="test", password=password)
    member_token = auth_headers(sample_catalogue, member=member)
    with caplog.at_level(logging.INFO, logger="museion"), TestClient(app, raise_server_exceptions=False) as client:
        session = client.post("/api/auth/login", json={"name": "logger-test", "password": password})
        cookie = session.cookies.get("museion_session")
        client.post("/api/auth/login", json={"name": "logger-test", "password": "wrong " + password})
        client.get(f"/api/members/{member}/consents")
        client.get(f"/api/members/{member}/recommendations", headers=member_token, params={"k": 3})
        client.get("/recommendations", params={"member": member})
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert len(lines) >= 5 and all(json.loads(line)["logger"].startswith("museion") for line in lines)
    text = "\n".join(lines)
    secrets = [password, cookie, member_token["Authorization"].split()[1], member, "logger-test"]
    assert not [s for s in secrets if s and s in text]
    assert '"route": "/api/members/{member}/consents"' in text and '"actor": "account:' in text


# --- injection ---------------------------------------------------------------------------------

def _string_fields(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Property name -> a valid value for every property of a JSON body schema; strings are marked None."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kinds = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
        ref = prop.get("$ref") or next((p["$ref"] for p in prop.get("anyOf", []) if "$ref" in p), None)
        if ref:
            enum = spec["components"]["schemas"][ref.rsplit("/", 1)[1]].get("enum")
            out[name] = enum[0] if enum else None
        elif "string" in kinds:
            out[name] = None
        elif "boolean" in kinds:
            out[name] = True
        elif "integer" in kinds:
            out[name] = prop.get("minimum", 1)
    return out


def injection_requests(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(method, path, request kwargs, role) with one text input set to each payload, for every text input."""
    spec = app.openapi()
    path_values = {"work_id": "1", "creator_id": "1", "member": "demo:m1", "token_id": "1", "account_id": "1"}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            role = role_for(app, method, path)
            params = op.get("parameters", [])
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = _string_fields(spec, body_schema) if body_schema else None
            texts = [("param", p) for p in params
                     if "string" in {p["schema"].get("type")} | {s.get("type") for s in p["schema"].get("anyOf", [])}]
            texts += [("body", name) for name, value in (body or {}).items() if value is None]
            for where, field in texts:
                for payload in PAYLOADS:
                    url, query = path, {}
                    for p in params:
                        value = payload if where == "param" and p is field else path_values.get(p["name"])
                        if p["in"] == "path":
                            url = url.replace("{" + p["name"] + "}", quote(str(value), safe=":"))
                        elif value is not None:
                            query[p["name"]] = value
                    json_body = None if body is None else {
                        k: (payload if where == "body" and k == field else ("x" * 12 if v is None else v)) for k, v in body.items()}
                    yield method.upper(), url, {"params": query, "json": json_body}, role


PAGE_INPUTS = [("/", "q"), ("/", "kind"), ("/", "genre"), ("/recommendations", "member"), ("/login", "next")]


@pytest.mark.usefixtures("cheap_argon2")
def test_injection_attempts_against_every_text_input(app: FastAPI, sample_catalogue: Engine) -> None:
    before = counts(sample_catalogue)
    tokens = {r.value: auth_headers(sample_catalogue, r.value) for r in (Role.ADMIN, Role.PRIVACY_OFFICER, Role.AUDITOR)}
    tried = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, url, kwargs, role in injection_requests(app):
            response = client.request(method, url, headers=tokens[role], **{k: v for k, v in kwargs.items() if v is not None})
            assert response.status_code != 500, (method, url, kwargs, response.text)
            assert "root:x:0:0" not in response.text
            tried += 1
        for path, field in PAGE_INPUTS:
            for payload in PAYLOADS:
                response = client.get(path, params={field: payload}, headers=tokens["admin"])
                assert response.status_code != 500, (path, field, payload, response.text)
                assert "<script>alert(1)</script>" not in response.text and "root:x:0:0" not in response.text
        page = client.get("/", params={"q": "{{7*7}}"}, headers=tokens["admin"]).text
        assert 'value="{{7*7}}"' in page  # echoed as text, never evaluated
        for payload in PAYLOADS:  # the sign-in form's text fields
            response = client.post("/login", data={"csrf_token": "t", "name": payload, "password": payload, "next": payload},
                                   headers={"cookie": "museion_login=t"}, follow_redirects=False)
            assert response.status_code == 422 or "wrong name or password" in response.text  # too long, or refused
    assert tried > 100
    assert counts(sample_catalogue) == before
    with sample_catalogue.connect() as conn:
        assert audit.verify(conn).ok


@pytest.mark.parametrize("path", ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/static/..%2f..%2f..%2fetc%2fpasswd", "/works/..%2f..%2fetc%2fpasswd"])
def test_path_traversal_finds_nothing(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422) and "root:" not in response.text


def test_csv_exports_neutralise_every_formula_prefix(engine: Engine, tmp_path: Any) -> None:
    from museion.catalog.export import write_csv
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping
    from museion.store.engine import session_scope

    titles = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
    source = tmp_path / "works.jsonl"
    source.write_text("".join(json.dumps({"key": str(i), "kind": "film", "title": t}) + "\n" for i, t in enumerate(titles)))
    import_file(engine, ColumnMapping("works", source="evil"), source)
    out = io.StringIO()
    with session_scope(engine) as session:
        write_csv(session, out)
    cells = [row["title"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert len(cells) == len(titles) and all(cell.startswith("'") for cell in cells), cells
