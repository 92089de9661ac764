"""Write validated chunks to the store: keyed upserts for catalogue and members, bulk inserts for events.

Every writer resolves references first (unknown work → a problem naming the line) and only then
writes; the caller owns the transaction, so a rejected import leaves nothing behind. Rows of members
erased at their request are skipped and counted (``skipped``), never written back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table, delete, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.errors import Problem
from museion.ingest.validate import Chunk
from museion.privacy import intake, tombstones
from museion.store.batches import chunks
from museion.store.bulk import Counts, KeyIndex, bulk_insert, content_hash, upsert_by_key

TERM_VOCABULARIES = ("genres", "subjects", "movements")


def prefixed(source: str, key: str) -> str:
    return f"{source}:{key}"


class Writer:
    """Base: duplicate-key tracking within one import; subclasses write one entity and count the rows they
    skipped because their member was erased (``skipped``)."""

    key_field = "key"

    def __init__(self, source: str, fields: dict[str, str], label: str, *, keep_member_ids: bool = False) -> None:
        """``keep_member_ids`` is for writers of entities that name members (see ``museion.privacy.intake.member_keys``)."""
        self.source = source
        self.fields = fields
        self.label = label
        self._seen: dict[str, int] = {}
        self.skipped = 0
        self.external: list[tuple[str, str]] = []  # the current chunk's external-id fields (see _external_names)

    def column(self, target: str) -> str:
        return self.fields.get(target, target)

    def duplicates(self, chunk: Chunk) -> set[int]:
        """Rows whose key already appeared earlier in this import: one record per key per file."""
        dup: set[int] = set()
        self.problems: list[Problem] = []
        for i, (line, key) in enumerate(zip(chunk.lines, chunk.columns[self.key_field])):
            first = self._seen.setdefault(key, line)
            if first != line:
                dup.add(i)
                self.problems.append(Problem(self.label, line, self.column(self.key_field), f"duplicate key {key!r}, first on line {first}"))
        return dup

    def write(self, conn: Connection, chunk: Chunk, *, dry: bool) -> tuple[Counts, list[Problem]]:
        raise NotImplementedError


def _external_names(chunk: Chunk) -> list[tuple[str, str]]:
    """(field, id name) of the chunk's external-id fields, in sorted order: what ``_external_ids`` reads per row."""
    return [(k, k.split(".", 1)[1]) for k in sorted(chunk.columns) if k.startswith("external_ids.")]


def _external_ids(row: dict[str, Any], names: list[tuple[str, str]]) -> dict[str, str]:
    return {name: row[k] for k, name in names if row.get(k) is not None}


