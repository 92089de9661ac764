"""The OAI-PMH harvester: a second Museion store harvests the first one's provider on loopback (oai_dc and EDM,
idempotent and incremental), and recorded responses of the protocol's edge cases fail clearly with nothing imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from oai_support import generated_catalogue, serving
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select, update

from museion.catalog.models import Creator, Work
from museion.errors import InputRejected
from museion.heritage import oai_provider
from museion.heritage.oai_harvester import HarvestFailed, harvest, harvests
from museion.server import create_app
from museion.store.base import utcnow
from museion.store.engine import make_engine

FIXTURES = Path(__file__).parents[1] / "fixtures" / "heritage"


@pytest.fixture
def second_store(tmp_path: Path, sqlite_template: Path) -> Engine:
    """Another, empty Museion installation (its own SQLite file)."""
    target = tmp_path / "second.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


def titles(engine: Engine, source: str) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Work.key, Work.title).where(Work.source == source)).all())


def test_a_second_museion_harvests_the_first_in_dc_and_edm(engine: Engine, second_store: Engine, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    generated_catalogue(engine, tmp_path)
    monkeypatch.setattr(oai_provider, "RECORDS_PER_PAGE", 6)
    with serving(create_app(engine)) as base:
        steps: list[float] = []
        first = harvest(second_store, base + "/oai", source="peer", progress=lambda f, _m: steps.append(f))
        assert first["records"] == 23 and first["pages"] == 4 and first["works"]["inserted"] == 23 and steps
        with engine.connect() as conn:
            original = {f"peer:{k}": t for k, t in conn.execute(select(Work.key, Work.title))}
        assert titles(second_store, "peer") == original
        again = harvest(second_store, base + "/oai", source="peer")  # incremental from the last harvest: nothing new
        assert again["from"] is not None and again["works"].get("inserted", 0) == 0 and again["works"].get("updated", 0) == 0
        with engine.begin() as conn:
            conn.execute(update(Work).where(Work.key == "gen:w003").values(title="Retitled upstream", updated_at=utcnow()))
        changed = harvest(second_store, base + "/oai", source="peer")
        assert changed["works"]["updated"] == 1 and titles(second_store, "peer")["peer:gen:w003"] == "Retitled upstream"
        films = harvest(second_store, base + "/oai", source="peer-edm", prefix="edm", set_spec="kind:film")
        assert films["records"] == 8 and films["works"]["inserted"] == 8
    with second_store.connect() as conn:
        kinds = set(conn.scalars(select(Work.kind).where(Work.source == "peer-edm")))
        makers = set(conn.scalars(select(Creator.key).where(Creator.source == "peer-edm")))
        credited = conn.scalar(select(func.count()).select_from(Work).where(Work.source == "peer"))
    assert kinds == {"film"} and makers and all(k.startswith("peer-edm:gen:c") for k in makers) and credited == 23
    past = harvests(second_store)
    assert [h["status"] for h in past] == ["succeeded"] * 4 and past[0]["prefix"] == "edm"


def respond(server: HTTPServer, fixture: str, **query: str) -> None:
    server.expect_request("/oai", query_string=query).respond_with_data(
        (FIXTURES / fixture).read_bytes(), content_type="text/xml")


def count_works(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Work)) or 0)


def test_recorded_edge_cases_fail_clearly_and_import_nothing(second_store: Engine, httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/oai")
    respond(httpserver, "first_page.xml", verb="ListRecords", metadataPrefix="oai_dc")
    respond(httpserver, "bad_resumption_token.xml", verb="ListRecords", resumptionToken="page-2")
    with pytest.raises(HarvestFailed, match="badResumptionToken on page 2"):
        harvest(second_store, url)
    assert count_works(second_store) == 0

    httpserver.clear()
    respond(httpserver, "no_records_match.xml", verb="ListRecords", metadataPrefix="oai_dc", set="kind:none")
    nothing = harvest(second_store, url, set_spec="kind:none")
    assert nothing["records"] == 0 and count_works(second_store) == 0

    httpserver.clear()
    respond(httpserver, "malformed.xml", verb="ListRecords", metadataPrefix="oai_dc")
    with pytest.raises(HarvestFailed, match="not well-formed XML"):
        harvest(second_store, url)

    httpserver.clear()
    respond(httpserver, "record_without_identifier.xml", verb="ListRecords", metadataPrefix="oai_dc")
    with pytest.raises(InputRejected) as rejected:
        harvest(second_store, url)
    assert [(p.line, p.column) for p in rejected.value.problems] == [(2, "identifier")]
    assert count_works(second_store) == 0  # the good record on the same page is not imported alone

    httpserver.clear()
    respond(httpserver, "first_page.xml", verb="ListRecords", metadataPrefix="oai_dc")
    httpserver.expect_request("/oai", query_string={"verb": "ListRecords", "resumptionToken": "page-2"}).respond_with_data(
        "busy", status=503)
    with pytest.raises(HarvestFailed, match="HTTP 503"):
        harvest(second_store, url)

    for bad in ("file:///etc/passwd", "ftp://example.org/oai", "javascript:alert(1)", "http:///oai", url + "?verb=Identify"):
        with pytest.raises(HarvestFailed):
            harvest(second_store, bad)
    with pytest.raises(HarvestFailed, match="oai_dc or edm"):
        harvest(second_store, url, prefix="marc21")
    recorded = harvests(second_store)
    assert [h["status"] for h in recorded] == ["failed", "failed", "failed", "succeeded", "failed"]
    assert recorded[1]["problems"][0]["column"] == "identifier" and count_works(second_store) == 0
