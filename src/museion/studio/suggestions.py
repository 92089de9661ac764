"""Subject suggestions as a service: train a suggester version (recorded in the registry with task ``subjects``),
propose a round of suggestions into the review queue, and write what people decide back to the catalogue.

Every version learns from every human decision so far (``records.feedback``): accepted subjects are positives,
rejected ones negatives, and its recalibrator is fitted on decisions once there are enough (else on held-out
catalogue works whose true subjects are known). Its evaluation holds precision@5 on held-out works beside the
popularity floor, and the expected calibration error before and after recalibration.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, exists, func, insert, select, update

from museion import audit
from museion.catalog.models import Work, WorkTerm
from museion.collab.calibration import IDENTITY, Recalibrator, expected_calibration_error, fit_recalibrator, reliability
from museion.collab.models import Proposal
from museion.collab.queue import Draft, Outcome, on_decided, propose_many
from museion.errors import Conflict, MuseionError, NotFound
from museion.registry import cards, lifecycle
from museion.registry.models import ModelVersion
from museion.studio import artifact
from museion.studio.models import SubjectSuggestion
from museion.studio.records import KIND, SUBJECT, Feedback, feedback, work_key, work_records
from museion.store.base import utcnow
from museion.studio.subjects import Params, SubjectModel, Suggested, WorkRecord, fit, hide_subjects, precision_at, suggest_many

TASK, ALGORITHM, PROPOSER = "subjects", "subjects-knn", "studio.subjects"
HOLDOUT, MIN_PAIRS, TOP, MAX_SUBJECTS = 2000, 50, 5, 50


def _fingerprint(works: list[WorkRecord], fb: Feedback) -> str:
    digest = hashlib.sha256()
    for w in works:
        if w.subjects:
            digest.update(f"{w.key}\x1f{'|'.join(w.subjects)}\x1e".encode())
    for d in fb.decisions:
        digest.update(f"{d.work_key}\x1f{d.subject}\x1f{int(d.accepted)}\x1e".encode())
    return digest.hexdigest()


def _pairs(found: list[Suggested], truth: list[WorkRecord]) -> tuple[list[float], list[bool]]:
    return ([s.score for f in found for s in f.suggestions],
            [s.subject in set(w.subjects) for f, w in zip(found, truth) for s in f.suggestions])


def _both(accepted: list[bool]) -> bool:
    return any(accepted) and not all(accepted)


def evaluate(works: list[WorkRecord], fb: Feedback, params: Params, seed: int) -> tuple[dict[str, Any], Recalibrator]:
    """Precision@5 and calibration on held-out works (their subjects hidden), and the recalibrator to ship."""
    labelled = [w for w in works if w.subjects]
    n = min(HOLDOUT, len(labelled) // 5)
    recalibrator, source = IDENTITY, "none"
    if len(fb.confidence) >= MIN_PAIRS and _both(fb.accepted):
        recalibrator, source = fit_recalibrator(fb.confidence, fb.accepted), "decisions"
    if n < 4:
        return {"held_out": 0, "feedback_decisions": len(fb.decisions), "calibrated_on": source}, recalibrator
    held = random.Random(seed).sample(labelled, n)
    keys = {w.key for w in held}
    model = fit([w for w in works if w.key not in keys], [d for d in fb.decisions if d.work_key not in keys], params)
    found = suggest_many(model, hide_subjects(held), TOP)
    truth = [w.subjects for w in held]
    half = n // 2
    fit_c, fit_a = _pairs(found[:half], held[:half])
    test_c, test_a = _pairs(found[half:], held[half:])
    if source == "none" and _both(fit_a):
        recalibrator, source = fit_recalibrator(fit_c, fit_a), "held-out catalogue works"
    return {"held_out": n, "precision_at_5": precision_at([f.subjects for f in found], truth),
            "popularity_precision_at_5": precision_at([list(model.popularity[:TOP])] * n, truth),
            "ece": expected_calibration_error(test_c, test_a),
            "ece_recalibrated": expected_calibration_error(recalibrator(test_c), test_a),
            "reliability": [b.as_dict() for b in reliability(recalibrator(test_c), test_a)],
            "calibrated_on": source, "calibration_pairs": recalibrator.fitted_on,
            "feedback_decisions": len(fb.decisions)}, recalibrator


def train_suggester(engine: Engine, home: Path, *, actor: str, params: Params | None = None, seed: int = 2026) -> int:
    """Train a suggester version on the catalogue and every decision so far; record it in the registry (task
    ``subjects``, never served as a recommender) and return its id."""
    params = params or Params()
    with engine.connect() as conn:
        works, _ = work_records(conn)
        fb = feedback(conn)
    evaluation, recalibrator = evaluate(works, fb, params, seed)
    model = fit(works, fb.decisions, params, recalibrator)
    fingerprint = _fingerprint(works, fb)
    with engine.begin() as conn:
        version_id = int(conn.execute(insert(ModelVersion).values(
            task=TASK, algorithm=ALGORITHM, params=params.as_dict(), source=None, data_fingerprint=fingerprint, artifact="",
            policy={"feedback_after_proposal": fb.last_proposal, "feedback_decisions": len(fb.decisions)},
            n_members=0, n_works=len(model.keys), evaluation=evaluation).returning(ModelVersion.id)).scalar_one())
        folder = f"models/{version_id:06d}-{TASK}"
        conn.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(artifact=folder))
        artifact.save(home, folder, model, data_fingerprint=fingerprint)
        audit.record(conn, actor=actor, action="model.train", target=f"model_version:{version_id}",
                     details={"task": TASK, "works": len(model.keys), "subjects": len(model.subjects),
                              "feedback_decisions": len(fb.decisions), "data_fingerprint": fingerprint,
                              **{k: evaluation[k] for k in ("precision_at_5", "ece_recalibrated") if k in evaluation}})
    return version_id


def current_version(conn: Connection) -> dict[str, Any]:
    """The newest suggester version (what proposes), or NotFound saying how to train one."""
    found = lifecycle.versions(conn, task=TASK, limit=1)
    if not found:
        raise NotFound("no subject suggester has been trained: run `museion studio train-suggester`")
    return found[0]


def version(conn: Connection, version_id: int | None) -> Row:
    row = cards.get_version(conn, version_id) if version_id is not None else cards.get_version(conn, current_version(conn)["id"])
    if row.task != TASK:
        raise Conflict("model version %(id)s is a %(task)s model, not a subject suggester", id=row.id, task=row.task)
    return row


def model_of(conn: Connection, home: Path, version_id: int | None = None) -> tuple[Row, SubjectModel]:
    row = version(conn, version_id)
    return row, artifact.load(home, row.artifact)


# --- proposing -------------------------------------------------------------------------------------

_OPEN = select(SubjectSuggestion.work_id).join(Proposal, Proposal.id == SubjectSuggestion.proposal_id).where(
    Proposal.decision.is_(None))


def target_works(conn: Connection, keys: list[str] | None, limit: int) -> list[int]:
    """The works to propose for: those named (each must exist and have no open proposal), else up to ``limit`` works
    that have no subjects and were never proposed for."""
    if keys:
        found = dict(conn.execute(select(Work.key, Work.id).where(Work.key.in_(keys))).all())
        missing = [k for k in keys if k not in found]
        if missing:
            raise NotFound("no work with key %(key)s (keys look like tate:1035)", key=missing[0])
        busy = set(conn.scalars(_OPEN.where(SubjectSuggestion.work_id.in_(found.values()))))
        if busy:
            key = next(k for k, i in found.items() if i in busy)
            raise Conflict("work %(key)s already has subject suggestions waiting for a decision in the queue", key=key)
        return [int(found[k]) for k in dict.fromkeys(keys)]
    if not 1 <= limit <= 1000:
        raise MuseionError("propose for 1 to 1,000 works at a time, not %(limit)s", limit=limit)
    has_subject = exists().where(WorkTerm.work_id == Work.id, WorkTerm.vocabulary == SUBJECT)
    proposed = exists().where(SubjectSuggestion.work_id == Work.id)
    return [int(i) for i in conn.scalars(select(Work.id).where(~has_subject, ~proposed).order_by(Work.id).limit(limit))]


@dataclass(frozen=True)
class Proposed:
    proposal_id: int
    model_version_id: int
    work_key: str
    title: str
    found: Suggested


def _evidence(version_id: int, found: Suggested, titles: dict[str, str]) -> dict[str, Any]:
    """What a reviewer sees beside the subjects: the model, each subject's score and the similar works that voted."""
    voted = {k: [s.subject for s in found.suggestions if k in s.voters] for k, _ in found.neighbours}
    return {"model": f"AI-made: subject suggester, model version {version_id}",
            "scores": [f"{s.subject}: score {s.score:.2f}, confidence {s.confidence:.2f}" for s in found.suggestions],
            "similar_works": [f"{k} · {titles.get(k, '')} · similarity {sim:.2f}" + (f" · voted {', '.join(voted[k])}" if voted[k] else "")
                              for k, sim in found.neighbours]}


