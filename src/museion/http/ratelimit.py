"""In-process token buckets for authentication endpoints, keyed by client address.

One process keeps its own buckets: enough to slow password guessing against a single server. Behind
several workers the effective limit multiplies by their number; a shared store (Redis) would be the
next step if that matters.
"""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    """``capacity`` attempts at once, refilled continuously at ``capacity`` per ``period`` seconds."""

    def __init__(self, capacity: int, period: float, max_keys: int = 100_000) -> None:
        self.capacity, self.rate = float(capacity), capacity / period
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def take(self, key: str) -> float:
        """Spend one attempt for ``key``: 0.0 if allowed, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return math.ceil((1.0 - tokens) / self.rate * 10) / 10
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self._max_keys:  # forget the oldest-inserted keys; full buckets are the default
                for stale in list(self._buckets)[: self._max_keys // 10]:
                    del self._buckets[stale]
            return 0.0
