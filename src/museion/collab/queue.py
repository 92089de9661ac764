"""The one queue for AI proposals: capabilities ``propose`` (routed by the task-division policy), register a handler
with ``on_decided`` to hear each decision in the deciding transaction, and read decisions back with ``outcomes``
(the pull API their feedback loops use). Reviewing itself lives in ``museion.collab.review``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select

from museion import audit
from museion.audit.chain import ACTOR_RE
from museion.collab.models import Proposal
from museion.collab.policy import DEFAULT_POLICY, RISKS, KindRule, Policy, TrackRecord, parse, route
from museion.config import get_settings
from museion.errors import MuseionError, NotFound
from museion.store.base import as_utc, utcnow

POLICY_FILE = "collab-policy.toml"
MAX_JSON = 64_000  # bytes of payload or evidence: a proposal is something a person reads
AUTO = "policy:auto"
HUMAN = ("accept", "edit", "reject")


@dataclass(frozen=True)
class Draft:
    """What a capability proposes; see the module docstring and docs/collab.md."""
    kind: str
    subject: str
    payload: dict[str, Any]
    evidence: dict[str, Any]
    proposed_by: str
    model_version_id: int | None = None
    confidence: float | None = None
    risk: str = "low"
    due: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """A decision as the proposing capability hears it."""
    proposal_id: int
    kind: str
    subject: str
    proposed: dict[str, Any]
    final: dict[str, Any] | None
    decision: str
    reason: str | None
    decided_by: str
    model_version_id: int | None
    confidence: float | None
    decided_at: datetime


Handler = Callable[[Connection, Outcome], None]
_HANDLERS: dict[str, list[Handler]] = {}


def on_decided(kind: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for decisions on ``kind``; it runs inside the deciding transaction."""
    def register(handler: Handler) -> Handler:
        found = _HANDLERS.setdefault(kind, [])
        if handler not in found:
            found.append(handler)
        return handler
    return register


def handled_kinds() -> set[str]:
    """Kinds whose decisions some capability hears (the faces import ``museion.http.proposers`` to register them)."""
    return {kind for kind, handlers in _HANDLERS.items() if handlers}


@dataclass
class _PolicyCache:
    key: tuple[str, float] | None = None
    policy: Policy | None = None


_CACHE = _PolicyCache()


def policy_path(home: Path | None = None) -> Path:
    """The policy in force: MUSEION_HOME/collab-policy.toml when the organisation wrote one, else the shipped one."""
    own = (home or get_settings().home) / POLICY_FILE
    return own if own.is_file() else DEFAULT_POLICY


def active_policy(home: Path | None = None) -> Policy:
    """The policy in force, parsed once per change of the file."""
    path = policy_path(home)
    key = (str(path), path.stat().st_mtime)
    if _CACHE.key != key or _CACHE.policy is None:
        _CACHE.policy, _CACHE.key = parse(path.read_text(encoding="utf-8"), str(path)), key
    return _CACHE.policy


