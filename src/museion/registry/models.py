"""Registry records: model versions, each version's model card, the reviews it received, every lifecycle
transition and the fairness audits run on it.

The lifecycle state itself lives on ``model_versions`` (status, review round); the other tables hold what
people wrote and decided and what audits found, never personal data: reviewers are referenced by account id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, func, text
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

RECOMMEND_TASK = "recommend"
"""The task of a recommender version: everything recommender-side (serving, review, deployment) reads only these."""

RERANK_KEY = "rerank"
"""Key of a model version's ``params`` that holds its re-ranker spec (a version = model + re-ranker + parameters)."""


class ModelVersion(Base):
    """A trained model: algorithm, parameters, the data it saw (fingerprint) and its evaluation. ``task`` says what
    it does: ``recommend`` (a recommender: reviewed, deployed, served) or another capability's (``subjects``).

    The artifact folder (under MUSEION_HOME/models) holds the learned arrays and the training
    interactions it serves from; the row is the record people review and cite.
    """

    __tablename__ = "model_versions"
    __table_args__ = (  # at most one version serves: the database itself refuses a second deployed row
        Index("uq_model_versions_one_deployed", "status", unique=True,
              sqlite_where=text("status = 'deployed'"), postgresql_where=text("status = 'deployed'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task: Mapped[str] = mapped_column(String(32), index=True, default=RECOMMEND_TASK, server_default=RECOMMEND_TASK,
                                      comment="what the model does: recommend, or another capability's task (subjects)")
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
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="last approval, for periodic re-review")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class VersionTransition(Base):
    """A lifecycle step: who moved which version from what to what, when and why."""

    __tablename__ = "version_transitions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128), comment="account:ID, cli or demo")
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class FairnessAudit(Base):
    """A fairness audit of a model version (run by ``museion.fairness``), on the evaluation split or on what was
    actually served: cards cite the latest one and reviews record which one the reviewer saw."""

    __tablename__ = "fairness_audits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16), comment="evaluation or served")
    groups: Mapped[dict[str, Any]] = mapped_column(comment="item and member group attributes used")
    metrics: Mapped[dict[str, Any]] = mapped_column(comment="every figure of the audit (JSON)")
    summary: Mapped[dict[str, Any]] = mapped_column(comment="the headline figures shown in lists and reports")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class ImpactAssessment(Base):
    """A documented impact assessment (PIPL 55–56, GDPR 35) of one purpose or one model version: risks, necessity,
    safeguards and residual risk, signed off by a privacy officer, reviewed by a date; never edited or deleted."""

    __tablename__ = "impact_assessments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose_code: Mapped[str | None] = mapped_column(String(64), index=True, comment="the purpose assessed (or null)")
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"), index=True,
                                                         comment="the model version assessed (or null)")
    risks: Mapped[str] = mapped_column(Text, comment="risks to the people whose data is processed")
    necessity: Mapped[str] = mapped_column(Text, comment="why the processing is necessary and proportionate")
    safeguards: Mapped[str] = mapped_column(Text, comment="measures that reduce the risks")
    residual_risk: Mapped[str] = mapped_column(String(8), comment="low, medium or high, after the safeguards")
    residual_notes: Mapped[str] = mapped_column(Text, comment="what remains and why it is accepted")
    review_by: Mapped[datetime] = mapped_column(UTCDateTime(), comment="when the assessment must be reviewed again")
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime(), comment="kept at least until then (three years)")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    signed_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), comment="the privacy officer")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
