"""The OAI-PMH 2.0 data provider: one request's arguments in, one protocol-correct XML document out. Only works that
may be displayed here today are disseminated; the others are reported deleted (``deletedRecord=persistent``).
List requests page by keyset and resume from signed tokens (``museion.heritage.oai_protocol``)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree
from sqlalchemy import Connection

from museion.audit.keys import audit_key
from museion.config import get_settings
from museion.heritage import oai_store as store
from museion.heritage import oai_xml as xml
from museion.heritage.oai_protocol import OaiError, OaiRequest, issue_token, parse_request, record_identifier, work_key
from museion.heritage.records import WorkRecord

RECORDS_PER_PAGE = 200
IDENTIFIERS_PER_PAGE = 1000
Writer = Callable[[WorkRecord, str], etree._Element]


def _edm(record: WorkRecord, site: str) -> etree._Element:
    from museion.heritage.edm import edm_element

    return edm_element(record, site)  # built as elements: no per-record serialise and parse


def formats() -> dict[str, tuple[xml.MetadataFormat, Writer]]:
    """The metadata formats offered: simple Dublin Core always, EDM (RDF/XML) from ``museion.heritage.edm``."""
    offered: dict[str, tuple[xml.MetadataFormat, Writer]] = {
        "oai_dc": (xml.OAI_DC_FORMAT, lambda r, site: xml.dublin_core(r, [f"{site}/works/{r.id}"]))}
    offered["edm"] = (xml.EDM_FORMAT, _edm)
    return offered


def token_key() -> bytes:
    """The resumption tokens' signing key, derived from the audit key (kept outside the database) for this use only."""
    return hmac.digest(audit_key().names, b"museion oai-pmh resumption token", hashlib.sha256)


@dataclass(frozen=True)
class Provider:
    """The provider at ``base_url`` (the address harvesters call); ``site`` is the web app's root for record links."""

    base_url: str
    site: str
    records_per_page: int | None = None  # None: RECORDS_PER_PAGE, read at each request
    identifiers_per_page: int | None = None  # None: IDENTIFIERS_PER_PAGE

    def respond(self, conn: Connection, pairs: Iterable[tuple[str, str]], now: datetime) -> bytes:
        """The response document; protocol errors become OAI error elements, never HTTP errors."""
        pairs = list(pairs)
        offered = formats()
        try:
            request = parse_request(pairs, offered, token_key(), now)
        except OaiError as exc:
            echo = None if exc.code in ("badVerb", "badArgument") else dict(pairs)
            return xml.error_document(self.base_url, now, echo, exc.code, exc.message)
        store.sync_deletions(conn, now)
        root = xml.envelope(self.base_url, now, dict(pairs))
        try:
            getattr(self, "_" + request.verb)(conn, root, request, now, offered)
        except OaiError as exc:
            return xml.error_document(self.base_url, now, dict(pairs), exc.code, exc.message)
        return xml.to_bytes(root)

    # --- verbs -------------------------------------------------------------------------------------------------------

    def _Identify(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime, offered: dict) -> None:
        settings = get_settings()
        xml.identify(root, name=settings.oai_repository_name, base_url=self.base_url, admin_email=settings.oai_admin_email,
                     earliest=store.earliest(conn, now), repository_id=settings.oai_repository_id,
                     sample=record_identifier(settings.oai_repository_id, "tate:A00001"))

    def _ListMetadataFormats(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime,
                             offered: dict) -> None:
        if request.identifier is not None:
            self._item(conn, request.identifier)
        xml.metadata_formats(root, [f for f, _ in offered.values()])

    def _ListSets(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime, offered: dict) -> None:
        xml.sets(root, store.list_sets(conn))

    def _GetRecord(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime, offered: dict) -> None:
        item = self._item(conn, str(request.identifier))
        parent = etree.SubElement(root, f"{{{xml.OAI}}}GetRecord")
        self._write(conn, parent, [item], offered[str(request.metadata_prefix)][1], full=True)

    def _ListIdentifiers(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime,
                         offered: dict) -> None:
        self._list(conn, root, request, now, offered, full=False)

    def _ListRecords(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime, offered: dict) -> None:
        self._list(conn, root, request, now, offered, full=True)

    # --- helpers -----------------------------------------------------------------------------------------------------

    def _item(self, conn: Connection, identifier: str) -> store.Item:
        key = work_key(get_settings().oai_repository_id, identifier)
        item = store.find(conn, key) if key is not None else None
        if item is None:
            raise OaiError("idDoesNotExist", f"no record {identifier[:200]!r} in this repository")
        return item

    def _list(self, conn: Connection, root: etree._Element, request: OaiRequest, now: datetime, offered: dict, *,
              full: bool) -> None:
        frozen = request.frozen or store.raw_of(conn, now)
        sel = store.Selection(conn, request.set_spec, request.start, request.end, frozen)
        size = (self.records_per_page or RECORDS_PER_PAGE) if full else (self.identifiers_per_page or IDENTIFIERS_PER_PAGE)
        items, more = store.page(conn, sel, request.cursor, size)
        if not items:
            if request.cursor is None:
                raise OaiError("noRecordsMatch", "no records match the arguments (set, from, until)")
        total = request.total if request.total is not None else store.count(conn, sel)
        parent = etree.SubElement(root, f"{{{xml.OAI}}}{request.verb}")
        self._write(conn, parent, items, offered[str(request.metadata_prefix)][1], full=full)
        if request.cursor is None and not more:
            return  # the whole list fitted on one page: no resumptionToken
        token, expires = (issue_token(request, items[-1].cursor, frozen=frozen, done=request.done + len(items), total=total,
                                      key=token_key(), now=now) if more else (None, None))
        xml.resumption_token(parent, token, expires=expires, size=total, cursor=request.done)

    def _write(self, conn: Connection, parent: etree._Element, items: list[store.Item], writer: Writer, *, full: bool) -> None:
        repository = get_settings().oai_repository_id
        works = store.records(conn, items) if full else {}
        for item in items:
            h = xml.Header(record_identifier(repository, item.key), item.datestamp, item.sets,
                           deleted=item.stream == store.DELETED)
            if not full:
                xml.header(parent, h)
                continue
            record = works.get(item.id) if not h.deleted else None
            if record is None:  # removed between the page's query and this read: it is gone
                h = replace(h, deleted=True)
            xml.record(parent, h, writer(record, self.site) if record is not None else None)
