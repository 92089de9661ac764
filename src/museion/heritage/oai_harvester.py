"""Harvest another institution's OAI-PMH repository into the catalogue: fetch every page (http/https only, with
timeouts and a size limit), follow resumption tokens, map the records, and import works and creators through the
normal atomic ingest path in one transaction, so a harvest lands whole or not at all. Every harvest is recorded; the
next one for the same endpoint, set and format asks only for records changed since the last that landed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, insert, select

from museion.errors import InputRejected, MuseionError, Problem
from museion.heritage.oai_harvest_core import Harvested, HarvestError, parse_page, to_rows
from museion.heritage.oai_models import OaiHarvest
from museion.ingest.load import import_rows, import_transaction
from museion.ingest.mapping import ColumnMapping
from museion.jobs import Cancelled
from museion.store.base import utcnow

PREFIXES = ("oai_dc", "edm")
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_PAGES = 100_000
Progress = Callable[[float, str], None]
EXTERNAL = {"works": ("external_ids.oai", "external_ids.url"), "creators": ("external_ids.wikidata", "external_ids.ulan")}


class HarvestFailed(MuseionError):
    """The harvest could not be completed; nothing was imported."""


@dataclass(frozen=True)
class Endpoint:
    """A checked base URL: http or https, with a host."""

    url: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HarvestFailed("%(url)s is not an http or https address of an OAI-PMH repository", url=url[:200])
        if parts.query or parts.fragment:
            raise HarvestFailed("give the repository's base URL without a query (%(url)s)", url=url[:200])
        return cls(url.strip())


def default_source(endpoint: Endpoint) -> str:
    """The catalogue source harvested records are keyed under: the repository's host (and port), as a slug."""
    parts = urlsplit(endpoint.url)
    return ("oai-" + re.sub(r"[^a-z0-9.-]+", "-", f"{parts.hostname}-{parts.port}" if parts.port else str(parts.hostname)))[:64]


