"""Member controls and the served-list log: every list served is logged; switching personalisation off and
deleting an interest tag change the very next list; the interests come through the gate; all audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, import_views, inspecting, member_id_for
from museion import audit
from museion.catalog.models import Work, WorkTerm
from museion.cli.main import app as cli
from museion.errors import NotFound
from museion.fairness.serving import open_recommender
from museion.privacy import consent, preferences, tombstones
from museion.privacy.models import AccessRecord, ServedEntry
from museion.recommend.serving import RecommenderService
from museion.recommend.training import train

GENRES = ("Drama", "Comedy", "Noir")


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> RecommenderService:
    """12 films in three genres; 8 members who each viewed all but three of them (one per genre)."""
    import_views(engine, tmp_path, genres=GENRES, works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "itemknn", source="t", actor="t").id)
    return open_recommender(engine, home)


def member(engine: Engine, key: str = "t:m0") -> int:
    with engine.connect() as conn, inspecting():
        return member_id_for(conn, key)


def genres_of(engine: Engine, work_ids: list[int]) -> set[str]:
    with engine.connect() as conn, inspecting():
        return set(conn.scalars(select(WorkTerm.term).where(WorkTerm.work_id.in_(work_ids), WorkTerm.vocabulary == "genre")))


def test_every_list_served_to_a_known_member_is_logged(service: RecommenderService) -> None:
    engine = service.engine
    first = service.recommend("t:m0", 3, actor="test")
    second = service.recommend("t:m1", 2, actor="test", personalise=False)
    with pytest.raises(NotFound):
        service.recommend("t:nobody", 3, actor="test")
    with engine.connect() as conn, inspecting():
        rows = conn.execute(select(ServedEntry).order_by(ServedEntry.id)).all()
    assert [(r.member_id, r.model_version_id, r.personalised, r.not_personalised_because, r.work_ids) for r in rows] == [
        (member(engine), service.version.id, True, None, [i.work_id for i in first.items]),
        (member(engine, "t:m1"), service.version.id, False, "personalisation is switched off", [i.work_id for i in second.items]),
    ]
    assert first.personalised and len(first.items) == 3 and rows[0].served_at.year >= 2026


def test_switching_personalisation_off_changes_the_very_next_list(service: RecommenderService) -> None:
    engine = service.engine
    assert service.recommend("t:m0", 3, actor="test").personalised
    with engine.begin() as conn, inspecting():
        preferences.set_personalisation(conn, member(engine), False, actor="account:5")
    off = service.recommend("t:m0", 3, actor="test")
    assert not off.personalised and off.rule == "popular"
    assert off.not_personalised_because == "the member switched personalisation off"
    assert service.recommend("t:m1", 3, actor="test").personalised  # only that member
    with engine.begin() as conn, inspecting():
        preferences.set_personalisation(conn, member(engine), True, actor="account:5")
        assert preferences.controls(conn, member(engine)).personalise
    assert service.recommend("t:m0", 3, actor="test").personalised
    with engine.connect() as conn, inspecting():
        changes = audit.entries(conn, audit.AuditFilter(action="preference.personalisation"))
    assert [e["details"] for e in changes] == [{"personalise": False}, {"personalise": True}]
    assert {e["target"] for e in changes} == {tombstones.audit_target("t:m0")} and "t:m0" not in str(changes)


def test_interests_are_derived_through_the_gate_with_weights(service: RecommenderService) -> None:
    engine = service.engine
    with engine.begin() as conn, inspecting():
        found = preferences.interests(conn, member(engine), actor="account:5")
    assert {i.tag for i in found} == set(GENRES) and all(i.vocabulary == "genre" for i in found)
    assert sum(i.weight for i in found) == pytest.approx(1.0, abs=1e-3)  # one genre per work: shares of the history
    assert [i.weight for i in found] == sorted((i.weight for i in found), reverse=True)
    with engine.begin() as conn, inspecting():
        consent.record(conn, member(engine), consent.current_purpose(conn, "personalisation"), granted=False,
                       notice_version="1", source="web")
        assert preferences.interests(conn, member(engine), actor="account:5") == []  # no consent, nothing derived
        reads = conn.execute(select(AccessRecord.purpose, AccessRecord.members, AccessRecord.details)
                             .order_by(AccessRecord.id.desc()).limit(2)).all()
    assert [(p, m, d["one_member"]) for p, m, d in reads] == [("personalisation", 0, True), ("personalisation", 1, True)]


def test_deleting_an_interest_tag_changes_the_very_next_list(service: RecommenderService) -> None:
    engine = service.engine
    before = service.recommend("t:m0", 3, actor="test")
    assert genres_of(engine, [i.work_id for i in before.items]) == set(GENRES)
    with engine.begin() as conn, inspecting():
        preferences.suppress(conn, member(engine), "Drama", actor="account:5")
        preferences.suppress(conn, member(engine), "Drama", actor="account:5")  # idempotent
        with pytest.raises(NotFound, match="no interest tag 'Dramaa'"):
            preferences.suppress(conn, member(engine), "Dramaa", actor="account:5")
        remaining = {i.tag for i in preferences.interests(conn, member(engine), actor="account:5")}
    assert remaining == {"Comedy", "Noir"}
    after = service.recommend("t:m0", 3, actor="test")
    assert after.items != before.items and after.personalised
    assert "Drama" not in genres_of(engine, [i.work_id for i in after.items])
    with engine.connect() as conn, inspecting():
        drama = set(conn.scalars(select(WorkTerm.work_id).where(WorkTerm.term == "Drama")))
        drama_titles = set(conn.scalars(select(Work.title).where(Work.id.in_(drama))))
    cited = [b["work_id"] for i in before.items for b in i.because]
    assert drama & set(cited)  # before, Drama films in the history explained the list
    for item in after.items:  # now no explanation cites them
        assert not drama & {b["work_id"] for b in item.because}
        assert not any(title in item.reason for title in drama_titles), item.reason
    with engine.begin() as conn, inspecting():  # the non-personalised list honours the deletion too
        preferences.set_personalisation(conn, member(engine), False, actor="account:5")
    assert not drama & {i.work_id for i in service.recommend("t:m0", 12, actor="test").items}
    with engine.begin() as conn, inspecting():
        preferences.restore(conn, member(engine), "Drama", actor="account:5")
        with pytest.raises(NotFound, match="was not deleted"):
            preferences.restore(conn, member(engine), "Drama", actor="account:5")
    assert drama & {i.work_id for i in service.recommend("t:m0", 12, actor="test").items}
    with engine.connect() as conn, inspecting():
        changes = [(e["action"], e["target"], e["details"]) for e in audit.entries(conn, audit.AuditFilter(action="interest."))]
    who = tombstones.audit_target("t:m0")
    assert changes == [("interest.delete", who, {"deleted": 1}), ("interest.delete", who, {"deleted": 1}),
                       ("interest.restore", who, {"deleted": 0})]


def test_member_controls_from_the_cli(service: RecommenderService, museion_env: str) -> None:
    runner = CliRunner()
    service.recommend("t:m0", 3, actor="test")
    off = runner.invoke(cli, ["privacy", "member", "personalisation", "t:m0", "--off"])
    assert off.exit_code == 0 and "personalisation off" in off.output
    assert not service.recommend("t:m0", 3, actor="test").personalised
    listed = json.loads(runner.invoke(cli, ["privacy", "member", "interests", "t:m0", "--json"]).output)
    assert {r["tag"] for r in listed} == set(GENRES)
    assert runner.invoke(cli, ["privacy", "member", "delete-interest", "t:m0", "Noir"]).exit_code == 0
    assert {r["tag"] for r in json.loads(runner.invoke(cli, ["privacy", "member", "interests", "t:m0", "--json"]).output)} \
        == {"Drama", "Comedy"}
    bad = runner.invoke(cli, ["privacy", "member", "restore-interest", "t:m0", "Drama"])
    assert bad.exit_code == 1 and "was not deleted" in bad.output
    shown = json.loads(runner.invoke(cli, ["privacy", "member", "shown", "t:m0", "--json"]).output)
    assert [s["personalised"] for s in shown] == [False, True]
    assert shown[0]["not_personalised_because"] == "the member switched personalisation off"
    granted = runner.invoke(cli, ["privacy", "consent", "grant", "t:m0", "--purpose", "research", "--category", "demographics"])
    assert granted.exit_code == 0 and "research/demographics granted" in granted.output
