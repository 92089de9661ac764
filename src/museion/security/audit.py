"""The tamper-evident audit chain: append-only entries, each committing to the one before.

Every entry's ``hash`` is a keyed BLAKE2b-256 MAC (RFC 7693 keyed mode), under the audit key, of its
previous hash, sequence number, time, actor, action, target and details. A plain SHA-256 chain could be
recomputed by anyone able to write the table; keying it (the key lives outside the database) means an
edited, inserted or reordered row cannot carry a valid hash, so ``verify`` names the first bad entry
rather than the place where a rewrite happened to stop. BLAKE2b rather than HMAC-SHA256 because its
keyed state can be copied per entry: verifying a million entries is bound by this one call.

Deleting the newest entries leaves a valid, shorter chain, and the head row can be rewritten to match.
Two anchors catch it: signed checkpoints (HMAC-SHA256) every ``CHECKPOINT_EVERY`` entries, in the
database, and the witness (``museion.security.witness``): the signed head, appended to a file outside
the database whenever an audited transaction commits. ``verify`` requires the chain to reach the
witness's latest seq with its hash. Checkpointing every append in the database instead would cost a
row per entry and would not help: whoever can delete entries can delete those rows too.

Residual risk, honestly: the chain proves integrity against someone who can write the database but
holds neither the audit key nor write access to the witness. Someone with the key can forge anything;
someone who can also truncate the witness file can still cut the tail unnoticed — keep the witness on
storage the database's writers cannot change (append-only attribute, another host). A missing witness
(new ``MUSEION_HOME``, moved database) is reported, not failed, so tail deletion cannot then be ruled
out. A crash between the witness write and the database commit gives a false alarm, never a miss.
Only ids, hashes, action names and counts enter the chain — never personal data — so erasing a member
never touches it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from museion.errors import MuseionError
from museion.security import witness
from museion.security.models import AuditCheckpoint, AuditEntry, AuditHead
from museion.store.engine import dialect_insert
from museion.store.models import Member

KEY_ENV = "MUSEION_AUDIT_KEY"
KEY_FILE = "audit.key"
GENESIS = "0" * 64
CHECKPOINT_EVERY = 1000
BATCH = 20_000
# The stored form of `at` on SQLite (SQLAlchemy's DATETIME format) and what PostgreSQL's to_char gives:
# the chain hashes this text, so verification reads it straight from the driver without parsing dates.
AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
PG_AT = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"

# Identifiers only: no spaces or '@', so names and e-mail addresses are refused at the door.
ACTOR_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
ACTION_RE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
TARGET_RE = re.compile(r"[A-Za-z0-9_.:/#=-]{0,256}")
DETAIL_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
DETAIL_STR_RE = re.compile(r"[A-Za-z0-9_.:/#=+-]{0,256}")
MAX_DETAILS = 4096


class AuditKeyError(MuseionError):
    """The audit key is missing, too weak or unsafely stored."""


# --- the key -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditKey:
    """Subkeys derived from the audit key: entry hashes, checkpoint signatures and pseudonyms."""

    chain: bytes
    checkpoint: bytes
    names: bytes
    key_id: str

    @classmethod
    def from_secret(cls, secret: bytes) -> AuditKey:
        derive = lambda label: hmac.digest(secret, label, "sha256")  # noqa: E731
        return cls(chain=derive(b"museion-audit-chain"), checkpoint=derive(b"museion-audit-checkpoint"),
                   names=derive(b"museion-audit-names"), key_id=hashlib.sha256(secret).hexdigest()[:16])

    def mac(self) -> Mac:
        return Mac(self.chain)


class Mac:
    """The entry hash: keyed BLAKE2b-256 of a canonical message, from a keyed state copied per use."""

    def __init__(self, key: bytes) -> None:
        self._keyed = hashlib.blake2b(key=key, digest_size=32)

    def __call__(self, message: str) -> str:
        state = self._keyed.copy()
        state.update(message.encode())
        return state.hexdigest()


def audit_key() -> AuditKey:
    """The key from ``MUSEION_AUDIT_KEY``, else from ``MUSEION_HOME/audit.key`` (created 0600 on first use)."""
    from museion.config import get_settings

    return _load_key(os.environ.get(KEY_ENV) or None, get_settings().home / KEY_FILE)


@lru_cache(maxsize=8)
def _load_key(env_value: str | None, path: Path) -> AuditKey:
    if env_value is not None:
        if len(env_value) < 32:
            raise AuditKeyError(f"{KEY_ENV} must be at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
        return AuditKey.from_secret(env_value.encode())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise AuditKeyError(f"the audit key file {path} is accessible to other users: run `chmod 600 {path}`") from None
        secret = path.read_text(encoding="ascii").strip()
    else:
        secret = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secret + "\n")
    return AuditKey.from_secret(secret.encode())


def pseudonym(kind: str, value: str, key: AuditKey | None = None) -> str:
    """A keyed, irreversible reference (``kind:h…``) for an identifier that must not enter the chain as is."""
    key = key or audit_key()
    return f"{kind}:h{hmac.digest(key.names, f'{kind}:{value}'.encode(), 'sha256').hex()[:24]}"


def member_target(conn: Connection, member_id: int) -> str:
    """The audit target for a member: the pseudonym of their key, never the key itself."""
    return pseudonym("member", str(conn.scalar(select(Member.key).where(Member.id == member_id))))


def ref(kind: str, name: str) -> str:
    """``kind:name`` for a name that is already an identifier (a source, a dataset), else ``kind:sha256:…``
    of it, so a free-text name supplied by a user never enters the chain as is."""
    text = f"{kind}:{name}"
    return text if len(text) <= 128 and DETAIL_STR_RE.fullmatch(text) else f"{kind}:sha256:{hashlib.sha256(name.encode()).hexdigest()[:24]}"


# --- appending ---------------------------------------------------------------------------------

def canonical_details(details: Mapping[str, Any] | None) -> str:
    """Details as sorted, compact, ASCII JSON, after checking they hold ids and counts only."""
    details = dict(details or {})
    for name, value in details.items():
        if not DETAIL_KEY_RE.fullmatch(name):
            raise ValueError(f"audit detail name {name!r} is not an identifier")
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"audit detail {name!r} is not a finite number")
            if isinstance(item, str) and not DETAIL_STR_RE.fullmatch(item):
                raise ValueError(f"audit detail {name!r} must be an id or hash, not free text")
            if not isinstance(item, str | int | float | bool | None):
                raise ValueError(f"audit detail {name!r} must be a scalar or a list of scalars")
    text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if len(text) > MAX_DETAILS:
        raise ValueError(f"audit details are {len(text)} characters; the limit is {MAX_DETAILS}")
    return text


def entry_message(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str, details: str) -> str:
    """What an entry's hash covers. No field can contain a newline, so the joined text is unambiguous."""
    return "\n".join((prev_hash, str(seq), at, actor, action, target, details))


