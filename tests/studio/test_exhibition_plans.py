"""The exhibition builder on SQLite and PostgreSQL: a theme by query (through the search index), subject or seed works
becomes a saved plan meeting representation targets, which a curator swaps, pins, moves and rebuilds (each a
revision), then publishes through the queue to the public gallery. Records are generated, not collection data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue
from museion.cli.main import app as cli
from museion.collab.review import Reviewer, decide
from museion.errors import MuseionError, NotFound
from museion.security.auth import create_account
from museion.server import create_app
from museion.studio import plans, search
from museion.studio.exhibition import Candidate, draft, measure
from museion.studio.exhibitions import published

CREATORS = ("key,name,gender,nationality\n"
            "c1,Turner,Male,British\nc2,Wood,Female,British\nc3,Hepworth,Female,British\nc4,Hokusai,Male,Japanese\n"
            "c5,Kahlo,Female,Mexican\n")
WORKS = "key,kind,title,year,medium,subjects,creators\n" + "".join(
    f"{n},artwork,Sea view {n},{1800 + 10 * n},{medium},sea|{sub},{c}\n"
    for n, (medium, sub, c) in enumerate([("Oil paint on canvas", "harbour", "c1"), ("Watercolour on paper", "boat", "c1"),
                                          ("Oil paint on canvas", "storm", "c1"), ("Bronze", "pier", "c3"),
                                          ("Woodcut on paper", "wave", "c4"), ("Oil paint on canvas", "harbour", "c2"),
                                          ("Graphite on paper", "boat", "c1"), ("Oil paint on canvas", "storm", "c5")], start=1))


@pytest.fixture
def built(engine: Engine, tmp_path: Path) -> tuple[Engine, Path]:
    import_catalogue(engine, tmp_path, CREATORS, WORKS)
    home = tmp_path / "home"
    search.build_index(engine, home)
    return engine, home


def test_targets_pull_in_the_groups_a_relevance_ranking_leaves_out() -> None:
    works = [Candidate(f"m{n}", "x", 1900 + n, (f"man{n}",), "oil", ("sea", "harbour"), (("gender", "male"),), 1.0 - n / 100)
             for n in range(10)]
    works += [Candidate("w1", "x", 1950, ("woman",), "oil", ("sea", "harbour"), (("gender", "female"),), 0.1)]
    targets = {("gender", "female"): 1}
    top = sorted(works, key=lambda c: -c.relevance)[:4]
    plan = draft(works, "sea", 4, targets=targets)
    assert measure(top, "sea", targets)[1] == 0 and measure([p.work for p in plan.picks], "sea", targets)[1] == 1
    assert plan.targets == (("gender", "female", 1, 1),)
    assert next(p for p in plan.picks if p.work.key == "w1").represents == ("gender: female",)


def test_similarity_order_walks_from_the_earliest_through_alike_works() -> None:
    a, b, c = (Candidate(k, k, y, (k,), None, s) for k, y, s in (("a", 1900, ("x", "y")), ("b", 1950, ("x", "y")), ("c", 1910, ("z",))))
    assert [p.work.key for p in draft([a, b, c], "t", 3, order="similarity").picks] == ["a", "b", "c"]
    assert [p.work.key for p in draft([a, b, c], "t", 3).picks] == ["a", "c", "b"]


def test_build_edit_and_publish_a_plan(built: tuple[Engine, Path]) -> None:
    engine, home = built
    with engine.begin() as conn:
        pid = plans.create(conn, home, "sea", actor="cur", size=5, targets=plans.parse_targets(["gender=female:3"]))
        plan = plans.show(conn, pid)
    works = plan["current"]["works"]
    assert len(works) == 5 and plan["current"]["number"] == 1
    assert plan["current"]["summary"]["targets"] == [{"dimension": "gender", "group": "female", "wanted": 3, "got": 3}]
    assert all(w["reasons"] for w in works) and {"why": "represents", "what": "gender: female"} in [r for w in works for r in w["reasons"]]
    outside = next(k for k in (f"g:{n}" for n in range(1, 9)) if k not in {w["key"] for w in works})
    with engine.begin() as conn:
        assert plans.revise(conn, pid, actor="cur", op="swap", key=works[0]["key"], other=outside) == 2
        assert plans.revise(conn, pid, actor="cur", op="move", key=outside, position=5) == 3
        plans.revise(conn, pid, actor="cur", op="pin", key=works[1]["key"])
        assert plans.rebuild(conn, home, pid, actor="cur", order="similarity") == 5
        plan = plans.show(conn, pid)
    now = {w["key"] for w in plan["current"]["works"]}
    assert {outside, works[1]["key"]} <= now and len(now) == 5
    assert [r["number"] for r in plan["history"]] == [5, 4, 3, 2, 1] and plan["history"][3]["change"].startswith("swapped")
    with pytest.raises(MuseionError, match="position from 1 to 5"), engine.begin() as conn:
        plans.revise(conn, pid, actor="cur", op="move", key=outside, position=9)
    with engine.begin() as conn:
        assert plans.show(conn, pid)["current"]["number"] == 5  # the refused change left nothing behind
        first, second = (Reviewer(create_account(conn, f"cur{n}", "curator", actor="test"), "curator") for n in (1, 2))
        proposal = plans.publish(conn, pid, actor="cur")
        for reviewer in (first, second):
            decide(conn, reviewer, proposal, "accept")
        show = published(conn, proposal)
    assert [w["key"] for w in show["works"]] == [w["key"] for w in plan["current"]["works"]]
    with pytest.raises(MuseionError, match="already sent"), engine.begin() as conn:
        plans.publish(conn, pid, actor="cur")
    with pytest.raises(MuseionError, match="is published"), engine.begin() as conn:
        plans.revise(conn, pid, actor="cur", op="pin", key=outside)


def test_themes_by_subject_and_seed_works_and_bad_themes(built: tuple[Engine, Path]) -> None:
    engine, home = built
    with engine.begin() as conn:
        by_subject = plans.build(conn, home, "storm", by="subject", size=3)
        by_seeds = plans.build(conn, home, "g:5", by="seeds", size=3)
    assert {p.work.key for p in by_subject.picks} == {"g:3", "g:8"}
    assert "g:5" in {p.work.key for p in by_seeds.picks}
    with pytest.raises(NotFound, match="no displayable works match the theme"), engine.begin() as conn:
        plans.build(conn, home, "volcano", size=3)
    with pytest.raises(NotFound, match="no work g:99"), engine.begin() as conn:
        plans.build(conn, home, "g:99", by="seeds", size=3)
    with pytest.raises(MuseionError, match="DIMENSION=GROUP:COUNT"):
        plans.parse_targets(["religion=x:2"])
    with pytest.raises(MuseionError, match="chronological or similarity"), engine.begin() as conn:
        plans.build(conn, home, "sea", size=3, order="random")


def test_plans_from_the_cli_api_and_web(built: tuple[Engine, Path], museion_env: str) -> None:
    engine, home = built
    made = CliRunner().invoke(cli, ["studio", "plan", "build", "sea", "--works", "4", "--target", "gender=female:2"])
    assert made.exit_code == 0, made.stderr
    assert "plan 1" in made.stdout and "target gender=female: 2 of 2 (met)" in made.stdout
    refused = CliRunner().invoke(cli, ["studio", "plan", "build", "volcano"])
    assert refused.exit_code == 1 and "no displayable works match the theme" in refused.stderr
    curator = auth_headers(engine, "curator")
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        plan = client.post("/api/studio/plans", headers=curator, json={"theme": "harbour", "by": "subject", "works": 3})
        assert plan.status_code == 201 and plan.json()["current"]["works"], plan.text
        pid, key = plan.json()["id"], plan.json()["current"]["works"][0]["key"]
        assert client.post("/api/studio/plans", headers=curator, json={"theme": "sea", "targets": ["x"]}).status_code == 422
        assert client.post("/api/studio/plans", headers=auth_headers(engine, "analyst"), json={"theme": "sea"}).status_code == 403
        pinned = client.post(f"/api/studio/plans/{pid}/revisions", headers=curator, json={"op": "pin", "key": key})
        assert pinned.status_code == 201 and pinned.json()["current"]["works"][0]["pinned"]
        page = client.post("/studio/plans?lang=en", headers=curator, data={"theme": "sea", "works": "5", "targets": "gender=female:2"})
        assert page.status_code == 303
        web = page.headers["location"]
        en = client.get(f"{web}?lang=en", headers=curator).text
        assert "represents <span translate=\"no\">gender: female</span>" in en and "Send to curators" in en
        zh = client.get(f"{web}?lang=zh-Hans", headers=curator).text
        assert "代表 <span translate=\"no\">gender: female</span>" in zh and "提交给策展人" in zh
        assert "展览策划器" in client.get("/studio/plans?lang=zh-Hans", headers=curator).text
        bad = client.post(f"{web}/change?lang=zh-Hans", headers=curator, data={"op": "move", "key": key, "position": "1"})
        assert bad.status_code == 422 and "不在方案" in bad.text
        missing = client.post("/studio/plans?lang=zh-Hans", headers=curator, data={"theme": "volcano"})
        assert missing.status_code == 422 and "没有可展出的作品符合主题" in missing.text
        sent = client.post(f"/api/studio/plans/{pid}/publish", headers=curator)
        assert sent.status_code == 201 and sent.json()["gallery"].startswith("/gallery/")
        assert client.post(f"/api/studio/plans/{pid}/publish", headers=curator).status_code == 409
        assert client.get("/api/studio/plans/999", headers=curator).status_code == 404
        assert client.get("/studio/plans/999", headers=curator).status_code == 404
