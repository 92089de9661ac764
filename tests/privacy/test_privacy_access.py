"""The gate guard the whole suite runs under: a statement on a personal table outside the gate fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from helpers import inspecting
from museion.catalog.models import Work
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import access_log, gate
from museion.privacy.access import GateBypassed, personal_tables_in
from museion.privacy.models import AccessRecord, Member
from museion.privacy.served import log_served


@pytest.mark.parametrize(("statement", "touched"), [
    ("SELECT members.id FROM members", {"members"}),
    ('SELECT works.id FROM works, "events" WHERE events.work_id = works.id', {"events"}),
    ("INSERT INTO consents (member_id) VALUES (1)", {"consents"}),
    ("DELETE FROM served_lists WHERE id = 1", {"served_lists"}),
    ("SELECT access_records.members FROM access_records", set()),  # a column named like a table is not the table
    ("CREATE TABLE members (id integer)", set()),  # schema changes are not reads
    ("SELECT works.title FROM works", set()),
])
def test_statements_name_the_personal_tables_they_touch(statement: str, touched: set[str]) -> None:
    assert personal_tables_in(statement) == touched


def test_a_direct_read_outside_the_gate_fails(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(GateBypassed, match="members touched outside the privacy gate"):
            conn.execute(select(func.count()).select_from(Member))
        with pytest.raises(GateBypassed, match="events"):
            conn.execute(text("SELECT count(*) FROM works JOIN events ON events.work_id = works.id"))
        assert conn.scalar(select(func.count()).select_from(Work)) == 0  # the catalogue is not personal


def test_lookups_are_tallied_and_recorded_by_the_next_committing_write(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("key\nm1\n")
    import_file(engine, ColumnMapping("members", source="t"), tmp_path / "members.csv", keep_member_ids=True)
    with engine.begin() as conn:
        gate.flush_lookups(conn, force=True)  # what earlier tests on this database left waiting
    with engine.connect() as conn:
        for _ in range(3):
            assert gate.member_id_for(conn, "t:m1", purpose=gate.PERSONALISATION, actor="serving-test") > 0
    with engine.begin() as conn:
        assert gate.flush_lookups(conn, force=True) == 3
    with engine.connect() as conn, inspecting():
        row = conn.execute(select(AccessRecord.actor, AccessRecord.purpose, AccessRecord.rows, AccessRecord.details)
                           .where(AccessRecord.actor == "serving-test")).one()
    assert (row.purpose, row.rows, row.details["calls"], row.details["lookup"]) == ("personalisation", 3, 3, "member_id")


def test_a_lookup_names_a_declared_purpose(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(Exception, match="no purpose 'marketing'"):
        gate.member_id_for(conn, "t:m1", purpose="marketing", actor="test")


def test_the_serving_write_records_tallied_lookups_once_they_are_due(engine: Engine, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "members.csv").write_text("key\nm1\n")
    import_file(engine, ColumnMapping("members", source="t"), tmp_path / "members.csv", keep_member_ids=True)
    with engine.begin() as conn:
        gate.flush_lookups(conn, force=True)
        member = gate.member_id_for(conn, "t:m1", purpose=gate.PERSONALISATION, actor="due-test")
        log_served(conn, member_id=member, model_version_id=None, personalised=False, not_personalised_because="test",
                   work_ids=[])  # not due yet: the tally waits
    monkeypatch.setattr(access_log, "FLUSH_EVERY", 0.0)
    with engine.begin() as conn:
        log_served(conn, member_id=member, model_version_id=None, personalised=False, not_personalised_because="test",
                   work_ids=[])
    with engine.connect() as conn, inspecting():
        calls = conn.scalars(select(AccessRecord.rows).where(AccessRecord.actor == "due-test")).all()
    assert calls == [1]
