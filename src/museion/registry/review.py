"""The review board: reviewers record findings and a decision against the frozen card; the policy decides.

A reviewer must hold the ``models:approve`` permission, act in a capacity the policy names, and not be
the version's author; each reviewer counts once per round, and no one approves a version without a fairness
audit (the review records the audit the reviewer saw). A round closes as approved when the policy is
met, or as rejected at the first rejection (for a periodic re-review of the deployed version, a rejection
retires it: serving stops until another approved version is deployed).

Service functions for other interfaces (web pages, API, CLI):

- ``record_review(conn, home, version_id, reviewer_account_id=, capacity=, decision=, findings=, actor=) -> dict``
- ``reviews_of(conn, version_id) -> list[dict]``: every review, oldest first.
- ``round_status(conn, home, version_id) -> dict``: approvals so far, capacities still missing.
- ``board(conn, home) -> list[dict]``: versions awaiting review or with a round open, each with ``round_status``.
- ``due(conn, home, now=None) -> list[dict]``: deployed versions whose periodic re-review is due.

When a round closes, the members' feedback on the version it considered is marked with the round and its decision
(``museion.privacy.feedback.mark_considered``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from museion import audit
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import feedback
from museion.registry import cards, lifecycle
from museion.registry.models import ModelCard, ModelVersion, Review
from museion.registry.policy import ReviewPolicy, decide, load_policy
from museion.security.models import Account
from museion.security.permissions import Perm, allowed

DECISIONS = ("approve", "reject")


def _round_reviews(conn: Connection, version_id: int, round_: int) -> list[tuple[int, str, str]]:
    q = select(Review.reviewer_account_id, Review.capacity, Review.decision).where(
        Review.version_id == version_id, Review.round == round_)
    return [(int(a), str(c), str(d)) for a, c, d in conn.execute(q)]


def round_status(conn: Connection, home: Path, version_id: int, policy: ReviewPolicy | None = None) -> dict[str, Any]:
    """Where the current (or last) round stands under the policy."""
    policy = policy or load_policy(home)
    version = cards.get_version(conn, version_id)
    row = cards.card_row(conn, version_id)
    author = row.author_account_id if row is not None else None
    state = decide(policy, _round_reviews(conn, version_id, int(version.review_round)), author)
    return {"version_id": int(version_id), "status": version.status, "round": int(version.review_round),
            "open": bool(version.review_open), "approvals": state.approvals, "approvals_needed": state.approvals_needed,
            "missing_capacities": list(state.missing_capacities), "rejected": state.rejected,
            "author_account_id": author, "card_hash": row.card_hash if row is not None else None}


def record_review(conn: Connection, home: Path, version_id: int, *, reviewer_account_id: int, capacity: str,
                  decision: str, findings: str, actor: str, policy: ReviewPolicy | None = None) -> dict[str, Any]:
    """Record one reviewer's decision in the open round, then close the round if the policy is now decided."""
    policy = policy or load_policy(home)
    version = cards.get_version(conn, version_id)
    if not version.review_open:
        raise Conflict(f"model version {version_id} has no review round open ({version.status}; "
                       f"next step: {lifecycle.next_step(version_id, version.status)})")
    reviewer = conn.execute(select(Account.id, Account.role, Account.active).where(Account.id == reviewer_account_id)).first()
    if reviewer is None:
        raise NotFound(f"no account {reviewer_account_id}")
    card = cards.card_row(conn, version_id)
    assert card is not None and card.card_hash  # a round opens only on a submitted (frozen) version
    if card.author_account_id == reviewer_account_id:
        raise Conflict(f"account {reviewer_account_id} submitted model version {version_id}: the author never reviews "
                       "their own version")
    if not reviewer.active or not allowed(reviewer.role, Perm.MODELS_APPROVE):
        raise Conflict(f"account {reviewer_account_id} ({reviewer.role}) may not review models: reviewers need the "
                       f"{Perm.MODELS_APPROVE.value} permission (role algorithm_reviewer)")
    if capacity not in policy.capacities:
        raise MuseionError(f"unknown capacity {capacity!r}; the review policy names {', '.join(policy.capacities)}")
    if decision not in DECISIONS:
        raise MuseionError(f"decision must be approve or reject, not {decision!r}")
    findings = findings.strip()
    if not findings:
        raise MuseionError("write the findings: what was checked and what was found")
    fairness = (lifecycle.require_audit(conn, version_id, "approved") if decision == "approve"
                else cards.latest_fairness_audit(conn, version_id))
    round_ = int(version.review_round)
    try:  # the unique constraint decides; the caller's transaction rolls back with the Conflict
        conn.execute(insert(Review).values(
            version_id=version_id, round=round_, reviewer_account_id=reviewer_account_id, capacity=capacity,
            decision=decision, findings=findings, card_hash=card.card_hash,
            audit_ref=f"fairness_audit:{fairness['id']}" if fairness else None, created_at=datetime.now(UTC)))
    except IntegrityError:
        raise Conflict(f"account {reviewer_account_id} already reviewed round {round_} of model version {version_id}; "
                       "one reviewer counts once") from None
    audit.record(conn, actor=actor, action="model.review", target=f"model_version:{version_id}",
                 details={"round": round_, "reviewer": f"account:{reviewer_account_id}", "capacity": capacity,
                          "decision": decision, "card_hash": card.card_hash})
    state = decide(policy, _round_reviews(conn, version_id, round_), card.author_account_id)
    rereview = version.status == lifecycle.DEPLOYED
    if state.rejected:
        reason = f"round {round_} rejected by account {reviewer_account_id} ({capacity})"
        lifecycle.transition(conn, version_id, lifecycle.RETIRED if rereview else lifecycle.REJECTED, actor=actor,
                             reason=("re-review " + reason) if rereview else reason, review_open=False)
    elif state.approved:
        reason = (f"round {round_} approved: {state.approvals} approvals covering "
                  f"{', '.join(policy.required_capacities) or 'no required capacities'} (policy {policy.name}, {policy.source})")
        lifecycle.transition(conn, version_id, lifecycle.DEPLOYED if rereview else lifecycle.APPROVED, actor=actor,
                             reason=("re-review " + reason) if rereview else reason, review_open=False,
                             reviewed_at=datetime.now(UTC))
    if state.rejected or state.approved:  # members' flags and comments before the board are now considered
        feedback.mark_considered(conn, version_id, round_=round_, decision="rejected" if state.rejected else "approved",
                                 actor=actor)
    return round_status(conn, home, version_id, policy)


