"""An independent OAI-PMH client (sickle) harvests the provider served by uvicorn on loopback: every record across
pages with checksums equal to the catalogue's, selective harvests by date and set, deleted records, EDM as RDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from oai_support import catalogue_digests, dc_digest, generated_catalogue, serving
from sickle import Sickle
from sickle.oaiexceptions import BadResumptionToken, CannotDisseminateFormat, NoRecordsMatch
from sqlalchemy import Engine, delete

from museion.catalog.models import Work
from museion.heritage import oai_provider
from museion.rights.availability import today
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.server import create_app

REPO = "oai:museion.local:"


def test_sickle_harvests_every_record_with_checksums_equal_to_the_catalogue(engine: Engine, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    generated_catalogue(engine, tmp_path)
    monkeypatch.setattr(oai_provider, "RECORDS_PER_PAGE", 4)  # 23 works: six pages
    with serving(create_app(engine)) as base:
        client = Sickle(base + "/oai", max_retries=0, timeout=30)
        assert client.Identify().repositoryName == "Museion"
        assert {f.metadataPrefix for f in client.ListMetadataFormats()} == {"oai_dc", "edm"}
        records = list(client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
        harvested = {r.header.identifier.removeprefix(REPO): dc_digest(r.header.identifier.removeprefix(REPO), r.metadata)
                     for r in records}
        assert len(records) == 23 and harvested == catalogue_digests(engine)
        assert {s.setSpec for s in client.ListSets()} >= {"kind:film", "kind:book", "kind:artwork", "source:gen"}
        films = list(client.ListIdentifiers(metadataPrefix="oai_dc", set="kind:film"))
        assert len(films) == 8 and all("kind:film" in h.setSpecs for h in films)
        stamp = max(r.header.datestamp for r in records)
        assert len(list(client.ListIdentifiers(metadataPrefix="oai_dc", **{"from": stamp}))) == 23  # all within that second
        with pytest.raises(NoRecordsMatch):
            list(client.ListIdentifiers(metadataPrefix="oai_dc", until="2000-01-01"))
        with pytest.raises(CannotDisseminateFormat):
            list(client.ListRecords(metadataPrefix="marc21"))
        with pytest.raises(BadResumptionToken):
            list(client.ListRecords(resumptionToken="forged.token"))
        edm = client.GetRecord(identifier=REPO + "gen:w000", metadataPrefix="edm")
        assert edm.xml.find(".//{http://www.europeana.eu/schemas/edm/}ProvidedCHO") is not None

        day = today()
        with engine.begin() as conn:  # one withdrawn by licence, one removed: both reported deleted, none missing
            save_holders(conn, [HolderIn("h", "Holder")], actor="t")
            save_licences(conn, [LicenceIn("us", "h", ("gen:w005",), ("US",), ("display",), day - timedelta(days=1), None)],
                          actor="t")
            conn.execute(delete(Work).where(Work.key == "gen:w006"))
        again = list(client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
        assert len(again) == 23
        assert {r.header.identifier.removeprefix(REPO) for r in again if r.header.deleted} == {"gen:w005", "gen:w006"}
        live = {r.header.identifier.removeprefix(REPO): dc_digest(r.header.identifier.removeprefix(REPO), r.metadata)
                for r in again if not r.header.deleted}
        assert live == catalogue_digests(engine, hidden={"gen:w005"})
