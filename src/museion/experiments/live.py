"""Live serving latency and errors of a running rollout, per version (service): each list served to a member taking part
in the rollout adds its time and outcome to an in-memory sum (no database write on the request path); a background
thread of the app adds the sums to ``rollout_stats`` (source ``served``, metrics ``latency_ms`` and ``error_rate``)
every ``FLUSH_S`` seconds and at shutdown, then enforces the stop rules, so the latency and error-rate guardrails watch
real traffic and a breach switches the candidate off. Members who opted out of experiments are never counted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from museion.errors import MuseionError
from museion.experiments import monitor, rollouts, stats
from museion.experiments.online import Cell
from museion.registry.rollout_models import RUNNING

log = logging.getLogger(__name__)
FLUSH_S = 30.0
ACTOR = "museion:rollout-guardrails"  # the app itself, enforcing the stop rules on served traffic
LIVE_METRICS = ("latency_ms", "error_rate")
"""Measured on the request path and added up here; never recomputed from the served-list log."""

Key = tuple[int, int, str]  # rollout, version, UTC day


class LiveStats:
    """Per (rollout, version, day): requests, failed requests, and the count, sum and sum of squares of the latency of
    the requests that succeeded (milliseconds)."""

    def __init__(self) -> None:
        self._sums: dict[Key, list[float]] = {}
        self._lock = threading.Lock()

    def add(self, rollout_id: int, version_id: int, ms: float | None) -> None:
        """One served request: its latency, or None when it failed."""
        key = (rollout_id, version_id, datetime.now(UTC).date().isoformat())
        with self._lock:
            sums = self._sums.setdefault(key, [0, 0, 0, 0.0, 0.0])
            sums[0] += 1
            if ms is None:
                sums[1] += 1
            else:
                sums[2] += 1
                sums[3] += ms
                sums[4] += ms * ms

    @contextmanager
    def timed(self, rollout_id: int | None, version_id: int) -> Iterator[None]:
        """Time the block and count it for ``version_id`` in ``rollout_id`` (nothing when None). A MuseionError is the
        caller's (an unknown member, a bad parameter), not the version's: it is not counted at all."""
        if rollout_id is None:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        except MuseionError:
            raise
        except Exception:
            self.add(rollout_id, version_id, None)
            raise
        self.add(rollout_id, version_id, (time.perf_counter() - started) * 1000)

    def take(self) -> dict[Key, list[float]]:
        """The sums so far, emptied."""
        with self._lock:
            taken, self._sums = self._sums, {}
        return taken

    def give_back(self, taken: dict[Key, list[float]]) -> None:
        """Sums that could not be written: added back for the next flush."""
        with self._lock:
            for key, sums in taken.items():
                mine = self._sums.setdefault(key, [0, 0, 0, 0.0, 0.0])
                for i, value in enumerate(sums):
                    mine[i] += value

    def flush(self, engine: Engine) -> list[int]:
        """Add the sums to the stored statistics and enforce each running rollout's stop rules, in one transaction;
        returns the rollouts stopped by a guardrail. Sums for a rollout no longer running are dropped."""
        taken = self.take()
        if not taken:
            return []
        stopped: list[int] = []
        try:
            with engine.begin() as conn:
                for rollout_id in sorted({key[0] for key in taken}):
                    rollout = rollouts.get(conn, rollout_id)
                    if rollout.state != RUNNING:
                        continue
                    cells = [cell for (r, version, day), (n, errors, ok, total, sq) in taken.items() if r == rollout_id
                             for cell in (Cell(version, day, "error_rate", "", int(n), float(errors), float(errors)),
                                          Cell(version, day, "latency_ms", "", int(ok), total, sq)) if cell.n]
                    stats.add_cells(conn, rollout_id, cells, "served")
                    if monitor.enforce(conn, rollout_id, actor=ACTOR)["stopped"]:
                        stopped.append(rollout_id)
        except OperationalError:  # the store is busy: keep the sums for the next flush
            self.give_back(taken)
            log.warning("rollout latency and errors: the store was busy; kept for the next flush")
            return []
        return stopped


class Flusher:
    """A daemon thread flushing ``live`` every ``every`` seconds until closed (then once more)."""

    def __init__(self, engine: Engine, live: LiveStats, every: float = FLUSH_S) -> None:
        self.engine, self.live, self.every = engine, live, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="museion-rollout-live", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._flush()

    def _flush(self) -> None:
        try:
            self.live.flush(self.engine)
        except Exception:  # a failing flush must never end serving; the sums of that flush are lost and logged
            log.exception("rollout latency and errors: flush failed")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._flush()
