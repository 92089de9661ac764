"""Shilling feature extraction mapped over member partitions: DegSim, the quadratic feature, is computed for each
partition's members against the same reference members by the unchanged core (``degsim_rows``) and put back in member
order; the other features, linear column sums, are computed once. The detector then decides exactly as it does locally."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from museion.risk.profiles import Profiles, degsim_rows, features
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.partition import Partition, check_partitions, partition_rows


@dataclass(frozen=True, eq=False)
class RatingsWork:
    """The ratings (members × works), sent to the workers once."""

    matrix: csr_matrix


def degsim_part(work: RatingsWork, part: Partition) -> np.ndarray:
    """DegSim of one partition's members."""
    return degsim_rows(work.matrix, part.rows)


@dataclass(frozen=True)
class PartitionedProfiler:
    """A :data:`museion.risk.detection.Profiler` whose DegSim runs over member partitions on ``compute``."""

    compute: ComputeEngine
    partitions: int = 16

    def __call__(self, ratings: csr_matrix, times: np.ndarray | None = None) -> Profiles:
        matrix = csr_matrix(ratings, dtype=np.float64)
        matrix.sort_indices()
        parts = partition_rows(np.arange(matrix.shape[0], dtype=np.int64), check_partitions(self.partitions))
        found = self.compute.map_partitions(degsim_part, parts, broadcast=RatingsWork(matrix))
        similarity = np.zeros(matrix.shape[0])
        for part, values in zip(parts, found, strict=True):
            similarity[part.rows] = values
        return features(matrix, times=times, similarity=similarity)
