"""Reading controlled rollouts where the registry and serving need them: which rollout runs now, which version a
member is served (a sticky, deterministic hash of their pseudonymous key and the rollout's salt), whether a version
may serve as a running rollout's candidate, and every rollout record of a version (its card, the disclosure, the
filing pack). Starting, stopping and deciding rollouts is ``museion.experiments``'s."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.engine import Row

from museion.registry.rollout_models import RUNNING, Rollout, RolloutRecord

_RUNNING = select(Rollout.id, Rollout.control_version_id, Rollout.candidate_version_id, Rollout.share, Rollout.salt,
                  Rollout.mode).where(Rollout.state == RUNNING)  # built once: asked on every served request


def running(conn: Connection) -> Row | None:
    """The rollout running now, or None (one indexed look-up)."""
    return conn.execute(_RUNNING).first()


def bucket(salt: str, member_key: str) -> float:
    """A member's place in [0, 1) for one rollout: the same key and salt always give the same place (sticky)."""
    digest = hashlib.blake2b(f"{salt}|{member_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def in_candidate_arm(salt: str, share: float, member_key: str) -> bool:
    """Whether the member falls in the candidate's share."""
    return bucket(salt, member_key) < share


def version_for(rollout: Row | None, member_key: str, *, opted_out: bool) -> int | None:
    """The version to serve the member during ``rollout`` (None: the deployed one); members who opted out of
    experiments are always served the deployed version."""
    if rollout is None or opted_out or not in_candidate_arm(rollout.salt, rollout.share, member_key):
        return None
    return int(rollout.candidate_version_id)


def is_running_candidate(conn: Connection, version_id: int) -> bool:
    """Whether ``version_id`` is the candidate of the rollout running now (so it may serve its share)."""
    found = running(conn)
    return found is not None and int(found.candidate_version_id) == version_id


def rollouts_of(conn: Connection, version_id: int | None = None) -> list[dict[str, Any]]:
    """Rollouts (of one version, as control or candidate), newest first, each with its records oldest first."""
    q = select(Rollout.__table__).order_by(Rollout.id.desc())
    if version_id is not None:
        q = q.where(or_(Rollout.control_version_id == version_id, Rollout.candidate_version_id == version_id))
    found = [dict(r._mapping) for r in conn.execute(q)]
    if not found:
        return []
    records = conn.execute(select(RolloutRecord.__table__).where(RolloutRecord.rollout_id.in_([r["id"] for r in found]))
                           .order_by(RolloutRecord.id)).all()
    for rollout in found:
        rollout["records"] = [dict(r._mapping) for r in records if r.rollout_id == rollout["id"]]
    return found


NOTICE = {"en": "We sometimes try a reviewed new version of the recommender on a share of members beside the deployed "
                "one, to learn from what members do after seeing its lists; every such rollout is listed here. You can "
                "opt out on your privacy page: you are then always served the deployed version and your activity is left "
                "out of the experiment's statistics.",
          "zh-Hans": "我们有时会让经过审查的新版推荐器与已部署版本并行，向一部分会员提供推荐，以便从会员看到推荐后的行为中学习；"
                     "每一次这样的试运行都列在这里。您可以在隐私页面选择退出：此后您将始终获得已部署版本的推荐，"
                     "您的活动也不会计入试验统计。"}


def public_summary(conn: Connection, version_id: int, lang: str) -> dict[str, Any]:
    """What the public disclosure says about rollouts involving ``version_id``: the notice and each rollout's split,
    dates and outcome (no names)."""
    keep = ("id", "mode", "share", "state", "control_version_id", "candidate_version_id", "started_at", "stopped_at",
            "stop_reason", "decision", "simulated")
    return {"notice": NOTICE[lang], "rollouts": [{k: r[k] for k in keep} for r in rollouts_of(conn, version_id)]}