def propose_round(conn: Connection, home: Path, *, requested_by: str, keys: list[str] | None = None, limit: int = 20,
                  version_id: int | None = None) -> list[Proposed]:
    """Propose the top five subjects for each target work into the queue (one ``work.subjects`` proposal per work,
    proposed by ``studio.subjects``, confidence = the calibrated top score); works with nothing to suggest are left out.
    ``requested_by`` (who asked for the round) is audited."""
    row, model = model_of(conn, home, version_id)
    records, ids = work_records(conn, target_works(conn, keys, limit))
    found = suggest_many(model, records, TOP)
    chosen = [(r, f) for r, f in zip(records, found) if f.suggestions]
    if not chosen:
        return []
    neighbour_keys = sorted({k for _, f in chosen for k, _ in f.neighbours})
    titles = dict(conn.execute(select(Work.key, Work.title).where(Work.key.in_(neighbour_keys))).all()) if neighbour_keys else {}
    drafts = [Draft(kind=KIND, subject=f"work:{r.key}", payload={"subjects": f.subjects},
                    evidence=_evidence(int(row.id), f, titles), proposed_by=PROPOSER, model_version_id=int(row.id),
                    confidence=f.suggestions[0].confidence, risk="low") for r, f in chosen]
    proposal_ids = propose_many(conn, drafts)
    conn.execute(insert(SubjectSuggestion), [
        {"proposal_id": pid, "model_version_id": int(row.id), "work_id": ids[r.key], "subject": s.subject, "rank": n,
         "score": s.score, "confidence": s.confidence}
        for pid, (r, f) in zip(proposal_ids, chosen) for n, s in enumerate(f.suggestions, 1)])
    audit.record(conn, actor=requested_by, action="studio.suggest", target=f"model_version:{row.id}",
                 details={"proposals": len(proposal_ids), "first": proposal_ids[0], "last": proposal_ids[-1]})
    return [Proposed(pid, int(row.id), r.key, r.title, f) for pid, (r, f) in zip(proposal_ids, chosen)]


