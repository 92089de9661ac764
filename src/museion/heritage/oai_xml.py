"""OAI-PMH 2.0 responses written with lxml: the envelope with its namespaces and schemaLocation, errors, Identify,
the metadata formats, sets, record headers (deleted ones included) and simple Dublin Core (``oai_dc``) written from
a :class:`WorkRecord`. Pure: plain values in, bytes out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree

from museion.heritage.oai_protocol import utc_datestamp


class _Agent(Protocol):
    name: str


class WorkRecord(Protocol):
    """What Dublin Core reads of a ``museion.heritage.records.WorkRecord`` (whose module reads the store, so this pure
    core names only the attributes)."""

    key: str
    source: str
    kind: str
    title: str
    year: int | None
    date_text: str | None
    language: str | None
    region: str | None
    description: str | None
    medium: str | None
    image_url: str | None
    rights: str | None
    subjects: tuple[str, ...]
    genres: tuple[str, ...]
    same_as: tuple[str, ...]
    ai_terms: tuple[str, ...]

    @property
    def creators(self) -> Sequence[_Agent]: ...

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_XSD = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
EDM = "http://www.europeana.eu/schemas/edm/"
EDM_XSD = "http://www.europeana.eu/schemas/edm/EDM.xsd"
SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


OAI_DC_FORMAT = MetadataFormat("oai_dc", OAI_DC_XSD, OAI_DC)
EDM_FORMAT = MetadataFormat("edm", EDM_XSD, EDM)


@dataclass(frozen=True, slots=True)
class Header:
    """A record's header: its identifier, datestamp, sets and whether it is deleted."""

    identifier: str
    datestamp: datetime
    sets: tuple[str, ...] = ()
    deleted: bool = False


def xml_text(value: object) -> str:
    """Text lxml accepts: characters XML 1.0 forbids (controls, lone surrogates) are dropped."""
    return _NOT_XML.sub("", str(value))


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _add(parent: etree._Element, ns: str, name: str, text: object | None = None) -> etree._Element:
    node = etree.SubElement(parent, _q(ns, name))
    if text is not None:
        node.text = xml_text(text)
    return node


def envelope(base_url: str, now: datetime, request_args: dict[str, str] | None) -> etree._Element:
    """The OAI-PMH root with responseDate and request; ``request_args`` None echoes no attributes (badVerb, badArgument)."""
    root = etree.Element(_q(OAI, "OAI-PMH"), nsmap={None: OAI, "xsi": XSI})
    root.set(SCHEMA_LOCATION, f"{OAI} {OAI_XSD}")
    _add(root, OAI, "responseDate", utc_datestamp(now))
    request = _add(root, OAI, "request", base_url)
    for name, value in sorted((request_args or {}).items()):
        request.set(name, xml_text(value))
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_document(base_url: str, now: datetime, request_args: dict[str, str] | None, code: str, message: str) -> bytes:
    root = envelope(base_url, now, request_args)
    _add(root, OAI, "error", message).set("code", code)
    return to_bytes(root)


