"""The queue's tables: proposals (what an AI proposed, and how it was finally decided) and reviews (one reviewer's claim
and decision on one proposal; a proposal that needs two reviewers has two)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime


class Proposal(Base):
    """One thing an AI proposed, routed by the task-division policy in force when it arrived."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_queue", "status", "decider", "due_at", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True, comment="policy kind, e.g. work.subjects")
    subject: Mapped[str] = mapped_column(String(256), comment="what it is about, e.g. work:tate:1035")
    payload: Mapped[dict[str, Any]] = mapped_column(comment="the content as proposed")
    evidence: Mapped[dict[str, Any]] = mapped_column(comment="why: shown beside the payload")
    proposed_by: Mapped[str] = mapped_column(String(128))
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), comment="the version that made it")
    confidence: Mapped[float | None] = mapped_column(Float)
    risk: Mapped[str] = mapped_column(String(8), comment="low, medium or high")
    decider: Mapped[str] = mapped_column(String(32), comment="the role that decides it, from the policy")
    reviewers: Mapped[int] = mapped_column(Integer, comment="independent reviewers it needs")
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0", comment="reviewers holding or done with it")
    policy_hash: Mapped[str] = mapped_column(String(64), comment="sha256 of the policy that routed it")
    status: Mapped[str] = mapped_column(String(16), comment="open, claimed, disputed, decided, auto, undone")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    decision: Mapped[str | None] = mapped_column(String(8), comment="accept, edit, reject, auto or undo")
    final: Mapped[dict[str, Any] | None] = mapped_column(comment="the content as decided; null when rejected")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProposalReview(Base):
    """One reviewer's claim on a proposal and, once made, their decision."""

    __tablename__ = "proposal_reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "account_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(8), comment="accept, edit or reject; null while claimed")
    final: Mapped[dict[str, Any] | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
