"""The OAI-PMH tables: tombstones of works no longer disseminated (withdrawn by licence or removed from the
catalogue), so a harvester is told they are deleted instead of never hearing of them again, and the record of every
harvest from another repository (what was asked, what landed, the date the next incremental harvest starts from)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.catalog.models import Work
from museion.store.base import Base, BigId, UTCDateTime

LICENCE, REMOVED = "licence", "removed"

# The provider lists live records in (updated_at, id) order, a page at a time from a keyset cursor.
Index("ix_works_updated_at_id", Work.updated_at, Work.id)


class OaiDeletion(Base):
    """A work reported as deleted: ``licence`` while no licence lets it be displayed here today (it comes back, with
    a new datestamp, when one does), ``removed`` once its row left the catalogue (written by a database trigger, so
    every road that deletes a work leaves one)."""

    __tablename__ = "oai_deletions"
    __table_args__ = (Index("ix_oai_deletions_datestamp_id", "datestamp", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_key: Mapped[str] = mapped_column(String(255), unique=True)
    work_id: Mapped[int | None] = mapped_column(BigInteger, comment="the work's id when it was withdrawn (no link: it may be gone)")
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    datestamp: Mapped[datetime] = mapped_column(UTCDateTime(), comment="when the provider first reported it deleted")
    reason: Mapped[str] = mapped_column(String(16), comment="licence or removed")


class OaiHarvest(Base):
    """One harvest of another repository's records into the catalogue, whether it landed or not."""

    __tablename__ = "oai_harvests"
    __table_args__ = (Index("ix_oai_harvests_endpoint_set_spec_prefix", "endpoint", "set_spec", "prefix"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    set_spec: Mapped[str | None] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64), comment="the catalogue source its records are keyed under")
    from_date: Mapped[str | None] = mapped_column(String(32), comment="the from argument sent (incremental harvests)")
    status: Mapped[str] = mapped_column(String(16), comment="succeeded, failed or cancelled")
    response_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="the first page's responseDate: "
                                                                                 "the next incremental harvest's from")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="inserted, updated, unchanged by entity")
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list, comment="row-level problems (record, field, why)")
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
