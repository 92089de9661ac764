"""Typed SQLAlchemy models of the catalogue (works, creators) and the audience (members, events).

Members carry a pseudonymous key only: names and contact details never enter these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=utcnow)

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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=utcnow)


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


class Member(Base):
    """An audience member, known only by a pseudonymous key. Optional coarse demographics
    (age, gender, occupation) exist for fairness audits and are read only with consent."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(64))
    occupation: Mapped[str | None] = mapped_column(String(128))
    restricted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="processing restricted at the member's request: kept, never used")
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event(Base):
    """Something a member did with a work. ``uid`` hashes the event's content so re-imports are no-ops."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_member_id_occurred_at", "member_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # no index: a handful of values, and reads scan by member
    value: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[int | None] = mapped_column(BigInteger, comment="seconds since 1970-01-01 UTC")
    channel: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(Text, comment="free text such as a tag")


class ImportRun(Base):
    """A record of every import: what was read, what changed, and whether it landed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    inserted: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    unchanged: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModelVersion(Base):
    """A trained recommender: algorithm, parameters, the data it saw (fingerprint) and its evaluation.

    The artifact folder (under MUSEION_HOME/models) holds the learned arrays and the training
    interactions it serves from; the row is the record people review and cite.
    """

    __tablename__ = "model_versions"
    __table_args__ = (  # at most one version serves: the database itself refuses a second deployed row
        Index("uq_model_versions_one_deployed", "status", unique=True,
              sqlite_where=text("status = 'deployed'"), postgresql_where=text("status = 'deployed'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(32), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="interaction policy used for training")
    source: Mapped[str | None] = mapped_column(String(64), comment="events used: one source, or all when null")
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    artifact: Mapped[str] = mapped_column(Text, comment="folder relative to MUSEION_HOME")
    n_members: Mapped[int] = mapped_column(Integer)
    n_works: Mapped[int] = mapped_column(Integer)
    evaluation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retrain_reason: Mapped[str | None] = mapped_column(Text, comment="set when data it learned from was erased")
    status: Mapped[str] = mapped_column(String(16), index=True, default="draft", server_default="draft",
                                        comment="review lifecycle: draft … approved, deployed, retired (museion.registry)")
    review_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0",
                                              comment="review rounds opened so far (1 = first review, then re-reviews)")
    review_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                              comment="a review round is collecting decisions")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), comment="last approval, for periodic re-review")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
