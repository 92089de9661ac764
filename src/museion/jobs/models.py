"""The job record: what was asked (kind, parameters, by whom), how far it got, and how it ended.

The queue (huey) only carries a job's id; this table is the record people read, so it lives in the main
store beside everything else and survives the queue being flushed or replaced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = frozenset({"succeeded", "failed", "cancelled"})


class Job(Base):
    """One piece of long work: status queued → running → succeeded | failed | cancelled."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_actor_id", "actor", "id"), {"sqlite_autoincrement": True})  # ids are never reused

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0, comment="0..1")
    message: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(comment="what a succeeded job produced (JSON)")
    error: Mapped[str | None] = mapped_column(Text, comment="why it failed, for the person who started it; never a traceback")
    actor: Mapped[str] = mapped_column(String(128), comment="who started it")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
