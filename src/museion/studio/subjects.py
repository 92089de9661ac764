"""The subject suggester: which catalogue subjects fit a work, voted by the most similar works that have subjects.

Works are described by TF-IDF over tokens from their title, medium, creators, date (decade, century) and genres
(scikit-learn); the k nearest by cosine vote with their subjects, weighted by similarity. People's decisions feed
the next version: an accepted subject is a positive label of its work, a rejected one a negative label (a neighbour
rejected for a subject votes against it), and each subject's share accepted, against the share over all subjects,
scales its score (smoothed towards 1 until it has decisions). Pure: records in, arrays and ranked lists out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from museion.collab.calibration import IDENTITY, Recalibrator
from museion.errors import MuseionError

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """What the suggester reads of a work: its descriptive fields and the subjects it already has."""

    key: str
    title: str = ""
    medium: str | None = None
    creators: tuple[str, ...] = ()
    year: int | None = None
    genres: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """A person's verdict on one suggested subject for one work."""

    work_key: str
    subject: str
    accepted: bool


@dataclass(frozen=True, slots=True)
class Params:
    neighbours: int = 50
    power: float = 3.0  # similarity ** power weights a neighbour's vote: the closest count most
    negative_weight: float = 0.0  # a neighbour rejected for a subject votes against it with this weight
    prior_strength: float = 3.0  # pseudo-acceptances that hold a subject's multiplier near 1 until it has decisions
    min_score: float = 0.01  # weaker votes are noise from barely similar works: never suggested

    def as_dict(self) -> dict[str, Any]:
        return {"neighbours": self.neighbours, "power": self.power, "negative_weight": self.negative_weight,
                "prior_strength": self.prior_strength, "min_score": self.min_score}


