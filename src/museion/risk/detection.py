"""Shilling detection over the store (service): ratings read through the privacy gate for the ``integrity`` purpose,
the pure detector of :mod:`museion.risk.shilling` run on them, and one alert per attacked item with its evidence. A
new alert on real data also proposes quarantining its profiles (queue kind ``risk.quarantine``): once a person accepts,
the gate leaves them out of training (museion.privacy.quarantine); undoing the decision releases them.

``simulate_attack`` is the drill: the same read, a labelled attack injected into an in-memory copy of the matrix
(never into the store), the detector run on that copy, and the alerts it raises recorded as *simulated*, so people can
rehearse acknowledging and resolving them on real-looking evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Connection

from museion.collab.queue import Draft, Outcome, on_decided, propose_many
from museion.privacy import gate, quarantine
from museion.privacy.datamap import INTEGRITY_PURPOSE
from museion.risk import alerts, attacks, semisupervised, shilling

DETECTOR = "shilling.features"
QUARANTINE = "risk.quarantine"
"""Queue kind: quarantine the profiles behind a shilling alert (decided by the privacy officer, see collab/policy.toml)."""
Progress = Callable[[float, str], None]
Profiler = Callable[[csr_matrix, "np.ndarray | None"], shilling.Profiles]
"""Feature extraction for the detector: (ratings, times) → profiles (default: :func:`museion.risk.profiles.features`)."""
METHODS = ("features", "semi")
"""``features``: the unsupervised detector; ``semi``: it plus a classifier trained on attacks generated into a copy of
the same ratings (museion.risk.semisupervised), which also catches popular-filler attackers."""


@dataclass(frozen=True)
class Ratings:
    matrix: csr_matrix
    member_ids: np.ndarray
    work_ids: np.ndarray
    times: np.ndarray | None
    """Epoch seconds aligned with ``matrix.data``; None when some rating has no time."""


@dataclass
class ScanResult:
    members: int
    ratings: int
    flagged: int
    alerts: list[int] = field(default_factory=list)
    simulated: bool = False
    precision: float | None = None
    recall: float | None = None
    injected: int = 0
    new: list[int] = field(default_factory=list)
    """Alerts raised for the first time (the ones to deliver); the others were repeats of open alerts."""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_ratings(conn: Connection, *, actor: str, source: str | None = None) -> Ratings:
    """Every rating of the members taking part in ``integrity`` as a members × works matrix (a member's latest rating of
    a work wins), with each stored rating's time when every rating has one (for the time-window feature)."""
    events = gate.read_activity(conn, purpose=INTEGRITY_PURPOSE, actor=actor, source=source,
                                kinds=frozenset({"rating"}))
    values = np.asarray(events.values, dtype=np.float64)
    keep = np.isfinite(values)
    members, rows = np.unique(events.member_ids[keep], return_inverse=True)
    works, cols = np.unique(events.work_ids[keep], return_inverse=True)
    values, times = values[keep], np.nan_to_num(np.asarray(events.timestamps, dtype=np.float64)[keep], nan=-1.0)
    order = np.lexsort((times, cols, rows))  # by member, work, then time: the last of each pair is the latest
    rows, cols, values = rows[order], cols[order], values[order]
    last = np.r_[(rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1]), True] if rows.size else np.zeros(0, dtype=bool)
    rows, cols, values, times = rows[last], cols[last], values[last], times[order][last]
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=len(members)))]
    matrix = csr_matrix((values, cols, indptr), shape=(len(members), len(works)))  # sorted: data aligns with times
    return Ratings(matrix, members, works, times.astype(np.int64) if times.size and times.min() >= 0 else None)


