"""EDM's mandatory properties checked with SHACL (pyshacl against ``shapes/edm.ttl``), many works per validation
run: each violation is traced back to the work whose CHO, aggregation or web resource it is about. Pure: no store."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from museion.heritage.edm import EDM, ORE


@lru_cache(maxsize=1)
def shapes() -> Graph:
    """The EDM shapes shipped as package data."""
    text = resources.files("museion.heritage").joinpath("shapes/edm.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


def _message(results: Graph, result: URIRef) -> str:
    """A violation in words: the shape's message, else the constraint and path that failed."""
    message = results.value(result, SH.resultMessage)
    path = results.value(result, SH.resultPath)
    text = str(message) if message is not None else str(results.value(result, SH.sourceConstraintComponent))
    short = path.n3(results.namespace_manager) if path is not None else ""
    return f"{text} ({short})" if short and short not in text else text


def _owners(data: Graph) -> dict[URIRef, URIRef]:
    """Each node of a work's graph (its CHO, aggregation, web resources) mapped to that work's CHO."""
    owner: dict[URIRef, URIRef] = {}
    for cho in data.subjects(RDF.type, EDM.ProvidedCHO):
        owner[cho] = cho  # type: ignore[index]
    for agg in data.subjects(RDF.type, ORE.Aggregation):
        cho = data.value(agg, EDM.aggregatedCHO)
        if cho is not None:
            owner[agg] = cho  # type: ignore[index]
            for prop in (EDM.isShownBy, EDM.object, EDM.hasView):
                for res in data.objects(agg, prop):
                    owner.setdefault(res, cho)  # type: ignore[arg-type]
    return owner


def violations(graphs: Iterable[Graph]) -> tuple[dict[URIRef, list[str]], list[URIRef]]:
    """Validate the union of ``graphs`` in one run: ({CHO URI: [why it fails]}, every CHO checked)."""
    data = Graph()
    for g in graphs:
        data += g
    chos = sorted(data.subjects(RDF.type, EDM.ProvidedCHO))  # type: ignore[type-var]
    conforms, results, _text = validate(data, shacl_graph=shapes(), inference="none", advanced=False, allow_warnings=False)
    found: dict[URIRef, list[str]] = {}
    if conforms:
        return found, chos  # type: ignore[return-value]
    owner = _owners(data)
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        cho = owner.get(focus, focus)  # type: ignore[arg-type]
        reasons = found.setdefault(cho, [])  # type: ignore[arg-type]
        why = _message(results, result)  # type: ignore[arg-type]
        if why not in reasons:
            reasons.append(why)
    return found, chos  # type: ignore[return-value]
