"""Members' voice on the recommender: a flag on an item recommended to them, a comment on the public disclosure.

Both are personal data and pass through here only. A flag names an item the member was actually shown (the served-list
log says so) and records the model version that served it; free text is stored with personal data redacted. Sending
either is the member agreeing that the review board reads it (purpose ``review_board``, recorded in the consent
ledger); a member who withdraws that consent takes their feedback off the board. The board reads the feedback about a
version since its last round as evidence; when a round closes, what it considered is marked with the round and its
decision, which is the status the member sees. The public disclosure shows counts only, small ones suppressed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, distinct, func, insert, select, update

from museion import audit
from museion.catalog.models import Work
from museion.errors import Conflict, MuseionError
from museion.privacy import consent, pii
from museion.privacy.access import gated
from museion.privacy.access_log import LOOKUPS, record
from museion.privacy.activity import member_target
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.datamap import REVIEW_PURPOSE
from museion.privacy.models import Consent, DisclosureComment, MemberFlag, ServedEntry
from museion.privacy.served import flush_deferred

PURPOSE = REVIEW_PURPOSE
REASONS = ("not_for_me", "offensive", "seems_biased", "wrong_information")
FLAG_COMMENT_MAX = 500  # characters: a flag's optional short comment
COMMENT_MAX = 2000  # characters: a comment on the disclosure
DECISIONS = ("approved", "rejected")
FORM_NOTICE = "feedback-form"  # the notice on the flag and comment forms, which say who reads them and why
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FeedbackRefused(MuseionError):
    """Feedback that cannot be taken; ``code`` names why (the faces translate it), the message says it in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AlreadyFlagged(Conflict):
    """The member already flagged this item for this reason, and the board has not yet considered it."""

    code = "already_flagged"


@dataclass(frozen=True, slots=True)
class Feedback:
    """A flag or a comment as its author sees it, with what became of it."""

    id: int
    kind: str  # flag or comment
    model_version: int | None
    created_at: datetime
    text: str | None  # redacted
    reason: str | None = None  # flags only
    work_key: str | None = None
    work_title: str | None = None
    considered_round: int | None = None
    considered_decision: str | None = None
    considered_at: datetime | None = None

    @property
    def status(self) -> str:
        """What became of it: considered in review round N (approved or rejected), or waiting for the next review."""
        if self.considered_round is None:
            return f"waiting for the next review of model version {self.model_version}"
        return f"considered in review round {self.considered_round} ({self.considered_decision})"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


def redacted(text: str | None, *, limit: int, required: bool) -> str | None:
    """``text`` trimmed, checked (length, no control characters) and with personal data replaced by ``<TYPE>``."""
    text = (text or "").replace("\r\n", "\n").strip()  # a browser's form sends its line breaks as CRLF
    if not text:
        if required:
            raise FeedbackRefused("empty", "write the comment: it is empty")
        return None
    if len(text) > limit:
        raise FeedbackRefused("too_long", f"the comment is {len(text)} characters long; at most {limit} are kept")
    if _CONTROL.search(text):
        raise FeedbackRefused("control", "the comment holds control characters; write plain text")
    return pii.redact(text, "zh" if _CJK.search(text) else "en")


def _work_id(conn: Connection, work: int | str) -> int:
    if isinstance(work, int):
        return work
    found = conn.scalar(select(Work.id).where(Work.key == work))
    if found is None:
        raise FeedbackRefused("never_shown", f"no work {work!r} was recommended to you: only items in your lists can be flagged")
    return int(found)


def _serving_version(conn: Connection, member_id: int, work_id: int) -> int | None:
    """The model version of the latest list that showed ``work_id`` to the member, or FeedbackRefused."""
    flush_deferred(conn.engine)  # the list just shown may still wait in the deferred log
    shown = conn.execute(select(ServedEntry.model_version_id, ServedEntry.work_ids)
                         .where(ServedEntry.member_id == member_id).order_by(ServedEntry.id.desc()))
    for version, works in shown:
        if work_id in works:
            return version
    raise FeedbackRefused("never_shown", f"work {work_id} was never recommended to you: only items shown in your lists "
                                         "can be flagged")


def _agree(conn: Connection, member_id: int, actor: str) -> None:
    """Sending feedback is agreeing that the review board reads it: a grant in the ledger unless the latest already is."""
    latest = conn.scalar(select(Consent.granted).where(Consent.member_id == member_id, Consent.purpose == PURPOSE)
                         .order_by(Consent.id.desc()).limit(1))
    if latest is not True:
        declared = consent.current_purpose(conn, PURPOSE)
        consent.record(conn, member_id, declared, granted=True, notice_version=f"{FORM_NOTICE}-v{declared.version}",
                       source="feedback", actor=actor)


