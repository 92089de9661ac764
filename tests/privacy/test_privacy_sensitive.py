"""Sensitive categories need their own, separate consent: the gate's reader of member attributes returns
only the fields a purpose covers, and sensitive ones only for members who consented to that category."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpers import inspecting, member_id_for
from museion import audit
from museion.errors import MuseionError
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import consent, requests, tombstones
from museion.privacy.gate import PurposeRefused, read_members
from museion.privacy.models import AccessRecord, Purpose


@pytest.fixture
def members(engine: Engine, tmp_path: Path) -> Engine:
    """Five members with declared age, gender and occupation (as the ML-100K adapter stores them)."""
    path = tmp_path / "members.csv"
    path.write_text("key,age,gender,occupation\n" + "".join(f"u{i},{15 + 10 * i},{'MF'[i % 2]},writer\n" for i in range(5)),
                    encoding="utf-8")
    import_file(engine, ColumnMapping("members", source="t"), path, keep_member_ids=True)
    return engine


def decide(engine: Engine, key: str, purpose: str, granted: bool, category: str | None = None) -> None:
    with engine.begin() as conn, inspecting():
        consent.record(conn, member_id_for(conn, key), consent.current_purpose(conn, purpose), granted=granted,
                       notice_version="1", source="web", category=category, actor="account:9")


def ids(engine: Engine, *keys: str) -> set[int]:
    with engine.connect() as conn, inspecting():
        return {member_id_for(conn, k) for k in keys}


def read(engine: Engine, purpose: str, fields: list[str]) -> list[dict]:
    with engine.begin() as conn, inspecting():
        return read_members(conn, purpose=purpose, actor="account:9", fields=fields)


def test_sensitive_fields_need_the_separate_consent_as_well_as_the_purpose(members: Engine) -> None:
    for key in ("t:u0", "t:u1", "t:u2"):
        decide(members, key, "research", True)
    decide(members, "t:u0", "research", True, category="demographics")  # the separate consent
    decide(members, "t:u3", "research", True, category="demographics")  # without the purpose itself
    decide(members, "t:u2", "research", True, category="demographics")
    decide(members, "t:u2", "research", False, category="demographics")  # withdrawn: the latest counts
    rows = read(members, "research", ["age", "gender"])
    assert {r["member_id"] for r in rows} == ids(members, "t:u0")
    assert rows[0] == {"member_id": rows[0]["member_id"], "age": 15, "gender": "M"}
    with members.connect() as conn, inspecting():
        record = conn.execute(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
    assert (record.purpose, record.categories, record.rows, record.members) == ("research", ["demographics"], 1, 1)


def test_legitimate_interest_purposes_still_need_the_separate_consent_for_sensitive_data(members: Engine) -> None:
    decide(members, "t:u1", "fairness_audit", True, category="demographics")
    assert {r["member_id"] for r in read(members, "fairness_audit", ["occupation"])} == ids(members, "t:u1")
    decide(members, "t:u1", "fairness_audit", False)  # an objection to the purpose overrides the category consent
    assert read(members, "fairness_audit", ["occupation"]) == []


def test_non_sensitive_fields_follow_the_purpose_consent(members: Engine) -> None:
    with members.begin() as conn, inspecting():  # a purpose version that also covers the (non-sensitive) membership category
        conn.execute(Purpose.__table__.insert().values(code="research", version=2, name="Research", description="d",
                                                       legal_basis="consent", categories=["activity", "membership", "demographics"]))
    decide(members, "t:u0", "research", True)
    decide(members, "t:u4", "research", True)
    rows = read(members, "research", ["source"])
    assert {r["member_id"] for r in rows} == ids(members, "t:u0", "t:u4") and {r["source"] for r in rows} == {"t"}
    assert read(members, "research", ["source", "age"]) == []  # adding a sensitive field narrows to its consenters


def test_fields_outside_the_purpose_or_the_data_map_are_refused(members: Engine) -> None:
    with pytest.raises(PurposeRefused, match="'analytics' does not cover demographics"):
        read(members, "analytics", ["age"])
    with pytest.raises(PurposeRefused, match="'members.key' is not in the data map"):
        read(members, "research", ["key"])
    with pytest.raises(PurposeRefused, match="does not cover membership"):
        read(members, "research", ["created_at"])
    with pytest.raises(MuseionError, match="separate consent is for a sensitive category"):
        decide(members, "t:u0", "research", True, category="activity")
    with pytest.raises(MuseionError, match="'analytics' uses none"):
        decide(members, "t:u0", "analytics", True, category="demographics")


def test_withdrawal_request_withdraws_the_separate_consents_too(members: Engine) -> None:
    decide(members, "t:u0", "research", True)
    decide(members, "t:u0", "research", True, category="demographics")
    with members.begin() as conn, inspecting():
        request_id = requests.open_request(conn, "t:u0", "withdrawal", channel="web")
        requests.verify(conn, request_id, by="officer", how="account")
        requests.complete_withdrawal(conn, request_id)
        states = {s.purpose: s.granted for s in consent.states(conn, member_id_for(conn, "t:u0"))}
    assert states == {"research": False, "research/demographics": False}


def test_gate_reads_and_consent_changes_enter_the_audit_chain_without_personal_data(members: Engine) -> None:
    decide(members, "t:u0", "research", True)
    decide(members, "t:u0", "research", True, category="demographics")
    read(members, "research", ["age"])
    with members.connect() as conn, inspecting():
        entries = audit.entries(conn, audit.AuditFilter(), limit=100)
        assert audit.verify(conn).ok
    by_action = {e["action"]: e for e in entries}
    granted = [e for e in entries if e["action"] == "consent.grant"]
    assert [e["details"]["purpose"] for e in granted] == ["research", "research/demographics"]
    assert all(e["target"] == tombstones.audit_target("t:u0") and e["actor"] == "account:9" for e in granted)
    read_entry = by_action["gate.read"]
    assert read_entry["target"] == "purpose:research"
    assert read_entry["details"] == {"categories": ["demographics"], "rows": 1, "members": 1, "purpose_version": 1}
    text = str(entries)
    assert "t:u0" not in text and "writer" not in text and "u0" not in text
