"""The OAI-PMH provider through the real app, on SQLite and PostgreSQL: pages and tokens, stability while the
catalogue changes, selective harvesting, licences and removals reported as deleted records, protocol errors as XML."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from oai_support import generated_catalogue
from sqlalchemy import Engine, delete, select, update

from museion.catalog.models import Work
from museion.collab.queue import Draft, propose
from museion.collab.review import Reviewer, decide
from museion.heritage import oai_provider
from museion.rights.availability import today
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.security.auth import create_account
from museion.server import create_app
from museion.store.base import utcnow
from museion.studio import exhibitions

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
REPO = "oai:museion.local:"


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    return generated_catalogue(engine, tmp_path)


@pytest.fixture
def client(catalogue: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(oai_provider, "RECORDS_PER_PAGE", 5)
    monkeypatch.setattr(oai_provider, "IDENTIFIERS_PER_PAGE", 7)
    with TestClient(create_app(catalogue), raise_server_exceptions=False) as c:  # anonymous: /oai is public
        yield c


def oai(client: TestClient, **args: str) -> etree._Element:
    response = client.get("/oai", params=args)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def error(root: etree._Element) -> str | None:
    found = root.find("o:error", NS)
    return None if found is None else found.get("code")


def harvest(client: TestClient, verb: str = "ListIdentifiers", **args: str) -> tuple[list[etree._Element], list[etree._Element]]:
    """Every header of a list, following tokens; and each page's resumptionToken element."""
    headers, tokens = [], []
    root = oai(client, verb=verb, **args)
    while True:
        assert error(root) is None, etree.tostring(root)
        headers += root.findall(".//o:header", NS)
        token = root.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            tokens.append(token)
            return headers, tokens
        tokens.append(token)
        root = oai(client, verb=verb, resumptionToken=token.text)


def keys(headers: list[etree._Element], deleted: bool | None = None) -> list[str]:
    return [h.findtext("o:identifier", namespaces=NS).removeprefix(REPO) for h in headers
            if deleted is None or (h.get("status") == "deleted") == deleted]


def all_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(Work.key)))


def test_lists_page_by_token_and_cover_every_work_once(client: TestClient, catalogue: Engine) -> None:
    headers, tokens = harvest(client, metadataPrefix="oai_dc")
    assert sorted(keys(headers)) == sorted(all_keys(catalogue)) and len(tokens) == 4  # 23 headers, 7 a page
    assert [t.get("cursor") for t in tokens] == ["0", "7", "14", "21"] and {t.get("completeListSize") for t in tokens} == {"23"}
    assert all(t.get("expirationDate") for t in tokens[:-1]) and tokens[-1].text is None
    records, _ = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    assert sorted(keys(records)) == sorted(keys(headers))
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="kind:film")
    titles = root.xpath("//dc:title/text()", namespaces=NS)
    assert titles and all(t.startswith("Generated work") for t in titles)
    assert set(root.xpath("//o:header/o:setSpec/text()", namespaces=NS)) >= {"kind:film", "source:gen"}


def test_a_change_during_a_harvest_neither_shifts_pages_nor_loses_records(client: TestClient, catalogue: Engine) -> None:
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    began = first.findtext("o:responseDate", namespaces=NS)
    seen = keys(first.findall(".//o:header", NS))
    later = sorted(all_keys(catalogue) - set(seen))
    with catalogue.begin() as conn:  # a work not yet listed changes, another is removed, a new one arrives
        conn.execute(update(Work).where(Work.key == later[0]).values(title="Changed meanwhile", updated_at=utcnow()))
        conn.execute(delete(Work).where(Work.key == later[1]))
    token = first.find(".//o:resumptionToken", NS).text
    rest: list[etree._Element] = []
    while token:
        root = oai(client, verb="ListIdentifiers", resumptionToken=token)
        rest += root.findall(".//o:header", NS)
        token = root.findtext(".//o:resumptionToken", namespaces=NS)
    listed = seen + keys(rest)
    assert len(listed) == len(set(listed))  # no record twice
    assert set(later[2:]) <= set(listed)  # none of the untouched ones lost to shifted pages
    after, _ = harvest(client, metadataPrefix="oai_dc", **{"from": began})  # the next incremental harvest
    assert later[0] in keys(after, deleted=False) and later[1] in keys(after, deleted=True)


