"""The tamper-evident audit chain: append-only entries, each committing to the one before.

Every entry's ``hash`` is a keyed BLAKE2b-256 MAC (RFC 7693 keyed mode), under the audit key, of its
previous hash, sequence number, time, actor, action, target and details. A plain SHA-256 chain could be
recomputed by anyone able to write the table; keying it (the key lives outside the database) means an
edited, inserted or reordered row cannot carry a valid hash, so ``museion.audit.verification`` names the first
bad entry rather than the place where a rewrite happened to stop. BLAKE2b rather than HMAC-SHA256 because
its keyed state can be copied per entry: verifying a million entries is bound by this one call.

Deleting the newest entries leaves a valid, shorter chain, and the head row can be rewritten to match.
Two anchors catch it: signed checkpoints (HMAC-SHA256) every ``CHECKPOINT_EVERY`` entries, in the
database, and the witness (``museion.audit.witness``): the signed head, appended to a file outside
the database whenever an audited transaction commits. ``verify`` requires the chain to reach the
highest seq the witness signed, with its hash. Checkpointing every append in the database instead would cost a
row per entry and would not help: whoever can delete entries can delete those rows too.

Residual risk, honestly: the chain proves integrity against someone who can write the database but
holds neither the audit key nor write access to the witness. Someone with the key can forge anything;
someone who can also delete or rewrite the witness file can still cut the tail unnoticed — keep the witness
on storage the database's writers cannot change (append-only attribute, another host); appending to it is
detected. A missing witness (new ``MUSEION_HOME``, moved database) is reported, not failed, so tail deletion
cannot then be ruled out; docs/security.md lists every tampering case and its verdict. A crash between the
witness write and the database commit gives a false alarm, never a miss.
Only ids, hashes, action names and counts enter the chain — never personal data — so erasing a member
never touches it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from museion.audit import witness
from museion.audit.keys import AuditKey, audit_key
from museion.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from museion.store.engine import dialect_insert

GENESIS = "0" * 64
CHECKPOINT_EVERY = 1000
# The stored form of `at` on SQLite (SQLAlchemy's DATETIME format), which PostgreSQL is made to match
# (``museion.audit.verification.PG_AT``): the chain hashes this text, so verification reads it without parsing dates.
AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

# Identifiers only: no spaces or '@', so names and e-mail addresses are refused at the door.
ACTOR_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
ACTION_RE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
TARGET_RE = re.compile(r"[A-Za-z0-9_.:/#=-]{0,256}")
DETAIL_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
DETAIL_STR_RE = re.compile(r"[A-Za-z0-9_.:/#=+-]{0,256}")
MAX_DETAILS = 4096


def ref(kind: str, name: str) -> str:
    """``kind:name`` for a name that is already an identifier (a source, a dataset), else ``kind:sha256:…``
    of it, so a free-text name supplied by a user never enters the chain as is."""
    text = f"{kind}:{name}"
    return text if len(text) <= 128 and DETAIL_STR_RE.fullmatch(text) else f"{kind}:sha256:{hashlib.sha256(name.encode()).hexdigest()[:24]}"


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
    """The text of an aware time as the chain hashes it (UTC, microseconds)."""
    return moment.astimezone(UTC).strftime(AT_FORMAT)


def checkpoint_signature(key: AuditKey, seq: int, chain_hash: str) -> str:
    """The HMAC-SHA256 that vouches for "the chain had ``chain_hash`` at ``seq``"."""
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

