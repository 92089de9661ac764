"""Served-traffic figures for model and fairness drift (pure core), per list and compared between two windows.

- :func:`list_hits`: whether the member acted on a listed work within ``window_s`` after the list was served (any
  event kind): the live counterpart of an offline hit rate;
- :func:`tail_slots`: per list, how many of its slots hold a work outside the popularity head (the fairness audit's
  "long-tail share" counts the same slots, museion.fairness.audit);
- :func:`worse_share`: two windows' shares compared with a two-proportion z-test, reported when the later one moved
  the wrong way by at least ``min_change`` and |z| ≥ ``z``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ShareChange:
    before: float
    after: float
    n_before: int
    n_after: int
    z: float


def list_hits(list_member: np.ndarray, list_time: np.ndarray, list_works: Sequence[Sequence[int]],
              event_member: np.ndarray, event_work: np.ndarray, event_time: np.ndarray, window_s: float) -> np.ndarray:
    """Per served list: True when its member had an event on one of its works in (served, served + window_s]."""
    order = np.lexsort((event_time, event_member))
    members, times, works = event_member[order], event_time[order], event_work[order]
    starts = np.searchsorted(members, list_member, side="left")
    ends = np.searchsorted(members, list_member, side="right")
    hits = np.zeros(len(list_member), dtype=bool)
    for i, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        if lo == hi:
            continue
        t = times[lo:hi]
        a, b = np.searchsorted(t, list_time[i], side="right"), np.searchsorted(t, list_time[i] + window_s, side="right")
        hits[i] = bool(np.isin(works[lo:hi][a:b], list_works[i]).any())
    return hits


def tail_slots(list_works: Sequence[Sequence[int]], head: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """(slots, slots outside the head) per list."""
    slots = np.array([len(w) for w in list_works], dtype=np.int64)
    tail = np.array([sum(1 for work in w if work not in head) for w in list_works], dtype=np.int64)
    return slots, tail


def worse_share(before: tuple[int, int], after: tuple[int, int], *, worse: int = -1, min_change: float = 0.05,
                z: float = 3.0) -> ShareChange | None:
    """(successes, trials) in each window; the change when the share moved the ``worse`` way (−1: falling is worse)
    by at least ``min_change`` (relative to the earlier share) with |z| ≥ ``z``, else None."""
    (k1, n1), (k2, n2) = before, after
    if not n1 or not n2:
        return None
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    se = float(np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)))
    score = (p2 - p1) / se if se > 0 else 0.0
    moved = (p2 - p1) * worse
    if moved >= min_change * max(p1, 1e-12) and abs(score) >= z:
        return ShareChange(p1, p2, n1, n2, score)
    return None
