"""The studio's record of what the subject suggester proposed: one row per suggested subject, with the score the
model gave it and its calibrated confidence, so decisions can be read back as (confidence, accepted?) pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime


class SubjectSuggestion(Base):
    """One subject the suggester proposed for one work, in one queue proposal."""

    __tablename__ = "subject_suggestions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True, comment="the queue proposal it was part of")
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(512))
    rank: Mapped[int] = mapped_column(Integer, comment="1 = the best suggestion for the work")
    score: Mapped[float] = mapped_column(Float, comment="the similar works' weighted vote, in [0, 1]")
    confidence: Mapped[float] = mapped_column(Float, comment="the score recalibrated on people's decisions")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
