"""The catalogue's tables: works, the terms that describe them, creators and the credits that link them.

Public or published information only; nothing here is about audience members.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from museion.store.base import Base, BigId, UTCDateTime, utcnow


class Work(Base):
    """A catalogued cultural work: a film, book, recording, artwork, exhibition, performance…"""

    __tablename__ = "works"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, comment="source:external id, stable across loads")
    source: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    date_text: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(35))
    region: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    medium: Mapped[str | None] = mapped_column(Text)
    acquisition_year: Mapped[int | None] = mapped_column(Integer)
    image_url: Mapped[str | None] = mapped_column(Text)
    rights: Mapped[str | None] = mapped_column(Text, comment="rights statement or licence as published")
    external_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(16), comment="detects changes on re-import")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(), onupdate=utcnow)

    terms: Mapped[list[WorkTerm]] = relationship(
        back_populates="work", cascade="all, delete-orphan", order_by="WorkTerm.position"
    )
    credits: Mapped[list[Credit]] = relationship(
        back_populates="work", cascade="all, delete-orphan", order_by="Credit.position"
    )

    def terms_of(self, vocabulary: str) -> list[str]:
        return [t.term for t in self.terms if t.vocabulary == vocabulary]


class WorkTerm(Base):
    """A controlled or free term attached to a work: genre, subject, movement…"""

    __tablename__ = "work_terms"
    __table_args__ = (
        UniqueConstraint("work_id", "vocabulary", "term"),
        Index("ix_work_terms_vocabulary_term", "vocabulary", "term"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"))
    vocabulary: Mapped[str] = mapped_column(String(32))
    term: Mapped[str] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str | None] = mapped_column(String(255), comment="null: from the source record; else who added it, "
                                                                    "e.g. ai:model_version:4 accepted by account:2")
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="null: from the source record; else when it "
                                                                          "was added (for AI-made terms, when a person accepted it)")

    work: Mapped[Work] = relationship(back_populates="terms")


class Creator(Base):
    """A person or group who made works. Gender, region, birth year and career stage are optional
    self-declared or published attributes kept for fairness audits, never for targeting."""

    __tablename__ = "creators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(default=list)
    gender: Mapped[str | None] = mapped_column(String(64))
    nationality: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(255))
    birth_place: Mapped[str | None] = mapped_column(Text)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    death_year: Mapped[int | None] = mapped_column(Integer)
    career_stage: Mapped[str | None] = mapped_column(String(32))
    external_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(), onupdate=utcnow)


class Credit(Base):
    """Links a work to a creator in a role (artist, director, "after", "attributed to"…)."""

    __tablename__ = "credits"
    __table_args__ = (UniqueConstraint("work_id", "creator_id", "role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)

    work: Mapped[Work] = relationship(back_populates="credits")
    creator: Mapped[Creator] = relationship()
