"""The authorization matrix, enforced: every route of the app × every role (and no credentials at all).

Routes are enumerated from the app itself, so a new route without a declared access rule, or with a rule
this test cannot place, fails here (and the app refuses to build).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers
from museion.http.authz import PUBLIC, SIGNED_IN, check_routes, declarations, public, requires, route_contexts
from museion.http.ratelimit import TokenBucket
from museion.security.permissions import MATRIX, SELF_ONLY, Perm, Role
from museion.server import create_app

OWN_MEMBER, OTHER_MEMBER = "demo:m1", "demo:m2"  # members of the sample catalogue
# Values for path parameters: they exist where that matters (members), and are otherwise harmless ids.
PATH_VALUES = {"work_id": "1", "creator_id": "1", "member": OWN_MEMBER, "token_id": "999999", "account_id": "999999",
               "request_id": "999999", "dataset": "demo", "tag": "Drama", "version_id": "999999", "audit_id": "999999",
               "job_id": "999999", "proposal_id": "999999",
               "alert_id": "999999",
               "rollout_id": "999999",
               "plan_id": "999999",
               "run_id": "999999",
               "licence_id": "999999", "holder": "nobody", "submission_id": "999999",
               "link_id": "999999"}
LOGIN_CSRF = {"headers": {"cookie": "museion_login=matrix"}, "data": {"csrf_token": "matrix"}}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    route: Any  # the route as served (prefix and router dependencies applied)

    @property
    def url(self) -> str:
        url = self.route.path.format(**{p: PATH_VALUES[p] for p in self.route.param_convertors})
        member_query = any(f.name == "member" for f in self.route.dependant.query_params)
        return url + (f"?member={OWN_MEMBER}" if member_query else "")

    @property
    def is_page(self) -> bool:
        return not self.path.startswith(("/api/", "/healthz"))

    @property
    def ends_credential(self) -> bool:
        return self.path.endswith("/logout")


def calls(app: FastAPI) -> list[Call]:
    found = [Call(m, r.path, r) for original, r in route_contexts(app) if isinstance(original, APIRoute)
             for m in sorted(r.methods - {"HEAD"})]
    return sorted(found, key=lambda c: (c.ends_credential, c.path, c.method))  # sign-outs last


@pytest.fixture
def app(sample_catalogue: Engine) -> FastAPI:
    app = create_app(sample_catalogue)
    app.state.guards.logins = TokenBucket(capacity=100_000, period=1.0)  # the matrix is not a brute-force attempt
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def expected_allowed(role: Role, declared: set[str]) -> bool:
    if PUBLIC in declared or SIGNED_IN in declared:
        return True
    return all(Perm(p) in MATRIX[role] for p in declared)


def send(client: TestClient, call: Call, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    extra = LOGIN_CSRF if (call.method, call.path) == ("POST", "/login") else {}
    return client.request(call.method, call.url, headers={**headers, **extra.get("headers", {})}, data=extra.get("data"))


def test_every_route_declares_a_known_access_rule(app: FastAPI) -> None:
    rules = {PUBLIC, SIGNED_IN} | {p.value for p in Perm}
    for call in calls(app):
        declared = declarations(call.route)
        assert declared, f"{call.method} {call.path} declares no access rule"
        assert declared <= rules, f"{call.method} {call.path} declares unknown rules {declared - rules}"
        assert PUBLIC not in declared or declared == {PUBLIC}, f"{call.path} is public and restricted at once"
    public_paths = {c.path for c in calls(app) if PUBLIC in declarations(c.route)}
    assert public_paths == {"/healthz", "/login", "/api/auth/login", "/api/disclosure", "/about/recommendations", "/",
                            "/about/roles", "/about/glossary", "/gallery/{proposal_id}",
                            "/iiif/works/{work_id}/manifest.json", "/iiif/exhibitions/{plan_id}/collection.json",  # IIIF viewers
                            "/oai"}  # OAI-PMH: open to every harvester, as the protocol expects


def test_an_undeclared_route_stops_the_app_from_building() -> None:
    app = FastAPI()
    app.get("/declared", dependencies=[public()])(lambda: None)
    app.get("/api/secret-export")(lambda: None)
    with pytest.raises(RuntimeError, match="/api/secret-export declares no access rule"):
        check_routes(app)


def test_anonymous_requests_are_refused_everywhere_but_public_routes(app: FastAPI, client: TestClient) -> None:
    for call in calls(app):
        response = send(client, call, {})
        if PUBLIC in declarations(call.route):
            assert response.status_code not in (401, 403), (call, response.status_code)
        elif call.is_page:
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), call
        else:
            assert response.status_code == 401, (call, response.status_code)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_matrix_says(role: Role, app: FastAPI, client: TestClient, sample_catalogue: Engine) -> None:
    def credentials() -> dict[str, str]:
        return auth_headers(sample_catalogue, role.value, member=OWN_MEMBER if role in SELF_ONLY else None)

    headers = credentials()
    outcomes: dict[str, int] = {}
    for call in calls(app):
        response = send(client, call, credentials() if call.ends_credential else headers)
        outcomes[f"{call.method} {call.path}"] = response.status_code
        assert response.status_code != 500, (call, response.text)  # 503 (no model trained yet) is an answer
        if expected_allowed(role, declarations(call.route)):
            assert response.status_code not in (401, 403), (call, response.status_code, response.text)
        else:
            assert response.status_code == 403, (call, response.status_code)
    assert outcomes  # the matrix was exercised


def test_a_member_token_reads_its_own_member_only(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, member=OWN_MEMBER)
    assert client.get(f"/api/members/{OWN_MEMBER}/consents", headers=headers).status_code == 200
    for path in (f"/api/members/{OTHER_MEMBER}/consents", f"/api/members/{OTHER_MEMBER}/recommendations",
                 f"/recommendations?member={OTHER_MEMBER}", "/recommendations", "/api/works", "/api/stats", "/api/audit"):
        assert client.get(path, headers=headers).status_code == 403, path


def test_least_privilege_in_the_matrix() -> None:
    """The issue's rules, on the table itself: analysts see aggregates but never the vault or one member;
    auditors read logs and change nothing; only admins manage accounts."""
    writes = {Perm.CONSENT_WRITE, Perm.REQUESTS_MANAGE, Perm.MODELS_APPROVE, Perm.ACCOUNTS_MANAGE}
    assert Perm.STATS_READ in MATRIX[Role.ANALYST]
    assert not MATRIX[Role.ANALYST] & {Perm.VAULT_READ, Perm.MEMBER_DATA, Perm.MEMBER_RECOMMENDATIONS}
    assert Perm.AUDIT_READ in MATRIX[Role.AUDITOR] and not MATRIX[Role.AUDITOR] & writes
    assert [r for r in Role if Perm.VAULT_READ in MATRIX[r]] == [Role.PRIVACY_OFFICER]
    assert [r for r in Role if Perm.ACCOUNTS_MANAGE in MATRIX[r]] == [Role.ADMIN]
    assert [r for r in Role if Perm.MODELS_APPROVE in MATRIX[r]] == [Role.ALGORITHM_REVIEWER]
    assert Role.MEMBER in SELF_ONLY and Perm.CATALOG_READ not in MATRIX[Role.MEMBER]


def test_requires_refuses_unknown_roles() -> None:
    from museion.security.permissions import allowed

    assert not allowed("superuser", Perm.CATALOG_READ) and allowed("curator", Perm.CATALOG_READ)
    assert requires(Perm.AUDIT_READ).dependency.museion_access is Perm.AUDIT_READ
