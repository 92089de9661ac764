"""Purposes, the consent ledger and the access gate, wired into training and serving, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, auth_headers, grant_personalisation, inspecting, member_id_for
from museion.cli.main import app as cli
from museion.errors import InputRejected, MuseionError
from museion.fairness.serving import open_recommender
from museion.ingest.consents import import_consents
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import consent
from museion.privacy.gate import PurposeRefused, read_activity
from museion.privacy.models import AccessRecord, Event, Member, Purpose
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import load_interactions, train

PLAYS = "member,work,kind\n" + "".join(
    f"m{m},w{w},play\n" for m in range(12) for w in range(10) if (m + w) % 3 != 0 or m == w
)


@pytest.fixture
def audience(engine: Engine, tmp_path: Path) -> Engine:
    """12 members who played some of 10 works."""
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n" + "".join(f"w{i},music,Track {i}\n" for i in range(10)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    plays = tmp_path / "plays.csv"
    plays.write_text(PLAYS, encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), plays, keep_member_ids=True)
    return engine


def decide(engine: Engine, key: str, purpose: str, granted: bool) -> None:
    with engine.begin() as conn, inspecting():
        consent.record(conn, member_id_for(conn, key), consent.current_purpose(conn, purpose), granted=granted,
                       notice_version="2", source="web")


def test_purposes_are_seeded_and_versioned(audience: Engine) -> None:
    with audience.begin() as conn, inspecting():
        codes = {p.code: p for p in consent.current_purposes(conn)}
        assert {"personalisation", "analytics", "research", "fairness_audit"} <= set(codes)
        assert codes["personalisation"].legal_basis == "consent" and codes["personalisation"].categories == ["activity"]
        conn.execute(Purpose.__table__.insert().values(code="analytics", version=2, name="Audience analytics",
                                                       description="d", legal_basis="legitimate_interest", categories=[]))
        assert consent.current_purpose(conn, "analytics").version == 2
        with pytest.raises(PurposeRefused, match="does not cover activity"):
            read_activity(conn, purpose="analytics", actor="t")
        with pytest.raises(MuseionError, match="no purpose 'profiling'"):
            read_activity(conn, purpose="profiling", actor="t")


def test_gate_keeps_consenting_members_only_and_records_the_access(audience: Engine) -> None:
    decide(audience, "t:m1", "personalisation", True)
    decide(audience, "t:m2", "personalisation", True)
    decide(audience, "t:m2", "personalisation", False)  # the latest decision counts
    decide(audience, "t:m3", "analytics", False)  # an objection to a legitimate-interest purpose
    with audience.begin() as conn, inspecting():
        personal = read_activity(conn, purpose="personalisation", actor="tester")
        analytics = read_activity(conn, purpose="analytics", actor="tester")
        m1, m3 = member_id_for(conn, "t:m1"), member_id_for(conn, "t:m3")
        records = conn.execute(select(AccessRecord.actor, AccessRecord.purpose, AccessRecord.rows, AccessRecord.members)
                               .order_by(AccessRecord.id)).all()
        total = conn.scalar(select(func.count()).select_from(Event))
    assert set(personal.member_ids.tolist()) == {m1}
    assert m3 not in set(analytics.member_ids.tolist()) and len(set(analytics.member_ids.tolist())) == 11
    assert records == [("tester", "personalisation", len(personal), 1), ("tester", "analytics", len(analytics), 11)]
    assert len(analytics) < total


def test_one_members_check_agrees_with_the_gates_participants(audience: Engine) -> None:
    """``takes_part`` (asked per request) and ``participants`` (used by reads) give the same answer in every
    ledger state: no entry, granted, withdrawn, re-granted, objected, and restricted."""
    for purpose in ("personalisation", "analytics"):
        decide(audience, "t:m1", purpose, True)
        decide(audience, "t:m2", purpose, False)
        for granted in (True, False, True):
            decide(audience, "t:m3", purpose, granted)
        decide(audience, "t:m4", purpose, True)
    with audience.begin() as conn, inspecting():
        conn.execute(Member.__table__.update().where(Member.id == member_id_for(conn, "t:m4")).values(restricted_at=func.now()))
        for code in ("personalisation", "analytics"):
            purpose = consent.current_purpose(conn, code)
            members = set(conn.scalars(select(Member.id)))
            inside = set(conn.scalars(consent.participants(purpose)))
            assert {m for m in members if consent.takes_part(conn, m, purpose)} == inside
            assert consent.takes_part(conn, 10**9, purpose) is False  # no such member
        assert len(set(conn.scalars(consent.participants(consent.current_purpose(conn, "analytics"))))) == 10


def test_a_member_without_consent_never_influences_a_model(audience: Engine, tmp_path: Path) -> None:
    grant_personalisation(audience)
    decide(audience, "t:m5", "personalisation", False)
    without_consent = train(audience, tmp_path / "a", "ease", source="t", actor="t", params={"l2": 10.0})
    with audience.begin() as conn, inspecting():  # the same training with that member's events gone altogether
        conn.execute(delete(Event).where(Event.member_id == member_id_for(conn, "t:m5")))
    without_events = train(audience, tmp_path / "b", "ease", source="t", actor="t", params={"l2": 10.0})
    assert without_consent.data_fingerprint == without_events.data_fingerprint
    approve_and_deploy(audience, tmp_path / "a", without_consent.id)  # only the deployed version serves
    a = open_recommender(audience, tmp_path / "a", without_consent.id)
    approve_and_deploy(audience, tmp_path / "b", without_events.id)
    b = open_recommender(audience, tmp_path / "b", without_events.id)
    np.testing.assert_array_equal(a.model.weights_, b.model.weights_)


def test_withdrawal_switches_the_feed_at_once_and_leaves_the_next_training(audience: Engine, tmp_path: Path) -> None:
    grant_personalisation(audience)
    approve_and_deploy(audience, tmp_path, train(audience, tmp_path, "itemknn", source="t", actor="t").id)
    service = open_recommender(audience, tmp_path)
    assert service.recommend("t:m1", 3, actor="test").personalised
    decide(audience, "t:m1", "personalisation", False)
    served = service.recommend("t:m1", 3, actor="test")
    assert not served.personalised and served.rule == "popular"
    assert served.not_personalised_because == "the member has not consented to personalisation"
    with audience.connect() as conn, inspecting():
        m1 = member_id_for(conn, "t:m1")
    interactions, _ = load_interactions(audience, InteractionPolicy(), source="t", actor="t")
    assert m1 not in interactions.member_ids and len(interactions.member_ids) == 11
    decide(audience, "t:m1", "personalisation", True)
    assert service.recommend("t:m1", 3, actor="test").personalised


def test_consent_import_is_atomic_and_names_bad_rows(audience: Engine, tmp_path: Path) -> None:
    good = tmp_path / "consents.csv"
    good.write_text("member,purpose,granted,notice_version,source\nt:m1,personalisation,yes,3,app\n"
                    "t:m2,research,no,3,app\n", encoding="utf-8")
    with audience.begin() as conn, inspecting():
        assert import_consents(conn, good) == 2
        assert [(s.purpose, s.granted) for s in consent.states(conn, member_id_for(conn, "t:m1"))] == [("personalisation", True)]
    bad = tmp_path / "bad.csv"
    bad.write_text("member,purpose,granted,notice_version,source\nt:m3,personalisation,yes,3,app\n"
                   "t:nobody,personalisation,yes,3,app\nt:m4,profiling,maybe,,app\n", encoding="utf-8")
    with audience.begin() as conn, pytest.raises(InputRejected) as err:
        import_consents(conn, bad)
    found = {(p.line, p.column) for p in err.value.problems}
    assert found == {(3, "member"), (4, "purpose"), (4, "granted"), (4, "notice_version")}
    with audience.connect() as conn, inspecting():
        assert consent.states(conn, member_id_for(conn, "t:m3")) == []


def test_privacy_cli(audience: Engine, museion_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["privacy", "purposes", "--json"])
    assert result.exit_code == 0 and {p["purpose"] for p in json.loads(result.output)} >= {"personalisation", "research"}
    ropa = runner.invoke(cli, ["privacy", "export-ropa", "--format", "csv"]).output.splitlines()
    assert ropa[0].startswith("purpose,version,name") and any(line.startswith("research,1,") for line in ropa)
    assert "events.occurred_at" in ropa[1]
    assert runner.invoke(cli, ["privacy", "consent", "grant", "t:m1"]).exit_code == 0
    assert runner.invoke(cli, ["privacy", "consent", "withdraw", "t:m1", "--source", "web"]).exit_code == 0
    shown = json.loads(runner.invoke(cli, ["privacy", "consent", "show", "t:m1", "--json"]).output)
    assert shown[0]["purpose"] == "personalisation" and shown[0]["granted"] is False and shown[0]["source"] == "web"
    result = runner.invoke(cli, ["privacy", "consent", "grant", "t:ghost"])
    assert result.exit_code == 1 and "no member with key or reference 't:ghost'" in result.output
    result = runner.invoke(cli, ["privacy", "consent", "grant", "t:m1", "--purpose", "spying"])
    assert result.exit_code == 1 and "no purpose 'spying'" in result.output
    with audience.connect() as conn, inspecting():
        assert conn.scalar(select(func.count()).select_from(Member)) == 12


def test_consent_api(audience: Engine) -> None:
    from fastapi.testclient import TestClient

    from museion.server import create_app

    with TestClient(create_app(audience), headers=auth_headers(audience, "privacy_officer")) as client:
        assert client.get("/api/members/t:m1/consents").json() == []
        body = {"purpose": "personalisation", "granted": True, "notice_version": "3", "source": "web"}
        created = client.post("/api/members/t:m1/consents", json=body)
        assert created.status_code == 201 and created.json()[0]["granted"] is True
        withdrawn = client.post("/api/members/t:m1/consents", json={**body, "granted": False}).json()
        assert [(c["purpose"], c["granted"]) for c in withdrawn] == [("personalisation", False)]
        assert client.post("/api/members/t:m1/consents", json={**body, "purpose": "spying"}).status_code == 404
        assert client.post("/api/members/t:m1/consents", json={**body, "notice_version": ""}).status_code == 422
        assert client.post("/api/members/t:ghost/consents", json=body).status_code == 404
