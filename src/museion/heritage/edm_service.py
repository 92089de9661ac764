"""EDM from the store: works read in batches (only those that may be displayed here and now), each with its
licence's rights statement and its source's publisher, written as RDF/XML or JSON-LD; one work's graph for the API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree
from rdflib import Graph
from rdflib.namespace import RDF
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from museion.catalog.models import Work
from museion.datasets.registry import all_datasets
from museion.errors import MuseionError, NotFound
from museion.heritage.edm import NSMAP, PREFIXES, edm_graph, edm_triples, new_graph, rdfxml_nodes
from museion.heritage.records import WorkRecord, records_by_ids
from museion.rights.availability import unavailable
from museion.rights.licence_models import Licence, LicenceWork

FORMATS = {"rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}
# The language each source writes its catalogue metadata in, where the publisher says so (both publish in English).
METADATA_LANGUAGE = {"tate": "en", "moma": "en"}
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Options:
    """What edm_graph takes beside the record: the licence's statement, the data provider and the metadata language."""

    rights: str | None
    data_provider: str
    lang: str | None

    def as_kwargs(self) -> dict[str, str | None]:
        return {"rights": self.rights, "data_provider": self.data_provider, "lang": self.lang}


def publishers() -> dict[str, str]:
    """Each dataset source's publisher (the edm:dataProvider of its works)."""
    return {d.source: d.publisher for d in all_datasets()}


def statements(conn: Connection, ids: list[int]) -> dict[int, str]:
    """The rights-statement URI of each work's most recently changed licence that has one."""
    rows = conn.execute(select(LicenceWork.work_id, Licence.statement).join(Licence, Licence.id == LicenceWork.licence_id)
                        .where(LicenceWork.work_id.in_(ids), Licence.statement.is_not(None))
                        .order_by(Licence.updated_at, Licence.id))
    return {work_id: statement for work_id, statement in rows}


def options_for(conn: Connection, records: list[WorkRecord]) -> list[Options]:
    found, names = statements(conn, [r.id for r in records]), publishers()
    return [Options(found.get(r.id), names.get(r.source, r.source), METADATA_LANGUAGE.get(r.source)) for r in records]


def batches(session: Session, *, source: str | None = None, batch: int = 500) -> Iterator[tuple[list[WorkRecord], list[Options]]]:
    """Every displayable work (of ``source``) as records with their options, ``batch`` at a time, in id order."""
    conn = session.connection()
    hidden = unavailable(conn, "display").blocked
    last = 0
    while True:
        stmt = select(Work.id).where(Work.id > last).order_by(Work.id).limit(batch)
        if source:
            stmt = stmt.where(Work.source == source)
        ids = list(conn.scalars(stmt))
        if not ids:
            return
        last = ids[-1]
        records = list(records_by_ids(conn, [i for i in ids if i not in hidden]).values())
        if records:
            yield records, options_for(conn, records)


def count(session: Session, source: str | None = None) -> int:
    from sqlalchemy import func

    stmt = select(func.count()).select_from(Work)
    return int(session.scalar(stmt.where(Work.source == source) if source else stmt) or 0)


def work_graph(session: Session, work_id: int, base_url: str) -> Graph:
    """One displayable work's EDM graph; a work that is missing or may not be shown here today is not found."""
    conn = session.connection()
    if not unavailable(conn, "display").allows(work_id):
        raise NotFound("no work with id %(id)s available here and now", id=work_id)
    record = records_by_ids(conn, [work_id]).get(work_id)
    if record is None:
        raise NotFound("no work with id %(id)s available here and now", id=work_id)
    return edm_graph(record, base_url, **options_for(conn, [record])[0].as_kwargs())  # type: ignore[arg-type]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise MuseionError("unknown EDM format %(fmt)r; use rdfxml or jsonld", fmt=fmt)
    return fmt


def write(session: Session, out: IO[bytes], fmt: str, base_url: str, *, source: str | None = None,
          progress: Progress | None = None) -> int:
    """Stream every displayable work as one RDF/XML document (rdf:RDF around each batch's descriptions) or one JSON-LD
    document (an @graph of each batch's nodes), batch by batch; returns how many works were written."""
    check_format(fmt)
    total, n = max(count(session, source), 1), 0
    out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF' + b"".join(
        f'\n  xmlns:{p}="{ns}"'.encode() for p, ns in
        {**PREFIXES, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}.items()) + b">\n"
        if fmt == "rdfxml" else b'{"@context": ' + json.dumps({p: str(ns) for p, ns in PREFIXES.items()}).encode()
        + b', "@graph": [\n')
    first = True
    for records, options in batches(session, source=source):
        if fmt == "rdfxml":  # written straight from the triples: rdflib's RDF/XML serializer costs ms a work
            out.write(_rdfxml_body(records, options, base_url))
        else:
            g = new_graph()
            for record, opts in zip(records, options, strict=True):
                edm_graph(record, base_url, into=g, **opts.as_kwargs())  # type: ignore[arg-type]
            out.write(_body(g, first))
        first = False
        n += len(records)
        if progress:
            progress(min(0.99, n / total), f"{n:,} works written")
    out.write(b"</rdf:RDF>\n" if fmt == "rdfxml" else b"\n]}\n")
    return n


def _rdfxml_body(records: list[WorkRecord], options: list[Options], base_url: str) -> bytes:
    """A batch's node elements (an agent shared by its works once), without their rdf:RDF wrapper, to splice into the
    one streamed document (whose wrapper declares the same prefixes)."""
    root = rdfxml_nodes(etree.Element(f"{{{RDF}}}RDF", nsmap=NSMAP), (
        t for record, opts in zip(records, options, strict=True) for t in edm_triples(record, base_url, **opts.as_kwargs())))  # type: ignore[arg-type]
    text = etree.tostring(root, encoding="utf-8")
    start = text.index(b">") + 1
    return text[start:text.rindex(b"</rdf:RDF>")].strip(b"\n") + b"\n"


def _body(g: Graph, first: bool) -> bytes:
    """A batch's JSON-LD nodes without their document wrapper, to splice into the one streamed document."""
    nodes = json.loads(g.serialize(format="json-ld", context={p: str(ns) for p, ns in PREFIXES.items()}))
    items = nodes.get("@graph", [nodes]) if isinstance(nodes, dict) else nodes
    for item in items:
        if isinstance(item, dict):
            item.pop("@context", None)
    return (b"" if first else b",\n") + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items).encode()
