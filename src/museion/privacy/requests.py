"""Data-subject requests: a ledger with identity verification, due dates and reasons for refusals, and
the work each kind of request does — access (a complete copy), rectification, erasure, restriction.

Erasure removes the member's events, vault entry, consents, served lists, preferences, feedback and profile,
takes them out of the serving index of every model version that learned from them, and flags those
versions for retraining. What remains is the request row (a reference keyed with the erasure secret, dates
and counts) and a tombstone under the same reference, so imports skip the member (``privacy.tombstones``).
Every transition of a request enters the audit chain (request id, kind, status).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, insert, select, update

from museion import audit
from museion.catalog.models import Work
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import consent, experiment_choice, feedback, preferences, quarantine, tombstones, vault
from museion.privacy.access import gated
from museion.privacy.activity import member_ids_for, unknown_member
from museion.privacy.models import Consent, Event, ExperimentOptOut, InterestSuppression, Member, MemberPreference, ServedEntry, SubjectRequest
from museion.privacy.tombstones import member_ref

KINDS = ("access", "rectification", "erasure", "restriction", "withdrawal")
RECTIFIABLE = ("age", "gender", "occupation")


class RequestError(MuseionError):
    """A request cannot move to the state asked for (e.g. completing one whose identity is unverified)."""


def _transition(conn: Connection, actor: str, request_id: int, kind: str, status: str) -> None:
    audit.record(conn, actor=actor, action=f"request.{status}", target=f"request:{request_id}",
                 details={"kind": kind, "status": status})


@gated
def open_request(conn: Connection, member_key: str, kind: str, *, channel: str, due_days: int = 15,
                 actor: str = "system") -> int:
    if kind not in KINDS:
        raise MuseionError(f"unknown request kind {kind!r}; use one of {', '.join(KINDS)}")
    member_id = member_ids_for(conn, [member_key]).get(member_key)
    if member_id is None:
        raise unknown_member(member_key)
    member_key = conn.scalar(select(Member.key).where(Member.id == member_id))  # the stored key, if a reference was given
    due = datetime.now(UTC) + timedelta(days=due_days)
    request_id = int(conn.execute(insert(SubjectRequest).values(
        member_id=member_id, member_ref=member_ref(member_key), kind=kind, status="received", channel=channel, due_at=due,
        outcome={})).inserted_primary_key[0])
    _transition(conn, actor, request_id, kind, "received")
    return request_id


@gated
def get_request(conn: Connection, request_id: int) -> Any:
    row = conn.execute(select(SubjectRequest.__table__).where(SubjectRequest.id == request_id)).one_or_none()
    if row is None:
        raise NotFound(f"no request {request_id}")
    return row


@gated
def verify(conn: Connection, request_id: int, *, by: str, how: str, actor: str = "system") -> None:
    """Record that the requester's identity was checked (and how) before anything is disclosed or changed."""
    req = get_request(conn, request_id)
    if req.status != "received":
        raise RequestError(f"request {request_id} is {req.status}; only a received request can be verified")
    if not how.strip():
        raise RequestError("say how the identity was verified")
    _move(conn, request_id, ("received",), status="verified", verified_at=datetime.now(UTC), verified_by=by, verification=how)
    _transition(conn, actor, request_id, req.kind, "verified")


@gated
def refuse(conn: Connection, request_id: int, *, reason: str, actor: str = "system") -> None:
    """Close a request without acting on it; the reason is required and kept (PIPL art. 50)."""
    req = get_request(conn, request_id)
    if req.status in ("completed", "refused"):
        raise RequestError(f"request {request_id} is already {req.status}")
    if not reason.strip():
        raise RequestError("a refusal needs its reason")
    _move(conn, request_id, ("received", "verified"), status="refused", refusal_reason=reason, closed_at=datetime.now(UTC))
    _transition(conn, actor, request_id, req.kind, "refused")


def _ready(conn: Connection, request_id: int, kind: str) -> Any:
    req = get_request(conn, request_id)
    if req.kind != kind:
        raise RequestError(f"request {request_id} is a {req.kind} request, not {kind}")
    if req.status in ("completed", "refused"):
        raise RequestError(f"request {request_id} is already {req.status}")
    if req.status != "verified":
        raise RequestError(f"request {request_id} is {req.status}: verify the requester's identity first")
    return req


def _move(conn: Connection, request_id: int, allowed: tuple[str, ...], **values: Any) -> None:
    """Change a request only from one of the ``allowed`` statuses: a conditional update, so two people acting
    on it at once cannot both succeed (the loser's transaction, and whatever it did, rolls back)."""
    moved = conn.execute(update(SubjectRequest).where(SubjectRequest.id == request_id, SubjectRequest.status.in_(allowed))
                         .values(**values))
    if moved.rowcount != 1:
        raise Conflict(f"request {request_id} changed while this was being done: reload it and try again")


def _close(conn: Connection, request_id: int, kind: str, outcome: dict[str, Any], actor: str) -> None:
    _move(conn, request_id, ("verified",), status="completed", closed_at=datetime.now(UTC), outcome=outcome)
    _transition(conn, actor, request_id, kind, "completed")