def test_licences_and_removals_make_deleted_records_never_missing_ones(client: TestClient, catalogue: Engine) -> None:
    with catalogue.connect() as conn:
        ids = dict(conn.execute(select(Work.key, Work.id)).all())
    withdrawn, removed = "gen:w002", "gen:w004"
    day = today()
    with catalogue.begin() as conn:
        save_holders(conn, [HolderIn("h", "Holder")], actor="t")
        save_licences(conn, [LicenceIn("us", "h", (withdrawn,), ("US",), ("display",), day - timedelta(days=3), None)], actor="t")
        conn.execute(delete(Work).where(Work.key == removed))
    headers, _ = harvest(client, metadataPrefix="oai_dc")
    assert set(keys(headers, deleted=True)) == {withdrawn, removed} and len(headers) == len(ids)
    got = oai(client, verb="GetRecord", identifier=REPO + withdrawn, metadataPrefix="edm")
    assert got.find(".//o:header", NS).get("status") == "deleted" and got.find(".//o:metadata", NS) is None
    assert keys(harvest(client, metadataPrefix="oai_dc", set="kind:book")[0], deleted=True) == [removed]  # w004: a book
    gone_at = {h.findtext("o:identifier", namespaces=NS): h.findtext("o:datestamp", namespaces=NS) for h in headers}
    with catalogue.begin() as conn:  # a licence for here: the work is back, with a datestamp no older than its withdrawal
        save_licences(conn, [LicenceIn("gb", "h", (withdrawn,), ("GB",), ("display",), day - timedelta(days=1), None)], actor="t")
    back = oai(client, verb="GetRecord", identifier=REPO + withdrawn, metadataPrefix="oai_dc")
    assert back.find(".//o:header", NS).get("status") is None and back.xpath("//dc:title/text()", namespaces=NS)
    assert back.findtext(".//o:datestamp", namespaces=NS) >= gone_at[REPO + withdrawn]
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert len(root.findall(".//o:record", NS)) == 5


def test_exhibition_sets_and_protocol_errors(client: TestClient, catalogue: Engine) -> None:
    with catalogue.begin() as conn:
        hung = ["gen:w002", "gen:w003", "gen:w005"]
        pid = propose(conn, Draft(kind=exhibitions.KIND, subject="theme:Gen", proposed_by="test", risk="medium",
                                  payload={"title": "Generated show", "works": hung}, evidence={"choices": hung}))
        for n in (1, 2):
            decide(conn, Reviewer(create_account(conn, f"oai-curator-{n}", "curator", actor="test"), "curator"), pid, "accept")
    specs = oai(client, verb="ListSets").xpath("//o:setSpec/text()", namespaces=NS)
    assert {"kind", "kind:film", "source:gen", "exhibition", f"exhibition:{pid}"} <= set(specs)
    assert sorted(keys(harvest(client, metadataPrefix="oai_dc", set=f"exhibition:{pid}")[0])) == hung
    assert error(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="kind:nothing")) == "noRecordsMatch"
    assert error(oai(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"})) == "noRecordsMatch"
    assert error(oai(client, verb="GetRecord", identifier=REPO + "gen:nope", metadataPrefix="oai_dc")) == "idDoesNotExist"
    assert error(oai(client, verb="ListMetadataFormats", identifier="oai:elsewhere.org:1")) == "idDoesNotExist"
    assert error(oai(client, verb="ListRecords", metadataPrefix="marc")) == "cannotDisseminateFormat"
    assert error(oai(client, verb="ListRecords", resumptionToken="eyJ2IjoiTGlzdFJlY29yZHMifQ.forged")) == "badResumptionToken"
    bad_verb = oai(client, verb="Nonsense", extra="x")
    assert error(bad_verb) == "badVerb" and bad_verb.find("o:request", NS).attrib == {}  # nothing echoed
    posted = client.post("/oai", data={"verb": "GetRecord", "identifier": REPO + "gen:w002", "metadataPrefix": "oai_dc"})
    got = etree.fromstring(posted.content)
    assert posted.status_code == 200 and got.xpath("//dc:title/text()", namespaces=NS) == ["Generated work 2"]
    identify = oai(client, verb="Identify")
    assert identify.findtext(".//o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext(".//o:baseURL", namespaces=NS) == "http://testserver/oai"


QUERY = st.lists(st.tuples(st.sampled_from(["verb", "metadataPrefix", "identifier", "set", "from", "until",
                                            "resumptionToken", "other"]),
                           st.one_of(st.sampled_from(["ListRecords", "ListIdentifiers", "GetRecord", "ListSets", "Identify",
                                                      "ListMetadataFormats", "oai_dc", "edm", "kind:film", "2020-01-01",
                                                      "oai:museion.local:gen:w001"]),
                                     st.text(max_size=40))), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=QUERY, post=st.booleans())
def test_any_query_gets_a_valid_oai_document_never_a_server_error(client: TestClient, pairs: list[tuple[str, str]],
                                                                   post: bool) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/oai", content=urlencode(pairs), headers=form) if post else client.get("/oai", params=pairs)
    if not post and any("\x00" in name + value for name, value in pairs):  # refused for every address before any route
        assert response.status_code == 400 and "NUL characters" in response.json()["detail"]
        return
    assert response.status_code == 200, response.text[:300]
    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH" and root.findtext("o:responseDate", namespaces=NS)
