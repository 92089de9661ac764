"""Reading another repository's OAI-PMH responses: one page parsed with lxml (no entities, no network), its records'
simple Dublin Core or EDM mapped onto catalogue rows (works and their creators), and the problems of records that
cannot be imported, each naming the record. Pure: bytes in, plain rows and problems out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from lxml import etree

from museion.errors import Problem
from museion.ingest.schema import WORK_KINDS

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
EDM = "{http://www.europeana.eu/schemas/edm/}"
ORE = "{http://www.openarchives.org/ore/terms/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
SKOS = "{http://www.w3.org/2004/02/skos/core#}"
RDA = "{http://rdvocab.info/ElementsGr2/}"
OWL = "{http://www.w3.org/2002/07/owl#}"
EDM_KINDS = {"IMAGE": "artwork", "TEXT": "book", "VIDEO": "film", "SOUND": "music", "3D": "object"}
_YEAR = re.compile(r"(?<!\d)(-?\d{3,4})(?!\d)")
_OAI_ID = re.compile(r"^oai:[A-Za-z][A-Za-z0-9\-]*(?:\.[A-Za-z][A-Za-z0-9\-]*)+:(.+)$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class HarvestError(Exception):
    """The response cannot be read as OAI-PMH at all (not XML, not an OAI-PMH document)."""


@dataclass(frozen=True)
class Harvested:
    """One record of a page: its header, and its metadata mapped to plain fields (None when deleted)."""

    identifier: str | None
    datestamp: str | None
    deleted: bool
    fields: dict[str, Any] | None


@dataclass(frozen=True)
class HarvestPage:
    response_date: datetime | None
    records: list[Harvested] = field(default_factory=list)
    token: str | None = None
    size: int | None = None
    error: tuple[str, str] | None = None  # (code, message) of an OAI error response


def _text(node: etree._Element | None) -> str | None:
    text = (node.text or "").strip() if node is not None else ""
    return text or None


def _texts(parent: etree._Element, tag: str) -> list[str]:
    return [t for t in (_text(n) for n in parent.iter(tag)) if t]


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        try:
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return None


def parse_page(content: bytes, prefix: str) -> HarvestPage:
    """One response: its records (``prefix`` says how to read their metadata), token and any OAI error."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise HarvestError(f"the response is not well-formed XML ({exc})") from None
    if root.tag != f"{OAI}OAI-PMH":
        raise HarvestError(f"the response is not an OAI-PMH document (its root is {etree.QName(root).localname!r})")
    when = _moment(_text(root.find(f"{OAI}responseDate")))
    errors = root.findall(f"{OAI}error")
    if errors:
        return HarvestPage(when, error=(errors[0].get("code") or "unknown", _text(errors[0]) or ""))
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise HarvestError("the response holds neither ListRecords nor an error")
    records = []
    for node in listing.findall(f"{OAI}record"):
        head = node.find(f"{OAI}header")
        deleted = head is not None and head.get("status") == "deleted"
        meta = node.find(f"{OAI}metadata")
        content_node = meta[0] if meta is not None and len(meta) else None
        mapped = None if deleted or content_node is None else (edm_fields(content_node) if prefix == "edm" else dc_fields(content_node))
        records.append(Harvested(_text(head.find(f"{OAI}identifier")) if head is not None else None,
                                 _text(head.find(f"{OAI}datestamp")) if head is not None else None, deleted, mapped))
    token = listing.find(f"{OAI}resumptionToken")
    size = token.get("completeListSize") if token is not None else None
    return HarvestPage(when, records, _text(token), int(size) if size and size.isdigit() else None)


def _year(date: str | None) -> int | None:
    found = _YEAR.search(date or "")
    return int(found.group(1)) if found else None


def _kind(types: list[str], edm_type: str | None = None) -> tuple[str, list[str]]:
    """The work kind (the first dc:type that names one, else from edm:type, else "other"), and the other types as genres."""
    kind = next((t.lower() for t in types if t.lower() in WORK_KINDS), None)
    genres = [t for t in types if t.lower() != kind]
    return kind or EDM_KINDS.get((edm_type or "").upper(), "other"), genres


def dc_fields(dc: etree._Element) -> dict[str, Any]:
    """Simple Dublin Core as work fields; creators are names only (their key is made from the name)."""
    dates, types = _texts(dc, f"{DC}date"), _texts(dc, f"{DC}type")
    kind, genres = _kind(types)
    urls = [i for i in _texts(dc, f"{DC}identifier") if i.startswith(("http://", "https://"))]
    return {"title": next(iter(_texts(dc, f"{DC}title")), None), "kind": kind, "genres": genres,
            "subjects": _texts(dc, f"{DC}subject"), "description": next(iter(_texts(dc, f"{DC}description")), None),
            "date_text": dates[0] if dates else None, "year": _year(dates[0] if dates else None),
            "medium": next(iter(_texts(dc, f"{DC}format")), None), "language": next(iter(_texts(dc, f"{DC}language")), None),
            "region": next(iter(_texts(dc, f"{DC}coverage")), None), "rights": next(iter(_texts(dc, f"{DC}rights")), None),
            "url": urls[0] if urls else None,
            "creators": [{"name": n} for n in _texts(dc, f"{DC}creator")]}


