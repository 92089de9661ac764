"""The lifecycle of a model version: draft → submitted → under_review → approved | rejected → deployed → retired.

Every step is a conditional update (it applies only from the expected state, so two people cannot both
move a version), stored as a ``version_transitions`` row and appended to the audit chain in the same
transaction. At most one version is deployed (a partial unique index enforces it); deploying retires
the one before. ``servable`` is what serving asks before it loads a version: deployed, and unchanged
since its card was frozen (the same parameters, evaluation, data fingerprint and artifact sha256). A version
is submitted only once it has a fairness audit (``require_audit``), which its frozen card then cites; ``next_step``
says, as a command, what comes after each state.

Service functions: ``submit``, ``start_review``, ``deploy``, ``retire``, ``transitions(conn, version_id)``,
``versions(conn, status=None, limit=, offset=)``, ``deployed_version_id(conn)``, ``servable(conn, home, version_id)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from museion import audit
from museion.errors import Conflict, MuseionError
from museion.registry import assessments, cards, rollouts
from museion.registry.models import RECOMMEND_TASK, ModelCard, ModelVersion, VersionTransition

DRAFT, SUBMITTED, UNDER_REVIEW, APPROVED, REJECTED, DEPLOYED, RETIRED = (
    "draft", "submitted", "under_review", "approved", "rejected", "deployed", "retired")
STATUSES = (DRAFT, SUBMITTED, UNDER_REVIEW, APPROVED, REJECTED, DEPLOYED, RETIRED)
ALLOWED: dict[str, tuple[str, ...]] = {
    DRAFT: (SUBMITTED,),
    SUBMITTED: (UNDER_REVIEW,),
    UNDER_REVIEW: (APPROVED, REJECTED),
    APPROVED: (DEPLOYED, RETIRED),
    REJECTED: (),
    DEPLOYED: (DEPLOYED, RETIRED),  # deployed → deployed records a periodic re-review opening or passing
    RETIRED: (),
}


def next_step(version_id: int, status: str, *, review_open: bool = False, missing: Sequence[str] = ()) -> str:
    """What to do next with a version in ``status``, as the command that does it (the CLI prints it after every step);
    ``missing``: the reviewer capacities an open round still needs."""
    v = version_id
    if review_open:
        return (f"reviewers record their decisions with `museion review record {v} --reviewer NAME --capacity "
                f"{missing[0] if missing else 'CAPACITY'} --decision approve --findings TEXT`"
                + (f" (still needed: {', '.join(missing)})" if missing else " (see `museion review policy`)"))
    return {DRAFT: f"submit it for review with `museion registry submit {v} --as AUTHOR` (which runs its fairness audit "
                   "if it has none)",
            SUBMITTED: f"start the review with `museion review start {v}`",
            UNDER_REVIEW: f"reviewers record their decisions with `museion review record {v} …`",
            APPROVED: f"deploy with `museion registry deploy {v}`",
            REJECTED: "train a new version with `museion train`",
            DEPLOYED: f"it serves: `museion serve` for the web app and the API, `museion recommend MEMBER` to try a list; "
                      f"a periodic re-review starts with `museion review start {v}`",
            RETIRED: "train a new version with `museion train`, or deploy another approved one (`museion registry list "
                     "--status approved`)"}[status]


class NotServable(Conflict):
    """A version that is not deployed, or that changed since it was reviewed, was asked to serve."""


class NoModel(MuseionError):
    """Personalised serving was asked for but no version is deployed (or none has been trained)."""


class AuditMissing(Conflict):
    """A version without a fairness audit was submitted, or approved: the board decides with the audit in hand."""


def _now() -> datetime:
    return datetime.now(UTC)


def transition(conn: Connection, version_id: int, to: str, *, actor: str, reason: str,
               expected: str | None = None, **values: Any) -> None:
    """Move ``version_id`` to ``to`` if that step is allowed from its current state; record and audit it."""
    version = cards.get_version(conn, version_id)
    current = expected or version.status
    if to not in ALLOWED.get(current, ()) or version.status != current:
        raise Conflict(f"model version {version_id} is {version.status}; it cannot become {to} "
                       f"(next step: {next_step(version_id, version.status, review_open=version.review_open)})")
    try:
        done = conn.execute(update(ModelVersion).where(ModelVersion.id == version_id, ModelVersion.status == current)
                            .values(status=to, **values)).rowcount
    except IntegrityError:
        raise Conflict("another version was deployed at the same moment; retry") from None
    if done != 1:
        raise Conflict(f"model version {version_id} changed while this step was being made; retry")
    conn.execute(insert(VersionTransition).values(version_id=version_id, from_status=current, to_status=to,
                                                  actor=actor, reason=reason, at=_now()))
    row = cards.card_row(conn, version_id)
    details: dict[str, Any] = {"from": current, "to": to}
    if row is not None and row.card_hash:
        details["card_hash"] = row.card_hash
    audit.record(conn, actor=actor, action="model.transition", target=f"model_version:{version_id}", details=details)


def submittable(conn: Connection, version_id: int) -> Row:
    """The version, if it may be submitted now: a draft that needs no retraining (else a Conflict saying why)."""
    version = recommender(conn, version_id)
    if version.status != DRAFT:
        raise Conflict(f"model version {version_id} is {version.status}: only drafts can be submitted "
                       f"(next step: {next_step(version_id, version.status, review_open=version.review_open)})")
    if version.retrain_reason:
        raise Conflict(f"model version {version_id} must be retrained before review: {version.retrain_reason}")
    return version


def require_audit(conn: Connection, version_id: int, step: str) -> dict[str, Any]:
    """The version's latest fairness audit; AuditMissing, naming how to run one, when it has none."""
    found = cards.latest_fairness_audit(conn, version_id)
    if found is None:
        raise AuditMissing(f"model version {version_id} has no fairness audit, so it cannot be {step}: run one with "
                           f"`museion audit fairness {version_id}` or POST /api/registry/versions/{version_id}/fairness-audits "
                           "(`museion registry submit` runs it when it is missing)")
    return found


