"""Related works as AI suggestions: "more like this" proposals with their evidence, decided by a curator into work
links shown on the work page (English and Chinese), from the CLI, the API and the work page's button; both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.errors import NotFound
from museion.rights.models import WorkLink
from museion.security.auth import create_account
from museion.server import create_app
from museion.studio import search
from museion.studio.related import KIND, propose_related

CREATORS = "key,name\nc1,\"Turner, Joseph Mallord William\"\nc2,\"Hepworth, Barbara\"\n"
WORKS = ("key,kind,title,year,medium,subjects,creators\n1,artwork,Harbour at Dawn,1830,Oil paint on canvas,sea|harbour,c1\n"
         "2,artwork,Storm at Sea,1840,Oil paint on canvas,sea|storm,c1\n3,artwork,Pier,1950,Bronze,sea|pier,c2\n"
         "4,artwork,Mountain,1960,Pencil on paper,mountain,c2\n")


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    import_catalogue(engine, tmp_path, CREATORS, WORKS)
    home = tmp_path / "home"
    search.build_index(engine, home)
    return engine, home


def _ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Work.key, Work.id)).all())


def test_accepted_suggestions_become_related_links_with_who_accepted(catalogue: tuple[Engine, Path], museion_env: str) -> None:
    engine, home = catalogue
    ids = _ids(engine)
    with engine.begin() as conn:
        curator_id = create_account(conn, "cur", "curator", actor="test")
        curator = Reviewer(curator_id, "curator")
        found = propose_related(conn, home, "g:1", limit=2)
        rows = [proposal_row(conn, i) for i in found]
        assert len(rows) == 2 and {r.kind for r in rows} == {KIND} and {r.payload["works"][0] for r in rows} == {"g:1"}
        assert rows[0].payload["works"][1] == "g:2"  # same creator, medium and subject: the most alike
        assert "sea" in rows[0].evidence["shared_terms"] and rows[0].evidence["score"] > rows[1].evidence["score"] > 0
        assert rows[0].evidence["model"].startswith("search index built ") and search.current(home).info["built_at"] in rows[0].evidence["model"]
        assert propose_related(conn, home, "g:1", limit=2) == []  # pairs already proposed are not proposed again
        decide(conn, curator, found[0], "accept")
        decide(conn, curator, found[1], "reject", reason="only the sea in common")
        links = conn.execute(select(WorkLink.work_id, WorkLink.other_work_id, WorkLink.relation, WorkLink.decided_by)).all()
        assert [tuple(x) for x in links] == [(ids["g:1"], ids["g:2"], "related", f"account:{curator_id}")]
    with pytest.raises(NotFound), engine.begin() as conn:
        propose_related(conn, home, "g:99")
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        staff = auth_headers(engine, "admin")
        en = client.get(f"/works/{ids['g:2']}?lang=en", headers=staff).text
        assert f'related <a href="/works/{ids["g:1"]}">' in en and f"AI proposal #{found[0]}" in en and f"<code>account:{curator_id}</code>" in en
        zh = client.get(f"/works/{ids['g:2']}?lang=zh-Hans", headers=staff).text
        assert f'相关 <a href="/works/{ids["g:1"]}">' in zh and "AI 提议" in zh
        made = client.post("/api/studio/related", headers=auth_headers(engine, "curator"), json={"key": "g:3", "limit": 1})
        assert made.status_code == 201 and [p["kind"] for p in made.json()] == [KIND]
        assert client.post("/api/studio/related", headers=auth_headers(engine, "curator"), json={"key": "g:99"}).status_code == 404
        assert client.post("/api/studio/related", headers=auth_headers(engine, "analyst"), json={"key": "g:3"}).status_code == 403
    out = CliRunner().invoke(cli, ["studio", "related", "g:4", "--limit", "1"])
    assert out.exit_code == 0 and "1 related work(s) queued" in out.stdout and "shared:" in out.stdout


def test_the_work_page_button_queues_suggestions(catalogue: tuple[Engine, Path]) -> None:
    engine, home = catalogue
    ids = _ids(engine)
    token = auth_headers(engine, "curator")["Authorization"].removeprefix("Bearer ")
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        assert client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303
        page = client.get(f"/works/{ids['g:1']}?lang=en").text
        csrf = re.search(r'id="related-form"><input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert client.post("/studio/related", data={"key": "g:1"}).status_code in (400, 403)  # no CSRF token: refused
        made = client.post("/studio/related", data={"csrf_token": csrf, "key": "g:1"})
        assert made.status_code == 303 and made.headers["location"] == f"/queue?kind={KIND}"
        listed = client.get(made.headers["location"]).text
        assert "Storm at Sea" in listed or "g:2" in listed
        assert "推荐相关作品，交由策展人决定" in client.get(f"/works/{ids['g:1']}?lang=zh-Hans").text
        missing = client.post("/studio/related?lang=zh-Hans", data={"csrf_token": csrf, "key": "g:99"})
        assert missing.status_code == 404 and "馆藏中没有作品 g:99" in missing.text
