"""The audit chain's witness: the latest signed head, appended to a file outside the database at every commit.

Hashes and checkpoints in the database cannot reveal that the newest entries were deleted and the head
row rewritten to match: what remains is a valid, shorter chain. The witness closes that gap. Whenever a
transaction that appended to the chain commits, one line ``{"db", "seq", "hash", "sig"}`` is appended to
``<witness dir>/<database id>.jsonl``, signed (HMAC-SHA256) with the audit key, and ``verify`` requires
the chain to reach the highest signed seq in the file with that line's hash. The seq is the monotonic
counter; the database id (a hash of the URL without its password) keeps chains of different databases apart.

The whole file is read, not its last line: appending a copy of an older genuine line (to match a cut
chain) or a screenful of junk (to push the genuine lines out of sight) must not change what it vouches for.
So every line must be genuine and the seqs must never go backwards; a file that exists but holds no
genuine line fails, rather than reading as "no witness".

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
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url

from museion.audit.keys import audit_key
from museion.config import get_settings
from museion.store.files import append_private, private_dir

WITNESS_ENV = "MUSEION_AUDIT_WITNESS"
WITNESS_DIR = "audit-witness"
PENDING = "museion_audit_witness"  # key in the DBAPI connection's info: (seq, hash) to witness at commit
MAX_FINDINGS = 10
_lock = threading.Lock()


@dataclass(frozen=True)
class Mark:
    """A genuine witness line: the chain reached ``seq`` with ``hash``."""

    seq: int
    hash: str
    path: Path


@dataclass(frozen=True)
class Finding:
    """A witness line that does not count, and why; ``seq`` is the entry it claims, else the highest one vouched for
    before it (at least 1, the first entry a witness that holds nothing genuine fails to vouch for)."""

    seq: int
    message: str


@dataclass
class Reading:
    """What a whole witness file vouches for: its highest signed line, and every line that breaks the rules."""

    path: Path
    mark: Mark | None = None
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)
    unlisted: int = 0  # findings beyond MAX_FINDINGS, counted only: a file of junk must not fill memory or the report

    @property
    def seq(self) -> int:
        return self.mark.seq if self.mark else 0

    def flag(self, seq: int, message: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(seq, message))
        else:
            self.unlisted += 1


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
    folder = private_dir(witness_dir())  # 0700 and 0600: the lines name no one, but say how busy the store is
    append_private(folder / f"{db}.jsonl", line.encode())  # one write of one short line: appends never interleave


def read(engine: Engine, key: bytes) -> Reading | None:
    """Every line of this database's witness, checked: the highest signed seq and each line that is not a genuine,
    forward-moving line for this database (None when there is no witness file)."""
    path = path_for(engine)
    try:
        source = path.open("rb")
    except FileNotFoundError:
        return None
    reading, db = Reading(path), database_id(engine)
    with source:
        for number, raw in enumerate(source, start=1):
            _check_line(reading, db, key, number, raw)
    if reading.mark is None:
        reading.flag(1, f"the witness {path} exists but holds no line signed by this audit key for this database "
                        f"({reading.lines} lines): it was emptied, truncated or overwritten")
    return reading


def _check_line(reading: Reading, db: str, key: bytes, number: int, raw: bytes) -> None:
    """Take one line into ``reading``: the new highest mark, or a finding saying why the line does not count."""
    reading.lines += 1
    where = f"line {number} of the witness {reading.path}"
    try:
        line = json.loads(raw)
        seq, chain_hash, sig = int(line["seq"]), str(line["hash"]), str(line["sig"])
        if not 0 <= seq < 2**63:
            raise ValueError(seq)
    except (ValueError, KeyError, TypeError, OverflowError):
        reading.flag(max(reading.seq, 1), f"{where} is not a witness line (junk, or a torn write)")
        return
    if line.get("db") != db or not hmac.compare_digest(signature(key, db, seq, chain_hash), sig):
        reading.flag(seq, f"{where} is not signed by this audit key for this database")
    elif seq < reading.seq:
        reading.flag(seq, f"{where} vouches for entry {seq} after a line vouched for entry {reading.seq}: the sequence went "
                          "backwards (an older line was appended)")
    else:  # the same seq twice: a commit that failed after its line was written, then the retry; the later line holds
        reading.mark = Mark(seq, chain_hash, path=reading.path)