@gated
def flag(conn: Connection, member_id: int, work: int | str, reason: str, comment: str | None = None, *,
         actor: str) -> Feedback:
    """Flag an item recommended to the member (work id or key), for one of ``REASONS``; refused, with nothing written,
    for an unknown reason, a comment too long, an item never shown to them, or the same open flag twice."""
    if reason not in REASONS:
        raise FeedbackRefused("unknown_reason", f"unknown reason {reason!r}; use one of {', '.join(REASONS)}")
    text = redacted(comment, limit=FLAG_COMMENT_MAX, required=False)
    work_id = _work_id(conn, work)
    version = _serving_version(conn, member_id, work_id)
    if conn.scalar(select(MemberFlag.id).where(
            MemberFlag.member_id == member_id, MemberFlag.work_id == work_id, MemberFlag.reason == reason,
            MemberFlag.model_version_id.is_not_distinct_from(version), MemberFlag.considered_round.is_(None))):
        raise AlreadyFlagged(f"you already flagged work {work_id} as {reason}; it waits for the next review")
    _agree(conn, member_id, actor)
    new = conn.execute(insert(MemberFlag).values(member_id=member_id, work_id=work_id, model_version_id=version,
                                                 reason=reason, comment=text)).inserted_primary_key[0]
    audit.record(conn, actor=actor, action="feedback.flag", target=member_target(conn, member_id),
                 details={"reason": reason, "model_version": version, "comment": text is not None})
    return _mine(conn, _flags().where(MemberFlag.id == new))[0]


@gated
def comment(conn: Connection, member_id: int, version_id: int, text: str, *, actor: str) -> Feedback:
    """A comment on the disclosure of ``version_id`` (the deployed version: the caller knows which), stored redacted."""
    kept = redacted(text, limit=COMMENT_MAX, required=True)
    _agree(conn, member_id, actor)
    new = conn.execute(insert(DisclosureComment).values(member_id=member_id, model_version_id=version_id,
                                                        text=kept)).inserted_primary_key[0]
    audit.record(conn, actor=actor, action="feedback.comment", target=member_target(conn, member_id),
                 details={"model_version": version_id})
    return _mine(conn, _comments().where(DisclosureComment.id == new))[0]


def _flags() -> Select[Any]:
    return (select(MemberFlag.id, MemberFlag.model_version_id, MemberFlag.created_at, MemberFlag.comment.label("text"),
                   MemberFlag.reason, Work.key.label("work_key"), Work.title.label("work_title"), MemberFlag.considered_round,
                   MemberFlag.considered_decision, MemberFlag.considered_at, MemberFlag.member_id)
            .join(Work, Work.id == MemberFlag.work_id).order_by(MemberFlag.id.desc()))


def _comments() -> Select[Any]:
    return (select(DisclosureComment.id, DisclosureComment.model_version_id, DisclosureComment.created_at,
                   DisclosureComment.text, DisclosureComment.considered_round, DisclosureComment.considered_decision,
                   DisclosureComment.considered_at, DisclosureComment.member_id)
            .order_by(DisclosureComment.id.desc()))


def _feedback(row: Row) -> Feedback:
    values = dict(row._mapping)
    values.pop("member_id")
    kind = "flag" if "reason" in values else "comment"
    return Feedback(kind=kind, model_version=values.pop("model_version_id"), **values)


def _mine(conn: Connection, query: Select[Any]) -> list[Feedback]:
    return [_feedback(row) for row in conn.execute(query)]


@gated
def flags_of(conn: Connection, member_id: int) -> list[Feedback]:
    """The member's flags, newest first, each with its status."""
    return _mine(conn, _flags().where(MemberFlag.member_id == member_id))


@gated
def comments_of(conn: Connection, member_id: int) -> list[Feedback]:
    """The member's comments on the disclosure, newest first, each with its status."""
    return _mine(conn, _comments().where(DisclosureComment.member_id == member_id))


def _suppressed(count: int, members: int) -> int | None:
    """A public count, or None when between 1 and ``SMALL_CELL`` - 1 members stand behind it."""
    return count if members == 0 or members >= SMALL_CELL else None


@gated
def public_counts(conn: Connection, version_id: int, *, actor: str = "public") -> dict[str, Any]:
    """Flags by reason and comments about ``version_id``, from members taking part in the purpose; a count that fewer
    than ``SMALL_CELL`` members make is None. Never a text. A look-up tallied for the purpose (the page is public)."""
    declared = consent.current_purpose(conn, PURPOSE)
    taking_part = consent.participants(declared)
    by_reason = {reason: (int(n), int(m)) for reason, n, m in conn.execute(
        select(MemberFlag.reason, func.count(), func.count(distinct(MemberFlag.member_id)))
        .where(MemberFlag.model_version_id == version_id, MemberFlag.member_id.in_(taking_part)).group_by(MemberFlag.reason))}
    n, m = conn.execute(select(func.count(), func.count(distinct(DisclosureComment.member_id))).where(
        DisclosureComment.model_version_id == version_id, DisclosureComment.member_id.in_(taking_part))).one()
    LOOKUPS.note(conn, actor=actor, declared=declared, what="feedback_counts")
    return {"version_id": version_id, "flags": {r: _suppressed(*by_reason.get(r, (0, 0))) for r in REASONS},
            "comments": _suppressed(int(n), int(m)), "suppressed_below": SMALL_CELL}


