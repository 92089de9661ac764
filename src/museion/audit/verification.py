"""Verifying the audit chain: walk every entry, check checkpoints and the witness, and name what broke where.

A break is classified (modified, inserted, deleted, reordered) by looking for where the offending row's
hash would have been valid, so the report says what happened, not only where the walk stopped.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from museion.audit import witness
from museion.audit.chain import GENESIS, checkpoint_signature
from museion.audit.keys import AuditKey, Mac, audit_key
from museion.audit.models import AuditCheckpoint, AuditHead

BATCH = 20_000
# PostgreSQL's rendering of `at` as the text the chain hashes (``museion.audit.chain.AT_FORMAT``, SQLite's stored form).
PG_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


@dataclass(frozen=True)
class AuditProblem:
    """What is wrong, and the first entry (seq) where it shows."""

    seq: int
    kind: str  # modified, deleted, reordered, inserted, checkpoint, head, witness
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"seq": self.seq, "kind": self.kind, "message": self.message}


@dataclass
class VerifyReport:
    """The outcome of one walk over the chain: counts, the witness it was held to, and the problems found."""

    entries: int = 0
    last_seq: int = 0
    checkpoints: int = 0
    witness_seq: int | None = None  # the seq the witness vouches for; None: no witness found
    witness_path: str | None = None
    seconds: float = 0.0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> int | None:
        return min((p.seq for p in self.problems), default=None)

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "entries": self.entries, "last_seq": self.last_seq, "checkpoints": self.checkpoints,
                "first_bad_seq": self.first_bad, "witness_seq": self.witness_seq, "witness_path": self.witness_path,
                "seconds": round(self.seconds, 3),
                "problems": [p.as_dict() for p in self.problems]}


Row = tuple[int, str, str]  # seq, the hashed message (assembled by the database), hash
WINDOW = 64  # how far from its place a moved entry is looked for when classifying a break


def _rows(conn: Connection) -> Iterator[Row]:
    """Every entry in seq order as (seq, message, hash), streamed in batches from a driver cursor.

    The database joins the hashed fields (with `at` as the hashed text) so that each row reaches Python
    as three values instead of eight; PostgreSQL streams through a server-side cursor.
    """
    postgres = conn.dialect.name == "postgresql"
    newline, seq_text, at = ("chr(10)", "seq::text", PG_AT) if postgres else ("char(10)", "CAST(seq AS TEXT)", "at")
    message = f" || {newline} || ".join(("prev_hash", seq_text, at, "actor", "action", "target", "details"))
    raw = conn.connection.driver_connection
    cursor = raw.cursor(name="museion_audit_verify") if postgres else raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT seq, {message}, hash FROM audit_log ORDER BY seq")
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def _original_seq(mac: Mac, row: Row | None, near: int) -> int | None:
    """The seq a row's hash was made for, if it is an untouched entry found within WINDOW of ``near``."""
    fields = row[1].split("\n") if row and row[1] else []
    if len(fields) != 7:
        return None
    for seq in (near, *(near + d for k in range(1, WINDOW) for d in (k, -k))):
        if seq > 0 and mac("\n".join((fields[0], str(seq), *fields[2:]))) == row[2]:  # type: ignore[index]
            return seq
    return None


def _classify(mac: Mac, expected: int, row: Row, following: Row | None) -> AuditProblem:
    """Name what happened at the first entry that does not verify (best effort beyond the seq itself)."""
    here = _original_seq(mac, row, row[0])
    nxt = _original_seq(mac, following, expected)
    if here is None:
        if nxt == expected:
            return AuditProblem(expected, "inserted",
                                f"entry {expected} was not written by Museion: a row was inserted before the original entry {expected}")
        return AuditProblem(expected, "modified", f"entry {expected} was modified: its contents no longer match its hash")
    if here > expected and nxt is not None and nxt < here:
        return AuditProblem(expected, "reordered", f"entry {expected} holds entry {here}'s contents: entries were reordered")
    if here > expected:
        return AuditProblem(expected, "deleted", f"entry {expected} is missing: entries {expected}–{here - 1} were deleted and the rest renumbered")
    if here < expected:
        return AuditProblem(expected, "reordered", f"entry {expected} holds a copy of entry {here}: entries were moved or duplicated")
    return AuditProblem(expected, "modified", f"entry {expected} does not follow entry {expected - 1}: its link to the previous hash was altered")