def edm_fields(rdf: etree._Element) -> dict[str, Any]:
    """An EDM record (rdf:RDF with edm:ProvidedCHO, ore:Aggregation, edm:Agent) as work fields; agents keep their URI
    and linked-data identifiers (owl:sameAs)."""
    cho = rdf.find(f"{EDM}ProvidedCHO")
    if cho is None:
        return {"title": None}
    agg = rdf.find(f"{ORE}Aggregation")
    agents = {a.get(f"{RDF}about"): a for a in rdf.findall(f"{EDM}Agent")}
    creators = []
    for node in cho.findall(f"{DC}creator"):
        ref = node.get(f"{RDF}resource")
        agent = agents.get(ref) if ref else None
        if agent is not None:
            creators.append({"uri": ref, "name": _text(agent.find(f"{SKOS}prefLabel")),
                             "birth": _text(agent.find(f"{RDA}dateOfBirth")), "death": _text(agent.find(f"{RDA}dateOfDeath")),
                             "same_as": [s.get(f"{RDF}resource") for s in agent.findall(f"{OWL}sameAs") if s.get(f"{RDF}resource")]})
        elif _text(node):
            creators.append({"name": _text(node)})
    dates = _texts(cho, f"{DC}date") or _texts(cho, f"{DCTERMS}created")
    kind, genres = _kind(_texts(cho, f"{DC}type"), _text(cho.find(f"{EDM}type")))
    shown_by = agg.find(f"{EDM}isShownBy") if agg is not None else None
    shown_at = agg.find(f"{EDM}isShownAt") if agg is not None else None
    rights = agg.find(f"{EDM}rights") if agg is not None else None
    return {"title": next(iter(_texts(cho, f"{DC}title")), None), "kind": kind, "genres": genres,
            "subjects": [s for s in _texts(cho, f"{DC}subject")], "description": next(iter(_texts(cho, f"{DC}description")), None),
            "date_text": dates[0] if dates else None, "year": _year(dates[0] if dates else None),
            "medium": next(iter(_texts(cho, f"{DCTERMS}medium") or _texts(cho, f"{DC}format")), None),
            "language": next(iter(_texts(cho, f"{DC}language")), None),
            "region": next(iter(_texts(cho, f"{DCTERMS}spatial")), None),
            "rights": rights.get(f"{RDF}resource") if rights is not None else None,
            "image_url": shown_by.get(f"{RDF}resource") if shown_by is not None else None,
            "url": shown_at.get(f"{RDF}resource") if shown_at is not None else None,
            "creators": creators}


def local_key(identifier: str) -> str:
    """The work key an OAI identifier gives: its local part (oai:<repository>:<local>), or the whole identifier."""
    found = _OAI_ID.match(identifier)
    return unquote(found.group(1)) if found else identifier


def _creator_key(person: dict[str, Any]) -> str:
    uri = person.get("uri")
    if uri:
        return unquote(uri.rstrip("/").rsplit("/", 1)[-1])[:200]
    return "name:" + re.sub(r"\s+", " ", str(person["name"]).strip().casefold())[:190]


@dataclass
class Rows:
    """Catalogue rows from harvested records, and the problems of those that cannot be imported."""

    works: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    creators: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def to_rows(records: list[Harvested], label: str) -> Rows:
    """Works and creators (``line`` = the record's place in the harvest, from 1); deleted records are listed apart."""
    out, seen = Rows(), set()
    for n, record in enumerate(records, start=1):
        if not record.identifier:
            out.problems.append(Problem(label, n, "identifier", "the record's header has no identifier"))
            continue
        if record.deleted:
            out.deleted.append(local_key(record.identifier))
            continue
        f = record.fields
        if f is None:
            out.problems.append(Problem(label, n, "metadata", f"{record.identifier}: the record carries no metadata"))
            continue
        if not f.get("title"):
            out.problems.append(Problem(label, n, "title", f"{record.identifier}: the record has no title"))
            continue
        key = local_key(record.identifier)
        if key in seen:
            continue  # a record listed twice (it changed during the harvest): its later copy is the same work
        seen.add(key)
        credits = []
        for person in f.get("creators") or []:
            if not person.get("name"):
                continue
            ckey = _creator_key(person)
            credits.append({"key": ckey, "role": "creator"})
            row = {"key": ckey, "name": person["name"], "birth_year": _year(person.get("birth")),
                   "death_year": _year(person.get("death"))}
            for uri in person.get("same_as") or []:
                if "wikidata.org/entity/" in uri:
                    row["external_ids.wikidata"] = uri.rsplit("/", 1)[-1]
                elif "vocab.getty.edu" in uri and "ulan" in uri:
                    row["external_ids.ulan"] = uri.rsplit("/", 1)[-1]
            out.creators.setdefault(ckey, (n, row))
        work = {k: f.get(k) for k in ("title", "kind", "genres", "subjects", "description", "date_text", "year", "medium",
                                      "language", "region", "rights", "image_url")}
        work.update({"key": key, "creators": credits, "external_ids.oai": record.identifier})
        if f.get("url"):
            work["external_ids.url"] = f["url"]
        out.works.append((n, work))
    return out
