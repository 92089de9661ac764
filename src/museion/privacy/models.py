"""Privacy records: declared purposes (versioned), the consent ledger and the record of every access to
personal data. Rows, not log lines: they are what a privacy officer shows a regulator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.models import Base, BigId


class Purpose(Base):
    """One version of a declared purpose: its legal basis, the data categories it may use, retention."""

    __tablename__ = "purposes"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(32), comment="consent, contract, legitimate_interest, legal_obligation")
    categories: Mapped[list[str]] = mapped_column(default=list, comment="data categories of the data map")
    retention_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Consent(Base):
    """An entry of the consent ledger: never updated, only appended; the latest entry per purpose counts."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_member_id_purpose_id", "member_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64), index=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(32), comment="the privacy notice the member saw")
    source: Mapped[str] = mapped_column(String(64), comment="where the decision was made: web, app, import…")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccessRecord(Base):
    """Who read personal data, for which purpose, which categories, and how much."""

    __tablename__ = "access_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(64), index=True)
    categories: Mapped[list[str]] = mapped_column(default=list)
    rows: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
