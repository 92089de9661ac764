"""The log of served lists: one row per list shown to a known member, so audits can look at what was
actually served and members can see what was shown to them. Written with one INSERT per list.

On PostgreSQL the logging transaction commits without waiting for its WAL flush (``synchronous_commit``
off, for this transaction only): it is the one write on the serving path, and a flush per request
costs more than the recommendation. A crash can lose the last fraction of a second of log rows, never
leave the database inconsistent; consents and everything else keep synchronous commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, text

from museion.privacy.access import gated
from museion.privacy.gate import flush_lookups
from museion.privacy.models import ServedEntry

_INSERT = insert(ServedEntry)


@gated
def log_served(conn: Connection, *, member_id: int, model_version_id: int | None, personalised: bool,
               not_personalised_because: str | None, work_ids: list[int]) -> None:
    """Append one served list (work ids in rank order), in the caller's transaction, which it should own."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
    conn.execute(_INSERT, {"member_id": member_id, "model_version_id": model_version_id, "served_at": datetime.now(UTC),
                           "personalised": personalised, "not_personalised_because": not_personalised_because,
                           "work_ids": work_ids})
    flush_lookups(conn)  # the serving path's key look-ups, tallied, are recorded by its one committing write
