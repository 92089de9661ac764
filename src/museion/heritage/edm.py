"""A work as a Europeana Data Model graph: edm:ProvidedCHO, ore:Aggregation, edm:WebResource and edm:Agent, written
from the frozen :class:`WorkRecord` so OAI-PMH, the EDM export and the checks all share one mapping. Pure: no store."""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, RDF, SKOS, XSD

from museion.heritage.edm_rights import rights_uri
from museion.heritage.records import ULAN, WIKIDATA, AgentRecord, WorkRecord

EDM = Namespace("http://www.europeana.eu/schemas/edm/")
ORE = Namespace("http://www.openarchives.org/ore/terms/")
RDAGR2 = Namespace("http://rdvocab.info/ElementsGr2/")
PREFIXES = {"edm": EDM, "ore": ORE, "dc": DC, "dcterms": DCTERMS, "skos": SKOS, "owl": OWL, "rdaGr2": RDAGR2}

# Europeana's five media types, from the catalogue's kinds (ingest.schema.WORK_KINDS).
EDM_TYPES = {
    "film": "VIDEO", "series": "VIDEO", "episode": "VIDEO", "game": "VIDEO", "performance": "VIDEO",
    "book": "TEXT", "article": "TEXT",
    "music": "SOUND", "album": "SOUND", "podcast": "SOUND",
    "artwork": "IMAGE", "photograph": "IMAGE", "exhibition": "IMAGE", "event": "IMAGE",
}
THREE_D_WORDS = ("sculpture", "installation", "object", "3d", "relief", "ceramic")


def new_graph() -> Graph:
    """An empty graph with EDM's prefixes (only those: rdflib's default set of thirty makes every graph slow to start)."""
    g = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def edm_type(record: WorkRecord) -> str:
    """TEXT, IMAGE, SOUND, VIDEO or 3D: from the kind; an artwork the source calls a sculpture or installation is 3D."""
    kind = EDM_TYPES.get(record.kind, "IMAGE")
    if kind == "IMAGE" and any(w in g.lower() for g in record.genres for w in THREE_D_WORDS):
        return "3D"
    return kind


def uris(record: WorkRecord, base_url: str) -> dict[str, URIRef]:
    """Stable URIs under ``base_url`` for the work's CHO and aggregation, from its key (stable across loads)."""
    root = base_url.rstrip("/") + "/heritage/edm/"
    key = quote(record.key, safe="")
    return {"cho": URIRef(f"{root}cho/{key}"), "aggregation": URIRef(f"{root}aggregation/{key}")}


def agent_uri(agent: AgentRecord, base_url: str) -> URIRef:
    return URIRef(base_url.rstrip("/") + "/heritage/edm/agent/" + quote(agent.key, safe=""))


def shown_at(record: WorkRecord) -> str | None:
    """The source's own web page for the work (a URL identifier that is not Wikidata or ULAN), if it has one."""
    return next((u for u in record.same_as if u.startswith(("http://", "https://"))
                 and not u.startswith((WIKIDATA, ULAN, "https://www.wikidata.org/"))), None)


