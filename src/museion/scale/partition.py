"""Partitioning of members and events, pure: a stable hash of the member id picks a member's partition (the same
on every machine and every run, unlike Python's ``hash``), and event times fall into calendar periods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_PARTITIONS = 65_536
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-mixed 64-bit hash of each integer (Steele et al. 2014)."""
    with np.errstate(over="ignore"):
        z = values.astype(np.int64).view(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def check_partitions(n: int) -> int:
    """``n`` if it is a usable partition count, else a ValueError saying the allowed range."""
    if not 1 <= int(n) <= MAX_PARTITIONS:
        raise ValueError(f"partitions must be between 1 and {MAX_PARTITIONS:,}, got {n}")
    return int(n)


def member_partition(member_ids: np.ndarray, n: int) -> np.ndarray:
    """The partition (0..n-1) of each member id: stable across runs, processes and machines."""
    n = check_partitions(n)
    return (_splitmix64(np.asarray(member_ids, dtype=np.int64)) % np.uint64(n)).astype(np.int32)


@dataclass(frozen=True, slots=True)
class Partition:
    """One partition: its id and the positions (ascending) of its members in the array that was partitioned."""

    id: int
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)


def partition_rows(member_ids: np.ndarray, n: int) -> list[Partition]:
    """Positions of ``member_ids`` grouped by member partition, partitions in id order (empty ones left out).

    Every position lands in exactly one partition; within a partition positions keep their original order."""
    parts = member_partition(member_ids, n)
    order = np.argsort(parts, kind="stable")
    bounds = np.searchsorted(parts[order], np.arange(n + 1))
    return [Partition(p, order[bounds[p]:bounds[p + 1]]) for p in range(n) if bounds[p + 1] > bounds[p]]


PERIODS = {"day": "D", "month": "M", "year": "Y"}


def time_partition(timestamps: np.ndarray, period: str = "month") -> np.ndarray:
    """Each epoch-seconds timestamp's period label ("2024-03" for month, "2024-03-07" for day, "2024" for year);
    "unknown" where the time is missing (NaN)."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    stamps = np.asarray(timestamps, dtype=np.float64)
    known = np.isfinite(stamps)
    labels = np.full(len(stamps), "unknown", dtype=object)
    if known.any():
        seconds = stamps[known].astype(np.int64).astype("datetime64[s]")
        labels[known] = np.datetime_as_string(seconds.astype(f"datetime64[{PERIODS[period]}]")).astype(object)
    return labels


def rebalance_hint(sizes: list[int]) -> float:
    """Largest partition over the mean size: 1.0 is perfectly even; a skew above ~2 means more partitions help."""
    if not sizes:
        return 1.0
    mean = sum(sizes) / len(sizes)
    return max(sizes) / mean if mean else 1.0