def checked_json(value: dict[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MuseionError("%(name)s must be an object (a JSON dictionary)", name=name)
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode())
    except (TypeError, ValueError) as exc:
        raise MuseionError("%(name)s is not JSON (%(why)s)", name=name, why=str(exc)) from None
    if size > MAX_JSON:
        raise MuseionError("%(name)s is %(size)s bytes; a proposal carries at most %(most)s", name=name, size=size, most=MAX_JSON)
    return value


def track_record(conn: Connection, rule: KindRule) -> TrackRecord:
    """How people decided this kind so far (the evidence that lets the AI act alone, or not)."""
    human = (Proposal.kind == rule.kind) & Proposal.decision.in_(HUMAN)
    confident = human & (Proposal.confidence >= (rule.auto_above or 2.0))
    row = conn.execute(select(
        func.count().filter(human), func.count().filter(confident),
        func.count().filter(confident & (Proposal.decision == "accept")))).one()
    return TrackRecord(int(row[0]), int(row[1]), int(row[2]))


def _checked(draft: Draft, policy: Policy) -> KindRule:
    rule = policy.rule(draft.kind)
    if draft.risk not in RISKS:
        raise MuseionError("risk must be low, medium or high, not %(risk)r", risk=draft.risk)
    if draft.confidence is not None and not 0 <= draft.confidence <= 1:
        raise MuseionError("confidence must lie between 0 and 1, not %(c)r", c=draft.confidence)
    if not draft.subject or len(draft.subject) > 256:
        raise MuseionError("subject must name what the proposal is about in 1 to 256 characters")
    if not ACTOR_RE.fullmatch(draft.proposed_by):
        raise MuseionError("proposed_by must be an identifier such as studio.subjects or account:3, not %(by)r",
                           by=draft.proposed_by)
    checked_json(draft.payload, "payload")
    checked_json(draft.evidence, "evidence")
    return rule


def propose_many(conn: Connection, drafts: Sequence[Draft]) -> list[int]:
    """Queue ``drafts``; each is routed to a person or, where the policy and the AI's record allow, applied at once
    (an automatic action is a decision like any other: recorded, handed to the capability, and undoable)."""
    if not drafts:
        return []
    policy, now = active_policy(), utcnow()
    rules = {d.kind: rule for d in drafts for rule in [_checked(d, policy)]}
    records = {kind: track_record(conn, rule) for kind, rule in rules.items() if rule.may_act_alone}
    ids: list[int] = []
    for d in drafts:
        rule = rules[d.kind]
        auto = route(rule, d.confidence, d.risk, records[d.kind]).auto if d.kind in records else False
        due = as_utc(d.due) if d.due else now + timedelta(days=rule.due_days)
        new_id = conn.execute(insert(Proposal).values(
            kind=d.kind, subject=d.subject, payload=d.payload, evidence=d.evidence, proposed_by=d.proposed_by,
            model_version_id=d.model_version_id, confidence=d.confidence, risk=d.risk, decider=rule.decider,
            reviewers=rule.reviewers, claims=0, policy_hash=policy.sha256, status="auto" if auto else "open",
            due_at=due, created_at=now, **({"decision": "auto", "final": d.payload, "decided_by": AUTO, "decided_at": now}
                                           if auto else {})).returning(Proposal.id)).scalar_one()
        ids.append(new_id)
        if auto:
            notify(conn, new_id)
    kinds = sorted(rules)
    audit.record(conn, actor=drafts[0].proposed_by, action="proposal.create", target=f"proposal:{ids[0]}",
                 details={"count": len(ids), "first": ids[0], "last": ids[-1], "kinds": kinds, "policy": policy.sha256[:16]})
    return ids


def propose(conn: Connection, draft: Draft) -> int:
    """Queue one proposal; see ``propose_many``."""
    return propose_many(conn, [draft])[0]


def proposal_row(conn: Connection, proposal_id: int, *, lock: bool = False) -> Row:
    query = select(Proposal.__table__).where(Proposal.id == proposal_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("proposal %(id)s does not exist", id=proposal_id)
    return row


def outcome_of(row: Row) -> Outcome:
    return Outcome(proposal_id=row.id, kind=row.kind, subject=row.subject, proposed=row.payload, final=row.final,
                   decision=row.decision, reason=row.reason, decided_by=row.decided_by, model_version_id=row.model_version_id,
                   confidence=row.confidence, decided_at=as_utc(row.decided_at) or utcnow())


def hand_over(conn: Connection, outcome: Outcome) -> None:
    """Hand a decision to the capability that proposed it (in this transaction)."""
    for handler in _HANDLERS.get(outcome.kind, []):
        handler(conn, outcome)


def notify(conn: Connection, proposal_id: int) -> None:
    """Hand a stored proposal's decision over (see ``hand_over``)."""
    hand_over(conn, outcome_of(proposal_row(conn, proposal_id)))


def outcomes(conn: Connection, kind: str, *, after: int = 0, limit: int | None = None) -> list[Outcome]:
    """Decided proposals of ``kind`` with ids above ``after``, oldest first: what feedback loops learn from."""
    query = (select(Proposal.__table__).where(Proposal.kind == kind, Proposal.id > after, Proposal.decision.is_not(None))
             .order_by(Proposal.id))
    return [outcome_of(row) for row in conn.execute(query.limit(limit) if limit else query)]
