"""Controlled rollouts as registry records: a deployed version beside a reviewed candidate on a share of members, and
every step of it (start, split, stop, guardrail breach, decision), shown on both versions' cards, in the public
disclosure and in the filing pack. Never personal data: members are assigned by hashing their pseudonymous key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

MODES = ("canary", "ab")
RUNNING, STOPPED, DECIDED = "running", "stopped", "decided"


class Rollout(Base):
    """One controlled rollout; at most one runs at a time (a second one would overlap on the same members)."""

    __tablename__ = "rollouts"
    __table_args__ = (
        Index("uq_rollouts_one_running", "state", unique=True,
              sqlite_where=text("state = 'running'"), postgresql_where=text("state = 'running'")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    control_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    candidate_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16), comment="canary or ab")
    share: Mapped[float] = mapped_column(Float, comment="share of members served by the candidate")
    salt: Mapped[str] = mapped_column(String(64), comment="mixed into the hash of the member key: a new split per rollout")
    state: Mapped[str] = mapped_column(String(16), comment="running, stopped or decided")
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="pre-registered metric, guardrails, alpha, sample size")
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, comment="its traffic is simulated (demo)")
    started_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stop_reason: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16), comment="ship or keep")
    decided_by: Mapped[str | None] = mapped_column(String(128))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(comment="the statistics the decision was taken on")


class RolloutRecord(Base):
    """A step of a rollout: started, split changed, stopped, guardrail breached, decided."""

    __tablename__ = "rollout_records"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class RolloutStat(Base):
    """Sufficient statistics of one metric for one version of a rollout on one day (and member group): count, sum,
    sum of squares. Aggregates only (cells of fewer than five members are never written for member metrics)."""

    __tablename__ = "rollout_stats"
    __table_args__ = (Index("uq_rollout_stats_cell", "rollout_id", "version_id", "day", "metric", "grp", "source",
                            unique=True), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    day: Mapped[str] = mapped_column(String(10), comment="YYYY-MM-DD, UTC (simulated traffic: its simulated day)")
    metric: Mapped[str] = mapped_column(String(32))
    grp: Mapped[str] = mapped_column(String(32), comment="member or item group, '' for all")
    source: Mapped[str] = mapped_column(String(16), comment="served (real traffic) or simulated")
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    total_sq: Mapped[float] = mapped_column(Float)
