"""Keyed pseudonyms for members: HMAC-SHA256 of (source, external id) under a secret key.

The same person gets the same pseudonym on every import, nobody without the key can reverse it or
test a guess, and staff holding the key can still find a member from an external id. The key comes
from ``MUSEION_PSEUDONYM_KEY`` (base64, at least 32 bytes) or a key file in MUSEION_HOME created on
first use (owner-only). It never rotates: a new key would give everyone new pseudonyms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from museion.errors import MuseionError
from museion.store.files import create_private, refuse_shared

ENV_KEY = "MUSEION_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


def load_secret(env_key: str, path: Path, what: str) -> bytes:
    """A 32-byte-or-longer base64 secret from ``env_key``, else from ``path`` (created 0600 on first use; a file
    others can read is refused)."""
    raw = os.environ.get(env_key)
    if raw is None:
        if not path.exists():
            create_private(path, base64.b64encode(secrets.token_bytes(32)).decode())  # of two first uses, one key wins
        refuse_shared(path, what)
        raw = path.read_text(encoding="utf-8").strip()
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise MuseionError(f"the {what} ({env_key} or {path}) is not valid base64") from None
    if len(key) < 32:
        raise MuseionError(f"the {what} must hold at least 32 bytes, found {len(key)}")
    return key


def load_key(home: Path) -> bytes:
    """The installation's pseudonym key (MUSEION_PSEUDONYM_KEY, else MUSEION_HOME/pseudonym.key)."""
    return load_secret(ENV_KEY, home / KEY_FILE, "pseudonym key")


def pseudonymiser(key: bytes, source: str) -> Callable[[str], str]:
    """External member id → pseudonymous key part (24 hex digits, 96 bits), for one source."""
    prefix = source.encode() + b"\x00"

    def pseudonym(external_id: str) -> str:
        return hmac.new(key, prefix + external_id.encode(), hashlib.sha256).hexdigest()[:24]

    return pseudonym
