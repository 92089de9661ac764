"""The record every import leaves behind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime, utcnow


class ImportRun(Base):
    """A record of every import: what was read, what changed, and whether it landed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    inserted: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    unchanged: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
