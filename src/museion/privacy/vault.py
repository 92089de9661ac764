"""The vault: members' direct identifiers (name, e-mail, phone) encrypted with AES-GCM.

Keys come from ``MUSEION_VAULT_KEY`` (base64 of 32 bytes; one key, id "env") or from a key file in
MUSEION_HOME created on first use with owner-only permissions. Each ciphertext is bound to its member
id (associated data), so a row copied onto another member does not decrypt. Rotation adds a new key,
re-encrypts every entry with it, then retires the old keys.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, delete, select, update

from museion import audit
from museion.errors import MuseionError
from museion.privacy.access import gated
from museion.privacy.models import VaultEntry
from museion.store.files import create_private, refuse_shared, write_private

IDENTIFIERS = ("name", "email", "phone")
ENV_KEY = "MUSEION_VAULT_KEY"


class VaultError(MuseionError):
    """A key is missing or wrong, or a stored entry was tampered with."""


@dataclass
class KeyRing:
    """Vault keys by id; ``current`` encrypts, any listed key decrypts. ``path`` is None for the env key."""

    keys: dict[str, bytes]
    current: str
    path: Path | None = None

    @classmethod
    def load(cls, home: Path) -> KeyRing:
        """The env key if set, else the key file under ``home`` (created on first use, mode 0600)."""
        if os.environ.get(ENV_KEY):
            try:
                key = base64.b64decode(os.environ[ENV_KEY], validate=True)
            except ValueError:
                raise VaultError(f"{ENV_KEY} is not valid base64") from None
            if len(key) != 32:
                raise VaultError(f"{ENV_KEY} must hold 32 bytes (base64), found {len(key)}")
            return cls({"env": key}, "env")
        path = home / "vault-keys.json"
        if not path.exists():
            first = secrets.token_hex(4)
            ring = cls({first: AESGCM.generate_key(bit_length=256)}, first, path)
            if create_private(path, ring.serialised()):  # else another process created it first: use theirs
                return ring
        refuse_shared(path, "vault key")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = {k: base64.b64decode(v) for k, v in data["keys"].items()}
            return cls(keys, data["current"], path)
        except (OSError, ValueError, KeyError) as exc:
            raise VaultError(f"cannot read the vault key file {path}: {exc}") from None

    def add_key(self) -> str:
        """Create a new current key (saved before it is used, so no entry is ever unreadable)."""
        if self.path is None:
            raise VaultError(f"keys from {ENV_KEY} are rotated by changing the variable, not here")
        key_id = secrets.token_hex(4)
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.current = key_id
        self._save()
        return key_id

    def retire_all_but_current(self) -> None:
        self.keys = {self.current: self.keys[self.current]}
        self._save()

    def serialised(self) -> str:
        """The key file's content."""
        return json.dumps({"current": self.current, "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()}})

    def _save(self) -> None:
        assert self.path is not None
        write_private(self.path, self.serialised())


def _aad(member_id: int) -> bytes:
    return f"museion-vault:member:{member_id}".encode()


def _encrypt(ring: KeyRing, member_id: int, identifiers: dict[str, str]) -> dict[str, object]:
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(identifiers, sort_keys=True).encode()
    return {"key_id": ring.current, "nonce": nonce,
            "ciphertext": AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext, _aad(member_id))}


def _decrypt(ring: KeyRing, member_id: int, key_id: str, nonce: bytes, ciphertext: bytes) -> dict[str, str]:
    if key_id not in ring.keys:
        raise VaultError(f"the vault entry of member {member_id} needs key {key_id!r}, which is not available")
    try:
        return json.loads(AESGCM(ring.keys[key_id]).decrypt(nonce, ciphertext, _aad(member_id)))
    except InvalidTag:
        raise VaultError(f"the vault entry of member {member_id} failed authentication (tampered or wrong key)") from None


@gated
def put(conn: Connection, ring: KeyRing, member_id: int, identifiers: dict[str, str]) -> None:
    """Store (or replace) a member's direct identifiers; only name, email and phone are accepted."""
    unknown = sorted(set(identifiers) - set(IDENTIFIERS))
    if unknown:
        raise VaultError(f"the vault holds only {', '.join(IDENTIFIERS)}; not {', '.join(unknown)}")
    sealed = _encrypt(ring, member_id, {k: v for k, v in identifiers.items() if v})
    if conn.scalar(select(VaultEntry.id).where(VaultEntry.member_id == member_id)) is None:
        conn.execute(VaultEntry.__table__.insert().values(member_id=member_id, **sealed))
    else:
        conn.execute(update(VaultEntry).where(VaultEntry.member_id == member_id).values(**sealed))


@gated
def get(conn: Connection, ring: KeyRing, member_id: int) -> dict[str, str]:
    row = conn.execute(select(VaultEntry.key_id, VaultEntry.nonce, VaultEntry.ciphertext)
                       .where(VaultEntry.member_id == member_id)).one_or_none()
    return {} if row is None else _decrypt(ring, member_id, *row)


@gated
def erase(conn: Connection, member_id: int) -> int:
    return conn.execute(delete(VaultEntry).where(VaultEntry.member_id == member_id)).rowcount


@gated
def rotate(conn: Connection, ring: KeyRing, *, actor: str = "cli") -> int:
    """Re-encrypt every entry under a new key, then retire the old keys; returns entries re-encrypted.

    The new key is saved before any entry uses it; the caller retires the old keys
    (``ring.retire_all_but_current()``) only after its transaction commits, so a failure midway
    leaves every entry readable.
    """
    old = dict(ring.keys)
    ring.add_key()
    rows = conn.execute(select(VaultEntry.member_id, VaultEntry.key_id, VaultEntry.nonce, VaultEntry.ciphertext)).all()
    for member_id, key_id, nonce, ciphertext in rows:
        plain = _decrypt(KeyRing(old, key_id), member_id, key_id, nonce, ciphertext)
        conn.execute(update(VaultEntry).where(VaultEntry.member_id == member_id).values(**_encrypt(ring, member_id, plain)))
    audit.record(conn, actor=actor, action="vault.rotate", target=f"vault_key:{ring.current}",
                 details={"entries": len(rows), "retired_keys": len(old)})
    return len(rows)
