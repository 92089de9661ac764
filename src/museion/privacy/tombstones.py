"""References to erased members, keyed with the erasure secret, and the tombstones that keep them erased.

Every reference that outlives an erasure — the request's ``member_ref``, a member's audit target, the tombstone —
is an HMAC of the member key under a secret kept outside MUSEION_HOME by default (``MUSEION_ERASURE_KEY``, or
``$XDG_CONFIG_HOME/museion/erasure.key`` created owner-only), so a copy of the database folder, audit key and
pseudonym key included, cannot be enumerated back to a member. Imports skip the rows of tombstoned members.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from museion import audit
from museion.errors import MuseionError, NotFound
from museion.privacy.access import gated
from museion.privacy.intake import member_keys
from museion.privacy.models import ErasureTombstone
from museion.privacy.pseudonym import load_secret
from museion.store.batches import rows_in_batches

ENV_KEY = "MUSEION_ERASURE_KEY"
SKIP_REASON = "member erased at their request (erasure tombstone); lift with `museion privacy member return`"


def key_file() -> Path:
    """Where the erasure secret lives when ``MUSEION_ERASURE_KEY`` is not set: the user's config folder, not the data folder."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "museion" / "erasure.key"


def erasure_key() -> bytes:
    """The erasure secret (at least 32 bytes, base64), created on first use; a key file others can read is refused."""
    return load_secret(ENV_KEY, key_file(), "erasure key")


def _keyed(label: str, member_key: str, key: bytes) -> str:
    return hmac.new(key, f"{label}\x00{member_key}".encode(), hashlib.sha256).hexdigest()


def member_ref(member_key: str, key: bytes | None = None) -> str:
    """The reference a request keeps as its proof after the member is erased (64 hex digits)."""
    return _keyed("museion-member", member_key, key or erasure_key())


def audit_target(member_key: str) -> str:
    """A member's target in the audit chain: keyed apart from ``member_ref``, so the two cannot be joined without the secret."""
    return f"member:e{_keyed('museion-audit', member_key, erasure_key())[:24]}"


@gated
def bury(conn: Connection, member_key: str, request_id: int) -> None:
    """Tombstone an erased member (again, if an earlier tombstone was lifted)."""
    ref = member_ref(member_key)
    if conn.scalar(select(ErasureTombstone.id).where(ErasureTombstone.ref == ref)) is None:
        conn.execute(insert(ErasureTombstone).values(ref=ref, request_id=request_id))
    else:
        conn.execute(update(ErasureTombstone).where(ErasureTombstone.ref == ref).values(
            request_id=request_id, erased_at=datetime.now(UTC), lifted_at=None, lifted_by=None, lift_reason=None))


@gated
def buried(conn: Connection, member_keys_: Iterable[str]) -> set[str]:
    """The keys among ``member_keys_`` whose member was erased and not let back: an import skips their rows."""
    key = erasure_key()
    refs = {member_ref(k, key): k for k in set(member_keys_)}
    found = rows_in_batches(conn, lambda batch: select(ErasureTombstone.ref).where(
        ErasureTombstone.ref.in_(batch), ErasureTombstone.lifted_at.is_(None)), list(refs))
    return {refs[ref] for ref, in found}


@gated
def lift(conn: Connection, ref: str, *, reason: str, actor: str) -> int:
    """Let an erased member back (they returned and consented anew): the tombstone stays, marked lifted, with who and
    why, and the audit chain records it. ``ref`` is the stored key or ``SOURCE:ID`` as a file gave it."""
    if not reason.strip():
        raise MuseionError("say why the member may come back (e.g. 'returned on 2026-12-01 and consented anew')")
    source, sep, external_id = ref.partition(":")
    candidates = {ref} | ({member_keys(source)(external_id)} if sep and external_id else set())
    key = erasure_key()
    row = conn.execute(select(ErasureTombstone.id, ErasureTombstone.request_id).where(
        ErasureTombstone.ref.in_([member_ref(c, key) for c in candidates]), ErasureTombstone.lifted_at.is_(None))).first()
    if row is None:
        raise NotFound(f"no erased member {ref!r} is tombstoned (name them by SOURCE:ID as your files gave it, or the stored key)")
    conn.execute(update(ErasureTombstone).where(ErasureTombstone.id == row.id).values(
        lifted_at=datetime.now(UTC), lifted_by=actor, lift_reason=reason))
    audit.record(conn, actor=actor, action="erasure.lifted", target=f"tombstone:{row.id}",
                 details={"request": row.request_id})
    return int(row.id)
