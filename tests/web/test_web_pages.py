"""The web app's pages without a browser: who lands where, who sees which page, and what each page shows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from helpers import audit_version, auth_headers, member_id_for
from museion.audit.models import AuditEntry
from museion.http.navigation import NAV
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.security.auth import create_account, issue_token, member_account
from museion.security.permissions import Role
from museion.server import create_app
from museion.web import kpis

STAFF_PAGES = {item.path for item in NAV if not item.members_only}
EXPECTED_MENU = {
    Role.ADMIN: {"/heritage/harvest", "/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/models", "/fairness", "/assessments", "/audit", "/recommendations",
                 "/jobs", "/risk/alerts"},
    Role.PRIVACY_OFFICER: {"/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/privacy", "/assessments", "/audit", "/recommendations",
                           "/jobs", "/risk/alerts"},
    Role.ANALYST: {"/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/models", "/fairness", "/assessments", "/jobs", "/risk/alerts"},
    Role.CURATOR: {"/heritage/harvest", "/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/jobs", "/studio/suggestions", "/risk/alerts"},
    Role.ALGORITHM_REVIEWER: {"/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/models", "/fairness", "/review", "/assessments", "/jobs"},
    Role.AUDITOR: {"/rights/licences", "/dashboard", "/queue", "/catalogue", "/insight", "/models", "/fairness", "/assessments", "/audit", "/jobs",
                   "/risk/alerts"},
}
# January: six events of five members, published; March: one member's event, a cell too small to publish.
DATED_EVENTS = ("member,work,kind,value,timestamp\n"
                "m1,1,rating,4,2024-01-05T10:00:00Z\nm1,2,rating,5,2024-01-20T10:00:00Z\nm2,1,view,,2024-01-31T23:00:00Z\n"
                "m3,1,view,,2024-01-10T09:00:00Z\nm4,2,view,,2024-01-11T09:00:00Z\nm5,3,view,,2024-01-12T09:00:00Z\n"
                "m2,4,view,,2024-03-02T08:00:00Z\n")


@pytest.fixture
def app(sample_catalogue: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app(sample_catalogue, home=tmp_path / "home")


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as c:
        yield c


def menu_of(page: str) -> set[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    return set(re.findall(r'href="([^"]+)"', nav.group(1))) if nav else set()


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MEMBER])
def test_each_staff_role_lands_on_the_dashboard_and_sees_only_its_pages(role: Role, client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, role.value)
    start = client.get("/", headers=headers)
    assert start.status_code == 303 and start.headers["location"] == "/dashboard"
    page = client.get("/dashboard", headers=headers)
    assert page.status_code == 200 and menu_of(page.text) == EXPECTED_MENU[role]
    for path in STAFF_PAGES - EXPECTED_MENU[role]:  # hidden links are also refused by the server
        assert client.get(path, headers=headers).status_code == 403, (role, path)
    for path in EXPECTED_MENU[role] - {"/recommendations"}:
        assert client.get(path, headers=headers).status_code == 200, (role, path)


def test_a_member_lands_on_their_own_list_and_sees_only_self_service(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, member="demo:m1")
    start = client.get("/", headers=headers)
    assert start.headers["location"] == "/members/demo:m1/recommendations"
    page = client.get("/members/demo:m1/privacy", headers=headers)
    assert menu_of(page.text) == {"/members/demo:m1/recommendations", "/members/demo:m1/privacy"}
    for path in [*STAFF_PAGES, "/members/demo:m2/privacy", "/members/demo:m2/recommendations", "/assets/plotly.min.js"]:
        assert client.get(path, headers=headers).status_code == 403, path


def test_dashboard_charts_real_aggregates(client: TestClient, sample_catalogue: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dated.csv"
    path.write_text(DATED_EVENTS, encoding="utf-8")
    import_file(sample_catalogue, ColumnMapping("events", source="demo"), path, keep_member_ids=True)
    with sample_catalogue.begin() as conn:  # the audience counts come through the gate, which records the access
        activity = kpis.activity_by_month(conn, actor="test")
        assert (activity.x, activity.y, activity.y2) == (["2024-01", "2024-03"], [6, None], [5, None])
        assert kpis.works_by_decade(conn) == kpis.Series([1920, 1960, 1990, 2000], [1, 1, 1, 1])
        assert kpis.works_by_kind(conn).x[0] == "film" and sum(kpis.works_by_kind(conn).y) == 4
    page = client.get("/dashboard", headers=auth_headers(sample_catalogue, "analyst")).text
    figures = {name: json.loads(body.replace("<\\/", "</"))
               for name, body in re.findall(r'<script type="application/json" id="data-(\w+)">(.*?)</script>', page, re.S)}
    assert set(figures) == {"activity", "kinds", "decades"}  # no acquisition years in this catalogue
    assert figures["activity"]["data"][0]["x"] == ["2024-01", "2024-03"] and figures["activity"]["data"][1]["y"] == [5, None]
    assert 'src="/assets/plotly.min.js"' in page and "cdn" not in page.lower()
    assert "demo:m1" not in page and "demo:m2" not in page  # aggregates only


def test_plotly_is_served_from_the_installed_package(client: TestClient, sample_catalogue: Engine) -> None:
    import plotly

    response = client.get("/assets/plotly.min.js", headers=auth_headers(sample_catalogue, "curator"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.content == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def test_privacy_page_counts_consents_and_flags_overdue_requests(client: TestClient, sample_catalogue: Engine) -> None:
    from museion.privacy import consent, requests
    from museion.privacy.releases import set_budget

    with sample_catalogue.begin() as conn:
        purpose = consent.current_purpose(conn, "personalisation")
        m1, m2 = member_id_for(conn, "demo:m1"), member_id_for(conn, "demo:m2")
        consent.record(conn, m1, purpose, granted=True, notice_version="t", source="test")
        consent.record(conn, m2, purpose, granted=True, notice_version="t", source="test")
        consent.record(conn, m2, purpose, granted=False, notice_version="t", source="test")
        late = requests.open_request(conn, "demo:m1", "erasure", channel="test", due_days=-1)
        timely = requests.open_request(conn, "demo:m2", "access", channel="test")
        set_budget(conn, "demo", 2.0)
    page = client.get("/privacy", headers=auth_headers(sample_catalogue, "privacy_officer")).text
    row = re.search(r"<code>personalisation</code>.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1"]  # granted, withdrawn (latest decisions)
    assert re.search(rf'<tr class="overdue"><th scope="row">#{late}</th>', page)
    assert f'<tr><th scope="row">#{timely}</th>' in page
    assert re.search(r'<th scope="row">demo</th><td class="num">2</td><td class="num">0</td>\s*<td class="num">2</td>', page)


def test_audit_viewer_filters_and_verifies(client: TestClient, sample_catalogue: Engine) -> None:
    headers = auth_headers(sample_catalogue, "auditor")
    page = client.get("/audit", params={"action": "token."}, headers=headers).text
    actions = set(re.findall(r"<td><code>([\w.]+)</code></td><td><code>", page))
    assert actions and all(a.startswith("token.") for a in actions)
    assert "The chain is intact" in client.get("/audit/verify", headers=headers).text
    with sample_catalogue.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'forged' WHERE seq = 2"))
    broken = client.get("/audit/verify", headers=headers).text
    assert "The chain is broken: the first bad entry is 2." in broken
    assert client.get("/audit", params={"actor": "<script>"}, headers=headers).status_code == 422


def session_for(client: TestClient, token: str) -> str:
    """Sign in through the login form (as a browser would) and return the session's CSRF token."""
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303
    page = client.get("/members/demo:m1/privacy")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_member_manages_consents_interests_data_and_requests(client: TestClient, sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn:
        token = issue_token(conn, member_account(conn, "demo:m1", actor="test"), actor="test").token
    csrf = session_for(client, token)
    page = client.get("/members/demo:m1/privacy").text
    assert "not decided" in page and "No interest tags are derived" in page  # nothing derived without consent

    assert client.post("/members/demo:m1/consents", data={"purpose": "personalisation", "granted": "true"}).status_code == 403
    done = client.post("/members/demo:m1/consents", data={"csrf_token": csrf, "purpose": "personalisation", "granted": "true"})
    assert done.status_code == 303 and done.headers["location"] == "/members/demo:m1/privacy?done=consent"
    page = client.get(done.headers["location"]).text
    assert "Your consent decision is recorded." in page
    with sample_catalogue.connect() as conn:  # the audit chain names who decided: the member's own account
        actors = set(conn.scalars(select(AuditEntry.actor).where(AuditEntry.action == "consent.grant")))
    assert len(actors) == 1 and actors != {"system"} and next(iter(actors)).startswith("account:")
    assert re.findall(r'name="tag" value="([^"]+)"><input type="hidden" name="action" value="delete"', page) == ["Crime", "Drama"]

    client.post("/members/demo:m1/interests", data={"csrf_token": csrf, "tag": "Drama", "action": "delete"})
    page = client.get("/members/demo:m1/privacy").text
    assert re.findall(r'name="tag" value="([^"]+)"><input type="hidden" name="action" value="delete"', page) == ["Crime"]
    assert 'name="tag" value="Drama"><input type="hidden" name="action" value="restore"' in page

    assert 'action="/api/members/demo:m1/export"' in page
    download = client.post("/api/members/demo:m1/export", data={"csrf_token": csrf})  # a session posts the page's form
    assert download.headers["content-disposition"].startswith("attachment")
    copy = download.json()
    assert copy["member"]["key"] == "demo:m1" and [c["granted"] for c in copy["consents"]] == [True]
    assert [e["work"] for e in copy["events"]] == ["demo:1"]

    client.post("/members/demo:m1/requests", data={"csrf_token": csrf, "kind": "erasure"})
    assert re.search(r'<th scope="row">#\d+</th><td>erasure</td><td>received</td>', client.get("/members/demo:m1/privacy").text)
    officer = client.get("/privacy", headers=auth_headers(sample_catalogue, "privacy_officer")).text
    assert "<td>erasure</td><td>received</td><td>web</td>" in officer
    assert client.post("/members/demo:m1/requests", data={"csrf_token": csrf, "kind": "restriction"}).status_code == 422
    assert client.get("/members/demo:m2/privacy").status_code == 403


def test_staff_sign_in_lands_on_the_dashboard(client: TestClient, sample_catalogue: Engine, cheap_argon2: None) -> None:
    with sample_catalogue.begin() as conn:
        create_account(conn, "ana", "analyst", actor="test", password="a long enough password")
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed = client.post("/login", data={"csrf_token": csrf, "name": "ana", "password": "a long enough password", "next": "/"})
    assert signed.headers["location"] == "/"
    assert client.get("/").headers["location"] == "/dashboard"
    assert "analyst" in client.get("/dashboard").text


def test_submit_and_deploy_from_the_models_page(client: TestClient, sample_catalogue: Engine, tmp_path: Path) -> None:
    from helpers import grant_personalisation
    from museion.recommend.interactions import InteractionPolicy
    from museion.recommend.training import train
    from museion.registry import lifecycle, review

    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"  # the app's home (see the app fixture)
    home.mkdir(exist_ok=True)
    (home / "review-policy.toml").write_text('required_capacities = ["domain_expert"]\nmin_approvals = 1\n\n'
                                             '[capacities]\ndomain_expert = "Knows the collection."\n', encoding="utf-8")
    version = train(sample_catalogue, home, "pop", source="demo", actor="test",
                    policy=InteractionPolicy(min_member_interactions=1, min_work_interactions=1)).id
    analyst, admin = auth_headers(sample_catalogue, "analyst"), auth_headers(sample_catalogue, "admin")
    page = client.get("/models", headers=analyst).text
    assert f'action="/models/{version}/submit"' in page and "/deploy" not in page
    assert client.post(f"/models/{version}/deploy", headers=analyst).status_code == 403  # analysts never deploy
    unaudited = client.post(f"/models/{version}/submit", headers=analyst)
    assert unaudited.status_code == 409 and "has no fairness audit" in unaudited.text
    audit_version(sample_catalogue, home, version)
    assert client.post(f"/models/{version}/submit", headers=analyst).headers["location"] == "/models"
    refused = client.post(f"/models/{version}/deploy", headers=admin)
    assert refused.status_code == 409 and "only an approved version can be deployed" in refused.text
    with sample_catalogue.begin() as conn:
        reviewer = create_account(conn, "rev", "algorithm_reviewer", actor="test")
        lifecycle.start_review(conn, version, actor="test")
        review.record_review(conn, home, version, reviewer_account_id=reviewer, capacity="domain_expert", decision="approve",
                             findings="ok", actor="test")
    assert f'action="/models/{version}/deploy"' in client.get("/models", headers=admin).text
    assert client.post(f"/models/{version}/deploy", headers=admin).status_code == 303
    with sample_catalogue.connect() as conn:
        assert lifecycle.deployed_version_id(conn) == version
    assert f"version {version}" in client.get("/about/recommendations", params={"lang": "en"}).text


def test_staff_see_a_members_pages_in_staff_words_with_only_their_actions(client: TestClient, sample_catalogue: Engine) -> None:
    """A privacy officer acting for a member reads "the member's", not "my", and gets the forms their role may use; an
    administrator previewing a list gets no personalisation switch (they may not change a member's settings)."""
    officer = auth_headers(sample_catalogue, "privacy_officer")
    page = client.get("/members/demo:m1/privacy?lang=en", headers=officer).text
    assert "Privacy of member" in page and "The member's decision" in page and "My consents" not in page
    assert "Download the member's data (JSON)" in page and "Download my data" not in page
    assert 'action="/members/demo:m1/consents"' in page  # the privacy officer may record a member's consent decision
    chinese = client.get("/members/demo:m1/privacy?lang=zh-Hans", headers=officer).text
    assert "会员 " in chinese and "我的同意" not in chinese
    admin = client.get("/members/demo:m1/recommendations?lang=en", headers=auth_headers(sample_catalogue, "admin")).text
    assert "Recommendations for member" in admin and "A staff preview" in admin
    assert "/personalisation" not in admin and "My recommendations" not in admin
    member = client.get("/members/demo:m1/privacy?lang=en", headers=auth_headers(sample_catalogue, member="demo:m1")).text
    assert "My privacy" in member and "Privacy of member" not in member