def format_at(moment: datetime) -> str:
    """The text of a time as the chain hashes it (UTC, microseconds)."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime(AT_FORMAT)


def checkpoint_signature(key: AuditKey, seq: int, chain_hash: str) -> str:
    return hmac.digest(key.checkpoint, f"checkpoint\n{seq}\n{chain_hash}".encode(), "sha256").hex()


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Create the head row if missing, then lock it: concurrent appenders wait here, one at a time.

    On PostgreSQL the row lock is held to the end of the caller's transaction and the waiter re-reads the
    committed head; on SQLite the INSERT takes the database's single write lock before anything is read.
    """
    conn.execute(dialect_insert(conn)(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["id"]))
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    return int(head.seq), str(head.hash)


def record(conn: Connection, *, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> int:
    """Append one entry within the caller's transaction and return its sequence number.

    ``actor``, ``action`` and ``target`` are identifiers (``account:7``, ``consent.withdraw``, ``member:42``);
    ``details`` holds ids, hashes and counts. Anything that looks like free text is refused.
    """
    for name, value, pattern in (("actor", actor, ACTOR_RE), ("action", action, ACTION_RE), ("target", target, TARGET_RE)):
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"audit {name} {value!r} must match {pattern.pattern}")
    details_text = canonical_details(details)
    key = audit_key()
    last_seq, last_hash = _lock_head(conn)
    seq = last_seq + 1
    at = datetime.now(UTC)
    digest = key.mac()(entry_message(last_hash, seq, format_at(at), actor, action, target, details_text))
    conn.execute(insert(AuditEntry).values(seq=seq, at=at, actor=actor, action=action, target=target,
                                           details=details_text, prev_hash=last_hash, hash=digest))
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
    if seq % CHECKPOINT_EVERY == 0:
        _write_checkpoint(conn, key, seq, digest)
    witness.arm(conn, seq, digest)
    return seq