@dataclass(frozen=True)
class SubjectModel:
    """A fitted suggester: the vectoriser's vocabulary and idf, the indexed works, their labels and the feedback terms."""

    params: Params
    vocabulary: tuple[str, ...]
    idf: np.ndarray
    keys: tuple[str, ...]
    features: sparse.csr_matrix  # indexed works × tokens, rows L2-normalised
    subjects: tuple[str, ...]
    positives: sparse.csr_matrix  # indexed works × subjects, 1 where the work has (or was accepted for) the subject
    negatives: sparse.csr_matrix  # 1 where a person rejected the subject for the work
    complete: np.ndarray  # per indexed work, 1 if its catalogue subjects are its full set; else only decided ones are known
    multiplier: np.ndarray  # per subject, accepted over expected in people's decisions (1 without)
    popularity: tuple[str, ...]  # subjects by how many indexed works have them: the floor a suggester must beat
    calibration: Recalibrator = IDENTITY
    _row: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def row_of(self, key: str) -> int | None:
        if not self._row:
            self._row.update((k, i) for i, k in enumerate(self.keys))
        return self._row.get(key)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested subject: its score (the weighted vote, in [0, 1]), calibrated confidence, and the neighbours that voted."""

    subject: str
    score: float
    confidence: float
    voters: tuple[str, ...]


def tokens(work: WorkRecord) -> list[str]:
    """Field-prefixed tokens: title words and word pairs, medium words, creators, decade and century, genres, and ``*``."""
    title = [w.lower() for w in WORD.findall(work.title or "")]
    out = [f"t:{w}" for w in title] + [f"tt:{a}_{b}" for a, b in zip(title, title[1:])]
    out += [f"m:{w.lower()}" for w in WORD.findall(work.medium or "")]
    out += [f"c:{c.strip().lower()}" for c in work.creators if c.strip()]
    if work.year is not None:
        out += [f"d:{work.year // 10 * 10}", f"y:{work.year // 100}"]
    out += [f"g:{g.strip().lower()}" for g in work.genres if g.strip()]
    return out + ["*"]  # every work has one shared token, so a work described by nothing is still comparable


def _analyzer(doc: list[str]) -> list[str]:
    return doc


def _vectoriser(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None) -> TfidfVectorizer:
    # scikit-learn is imported where it is used: it takes seconds, which every command and server start would pay
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, min_df=1, vocabulary=vocabulary, dtype=np.float32)
    if idf is not None:
        vec.idf_ = idf
    return vec


def fit(works: Iterable[WorkRecord], decisions: Iterable[Decision] = (), params: Params | None = None,
        calibration: Recalibrator = IDENTITY) -> SubjectModel:
    """Index every work that has subjects or decisions; subjects accepted join its labels, rejected ones are negatives."""
    params = params or Params()
    decided: dict[str, list[Decision]] = {}
    for d in decisions:
        decided.setdefault(d.work_key, []).append(d)
    indexed = [w for w in works if w.subjects or w.key in decided]
    if not any(w.subjects for w in indexed) and not any(d.accepted for ds in decided.values() for d in ds):
        raise MuseionError("no work has subjects to learn from: import a catalogue with subjects (e.g. `museion "
                           "datasets load tate`) before training the subject suggester")
    vec = _vectoriser()
    features = vec.fit_transform([tokens(w) for w in indexed]).tocsr()
    positive = [set(w.subjects) | {d.subject for d in decided.get(w.key, ()) if d.accepted} for w in indexed]
    negative = [{d.subject for d in decided.get(w.key, ()) if not d.accepted} - positive[i] for i, w in enumerate(indexed)]
    subjects = tuple(sorted(set().union(*positive, *negative)))
    column = {s: j for j, s in enumerate(subjects)}
    counts = Counter(s for p in positive for s in p)
    model = SubjectModel(
        params=params, vocabulary=tuple(vec.get_feature_names_out()), idf=vec.idf_.astype(np.float32),
        keys=tuple(w.key for w in indexed), features=features, subjects=subjects,
        positives=_labels(positive, column), negatives=_labels(negative, column),
        complete=np.array([1.0 if w.subjects else 0.0 for w in indexed], np.float32),
        multiplier=np.ones(len(subjects), np.float32),
        popularity=tuple(s for s, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50]), calibration=calibration)
    flat = [d for w in indexed for d in decided.get(w.key, ())]  # decisions on works no longer catalogued are dropped
    return replace(model, multiplier=_multiplier(model, indexed, flat), _row={}) if flat else model


def _labels(rows: list[set[str]], column: Mapping[str, int]) -> sparse.csr_matrix:
    r = [i for i, row in enumerate(rows) for _ in row]
    c = [column[s] for row in rows for s in sorted(row)]
    return sparse.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(len(rows), len(column)))


def _multiplier(model: SubjectModel, works: Sequence[WorkRecord], decisions: Sequence[Decision]) -> np.ndarray:
    """Per subject, accepted over expected: how many of its suggestions people accepted against the sum of the votes
    the model (without the multiplier, leaving each decided work out) gives them, both plus ``prior_strength``."""
    column = {s: j for j, s in enumerate(model.subjects)}
    accepted, expected = np.zeros(len(column)), np.zeros(len(column))
    by_key = {w.key: w for w in works}
    decided = sorted({d.work_key for d in decisions})
    vote = scores(model, [by_key[k] for k in decided], hide_known=False)[0]
    row = {k: i for i, k in enumerate(decided)}
    for d in decisions:
        j = column[d.subject]
        expected[j] += vote[row[d.work_key], j]
        accepted[j] += d.accepted
    strength = model.params.prior_strength
    return ((accepted + strength) / (expected + strength)).astype(np.float32)


def with_calibration(model: SubjectModel, calibration: Recalibrator) -> SubjectModel:
    """The same model with another recalibrator (fitted on its own scores)."""
    return replace(model, calibration=calibration, _row={})


def vectorise(model: SubjectModel, works: Sequence[WorkRecord]) -> sparse.csr_matrix:
    return _vectoriser(model.vocabulary, model.idf).transform([tokens(w) for w in works]).tocsr()


def scores(model: SubjectModel, works: Sequence[WorkRecord], *, hide_known: bool = True,
           chunk: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subject scores (works × subjects, in [0, 1]) with each work's neighbour rows and similarities; a work never
    votes for itself, and (``hide_known``) subjects it already has, or that people rejected for it, score 0."""
    if model.features.shape[0] == 0:
        raise MuseionError("the suggester indexes no work")
    k = min(model.params.neighbours, model.features.shape[0])
    out = np.zeros((len(works), len(model.subjects)), np.float32)
    rows = np.zeros((len(works), k), np.int64)
    sims = np.zeros((len(works), k), np.float32)
    for start in range(0, len(works), chunk):
        batch = works[start:start + chunk]
        sim = (vectorise(model, batch) @ model.features.T).toarray()
        for i, w in enumerate(batch):
            own = model.row_of(w.key)
            if own is not None:
                sim[i, own] = -1.0
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top_sim = np.clip(np.take_along_axis(sim, top, axis=1), 0.0, None)
        order = np.argsort(-top_sim, axis=1, kind="stable")
        top, top_sim = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sim, order, axis=1)
        weight = top_sim ** model.params.power
        picks = sparse.csr_matrix((weight.ravel(), (np.repeat(np.arange(len(batch)), k), top.ravel())),
                                  shape=(len(batch), model.features.shape[0]))
        votes = (picks @ model.positives - model.params.negative_weight * (picks @ model.negatives)).toarray()
        # a partly labelled neighbour (decisions only) counts towards a subject's total only where that subject was decided
        total = (picks @ model.complete)[:, None] + (picks @ _partial_known(model)).toarray()
        votes = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
        out[start:start + len(batch)] = np.clip(votes * model.multiplier, 0.0, 1.0)
        rows[start:start + len(batch)], sims[start:start + len(batch)] = top, top_sim
    column = {s: j for j, s in enumerate(model.subjects)}
    for i, w in enumerate(works if hide_known else ()):
        for s in w.subjects:
            if s in column:
                out[i, column[s]] = 0.0
        own = model.row_of(w.key)
        if own is not None:
            out[i, model.negatives[own].indices] = 0.0
    return out, rows, sims