def run_detector(conn: Connection, matrix: csr_matrix, times: np.ndarray | None, method: str, *, seed: int = 0,
                 train_on: csr_matrix | None = None, profiler: Profiler | None = None) -> shilling.Detection:
    """The chosen detector at the threshold in force; ``semi`` trains on ``train_on`` (default: ``matrix``);
    ``profiler`` extracts the features (museion.scale maps it over member partitions; ``features`` method only)."""
    if method not in METHODS:
        raise attacks.AttackRejected("method: %(method)s is not features or semi", method=method)
    threshold = alerts.threshold(conn, DETECTOR)
    if profiler is not None and method != "features":
        raise attacks.AttackRejected("method: only the features detector runs on an engine, not %(method)s", method=method)
    if method == "features":
        if profiler is not None:
            shilling.enough(csr_matrix(matrix, dtype=np.float64))
        return shilling.detect(matrix, threshold=threshold, times=times,
                               profiles=profiler(matrix, times) if profiler is not None else None)
    trained = semisupervised.train(matrix if train_on is None else train_on, seed=seed)
    return semisupervised.detect(matrix, trained, threshold=threshold, times=times)


def scan(conn: Connection, *, actor: str, source: str | None = None, progress: Progress | None = None,
         method: str = "features", profiler: Profiler | None = None) -> ScanResult:
    """Run the detector on the stored ratings and raise one alert per attacked work (raises TooLittleData)."""
    ratings = read_ratings(conn, actor=actor, source=source)
    if progress:
        progress(0.3, "features")
    found = run_detector(conn, ratings.matrix, ratings.times, method, profiler=profiler)
    ids, new = _raise(conn, found, ratings, actor=actor, simulated=False)
    return ScanResult(ratings.matrix.shape[0], int(ratings.matrix.nnz), int(found.flagged.sum()), ids, new=new)


def simulate_attack(conn: Connection, *, actor: str, kind: str = "average", intent: str = "push", size: float = 0.05,
                    filler: float = 0.03, target: int | None = None, source: str | None = None,
                    seed: int = 0, filler_from: str = "random", method: str = "features") -> ScanResult:
    """Inject a labelled attack into an in-memory copy of the ratings, detect, and record simulated alerts.

    ``target`` is a work id; by default a rarely rated work (the usual push target) is chosen."""
    attacks.check(kind, intent, size, filler, filler_from)
    ratings = read_ratings(conn, actor=actor, source=source)
    shilling.enough(ratings.matrix)
    counts = np.diff(ratings.matrix.tocsc().indptr)
    if target is None:
        pool = np.flatnonzero((counts >= 2) & (counts <= 30))
        column = int(np.random.default_rng(seed).choice(pool if pool.size else np.arange(counts.size)))
    else:
        hits = np.flatnonzero(ratings.work_ids == target)
        if not hits.size:
            raise attacks.AttackRejected("target: work %(target)s has no ratings to attack", target=target)
        column = int(hits[0])
    burst = None if ratings.times is None else (int(ratings.times.max()), 86_400)  # the fakes arrive within a day
    attack = attacks.generate(ratings.matrix, [column], kind=kind, intent=intent, size=size, filler=filler, seed=seed,
                              burst=burst, filler_from=filler_from)
    matrix, labels = attacks.inject(ratings.matrix, attack)
    times = None if ratings.times is None or attack.times is None else np.concatenate([ratings.times, attack.times])
    found = run_detector(conn, matrix, times, method, seed=seed, train_on=ratings.matrix)  # trained without the drill
    precision, recall = shilling.precision_recall(found.flagged, labels)
    scratch = Ratings(matrix, np.concatenate([ratings.member_ids, -1 - np.arange(attack.profiles.shape[0])]),
                      ratings.work_ids, None)
    ids, new = _raise(conn, found, scratch, actor=actor, simulated=True,
                 drill={"type": kind, "intent": intent, "size": size, "filler": filler, "seed": seed,
                        "filler_from": filler_from, "method": method,
                        "target_work": int(ratings.work_ids[column]), "injected": int(labels.sum())})
    return ScanResult(matrix.shape[0], int(matrix.nnz), int(found.flagged.sum()), ids, True, precision, recall,
                      int(labels.sum()), new)


