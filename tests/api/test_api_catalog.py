"""The API through the real app: health, works and creators with filters, problem+json errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.server import create_app


@pytest.fixture
def client(sample_catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(sample_catalogue), raise_server_exceptions=False, headers=auth_headers(sample_catalogue, "curator")) as c:
        yield c


def test_healthz_reports_database_and_schema(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["schema_revision"] is not None


def test_works_search_filter_and_paginate(client: TestClient) -> None:
    page = client.get("/api/works", params={"limit": 2}).json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["limit"] == 2
    assert [w["title"] for w in client.get("/api/works", params={"q": "HEAT"}).json()["items"]] == ["Heat"]
    assert {w["key"] for w in client.get("/api/works", params={"genre": "Drama"}).json()["items"]} == {"demo:1", "demo:2"}
    assert client.get("/api/works", params={"kind": "artwork"}).json()["items"][0]["subjects"] == ["sea", "boat"]
    assert client.get("/api/works", params={"q": "%"}).json()["total"] == 0  # LIKE wildcards are literal


def test_work_detail_has_creators_and_creator_filter(client: TestClient) -> None:
    heat = client.get("/api/works", params={"q": "heat"}).json()["items"][0]
    detail = client.get(f"/api/works/{heat['id']}").json()
    assert detail["creators"] == [{"creator_id": detail["creators"][0]["creator_id"], "name": "Michael Mann", "role": "creator"}]
    creator_id = detail["creators"][0]["creator_id"]
    assert client.get(f"/api/creators/{creator_id}").json()["birth_year"] == 1943
    assert client.get("/api/works", params={"creator": creator_id}).json()["total"] == 1
    assert client.get("/api/creators", params={"gender": "Female"}).json()["items"][0]["name"] == "Agnès Varda"


def test_stats_counts(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    assert (stats["works"], stats["creators"], stats["members"], stats["events"]) == (4, 2, 2, 2)
    assert stats["events_by_kind"] == {"rating": None, "view": None}  # one member each: too few to publish


@pytest.mark.parametrize(("path", "status"), [
    ("/api/works/999999", 404), ("/api/works/0", 422), ("/api/works/abc", 422), ("/api/works?limit=100000", 422),
    ("/api/works?kind=spaceship", 422), ("/api/creators/424242", 404), ("/no/such/page", 404),
])
def test_errors_are_problem_json_without_traces(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    assert "Traceback" not in response.text


def test_openapi_documents_the_catalogue(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/works", "/api/works/{work_id}", "/api/creators", "/api/stats", "/healthz"} <= set(spec["paths"])


def test_catalogue_page_searches_and_filters(client: TestClient) -> None:
    html = client.get("/catalogue").text
    assert "4 works found" in html and "Cléo from 5 to 7" in html and '<option value="Drama"' in html
    filtered = client.get("/catalogue", params={"q": "cléo", "genre": "Drama"}).text
    assert "1 work found" in filtered and "Heat" not in filtered.split("<tbody>")[1]
    assert "<script>" not in client.get("/catalogue", params={"q": "<script>alert(1)</script>"}).text


def test_work_page_and_missing_work_page(client: TestClient) -> None:
    heat_id = client.get("/api/works", params={"q": "heat"}).json()["items"][0]["id"]
    assert "Michael Mann</a> (creator)" in client.get(f"/works/{heat_id}").text
    missing = client.get("/works/999999")
    assert missing.status_code == 404 and "no work with id 999999" in missing.text


def test_titles_starting_with_the_query_rank_first(client: TestClient, sample_catalogue: Engine, tmp_path: Path) -> None:
    extra = tmp_path / "more.csv"
    extra.write_text("key,kind,title\n9,film,A Heat Story\n", encoding="utf-8")
    import_file(sample_catalogue, ColumnMapping("works", source="demo"), extra)
    titles = [w["title"] for w in client.get("/api/works", params={"q": "heat"}).json()["items"]]
    assert titles == ["Heat", "A Heat Story"]
