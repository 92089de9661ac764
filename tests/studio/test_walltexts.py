"""Wall-text drafts: template-made from the record and related works (English, and Chinese where a subject has a
Chinese name), labelled with evidence, model version and confidence, decided by a curator in the queue, and shown on
the work page as AI-assisted only once accepted — on SQLite and PostgreSQL, from the CLI, API and web. Records are
generated, not collection data."""

from __future__ import annotations

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
from museion.security.auth import create_account
from museion.server import create_app
from museion.studio import search
from museion.studio.descriptions import accepted_walltext, propose_walltext
from museion.studio.walltext import MODEL, Record, draft

CREATORS = "key,name\nc1,\"Turner, Joseph Mallord William\"\nc2,\"Hepworth, Barbara\"\n"
WORKS = ("key,kind,title,year,medium,subjects,creators\n1,artwork,Harbour at Dawn,1830,Oil paint on canvas,sea|harbour,c1\n"
         "2,artwork,Storm at Sea,1840,Oil paint on canvas,sea|storm,c1\n3,artwork,Pier,1950,Bronze,sea|pier,c2\n"
         "4,artwork,Untitled,,,,\n")


def test_a_draft_says_only_what_the_record_holds() -> None:
    full = draft(Record("k", "Harbour", ("Turner, J. M. W.",), 1830, "Oil paint on canvas", ("sea",)),
                 [Record("r", "Storm", ("Turner, J. M. W.",), 1840, None, ())])
    assert full.en.startswith("Harbour was made by J. M. W. Turner in 1830. It is oil paint on canvas.")
    assert "by the same hand: Storm (1840)" in full.en and full.zh is not None and "海" in full.zh
    assert full.confidence == 1.0 and full.evidence["related"] == ["r"] and full.evidence["model"] == MODEL
    bare = draft(Record("k", "Untitled", (), None, None, ()))
    assert bare.en == "Untitled was made by an unknown artist." and bare.zh is None and bare.confidence == pytest.approx(1 / 6, abs=1e-3)


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    import_catalogue(engine, tmp_path, CREATORS, WORKS)
    home = tmp_path / "home"
    search.build_index(engine, home)
    return engine, home


def test_a_wall_text_is_shown_only_once_a_curator_accepts_it(catalogue: tuple[Engine, Path], museion_env: str) -> None:
    engine, home = catalogue
    with engine.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        pid = propose_walltext(conn, home, "g:1")
        row = proposal_row(conn, pid)
        assert row.kind == "work.description" and row.confidence == 1.0 and row.evidence["related"]
        assert accepted_walltext(conn, "g:1") is None  # a draft is not published
        work_id = conn.scalar(select(Work.id).where(Work.key == "g:1"))
    with pytest.raises(NotFound), engine.begin() as conn:
        propose_walltext(conn, home, "g:99")
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        staff = auth_headers(engine, "admin")
        assert "AI-assisted" not in client.get(f"/works/{work_id}?lang=en", headers=staff).text
        with engine.begin() as conn:
            decide(conn, curator, pid, "edit", final={"en": "Harbour at Dawn, by Turner.", "zh": "《Harbour at Dawn》，特纳作。"})
        en = client.get(f"/works/{work_id}?lang=en", headers=staff).text
        assert "AI-assisted" in en and "Harbour at Dawn, by Turner." in en and MODEL in en
        assert "AI 辅助" in client.get(f"/works/{work_id}?lang=zh-Hans", headers=staff).text
        made = client.post("/api/studio/walltexts", headers=auth_headers(engine, "curator"), json={"key": "g:3"})
        assert made.status_code == 201 and made.json()["kind"] == "work.description"
        assert client.post("/api/studio/walltexts", headers=auth_headers(engine, "curator"), json={"key": "g:99"}).status_code == 404
    with engine.begin() as conn:
        decide(conn, curator, made.json()["id"], "reject", reason="too flat")
        assert accepted_walltext(conn, "g:3") is None
    out = CliRunner().invoke(cli, ["studio", "walltext", "g:2"])
    assert out.exit_code == 0 and "queued as proposal" in out.stdout and "Storm at Sea was made by" in out.stdout


def test_an_accepted_wall_text_shows_in_the_public_gallery(catalogue: tuple[Engine, Path]) -> None:
    from museion.studio import plans

    engine, home = catalogue
    with engine.begin() as conn:
        first, second = (Reviewer(create_account(conn, f"cur{n}", "curator", actor="test"), "curator") for n in (1, 2))
        decide(conn, first, propose_walltext(conn, home, "g:1"), "accept")
        proposal = plans.publish(conn, plans.create(conn, home, "sea", actor="cur", size=3), actor="cur")
        for reviewer in (first, second):
            decide(conn, reviewer, proposal, "accept")
    with TestClient(create_app(engine, home)) as client:
        page = client.get(f"/gallery/{proposal}?lang=en").text
    assert "AI-assisted" in page and "Harbour at Dawn was made by Joseph Mallord William Turner in 1830." in page


def _settings(url: str | None, timeout: float = 2.0):  # type: ignore[no-untyped-def]
    from museion.config import Settings

    return Settings(studio_llm_url=url, studio_llm_model="tiny", studio_llm_timeout=timeout)


