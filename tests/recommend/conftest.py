"""Small synthetic data with real structure: members prefer one of four clusters of works."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from museion.recommend.interactions import Interactions, build_interactions

N_MEMBERS, N_WORKS, N_CLUSTERS = 60, 40, 4


@dataclass(frozen=True)
class Synthetic:
    interactions: Interactions
    features: csr_matrix
    """works × (4 cluster terms + 3 noise terms), rows aligned with the interaction columns."""
    cluster_of_work: np.ndarray
    cluster_of_member: np.ndarray


def make_synthetic(seed: int = 7) -> Synthetic:
    """Each member has 8 views in their own cluster and 2 random ones (ids: members 1000+, works 500+)."""
    rng = np.random.default_rng(seed)
    cluster_of_work = np.arange(N_WORKS) % N_CLUSTERS
    cluster_of_member = rng.integers(0, N_CLUSTERS, N_MEMBERS)
    members, works = [], []
    for member in range(N_MEMBERS):
        own = np.flatnonzero(cluster_of_work == cluster_of_member[member])
        picks = np.concatenate([rng.choice(own, 8, replace=False), rng.integers(0, N_WORKS, 2)])
        members += [1000 + member] * len(picks)
        works += (500 + picks).tolist()
    n = len(members)
    stamps = 1.6e9 + rng.uniform(0, 3e7, n)
    interactions = build_interactions(np.array(members), np.array(works), np.full(n, "view"), np.ones(n), stamps)
    noise = rng.integers(0, 3, N_WORKS)
    rows = np.concatenate([np.arange(N_WORKS), np.arange(N_WORKS)])
    cols = np.concatenate([cluster_of_work, N_CLUSTERS + noise])
    features = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(N_WORKS, N_CLUSTERS + 3))
    columns = interactions.work_ids - 500  # works that nobody viewed have no column
    return Synthetic(interactions, features[columns], cluster_of_work[columns], cluster_of_member)


@pytest.fixture(scope="session")
def synthetic() -> Synthetic:
    return make_synthetic()
