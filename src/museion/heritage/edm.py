"""A work as a Europeana Data Model graph: edm:ProvidedCHO, ore:Aggregation, edm:WebResource and edm:Agent, written
from the frozen :class:`WorkRecord` so OAI-PMH, the EDM export and the checks all share one mapping. Pure: no store."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from lxml import etree
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, RDF, SKOS, XSD

from museion.heritage.edm_rights import rights_uri
from museion.heritage.records import ULAN, WIKIDATA, AgentRecord, WorkRecord

EDM = Namespace("http://www.europeana.eu/schemas/edm/")
ORE = Namespace("http://www.openarchives.org/ore/terms/")
RDAGR2 = Namespace("http://rdvocab.info/ElementsGr2/")
PREFIXES = {"edm": EDM, "ore": ORE, "dc": DC, "dcterms": DCTERMS, "skos": SKOS, "owl": OWL, "rdaGr2": RDAGR2}
Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]
# The RDF/XML writer's namespaces (EDM's and rdf:), longest first so a term splits at its own namespace.
NSMAP = {p: str(ns) for p, ns in {**PREFIXES, "rdf": RDF}.items()}
_NAMESPACES = sorted(NSMAP.values(), key=len, reverse=True)
_RDF_RDF, _RDF_DESCRIPTION = f"{{{RDF}}}RDF", f"{{{RDF}}}Description"
_RDF_ABOUT, _RDF_NODE_ID, _RDF_RESOURCE, _RDF_DATATYPE = (f"{{{RDF}}}{n}" for n in ("about", "nodeID", "resource", "datatype"))
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_RDF_TYPE = RDF.type  # looked up once: a closed namespace's attribute access builds a new term each time

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


@lru_cache(maxsize=256)
def _clark(term: URIRef) -> str:
    """A term of one of EDM's namespaces as an lxml ``{namespace}local`` name."""
    text = str(term)
    ns = next(n for n in _NAMESPACES if text.startswith(n))
    return f"{{{ns}}}{text[len(ns):]}"


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


def _text(t: list[Triple], node: URIRef | BNode, prop: URIRef, value: str | None, lang: str | None) -> None:
    text = clean(value) if value is not None else ""
    if text:
        t.append((node, prop, Literal(text, lang=lang)))


def _agent(t: list[Triple], agent: AgentRecord, base_url: str, lang: str | None) -> URIRef:
    node = agent_uri(agent, base_url)
    t.append((node, RDF.type, EDM.Agent))
    _text(t, node, SKOS.prefLabel, agent.name, lang)
    if agent.birth_year is not None:
        t.append((node, RDAGR2.dateOfBirth, Literal(str(agent.birth_year))))
    if agent.death_year is not None:
        t.append((node, RDAGR2.dateOfDeath, Literal(str(agent.death_year))))
    _text(t, node, RDAGR2.gender, agent.gender, None)
    for uri in filter(None, map(web_uri, agent.same_as)):
        t.append((node, OWL.sameAs, uri))
    return node


def edm_graph(record: WorkRecord, base_url: str, *, rights: str | None = None, data_provider: str | None = None,
              provider: str = "Museion", lang: str | None = None, into: Graph | None = None) -> Graph:
    """The EDM graph of one work (see :func:`edm_triples` for the options); ``into`` adds the work to an existing
    graph (a batch) instead of a new one."""
    g = into if into is not None else new_graph()
    for triple in edm_triples(record, base_url, rights=rights, data_provider=data_provider, provider=provider, lang=lang):
        g.add(triple)
    return g


