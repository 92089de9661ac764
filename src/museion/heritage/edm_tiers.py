"""Europeana's publishing-framework tiers for one work's EDM graph: the content tier (0–4, from the media and its
rights) and the metadata tier (0, A, B, C: language tags, enabling elements, contextual classes), each with the
reasons a work falls short of the next tier. Pure: no store."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, RDF, SKOS

from museion.heritage.edm import EDM, RDAGR2
from museion.heritage.edm_rights import is_open
from museion.heritage.records import ULAN, WIKIDATA

# Properties of edm:ProvidedCHO whose values count for the language criterion (Europeana's list).
LANGUAGE_PROPERTIES = (
    DC.coverage, DC.description, DC.format, DC.relation, DC.rights, DC.source, DC.subject, DC.title, DC.type,
    DCTERMS.alternative, DCTERMS.hasPart, DCTERMS.isPartOf, DCTERMS.isReferencedBy, DCTERMS.medium, DCTERMS.provenance,
    DCTERMS.references, DCTERMS.spatial, DCTERMS.tableOfContents, DCTERMS.temporal, EDM.currentLocation, EDM.hasType,
    EDM.isRelatedTo,
)
# Enabling elements by discovery scenario (dc:subject counts only as a link to a concept, agent or place in the record).
SCENARIOS = {
    "date": (DCTERMS.issued, DCTERMS.created, DCTERMS.temporal),
    "subjects and types": (DC.format, DC.type, DCTERMS.medium),
    "agents": (DC.creator, DC.contributor, DC.publisher),
    "places": (DCTERMS.spatial, EDM.currentLocation),
}
CONTEXTUAL = {EDM.Agent: "edm:Agent", SKOS.Concept: "skos:Concept", EDM.Place: "edm:Place", EDM.TimeSpan: "edm:TimeSpan"}
AGENT_DETAILS = (RDAGR2.dateOfBirth, RDAGR2.dateOfDeath, RDAGR2.placeOfBirth, RDAGR2.placeOfDeath, EDM.begin, EDM.end,
                 RDAGR2.professionOrOccupation)
LOD = (WIKIDATA, ULAN, "http://vocab.getty.edu/", "http://sws.geonames.org/", "http://data.europeana.eu/")
# Per metadata tier: least share of language-tagged properties, enabling elements, their scenarios, contextual classes.
NEEDS = {"A": (0.25, 1, 1, 0), "B": (0.5, 3, 2, 1), "C": (0.75, 4, 2, 2)}
MP_TIER2, MP_TIER3 = 0.42, 0.95  # megapixels an image needs for content tiers 2 and 3 (4: and an open licence)


@dataclass(frozen=True)
class Tiers:
    """A work's tiers, what its metadata scored, and why it does not reach the next tier up."""

    content: int
    metadata: str
    language_share: float
    enabling: tuple[str, ...]
    contextual: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())


def _linked_entity(g: Graph, node: object, classes: tuple[URIRef, ...]) -> bool:
    return isinstance(node, URIRef) and any((node, RDF.type, c) in g for c in classes)


def language_share(g: Graph, cho: URIRef) -> float:
    """Share of the relevant ProvidedCHO properties present that have at least one language-tagged value."""
    present = tagged = 0
    for prop in LANGUAGE_PROPERTIES:
        values = list(g.objects(cho, prop))
        if not values:
            continue
        present += 1
        tagged += any((isinstance(v, Literal) and v.language) or (
            _linked_entity(g, v, (EDM.Place, SKOS.Concept, EDM.TimeSpan))
            and any(getattr(label, "language", None) for label in g.objects(v, SKOS.prefLabel))) for v in values)
    return tagged / present if present else 0.0


def enabling(g: Graph, cho: URIRef) -> dict[str, str]:
    """The enabling elements present, each with its discovery scenario."""
    found = {p.n3(g.namespace_manager): s for s, props in SCENARIOS.items() for p in props if (cho, p, None) in g}
    for subject in g.objects(cho, DC.subject):
        for cls, scenario in ((SKOS.Concept, "subjects and types"), (EDM.Agent, "agents"), (EDM.Place, "places")):
            if _linked_entity(g, subject, (cls,)):
                found[f"dc:subject→{CONTEXTUAL[cls]}"] = scenario
    return found


