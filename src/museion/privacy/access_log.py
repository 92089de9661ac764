"""The record of every access to personal data: bulk reads write theirs at once; point look-ups (one member's
key, on every request) are tallied in memory and written as one record per actor and purpose by the next
write through the gate, so the hot path never pays a write for its own access record."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from museion import audit
from museion.privacy.models import AccessRecord

# What a staff view of one member shows, and the data category it reveals.
STAFF_READ_CATEGORIES = {"recommendations": "activity", "consents": "membership", "personalisation": "membership",
                         "feedback": "feedback"}
FLUSH_EVERY = 60.0  # seconds a tally may wait for the next recording write before it is written anyway


def record(conn: Connection, *, actor: str, declared: Row, categories: list[str], rows: int, members: int,
           details: dict[str, Any]) -> None:
    """One access, as a row (with its details) and as an audit entry (counts only)."""
    conn.execute(insert(AccessRecord).values(actor=actor, purpose=declared.code, categories=categories, rows=rows,
                                             members=members, details={**details, "purpose_version": declared.version}))
    audit.record(conn, actor=actor, action="gate.read", target=f"purpose:{declared.code}",
                 details={"categories": categories, "rows": rows, "members": members,
                          "purpose_version": declared.version})


def record_staff_read(conn: Connection, *, actor: str, declared: Row, member_id: int, what: str) -> None:
    """Staff viewed one member's ``what`` (recommendations, consents, personalisation): an access record naming the
    member's id (never their key) and an audit entry without it."""
    conn.execute(insert(AccessRecord).values(actor=actor, purpose=declared.code, categories=[STAFF_READ_CATEGORIES[what]], rows=1,
                                             members=1, details={"staff_read": what, "member_id": member_id,
                                                                 "purpose_version": declared.version}))
    audit.record(conn, actor=actor, action="gate.staff_read", target=f"purpose:{declared.code}",
                 details={"what": what, "purpose_version": declared.version})


class LookupTally:
    """Point look-ups per database and (actor, purpose, purpose version, what), waiting to be written as one
    record each into the database they read."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[tuple[str, str, int, str], int]] = {}
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()

    def note(self, conn: Connection, *, actor: str, declared: Row, what: str) -> None:
        database = _database(conn)
        key = (actor, declared.code, int(declared.version), what)
        with self._lock:
            counts = self._counts.setdefault(database, {})
            counts[key] = counts.get(key, 0) + 1
            self._since.setdefault(database, time.monotonic())

    def due(self, conn: Connection) -> bool:
        since = self._since.get(_database(conn))
        return since is not None and time.monotonic() - since >= FLUSH_EVERY

    def flush(self, conn: Connection) -> int:
        """Write this database's waiting tallies in the caller's transaction (which must commit); returns the look-ups written."""
        database = _database(conn)
        with self._lock:
            counts = self._counts.pop(database, {})
            self._since.pop(database, None)
        if not counts:
            return 0
        conn.execute(insert(AccessRecord), [
            {"actor": actor, "purpose": purpose, "categories": ["membership"], "rows": n, "members": n,
             "details": {"lookup": what, "calls": n, "purpose_version": version}}
            for (actor, purpose, version, what), n in counts.items()])
        audit.record(conn, actor="gate", action="gate.lookups", target="members",
                     details={"records": len(counts), "calls": sum(counts.values())})
        return sum(counts.values())


def _database(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


LOOKUPS = LookupTally()


def recent(conn: Connection, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest access records, newest first (what the privacy officer reviews)."""
    return [dict(r._mapping) for r in conn.execute(select(AccessRecord.__table__).order_by(AccessRecord.id.desc()).limit(limit))]
