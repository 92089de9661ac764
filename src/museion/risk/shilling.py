"""Shilling detectors (pure core): which rating profiles look injected, with the evidence for each.

- :func:`detect` (Museion's detector, unsupervised): every profile feature of :mod:`museion.risk.profiles` as a robust
  one-sided z-score (median and MAD over all members, oriented so that "like an attack profile" is positive); members
  whose mean z over their three most suspicious features passes ``threshold`` are *suspects*. Attackers must agree on
  a target to move it, so a second step (target-item analysis, after Zhou et al. 2015, "DeR-TIA", Knowledge-Based
  Systems 93) finds items that suspects rate at the extreme of the scale far more often than members at large do, and
  flags the suspects that rated such an item so. Outliers without a shared target (real members with odd tastes) are
  left alone, which is what keeps precision high.
- :func:`pca_varselect`: PCA-VarSelect (Mehta & Nejdl 2009, "Unsupervised strategies for shilling detection and
  robust collaborative filtering", User Modeling and User-Adapted Interaction 19:65–97): members as variables of the
  z-scored rating matrix; the ``flag`` members that contribute least to the first three principal components.
- :func:`chirita`: the rule of Chirita, Nejdl & Zamfir 2005 ("Preventing shilling attacks in online recommender
  systems", WIDM '05) as reimplemented here: members whose DegSim and RDMA both exceed the population mean by one
  standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import svds

from museion.errors import MuseionError
from museion.risk.profiles import SUSPICIOUS, Profiles, features, zscores

THRESHOLD = 3.0
"""Default suspicion cut on the mean of a member's three largest robust z-scores."""
MIN_MEMBERS = 30
MIN_RATINGS = 300
MIN_GROUP = 3
"""Fewest suspects that must share a target before any is flagged."""
LIFT = 5.0
"""How many times more often suspects must rate a target at the extreme than members at large."""
SECOND_LOOK = 0.5
"""Share of the threshold a member's score must reach to be flagged with a found target it rated so."""
COHESION = 0.75
"""Share of one attack's targets a suspect must have rated at the extreme to be flagged."""
ALPHA = 1e-3
"""Family-wise chance of calling an item a target when suspects rate it so by chance (Bonferroni over items)."""


class TooLittleData(MuseionError):
    """A detector was asked to judge too few members or ratings to tell an attack from ordinary variety."""


@dataclass(frozen=True)
class Detection:
    """The outcome of one run: flags and scores per member, the targets found, and the features behind them."""

    flagged: np.ndarray
    scores: np.ndarray
    suspects: np.ndarray
    targets: dict[int, str] = field(default_factory=dict)
    """Item column → "push" or "nuke"."""
    profiles: Profiles | None = None
    threshold: float = THRESHOLD

    def evidence(self, member: int) -> dict[str, object]:
        """What made a member suspicious: the score, each feature's robust z, and the targets it rated."""
        z = {} if self.profiles is None else dict(zip(self.profiles.names, map(float, oriented(self.profiles)[member]),
                                                     strict=True))
        return {"score": float(self.scores[member]), "threshold": self.threshold, "features": z,
                "length": None if self.profiles is None else int(self.profiles.lengths[member])}


def enough(ratings: csr_matrix) -> None:
    """Refuse to judge too little data (a run that cannot tell must say so, not alert)."""
    members = int((np.diff(csr_matrix(ratings).indptr) > 0).sum())
    if members < MIN_MEMBERS or ratings.nnz < MIN_RATINGS:
        raise TooLittleData("too little data to detect fake profiles: %(members)s members and %(ratings)s ratings "
                            "(at least %(min_members)s and %(min_ratings)s are needed)", members=members,
                            ratings=int(ratings.nnz), min_members=MIN_MEMBERS, min_ratings=MIN_RATINGS)


def oriented(profiles: Profiles) -> np.ndarray:
    """Robust z-scores (median, 1.4826 × MAD; the sd where MAD is 0), signed so that attack-like is positive."""
    values = profiles.values
    centre = np.median(values, axis=0)
    spread = 1.4826 * np.median(np.abs(values - centre), axis=0)
    fallback = values.std(axis=0)
    spread = np.where(spread > 1e-12, spread, np.where(fallback > 1e-12, fallback, 1.0))
    signs = np.array([SUSPICIOUS[name] for name in profiles.names], dtype=np.float64)
    return (values - centre) / spread * signs


def suspicion(profiles: Profiles, top: int = 3) -> np.ndarray:
    """Mean of each member's ``top`` largest oriented z-scores (0 for empty profiles)."""
    z = np.clip(oriented(profiles), -10, 50)
    k = min(top, z.shape[1])
    best = -np.partition(-z, k - 1, axis=1)[:, :k]
    return np.where(profiles.lengths > 0, best.mean(axis=1), 0.0)