def complete_entity(g: Graph, node: URIRef, cls: URIRef) -> bool:
    """A contextual entity with its minimum elements: a label and a detail (or a link to a linked-data vocabulary)."""
    if any(str(o).startswith(LOD) for o in g.objects(node, OWL.sameAs)) or str(node).startswith(LOD):
        return True
    if g.value(node, SKOS.prefLabel) is None:
        return False
    if cls == EDM.Agent:
        return any((node, p, None) in g for p in AGENT_DETAILS)
    if cls == EDM.Place:
        return any(str(p).endswith(("#lat", "#long")) for p in g.predicates(node, None))
    if cls == EDM.TimeSpan:
        return (node, EDM.begin, None) in g or (node, EDM.end, None) in g
    return True  # skos:Concept: a label suffices


def contextual(g: Graph, cho: URIRef) -> tuple[str, ...]:
    """The kinds of complete contextual entity linked directly from the CHO."""
    kinds = set()
    for _p, node in g.predicate_objects(cho):
        for cls, name in CONTEXTUAL.items():
            if isinstance(node, URIRef) and (node, RDF.type, cls) in g and complete_entity(g, node, cls):
                kinds.add(name)
    return tuple(sorted(kinds))


def metadata_tier(g: Graph, cho: URIRef) -> tuple[str, float, tuple[str, ...], tuple[str, ...], list[str]]:
    """(tier 0/A/B/C, language share, enabling elements, contextual kinds, why not the next tier)."""
    share, found, kinds = language_share(g, cho), enabling(g, cho), contextual(g, cho)
    tier, why = "0", []
    for name, (least_share, least_elements, least_scenarios, least_kinds) in NEEDS.items():
        short = []
        if share < least_share:
            short.append(f"{share:.0%} of the relevant properties carry a language tag; tier {name} needs {least_share:.0%}")
        if len(found) < least_elements or len(set(found.values())) < least_scenarios:
            short.append(f"{len(found)} enabling element(s) from {len(set(found.values()))} discovery scenario(s); "
                         f"tier {name} needs {least_elements} from {least_scenarios}")
        if len(kinds) < least_kinds:
            short.append(f"{len(kinds)} kind(s) of complete contextual entity ({', '.join(kinds) or 'none'}); tier {name} "
                         f"needs {least_kinds} (e.g. an edm:Agent with dates or a Wikidata/ULAN link, an edm:Place)")
        if short:
            why = short
            break
        tier = name
    return tier, share, tuple(sorted(found)), kinds, why


def content_tier(g: Graph, cho: URIRef, size: tuple[int, int] | None = None) -> tuple[int, list[str]]:
    """0–4 from the aggregation's media, its pixel size where known, and its rights; and why not higher."""
    agg = next(iter(g.subjects(EDM.aggregatedCHO, cho)), None)
    rights = g.value(agg, EDM.rights) if agg is not None else None
    media = g.value(agg, EDM.isShownBy) if agg is not None else None
    if rights is None:
        return 0, ["no valid edm:rights statement, so Europeana would not publish the object"]
    if media is None:
        return 0, ["no digital object (edm:isShownBy): the record carries no image or other media file"]
    if size is None:
        return 1, ["the image's pixel size is not recorded: tier 2 needs at least 0.42 megapixels, tier 3 0.95"]
    megapixels = size[0] * size[1] / 1e6
    if megapixels < MP_TIER2:
        return 1, [f"the image has {megapixels:.2f} megapixels; tier 2 needs 0.42"]
    if megapixels < MP_TIER3:
        return 2, [f"the image has {megapixels:.2f} megapixels; tier 3 needs 0.95"]
    if not is_open(str(rights)):
        return 3, [f"{rights} is not an open licence (public domain, CC0, CC BY or CC BY-SA), which tier 4 needs"]
    return 4, []


def tiers(g: Graph, cho: URIRef, size: tuple[int, int] | None = None) -> Tiers:
    """Both tiers of the work whose CHO is ``cho`` in ``g``."""
    content, content_why = content_tier(g, cho, size)
    tier, share, found, kinds, why = metadata_tier(g, cho)
    return Tiers(content, tier, round(share, 3), found, kinds, tuple(content_why + why))