def _partial_known(model: SubjectModel) -> sparse.csr_matrix:
    """1 where a partly labelled work has a decision on a subject (accepted or rejected)."""
    incomplete = sparse.diags(1.0 - model.complete)
    return (incomplete @ (model.positives + model.negatives)).tocsr()


@dataclass(frozen=True, slots=True)
class Suggested:
    """A work's suggestions, best first, and its most similar indexed works (key, similarity): the evidence."""

    suggestions: list[Suggestion]
    neighbours: list[tuple[str, float]]

    @property
    def subjects(self) -> list[str]:
        return [s.subject for s in self.suggestions]


def suggest(model: SubjectModel, work: WorkRecord, top: int = 5) -> Suggested:
    """The ``top`` subjects for one work, best first (ties by name), each with the neighbours whose vote carried it."""
    return suggest_many(model, [work], top)[0]


def suggest_many(model: SubjectModel, works: Sequence[WorkRecord], top: int = 5, evidence: int = 10) -> list[Suggested]:
    """``suggest`` for many works at once (one matrix product per chunk), with up to ``evidence`` neighbours each."""
    if top < 1:
        raise MuseionError(f"ask for at least one suggestion, not {top}")
    if not works:
        return []
    score, rows, sims = scores(model, works)
    out = []
    for i in range(len(works)):
        ranked = [j for j in np.lexsort((np.arange(score.shape[1]), -score[i]))[:top]
                  if score[i, j] > 0 and score[i, j] >= model.params.min_score]
        confidence = model.calibration(score[i, ranked]) if ranked else []
        voted = model.positives[rows[i]].toarray() > 0  # neighbours × subjects
        out.append(Suggested(
            [Suggestion(model.subjects[j], float(score[i, j]), float(c),
                        tuple(model.keys[r] for n, (r, s) in enumerate(zip(rows[i], sims[i])) if s > 0 and voted[n, j]))
             for j, c in zip(ranked, confidence)],
            [(model.keys[r], float(s)) for r, s in zip(rows[i][:evidence], sims[i][:evidence]) if s > 0]))
    return out


def precision_at(suggested: Sequence[Sequence[str]], truth: Sequence[Iterable[str]], k: int = 5) -> float:
    """Mean over works of |top-k ∩ true subjects| / k (works with no true subject are skipped)."""
    hits = [len(set(s[:k]) & set(t)) / k for s, t in zip(suggested, (set(t) for t in truth)) if t]
    return float(np.mean(hits)) if hits else 0.0


def hide_subjects(works: Iterable[WorkRecord]) -> list[WorkRecord]:
    """The works as the suggester sees held-out ones: everything but their subjects."""
    return [WorkRecord(w.key, w.title, w.medium, w.creators, w.year, w.genres) for w in works]