@gated
def export_member(conn: Connection, ring: vault.KeyRing, member_id: int, *, actor: str = "system") -> dict[str, Any]:
    """Everything held about one member, machine-readable: profile, identifiers, consents (full ledger),
    events, derived interests (the very tags the member's privacy page shows, derived only under their
    personalisation consent) and the member's own controls over them, requests, and every list of
    recommendations shown to them."""
    member = conn.execute(select(Member.__table__).where(Member.id == member_id)).one()
    events = conn.execute(select(Event.kind, Work.key, Work.title, Event.value, Event.occurred_at, Event.channel, Event.label)
                          .join(Work, Work.id == Event.work_id).where(Event.member_id == member_id).order_by(Event.id)).all()
    return {
        "member": {"key": member.key, "source": member.source, "age": member.age, "gender": member.gender,
                   "occupation": member.occupation, "created_at": member.created_at, "restricted_at": member.restricted_at},
        "identifiers": vault.get(conn, ring, member_id),
        "consents": [{"purpose": c.purpose, "granted": c.granted, "notice_version": c.notice_version, "source": c.source,
                      "recorded_at": c.recorded_at}
                     for c in conn.execute(select(Consent).where(Consent.member_id == member_id).order_by(Consent.id))],
        "events": [{"kind": k, "work": w, "title": t, "value": v, "occurred_at": ts, "channel": ch, "label": lab}
                   for k, w, t, v, ts, ch, lab in events],
        "derived_interests": [{"tag": i.tag, "vocabulary": i.vocabulary, "share": i.weight}
                              for i in preferences.interests(conn, member_id, actor=actor)],
        "requests": [{"id": r.id, "kind": r.kind, "status": r.status, "received_at": r.received_at, "due_at": r.due_at}
                     for r in conn.execute(select(SubjectRequest).where(SubjectRequest.member_id == member_id))],
        "preferences": [{"personalise": p.personalise, "updated_at": p.updated_at}
                        for p in conn.execute(select(MemberPreference).where(MemberPreference.member_id == member_id))],
        "deleted_interests": [{"tag": t.term, "deleted_at": t.created_at} for t in conn.execute(
            select(InterestSuppression).where(InterestSuppression.member_id == member_id).order_by(InterestSuppression.id))],
        "recommendations_shown": served_lists(conn, member_id),
        "experiments_opted_out": experiment_choice.opted_out(conn, member_id),  # controlled rollouts (museion.experiments)
        "quarantines": quarantine.of_member(conn, member_id),  # profiles judged fake are left out of training, never deleted
        **feedback.export_of(conn, member_id),  # flags on recommended items, comments on the disclosure
    }


