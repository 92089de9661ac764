"""EDM core: the graph of a work parsed back by rdflib (RDF/XML and JSON-LD), rights statements Europeana accepts,
SHACL shapes (pyshacl) passing and failing for the right reasons, Europeana's tiers. Records are generated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DC, DCTERMS, OWL, RDF, SKOS

from museion.heritage.edm import EDM, ORE, edm_graph, edm_rdfxml, edm_type, uris
from museion.heritage.edm_rights import rights_uri
from museion.heritage.edm_shacl import violations
from museion.heritage.edm_tiers import tiers
from museion.heritage.records import AgentRecord, WorkRecord

BASE = "https://museum.example"
NOW = datetime(2024, 5, 1, tzinfo=UTC)
TURNER = AgentRecord(key="tate:38", source="tate", name="Joseph Mallord William Turner", role="artist", birth_year=1775,
                     death_year=1851, same_as=("http://www.wikidata.org/entity/Q159758", "http://vocab.getty.edu/page/ulan/500026846"))


def record(**changes: object) -> WorkRecord:
    base = dict(id=7, key="tate:N00530", source="tate", kind="artwork", title="Snow Storm", updated_at=NOW, year=1842,
                date_text="exhibited 1842", subjects=("sea", "storm"), genres=("painting",), medium="Oil paint on canvas",
                image_url="https://media.example/N00530.jpg", rights="CC BY-NC-ND 3.0 (Unported)", creators=(TURNER,),
                same_as=("https://www.tate.org.uk/art/artworks/turner-snow-storm-n00530",))
    return WorkRecord(**{**base, **changes})  # type: ignore[arg-type]


def test_a_work_becomes_cho_aggregation_web_resource_and_agent() -> None:
    g = Graph().parse(data=edm_rdfxml(record(), BASE), format="xml")
    u = uris(record(), BASE)
    cho, agg = u["cho"], u["aggregation"]
    assert (cho, RDF.type, EDM.ProvidedCHO) in g and (agg, RDF.type, ORE.Aggregation) in g
    assert g.value(agg, EDM.aggregatedCHO) == cho and g.value(cho, EDM.type) == Literal("IMAGE")
    assert g.value(agg, EDM.rights) == URIRef("http://creativecommons.org/licenses/by-nc-nd/3.0/")
    assert g.value(agg, EDM.isShownBy) == URIRef("https://media.example/N00530.jpg")
    assert (URIRef("https://media.example/N00530.jpg"), RDF.type, EDM.WebResource) in g
    assert g.value(agg, EDM.isShownAt) == URIRef("https://www.tate.org.uk/art/artworks/turner-snow-storm-n00530")
    agent = g.value(cho, DC.creator)
    assert (agent, RDF.type, EDM.Agent) in g and str(g.value(agent, SKOS.prefLabel)) == "Joseph Mallord William Turner"
    assert set(g.objects(agent, OWL.sameAs)) == {URIRef(u) for u in TURNER.same_as}
    assert str(cho).startswith(BASE + "/heritage/edm/cho/") and str(agg).startswith(BASE + "/heritage/edm/aggregation/")
    assert {str(s) for s in g.objects(cho, DC.subject)} == {"sea", "storm"}
    assert str(g.value(cho, DCTERMS.medium)) == "Oil paint on canvas"


@pytest.mark.parametrize("lang", [None, "en", "zh-Hans"])
def test_rdfxml_parses_back_to_the_graph_with_every_option(lang: str | None) -> None:
    shared = record(creators=(TURNER, TURNER), subjects=("sea", "sea", "a\r\nb <&> \u00e9\u6c34"), language="en")
    options = {"rights": "http://rightsstatements.org/vocab/InC/1.0/", "data_provider": "Tate", "lang": lang}
    back = Graph().parse(data=edm_rdfxml(shared, BASE, **options), format="xml")
    assert isomorphic(back, edm_graph(shared, BASE, **options))  # type: ignore[arg-type]


def test_the_same_graph_parses_back_from_json_ld() -> None:
    g = edm_graph(record(), BASE)
    back = Graph().parse(data=g.serialize(format="json-ld"), format="json-ld")
    assert len(back) == len(g) and set(back) == set(g)


def test_ai_added_terms_stay_labelled_and_are_not_the_sources_subjects() -> None:
    ai = record(subjects=("sea", "storm", "whale"), ai_terms=("subject:whale [ai:model_version:4 accepted by account:2]",))
    g = edm_graph(ai, BASE)
    cho = uris(ai, BASE)["cho"]
    assert {str(s) for s in g.objects(cho, DC.subject)} == {"sea", "storm"}
    assert any("whale" in str(p) and "AI-added" in str(p) for p in g.objects(cho, DCTERMS.provenance))


@pytest.mark.parametrize(("kind", "genres", "expected"), [("book", (), "TEXT"), ("film", (), "VIDEO"), ("music", (), "SOUND"),
                                                          ("artwork", ("sculpture",), "3D"), ("photograph", (), "IMAGE")])
def test_edm_type_from_kind(kind: str, genres: tuple[str, ...], expected: str) -> None:
    assert edm_type(record(kind=kind, genres=genres)) == expected


@pytest.mark.parametrize(("statement", "text", "uri"), [
    (None, "CC0", "http://creativecommons.org/publicdomain/zero/1.0/"),
    (None, "Public domain", "http://creativecommons.org/publicdomain/mark/1.0/"),
    (None, "© Tate", "http://rightsstatements.org/vocab/InC/1.0/"),
    (None, "https://creativecommons.org/licenses/by-sa/4.0/deed.de", "http://creativecommons.org/licenses/by-sa/4.0/"),
    ("https://rightsstatements.org/page/InC-EDU/1.0/", "© Tate", "http://rightsstatements.org/vocab/InC-EDU/1.0/"),
])
def test_rights_map_to_statements_europeana_accepts(statement: str | None, text: str, uri: str) -> None:
    assert rights_uri(statement, text) == (uri, None)


@pytest.mark.parametrize(("statement", "text", "why"), [
    (None, None, "no rights statement"), (None, "see website", "names no licence"),
    ("http://rightsstatements.org/vocab/NKC/1.0/", None, "not one of the statements Europeana accepts"),
])
def test_no_rights_uri_says_why(statement: str | None, text: str | None, why: str) -> None:
    uri, reason = rights_uri(statement, text)
    assert uri is None and reason is not None and why in reason


def test_shacl_passes_a_complete_record_and_names_each_missing_property() -> None:
    good, no_rights, text = record(), record(id=8, key="tate:X", rights=None), record(id=9, key="tate:T", kind="book", language=None)
    bare = record(id=10, key="tate:B", title="", description=None, subjects=(), genres=(), kind="artwork", rights="©",
                  image_url=None, same_as=())
    found, checked = violations([edm_graph(r, BASE) for r in (good, no_rights, text, bare)])
    assert len(checked) == 4 and uris(good, BASE)["cho"] not in found
    assert any("edm:rights is required" in m for m in found[uris(no_rights, BASE)["cho"]])
    assert found[uris(text, BASE)["cho"]] == ["an edm:ProvidedCHO whose edm:type is TEXT needs dc:language"]
    assert set(found[uris(bare, BASE)["cho"]]) == {
        "an edm:ProvidedCHO needs dc:title or dc:description",
        "an ore:Aggregation needs edm:isShownAt (the object's web page) or edm:isShownBy (its digital file)"}
    # dc:type (the kind) is always written, so the subject/type/spatial/temporal rule holds even for a bare record


def test_shacl_refuses_a_rights_uri_europeana_does_not_accept() -> None:
    g = edm_graph(record(), BASE)
    agg = uris(record(), BASE)["aggregation"]
    g.set((agg, EDM.rights, URIRef("http://rightsstatements.org/vocab/NKC/1.0/")))
    g.remove((None, RDF.type, EDM.WebResource))
    found, _ = violations([g])
    assert any("edm:rights" in m for m in found[uris(record(), BASE)["cho"]])


def test_tiers_say_why_a_work_falls_short() -> None:
    plain = tiers(edm_graph(record(), BASE), uris(record(), BASE)["cho"])
    assert plain.content == 1 and any("pixel size" in r for r in plain.reasons)
    assert plain.metadata == "A" and "edm:Agent" in plain.contextual  # the agent has dates and Wikidata/ULAN links
    english = tiers(edm_graph(record(), BASE, lang="en"), uris(record(), BASE)["cho"])
    assert english.metadata == "B" and english.language_share == 1.0
    assert any("tier C needs 2" in r for r in english.reasons)
    none = record(image_url=None, rights=None)
    assert tiers(edm_graph(none, BASE), uris(none, BASE)["cho"]).content == 0
    big = tiers(edm_graph(record(rights="CC0"), BASE), uris(record(), BASE)["cho"], size=(1600, 1200))
    assert big.content == 4
    closed = tiers(edm_graph(record(), BASE), uris(record(), BASE)["cho"], size=(1600, 1200))
    assert closed.content == 3 and "open licence" in closed.reasons[0]


text = st.text(st.characters(codec="utf-8"), max_size=40)
agents = st.builds(AgentRecord, key=text, source=st.sampled_from(["tate", "moma"]), name=text, role=text,
                   birth_year=st.none() | st.integers(-3000, 2100), same_as=st.lists(text, max_size=2).map(tuple))
records = st.builds(
    WorkRecord, id=st.integers(1, 2**40), key=text, source=st.sampled_from(["tate", "moma", "demo"]),
    kind=st.sampled_from(["artwork", "book", "film", "music", "photograph", "exhibition", "unknown"]), title=text,
    updated_at=st.just(NOW), year=st.none() | st.integers(-3000, 9999), date_text=st.none() | text,
    language=st.none() | st.sampled_from(["en", "fr", "zh-Hans"]), description=st.none() | text, medium=st.none() | text,
    image_url=st.none() | text | st.just("https://x.example/a b.jpg"), rights=st.none() | text,
    subjects=st.lists(text, max_size=3).map(tuple), genres=st.lists(text, max_size=2).map(tuple),
    creators=st.lists(agents, max_size=2).map(tuple), same_as=st.lists(text, max_size=2).map(tuple),
    ai_terms=st.lists(text, max_size=2).map(tuple))


@settings(max_examples=60, deadline=None)
@given(records)
def test_any_record_gives_a_graph_that_parses_back_with_one_provided_cho(r: WorkRecord) -> None:
    xml = edm_rdfxml(r, BASE)
    g = Graph().parse(data=xml, format="xml")
    assert len(list(g.subjects(RDF.type, EDM.ProvidedCHO))) == 1
    assert len(list(g.subjects(RDF.type, ORE.Aggregation))) == 1
    assert isomorphic(g, edm_graph(r, BASE))  # the RDF/XML written straight from the triples says what the graph says
    j = Graph().parse(data=edm_graph(r, BASE).serialize(format="json-ld"), format="json-ld")
    assert len(list(j.subjects(RDF.type, EDM.ProvidedCHO))) == 1