def submit(conn: Connection, home: Path, version_id: int, *, author_account_id: int, actor: str,
           reason: str = "submitted for review") -> str:
    """Freeze the card, which cites the fairness audit the version must have (its hash is returned), and submit the
    version; its author can never review it."""
    submittable(conn, version_id)
    require_audit(conn, version_id, "submitted")
    digest = cards.freeze_card(conn, home, version_id, author_account_id)
    transition(conn, version_id, SUBMITTED, actor=actor, reason=reason, expected=DRAFT)
    return digest


def start_review(conn: Connection, version_id: int, *, actor: str, reason: str = "review started") -> int:
    """Open a review round (the first one, or a periodic re-review of the deployed version); returns its number."""
    version = cards.get_version(conn, version_id)
    if version.review_open:
        raise Conflict(f"model version {version_id} already has review round {version.review_round} open")
    round_ = int(version.review_round) + 1
    if version.status == SUBMITTED:
        transition(conn, version_id, UNDER_REVIEW, actor=actor, reason=reason, expected=SUBMITTED,
                   review_round=round_, review_open=True)
    elif version.status == DEPLOYED:
        transition(conn, version_id, DEPLOYED, actor=actor, reason=f"re-review round {round_} opened: {reason}",
                   expected=DEPLOYED, review_round=round_, review_open=True)
    else:
        raise Conflict(f"model version {version_id} is {version.status}: reviews start on submitted versions "
                       "(or, for a periodic re-review, on the deployed one)")
    return round_


def deploy(conn: Connection, home: Path, version_id: int, *, actor: str, reason: str = "deployed") -> int | None:
    """Deploy an approved version, retiring the one deployed before (whose id is returned); one that profiles members
    needs a signed, current impact assessment."""
    version = recommender(conn, version_id)
    if version.status != APPROVED:
        raise Conflict(f"model version {version_id} is {version.status}: only an approved version can be deployed "
                       f"(next step: {next_step(version_id, version.status, review_open=version.review_open)})")
    check_sealed(conn, home, version)
    assessments.require_signed(conn, version)
    previous = deployed_version_id(conn)
    if previous is not None:
        transition(conn, previous, RETIRED, actor=actor, reason=f"replaced by version {version_id}", expected=DEPLOYED,
                   review_open=False)
    transition(conn, version_id, DEPLOYED, actor=actor, reason=reason, expected=APPROVED)
    return previous


def retire(conn: Connection, version_id: int, *, actor: str, reason: str) -> None:
    """Stop a deployed (or approved, never deployed) version for good."""
    if not reason.strip():
        raise MuseionError("say why the version is retired (--reason)")
    transition(conn, version_id, RETIRED, actor=actor, reason=reason, review_open=False)


# --- reading -----------------------------------------------------------------------------------

_DEPLOYED = (select(ModelVersion.id)  # built once: asked on every served request
             .where(ModelVersion.status == DEPLOYED, ModelVersion.task == RECOMMEND_TASK))