def reviews_of(conn: Connection, version_id: int) -> list[dict[str, Any]]:
    """Every review of a version, oldest first, with the reviewer's account name and role."""
    q = (select(Review.__table__, Account.name.label("reviewer_name"), Account.role.label("reviewer_role"))
         .join(Account, Account.id == Review.reviewer_account_id)
         .where(Review.version_id == version_id).order_by(Review.id))
    return [dict(r._mapping) for r in conn.execute(q)]


def board(conn: Connection, home: Path) -> list[dict[str, Any]]:
    """Versions awaiting the board: submitted, under review, or deployed with a re-review round open."""
    policy = load_policy(home)
    q = (select(ModelVersion.id, ModelVersion.algorithm, ModelVersion.created_at, ModelCard.card_hash)
         .outerjoin(ModelCard, ModelCard.version_id == ModelVersion.id)
         .where((ModelVersion.status == lifecycle.SUBMITTED) | ModelVersion.review_open.is_(True))
         .order_by(ModelVersion.id))
    return [{**round_status(conn, home, int(r.id), policy), "algorithm": r.algorithm, "created_at": r.created_at,
             "reviews": reviews_of(conn, int(r.id))} for r in conn.execute(q).all()]


def due(conn: Connection, home: Path, now: datetime | None = None) -> list[dict[str, Any]]:
    """Deployed versions whose last approval is older than the policy's ``rereview_days`` (an alert)."""
    policy = load_policy(home)
    now = now or datetime.now(UTC)
    out = []
    for r in conn.execute(select(ModelVersion.id, ModelVersion.algorithm, ModelVersion.reviewed_at, ModelVersion.review_open,
                                 ModelVersion.review_round).where(ModelVersion.status == lifecycle.DEPLOYED)):
        due_at = r.reviewed_at + timedelta(days=policy.rereview_days) if r.reviewed_at is not None else None
        if due_at is None or due_at <= now:
            out.append({"version_id": int(r.id), "algorithm": r.algorithm, "reviewed_at": r.reviewed_at, "due_at": due_at,
                        "days_overdue": (now - due_at).days if due_at else None, "rereview_open": bool(r.review_open),
                        "round": int(r.review_round), "rereview_days": policy.rereview_days})
    return out