# --- decisions flow back ---------------------------------------------------------------------------

def _checked_subjects(outcome: Outcome) -> list[str]:
    """The kept subjects, each a short line of text (a bad edit is refused, and the decision with it)."""
    kept = [str(s).strip() for s in (outcome.final or {}).get("subjects") or ()] if outcome.decision not in ("reject", "undo") else []
    if len(kept) > MAX_SUBJECTS or any(not s or len(s) > 512 or any(ord(c) < 32 for c in s) for s in kept):
        raise MuseionError("subjects must be at most %(most)s lines of 1 to 512 characters each", most=MAX_SUBJECTS)
    return list(dict.fromkeys(kept))


@on_decided(KIND)
def apply_decision(conn: Connection, outcome: Outcome) -> None:
    """Write the subjects a person kept to the work, marked as AI-suggested and accepted by whom; an undone automatic
    action takes its subjects away again. Rejections change nothing here: the next version learns from them."""
    key = work_key(outcome.subject)
    work_id = conn.scalar(select(Work.id).where(Work.key == key))
    if work_id is None:
        if outcome.model_version_id is None:
            return  # proposed from outside (the API) about something that is not a catalogue work: nothing to write
        raise NotFound("no work with key %(key)s: the subject suggestions cannot be applied", key=key)
    by_model = f"model_version:{outcome.model_version_id} " if outcome.model_version_id is not None else ""
    mark = f"ai:{by_model}proposal:{outcome.proposal_id}"
    if outcome.decision == "undo":
        gone = conn.execute(delete(WorkTerm).where(WorkTerm.work_id == work_id, WorkTerm.vocabulary == SUBJECT,
                                                   WorkTerm.origin.startswith(f"{mark} ", autoescape=True))).rowcount
        audit.record(conn, actor=outcome.decided_by, action="work.subjects.undo", target=f"work:{key}",
                     details={"proposal": outcome.proposal_id, "removed": int(gone or 0)})
        return
    kept = _checked_subjects(outcome)
    have = set(conn.scalars(select(WorkTerm.term).where(WorkTerm.work_id == work_id, WorkTerm.vocabulary == SUBJECT)))
    position = int(conn.scalar(select(func.max(WorkTerm.position)).where(WorkTerm.work_id == work_id)) or 0)
    proposed = {str(s) for s in outcome.proposed.get("subjects") or ()}
    added = [s for s in kept if s not in have]
    if added:
        now = utcnow()  # AI provenance: when it entered the record (who and which model version: the origin)
        conn.execute(insert(WorkTerm), [
            {"work_id": work_id, "vocabulary": SUBJECT, "term": s, "position": position + n, "added_at": now,
             "origin": f"{mark} {'accepted' if s in proposed else 'added'} by {outcome.decided_by}"}
            for n, s in enumerate(added, 1)])
    audit.record(conn, actor=outcome.decided_by, action="work.subjects", target=f"work:{key}",
                 details={"proposal": outcome.proposal_id, "decision": outcome.decision, "added": len(added)})


def calibration_report(conn: Connection, version_id: int | None = None, bins: int = 10) -> dict[str, Any]:
    """The version's held-out figures, and the reliability of the confidence people saw against what they accepted."""
    row = version(conn, version_id)
    fb = feedback(conn)
    return {"version_id": int(row.id), "evaluation": row.evaluation, "decided": len(fb.shown),
            "ece": expected_calibration_error(fb.shown, fb.accepted, bins),
            "reliability": [b.as_dict() for b in reliability(fb.shown, fb.accepted, bins)]}