def recommender(conn: Connection, version_id: int) -> Row:
    """The version, if it is a recommender: other tasks' versions (the subject suggester's) are never reviewed by the
    board, deployed or served here."""
    version = cards.get_version(conn, version_id)
    if version.task != RECOMMEND_TASK:
        raise NotServable(f"model version {version_id} is a {version.task} model, not a recommender: it is not reviewed, "
                          "deployed or served as one")
    return version


def deployed_version_id(conn: Connection) -> int | None:
    found = conn.scalar(_DEPLOYED)
    return int(found) if found is not None else None


def transitions(conn: Connection, version_id: int) -> list[dict[str, Any]]:
    """Every step of one version, oldest first."""
    cards.get_version(conn, version_id)
    q = select(VersionTransition.__table__).where(VersionTransition.version_id == version_id).order_by(VersionTransition.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def versions(conn: Connection, status: str | None = None, *, task: str = RECOMMEND_TASK, limit: int | None = 50,
             offset: int = 0) -> list[dict[str, Any]]:
    """Model versions of ``task`` (recommenders unless named), newest first (all of them when ``limit`` is None), with
    their status, review round, card hash, data sizes and recorded evaluation: what every listing of versions shows."""
    if status is not None and status not in STATUSES:
        raise MuseionError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    q = _summaries().where(ModelVersion.task == task).order_by(ModelVersion.id.desc()).limit(limit).offset(offset)
    if status is not None:
        q = q.where(ModelVersion.status == status)
    return [dict(r._mapping) for r in conn.execute(q)]


def version_summary(conn: Connection, version_id: int) -> dict[str, Any]:
    """One version as ``versions`` lists it."""
    row = conn.execute(_summaries().where(ModelVersion.id == version_id)).first()
    if row is None:
        cards.get_version(conn, version_id)  # raises NotFound with the usual message
    return dict(row._mapping)  # type: ignore[union-attr]


def _summaries() -> Select[Any]:
    return (select(ModelVersion.id, ModelVersion.task, ModelVersion.algorithm, ModelVersion.status, ModelVersion.source, ModelVersion.params,
                   ModelVersion.review_round, ModelVersion.review_open, ModelVersion.reviewed_at, ModelVersion.created_at,
                   ModelVersion.retrain_reason, ModelCard.card_hash, ModelVersion.n_members, ModelVersion.n_works,
                   ModelVersion.evaluation)
            .outerjoin(ModelCard, ModelCard.version_id == ModelVersion.id))


def count_versions(conn: Connection, task: str = RECOMMEND_TASK) -> int:
    return int(conn.scalar(select(func.count()).select_from(ModelVersion).where(ModelVersion.task == task)) or 0)


# --- serving -----------------------------------------------------------------------------------

def check_sealed(conn: Connection, home: Path, version: Row) -> None:
    """Refuse a version whose record, card or artifact changed since its card was frozen."""
    row = cards.card_row(conn, version.id)
    if row is None or row.frozen is None or row.card_hash is None:
        raise NotServable(f"model version {version.id} has no frozen card: it was never submitted for review")
    if cards.card_hash(row.frozen) != row.card_hash:
        raise NotServable(f"model version {version.id}: its card was changed after it was frozen; it cannot be served")
    now = cards.version_facts(version, home)
    sealed = row.frozen["version"]
    changed = sorted(k for k in set(now) | set(sealed) if cards.canonical(now.get(k)) != cards.canonical(sealed.get(k)))
    if changed:
        raise NotServable(f"model version {version.id} changed since it was reviewed ({', '.join(changed)} differ"
                          f"{'; the artifact folder was modified or is missing' if 'artifact_sha256' in changed else ''}); "
                          "it cannot be served")


def servable(conn: Connection, home: Path, version_id: int | None = None) -> Row:
    """The version to serve: the deployed one (or ``version_id`` if it is the deployed one, or the approved candidate
    of the rollout running now), checked unchanged."""
    if version_id is None:
        found = deployed_version_id(conn)
        if found is None:
            if count_versions(conn) == 0:
                raise NoModel("no model version has been trained: run `museion train`, then have it "
                                        "reviewed and deployed (`museion registry --help`)")
            raise NoModel("no model version is deployed: only a reviewed, approved and deployed version "
                                    "is served (see `museion registry list` and `museion review --help`)")
        version_id = found
    version = recommender(conn, version_id)
    if version.status != DEPLOYED and not (version.status == APPROVED and rollouts.is_running_candidate(conn, version_id)):
        raise NotServable(f"model version {version_id} is {version.status}, not deployed: only the deployed version is "
                          f"served (next step: {next_step(version_id, version.status, review_open=version.review_open)})")
    check_sealed(conn, home, version)
    return version
