"""The hardened shell: headers, size limits, errors without traces, logs without secrets, and injection
attempts (SQL, template, path traversal, CSV formula) against every text input of the API and the pages."""

from __future__ import annotations

import csv
import io
import json
import logging
import typing
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers, counts, role_for
from museion import audit
from museion.http.hardening import MAX_BODY_BYTES, JsonFormatter
from museion.http.ratelimit import TokenBucket
from museion.security.auth import SESSION, TOKEN_RE, create_account, csrf_for, issue_token
from museion.security.permissions import Role
from museion.server import create_app

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

def _assert_secured(response: Any) -> None:
    headers, where = response.headers, (response.request.method, str(response.request.url), response.status_code)
    assert headers.get("x-content-type-options") == "nosniff" and headers.get("referrer-policy") == "no-referrer", where
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "cdn" not in csp, where
    assert headers.get("x-frame-options") == "DENY" and headers.get("cache-control") == "no-store", where
    assert headers.get("x-request-id"), where


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    for path in ("/api/works", "/", "/healthz", "/no/such/page", "/login"):
        _assert_secured(client.get(path))
    docs_policy = client.get("/docs").headers["content-security-policy"]  # Swagger UI's own files and start-up script
    assert "script-src 'self' 'sha256-" in docs_policy and "http" not in docs_policy and "unsafe-inline" not in docs_policy
    assert "strict-transport-security" in client.get("https://testserver/healthz").headers