def fetch(client: httpx.Client, endpoint: Endpoint, params: dict[str, str]) -> bytes:
    """One response body, refused beyond ``MAX_RESPONSE_BYTES``; network failures and HTTP errors become HarvestFailed."""
    try:
        with client.stream("GET", endpoint.url, params=params) as response:
            if response.status_code != 200:
                raise HarvestFailed("%(url)s answered HTTP %(status)s", url=endpoint.url, status=response.status_code)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise HarvestFailed("a response from %(url)s is larger than %(mb)s MB", url=endpoint.url,
                                        mb=MAX_RESPONSE_BYTES // 2**20)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise HarvestFailed("could not reach %(url)s: %(why)s", url=endpoint.url, why=str(exc) or type(exc).__name__) from None


def last_landed(engine: Engine, endpoint: str, set_spec: str | None, prefix: str) -> datetime | None:
    """When the last successful harvest of this endpoint, set and format began (its first responseDate)."""
    with engine.connect() as conn:
        stmt = select(OaiHarvest.response_date).where(
            OaiHarvest.endpoint == endpoint, OaiHarvest.prefix == prefix, OaiHarvest.status == "succeeded",
            OaiHarvest.set_spec.is_(None) if set_spec is None else OaiHarvest.set_spec == set_spec)
        return conn.scalar(stmt.order_by(OaiHarvest.id.desc()).limit(1))


def collect(client: httpx.Client, endpoint: Endpoint, args: dict[str, str], prefix: str,
            progress: Progress) -> tuple[datetime | None, list[Harvested], int]:
    """Every record of the list (following tokens), its first responseDate and the pages read; noRecordsMatch is an
    empty list, any other OAI error or an unreadable page fails the harvest."""
    records: list[Harvested] = []
    params, began = {"verb": "ListRecords", **args}, None
    for pages in range(1, MAX_PAGES + 1):
        try:
            page = parse_page(fetch(client, endpoint, params), prefix)
        except HarvestError as exc:
            raise HarvestFailed("page %(n)s from %(url)s: %(why)s", n=pages, url=endpoint.url, why=str(exc)) from None
        began = began or page.response_date
        if page.error is not None:
            code, message = page.error
            if code == "noRecordsMatch" and pages == 1:
                return began, [], pages
            raise HarvestFailed("the repository answered %(code)s on page %(n)s: %(message)s", code=code, n=pages,
                                message=message[:300])
        records += page.records
        total = page.size or 0
        progress(min(0.8, 0.8 * len(records) / total) if total else 0.4, f"{len(records)} records from {pages} pages")
        if not page.token:
            return began, records, pages
        params = {"verb": "ListRecords", "resumptionToken": page.token}
    raise HarvestFailed("more than %(n)s pages: stopped", n=MAX_PAGES)


def harvest(engine: Engine, url: str, *, set_spec: str | None = None, from_date: str | None = None, prefix: str = "oai_dc",
            source: str | None = None, actor: str = "cli", job_id: int | None = None, incremental: bool = True,
            progress: Progress | None = None, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Harvest ``url`` into the catalogue and record the harvest; raises HarvestFailed or InputRejected (with the
    records' problems) when nothing was imported. Without ``from_date``, an incremental harvest starts from the last
    successful one of the same endpoint, set and format."""
    if prefix not in PREFIXES:
        raise HarvestFailed("metadata prefix %(prefix)s is not one Museion reads: use oai_dc or edm", prefix=prefix)
    endpoint = Endpoint.parse(url)
    source = source or default_source(endpoint)
    report = progress or (lambda _f, _m: None)
    if from_date is None and incremental:
        last = last_landed(engine, endpoint.url, set_spec, prefix)
        from_date = last.strftime("%Y-%m-%dT%H:%M:%SZ") if last is not None else None
    args = {"metadataPrefix": prefix, **({"set": set_spec} if set_spec else {}), **({"from": from_date} if from_date else {})}
    record = {"endpoint": endpoint.url, "set_spec": set_spec, "prefix": prefix, "source": source, "from_date": from_date,
              "actor": actor, "job_id": job_id, "started_at": utcnow()}
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=True, max_redirects=5, transport=transport,
                          headers={"user-agent": "Museion OAI-PMH harvester"}) as client:
            began, records, pages = collect(client, endpoint, args, prefix, report)
        record.update(response_date=began, pages=pages, records=len(records))
        rows = to_rows(records, f"{endpoint.url} ({prefix})")
        record["deleted"] = len(rows.deleted)
        if rows.problems:
            raise InputRejected(rows.problems[:50], truncated=len(rows.problems) > 50)
        report(0.85, f"importing {len(rows.works)} works and {len(rows.creators)} creators")
        counts = _import(engine, rows, source, actor, endpoint.url)
    except (HarvestFailed, InputRejected, Cancelled) as exc:
        _record(engine, record, status="cancelled" if isinstance(exc, Cancelled) else "failed", error=str(exc).split("\n")[0],
                problems=getattr(exc, "problems", []))
        raise
    harvest_id = _record(engine, record, status="succeeded", counts=counts, problems=[])
    return {"harvest_id": harvest_id, "endpoint": endpoint.url, "set": set_spec, "prefix": prefix, "from": from_date,
            "source": source, "pages": record["pages"], "records": record["records"], "deleted_at_source": record["deleted"],
            "works": counts.get("works", {}), "creators": counts.get("creators", {})}


def _import(engine: Engine, rows: Any, source: str, actor: str, label: str) -> dict[str, dict[str, int]]:
    """Creators, then works, in one import transaction (the normal ingest path: validation, keyed upserts, runs, audit)."""
    counts: dict[str, dict[str, int]] = {}
    with import_transaction(engine) as conn:
        for entity, found in (("creators", list(rows.creators.values())), ("works", rows.works)):
            if not found:
                continue
            mapping = ColumnMapping(entity, source=source, columns={c: c for c in EXTERNAL[entity]})
            done = import_rows(conn, mapping, found, label=f"{label} ({entity})", actor=actor)
            counts[entity] = {"inserted": done.inserted, "updated": done.updated, "unchanged": done.unchanged}
    return counts


def _record(engine: Engine, record: dict[str, Any], *, status: str, error: str | None = None,
            counts: dict[str, Any] | None = None, problems: list[Problem]) -> int:
    values = {"pages": 0, "records": 0, "deleted": 0, "response_date": None, **record, "status": status, "error": error,
              "counts": counts or {}, "problems": [p.as_dict() for p in problems][:200], "finished_at": utcnow()}
    with engine.begin() as conn:
        return int(conn.execute(insert(OaiHarvest).values(values).returning(OaiHarvest.id)).scalar_one())


def harvests(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Past harvests, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(OaiHarvest).order_by(OaiHarvest.id.desc()).limit(limit)).mappings().all()
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()} for row in rows]
