"""Semi-supervised shilling detection (pure core): a classifier trained on labelled generated attacks plus the
unlabelled real profiles, then the same shared-target step as the unsupervised detector.

The labelled part is generated: :mod:`museion.risk.attacks` injects attacks of every model, both intents, both filler
pools (uniform and popular), random attack and filler sizes, into copies of the very ratings being judged, on targets
chosen at random, and the injected profiles are the positives. The real profiles are unlabelled; they are taken as
negatives (the usual positive-unlabelled simplification, Elkan & Noto 2008, "Learning classifiers from only positive
and unlabeled data", KDD '08: a few real attackers among them only make the classifier more cautious). Features are
the robust, oriented z-scores of :mod:`museion.risk.profiles` (relative to the population, so they carry across
data sets) plus four shape features that popular-filler attackers cannot hide as easily: the profile's log length,
the share of its ratings at its own maximum, its mean signed deviation from the items' means, and the spread of its
ratings. The classifier is scikit-learn's histogram gradient boosting (well kept, handles unscaled features and
interactions, deterministic with a seed).

The classifier adds to the unsupervised detector rather than replacing it: a member's score is the larger of its
feature score over the unsupervised threshold and its probability over ``PROBABILITY``, a suspect from 1, and flagged
only when suspects share an extreme-rated target (:func:`museion.risk.shilling.flag_shared`), so a lone odd member is
never flagged. What the features catch stays caught; what the classifier learned (popular filler) is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

from museion.risk import attacks
from museion.risk.profiles import Profiles, features
from museion.risk.shilling import THRESHOLD, Detection, enough, flag_shared, oriented, suspicion

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier

PROBABILITY = 0.5
ROUNDS = 12
"""Generated attacks (one target each) in the labelled part."""
SHAPE = ("log_length", "top_share", "bias", "spread")


@dataclass(frozen=True)
class Trained:
    """A fitted classifier and what it was trained on."""

    model: HistGradientBoostingClassifier
    positives: int
    unlabelled: int
    rounds: int


def shape(matrix: csr_matrix) -> np.ndarray:
    """Per member: log length, share of ratings at the profile's maximum, mean signed deviation from the items' mean
    ratings, and the standard deviation of its ratings."""
    n_users = matrix.shape[0]
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(n_users), lengths)
    counts = np.diff(matrix.tocsc().indptr).astype(np.float64)
    item_mean = np.asarray(matrix.sum(axis=0)).ravel() / np.maximum(counts, 1)
    safe = np.maximum(lengths, 1)
    top = np.full(n_users, -np.inf)
    np.maximum.at(top, rows, matrix.data)
    top_share = np.bincount(rows, matrix.data == top[rows], n_users) / safe
    bias = np.bincount(rows, matrix.data - item_mean[matrix.indices], n_users) / safe
    mean = np.bincount(rows, matrix.data, n_users) / safe
    spread = np.sqrt(np.maximum(np.bincount(rows, matrix.data**2, n_users) / safe - mean**2, 0))
    return np.column_stack([np.log1p(lengths), top_share, bias, spread])


def design(matrix: csr_matrix, profiles: Profiles) -> np.ndarray:
    """The classifier's inputs: oriented robust z of the profile features, then the shape features."""
    return np.column_stack([np.clip(oriented(profiles), -10, 50), shape(matrix)])


def train(ratings: csr_matrix, *, rounds: int = ROUNDS, seed: int = 0, targets: np.ndarray | None = None) -> Trained:
    """Fit on ``rounds`` generated attacks injected into copies of ``ratings`` (labelled) and its real profiles
    (unlabelled). ``targets`` restricts the attacked items (the benchmark keeps its test targets out)."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    enough(matrix)
    rng = np.random.default_rng(seed)
    counts = np.diff(matrix.tocsc().indptr)
    pool = targets if targets is not None else np.flatnonzero((counts >= 2) & (counts <= max(30, np.median(counts))))
    if pool.size == 0:
        pool = np.arange(matrix.shape[1])
    inputs, labels = [], []
    for n in range(rounds):
        attack = attacks.generate(matrix, [int(rng.choice(pool))], kind=attacks.ATTACK_TYPES[n % 4],
                                  intent=attacks.INTENTS[(n // 4) % 2], size=float(rng.uniform(0.01, 0.10)),
                                  filler=float(rng.uniform(0.01, 0.05)),
                                  filler_from=attacks.FILLER_FROM[n % 2], seed=int(rng.integers(2**31)))
        stacked, injected = attacks.inject(matrix, attack)
        inputs.append(design(stacked, features(stacked)))
        labels.append(injected)
    x, y = np.vstack(inputs), np.concatenate(labels)
    # scikit-learn is imported where it is used: it takes seconds, which every command and server start would pay
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_depth=4,
                                           min_samples_leaf=40, l2_regularization=1.0, class_weight="balanced",
                                           random_state=seed).fit(x, y)
    return Trained(model, int(y.sum()), int(matrix.shape[0]), rounds)


def detect(ratings: csr_matrix, trained: Trained, *, probability: float = PROBABILITY, threshold: float = THRESHOLD,
           times: np.ndarray | None = None) -> Detection:
    """Suspects by the classifier's probability or the feature score, flagged when they share an extreme-rated
    target; scores are in units of their cut (1 = on it)."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    enough(matrix)
    profiles = features(matrix, times=times)
    x = design(matrix, profiles)
    if times is not None:  # trained without the time-window feature: leave it out of the classifier's inputs
        keep = [i for i, name in enumerate(profiles.names) if name != "co_burst"]
        x = np.column_stack([x[:, keep], x[:, len(profiles.names):]])
    scores = np.maximum(trained.model.predict_proba(x)[:, 1] / probability, suspicion(profiles) / threshold)
    return flag_shared(matrix, scores, 1.0, profiles)
