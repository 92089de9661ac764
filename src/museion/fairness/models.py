"""Stored fairness audits: one row per audit run of a model version, with its figures and summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.models import Base, BigId


class FairnessAudit(Base):
    """A fairness audit of a model version, on the evaluation split or on what was actually served."""

    __tablename__ = "fairness_audits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16), comment="evaluation or served")
    groups: Mapped[dict[str, Any]] = mapped_column(comment="item and member group attributes used")
    metrics: Mapped[dict[str, Any]] = mapped_column(comment="every figure of the audit (JSON)")
    summary: Mapped[dict[str, Any]] = mapped_column(comment="the headline figures shown in lists and reports")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
