"""Creator matches from the catalogue to curators' decisions (SQLite and PostgreSQL), and their faces: the CLI, the API
through the real app, the creator page in both languages, and creators' sameAs in the JSON-LD export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from helpers import auth_headers, job_outcome
from museion.catalog.models import Creator
from museion.cli.main import app as cli
from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.errors import MuseionError, NotFound
from museion.heritage import creator_links
from museion.security.auth import create_account
from museion.server import create_app

CREATORS = [  # generated records in the shape the Tate and MoMA adapters load
    ("tate:707", "tate", "Bawden, Edward", 1903, 1989, "Male", None, {"url": "http://www.tate.org.uk/art/artists/edward-bawden-707"}),
    ("tate:1971", "tate", "Soutine, Chaïm", 1893, 1943, "Male", None, {}),
    ("tate:16", "tate", "Bell, Vanessa", 1879, 1961, "Female", None, {}),
    ("moma:395", "moma", "Edward Bawden", 1903, 1989, "Male", "British", {"wikidata": "Q5342593", "ulan": "500013589"}),
    ("moma:5543", "moma", "Chaim Soutine", 1893, 1943, "Male", "French", {"wikidata": "Q156622"}),
    ("moma:9", "moma", "Frank Stella", 1936, None, "Male", "American", {}),
]


@pytest.fixture
def creators(engine: Engine) -> Engine:
    with engine.begin() as conn:
        for key, source, name, born, died, gender, nationality, ids in CREATORS:
            conn.execute(insert(Creator).values(key=key, source=source, name=name, roles=["artist"], birth_year=born,
                                                death_year=died, gender=gender, nationality=nationality, external_ids=ids,
                                                content_hash=hashlib.md5(key.encode()).digest()))
    return engine


def _id(conn, key: str) -> int:  # type: ignore[no-untyped-def]
    return int(conn.scalar(select(Creator.id).where(Creator.key == key)))


def test_pairs_go_to_curators_once_and_decisions_become_links_or_refusals(creators: Engine) -> None:
    with creators.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        found = creator_links.scan(conn, ["tate", "moma"])
    assert found["creators"] == {"tate": 3, "moma": 3} and found["pairs"] == 2 and len(found["proposed"]) == 2
    with creators.begin() as conn:
        assert creator_links.scan(conn, ["tate", "moma"])["proposed"] == []  # a pair goes to curators once
        rows = {proposal_row(conn, p).subject: p for p in found["proposed"]}
        bawden, soutine = rows["creators:moma:395|tate:707"], rows["creators:moma:5543|tate:1971"]
        evidence = proposal_row(conn, bawden).evidence
        assert evidence["names"] == ["Edward Bawden", "Bawden, Edward"] and evidence["years"] == ["1903–1989", "1903–1989"]
        assert evidence["score"] == 1.0 and proposal_row(conn, bawden).kind == "heritage.same_creator"
        decide(conn, curator, bawden, "accept")
        decide(conn, curator, soutine, "reject", reason="checking: keep apart for now")
    with creators.connect() as conn:
        made = {(link["creator"], link["other_creator"], link["relation"]) for link in creator_links.links(conn)}
        assert made == {("moma:395", "tate:707", "same_person"), ("moma:5543", "tate:1971", "distinct")}
        tate_bawden = _id(conn, "tate:707")
        uris = creator_links.linked_uris(conn, [tate_bawden])[tate_bawden]
        assert uris == ["urn:museion:creator:moma:395", "http://vocab.getty.edu/page/ulan/500013589",
                        "http://www.wikidata.org/entity/Q5342593"]
        assert creator_links.linked_uris(conn, [_id(conn, "tate:1971")]) == {}  # a refusal links nothing
    with creators.begin() as conn:
        assert creator_links.scan(conn, ["tate", "moma"])["pairs"] == 0  # the refused pair is not proposed again
        link = next(row for row in creator_links.links(conn) if row["relation"] == "same_person")
        creator_links.unlink(conn, link["id"], "account:1")
    with creators.connect() as conn:
        assert [row["relation"] for row in creator_links.links(conn)] == ["distinct"]
        with pytest.raises(NotFound):
            creator_links.unlink(conn, 999, "account:1")


def test_the_jsonld_export_gives_creators_their_own_and_linked_uris(creators: Engine) -> None:
    from museion.catalog.export import creator_node

    with Session(creators) as session:
        moma = session.scalars(select(Creator).where(Creator.key == "moma:395")).one()
        node = creator_node(moma, "artist", {moma.id: ["urn:museion:creator:tate:707"]})
    assert node["sameAs"] == ["http://vocab.getty.edu/page/ulan/500013589", "http://www.wikidata.org/entity/Q5342593",
                              "urn:museion:creator:tate:707"]


def test_bad_sources_and_thresholds_are_refused_by_name(creators: Engine) -> None:
    with creators.begin() as conn:
        with pytest.raises(NotFound, match="no creators from source nowhere"):
            creator_links.scan(conn, ["tate", "nowhere"])
        with pytest.raises(MuseionError, match="one or two sources"):
            creator_links.scan(conn, ["tate", "moma", "g"])
        with pytest.raises(MuseionError, match="threshold"):
            creator_links.scan(conn, ["tate"], threshold=0)


def test_cli_api_pages_and_export(creators: Engine, museion_env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    matched = run(cli, ["heritage", "creators", "match", "--sources", "tate,moma", "--limit", "1"])
    assert matched.exit_code == 0, matched.stderr
    assert "3 tate, 3 moma creators" in matched.stdout and "1 queued" in matched.stdout
    assert run(cli, ["heritage", "creators", "match", "--sources", "tate,nowhere"]).exit_code == 1
    with creators.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        decide(conn, curator, proposal_row(conn, 1).id, "accept")
        tate_id, moma_id = _id(conn, "tate:707"), _id(conn, "moma:395")
    listed = run(cli, ["heritage", "creators", "links", "--json"])
    assert json.loads(listed.stdout)[0]["relation"] == "same_person"
    headers = auth_headers(creators, "curator")
    with TestClient(create_app(creators, tmp_path / "home"), follow_redirects=False) as client:
        one = client.get(f"/api/creators/{tate_id}", headers=headers).json()
        assert one["same_as"] == ["http://www.tate.org.uk/art/artists/edward-bawden-707", "urn:museion:creator:moma:395",
                                  "http://vocab.getty.edu/page/ulan/500013589", "http://www.wikidata.org/entity/Q5342593"]
        page = client.get("/api/creators?source=moma", headers=headers).json()["items"]
        assert "http://www.wikidata.org/entity/Q156622" in next(c for c in page if c["key"] == "moma:5543")["same_as"]
        links = client.get("/api/heritage/creators/matches", headers=headers).json()
        assert [(row["creator"], row["other_creator"]) for row in links] == [("moma:395", "tate:707")]
        job = job_outcome(client, client.post("/api/heritage/creators/matches", headers=headers, json={}), headers)
        assert job["status"] == "succeeded" and job["result"]["pairs"] == 1 and len(job["result"]["proposed"]) == 1
        assert job["links"]["web"] == "/queue?kind=heritage.same_creator&status=open"
        failed = job_outcome(client, client.post("/api/heritage/creators/matches", headers=headers,
                                                 json={"sources": ["tate", "nowhere"]}), headers)
        assert failed["status"] == "failed" and "no creators from source nowhere" in failed["error"]
        assert client.post("/api/heritage/creators/matches", headers=headers, json={"limit": 0}).status_code == 422
        analyst = auth_headers(creators, "analyst")
        assert client.post("/api/heritage/creators/matches", headers=analyst, json={}).status_code == 403
        english = client.get(f"/creators/{moma_id}", headers=headers).text
        assert "Wikidata" in english and 'href="http://www.wikidata.org/entity/Q5342593"' in english
        assert "Getty ULAN" in english and "Same person as" in english and f'href="/creators/{tate_id}"' in english
        chinese = client.get(f"/creators/{tate_id}?lang=zh-Hans", headers=headers).text
        assert "同一人" in chinese and "来源处的页面" in chinese and 'href="http://www.wikidata.org/entity/Q5342593"' in chinese
        assert client.get("/creators/999999", headers=headers).status_code == 404
        proposal = client.get("/queue/2?lang=zh-Hans", headers=headers).text
        assert "两条记录是否为同一创作者" in proposal and "生卒年" in proposal and "Chaim Soutine" in proposal
        overview = client.get("/heritage/creators?lang=zh-Hans", headers=headers).text
        assert "跨来源的创作者" in overview and "moma:395" in overview
        started = client.post("/heritage/creators/match", headers=headers, data={"sources": "tate,moma", "limit": "5"})
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
        job_outcome(client, "/api" + started.headers["location"], headers)
        assert client.post("/heritage/creators/match", headers=headers, data={"sources": "a b"}).status_code == 422
        link_id = links[0]["id"]
        gone = client.post(f"/heritage/creators/links/{link_id}/unlink", headers=headers, data={"back": str(tate_id)})
        assert gone.status_code == 303 and gone.headers["location"] == f"/creators/{tate_id}"
        assert client.delete(f"/api/heritage/creators/matches/{link_id}", headers=headers).status_code == 404
        assert client.get("/api/heritage/creators/matches", headers=headers).json() == []
