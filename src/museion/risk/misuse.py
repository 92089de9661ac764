"""Misuse signals (pure core): bursts of failed sign-ins per account, and an actor reading far more personal data in a
day than its own history.

- :func:`bursts`: keys with at least ``limit`` failures inside any ``window`` seconds (sliding, two pointers).
- :func:`overreads`: per actor, the latest day's rows against that actor's earlier days: an alarm when it exceeds
  both ``factor`` × the median day and the median + ``mads`` × 1.4826 MAD, and ``min_rows``; an actor with fewer than
  ``min_days`` earlier days has no history to depart from and is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Burst:
    key: str
    failures: int
    start: float
    end: float


@dataclass(frozen=True)
class Overread:
    actor: str
    day: str
    rows: int
    usual: float
    """The median of the actor's earlier days (0 without history)."""


def bursts(failures: Mapping[str, Sequence[float]], *, window: float = 600, limit: int = 10) -> list[Burst]:
    """The worst window of each key whose failures reach ``limit`` within ``window`` seconds."""
    found = []
    for key, times in failures.items():
        t = np.sort(np.asarray(times, dtype=np.float64))
        best, where, left = 0, (0.0, 0.0), 0
        for right in range(t.size):
            while t[right] - t[left] > window:
                left += 1
            if right - left + 1 > best:
                best, where = right - left + 1, (float(t[left]), float(t[right]))
        if best >= limit:
            found.append(Burst(key, best, *where))
    return sorted(found, key=lambda b: -b.failures)


def overreads(days: Mapping[str, Mapping[str, int]], *, factor: float = 10.0, mads: float = 6.0,
              min_rows: int = 1000, min_days: int = 3) -> list[Overread]:
    """Actors whose latest day (``days[actor]``: day 'YYYY-MM-DD' → rows read) is far above their own history."""
    found = []
    for actor, per_day in days.items():
        if len(per_day) <= min_days:
            continue
        ordered = sorted(per_day)
        latest, history = ordered[-1], np.array([per_day[d] for d in ordered[:-1]], dtype=np.float64)
        rows = int(per_day[latest])
        usual = float(np.median(history)) if history.size else 0.0
        spread = 1.4826 * float(np.median(np.abs(history - usual))) if history.size else 0.0
        if rows >= min_rows and rows > factor * usual and rows > usual + mads * spread:
            found.append(Overread(actor, latest, rows, usual))
    return found
