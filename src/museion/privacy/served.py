"""What serving leaves behind: one row per list shown to a known member (so audits can look at what was actually
served and members can see what was shown to them), and one staff-read access record per staff view of a member's
recommendations, consents or settings (never a served row: the member did not see it).

The app writes both off the request path (``start_deferred``): a bounded queue drained by one background thread,
retrying while another process holds the write lock and flushed on shutdown, so a read never fails because its
log cannot be written. Without a deferred log (the CLI, scripts) they are written at once.

On PostgreSQL a batch of served rows alone commits without waiting for its WAL flush (``synchronous_commit`` off,
for that transaction only): a crash can lose the last fraction of a second of log rows, never leave the database
inconsistent; batches holding staff reads (audited) keep synchronous commits.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.exc import OperationalError

from museion.errors import MuseionError
from museion.privacy.access import gated
from museion.privacy.access_log import record_staff_read
from museion.privacy.consent import current_purpose
from museion.privacy.gate import flush_lookups
from museion.privacy.models import ServedEntry

log = logging.getLogger("museion.privacy")
_INSERT = insert(ServedEntry)
CAPACITY = 10_000  # entries waiting or being written at most; past it a read is answered 503 rather than grow memory without bound
BATCH = 500
RETRY_AFTER = 5  # seconds a caller refused with LogFull is told to wait


class LogFull(MuseionError):
    """The store has refused writes for so long that the deferred log is full: retry later."""

    retry_after = RETRY_AFTER


@dataclass(frozen=True)
class Shown:
    """A list shown to the member, work ids in rank order."""
    member_id: int
    model_version_id: int | None
    personalised: bool
    not_personalised_because: str | None
    work_ids: list[int]
    served_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class StaffRead:
    """Staff (``actor``) viewed one member's ``what`` (recommendations, consents, personalisation) for ``purpose``."""
    actor: str
    purpose: str
    member_id: int
    what: str


Entry = Shown | StaffRead


@gated
def write(conn: Connection, entries: list[Entry]) -> None:
    """Write ``entries`` in the caller's transaction, which it should own, with the tallied key look-ups."""
    shown = [e for e in entries if isinstance(e, Shown)]
    if conn.dialect.name == "postgresql" and len(shown) == len(entries):
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
    if shown:
        conn.execute(_INSERT, [{"member_id": e.member_id, "model_version_id": e.model_version_id, "served_at": e.served_at,
                                "personalised": e.personalised, "not_personalised_because": e.not_personalised_because,
                                "work_ids": e.work_ids} for e in shown])
    for e in entries:
        if isinstance(e, StaffRead):
            record_staff_read(conn, actor=e.actor, declared=current_purpose(conn, e.purpose), member_id=e.member_id, what=e.what)
    flush_lookups(conn)  # the serving path's key look-ups, tallied, are recorded by its one committing write


def log_served(conn: Connection, *, member_id: int, model_version_id: int | None, personalised: bool,
               not_personalised_because: str | None, work_ids: list[int]) -> None:
    """Append one served list in the caller's transaction (imports and tests that write what was served)."""
    write(conn, [Shown(member_id, model_version_id, personalised, not_personalised_because, work_ids)])


class DeferredLog:
    """A bounded queue of entries written by one background thread in batches, retried while the store is locked."""

    def __init__(self, engine: Engine, capacity: int = CAPACITY) -> None:
        self.engine, self.capacity = engine, capacity
        self._queue: queue.Queue[Entry] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="museion-served-log", daemon=True)
        self._thread.start()

    def put(self, entry: Entry) -> None:
        """Queue ``entry``, or raise LogFull (the caller answers 503 with Retry-After)."""
        with self._idle:
            if self._pending >= self.capacity:
                raise LogFull(f"the store is busy and {self.capacity:,} log entries are waiting; try again in {RETRY_AFTER} s")
            self._pending += 1  # queued or being written
        self._queue.put(entry)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued entry is written (True), or ``timeout`` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> int:
        """Flush, stop the thread, and return how many entries could not be written in ``timeout`` (logged)."""
        self.flush(timeout)
        self._stop.set()
        self._thread.join(timeout=5.0)
        lost = self._pending
        if lost:
            log.error("served-list log: %d entries not written at shutdown (the store stayed locked)", lost)
        return lost

    def _done(self, n: int) -> None:
        with self._idle:
            self._pending -= n
            self._idle.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            self._done(len(batch))

    def _write(self, batch: list[Entry]) -> None:
        """Write ``batch``, waiting out a lock held elsewhere; an entry the store refuses outright is logged and dropped."""
        wait = 0.05
        while True:
            try:
                with self.engine.begin() as conn:
                    write(conn, batch)
                return
            except OperationalError:
                if self._stop.is_set():
                    return
                time.sleep(wait)
                wait = min(wait * 2, 2.0)
            except Exception:  # e.g. the member was erased meanwhile: keep the others
                if len(batch) == 1:
                    log.exception("served-list log: an entry could not be written and is dropped")
                    return
                for entry in batch:
                    self._write([entry])
                return


_DEFERRED: dict[Engine, DeferredLog] = {}
_USERS: dict[Engine, int] = {}  # apps running on the engine: the last to stop flushes and stops its log


def start_deferred(engine: Engine) -> DeferredLog:
    """Write this engine's served lists and staff reads off the request path from now on."""
    deferred = _DEFERRED.get(engine)
    if deferred is None:
        deferred = _DEFERRED[engine] = DeferredLog(engine)
    _USERS[engine] = _USERS.get(engine, 0) + 1
    return deferred


def stop_deferred(engine: Engine, timeout: float = 30.0) -> int:
    """Flush (on shutdown), and stop the engine's deferred log once no app uses it; returns the entries left unwritten."""
    _USERS[engine] = _USERS.get(engine, 1) - 1
    deferred = _DEFERRED.get(engine)
    if deferred is None:
        return 0
    if _USERS[engine] > 0:  # another app still logs through it
        deferred.flush(timeout)
        return 0
    del _DEFERRED[engine], _USERS[engine]
    return deferred.close(timeout)


def flush_deferred(engine: Engine, timeout: float = 30.0) -> None:
    """Wait for the engine's queued entries (before reading them back, e.g. into a member's export)."""
    if (deferred := _DEFERRED.get(engine)) is not None:
        deferred.flush(timeout)


def log_entry(engine: Engine, entry: Entry) -> None:
    """Record ``entry``: queued when the engine has a deferred log, else written now in its own transaction."""
    if (deferred := _DEFERRED.get(engine)) is not None:
        deferred.put(entry)
        return
    with engine.begin() as conn:
        write(conn, [entry])
