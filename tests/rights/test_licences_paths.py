"""Availability on every path: a work whose licence has expired, or that is licensed only elsewhere, never appears in
recommendations (API, both personalised and not), the catalogue API (list and detail), the catalogue and work pages,
the studio's search (API, the catalogue page's search, more-like-this), the export command (CSV and JSON-LD), any
public page, or the studio's public gallery; ending a licence takes effect at once. Also the faces: API, web pages (en and zh), CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, auth_headers, import_views
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.collab.queue import Draft, propose
from museion.collab.review import Reviewer, decide
from museion.http.authz import PUBLIC, declarations, route_contexts
from museion.recommend.training import train
from museion.rights.availability import today
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.security.auth import create_account
from museion.server import create_app
from museion.studio import exhibitions, search


@pytest.fixture
def client(engine: Engine, museion_env: str, tmp_path: Path) -> Iterator[TestClient]:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "itemknn", source="t", actor="t").id)
    search.build_index(engine, home)  # the studio's search index: its results pass through availability at query time
    with engine.begin() as conn:  # a public gallery hanging every work: an exhibition accepted by two curators
        keys = list(conn.scalars(select(Work.key).order_by(Work.id)))
        pid = propose(conn, Draft(kind=exhibitions.KIND, subject="theme:Films", proposed_by="test", risk="medium",
                                  payload={"title": "Every film", "works": keys}, evidence={"choices": keys}))
        for n in (1, 2):
            decide(conn, Reviewer(create_account(conn, f"gallery-curator-{n}", "curator", actor="test"), "curator"), pid, "accept")
    with TestClient(create_app(engine, home), headers=auth_headers(engine, "admin")) as c:
        yield c


def public_paths(client: TestClient) -> list[str]:
    """Every page and API a visitor reaches without signing in (GET; the security matrix lists the same routes)."""
    return sorted({r.path for original, r in route_contexts(client.app) if isinstance(original, APIRoute) and "GET" in r.methods
                   and PUBLIC in declarations(r) and "{" not in r.path})


def shown(text: str, ids: list[int], titles: dict[int, str]) -> set[int]:
    """Works a page or document shows: linked by id, or named by title (whole words: "Film 1" is not "Film 10")."""
    return {i for i in ids if f'href="/works/{i}"' in text or re.search(rf"{re.escape(titles[i])}(?![0-9])", text)}


def visible_everywhere(client: TestClient, engine: Engine) -> dict[str, set[int]]:
    seen = {}
    for personalise in ("true", "false"):
        r = client.get(f"/api/members/t:m0/recommendations?k=12&personalise={personalise}")
        assert r.status_code == 200
        seen[f"recommendations {personalise}"] = {i["work_id"] for i in r.json()["items"]}
    seen["api list"] = {w["id"] for w in client.get("/api/works?limit=200").json()["items"]}
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Work.id)))
    seen["api detail"] = {i for i in ids if client.get(f"/api/works/{i}").status_code == 200}
    page = client.get("/catalogue").text
    seen["catalogue page"] = {i for i in ids if f'href="/works/{i}"' in page}
    seen["work page"] = {i for i in ids if client.get(f"/works/{i}").status_code == 200}
    with engine.connect() as conn:
        keys = dict(conn.execute(select(Work.key, Work.id)).all())
        titles = dict(conn.execute(select(Work.id, Work.title)).all())
    for fmt in ("csv", "jsonld"):  # the export command, as an operator runs it
        exported = CliRunner().invoke(cli, ["export", "works", "--format", fmt])
        assert exported.exit_code == 0, exported.output
        seen[f"export {fmt}"] = {i for k, i in keys.items() if f'"{k}"' in exported.stdout or f",{k}," in exported.stdout}
    found = client.get("/api/studio/search?q=Film&limit=200")
    assert found.status_code == 200, found.text
    seen["search api"] = {w["id"] for w in found.json()["items"]}
    seen["search page"] = shown(client.get("/catalogue?q=Film").text, ids, titles)
    seen["more like this"] = set().union(*({w["id"] for w in client.get(f"/api/studio/search/like/{i}?limit=50").json()}
                                           for i in ids if client.get(f"/api/studio/search/like/{i}").status_code == 200))
    anonymous = TestClient(client.app)  # a visitor: no token, no session
    with engine.connect() as conn:
        galleries = [f"/gallery/{e['proposal_id']}" for e in exhibitions.exhibitions(conn)]
    pages = {p: anonymous.get(p) for p in public_paths(client) + galleries}
    assert all(r.status_code == 200 for r in pages.values()), {p: r.status_code for p, r in pages.items()}
    seen["public pages"] = set().union(*(shown(r.text, ids, titles) for p, r in pages.items() if not p.startswith("/gallery/")))
    seen["public gallery"] = set().union(*(shown(pages[p].text, ids, titles) for p in galleries))
    return seen


def test_expired_or_elsewhere_licensed_works_never_appear_on_any_path(client: TestClient, engine: Engine) -> None:
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Work.id).order_by(Work.id)))
        keys = dict(conn.execute(select(Work.id, Work.key)).all())
    before = visible_everywhere(client, engine)
    assert set(public_paths(client)) >= {"/", "/about/recommendations", "/api/disclosure"}
    assert all(works for path, works in before.items() if path != "public pages"), before  # each path shows works
    target = next(iter(before["recommendations true"] & before["recommendations false"]), None) or sorted(before["recommendations true"])[0]
    elsewhere = next(i for i in ids if i != target)
    day = today()
    with engine.begin() as conn:
        save_holders(conn, [HolderIn("h", "Holder")], actor="t")
        save_licences(conn, [
            LicenceIn("running", "h", (keys[target],), ("world",), ("display", "reproduce"), day - timedelta(days=10), day + timedelta(days=10)),
            LicenceIn("us-only", "h", (keys[elsewhere],), ("US",), ("display", "reproduce"), day - timedelta(days=10), None)], actor="t")
    licensed = visible_everywhere(client, engine)
    for path, works in licensed.items():
        assert elsewhere not in works, path  # licensed only in the US; the configured territory is GB
        assert target in works or target not in before[path], path
    assert elsewhere in {w["id"] for w in client.get("/api/works?limit=200&territory=US").json()["items"]}
    lid = client.get("/api/rights/licences").json()
    running = next(r["id"] for r in lid if r["key"] == "running")
    ended = client.post(f"/api/rights/licences/{running}/end", json={"last_day": (day - timedelta(days=1)).isoformat()})
    assert ended.status_code == 200 and ended.json()["ends"] == (day - timedelta(days=1)).isoformat()
    after = visible_everywhere(client, engine)  # at once: no restart, no cache to wait for
    for path, works in after.items():
        assert target not in works and elsewhere not in works, path
    bad = client.post(f"/api/rights/licences/{running}/end", json={"last_day": "1990-01-01"})
    assert bad.status_code == 422 and "before it starts" in bad.text


def test_faces_show_licences_in_both_languages(client: TestClient, engine: Engine, museion_env: str) -> None:
    with engine.connect() as conn:
        key = conn.scalar(select(Work.key).order_by(Work.id))
    with engine.begin() as conn:
        save_holders(conn, [HolderIn("h", "Holder")], actor="t")
        save_licences(conn, [LicenceIn("lic-1", "h", (key,), ("GB",), ("display",), today(), today() + timedelta(days=3),
                                       demo=True)], actor="t")
    for lang in ("en", "zh"):
        for path in ("/rights/licences", "/rights/licences/1", "/rights/conflicts", "/rights/statements?holder=h"):
            r = client.get(path, headers={"Accept-Language": lang})
            assert r.status_code == 200 and "lic-1" in r.text or path == "/rights/conflicts", (lang, path, r.status_code)
    assert "lic-1" in client.get("/rights/licences").text.split('id="expiring"')[1].split("</table>")[0]
    assert client.get("/rights/statements?holder=h&format=csv").text.startswith("holder,start,end")
    curator = auth_headers(engine, "curator")
    assert client.post("/api/rights/expiring/alerts", headers=curator).json()["alerts"]
    odrl = client.get("/api/rights/licences.odrl", headers=curator).json()
    assert odrl["@graph"][0]["uid"] == "urn:museion:licence:lic-1"
    member = auth_headers(engine, member="t:m0")
    assert client.get("/api/rights/licences", headers=member).status_code == 403
    runner = CliRunner()
    listed = runner.invoke(cli, ["rights", "licences", "--json"])
    assert listed.exit_code == 0 and "lic-1" in listed.output
    expiring = runner.invoke(cli, ["rights", "expiring", "--days", "5"])
    assert expiring.exit_code == 0 and "lic-1" in expiring.output
