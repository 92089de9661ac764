"""EDM, IIIF and embedded schema.org on SQLite and PostgreSQL, through the service, the CLI, the API and the pages of
the real app: only displayable works, the licence's statement as edm:rights, the stored report, manifests validated by
iiif-prezi3's models, and the JSON-LD in pages parsed by rdflib. The catalogue is generated, not collection data."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from iiif_prezi3 import Collection, Manifest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.collab.review import Reviewer, decide
from museion.heritage import edm_report
from museion.heritage.edm import EDM, ORE
from museion.heritage.edm_jobs import check_catalogue, export_file
from museion.heritage.edm_service import write
from museion.rights.availability import today
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.security.auth import create_account
from museion.server import create_app
from museion.store.engine import session_scope
from museion.studio import plans, search

CREATORS = "key,name,birth_year,death_year\nc1,Turner,1775,1851\nc2,Hepworth,1903,1975\n"
WORKS = ("key,kind,title,year,medium,subjects,creators,image_url,rights,language\n"
         "1,artwork,Sea </script><b>storm</b>,1842,Oil paint on canvas,sea|storm,c1,https://img.example/1.jpg,CC0,\n"
         "2,artwork,Harbour,1850,Watercolour,sea|harbour,c1,https://img.example/2.jpg,© the artist,\n"
         "3,book,Letters,1900,,letters,c2,,,\n"
         "4,artwork,Pier,1930,Bronze,sea|pier,c2,https://img.example/4.jpg,Public domain,\n")
BASE = "http://testserver"


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    import_catalogue(engine, tmp_path, CREATORS, WORKS)
    with engine.begin() as conn:  # g:2 licensed for display only until yesterday: not displayable; g:4 with a statement
        save_holders(conn, [HolderIn("estate", "The Estate")], actor="t")
        save_licences(conn, [
            LicenceIn("old", "estate", ("g:2",), ("world",), ("display",), today() - timedelta(days=30), today() - timedelta(days=1)),
            LicenceIn("open", "estate", ("g:4",), ("world",), ("display",), today() - timedelta(days=30), None,
                      statement="https://creativecommons.org/licenses/by/4.0/")], actor="t")
    return engine


def ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Work.key, Work.id)).all())


def test_export_streams_only_displayable_works_with_the_licences_statement(catalogue: Engine, tmp_path: Path) -> None:
    out = io.BytesIO()
    with session_scope(catalogue) as session:
        assert write(session, out, "rdfxml", BASE) == 3
    g = Graph().parse(data=out.getvalue(), format="xml")
    chos = {str(c).rsplit("/", 1)[-1] for c in g.subjects(RDF.type, EDM.ProvidedCHO)}
    assert chos == {"g%3A1", "g%3A3", "g%3A4"}  # g:2's licence has ended
    agg4 = URIRef(f"{BASE}/heritage/edm/aggregation/g%3A4")
    assert g.value(agg4, EDM.rights) == URIRef("http://creativecommons.org/licenses/by/4.0/")  # the licence wins over the text
    result = export_file(catalogue, tmp_path / "all.jsonld", fmt="jsonld", base_url=BASE, actor="test")
    j = Graph().parse(tmp_path / "all.jsonld", format="json-ld")
    assert result["works"] == 3 and len(list(j.subjects(RDF.type, ORE.Aggregation))) == 3
    assert isomorphic(g, j)  # RDF/XML written from the triples, JSON-LD from rdflib's graph: the same statements
    assert not (tmp_path / "all.jsonld.partial").exists()


def test_the_report_counts_by_source_and_lists_failing_works_with_reasons(catalogue: Engine, tmp_path: Path) -> None:
    summary = check_catalogue(catalogue, tmp_path, base_url=BASE)
    report = edm_report.load(tmp_path)
    g = report["by_source"]["g"]
    assert summary["works"] == report["works"] == g["works"] == 3
    # g:3 is TEXT without dc:language and has neither rights nor a page or file; g:1 and g:4 pass
    assert g["passing"] == 2 and g["share_passing"] == pytest.approx(2 / 3, abs=1e-3)
    failing = {w["key"]: w for w in report["failing"]}
    assert set(failing) == {"g:3"}
    assert "an edm:ProvidedCHO whose edm:type is TEXT needs dc:language" in failing["g:3"]["violations"]
    assert failing["g:3"]["content_tier"] == 0 and g["content"] == {"1": 2, "0": 1}


def test_cli_exports_checks_and_prints_a_manifest(catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "edm.rdf"
    done = runner.invoke(cli, ["heritage", "edm", "export", "--format", "rdfxml", "--out", str(out), "--base-url", BASE])
    assert done.exit_code == 0, done.output
    assert len(list(Graph().parse(out, format="xml").subjects(RDF.type, EDM.ProvidedCHO))) == 3
    bad = runner.invoke(cli, ["heritage", "edm", "export", "--format", "turtle"])
    assert bad.exit_code == 2 and "unknown EDM format" in bad.output
    checked = runner.invoke(cli, ["heritage", "edm", "check", "--base-url", BASE])
    assert checked.exit_code == 0 and "pass the EDM shapes" in checked.output
    shown = runner.invoke(cli, ["heritage", "iiif", str(ids(catalogue)["g:1"]), "--base-url", BASE])
    assert shown.exit_code == 0 and Manifest(**json.loads(shown.output)).id
    missing = runner.invoke(cli, ["heritage", "iiif", str(ids(catalogue)["g:3"])])
    assert missing.exit_code != 0 and "no image" in missing.output


def test_api_negotiates_rdf_xml_and_json_ld_and_serves_the_report(catalogue: Engine, tmp_path: Path) -> None:
    key = ids(catalogue)
    with TestClient(create_app(catalogue, home=tmp_path / "home")) as client:
        reader = auth_headers(catalogue, "analyst")
        xml = client.get(f"/api/heritage/edm/works/{key['g:1']}", headers=reader)
        assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/rdf+xml")
        assert len(list(Graph().parse(data=xml.content, format="xml").subjects(RDF.type, EDM.ProvidedCHO))) == 1
        ld = client.get(f"/api/heritage/edm/works/{key['g:1']}", headers={**reader, "Accept": "application/ld+json"})
        assert ld.headers["content-type"].startswith("application/ld+json")
        assert len(list(Graph().parse(data=ld.text, format="json-ld").subjects(RDF.type, EDM.ProvidedCHO))) == 1
        assert client.get(f"/api/heritage/edm/works/{key['g:1']}?format=jsonld", headers=reader).json()
        assert client.get(f"/api/heritage/edm/works/{key['g:2']}", headers=reader).status_code == 404  # not displayable
        assert client.get(f"/api/heritage/edm/works/{key['g:1']}?format=turtle", headers=reader).status_code == 422
        assert client.get(f"/api/heritage/edm/works/{key['g:1']}").status_code == 401
        assert client.get("/api/heritage/edm/report", headers=reader).status_code == 404
        check_catalogue(catalogue, tmp_path / "home", base_url=BASE)
        assert client.get("/api/heritage/edm/report", headers=reader).json()["works"] == 3
        assert client.post("/api/heritage/edm/report", json={}, headers=reader).status_code == 403  # curators start checks
        started = client.post("/api/heritage/edm/report", json={}, headers=auth_headers(catalogue, "curator"))
        assert started.status_code == 202


def test_iiif_manifests_and_collections_are_public_with_cors(catalogue: Engine, tmp_path: Path) -> None:
    key, home = ids(catalogue), tmp_path / "home"
    search.build_index(catalogue, home)
    with TestClient(create_app(catalogue, home=home)) as client:
        page = client.get(f"/iiif/works/{key['g:1']}/manifest.json")  # no sign-in
        assert page.status_code == 200 and page.headers["access-control-allow-origin"] == "*"
        body = page.json()
        m = Manifest(**body)  # iiif-prezi3's models: an implementation independent of ours
        assert body["@context"] == "http://iiif.io/api/presentation/3/context.json" and body["type"] == "Manifest"
        assert str(m.id) == f"{BASE}/iiif/works/{key['g:1']}/manifest.json" and body["label"]
        canvas = body["items"][0]
        assert canvas["type"] == "Canvas" and canvas["height"] > 0 and canvas["width"] > 0
        anno = canvas["items"][0]["items"][0]
        assert anno["motivation"] == "painting" and anno["body"]["id"] == "https://img.example/1.jpg" and anno["target"] == canvas["id"]
        assert body["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/" and body["requiredStatement"]
        none = client.get(f"/iiif/works/{key['g:3']}/manifest.json")
        assert none.status_code == 404 and "no image" in none.json()["error"] and none.headers["access-control-allow-origin"] == "*"
        assert client.get(f"/iiif/works/{key['g:2']}/manifest.json").status_code == 404  # not displayable today
        with catalogue.begin() as conn:
            pid = plans.create(conn, home, "sea", actor="cur", size=3)
            assert client.get(f"/iiif/exhibitions/{pid}/collection.json").status_code == 404  # not published
            first, second = (Reviewer(create_account(conn, f"cur{n}", "curator", actor="test"), "curator") for n in (1, 2))
            proposal = plans.publish(conn, pid, actor="cur")
            for reviewer in (first, second):
                decide(conn, reviewer, proposal, "accept")
        coll = client.get(f"/iiif/exhibitions/{pid}/collection.json")
        assert coll.status_code == 200 and coll.headers["access-control-allow-origin"] == "*"
        c = Collection(**coll.json())
        refs = [str(i.id) for i in c.items]
        assert refs and all(r.startswith(f"{BASE}/iiif/works/") for r in refs)
        assert f"{BASE}/iiif/works/{key['g:2']}/manifest.json" not in refs
        gallery = client.get(f"/gallery/{proposal}?lang=en")
        assert f"/iiif/exhibitions/{pid}/collection.json" in gallery.text and "IIIF manifest" in gallery.text
        g = Graph().parse(data=embedded(gallery.text), format="json-ld", base=BASE)
        assert (URIRef(f"{BASE}/gallery/{proposal}"), RDF.type, URIRef("https://schema.org/ExhibitionEvent")) in g
        zh = client.get(f"/gallery/{proposal}?lang=zh-Hans")
        assert zh.status_code == 200 and "IIIF" in zh.text


def embedded(page: str) -> str:
    """The one JSON-LD data block of a page (it must not be cut short by a value that contains ``</script>``)."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_work_page_embeds_json_ld_that_rdflib_reads_and_links_the_manifest(catalogue: Engine, tmp_path: Path) -> None:
    key = ids(catalogue)
    with TestClient(create_app(catalogue, home=tmp_path / "home")) as client:
        headers = auth_headers(catalogue, "curator")
        page = client.get(f"/works/{key['g:1']}?lang=en", headers=headers)
        assert page.status_code == 200 and f"/iiif/works/{key['g:1']}/manifest.json" in page.text
        block = embedded(page.text)
        assert "</" not in block and "<b>" not in block  # the title's markup is escaped inside the data block
        g = Graph().parse(data=block, format="json-ld")
        work = URIRef("urn:museion:work:g:1")
        assert (work, RDF.type, URIRef("https://schema.org/VisualArtwork")) in g
        assert str(g.value(work, URIRef("https://schema.org/name"))) == "Sea </script><b>storm</b>"
        csp = page.headers["content-security-policy"]  # a data block is not run: the policy need not (and does not) allow it
        assert "unsafe-inline" not in csp.split("style-src")[0] and "default-src 'self'" in csp
        zh = client.get(f"/works/{key['g:1']}?lang=zh-Hans", headers=headers)
        assert zh.status_code == 200 and len(embedded(zh.text)) == len(block)
        assert "IIIF manifest" not in client.get(f"/works/{key['g:3']}", headers=headers).text


def test_edm_quality_page_in_both_languages(catalogue: Engine, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with TestClient(create_app(catalogue, home=home), follow_redirects=False) as client:
        analyst, curator = auth_headers(catalogue, "analyst"), auth_headers(catalogue, "curator")
        empty = client.get("/heritage/edm?lang=en", headers=analyst)
        assert empty.status_code == 200 and 'id="edm-no-report"' in empty.text and "edm-check-form" not in empty.text
        assert "edm-check-form" in client.get("/heritage/edm", headers=curator).text
        check_catalogue(catalogue, home, base_url=BASE)
        page = client.get("/heritage/edm?lang=en", headers=analyst)
        assert page.status_code == 200 and "66.7%" in page.text and "Letters" in page.text
        assert "an edm:ProvidedCHO whose edm:type is TEXT needs dc:language" in page.text
        zh = client.get("/heritage/edm?lang=zh-Hans", headers=analyst)
        assert zh.status_code == 200 and "EDM 质量" in zh.text and "needs dc:language" not in zh.text
        started = client.post("/heritage/edm/check", headers=curator)
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
        assert client.post("/heritage/edm/check", headers=analyst).status_code == 403
        assert client.get("/heritage/edm").status_code in (303, 401)
