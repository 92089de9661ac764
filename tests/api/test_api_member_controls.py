"""Member controls over HTTP: a member switches personalisation off and deletes an interest tag, and the
very next recommendations response changes; members act for themselves only, privacy officers for anyone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from helpers import approve_and_deploy, auth_headers, import_views
from museion.catalog.models import WorkTerm
from museion.recommend.training import train
from museion.server import create_app

GENRES = ("Drama", "Comedy", "Noir")


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    import_views(engine, tmp_path, genres=GENRES, works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "itemknn", source="t", actor="t").id)
    with TestClient(create_app(engine, home), headers=auth_headers(engine, member="t:m0")) as c:
        yield c


def drama_ids(client: TestClient) -> set[int]:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return set(conn.scalars(select(WorkTerm.work_id).where(WorkTerm.term == "Drama")))


def test_switching_personalisation_off_and_on(client: TestClient) -> None:
    assert client.get("/api/members/t:m0/personalisation").json() == {
        "member": "t:m0", "personalise": True, "consented": True, "effective": True}
    assert client.get("/api/members/t:m0/recommendations?k=3").json()["personalised"] is True
    off = client.put("/api/members/t:m0/personalisation", json={"personalise": False})
    assert off.status_code == 200 and off.json()["effective"] is False
    served = client.get("/api/members/t:m0/recommendations?k=3").json()
    assert served["personalised"] is False and served["not_personalised_because"] == "the member switched personalisation off"
    client.put("/api/members/t:m0/personalisation", json={"personalise": True})
    assert client.get("/api/members/t:m0/recommendations?k=3").json()["personalised"] is True
    assert client.put("/api/members/t:m0/personalisation", json={"personalise": "maybe"}).status_code == 422


def test_deleting_an_interest_tag_changes_the_next_response(client: TestClient) -> None:
    listed = client.get("/api/members/t:m0/interests").json()
    assert {i["tag"] for i in listed["interests"]} == set(GENRES) and listed["deleted"] == []
    assert all(0 < i["weight"] <= 1 for i in listed["interests"])
    before = client.get("/api/members/t:m0/recommendations?k=3").json()["items"]
    assert drama_ids(client) & {i["work_id"] for i in before}
    assert client.delete("/api/members/t:m0/interests/Drama").status_code == 204
    after = client.get("/api/members/t:m0/recommendations?k=3").json()["items"]
    assert after != before
    assert not drama_ids(client) & ({i["work_id"] for i in after} | {b["work_id"] for i in after for b in i["because"]})
    listed = client.get("/api/members/t:m0/interests").json()
    assert {i["tag"] for i in listed["interests"]} == {"Comedy", "Noir"} and listed["deleted"] == ["Drama"]
    missing = client.delete("/api/members/t:m0/interests/Western")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


def test_members_control_their_own_feed_only_and_officers_anyones(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for method, path in (("GET", "personalisation"), ("PUT", "personalisation"), ("GET", "interests"),
                         ("DELETE", "interests/Drama")):
        response = client.request(method, f"/api/members/t:m1/{path}", json={"personalise": False})
        assert response.status_code == 403, (method, path)
    officer = auth_headers(engine, "privacy_officer")
    assert client.put("/api/members/t:m1/personalisation", json={"personalise": False}, headers=officer).status_code == 200
    assert client.delete("/api/members/t:m1/interests/Noir", headers=officer).status_code == 204
    assert client.get("/api/members/t:m1/interests", headers=officer).json()["deleted"] == ["Noir"]
    analyst = auth_headers(engine, "analyst")
    assert client.get("/api/members/t:m1/interests", headers=analyst).status_code == 403
