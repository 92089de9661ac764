"""Model and fairness drift of the deployed version over served traffic (service).

The served-list log is personal data: it is read through the gate (``museion.privacy.attribution.served_traffic``,
purpose ``analytics``, members as opaque codes, one access record), and only window totals leave this module.

- model drift: the live hit rate (lists followed within ``window_s`` by an event on a listed work) of the last ``days``
  against the ``days`` before, with the version's card figures (its offline evaluation) beside them as evidence;
- fairness drift: the share of served slots outside the popularity head (the fairness audit's long-tail share, tiers
  from all rated and viewed works' interaction mass, read for the ``integrity`` purpose) in the same two windows, with
  the version's latest fairness audit beside it.

A share that fell by at least a tenth of itself with |z| ≥ 3 (two-proportion test) raises an alert.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from museion.errors import MuseionError
from museion.fairness.groups import TIERS, popularity_tiers
from museion.privacy import gate
from museion.privacy.attribution import served_traffic
from museion.privacy.datamap import INTEGRITY_PURPOSE
from museion.registry.cards import latest_fairness_audit
from museion.registry.lifecycle import deployed_version_id
from museion.registry.models import ModelVersion
from museion.risk import alerts
from museion.risk.served_stats import list_hits, tail_slots, worse_share
from museion.store.base import utcnow

DETECTOR_MODEL, DETECTOR_FAIRNESS = "drift.model_live", "drift.fairness_served"
MIN_LISTS = 50
DROP = 0.10
"""Relative fall of a share that counts (with |z| ≥ 3)."""


class TooLittleTraffic(MuseionError):
    """Nothing deployed, or too few lists served in a window to compare."""


def scan(conn: Connection, *, actor: str, days: int = 30, window_s: int = 7 * 86_400) -> list[int]:
    """Compare the last ``days`` of the deployed version's served traffic with the ``days`` before; alerts."""
    version_id = deployed_version_id(conn)
    if version_id is None:
        raise TooLittleTraffic("no model version is deployed: there is no served traffic to judge")
    now = utcnow()
    middle = now - timedelta(days=days)
    traffic = served_traffic(conn, actor=actor, since=now - timedelta(days=2 * days), until=None,
                             version_ids=[version_id], window_s=window_s)
    recent = traffic.list_time >= middle.timestamp()
    if min(int(recent.sum()), int((~recent).sum())) < MIN_LISTS:
        raise TooLittleTraffic("too few lists served by version %(version)s to compare windows: %(before)s before and "
                               "%(after)s in the last %(days)s days (at least %(min)s each)", version=version_id,
                               before=int((~recent).sum()), after=int(recent.sum()), days=days, min=MIN_LISTS)
    hits = list_hits(traffic.list_member, traffic.list_time, traffic.list_works, traffic.event_member,
                     traffic.event_work, traffic.event_time, window_s)
    window = {"days": days, "version": version_id, "until": now.isoformat(), "follow_up_days": window_s / 86_400}
    raised = []
    live = worse_share((int(hits[~recent].sum()), int((~recent).sum())), (int(hits[recent].sum()), int(recent.sum())),
                       min_change=DROP)
    if live is not None:
        card = (conn.scalar(select(ModelVersion.evaluation).where(ModelVersion.id == version_id)) or {})
        raised.append(alerts.raise_alert(
            conn, kind="drift", detector=DETECTOR_MODEL, severity="high" if live.after < 0.5 * live.before else "medium",
            subject=f"model_version:{version_id}:live:{int(now.timestamp()) // 86_400}", actor=actor,
            summary=f"version {version_id}'s live hit rate fell from {live.before:.1%} to {live.after:.1%} "
                    f"(lists acted on within {window_s // 86_400} days, last {days} days against the {days} before)",
            evidence={**live.__dict__, "window": window, "card": {"metrics": card.get("metrics") or {},
                                                                  "protocol": card.get("protocol")}}).alert_id)
    head = _head(conn, actor)
    slots, tail = tail_slots(traffic.list_works, head)
    fair = worse_share((int(tail[~recent].sum()), int(slots[~recent].sum())), (int(tail[recent].sum()),
                                                                                 int(slots[recent].sum())),
                       min_change=DROP)
    if fair is not None:
        audit = latest_fairness_audit(conn, version_id)
        raised.append(alerts.raise_alert(
            conn, kind="drift", detector=DETECTOR_FAIRNESS, severity="medium",
            subject=f"model_version:{version_id}:tail:{int(now.timestamp()) // 86_400}", actor=actor,
            summary=f"version {version_id}'s served lists give the long tail less room: {fair.before:.1%} of slots "
                    f"before, {fair.after:.1%} in the last {days} days",
            evidence={**fair.__dict__, "window": window, "head_works": len(head),
                      "audit": None if audit is None else {"id": audit["id"], "scope": audit["scope"],
                                                           "long_tail_share": audit["summary"].get("long_tail_share")}},
        ).alert_id)
    return raised


def _head(conn: Connection, actor: str) -> set[int]:
    """Works in the popularity head: the most interacted-with ones holding the first 20 % of interactions."""
    events = gate.read_activity(conn, purpose=INTEGRITY_PURPOSE, actor=actor)
    works, counts = np.unique(np.asarray(events.work_ids), return_counts=True)
    tiers = popularity_tiers(counts.astype(np.float64))
    return {int(w) for w in works[tiers == TIERS[0]]}