def _raise(conn: Connection, found: shilling.Detection, ratings: Ratings, *, actor: str, simulated: bool,
           drill: dict[str, Any] | None = None) -> tuple[list[int], list[int]]:
    """One alert per attacked work: the flagged profiles that rated it at the extreme, with their evidence."""
    ids: list[int] = []
    new: list[int] = []
    drafts: list[Draft] = []
    extreme = {"push": float(ratings.matrix.data.max()), "nuke": float(ratings.matrix.data.min())}
    scores = found.scores
    for column, intent in found.targets.items():
        raters = ratings.matrix[:, column].toarray().ravel() == extreme[intent]
        members = np.flatnonzero(found.flagged & raters)
        if not members.size:
            continue
        work = int(ratings.work_ids[column])
        severity = "high" if members.size >= 0.02 * ratings.matrix.shape[0] else "medium"
        profiles = [{"member": _member_ref(int(ratings.member_ids[m])), **found.evidence(int(m))}
                    for m in members[np.argsort(-scores[members])][:50]]
        evidence = {"work_id": work, "intent": intent, "profiles": len(members), "members": ratings.matrix.shape[0],
                    "threshold": found.threshold, "suspects": int(found.suspects.sum()),
                    "score_histogram": _histogram(scores, members), "top_profiles": profiles, "drill": drill}
        summary = (f"{len(members)} suspected fake profiles rate work {work} at the "
                   f"{'top' if intent == 'push' else 'bottom'} of the scale ({intent} attack)")
        subject = f"simulated:work:{work}" if simulated else f"work:{work}"
        raised = alerts.raise_alert(conn, kind="shilling", detector=DETECTOR, severity=severity, subject=subject,
                                    summary=summary, evidence=evidence, actor=actor, simulated=simulated)
        ids.append(raised.alert_id)
        if raised.new:
            new.append(raised.alert_id)
        if raised.new and not simulated:
            drafts.append(Draft(kind=QUARANTINE, subject=f"risk_alert:{raised.alert_id}", proposed_by=actor,
                                payload={"alert_id": raised.alert_id, "work_id": work,
                                         "member_ids": [int(ratings.member_ids[m]) for m in members]},
                                evidence={"summary": summary, "profiles": len(members), "threshold": found.threshold},
                                risk="high", confidence=None))
    propose_many(conn, drafts)
    return ids, new


@on_decided(QUARANTINE)
def _quarantine_decided(conn: Connection, outcome: Outcome) -> None:
    """Accepted (or edited: fewer members): quarantine the profiles through the gate; undone: release them."""
    alert_id = outcome.proposed.get("alert_id")
    if outcome.decision == "undo":
        quarantine.release(conn, actor=outcome.decided_by, proposal_id=outcome.proposal_id)
        return
    if outcome.decision not in ("accept", "edit", "auto"):
        return
    members = (outcome.final or outcome.proposed).get("member_ids") or []
    quarantine.quarantine(conn, members, actor=outcome.decided_by, reason=f"risk alert {alert_id}: suspected fake "
                          "profile", alert_id=alert_id, proposal_id=outcome.proposal_id)


def _member_ref(member_id: int) -> str:
    return f"injected:{-member_id}" if member_id < 0 else f"member:{member_id}"


def _histogram(scores: np.ndarray, flagged: np.ndarray) -> dict[str, list[float]]:
    """Suspicion scores of everyone and of the flagged profiles on shared bins, for the evidence chart."""
    edges = np.linspace(min(0.0, float(scores.min())), max(float(scores.max()), 1.0), 21)
    everyone, _ = np.histogram(scores, edges)
    chosen, _ = np.histogram(scores[flagged], edges)
    return {"edges": [round(float(e), 3) for e in edges], "everyone": everyone.tolist(), "flagged": chosen.tolist()}