def verify(conn: Connection, key: AuditKey | None = None) -> VerifyReport:
    """Walk the whole chain and report the first bad entry, broken checkpoints and a truncated tail."""
    started = time.perf_counter()
    key = key or audit_key()
    report = VerifyReport()
    checkpoints = {int(c.seq): c for c in conn.execute(select(*AuditCheckpoint.__table__.c).order_by(AuditCheckpoint.seq))}
    for cp in checkpoints.values():
        if cp.key_id != key.key_id or not hmac.compare_digest(checkpoint_signature(key, cp.seq, cp.hash), cp.signature):
            report.problems.append(AuditProblem(cp.seq, "checkpoint", f"the checkpoint at entry {cp.seq} is not signed by this audit key"))
    signed = {seq: cp.hash for seq, cp in checkpoints.items()}
    reading = witness.read(conn.engine, key.checkpoint)
    if reading is not None:
        report.witness_path = str(reading.path)
        _note_witness(report, reading)
        if reading.mark is not None:
            report.witness_seq = reading.mark.seq
            signed[reading.mark.seq] = reading.mark.hash

    mac, prev, expected = key.mac(), GENESIS, 1
    rows, found_before = _rows(conn), len(report.problems)
    for row in rows:
        seq, message, digest = row
        if seq != expected:
            report.problems.append(AuditProblem(expected, "deleted", f"entry {expected} is missing (the next entry is {seq})"))
            break
        if message is None or not message.startswith(prev) or mac(message) != digest:
            report.problems.append(_classify(mac, expected, row, next(rows, None)))
            break
        if seq in signed and signed[seq] != digest:
            report.problems.append(AuditProblem(seq, "checkpoint", f"entry {seq} differs from the signed "
                                                f"{_anchor(report, seq)}: entries up to {seq} were rewritten"))
            break
        prev, expected = digest, expected + 1
    rows.close()
    report.entries = report.last_seq = expected - 1
    report.checkpoints = len(checkpoints)
    if len(report.problems) == found_before:  # the walk reached the end: now the tail
        _check_tail(conn, report, prev, max(signed, default=0))
    report.seconds = time.perf_counter() - started
    return report


def _note_witness(report: VerifyReport, reading: witness.Reading) -> None:
    """Every witness line that is not genuine, or that goes backwards, is a problem of its own."""
    report.problems.extend(AuditProblem(f.seq, "witness", f.message) for f in reading.findings)
    if reading.unlisted:
        report.problems.append(AuditProblem(reading.seq, "witness", f"{reading.unlisted:,} more witness lines in {reading.path} "
                                            "are not genuine"))


def _anchor(report: VerifyReport, seq: int) -> str:
    return "head recorded in the witness" if seq == report.witness_seq else "checkpoint"


def _check_tail(conn: Connection, report: VerifyReport, last_hash: str, last_checkpoint: int) -> None:
    """Deleting the newest entries leaves a valid shorter chain: the head row, checkpoints and witness catch it;
    entries the witness never saw mean its file was cut."""
    last = report.last_seq
    if last_checkpoint > last:
        report.problems.append(AuditProblem(last + 1, "deleted", f"entries {last + 1}–{last_checkpoint} are missing: "
                                            f"the {_anchor(report, last_checkpoint)} vouches for entry {last_checkpoint}"))
        return
    if report.witness_seq is not None and report.witness_seq < last:
        report.problems.append(AuditProblem(report.witness_seq + 1, "witness", f"entries {report.witness_seq + 1}–{last} are not in "
                                            "the witness: it was truncated, or they were written with another MUSEION_AUDIT_WITNESS"))
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        if last:
            report.problems.append(AuditProblem(last, "head", "the chain's head row is missing"))
    elif head.seq > last:
        report.problems.append(AuditProblem(last + 1, "deleted", f"entries {last + 1}–{head.seq} are missing (the head is at {head.seq})"))
    elif head.seq < last or head.hash != last_hash:
        report.problems.append(AuditProblem(head.seq + 1 if head.seq < last else last, "head",
                                            f"the head row (at {head.seq}) does not match the last entry ({last})"))