def identify(root: etree._Element, *, name: str, base_url: str, admin_email: str, earliest: datetime,
             repository_id: str, sample: str) -> None:
    node = _add(root, OAI, "Identify")
    for tag, text in (("repositoryName", name), ("baseURL", base_url), ("protocolVersion", "2.0"),
                      ("adminEmail", admin_email), ("earliestDatestamp", utc_datestamp(earliest)),
                      ("deletedRecord", "persistent"), ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
        _add(node, OAI, tag, text)
    description = _add(node, OAI, "description")
    ident = etree.SubElement(description, _q(OAI_ID, "oai-identifier"), nsmap={None: OAI_ID})
    ident.set(SCHEMA_LOCATION, f"{OAI_ID} {OAI_ID_XSD}")
    for tag, text in (("scheme", "oai"), ("repositoryIdentifier", repository_id), ("delimiter", ":"),
                      ("sampleIdentifier", sample)):
        _add(ident, OAI_ID, tag, text)


def metadata_formats(root: etree._Element, formats: Iterable[MetadataFormat]) -> None:
    node = _add(root, OAI, "ListMetadataFormats")
    for f in formats:
        item = _add(node, OAI, "metadataFormat")
        _add(item, OAI, "metadataPrefix", f.prefix)
        _add(item, OAI, "schema", f.schema)
        _add(item, OAI, "metadataNamespace", f.namespace)


def sets(root: etree._Element, found: Iterable[tuple[str, str]]) -> None:
    node = _add(root, OAI, "ListSets")
    for spec, name in found:
        item = _add(node, OAI, "set")
        _add(item, OAI, "setSpec", spec)
        _add(item, OAI, "setName", name)


def header(parent: etree._Element, h: Header) -> etree._Element:
    node = _add(parent, OAI, "header")
    if h.deleted:
        node.set("status", "deleted")
    _add(node, OAI, "identifier", h.identifier)
    _add(node, OAI, "datestamp", utc_datestamp(h.datestamp))
    for spec in h.sets:
        _add(node, OAI, "setSpec", spec)
    return node


def record(parent: etree._Element, h: Header, metadata: etree._Element | None) -> None:
    """A record: its header, and its metadata unless it is deleted."""
    node = _add(parent, OAI, "record")
    header(node, h)
    if not h.deleted and metadata is not None:
        _add(node, OAI, "metadata").append(metadata)


def resumption_token(parent: etree._Element, token: str | None, *, expires: datetime | None, size: int | None,
                     cursor: int) -> None:
    """The list's resumptionToken: empty on its last page (the list is complete)."""
    node = _add(parent, OAI, "resumptionToken", token or "")
    if token and expires is not None:
        node.set("expirationDate", utc_datestamp(expires))
    if size is not None:
        node.set("completeListSize", str(size))
    node.set("cursor", str(cursor))


def ai_terms(record: WorkRecord) -> set[str]:
    """``vocabulary:term`` of the terms an AI added (their labels stripped), to keep them apart from the source's."""
    return {entry.rsplit(" [", 1)[0] for entry in record.ai_terms}


def dublin_core(record: WorkRecord, identifiers: Sequence[str] = ()) -> etree._Element:
    """Simple Dublin Core: kind then genres as dc:type; subjects the source gave as dc:subject, and terms an AI added
    (accepted by people) in a labelled dc:description, never passed off as the source's own."""
    root = etree.Element(_q(OAI_DC, "dc"), nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(SCHEMA_LOCATION, f"{OAI_DC} {OAI_DC_XSD}")
    made = ai_terms(record)
    _add(root, DC, "title", record.title)
    for agent in record.creators:
        _add(root, DC, "creator", agent.name)
    for subject in record.subjects:
        if f"subject:{subject}" not in made:
            _add(root, DC, "subject", subject)
    if record.description:
        _add(root, DC, "description", record.description)
    if record.ai_terms:
        _add(root, DC, "description", "Terms suggested by an AI and accepted by people: " + "; ".join(record.ai_terms))
    if record.date_text or record.year is not None:
        _add(root, DC, "date", record.date_text or record.year)
    _add(root, DC, "type", record.kind)
    for genre in record.genres:
        if f"genre:{genre}" not in made:
            _add(root, DC, "type", genre)
    if record.medium:
        _add(root, DC, "format", record.medium)
    for value in (record.key, *identifiers, *((record.image_url,) if record.image_url else ())):
        _add(root, DC, "identifier", value)
    _add(root, DC, "source", record.source)
    if record.language:
        _add(root, DC, "language", record.language)
    for uri in record.same_as:
        _add(root, DC, "relation", uri)
    if record.region:
        _add(root, DC, "coverage", record.region)
    if record.rights:
        _add(root, DC, "rights", record.rights)
    return root
