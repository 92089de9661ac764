"""The table of promotion and budget plans (migration 0018): what the planner proposed under which constraints, with
its figures and explanation, and what people decided in the collaboration queue. Plans hold catalogue keys and
aggregates only, never a member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime

STATUSES = ("proposed", "accepted", "edited", "rejected")


class InsightPlan(Base):
    __tablename__ = "insight_plans"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    constraints: Mapped[dict[str, Any]] = mapped_column(comment="the manager's constraints as stated")
    plan: Mapped[dict[str, Any]] = mapped_column(comment="chosen works, figures, explanation, greedy baseline")
    objective: Mapped[float] = mapped_column(Float, comment="expected engagement of the plan")
    status: Mapped[str] = mapped_column(String(16), comment="proposed, accepted, edited or rejected")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True,
                                                    comment="the queue proposal people decide")
    created_by: Mapped[str] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    final: Mapped[dict[str, Any] | None] = mapped_column(comment="the works people kept (an edited plan)")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
