"""Creator links curators decided: two records of one person across (or within) sources, or two records that only
look alike (kept so that the pair is never proposed again). Nothing is merged: each record stays as its source wrote it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

RELATIONS = ("same_person", "distinct")


class CreatorLink(Base):
    __tablename__ = "creator_links"
    __table_args__ = (UniqueConstraint("creator_id", "other_creator_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"), index=True)
    other_creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16), comment="same_person or distinct")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), comment="the queue decision behind it")
    decided_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
