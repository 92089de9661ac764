"""The audit chain's witness: the latest signed head, appended to a file outside the database at every commit.

Hashes and checkpoints in the database cannot reveal that the newest entries were deleted and the head
row rewritten to match: what remains is a valid, shorter chain. The witness closes that gap. Whenever a
transaction that appended to the chain commits, one line ``{"db", "seq", "hash", "sig"}`` is appended to
``<witness dir>/<database id>.jsonl``, signed (HMAC-SHA256) with the audit key, and ``verify`` requires
the chain to reach that seq with that hash. The seq is the monotonic counter; the database id (a hash of
the URL without its password) keeps chains of different databases apart.

The directory is ``MUSEION_AUDIT_WITNESS``, else ``MUSEION_HOME/audit-witness``. Put it where the
database's writers cannot write — another mount, a file with the append-only attribute (``chattr +a``),
or a directory shipped to a log host — because the witness is only as strong as its storage.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url

from museion.audit.keys import audit_key
from museion.config import get_settings

WITNESS_ENV = "MUSEION_AUDIT_WITNESS"
WITNESS_DIR = "audit-witness"
PENDING = "museion_audit_witness"  # key in the DBAPI connection's info: (seq, hash) to witness at commit
TAIL_BYTES = 64 * 1024  # how much of the file's end is read to find its latest line
_lock = threading.Lock()


@dataclass(frozen=True)
class Mark:
    """The latest line of a witness: the chain reached ``seq`` with ``hash``; ``signed`` says the line is genuine."""

    seq: int
    hash: str
    signed: bool
    path: Path


def witness_dir() -> Path:
    """Where the witness files live: ``MUSEION_AUDIT_WITNESS``, else ``MUSEION_HOME/audit-witness``."""
    configured = os.environ.get(WITNESS_ENV)
    return Path(configured) if configured else get_settings().home / WITNESS_DIR


def database_id(engine: Engine) -> str:
    """A stable name for the database behind ``engine`` (absolute path for SQLite; no password)."""
    url = make_url(str(engine.url.render_as_string(hide_password=True)))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    return hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:24]


def path_for(engine: Engine) -> Path:
    """The witness file of the database behind ``engine``."""
    return witness_dir() / f"{database_id(engine)}.jsonl"


def signature(key: bytes, db: str, seq: int, chain_hash: str) -> str:
    """The HMAC-SHA256 of a witness line, bound to its database so lines cannot be moved between files."""
    return hmac.digest(key, f"witness\n{db}\n{seq}\n{chain_hash}".encode(), "sha256").hex()


def arm(conn: Connection, seq: int, chain_hash: str) -> None:
    """Witness (seq, hash) when the caller's transaction commits; forget it if it rolls back."""
    engine = conn.engine
    with _lock:
        if not event.contains(engine, "commit", _on_commit):
            event.listen(engine, "commit", _on_commit)
            event.listen(engine, "rollback", _on_rollback)
    conn.info[PENDING] = (seq, chain_hash)


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(PENDING, None)


def _on_commit(conn: Connection) -> None:
    """Append the signed head. SQLAlchemy calls this just before the database commits, so a commit that
    then fails leaves the witness one step ahead: a false alarm, cleared by the next audited commit."""
    pending = conn.info.pop(PENDING, None)
    if pending is None:
        return
    seq, chain_hash = pending
    db = database_id(conn.engine)
    line = json.dumps({"db": db, "seq": seq, "hash": chain_hash,
                       "sig": signature(audit_key().checkpoint, db, seq, chain_hash)}, separators=(",", ":")) + "\n"
    folder = witness_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{db}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())  # one write of one short line: appends from several processes never interleave
    finally:
        os.close(fd)


def latest(engine: Engine, key: bytes) -> Mark | None:
    """The witness's newest line for this database (None when there is no witness yet)."""
    path = path_for(engine)
    try:
        with path.open("rb") as source:
            source.seek(max(0, path.stat().st_size - TAIL_BYTES))
            tail = source.read().decode("ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    db = database_id(engine)
    for text in reversed(tail):
        try:
            line = json.loads(text)
            seq, chain_hash, sig = int(line["seq"]), str(line["hash"]), str(line["sig"])
        except (ValueError, KeyError, TypeError):
            continue  # a partly read first line, or a torn write
        genuine = line.get("db") == db and hmac.compare_digest(signature(key, db, seq, chain_hash), sig)
        return Mark(seq, chain_hash, genuine, path)
    return None
