"""Risk alerts as records: one row per alert (de-duplicated by fingerprint), its history of state changes and delivery
attempts, and each detector's threshold history (false alarms raise it; every change is kept for review)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

STATES = ("open", "acknowledged", "resolved", "false_alarm")
SEVERITIES = ("low", "medium", "high")


class RiskAlert(Base):
    __tablename__ = "risk_alerts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True, comment="shilling, kpi, misuse, drift or quality")
    detector: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8), comment="low, medium or high")
    subject: Mapped[str] = mapped_column(String(256), comment="what it is about: item:12, member:7, simulated:attack…")
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True, comment="same fingerprint while open = same alert")
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, comment="raised on a scratch copy by a drill")
    owner_role: Mapped[str] = mapped_column(String(32), comment="the role it is routed to")
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    state_by: Mapped[str | None] = mapped_column(String(128))
    state_why: Mapped[str | None] = mapped_column(Text)
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    count: Mapped[int] = mapped_column(Integer, default=1)
    suppressed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), comment="repeats before this only count")


class RiskAlertEvent(Base):
    """What happened to an alert: raised, repeated, a state change (who, why) or a delivery attempt."""

    __tablename__ = "risk_alert_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("risk_alerts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    state_from: Mapped[str | None] = mapped_column(String(16))
    state_to: Mapped[str | None] = mapped_column(String(16))
    why: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class RiskThreshold(Base):
    """One setting of a detector's threshold; the newest row per detector is the one in force."""

    __tablename__ = "risk_thresholds"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    detector: Mapped[str] = mapped_column(String(64), index=True)
    value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(128))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("risk_alerts.id", ondelete="SET NULL"),
                                                 comment="the false alarm that moved it")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class RiskImportProfile(Base):
    """The per-column profile of one imported file (null counts, a sample or the commonest values): what the next
    import of the same entity and source is compared with (museion.risk.columns)."""

    __tablename__ = "risk_import_profiles"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigId, unique=True, comment="the import_runs row it profiles")
    entity: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="column -> rows, nulls, sample or counts")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
