"""People name members by the ids their own files used (``SOURCE:ID``); the store holds only pseudonyms."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import inspecting
from museion.cli.main import app as cli
from museion.errors import NotFound
from museion.ingest.consents import import_consents
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import consent, gate, requests
from museion.privacy.intake import member_keys
from museion.privacy.models import Member, SubjectRequest

runner = CliRunner()


@pytest.fixture
def library(engine: Engine, tmp_path: Path) -> Engine:
    members = tmp_path / "members.csv"
    members.write_text("key,age\nP001,34\nP002,51\n", encoding="utf-8")
    import_file(engine, ColumnMapping("members", source="library"), members)  # pseudonymised: the default
    return engine


def test_a_member_is_found_by_the_organisations_own_id_and_by_the_stored_key(library: Engine) -> None:
    stored = member_keys("library")("P001")
    with library.connect() as conn:
        by_ref = gate.member_id_for(conn, "library:P001", purpose=gate.RIGHTS, actor="test")
        by_key = gate.member_id_for(conn, stored, purpose=gate.RIGHTS, actor="test")
        with pytest.raises(NotFound, match="SOURCE:ID"):
            gate.member_id_for(conn, "library:P999", purpose=gate.RIGHTS, actor="test")
        with pytest.raises(NotFound, match="'P001'"):  # no source: nothing to resolve it with
            gate.member_id_for(conn, "P001", purpose=gate.RIGHTS, actor="test")
    assert by_ref == by_key
    with library.connect() as conn, inspecting():
        assert "library:P001" not in set(conn.scalars(select(Member.key)))


def test_requests_opened_by_reference_are_filed_under_the_stored_key(library: Engine) -> None:
    with library.begin() as conn:
        request_id = requests.open_request(conn, "library:P002", "access", channel="desk")
        by_key = requests.open_request(conn, member_keys("library")("P002"), "access", channel="desk")
    with library.connect() as conn, inspecting():
        refs = dict(conn.execute(select(SubjectRequest.id, SubjectRequest.member_ref)).all())
    assert refs[request_id] == refs[by_key] == requests.member_ref(member_keys("library")("P002"))


def test_consents_import_by_the_organisations_ids(library: Engine, tmp_path: Path) -> None:
    path = tmp_path / "consents.csv"
    path.write_text("member,purpose,granted,notice_version,source\nlibrary:P001,personalisation,yes,v1,desk\n"
                    "library:P404,personalisation,yes,v1,desk\n", encoding="utf-8")
    with library.begin() as conn, pytest.raises(Exception, match="unknown member 'library:P404'"):
        import_consents(conn, path)
    path.write_text("member,purpose,granted,notice_version,source\nlibrary:P001,personalisation,yes,v1,desk\n", encoding="utf-8")
    with library.begin() as conn:
        assert import_consents(conn, path) == 1
        member = gate.member_id_for(conn, "library:P001", purpose=gate.RIGHTS, actor="test")
        assert [(s.purpose, s.granted) for s in consent.states(conn, member)] == [("personalisation", True)]


def test_the_cli_takes_the_organisations_id(library: Engine, museion_env: str) -> None:
    result = runner.invoke(cli, ["privacy", "consent", "grant", "library:P002"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(cli, ["privacy", "consent", "show", "library:P002", "--json"])
    assert '"personalisation"' in shown.output
