"""Where tokens and sessions are used from: address patterns as keyed hashes, and the new patterns since a time.

Privacy: a client address is personal data (it can single out a member's home). The misuse check "a token used from
a new address pattern" only needs to tell patterns apart, so the address is cut to its network (IPv4 /24, IPv6 /48:
a provider's or an office's block, which also keeps one person's changing addresses together) and stored as an
HMAC-SHA256 of it under a key derived from the installation's pseudonym key. Unkeyed, a hash of a /24 could be
reversed by trying all 2^24 networks; keyed, it cannot without the key, and nothing else keeps the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from museion.privacy.pseudonym import load_key
from museion.security.models import Account, Token, TokenAddress
from museion.store.base import utcnow

log = logging.getLogger("museion.security")
DOMAIN = b"museion token address\x00"
"""Derives this use's key from the pseudonym key (a key is never used for two purposes)."""


def network(address: str) -> str:
    """The address's /24 (IPv4) or /48 (IPv6) network; anything unparseable (a test client's name) as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def address_key(key: bytes, address: str) -> str:
    """The stored form: 128 bits of HMAC-SHA256 of the network under the derived key."""
    derived = hmac.new(key, DOMAIN, hashlib.sha256).digest()
    return hmac.new(derived, network(address).encode(), hashlib.sha256).hexdigest()[:32]


class AddressBook:
    """Notes each (token, address pattern) once per process. The first sighting is queued and written by a
    background thread, off the request (a write of its own inside a request would race the request's own
    transaction on SQLite); later sightings cost a dictionary look-up. Bounded, least recently seen forgotten first."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity
        self._key: bytes | None = None
        self._queue: queue.Queue[tuple[Engine, int, int, str]] = queue.Queue()
        self._writer: threading.Thread | None = None

    def note(self, engine: Engine, home: Path, *, token_id: int, account_id: int, address: str) -> bool:
        """Record that ``token_id`` was used from ``address``; True when this process had not seen the pair."""
        if self._key is None:
            self._key = load_key(home)
        mark = (token_id, address_key(self._key, address))
        with self._lock:
            if mark in self._seen:
                self._seen.move_to_end(mark)
                return False
            self._seen[mark] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="museion-token-addresses", daemon=True)
                self._writer.start()
        if engine.dialect.name == "sqlite":  # a second writer thread would make requests' own writes fail as locked
            self._record(engine, token_id, account_id, mark[1])
        else:
            self._queue.put((engine, token_id, account_id, mark[1]))
        return True

    def flush(self) -> None:
        """Wait until every queued sighting is written."""
        self._queue.join()

    def _write(self) -> None:
        while True:
            engine, token_id, account_id, key = self._queue.get()
            try:
                self._record(engine, token_id, account_id, key)
            finally:
                self._queue.task_done()

    @staticmethod
    def _record(engine: Engine, token_id: int, account_id: int, key: str) -> None:
        try:
            record(engine, token_id=token_id, account_id=account_id, key=key)
        except Exception:  # a store that went away (tests, shutdown) or is busy: the sighting is lost, not the request
            log.exception("could not record a token's address pattern")


def record(engine: Engine, *, token_id: int, account_id: int, key: str) -> None:
    """Insert the pair, or move its last sighting to now if another process wrote it first."""
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(insert(TokenAddress).values(token_id=token_id, account_id=account_id, address_key=key,
                                                     first_seen=now, last_seen=now))
    except IntegrityError:
        with engine.begin() as conn:
            conn.execute(update(TokenAddress).where(TokenAddress.token_id == token_id,
                                                    TokenAddress.address_key == key).values(last_seen=now))


@dataclass(frozen=True)
class NewAddress:
    token_id: int
    token_label: str
    token_kind: str
    account: str
    role: str
    address_key: str
    first_seen: datetime
    earlier: int
    """How many other address patterns the token was used from before."""


def new_addresses(conn: Connection, *, since: datetime) -> list[NewAddress]:
    """Address patterns first seen since ``since`` on tokens that had been used from another pattern before."""
    rows = conn.execute(select(TokenAddress.token_id, TokenAddress.address_key, TokenAddress.first_seen, Token.label,
                               Token.kind, Account.name, Account.role)
                        .join(Token, Token.id == TokenAddress.token_id).join(Account, Account.id == Token.account_id)
                        .order_by(TokenAddress.token_id, TokenAddress.first_seen)).all()
    found, before = [], {}
    for row in rows:
        earlier = before.get(row.token_id, 0)
        if earlier and row.first_seen >= since:
            found.append(NewAddress(int(row.token_id), row.label, row.kind, row.name, row.role, row.address_key,
                                    row.first_seen, earlier))
        before[row.token_id] = earlier + 1
    return found
