"""The rights registry's tables: rights holders, licences (one work or a set of works), and acquisition provenance
parsed from credit lines. Public or contractual information only; nothing here is about audience members."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime, utcnow


class RightsHolder(Base):
    """A person or organisation that grants licences; linked to a catalogue creator where they are the same."""

    __tablename__ = "rights_holders"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, comment="the holder's id in imports and exports")
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), comment="person or organisation")
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Licence(Base):
    """What a holder allows: which uses, where (ISO 3166-1 alpha-2 codes or "world"), from when to when, exclusive or
    not, for what fee. ``demo`` marks licences generated for the demo catalogue, never real agreements."""

    __tablename__ = "licences"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, comment="the licence's id in imports and exports")
    holder_id: Mapped[int] = mapped_column(ForeignKey("rights_holders.id"), index=True)
    territories: Mapped[list[str]] = mapped_column(comment='ISO 3166-1 alpha-2 codes, or ["world"]')
    uses: Mapped[list[str]] = mapped_column(comment="display, stream, download, print, reproduce, train_ai")
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date, index=True, comment="last day covered; null: open-ended")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_kind: Mapped[str] = mapped_column(String(8), default="none", comment="none, flat or per_use")
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    currency: Mapped[str | None] = mapped_column(String(3), comment="ISO 4217")
    statement: Mapped[str | None] = mapped_column(String(255), comment="rightsstatements.org or Creative Commons URI")
    demo: Mapped[bool] = mapped_column(Boolean, default=False, comment="generated for the demo catalogue")
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(), onupdate=utcnow, index=True)


class LicenceWork(Base):
    """One work a licence covers."""

    __tablename__ = "licence_works"

    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), primary_key=True, index=True)


class WorkAcquisition(Base):
    """How the holding institution acquired a work, parsed from its published credit line where the line says so."""

    __tablename__ = "work_acquisitions"

    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(32), comment="purchased, presented, bequeathed, accepted_in_lieu, …")
    party: Mapped[str | None] = mapped_column(Text, comment="who presented or bequeathed it, as the line names them")
    year: Mapped[int | None] = mapped_column(Integer)
    credit_line: Mapped[str] = mapped_column(Text)
