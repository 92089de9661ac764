"""Exhibition drafts: the pure builder (coverage, diversity, order, reasons) and the draft's road through the queue to
two curators, with edits checked against the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue
from museion.cli.main import app as cli

from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.errors import MuseionError
from museion.security.auth import create_account
from museion.server import create_app
from museion.studio.exhibition import Candidate, draft
from museion.studio.exhibitions import exhibitions, propose_exhibition


def candidate(key: str, year: int, creator: str, medium: str, *subjects: str) -> Candidate:
    return Candidate(key, f"Work {key}", year, (creator,), medium, ("sea", *subjects))


def test_each_pick_adds_something_and_the_show_hangs_in_time_order() -> None:
    works = [candidate("a", 1900, "Turner", "Oil paint on canvas", "harbour"),
             candidate("b", 1901, "Turner", "Oil paint on canvas", "harbour"),
             candidate("c", 1950, "Wood", "Watercolour on paper", "boat"),
             candidate("d", 1850, "Turner", "Oil paint on canvas", "storm"),
             candidate("e", 1920, "Hepworth", "Bronze", "harbour", "boat")]
    plan = draft(works, "sea", 3)
    keys = [p.work.key for p in plan.picks]
    assert len(keys) == 3 and "b" not in keys  # b adds nothing a already brings
    assert [p.work.year for p in plan.picks] == sorted(p.work.year for p in plan.picks)
    assert plan.sub_themes == 3 and plan.creators == 3
    assert all(p.sub_themes or p.new_creator or p.new_medium for p in plan.picks)


def test_no_creator_dominates() -> None:
    works = [candidate(str(n), 1900 + n, "Turner", "Oil paint", f"s{n}") for n in range(10)]
    assert len(draft(works, "sea", 8).picks) == 2  # two per creator, then nothing else qualifies
    with pytest.raises(ValueError, match="at least one"):
        draft(works, "sea", 0)


@given(st.lists(st.tuples(st.integers(1800, 2000), st.sampled_from("ABCD"), st.sampled_from(["oil", "ink", "bronze"]),
                          st.sets(st.sampled_from(["x", "y", "z", "w"]))), max_size=25), st.integers(1, 10))
def test_drafts_never_repeat_a_work_or_exceed_the_size(rows: list, size: int) -> None:
    works = [Candidate(f"k{n}", "t", year, (creator,), medium, tuple(subs)) for n, (year, creator, medium, subs) in enumerate(rows)]
    plan = draft(works, "theme", size)
    keys = [p.work.key for p in plan.picks]
    assert len(keys) == len(set(keys)) <= size


WORKS = ("key,kind,title,year,medium,subjects,creators\n"
         "1,artwork,Harbour at Dawn,1900,Oil paint on canvas,sea|harbour,c1\n"
         "2,artwork,Fishing Boats,1905,Watercolour on paper,sea|boat,c2\n"
         "3,artwork,Storm,1920,Oil paint on canvas,sea|storm,c1\n"
         "4,artwork,Pier,1950,Bronze,sea|harbour|pier,c3\n"
         "5,artwork,Portrait,1930,Oil paint on canvas,portrait,c2\n")


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    return import_catalogue(engine, tmp_path, "key,name\nc1,Turner\nc2,Wood\nc3,Hepworth\n", WORKS)


def test_a_draft_goes_to_two_curators_and_becomes_a_plan(catalogue: Engine) -> None:
    engine = catalogue
    with engine.begin() as conn:
        first, second = (Reviewer(create_account(conn, f"cur{n}", "curator", actor="test"), "curator") for n in (1, 2))
        pid = propose_exhibition(conn, "Sea", size=3, title="By the sea")
        row = proposal_row(conn, pid)
    assert (row.decider, row.reviewers, row.status) == ("curator", 2, "open")  # creative work: two people decide
    assert row.payload["title"] == "By the sea" and len(row.payload["works"]) == 3
    assert "g:5" not in row.payload["works"] and len(row.evidence["choices"]) == 3
    edited = {"title": "By the sea", "works": list(reversed(row.payload["works"]))}  # a curator re-hangs it
    with pytest.raises(MuseionError, match="no work g:99"), engine.begin() as conn:
        decide(conn, first, pid, "edit", final={"title": "x", "works": ["g:99"]})
        decide(conn, second, pid, "edit", final={"title": "x", "works": ["g:99"]})
    with engine.begin() as conn:
        decide(conn, first, pid, "edit", final=edited)
        assert decide(conn, second, pid, "edit", final=edited) == "decided"
        saved, = exhibitions(conn)
    assert (saved["title"], saved["works"], saved["decision"]) == ("By the sea", edited["works"], "edit")


def test_bad_drafts_are_refused(catalogue: Engine) -> None:
    with pytest.raises(MuseionError, match="only 0 works carry the subject"), catalogue.begin() as conn:
        propose_exhibition(conn, "volcano")
    with pytest.raises(MuseionError, match="3 to 60 works"), catalogue.begin() as conn:
        propose_exhibition(conn, "sea", size=2)


def test_exhibitions_from_the_cli_api_and_web(catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    drafted = CliRunner().invoke(cli, ["studio", "exhibit", "sea", "--works", "3", "--title", "By the sea"])
    assert drafted.exit_code == 0, drafted.stderr
    assert "queued as proposal 1" in drafted.stdout and "g:" in drafted.stdout
    assert CliRunner().invoke(cli, ["studio", "exhibit", "volcano"]).exit_code == 1
    curator = auth_headers(catalogue, "curator")
    with TestClient(create_app(catalogue, tmp_path / "home"), follow_redirects=False) as client:
        made = client.post("/api/studio/exhibitions", headers=curator, json={"theme": "sea", "works": 4})
        assert made.status_code == 201 and len(made.json()["works"]) == 4 and len(made.json()["choices"]) == 4
        assert client.post("/api/studio/exhibitions", headers=curator, json={"theme": "sea", "works": 99}).status_code == 422
        assert client.post("/api/studio/exhibitions", headers=auth_headers(catalogue, "analyst"), json={"theme": "sea"}).status_code == 403
        page = client.post("/studio/exhibitions?lang=en", headers=curator, data={"theme": "sea", "works": "3"})
        assert page.status_code == 303 and page.headers["location"].startswith("/queue/")
        refused = client.post("/studio/exhibitions?lang=zh-Hans", headers=curator, data={"theme": "volcano", "works": "3"})
        assert refused.status_code == 422 and "只有 0 件作品带有主题" in refused.text
        assert "起草展览" in client.get("/studio/exhibitions?lang=zh-Hans", headers=curator).text
        assert client.get("/api/studio/exhibitions", headers=curator).json() == []


def test_an_accepted_exhibition_opens_as_a_public_gallery(catalogue: Engine, tmp_path: Path) -> None:
    with catalogue.begin() as conn:
        first, second = (Reviewer(create_account(conn, f"cur{n}", "curator", actor="test"), "curator") for n in (1, 2))
        pid = propose_exhibition(conn, "Sea", size=3, title="By the sea")
    with TestClient(create_app(catalogue, tmp_path / "home"), follow_redirects=False) as client:
        assert client.get(f"/gallery/{pid}").status_code == 404  # a draft is not published
        with catalogue.begin() as conn:
            hung = ["g:4", "g:1", "g:2"]
            for reviewer in (first, second):
                decide(conn, reviewer, pid, "edit", final={"title": "By the sea", "works": hung})
        page = client.get(f"/gallery/{pid}?lang=en")  # no sign-in
        assert page.status_code == 200 and "By the sea" in page.text and "Hepworth" in page.text
        assert page.text.index("Pier") < page.text.index("Harbour at Dawn") < page.text.index("Fishing Boats")
        assert 'tabindex="0"' in page.text
        zh = client.get(f"/gallery/{pid}?lang=zh-Hans")
        assert zh.status_code == 200 and "按陈列顺序排列的作品" in zh.text
        assert client.get("/gallery/999").status_code == 404
        assert client.get("/gallery/0").status_code == 422
