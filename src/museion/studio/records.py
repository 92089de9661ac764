"""What the suggester reads from the store: catalogue works as ``WorkRecord``s, and people's decisions on its
proposals (through the queue's ``outcomes``) as labelled decisions and (confidence, accepted?) pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.collab.queue import Outcome, outcomes
from museion.store.batches import rows_in_batches
from museion.studio.models import SubjectSuggestion
from museion.studio.subjects import Decision, WorkRecord

KIND = "work.subjects"
SUBJECT, GENRE = "subject", "genre"
HUMAN = ("accept", "edit", "reject", "undo")  # decisions people made; "auto" (the AI alone) teaches nothing


def work_key(outcome_subject: str) -> str:
    """``work:tate:3`` → ``tate:3``."""
    return outcome_subject.removeprefix("work:")


def work_records(conn: Connection, work_ids: Sequence[int] | None = None) -> tuple[list[WorkRecord], dict[str, int]]:
    """Works (all, or ``work_ids``) as the suggester reads them, and each key's work id."""
    q = select(Work.id, Work.key, Work.title, Work.medium, Work.year).order_by(Work.id)
    rows = (list(conn.execute(q)) if work_ids is None
            else list(rows_in_batches(conn, lambda chunk: q.where(Work.id.in_(chunk)), list(work_ids))))
    wanted = {int(r.id) for r in rows}
    terms: dict[tuple[int, str], list[str]] = defaultdict(list)
    tq = select(WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term).where(
        WorkTerm.vocabulary.in_((SUBJECT, GENRE))).order_by(WorkTerm.work_id, WorkTerm.position, WorkTerm.id)
    cq = select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id).order_by(Credit.work_id, Credit.position)
    for w, vocabulary, term in conn.execute(tq):
        if w in wanted:
            terms[(w, vocabulary)].append(term)
    creators: dict[int, list[str]] = defaultdict(list)
    for w, name in conn.execute(cq):
        if w in wanted:
            creators[w].append(name)
    records = [WorkRecord(key=r.key, title=r.title or "", medium=r.medium, creators=tuple(creators[r.id]), year=r.year,
                          genres=tuple(terms[(r.id, GENRE)]), subjects=tuple(terms[(r.id, SUBJECT)])) for r in rows]
    return records, {r.key: int(r.id) for r in rows}


@dataclass(frozen=True)
class Feedback:
    """People's decisions so far: per subject accepted or not, the calibration pairs, and the last proposal read."""

    decisions: list[Decision]
    confidence: list[float]  # the suggester's raw score of each decided suggestion
    shown: list[float]  # the calibrated confidence people saw beside it
    accepted: list[bool]
    last_proposal: int


def accepted_subjects(outcome: Outcome) -> set[str]:
    """The subjects a person kept: those in the final payload (none when rejected or undone)."""
    if outcome.decision in ("reject", "undo") or outcome.final is None:
        return set()
    return {str(s) for s in outcome.final.get("subjects") or ()}


def feedback(conn: Connection, after: int = 0) -> Feedback:
    """Every human decision on ``work.subjects`` proposals after proposal ``after``, per suggested subject."""
    decided = [o for o in outcomes(conn, KIND, after=after) if o.decision in HUMAN]
    scored: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
    ids = [o.proposal_id for o in decided]
    query = select(SubjectSuggestion.proposal_id, SubjectSuggestion.subject, SubjectSuggestion.score, SubjectSuggestion.confidence)
    for r in rows_in_batches(conn, lambda chunk: query.where(SubjectSuggestion.proposal_id.in_(chunk)), ids):
        scored[int(r.proposal_id)].append((r.subject, float(r.score), float(r.confidence)))
    decisions, confidence, shown, accepted = [], [], [], []
    for o in decided:
        kept = accepted_subjects(o)
        proposed = [str(s) for s in o.proposed.get("subjects") or ()]
        decisions += [Decision(work_key(o.subject), s, s in kept) for s in proposed]
        decisions += [Decision(work_key(o.subject), s, True) for s in sorted(kept - set(proposed))]  # added by the reviewer
        for subject, score, calibrated in scored[o.proposal_id]:
            confidence.append(score)
            shown.append(calibrated)
            accepted.append(subject in kept)
    return Feedback(decisions, confidence, shown, accepted, max(ids, default=after))