def test_security_headers_on_every_error_path(app: FastAPI, client: TestClient, sample_catalogue: Engine,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refusal and failure, as problem+json for the API and as HTML for pages, carries the headers."""
    from museion.catalog import queries

    member = auth_headers(sample_catalogue, member="demo:m1")
    cases = [
        ("GET", "/api/works/999999", None, 404, "application/problem+json"),
        ("GET", "/works/999999", None, 404, "text/html"),
        ("POST", "/healthz", None, 405, "application/problem+json"),
        ("GET", "/api/works?limit=-1", None, 422, "application/problem+json"),
        ("GET", "/api/works?q=%00", None, 400, "application/problem+json"),
        ("GET", "/api/works", {"Authorization": ""}, 401, "application/problem+json"),
        ("GET", "/dashboard", {"Authorization": "", "Accept": "text/html"}, 303, None),  # a browser is sent to sign in
        ("GET", "/api/works", member, 403, "application/problem+json"),
        ("GET", "/catalogue", member, 403, "text/html"),
        ("POST", "/api/auth/tokens", {"content-length": str(MAX_BODY_BYTES + 1)}, 413, "application/problem+json"),
    ]
    for method, url, headers, status, kind in cases:
        response = client.request(method, url, headers=headers, follow_redirects=False)
        assert response.status_code == status, (method, url, response.status_code, response.text[:200])
        assert kind is None or response.headers["content-type"].startswith(kind), (method, url)
        _assert_secured(response)
    app.state.guards.failures = TokenBucket(capacity=1, period=60.0)
    bad = {"Authorization": "Bearer mus_000000000000_" + "x" * 43}
    responses = [client.get("/api/works", headers=bad) for _ in range(2)]
    assert [r.status_code for r in responses] == [401, 429]
    for response in responses:
        _assert_secured(response)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "list_works", broken)
    for url in ("/api/works", "/catalogue"):
        response = client.get(url)
        assert response.status_code == 500 and response.headers["content-type"].startswith("application/problem+json")
        _assert_secured(response)


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
    email, guessed = "jane.doe@example.org", "mus_0123456789ab_" + "G" * 43
    member_token = auth_headers(sample_catalogue, member=member)
    with caplog.at_level(logging.DEBUG), TestClient(app, raise_server_exceptions=False) as client:
        session = client.post("/api/auth/login", json={"name": "logger-test", "password": password})
        cookie = session.cookies.get("museion_session")
        client.post("/api/auth/login", json={"name": "logger-test", "password": "wrong " + password})
        client.post("/api/auth/login", json={"name": email, "password": password})
        client.get(f"/api/members/{member}/consents")
        client.get(f"/api/members/{member}/recommendations", headers=member_token, params={"k": 3})
        client.get(f"/api/members/{email}/recommendations", headers=member_token)
        client.get("/api/works", params={"q": email}, headers=member_token)
        client.get("/api/works", headers={"Authorization": f"Bearer {guessed}"})
        client.get("/recommendations", params={"member": member})
        client.get("/catalogue", params={"q": email})
    # every logger of the server side (the test client's own httpx lines are the caller's, not Museion's)
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    lines = [JsonFormatter().format(r) for r in records]
    assert sum(json.loads(line)["logger"] == "museion.access" for line in lines) == 10  # one per request
    text = "\n".join(lines)
    secrets = [password, cookie, member_token["Authorization"].split()[1], member, "logger-test", email, "example.org",
               guessed, guessed[4:16]]
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


PATH_VALUES = {"work_id": "1", "creator_id": "1", "member": "demo:m1", "token_id": "1", "account_id": "1", "version_id": "1"}


def _text(annotation: Any) -> bool:
    return annotation is str or str in typing.get_args(annotation)


def _valid(annotation: Any) -> str:
    """A valid form or query value for a non-text parameter (an enum's first choice, a boolean, a number)."""
    choices = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return str(choices[0])
    return "true" if bool in (annotation, *choices) else "1"


def page_injection_requests(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(method, path, request kwargs, role) for every text input of the pages (routes outside the OpenAPI
    document): query, path and form parameters read from each route's dependency tree, not hand-listed."""
    from fastapi.routing import APIRoute

    from museion.http.authz import route_contexts

    for original, route in route_contexts(app):
        if not isinstance(original, APIRoute) or original.include_in_schema:
            continue
        fields, stack = [], [route.dependant]
        while stack:
            dependant = stack.pop()
            fields += [(where, f) for where, group in (("query", dependant.query_params), ("path", dependant.path_params),
                                                       ("form", dependant.body_params)) for f in group]
            stack.extend(dependant.dependencies)
        method = sorted(route.methods)[0]
        role = role_for(app, method, route.path)
        for target in [f for _, f in fields if _text(f.field_info.annotation)]:
            for payload in PAYLOADS:
                url, query, form = route.path, {}, {}
                for w, f in fields:
                    value = payload if f is target else PATH_VALUES.get(f.alias, "x" * 12 if _text(f.field_info.annotation)
                                                                        else _valid(f.field_info.annotation))
                    if w == "path":
                        url = url.replace("{" + f.alias + "}", quote(value, safe=":"))
                    elif w == "query":
                        query[f.alias] = value
                    elif f.alias != "csrf_token":
                        form[f.alias] = value
                yield method, url, {"params": query, "data": form or None}, role


@pytest.mark.usefixtures("cheap_argon2")
def test_injection_attempts_against_every_text_input(app: FastAPI, sample_catalogue: Engine) -> None:
    before = counts(sample_catalogue)
    roles = (Role.ADMIN, Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ALGORITHM_REVIEWER, Role.ANALYST, Role.CURATOR)  # as role_for
    tokens = {r.value: auth_headers(sample_catalogue, r.value) for r in roles}
    sessions = {}  # role -> (session cookie, its CSRF token): the pages' forms are posted from a signed-in browser
    with sample_catalogue.begin() as conn:
        for r in roles:
            account = create_account(conn, f"pages-{r.value.replace('_', '-')}", r.value, actor="test")
            cookie = issue_token(conn, account, actor="test", kind=SESSION).token
            sessions[r.value] = (cookie, csrf_for(TOKEN_RE.fullmatch(cookie).group(2)))  # type: ignore[union-attr]
    tried = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, url, kwargs, role in injection_requests(app):
            response = client.request(method, url, headers=tokens[role], **{k: v for k, v in kwargs.items() if v is not None})
            assert response.status_code != 500, (method, url, kwargs, response.text)
            assert "root:x:0:0" not in response.text
            tried += 1
        pages = 0
        for method, url, kwargs, role in page_injection_requests(app):
            data = kwargs["data"] and {**kwargs["data"], "csrf_token": sessions[role][1]}
            response = client.request(method, url, params=kwargs["params"], data=data, follow_redirects=False,
                                      headers={"cookie": f"museion_session={sessions[role][0]}"})
            assert response.status_code != 500, (method, url, kwargs, response.text[:300])
            assert "root:x:0:0" not in response.text
            if response.headers.get("content-type", "").startswith("text/html"):  # JSON bodies may quote it; nosniff
                assert "<script>alert(1)</script>" not in response.text, (method, url, kwargs)
            pages += 1
        assert pages > 100
        page = client.get("/catalogue", params={"q": "{{7*7}}"}, headers=tokens["admin"]).text
        assert 'value="{{7*7}}"' in page and "49" not in page  # echoed as text, never evaluated
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
