"""Links between catalogue records that people decided: the same work catalogued twice, related records, or records
that only look alike (kept so that the pair is never proposed again)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

RELATIONS = ("same_as", "related", "distinct")


class WorkLink(Base):
    __tablename__ = "work_links"
    __table_args__ = (UniqueConstraint("work_id", "other_work_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    other_work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16), comment="same_as, related or distinct")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), comment="the queue decision behind it")
    decided_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
