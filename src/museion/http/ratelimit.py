"""In-process limits for authentication: token buckets keyed by client address, and a back-off per account name.

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


class Backoff:
    """Consecutive failed sign-ins per account name: after ``free`` of them, each further attempt must wait twice as
    long as the one before (from ``first`` seconds up to ``cap``), whichever address it comes from; success resets."""

    def __init__(self, free: int = 10, first: float = 1.0, cap: float = 900.0, max_keys: int = 100_000) -> None:
        self.free, self.first, self.cap = free, first, cap
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (consecutive failures, monotonic time allowed again)
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0.0: now)."""
        with self._lock:
            _, until = self._failures.get(key, (0, 0.0))
        left = until - time.monotonic()
        return math.ceil(left * 10) / 10 if left > 0 else 0.0

    def failed(self, key: str) -> None:
        with self._lock:
            count = self._failures.get(key, (0, 0.0))[0] + 1
            delay = min(self.cap, self.first * 2 ** (count - self.free)) if count >= self.free else 0.0
            self._failures[key] = (count, time.monotonic() + delay)
            if len(self._failures) > self._max_keys:  # forget the oldest-inserted names
                for stale in list(self._failures)[: self._max_keys // 10]:
                    del self._failures[stale]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