def edm_triples(record: WorkRecord, base_url: str, *, rights: str | None = None, data_provider: str | None = None,
                provider: str = "Museion", lang: str | None = None) -> list[Triple]:
    """The EDM triples of one work, in the order written (a subject's rdf:type first). ``rights`` is a licence's statement URI where the rights
    registry holds one (else the work's own rights text is mapped); ``lang`` is the language the source writes its
    metadata in, if known."""
    t: list[Triple] = []
    u = uris(record, base_url)
    cho, agg = u["cho"], u["aggregation"]
    t.append((cho, RDF.type, EDM.ProvidedCHO))
    _text(t, cho, DC.title, record.title, lang)
    _text(t, cho, DC.description, record.description, lang)
    _text(t, cho, DC.identifier, record.key, None)
    date = record.date_text or (str(record.year) if record.year is not None else None)
    _text(t, cho, DC.date, date, None)
    if record.year is not None:
        t.append((cho, DCTERMS.created, Literal(str(record.year), datatype=XSD.gYear)))
    _text(t, cho, DC.type, record.kind, "en")
    for genre in record.genres:
        _text(t, cho, DC.type, genre, lang)
    machine = ai_term_keys(record)
    for subject in record.subjects:
        if f"subject:{subject}" not in machine:
            _text(t, cho, DC.subject, subject, lang)
    for label in record.ai_terms:  # kept, labelled as what they are, never as the source's own subject
        _text(t, cho, DCTERMS.provenance, f"AI-added term, not the source's: {label}", "en")
    _text(t, cho, DC.language, record.language, None)
    _text(t, cho, DCTERMS.spatial, record.region, lang)
    _text(t, cho, DCTERMS.medium, record.medium, lang)
    t.append((cho, EDM.type, Literal(edm_type(record))))
    for agent in record.creators:
        t.append((cho, DC.creator, _agent(t, agent, base_url, lang)))
    for uri in filter(None, map(web_uri, record.same_as)):
        if str(uri).startswith((WIKIDATA, ULAN)):
            t.append((cho, OWL.sameAs, uri))

    t.append((agg, RDF.type, ORE.Aggregation))
    t.append((agg, EDM.aggregatedCHO, cho))
    _text(t, agg, EDM.dataProvider, data_provider or record.source, None)
    _text(t, agg, EDM.provider, provider, None)
    statement, _why = rights_uri(rights, record.rights)
    if statement:
        t.append((agg, EDM.rights, URIRef(statement)))
    _text(t, agg, DC.rights, record.rights, None)
    page = web_uri(shown_at(record))
    if page:
        t.append((agg, EDM.isShownAt, page))
    image = web_uri(record.image_url)
    if image:
        t.append((agg, EDM.isShownBy, image))
        t.append((agg, EDM.object, image))
        t.append((image, RDF.type, EDM.WebResource))
        if statement:
            t.append((image, EDM.rights, URIRef(statement)))
        _text(t, image, DC.rights, record.rights, None)
    return t


def rdfxml_nodes(parent: etree._Element, triples: Iterable[Triple]) -> etree._Element:
    """Triples as RDF/XML node elements under ``parent`` (an rdf:RDF declaring ``NSMAP``), one per subject (in order of first mention, repeated triples once): a typed
    node named by the subject's first rdf:type, a property element per other triple (a URI as rdf:resource, a literal
    as text with xml:lang or rdf:datatype). Written directly, without an rdflib graph or serializer (6 ms a work)."""
    by_subject: dict[URIRef | BNode, dict[Triple, None]] = {}
    for triple in triples:
        by_subject.setdefault(triple[0], {})[triple] = None
    for subject, own in by_subject.items():
        types = [o for _s, p, o in own if p == _RDF_TYPE]
        node = etree.SubElement(parent, _clark(types[0]) if types else _RDF_DESCRIPTION)
        node.set(_RDF_ABOUT if isinstance(subject, URIRef) else _RDF_NODE_ID, str(subject))
        for _s, p, o in own:
            if p == _RDF_TYPE and o == types[0]:
                continue
            prop = etree.SubElement(node, _clark(p))
            if isinstance(o, Literal):
                prop.text = str(o)
                if o.language:
                    prop.set(_XML_LANG, o.language)
                elif o.datatype is not None:
                    prop.set(_RDF_DATATYPE, str(o.datatype))
            else:
                prop.set(_RDF_RESOURCE if isinstance(o, URIRef) else _RDF_NODE_ID, str(o))
    return parent


def edm_element(record: WorkRecord, base_url: str, **options: str | None) -> etree._Element:
    """One work as an rdf:RDF element (what the OAI-PMH ``edm`` metadata format embeds), built straight from its
    triples: the same graph as :func:`edm_graph` when parsed back."""
    return rdfxml_nodes(etree.Element(_RDF_RDF, nsmap=NSMAP), edm_triples(record, base_url, **options))  # type: ignore[arg-type]


def edm_rdfxml(record: WorkRecord, base_url: str, **options: str | None) -> bytes:
    """One work as an rdf:RDF document (the OAI-PMH ``edm`` metadata format and the RDF/XML export)."""
    return etree.tostring(edm_element(record, base_url, **options), xml_declaration=True, encoding="utf-8")
