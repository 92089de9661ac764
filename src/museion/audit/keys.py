"""The audit key: where it comes from, the subkeys derived from it, and the keyed pseudonyms it makes.

The key lives outside the database (``MUSEION_AUDIT_KEY``, else ``MUSEION_HOME/audit.key``), so that whoever
can write the tables still cannot forge an entry hash, a checkpoint or a witness line.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from museion.config import get_settings
from museion.errors import MuseionError
from museion.store.files import create_private, refuse_shared

KEY_ENV = "MUSEION_AUDIT_KEY"
KEY_FILE = "audit.key"


class AuditKeyError(MuseionError):
    """The audit key is missing, too weak or unsafely stored."""


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
    """The key from ``MUSEION_AUDIT_KEY``, else from ``MUSEION_HOME/audit.key`` (created 0600 on first use; a file that
    others can read is refused at every use, as every key file is)."""
    env_value = os.environ.get(KEY_ENV) or None
    path = get_settings().home / KEY_FILE
    if env_value is None:
        if not path.exists():
            create_private(path, secrets.token_hex(32) + "\n")  # of two processes starting at once, one key wins
        refuse_shared(path, "audit key", AuditKeyError)
    return _load_key(env_value, path)


@lru_cache(maxsize=8)
def _load_key(env_value: str | None, path: Path) -> AuditKey:
    if env_value is not None:
        if len(env_value) < 32:
            raise AuditKeyError(f"{KEY_ENV} must be at least 32 characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
        return AuditKey.from_secret(env_value.encode())
    return AuditKey.from_secret(path.read_text(encoding="ascii").strip().encode())


def pseudonym(kind: str, value: str, key: AuditKey | None = None) -> str:
    """A keyed, irreversible reference (``kind:h…``) for an identifier that must not enter the chain as is."""
    key = key or audit_key()
    return f"{kind}:h{hmac.digest(key.names, f'{kind}:{value}'.encode(), 'sha256').hex()[:24]}"
