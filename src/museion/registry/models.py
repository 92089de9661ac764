"""Registry records: each version's model card, the reviews it received and every lifecycle transition.

The lifecycle state itself lives on ``model_versions`` (status, review round); these tables hold what
people wrote and decided, never personal data: reviewers are referenced by account id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.models import Base, BigId


class ModelCard(Base):
    """The editable part of a version's card, and the card as frozen when the version was submitted."""

    __tablename__ = "model_cards"

    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), primary_key=True, autoincrement=False)
    purpose_notes: Mapped[str | None] = mapped_column(Text, comment="what this version is for, beyond the standard purpose")
    limitations: Mapped[str | None] = mapped_column(Text, comment="known limitations, one per line")
    contact: Mapped[str | None] = mapped_column(Text, comment="who answers questions about this algorithm")
    frozen: Mapped[dict[str, Any] | None] = mapped_column(comment="the full card (both languages) as submitted")
    card_hash: Mapped[str | None] = mapped_column(String(64), comment="sha256 of the frozen card's canonical JSON")
    author_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), comment="the account that submitted it")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Review(Base):
    """One reviewer's decision in one review round, against the card hash they read."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("version_id", "round", "reviewer_account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    reviewer_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    capacity: Mapped[str] = mapped_column(String(64), comment="the capacity the reviewer acted in (see the review policy)")
    decision: Mapped[str] = mapped_column(String(16), comment="approve or reject")
    findings: Mapped[str] = mapped_column(Text)
    card_hash: Mapped[str] = mapped_column(String(64), comment="the card reviewed")
    audit_ref: Mapped[str | None] = mapped_column(String(64), comment="the latest fairness audit at the time, if any")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VersionTransition(Base):
    """A lifecycle step: who moved which version from what to what, when and why."""

    __tablename__ = "version_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128), comment="account:ID, cli or demo")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
