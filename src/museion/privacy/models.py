"""Personal data and the records about it: members and their events (selected only inside
``museion.privacy``, behind the gate), declared purposes (versioned), the consent ledger and the record of
every access to personal data. Rows, not log lines: they are what a privacy officer shows a regulator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime


class Member(Base):
    """An audience member, known only by a pseudonymous key. Optional coarse demographics
    (age, gender, occupation) exist for fairness audits and are read only with consent."""

    __tablename__ = "members"
    __table_args__ = {"sqlite_autoincrement": True}  # an erased member's id is never given to someone else

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(64))
    occupation: Mapped[str | None] = mapped_column(String(128))
    restricted_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="processing restricted at the member's request: kept, never used")
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


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
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


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
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class VaultEntry(Base):
    """A member's direct identifiers (name, e-mail, phone), encrypted with AES-GCM; nowhere else in the store."""

    __tablename__ = "vault_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[str] = mapped_column(String(32), comment="which vault key encrypted it (for rotation)")
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class SubjectRequest(Base):
    """A data-subject request (access, rectification, erasure, restriction, withdrawal) and its handling.

    ``member_ref`` is an HMAC of the member key under the erasure secret (kept outside the data folder), kept after
    erasure as the proof the request needs.
    """

    __tablename__ = "subject_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    member_ref: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(128))
    verification: Mapped[str | None] = mapped_column(Text, comment="how identity was checked")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="counts only, never personal data")


class PrivacyBudgetRecord(Base):
    """The total differential-privacy budget (epsilon) set for one dataset (a member source)."""

    __tablename__ = "dp_budgets"

    dataset: Mapped[str] = mapped_column(String(64), primary_key=True)
    total_epsilon: Mapped[float] = mapped_column(Float)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class PrivacySpend(Base):
    """One differentially private release charged against a dataset's budget."""

    __tablename__ = "dp_spends"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dataset: Mapped[str] = mapped_column(ForeignKey("dp_budgets.dataset"), index=True)
    epsilon: Mapped[float] = mapped_column(Float)
    query: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ServedEntry(Base):
    """One list served to a known member: which works, in rank order, from which model version, and
    whether it was personalised (and if not, why). What fairness audits of "what was actually served"
    read, and what a member's access copy shows as "recommendations shown"."""

    __tablename__ = "served_lists"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(), index=True)
    personalised: Mapped[bool] = mapped_column(Boolean)
    not_personalised_because: Mapped[str | None] = mapped_column(Text)
    work_ids: Mapped[list[int]] = mapped_column(JSON, comment="work ids in rank order")


class MemberPreference(Base):
    """A member's own controls over processing: whether their feed is personalised at all."""

    __tablename__ = "member_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    personalise: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ExperimentOptOut(Base):
    """A member who opted out of controlled rollouts: they are always served the deployed version and their activity
    is left out of experiment statistics."""

    __tablename__ = "experiment_opt_outs"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class InterestSuppression(Base):
    """An interest tag the member deleted: works carrying it are no longer recommended to them."""

    __tablename__ = "interest_suppressions"
    __table_args__ = (UniqueConstraint("member_id", "term"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ErasureTombstone(Base):
    """An erased member's key, as an HMAC under the erasure secret (never the key): imports skip the rows of a
    tombstoned member, so an erased person does not come back with the next load of the same file. ``lifted_at``
    records the audited override for a member who returns and consents anew."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True, comment="HMAC-SHA256 of the member key under the erasure secret")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(128))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class _Considered:
    """When the review board took a member's feedback into account: the round of the version's review and its outcome."""

    considered_round: Mapped[int | None] = mapped_column(Integer, comment="the review round that considered it")
    considered_decision: Mapped[str | None] = mapped_column(String(16), comment="approved or rejected")
    considered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MemberFlag(_Considered, Base):
    """A member's flag on an item recommended to them (not for me, offensive, seems biased, wrong information), with the
    model version that served it and an optional comment, stored redacted; evidence for that version's next review."""

    __tablename__ = "member_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id", ondelete="CASCADE"))
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text, comment="redacted by the PII detector before it is stored")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class DisclosureComment(_Considered, Base):
    """A member's comment on the public disclosure about the version deployed when they wrote it, stored redacted."""

    __tablename__ = "disclosure_comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text, comment="redacted by the PII detector before it is stored")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class MemberQuarantine(Base):
    """A member profile people judged suspicious (e.g. a fake rating profile found by museion.risk): while unreleased,
    its activity is left out of training for personalisation. Never a deletion: release restores it."""

    __tablename__ = "member_quarantine"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(256), comment="e.g. risk alert 12: suspected fake profile")
    alert_id: Mapped[int | None] = mapped_column(BigInteger, comment="the risk alert behind it")
    proposal_id: Mapped[int | None] = mapped_column(BigInteger, comment="the queue decision behind it")
    quarantined_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by: Mapped[str | None] = mapped_column(String(128))