@gated
def waiting(conn: Connection, *, actor: str) -> dict[int, dict[str, int]]:
    """Per model version, the flags and comments from members taking part that no review round has considered yet:
    counts only, for the board's overview (a look-up tallied for the purpose)."""
    declared = consent.current_purpose(conn, PURPOSE)
    taking_part = consent.participants(declared)
    found: dict[int, dict[str, int]] = {}
    for name, table in (("flags", MemberFlag), ("comments", DisclosureComment)):
        for version, n in conn.execute(select(table.model_version_id, func.count()).where(
                table.considered_round.is_(None), table.model_version_id.is_not(None), table.member_id.in_(taking_part))
                .group_by(table.model_version_id)):
            found.setdefault(int(version), {"flags": 0, "comments": 0})[name] = int(n)
    LOOKUPS.note(conn, actor=actor, declared=declared, what="feedback_waiting")
    return dict(sorted(found.items()))


@dataclass(frozen=True, slots=True)
class Evidence:
    """What members said about one version, for its review: counts by reason, the flagged works, the redacted texts."""

    version_id: int
    pending_only: bool
    counts: dict[str, int]
    works: list[dict[str, Any]]  # key, title, flags, reasons: most flagged first
    flags: list[Feedback]
    comments: list[Feedback]

    def as_dict(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "pending_only": self.pending_only, "counts": self.counts, "works": self.works,
                "flags": [f.as_dict() for f in self.flags], "comments": [c.as_dict() for c in self.comments]}


@gated
def evidence(conn: Connection, version_id: int, *, actor: str, pending_only: bool = True) -> Evidence:
    """Feedback about ``version_id`` from members taking part in ``review_board`` (only what no round has considered
    yet, unless ``pending_only`` is false), recorded as one access; never a member's id or key."""
    declared = consent.current_purpose(conn, PURPOSE)
    taking_part = consent.participants(declared)
    flags_q = _flags().where(MemberFlag.model_version_id == version_id, MemberFlag.member_id.in_(taking_part))
    comments_q = _comments().where(DisclosureComment.model_version_id == version_id,
                                   DisclosureComment.member_id.in_(taking_part))
    if pending_only:
        flags_q = flags_q.where(MemberFlag.considered_round.is_(None))
        comments_q = comments_q.where(DisclosureComment.considered_round.is_(None))
    flag_rows, comment_rows = conn.execute(flags_q).all(), conn.execute(comments_q).all()
    works: dict[str, dict[str, Any]] = {}
    for row in flag_rows:
        work = works.setdefault(row.work_key, {"key": row.work_key, "title": row.work_title, "flags": 0, "reasons": {}})
        work["flags"] += 1
        work["reasons"][row.reason] = work["reasons"].get(row.reason, 0) + 1
    members = {row.member_id for row in flag_rows} | {row.member_id for row in comment_rows}
    record(conn, actor=actor, declared=declared, categories=["feedback"], rows=len(flag_rows) + len(comment_rows),
           members=len(members), details={"model_version": version_id, "pending_only": pending_only})
    return Evidence(version_id, pending_only, {r: sum(w["reasons"].get(r, 0) for w in works.values()) for r in REASONS},
                    sorted(works.values(), key=lambda w: (-w["flags"], w["key"])),
                    [_feedback(r) for r in flag_rows], [_feedback(r) for r in comment_rows])


@gated
def mark_considered(conn: Connection, version_id: int, *, round_: int, decision: str, actor: str) -> dict[str, int]:
    """Mark the feedback on ``version_id`` that the board had before it (taking part, not yet considered) as considered
    in review round ``round_`` with its ``decision`` (approved or rejected): the status each member then sees."""
    if decision not in DECISIONS:
        raise MuseionError(f"a review round ends approved or rejected, not {decision!r}")
    taking_part = consent.participants(consent.current_purpose(conn, PURPOSE))
    values = {"considered_round": round_, "considered_decision": decision, "considered_at": datetime.now(UTC)}
    marked = {name: conn.execute(update(table).where(table.model_version_id == version_id, table.considered_round.is_(None),
                                                     table.member_id.in_(taking_part)).values(**values)).rowcount
              for name, table in (("flags", MemberFlag), ("comments", DisclosureComment))}
    if any(marked.values()):
        audit.record(conn, actor=actor, action="feedback.considered", target=f"model_version:{version_id}",
                     details={"round": round_, "decision": decision, **marked})
    return marked


@gated
def export_of(conn: Connection, member_id: int) -> dict[str, list[dict[str, Any]]]:
    """The member's flags and comments for their copy of their data."""
    return {"flags": [f.as_dict() for f in flags_of(conn, member_id)],
            "disclosure_comments": [c.as_dict() for c in comments_of(conn, member_id)]}


@gated
def erase(conn: Connection, member_id: int) -> dict[str, int]:
    """Delete the member's flags and comments (their erasure); returns how many of each went."""
    return {"flags": conn.execute(delete(MemberFlag).where(MemberFlag.member_id == member_id)).rowcount,
            "disclosure_comments": conn.execute(delete(DisclosureComment).where(DisclosureComment.member_id == member_id)).rowcount}