@gated
def served_lists(conn: Connection, member_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """The lists served to the member (all, or the latest ``limit``), newest first, works in rank order."""
    entries = conn.execute(select(ServedEntry).where(ServedEntry.member_id == member_id)
                           .order_by(ServedEntry.id.desc()).limit(limit)).all()
    ids = sorted({w for e in entries for w in e.work_ids})
    works = {i: (k, t) for i, k, t in conn.execute(select(Work.id, Work.key, Work.title).where(Work.id.in_(ids)))} if ids else {}
    return [{"served_at": e.served_at, "model_version": e.model_version_id, "personalised": e.personalised,
             "not_personalised_because": e.not_personalised_because,
             "works": [{"key": works[w][0], "title": works[w][1]} for w in e.work_ids if w in works]} for e in entries]


@gated
def complete_access(conn: Connection, ring: vault.KeyRing, request_id: int, *, actor: str = "system") -> dict[str, Any]:
    req = _ready(conn, request_id, "access")
    copy = export_member(conn, ring, req.member_id, actor=actor)
    _close(conn, request_id, "access", {"events": len(copy["events"]), "consents": len(copy["consents"]),
                                        "lists_shown": len(copy["recommendations_shown"])}, actor)
    return copy


@gated
def complete_rectification(conn: Connection, ring: vault.KeyRing, request_id: int, *,
                           profile: dict[str, Any] | None = None, identifiers: dict[str, str] | None = None,
                           actor: str = "system") -> None:
    req = _ready(conn, request_id, "rectification")
    profile = profile or {}
    unknown = sorted(set(profile) - set(RECTIFIABLE))
    if unknown:
        raise RequestError(f"only {', '.join(RECTIFIABLE)} (and identifiers in the vault) can be rectified; not {', '.join(unknown)}")
    if profile:
        conn.execute(update(Member).where(Member.id == req.member_id).values(**profile))
    if identifiers:
        vault.put(conn, ring, req.member_id, {**vault.get(conn, ring, req.member_id), **identifiers})
    _close(conn, request_id, "rectification",
           {"profile_fields": sorted(profile), "identifier_fields": sorted(identifiers or {})}, actor)


@gated
def complete_restriction(conn: Connection, request_id: int, *, actor: str = "system") -> None:
    req = _ready(conn, request_id, "restriction")
    conn.execute(update(Member).where(Member.id == req.member_id).values(restricted_at=datetime.now(UTC)))
    _close(conn, request_id, "restriction", {"restricted": True}, actor)


@gated
def complete_withdrawal(conn: Connection, request_id: int, *, actor: str = "system") -> None:
    """Withdraw every consent the member has granted (one request, all purposes and separate consents)."""
    req = _ready(conn, request_id, "withdrawal")
    granted = [s.purpose for s in consent.states(conn, req.member_id) if s.granted]
    for code in granted:
        purpose, _, category = code.partition(consent.SCOPE)
        consent.record(conn, req.member_id, consent.current_purpose(conn, purpose), granted=False,
                       notice_version="request", source=f"request {request_id}", category=category or None, actor=actor)
    _close(conn, request_id, "withdrawal", {"withdrawn": granted}, actor)


@gated
def erasure_subject(conn: Connection, request_id: int) -> int:
    """The member a verified erasure request will erase (so model artifacts can be scrubbed first)."""
    return int(_ready(conn, request_id, "erasure").member_id)


@gated
def complete_erasure(conn: Connection, request_id: int, *, flagged_versions: list[int], actor: str = "system") -> dict[str, Any]:
    """Erase the member everywhere in the store; ``flagged_versions`` are the model versions the caller
    scrubbed of the member's history and flagged for retraining (``museion.recommend.erasure``)."""
    req = _ready(conn, request_id, "erasure")
    member_id = req.member_id
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")  # zero the deleted rows' bytes instead of leaving them in free space
    outcome = {
        "events": conn.execute(delete(Event).where(Event.member_id == member_id)).rowcount,
        "vault_entries": vault.erase(conn, member_id),
        "consents": conn.execute(delete(Consent).where(Consent.member_id == member_id)).rowcount,
        "served_lists": conn.execute(delete(ServedEntry).where(ServedEntry.member_id == member_id)).rowcount,
        "preferences": conn.execute(delete(MemberPreference).where(MemberPreference.member_id == member_id)).rowcount,
        "deleted_interests": conn.execute(
            delete(InterestSuppression).where(InterestSuppression.member_id == member_id)).rowcount,
        **feedback.erase(conn, member_id),
        "experiment_opt_outs": conn.execute(delete(ExperimentOptOut).where(ExperimentOptOut.member_id == member_id)).rowcount,
        "model_versions_flagged": flagged_versions,
    }
    tombstones.bury(conn, str(conn.scalar(select(Member.key).where(Member.id == member_id))), request_id)
    conn.execute(update(SubjectRequest).where(SubjectRequest.member_id == member_id).values(member_id=None))
    conn.execute(delete(Member).where(Member.id == member_id))
    _close(conn, request_id, "erasure", outcome, actor)
    return outcome


def purge_erased(engine: Engine) -> None:
    """After an erasure commits on SQLite, fold the write-ahead log into the database and empty it: older copies of
    the erased rows' pages stay in the WAL file until then. (PostgreSQL: dead rows stay until VACUUM; see docs/privacy.md.)"""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as staff and the member see it: its record, the member's key (None once erased), whether overdue."""

    id: int
    member_id: int | None
    member: str | None
    member_ref: str
    kind: str
    status: str
    channel: str
    received_at: datetime
    due_at: datetime
    verified_at: datetime | None
    verified_by: str | None
    verification: str | None
    closed_at: datetime | None
    refusal_reason: str | None
    outcome: dict[str, Any]
    overdue: bool


def _query_requests() -> Select[Any]:
    return select(SubjectRequest.__table__, Member.key.label("member")).outerjoin(Member, Member.id == SubjectRequest.member_id)


def _view(row: Any, now: datetime) -> RequestView:
    values = dict(row._mapping)
    return RequestView(**values, overdue=row.closed_at is None and row.due_at < now)


@gated
def list_requests(conn: Connection, *, status: str | None = None, kind: str | None = None, member_id: int | None = None,
                  open_only: bool = False, limit: int | None = None, offset: int = 0) -> list[RequestView]:
    """Requests, open ones first by due date: the one listing behind the API, the CLI and the web pages."""
    q = _query_requests()
    if status is not None:
        q = q.where(SubjectRequest.status == status)
    if kind is not None:
        q = q.where(SubjectRequest.kind == kind)
    if member_id is not None:
        q = q.where(SubjectRequest.member_id == member_id)
    if open_only:
        q = q.where(SubjectRequest.closed_at.is_(None))
    q = q.order_by(SubjectRequest.closed_at.is_not(None), SubjectRequest.due_at, SubjectRequest.id).offset(offset)
    now = datetime.now(UTC)
    return [_view(row, now) for row in conn.execute(q if limit is None else q.limit(limit))]


@gated
def request_view(conn: Connection, request_id: int) -> RequestView:
    """One request as ``list_requests`` shows it, or NotFound."""
    row = conn.execute(_query_requests().where(SubjectRequest.id == request_id)).one_or_none()
    if row is None:
        raise NotFound(f"no request {request_id}")
    return _view(row, datetime.now(UTC))
