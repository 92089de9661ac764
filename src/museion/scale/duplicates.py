"""Near-duplicate search mapped over record partitions: the MinHash index is built once and sent to the workers (the
engine's broadcast); each partition searches the pairs that start at its records with the unchanged core
(``DuplicateIndex.pairs_from``), and the pairs put together in the core's order are exactly the whole scan's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from museion.rights.duplicates import NUM_PERM, THRESHOLD, DuplicateIndex, Match, Record, ordered
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.partition import Partition, check_partitions, partition_rows


@dataclass(frozen=True, eq=False)
class IndexWork:
    """The index and the pairs already decided, sent to the workers once."""

    index: DuplicateIndex
    seen: set[tuple[str, str]]


def pairs_part(work: IndexWork, part: Partition) -> list[Match]:
    """The pairs starting at one partition's records."""
    return work.index.pairs_from(part.rows.tolist(), work.seen)


@dataclass(frozen=True)
class PartitionedFinder:
    """:func:`museion.rights.duplicates.find_matches` with the pair search mapped over record partitions on ``compute``."""

    compute: ComputeEngine
    partitions: int = 16

    def __call__(self, records: Sequence[Record], threshold: float = THRESHOLD, *, num_perm: int = NUM_PERM,
                 pairs_seen: set[tuple[str, str]] | None = None) -> list[Match]:
        index = DuplicateIndex(records, threshold, num_perm=num_perm)
        parts = partition_rows(np.arange(len(index.records), dtype=np.int64), check_partitions(self.partitions))
        found = self.compute.map_partitions(pairs_part, parts, broadcast=IndexWork(index, set(pairs_seen or ())))
        return ordered(m for part in found for m in part)