def test_a_configured_endpoint_writes_the_draft_and_its_prompt_is_kept(catalogue: tuple[Engine, Path], httpserver) -> None:  # type: ignore[no-untyped-def]
    engine, home = catalogue
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        {"model": "tiny-1", "choices": [{"message": {"role": "assistant", "content": "A harbour at first light, by Turner."}}]})
    with engine.begin() as conn:
        pid = propose_walltext(conn, home, "g:1", endpoint=_settings(httpserver.url_for("/v1")))
        row = proposal_row(conn, pid)
    sent = httpserver.log[0][0].get_json()
    assert sent["model"] == "tiny" and "Title: Harbour at Dawn" in sent["messages"][0]["content"]
    assert row.payload["en"] == "A harbour at first light, by Turner." and row.payload["zh"] is None
    assert row.evidence["model"] == "tiny-1 (endpoint)" and row.evidence["prompt"] == sent["messages"][0]["content"]
    assert row.evidence["output"] == row.payload["en"] and row.evidence["template"].startswith("Harbour at Dawn was made by")


@pytest.mark.parametrize("failure", ["status", "shape", "empty", "slow", "unreachable", "unset"])
def test_a_failing_endpoint_is_named_and_nothing_is_saved(catalogue: tuple[Engine, Path], httpserver, failure: str) -> None:  # type: ignore[no-untyped-def]
    import threading

    from museion.collab.queue import outcomes
    from museion.collab.reporting import counts
    from museion.errors import MuseionError

    engine, home = catalogue
    route = httpserver.expect_request("/v1/chat/completions")
    if failure == "status":
        route.respond_with_data("overloaded", status=503)
    elif failure == "shape":
        route.respond_with_json({"answer": "hello"})
    elif failure == "empty":
        route.respond_with_json({"choices": [{"message": {"content": "  "}}]})
    released = threading.Event()  # the test server answers one request at a time: free it once the client gave up
    if failure == "slow":
        route.respond_with_handler(lambda _request: released.wait(5))
    url = {"unreachable": "http://127.0.0.1:9/v1", "unset": None}.get(failure, httpserver.url_for("/v1"))
    expected = {"status": "answered HTTP 503", "shape": "not a chat completion", "empty": "an empty text",
                "slow": "did not answer within 0.5 seconds", "unreachable": "could not be reached", "unset": "no text-generation endpoint"}
    try:
        with pytest.raises(MuseionError, match=expected[failure]), engine.begin() as conn:
            propose_walltext(conn, home, "g:1", endpoint=_settings(url, timeout=0.5))
    finally:
        released.set()
    with engine.connect() as conn:
        assert "work.description" not in counts(conn) and outcomes(conn, "work.description") == []


def test_an_edit_must_keep_english_words(catalogue: tuple[Engine, Path]) -> None:
    from museion.errors import MuseionError

    engine, home = catalogue
    with engine.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        pid = propose_walltext(conn, home, "g:2")
    with pytest.raises(MuseionError, match="needs English text"), engine.begin() as conn:
        decide(conn, curator, pid, "edit", final={"en": " ", "zh": None})
    with engine.connect() as conn:
        assert accepted_walltext(conn, "g:2") is None


def _signed_in(client: TestClient, engine: Engine, role: str) -> None:
    """Sign in through the login form, as a browser would (the session's forms then carry its CSRF token)."""
    import re

    token = auth_headers(engine, role)["Authorization"].removeprefix("Bearer ")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303


def test_the_work_page_button_queues_a_draft_and_links_to_its_proposal(catalogue: tuple[Engine, Path]) -> None:
    import re

    engine, home = catalogue
    with engine.connect() as conn:
        work_id = conn.scalar(select(Work.id).where(Work.key == "g:2"))
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        assert "walltext-form" not in client.get(f"/works/{work_id}?lang=en", headers=auth_headers(engine, "analyst")).text
        _signed_in(client, engine, "curator")
        page = client.get(f"/works/{work_id}?lang=en").text
        assert "Draft a wall text for a curator to decide" in page
        csrf = re.search(r'id="walltext-form"><input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert client.post("/studio/walltexts", data={"key": "g:2"}).status_code in (400, 403)  # no CSRF token: refused
        made = client.post("/studio/walltexts", data={"csrf_token": csrf, "key": "g:2"})
        assert made.status_code == 303 and (where := made.headers["location"]).startswith("/queue/")
        with engine.connect() as conn:
            row = proposal_row(conn, int(where.removeprefix("/queue/")))
        assert row.kind == "work.description" and row.subject == "work:g:2" and row.status == "open"
        assert "Storm at Sea was made by" in client.get(f"{where}?lang=en").text
        zh = client.get(f"/works/{work_id}?lang=zh-Hans").text
        assert "起草一段展签文字，交由策展人决定" in zh and "Draft a wall text" not in zh
        missing = client.post("/studio/walltexts?lang=zh-Hans", data={"csrf_token": csrf, "key": "g:99"})
        assert missing.status_code == 404 and "馆藏中没有作品 g:99" in missing.text
        assert "no work" in client.post("/studio/walltexts?lang=en", data={"csrf_token": csrf, "key": "g:99"}).text