class KeyedWriter(Writer):
    """Entities upserted by key with no links (creators, members); subclasses map a row to columns."""

    table: Table

    def columns(self, row: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def key(self, external_id: str) -> str:
        return prefixed(self.source, external_id)

    def write(self, conn: Connection, chunk: Chunk, *, dry: bool) -> tuple[Counts, list[Problem]]:
        dup = self.duplicates(chunk)
        if dry:
            return Counts(), self.problems
        records = []
        self.external = _external_names(chunk)
        for i, row in enumerate(chunk.rows()):
            if i in dup:
                continue
            record = {"key": self.key(row["key"]), "source": self.source, **self.columns(row)}
            record["content_hash"] = content_hash(record)
            records.append(record)
        return self.upsert(conn, records), self.problems

    def upsert(self, conn: Connection, records: list[dict[str, Any]]) -> Counts:
        return upsert_by_key(conn, self.table, records)[0]


class CreatorWriter(KeyedWriter):
    table = Creator.__table__

    def columns(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": row["name"],
            "roles": row.get("roles") or [],
            **{f: row.get(f) for f in ("gender", "nationality", "region", "birth_place", "birth_year", "death_year",
                                       "career_stage")},
            "external_ids": _external_ids(row, self.external),
        }


class MemberWriter(KeyedWriter):
    """Members by pseudonymous key, written through the privacy package (which owns their table)."""

    def columns(self, row: dict[str, Any]) -> dict[str, Any]:
        return {f: row.get(f) for f in ("age", "gender", "occupation")}

    def __init__(self, source: str, fields: dict[str, str], label: str, *, keep_member_ids: bool = False) -> None:
        super().__init__(source, fields, label)
        self.member_key = intake.member_keys(source, keep_ids=keep_member_ids)

    def key(self, external_id: str) -> str:
        return self.member_key(external_id)

    def upsert(self, conn: Connection, records: list[dict[str, Any]]) -> Counts:
        erased = tombstones.buried(conn, {r["key"] for r in records})
        self.skipped += sum(r["key"] in erased for r in records)
        return intake.upsert_members(conn, [r for r in records if r["key"] not in erased])


class WorkWriter(Writer):
    """Works with their terms (genres, subjects, movements) and credits; creators must exist."""

    table = Work.__table__

    def __init__(self, source: str, fields: dict[str, str], label: str, *, keep_member_ids: bool = False) -> None:
        super().__init__(source, fields, label)
        self.creators = KeyIndex(Creator.__table__)

    def write(self, conn: Connection, chunk: Chunk, *, dry: bool) -> tuple[Counts, list[Problem]]:
        dup = self.duplicates(chunk)
        rows = chunk.rows()
        creator_keys = {prefixed(self.source, k) for row in rows for k, _role in (row.get("creators") or [])}
        known = self.creators.lookup(conn, creator_keys)
        for i, row in enumerate(rows):
            missing = [k for k, _ in (row.get("creators") or []) if prefixed(self.source, k) not in known]
            if missing:
                dup.add(i)
                self.problems.append(Problem(self.label, chunk.lines[i], self.column("creators"),
                                             f"unknown creator {missing[0]!r}: import creators first"))
        if dry or self.problems:
            return Counts(), self.problems
        records, extras = [], {}
        self.external = _external_names(chunk)
        for i, row in enumerate(rows):
            if i in dup:
                continue
            key = prefixed(self.source, row["key"])
            record = {
                "key": key,
                "source": self.source,
                **{f: row.get(f) for f in ("kind", "title", "year", "date_text", "language", "region", "description",
                                            "medium", "acquisition_year", "image_url", "rights")},
                "external_ids": _external_ids(row, self.external),
            }
            terms = {v: row.get(v) or [] for v in TERM_VOCABULARIES}
            credits = [(prefixed(self.source, k), role) for k, role in (row.get("creators") or [])]
            record["content_hash"] = content_hash([record, terms, credits])
            records.append(record)
            extras[key] = (terms, credits)
        counts, touched = upsert_by_key(conn, self.table, records)
        if touched:
            self._replace_links(conn, touched, extras)
        return counts, self.problems

    def _replace_links(self, conn: Connection, touched: dict[str, int], extras: dict[str, Any]) -> None:
        work_ids = list(touched.values())
        kept: set[tuple[int, str, str]] = set()  # terms people accepted from an AI proposal survive a re-import
        for batch in chunks(work_ids):
            conn.execute(delete(WorkTerm.__table__).where(WorkTerm.work_id.in_(batch), WorkTerm.origin.is_(None)))
            conn.execute(delete(Credit.__table__).where(Credit.work_id.in_(batch)))
            kept.update(conn.execute(select(WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term).where(
                WorkTerm.work_id.in_(batch))).all())
        terms: list[tuple[Any, ...]] = []
        credits: list[tuple[Any, ...]] = []
        for key, work_id in touched.items():
            work_terms, work_credits = extras[key]
            for vocabulary, values in work_terms.items():
                singular = vocabulary.removesuffix("s")
                terms += [(work_id, singular, t, p) for p, t in enumerate(values) if (work_id, singular, t) not in kept]
            credits += [(work_id, self.creators.ids[k], role, p) for p, (k, role) in enumerate(work_credits)]
        bulk_insert(conn, "work_terms", ("work_id", "vocabulary", "term", "position"), terms)
        bulk_insert(conn, "credits", ("work_id", "creator_id", "role", "position"), credits)


def event_uids(members: Sequence[str], works: Sequence[str], kinds: Sequence[Any], values: Sequence[Any],
               times: Sequence[Any], channels: Sequence[Any], labels: Sequence[Any]) -> list[bytes]:
    """Each event's identity: blake2b-128 of its stored member and work keys, kind, ``repr`` of the value, time,
    channel and label joined by U+001F (``None`` as "None"). The text is built column by column in one pass
    of C-level maps; the digests must never change, or re-importing a file would duplicate its events."""
    texts = map("\x1f".join, zip(members, works, map(str, kinds), map(repr, values), map(str, times), map(str, channels),
                                 map(str, labels)))
    return list(map(hashlib.blake2b.digest, map(partial(hashlib.blake2b, digest_size=16), map(str.encode, texts))))


class EventWriter(Writer):
    """Events: members are created on first sight (pseudonymous keys); works must be in the catalogue.

    An event is identified by its content (member, work, kind, value, time, channel, label), so the
    same file imported twice adds nothing and exact duplicate rows count once.
    """

    def __init__(self, source: str, fields: dict[str, str], label: str, *, keep_member_ids: bool = False) -> None:
        super().__init__(source, fields, label)
        self.works = KeyIndex(Work.__table__)
        self.members = intake.member_index()
        self.member_key = intake.member_keys(source, keep_ids=keep_member_ids)

    def write(self, conn: Connection, chunk: Chunk, *, dry: bool) -> tuple[Counts, list[Problem]]:
        src = self.source + ":"
        cols = chunk.columns
        work_keys = [src + k for k in cols["work"]]
        known_works = self.works.lookup(conn, set(work_keys))
        problems = [
            Problem(self.label, line, self.column("work"), f"unknown work {k[len(src):]!r}: it is not in the catalogue")
            for line, k in zip(chunk.lines, work_keys)
            if k not in known_works
        ]
        if dry or problems:
            return Counts(), problems
        member_keys = [self.member_key(k) for k in cols["member"]]
        erased = tombstones.buried(conn, member_keys)
        m, w = intake.ensure_members(conn, self.members, set(member_keys) - erased, self.source), known_works
        uids = event_uids(member_keys, work_keys, cols["kind"], cols["value"], cols["timestamp"], cols["channel"], cols["label"])
        rows = [
            (uid, m[mk], w[wk], kind, value, ts, ch, lab)
            for uid, mk, wk, kind, value, ts, ch, lab in zip(
                uids, member_keys, work_keys, cols["kind"], cols["value"], cols["timestamp"], cols["channel"], cols["label"]
            )
            if mk not in erased
        ]
        self.skipped += len(member_keys) - len(rows)
        rows.sort()  # by uid: neighbouring keys land on the same index pages
        inserted = intake.insert_events(conn, rows)
        return Counts(inserted=inserted, unchanged=len(rows) - inserted), []


WRITERS: dict[str, type[Writer]] = {
    "works": WorkWriter,
    "creators": CreatorWriter,
    "members": MemberWriter,
    "events": EventWriter,
}