def ai_term_keys(record: WorkRecord) -> frozenset[str]:
    """``vocabulary:term`` of each AI-added term (the label follows in brackets in ``ai_terms``)."""
    return frozenset(t.split(" [", 1)[0] for t in record.ai_terms)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(value: str) -> str:
    """Text without the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return _NOT_XML.sub("", value).strip()


def web_uri(value: str | None) -> URIRef | None:
    """An http(s) address as a URI node, characters a URI may not hold percent-encoded; None if not an address."""
    text = clean(value or "")
    if not re.match(r"^https?://[^/\s]+", text):
        return None
    return URIRef(quote(text, safe=":/?#[]@!$&'()*+,;=%~-._"))


def _text(g: Graph, node: URIRef | BNode, prop: URIRef, value: str | None, lang: str | None) -> None:
    text = clean(value) if value is not None else ""
    if text:
        g.add((node, prop, Literal(text, lang=lang)))


def _agent(g: Graph, agent: AgentRecord, base_url: str, lang: str | None) -> URIRef:
    node = agent_uri(agent, base_url)
    g.add((node, RDF.type, EDM.Agent))
    _text(g, node, SKOS.prefLabel, agent.name, lang)
    if agent.birth_year is not None:
        g.add((node, RDAGR2.dateOfBirth, Literal(str(agent.birth_year))))
    if agent.death_year is not None:
        g.add((node, RDAGR2.dateOfDeath, Literal(str(agent.death_year))))
    _text(g, node, RDAGR2.gender, agent.gender, None)
    for uri in filter(None, map(web_uri, agent.same_as)):
        g.add((node, OWL.sameAs, uri))
    return node


def edm_graph(record: WorkRecord, base_url: str, *, rights: str | None = None, data_provider: str | None = None,
              provider: str = "Museion", lang: str | None = None, into: Graph | None = None) -> Graph:
    """The EDM graph of one work. ``rights`` is a licence's statement URI where the rights registry holds one (else
    the work's own rights text is mapped); ``lang`` is the language the source writes its metadata in, if known;
    ``into`` adds the work to an existing graph (a batch) instead of a new one."""
    g = into if into is not None else new_graph()
    u = uris(record, base_url)
    cho, agg = u["cho"], u["aggregation"]
    g.add((cho, RDF.type, EDM.ProvidedCHO))
    _text(g, cho, DC.title, record.title, lang)
    _text(g, cho, DC.description, record.description, lang)
    _text(g, cho, DC.identifier, record.key, None)
    date = record.date_text or (str(record.year) if record.year is not None else None)
    _text(g, cho, DC.date, date, None)
    if record.year is not None:
        g.add((cho, DCTERMS.created, Literal(str(record.year), datatype=XSD.gYear)))
    _text(g, cho, DC.type, record.kind, "en")
    for genre in record.genres:
        _text(g, cho, DC.type, genre, lang)
    machine = ai_term_keys(record)
    for subject in record.subjects:
        if f"subject:{subject}" not in machine:
            _text(g, cho, DC.subject, subject, lang)
    for label in record.ai_terms:  # kept, labelled as what they are, never as the source's own subject
        _text(g, cho, DCTERMS.provenance, f"AI-added term, not the source's: {label}", "en")
    _text(g, cho, DC.language, record.language, None)
    _text(g, cho, DCTERMS.spatial, record.region, lang)
    _text(g, cho, DCTERMS.medium, record.medium, lang)
    g.add((cho, EDM.type, Literal(edm_type(record))))
    for agent in record.creators:
        g.add((cho, DC.creator, _agent(g, agent, base_url, lang)))
    for uri in filter(None, map(web_uri, record.same_as)):
        if str(uri).startswith((WIKIDATA, ULAN)):
            g.add((cho, OWL.sameAs, uri))

    g.add((agg, RDF.type, ORE.Aggregation))
    g.add((agg, EDM.aggregatedCHO, cho))
    _text(g, agg, EDM.dataProvider, data_provider or record.source, None)
    _text(g, agg, EDM.provider, provider, None)
    statement, _why = rights_uri(rights, record.rights)
    if statement:
        g.add((agg, EDM.rights, URIRef(statement)))
    _text(g, agg, DC.rights, record.rights, None)
    page = web_uri(shown_at(record))
    if page:
        g.add((agg, EDM.isShownAt, page))
    image = web_uri(record.image_url)
    if image:
        g.add((agg, EDM.isShownBy, image))
        g.add((agg, EDM.object, image))
        g.add((image, RDF.type, EDM.WebResource))
        if statement:
            g.add((image, EDM.rights, URIRef(statement)))
        _text(g, image, DC.rights, record.rights, None)
    return g


def edm_rdfxml(record: WorkRecord, base_url: str, **options: str | None) -> bytes:
    """One work as an rdf:RDF document (the OAI-PMH ``edm`` metadata format and the RDF/XML export)."""
    return edm_graph(record, base_url, **options).serialize(format="pretty-xml", encoding="utf-8", max_depth=1)  # type: ignore[arg-type]
