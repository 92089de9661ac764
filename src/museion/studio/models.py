"""The studio's record of what the subject suggester proposed: one row per suggested subject, with the score the
model gave it and its calibrated confidence, so decisions can be read back as (confidence, accepted?) pairs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint, func
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


class ExhibitionPlan(Base):
    """A curator's exhibition plan: a theme and its working title; its works live in its revisions."""

    __tablename__ = "exhibition_plans"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    theme: Mapped[str] = mapped_column(String(512), comment="the query, subject or seed work keys it was built from")
    theme_by: Mapped[str] = mapped_column(String(16), comment="query, subject or seeds")
    created_by: Mapped[str] = mapped_column(String(128))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), comment="the queue proposal that publishes it")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ExhibitionRevision(Base):
    """One state of a plan: its works in hanging order, which are pinned, why each is there, and who changed what."""

    __tablename__ = "exhibition_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exhibition_plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, comment="1 = the builder's draft")
    works: Mapped[list[Any]] = mapped_column(JSON, comment="[{key, title, year, reasons, pinned}] in hanging order")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, comment="coverage and representation targets (wanted, got)")
    change: Mapped[str] = mapped_column(String(255), comment="what this revision changed")
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