def detect(ratings: csr_matrix, *, threshold: float = THRESHOLD, times: np.ndarray | None = None,
           profiles: Profiles | None = None) -> Detection:
    """Museion's detector: suspects by profile features, flagged when they share an extreme-rated target."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    enough(matrix)
    profiles = profiles or features(matrix, times=times)
    return flag_shared(matrix, suspicion(profiles), threshold, profiles)


def flag_shared(matrix: csr_matrix, scores: np.ndarray, threshold: float, profiles: Profiles | None) -> Detection:
    """The target step shared by the detectors: suspects (score ≥ ``threshold``) that rate a shared target at the
    extreme, together with weaker suspects (≥ ``SECOND_LOOK`` × threshold) that rated most of one attack's targets so."""
    suspects = scores >= threshold
    targets = shared_targets(matrix, suspects)
    flagged = np.zeros(matrix.shape[0], dtype=bool)
    high, low = float(matrix.data.max()), float(matrix.data.min())
    second_look = scores >= SECOND_LOOK * threshold  # once a target is known, weaker suspicion is enough
    groups = {item: second_look & (matrix[:, item].toarray().ravel() == (high if intent == "push" else low))
              for item, intent in targets.items()}
    for cluster in _clusters(groups):
        rated = np.sum([groups[item] for item in cluster], axis=0)
        flagged |= rated >= max(1, int(np.ceil(COHESION * len(cluster))))
    return Detection(flagged, scores, suspects, targets, profiles, threshold)


def _clusters(groups: dict[int, np.ndarray]) -> list[list[int]]:
    """Targets whose groups of raters overlap (Jaccard ≥ 0.5) belong to one attack (a bandwagon's or segment's
    selected items travel with its target)."""
    items = list(groups)
    parent = {item: item for item in items}

    def root(item: int) -> int:
        while parent[item] != item:
            item = parent[item]
        return item

    for n, first in enumerate(items):
        for second in items[n + 1:]:
            union = int((groups[first] | groups[second]).sum())
            if union and (groups[first] & groups[second]).sum() / union >= 0.5:
                parent[root(second)] = root(first)
    clusters: dict[int, list[int]] = {}
    for item in items:
        clusters.setdefault(root(item), []).append(item)
    return list(clusters.values())


def shared_targets(matrix: csr_matrix, suspects: np.ndarray) -> dict[int, str]:
    """Items that at least ``MIN_GROUP`` suspects rate at the top (push) or bottom (nuke) of the scale, ``LIFT`` times
    as often as the other members do and more often than chance allows (binomial tail below ``ALPHA`` / items)."""
    n_suspects = int(suspects.sum())
    if n_suspects < MIN_GROUP:
        return {}
    # scipy.stats is imported where it is used: it takes seconds, which every command and server start would pay
    from scipy.stats import binom

    found: dict[int, str] = {}
    for intent, value in (("push", float(matrix.data.max())), ("nuke", float(matrix.data.min()))):
        extreme = (matrix == value).astype(np.float64).tocsr()
        everyone = np.asarray(extreme.sum(axis=0)).ravel()
        among = np.asarray(extreme[np.flatnonzero(suspects)].sum(axis=0)).ravel()
        base = (everyone - among + 1) / (matrix.shape[0] - n_suspects + 1)  # among the others, one pseudo-count
        candidates = np.flatnonzero((among >= MIN_GROUP) & (among / n_suspects >= LIFT * base))
        tail = binom.sf(among[candidates] - 1, n_suspects, np.maximum(base[candidates], 1e-9))
        for item in candidates[tail < ALPHA / matrix.shape[1]]:
            found.setdefault(int(item), intent)
    return found


def pca_varselect(ratings: csr_matrix, flag: int, components: int = 3) -> np.ndarray:
    """Mehta & Nejdl's PCA-VarSelect: the ``flag`` members with the smallest squared loadings on the first PCs."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    enough(matrix)
    data = zscores(matrix).T.tocsc()
    k = min(components, min(data.shape) - 1)
    _, _, vt = svds(data, k=k, random_state=0)
    contribution = (vt**2).sum(axis=0)
    flagged = np.zeros(matrix.shape[0], dtype=bool)
    flagged[np.argsort(contribution, kind="stable")[:flag]] = True
    return flagged


def chirita(ratings: csr_matrix, *, profiles: Profiles | None = None, sds: float = 1.0) -> np.ndarray:
    """Chirita, Nejdl & Zamfir's rule (as reimplemented): DegSim and RDMA both above mean + ``sds`` × sd."""
    matrix = csr_matrix(ratings, dtype=np.float64)
    enough(matrix)
    profiles = profiles or features(matrix)
    degsim, rdma = profiles.column("degsim"), profiles.column("rdma")
    return (degsim > degsim.mean() + sds * degsim.std()) & (rdma > rdma.mean() + sds * rdma.std())


def precision_recall(flagged: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Precision (1.0 when nothing is flagged) and recall of flags against labels (True = fake)."""
    hits = int((flagged & labels).sum())
    return (hits / int(flagged.sum()) if flagged.any() else 1.0), (hits / int(labels.sum()) if labels.any() else 1.0)
