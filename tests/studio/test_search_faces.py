"""Catalogue search on SQLite and PostgreSQL, from the API, the web catalogue and the command line: before an index
is built (titles only, said so), building it as a job, and searching it. Records are generated, not collection data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers, job_outcome
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.server import create_app
from museion.studio import search

CREATORS = "key,name,gender,nationality\nturner,\"Turner, Joseph Mallord William\",Male,British\nspot,\"Spottiswoode, Roger\",Male,Canadian\n"
WORKS = ["key,kind,title,medium,year,subjects,creators", "f1,film,Turner & Hooch,,1989,,spot"]
WORKS += [f"t{n},artwork,Harbour at dawn {n},Oil paint on canvas,{1800 + n},sea|harbour,turner" for n in range(8)]


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    (tmp_path / "c.csv").write_text(CREATORS, encoding="utf-8")
    (tmp_path / "w.csv").write_text("\n".join(WORKS) + "\n", encoding="utf-8")
    import_file(engine, ColumnMapping("creators", source="gen"), tmp_path / "c.csv")
    import_file(engine, ColumnMapping("works", source="gen"), tmp_path / "w.csv")
    return engine


@pytest.fixture
def client(catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(catalogue), raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_service_on_both_backends(catalogue: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with catalogue.connect() as conn:
        with pytest.raises(Exception, match="museion studio index"):
            search.search_works(conn, home, "Turner")
    info = search.build_index(catalogue, home)
    assert info["works"] == 9 and info["creators"] == 2
    with catalogue.connect() as conn:
        found = search.search_works(conn, home, "Turner")
        assert found.total == 9 and found.ids[-1] != found.ids[0]
        titles = dict(conn.exec_driver_sql("select id, title from works").all())
        assert titles[found.ids[-1]] == "Turner & Hooch"  # creator matches first
        assert found.facets["availability"] == [("available", 9)]
        assert search.search_works(conn, home, "港口").total == 8
        assert search.search_works(conn, home, "Turner", filters={"era": "1800–1849"}).total == 8
        with pytest.raises(Exception, match="unknown facet colour"):
            search.search_works(conn, home, "x", filters={"colour": "red"})
        with pytest.raises(Exception, match="at most 500 characters"):
            search.search_works(conn, home, "a" * 100_000)
        assert search.search_works(conn, home, "nothing-like-this").total == 0
        like = search.more_like_this(conn, home, found.ids[0], limit=3)
        assert len(like) == 3 and found.ids[0] not in [i for i, _ in like]
    assert search.search_creators(home, "Spottiswode")  # one letter missing


def test_api_web_and_job(client: TestClient, catalogue: Engine) -> None:
    curator, analyst = auth_headers(catalogue, "curator"), auth_headers(catalogue, "analyst")
    before = client.get("/api/works", params={"q": "Turner"}, headers=analyst).json()
    assert before["total"] == 1  # titles only until the index is built
    assert client.get("/api/studio/search", params={"q": "Turner"}, headers=analyst).status_code == 404
    page = client.get("/catalogue", params={"q": "Turner"}, headers=analyst)
    assert page.status_code == 200 and "the search index has not been built yet" in page.text and "museion studio index" in page.text
    assert client.post("/api/studio/search/index", headers=analyst).status_code == 403
    built = job_outcome(client, client.post("/api/studio/search/index", headers=curator), curator)
    assert built["status"] == "succeeded" and built["result"]["works"] == 9, (built.get("message"), built.get("error"))

    works = client.get("/api/works", params={"q": "Turner"}, headers=analyst).json()
    assert works["total"] == 9 and works["items"][-1]["title"] == "Turner & Hooch"
    empty = client.get("/api/works", headers=analyst).json()
    assert empty["total"] == 9
    found = client.get("/api/studio/search", params={"q": "turnr harbour", "era": "1800–1849"}, headers=analyst).json()
    assert found["corrections"] == {"turnr": "turner"} and found["total"] == 8
    assert {f["value"] for f in found["facets"]["medium"]} == {"Oil paint"}
    assert client.get("/api/studio/search", params={"q": "x" * 501}, headers=analyst).status_code == 422
    assert client.get("/api/studio/search", params={"availability": "maybe"}, headers=analyst).status_code == 422
    odd = client.get("/api/studio/search", params={"q": 'NEAR(" AND * OR -x'}, headers=analyst)
    assert odd.status_code == 200
    like = client.get(f"/api/studio/search/like/{found['items'][0]['id']}", headers=analyst)
    assert like.status_code == 200 and like.json()
    assert client.get("/api/studio/search/like/999999", headers=analyst).status_code == 404
    assert client.get("/api/studio/search/creators", params={"q": "Turner"}, headers=analyst).json()[0]["name"].startswith("Turner")

    page = client.get("/catalogue", params={"q": "港口"}, headers=analyst)
    assert page.status_code == 200 and "Harbour at dawn" in page.text and "Narrow the results" in page.text
    zh = client.get("/catalogue", params={"q": "turnr"}, headers={**analyst, "Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "Harbour at dawn" in zh.text and "Also searched for" not in zh.text
    filtered = client.get("/catalogue", params={"q": "Turner", "medium": "Oil paint"}, headers=analyst)
    assert "Turner &amp; Hooch" not in filtered.text and "Harbour at dawn" in filtered.text


def test_cli_builds_and_searches(catalogue: Engine, museion_env: str) -> None:
    from typer.testing import CliRunner

    from museion.cli.main import app as cli

    before = CliRunner().invoke(cli, ["studio", "search", "Turner"])
    assert before.exit_code == 1 and "museion studio index" in before.stderr
    built = CliRunner().invoke(cli, ["studio", "index"])
    assert built.exit_code == 0 and "9 works, 2 creators" in built.stdout
    found = CliRunner().invoke(cli, ["studio", "search", "turnr", "--facet", "era=1800–1849", "--json"])
    assert found.exit_code == 0, found.stderr
    assert '"turnr": "turner"' in found.stdout and '"total": 8' in found.stdout
    assert CliRunner().invoke(cli, ["studio", "search", "x", "--facet", "colour=red"]).exit_code == 1
    assert CliRunner().invoke(cli, ["studio", "search", "x", "--facet", "nonsense"]).exit_code == 2