def _write_checkpoint(conn: Connection, key: AuditKey, seq: int, chain_hash: str) -> None:
    conn.execute(dialect_insert(conn)(AuditCheckpoint).values(
        seq=seq, hash=chain_hash, key_id=key.key_id, signature=checkpoint_signature(key, seq, chain_hash),
    ).on_conflict_do_nothing(index_elements=["seq"]))


def checkpoint(conn: Connection) -> int:
    """Sign the chain's current head now (besides the automatic ones); returns its seq (0: empty chain)."""
    seq, chain_hash = _lock_head(conn)
    if seq:
        _write_checkpoint(conn, audit_key(), seq, chain_hash)
        witness.arm(conn, seq, chain_hash)
    return seq


# --- verifying ---------------------------------------------------------------------------------

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
    mark = witness.latest(conn.engine, key.checkpoint)
    if mark is not None:
        report.witness_path = str(mark.path)
        if not mark.signed:
            report.problems.append(AuditProblem(mark.seq, "witness", f"the witness's latest line ({mark.path}) is not signed by "
                                                "this audit key for this database"))
        else:
            report.witness_seq = mark.seq
            signed[mark.seq] = mark.hash

    mac, prev, expected = key.mac(), GENESIS, 1
    rows = _rows(conn)
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
    if not report.problems:
        _check_tail(conn, report, prev, max(signed, default=0))
    report.seconds = time.perf_counter() - started
    return report


def _anchor(report: VerifyReport, seq: int) -> str:
    return "head recorded in the witness" if seq == report.witness_seq else "checkpoint"


def _check_tail(conn: Connection, report: VerifyReport, last_hash: str, last_checkpoint: int) -> None:
    """Deleting the newest entries leaves a valid shorter chain: the head row and checkpoints catch it."""
    last = report.last_seq
    if last_checkpoint > last:
        report.problems.append(AuditProblem(last + 1, "deleted", f"entries {last + 1}–{last_checkpoint} are missing: "
                                            f"the {_anchor(report, last_checkpoint)} vouches for entry {last_checkpoint}"))
        return
    head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        if last:
            report.problems.append(AuditProblem(last, "head", "the chain's head row is missing"))
    elif head.seq > last:
        report.problems.append(AuditProblem(last + 1, "deleted", f"entries {last + 1}–{head.seq} are missing (the head is at {head.seq})"))
    elif head.seq < last or head.hash != last_hash:
        report.problems.append(AuditProblem(head.seq + 1 if head.seq < last else last, "head",
                                            f"the head row (at {head.seq}) does not match the last entry ({last})"))


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _filtered(f: AuditFilter) -> Select[Any]:
    query = select(*AuditEntry.__table__.c).where(AuditEntry.seq > f.after_seq)
    if f.actor:
        query = query.where(AuditEntry.actor == f.actor)
    if f.action:  # "consent." matches every consent action
        query = query.where(AuditEntry.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                            else AuditEntry.action == f.action)
    if f.target:
        query = query.where(AuditEntry.target == f.target)
    if f.since:
        query = query.where(AuditEntry.at >= _utc(f.since))
    if f.until:
        query = query.where(AuditEntry.at < _utc(f.until))
    return query


def entries(conn: Connection, f: AuditFilter, limit: int = 100) -> list[dict[str, Any]]:
    """Entries matching ``f`` in seq order, as plain dicts (``at`` in UTC, details parsed)."""
    rows = conn.execute(_filtered(f).order_by(AuditEntry.seq).limit(limit))
    return [{"seq": e.seq, "at": _utc(e.at), "actor": e.actor, "action": e.action,
             "target": e.target, "details": json.loads(e.details), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
