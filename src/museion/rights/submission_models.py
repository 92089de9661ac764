"""What near-copy detection keeps: the fingerprints of indexed catalogue texts and images (the text itself, so that
matching passages can be shown; for images only their hashes, never the file), and each submission checked against
them with its outcome (matched, clear, or skipped with the reason) and what a person decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

KINDS = ("text", "image")
ORIGINS = ("catalogue", "upload", "generated")
STATUSES = ("pending", "matched", "clear", "skipped")


class RightsFingerprint(Base):
    __tablename__ = "rights_fingerprints"
    __table_args__ = (UniqueConstraint("kind", "label"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), index=True, comment="text or image")
    label: Mapped[str] = mapped_column(String(255), comment="the work key, or the file name of an indexed picture")
    work_id: Mapped[int | None] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(16), comment="catalogue, upload (a folder import) or generated (demo)")
    text: Mapped[str | None] = mapped_column(Text, comment="the indexed text (texts only)")
    hashes: Mapped[dict[str, Any] | None] = mapped_column(comment="perceptual hashes of the whole and its windows")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class RightsSubmission(Base):
    __tablename__ = "rights_submissions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), index=True, comment="text or image")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), comment="of the submitted bytes")
    submitted_by: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(8), index=True, comment="pending, matched, clear or skipped")
    reason: Mapped[str | None] = mapped_column(Text, comment="why it was skipped")
    text: Mapped[str | None] = mapped_column(Text, comment="the submitted text (texts only)")
    query: Mapped[dict[str, Any] | None] = mapped_column(comment="pictures: the whole hashes of it and its mirror, its size")
    job_id: Mapped[int | None] = mapped_column(Integer, comment="the rights_match job that matches it")
    matches: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(16), comment="infringing or cleared, from the queue")
    decided_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
