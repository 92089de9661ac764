"""Near-duplicate records: the MinHash core on hand-made and generated records, and the loop through the queue on both
backends — matches proposed once, decisions become links, rejections raise the threshold, automatic links undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue, job_outcome
from museion.cli.main import app as cli

from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.errors import MuseionError
from museion.rights.duplicates import MAX_REPEAT, Record, find_matches, normalise, shingles
from museion.rights.matching import learned_threshold, links, scan
from museion.security.auth import create_account
from museion.server import create_app


def test_normalising_folds_case_accents_and_punctuation() -> None:
    assert normalise("Étude No. 1 —  for Piano") == "etude no 1 for piano"
    assert shingles(Record("a", "Sea", ("B", "A"), 1900)) == shingles(Record("b", "sea!", ("a", "b"), 1901))


def test_a_recatalogued_record_matches_and_a_different_work_does_not() -> None:
    records = [Record("t:1", "A Fishing Boat in Dieppe Harbour", ("Christopher Wood",), 1929, "Oil paint on canvas"),
               Record("t:2", "Fishing boat in Dieppe harbour.", ("Wood, Christopher",), 1929, "Oil paint on canvas"),
               Record("t:3", "Zebra and Parachute", ("Christopher Wood",), 1930, "Oil paint on canvas"),
               Record("t:4", "A Fishing Boat in Dieppe Harbour", ("Christopher Wood",), 1960, "Oil paint on canvas")]
    found = find_matches(records, 0.6)
    assert [(m.first, m.second) for m in found] == [("t:1", "t:2")]  # t:4 is thirty years later: another work
    assert found[0].similarity < 1


def test_a_shared_creator_and_medium_do_not_outweigh_a_different_title() -> None:
    records = [Record("t:1", "Study for Bathers", ("Paul Cézanne",), 1890, "Graphite on paper"),
               Record("t:2", "Study for Mountains", ("Paul Cezanne",), 1890, "Graphite on paper"),
               Record("t:3", "Bathers, study for", ("Cézanne, Paul",), 1891, "Graphite on paper")]
    assert [(m.first, m.second) for m in find_matches(records)] == [("t:1", "t:3")]


def test_series_titles_carry_no_signal() -> None:
    series = [Record(f"t:{n}", "Untitled", ("Gego",), 1977, "Bronze") for n in range(MAX_REPEAT + 1)]
    assert find_matches(series, 0.5) == []
    assert len(find_matches(series[:2], 0.5)) == 1


def test_pairs_already_seen_are_skipped_and_bad_thresholds_refused() -> None:
    records = [Record("t:1", "Sunset", ("Turner",), 1800), Record("t:2", "Sunset", ("Turner",), 1800)]
    assert find_matches(records, 0.9, pairs_seen={("t:1", "t:2")}) == []
    with pytest.raises(ValueError, match="threshold"):
        find_matches(records, 0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.integers(1800, 1810)), min_size=2, max_size=25),
       st.floats(0.3, 1.0))
def test_every_match_is_above_the_threshold_and_named_once(rows: list[tuple[str, int]], threshold: float) -> None:
    records = [Record(f"k:{n}", title, ("Someone",), year) for n, (title, year) in enumerate(rows)]
    found = find_matches(records, threshold)
    assert all(m.similarity >= threshold and m.first < m.second for m in found)
    assert len({(m.first, m.second) for m in found}) == len(found)


WORKS = ("key,kind,title,year,medium,creators\n"
         "1,artwork,A Fishing Boat in Dieppe Harbour,1929,Oil paint on canvas,c1\n"
         "2,artwork,Fishing boat in Dieppe harbour,1929,Oil paint on canvas,c1\n"
         "3,artwork,Zebra and Parachute,1930,Oil paint on canvas,c1\n"
         "4,artwork,Still Life: Last Eleven (No. 6),1972,Oil paint on canvas,c2\n"
         "5,artwork,Still Life: Last Eleven (No. 11),1972,Oil paint on canvas,c2\n")


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    return import_catalogue(engine, tmp_path, "key,name\nc1,Christopher Wood\nc2,Adrian Stokes\n", WORKS)


def test_matches_go_to_curators_once_and_decisions_become_links(catalogue: Engine) -> None:
    engine = catalogue
    with engine.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        found = scan(conn, source="g", limit=10)
    assert (found.records, found.matches, len(found.proposed)) == (5, 2, 2)
    with engine.begin() as conn:
        assert scan(conn, source="g").proposed == []  # a pair goes to curators once
        boats = next(p for p in found.proposed if "g:1" in proposal_row(conn, p).subject)
        prints = next(p for p in found.proposed if p != boats)
        assert proposal_row(conn, boats).evidence["titles"][1] == "Fishing boat in Dieppe harbour"
        decide(conn, curator, boats, "accept")
        low = proposal_row(conn, prints).payload["similarity"]
    with pytest.raises(MuseionError, match="relation must be"), engine.begin() as conn:
        decide(conn, curator, prints, "edit", final={"works": ["g:4", "g:5"], "relation": "cousin", "similarity": low})
    with engine.begin() as conn:  # the refused edit changed nothing: the proposal is still the curator's to decide
        decide(conn, curator, prints, "reject", reason="two canvases of a series, not one record")
    with engine.connect() as conn:
        made = links(conn)
        assert {(link["work"], link["other_work"], link["relation"]) for link in made} == {
            ("g:1", "g:2", "same_as"), ("g:4", "g:5", "distinct")}
        assert learned_threshold(conn) >= low  # the rejected pair's similarity no longer proposes


def test_an_unknown_source_is_refused(catalogue: Engine) -> None:
    with pytest.raises(MuseionError, match="no works from source"), catalogue.begin() as conn:
        scan(conn, source="nowhere")


def test_cli_and_api(catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    scanned = run(cli, ["rights", "duplicates", "--source", "g", "--limit", "1"])
    assert scanned.exit_code == 0, scanned.stderr
    assert "5 records scanned" in scanned.stdout and "1 queued" in scanned.stdout
    assert run(cli, ["rights", "duplicates", "--source", "nowhere"]).exit_code == 1
    with catalogue.begin() as conn:
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        first = proposal_row(conn, 1)
        decide(conn, curator, first.id, "edit", final={**first.payload, "relation": "related"})
    assert "related" in run(cli, ["rights", "links"]).stdout
    curator = auth_headers(catalogue, "curator")
    with TestClient(create_app(catalogue, tmp_path / "home")) as client:
        made = client.get("/api/rights/links", headers=curator).json()
        assert [(m["work"], m["relation"]) for m in made] == [("g:1", "related")]
        job = job_outcome(client, client.post("/api/rights/duplicates", headers=curator, json={"source": "g"}), curator)
        assert job["status"] == "succeeded" and job["result"]["records"] == 5 and len(job["result"]["proposed"]) == 1
        assert job["links"]["web"].startswith("/queue?kind=rights.duplicate")
        missing = job_outcome(client, client.post("/api/rights/duplicates", headers=curator, json={"source": "nowhere"}), curator)
        assert missing["status"] == "failed" and "no works from source nowhere" in missing["error"]
        assert client.post("/api/rights/duplicates", headers=curator, json={"limit": 0}).status_code == 422
        assert client.post("/api/rights/duplicates", headers=auth_headers(catalogue, "analyst"), json={}).status_code == 403


def test_the_web_page_starts_a_scan_job(catalogue: Engine, tmp_path: Path) -> None:
    curator = auth_headers(catalogue, "curator")
    with TestClient(create_app(catalogue, tmp_path / "home"), follow_redirects=False) as client:
        page = client.get("/rights/duplicates?lang=zh-Hans", headers=curator).text
        assert "疑似重复记录" in page and "0.70" in page
        started = client.post("/rights/duplicates", headers=curator, data={"source": "g", "limit": "5"})
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
        job = job_outcome(client, "/api" + started.headers["location"], curator)
        assert job["status"] == "succeeded" and len(job["result"]["proposed"]) == 2
        assert client.post("/rights/duplicates", headers=curator, data={"source": "a b"}).status_code == 422
