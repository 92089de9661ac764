"""Accounts, API tokens and browser sessions: creating them, checking them, revoking them.

A token reads ``mus_<public id>_<secret>``. The public id finds the row with one indexed lookup; the
secret is checked against its argon2 hash. A successful check is remembered per process (as a SHA-256
of the token) so later requests skip argon2 — but every request still reads the row, so revocation,
expiry and disabled accounts take effect at once. Every change is appended to the audit chain.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from museion import audit
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import gate
from museion.security.models import Account, Token
from museion.security.permissions import Role

TOKEN_RE = re.compile(r"mus_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
NAME_RE = re.compile(r"[a-z][a-z0-9_.-]{1,63}")
API, SESSION = "api", "session"
SESSION_LIFETIME = timedelta(hours=8)
DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS = 90, 365
MIN_PASSWORD = 12

PASSWORDS = PasswordHasher()  # argon2id, RFC 9106 low-memory profile: people choose guessable passwords
# Token secrets carry 256 random bits, so OWASP's minimum argon2id profile is ample and keeps logins quick.
TOKENS = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


class AuthError(MuseionError):
    """Credentials were refused. The message never says which part was wrong."""


@cache
def _dummy_hash() -> str:
    """Verified against when a name is unknown, so a wrong name takes as long as a wrong password."""
    return PASSWORDS.hash(secrets.token_hex(16))


def utcnow() -> datetime:
    return datetime.now(UTC)



@dataclass(frozen=True)
class Principal:
    """Who is making a request: an account, its role and (for members) the one member it may read."""

    account_id: int
    name: str
    role: str
    member_key: str | None
    token_id: int
    via: str  # api or session
    csrf: str | None = None  # sessions only: what forms and unsafe requests must echo back
    issued_by: str | None = None  # a member token minted by staff: the staff actor who minted it

    @property
    def actor(self) -> str:
        """The identifier this principal has in the audit chain."""
        return f"account:{self.account_id}"

    def channel(self, own: str) -> str:
        """The channel a data-subject request made with these credentials came by: ``own`` when the member acted
        themselves, ``staff:<actor>`` when the token was minted by staff, so the ledger never shows it as theirs."""
        return own if self.issued_by is None else f"staff:{self.issued_by}"


@dataclass(frozen=True)
class IssuedToken:
    """A new token. ``token`` is the secret: it is shown once and never stored."""

    id: int
    public_id: str
    account_id: int
    kind: str
    token: str
    expires_at: datetime


def csrf_for(secret: str) -> str:
    """The CSRF token of a session: derived from the session secret, which only the server and the
    HttpOnly cookie know, so a page on another site can neither read nor compute it."""
    return hmac.digest(secret.encode(), b"museion-csrf", "sha256").hex()


# --- accounts ----------------------------------------------------------------------------------

def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise MuseionError(f"a password needs {MIN_PASSWORD} to 1024 characters")


def create_account(conn: Connection, name: str, role: str, *, actor: str, password: str | None = None,
                   member_id: int | None = None) -> int:
    """A new account with one role; members are created by ``member_account`` instead."""
    if not NAME_RE.fullmatch(name):
        raise MuseionError(f"account name {name!r}: use 2–64 lowercase letters, digits, '.', '_' or '-', starting with a letter")
    role = Role(role).value
    if conn.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise MuseionError(f"an account named {name!r} already exists")
    if password is not None:
        _check_password(password)
    account_id = int(conn.execute(insert(Account).values(
        name=name, role=role, member_id=member_id, active=True,
        password_hash=PASSWORDS.hash(password) if password is not None else None,
    ).returning(Account.id)).scalar_one())
    audit.record(conn, actor=actor, action="account.create", target=f"account:{account_id}", details={"role": role})
    return account_id


def account_id_for(conn: Connection, name: str) -> int:
    found = conn.scalar(select(Account.id).where(Account.name == name))
    if found is None:
        raise NotFound(f"no account named {name!r}")
    return int(found)


def update_account(conn: Connection, account_id: int, *, actor: str, role: str | None = None, active: bool | None = None,
                   password: str | None = None) -> None:
    """Change an account's role, password or whether it may sign in; disabling also ends its sessions.
    The last active admin can be neither disabled nor demoted: nobody could manage accounts afterwards."""
    current = conn.execute(select(Account.name, Account.role, Account.active).where(Account.id == account_id)).first()
    if current is None:
        raise NotFound(f"no account with id {account_id}")
    if current.role == Role.ADMIN and current.active and (active is False or role not in (None, Role.ADMIN)):
        _keep_an_admin(conn, account_id, current.name)
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = Role(role).value
    if active is not None:
        values["active"] = active
    if password is not None:
        _check_password(password)
        values["password_hash"] = PASSWORDS.hash(password)
    if not values:
        return
    conn.execute(update(Account).where(Account.id == account_id).values(**values))
    if active is False or password is not None:
        conn.execute(update(Token).where(Token.account_id == account_id, Token.kind == SESSION, Token.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
    changed = sorted(k if k != "password_hash" else "password" for k in values)
    audit.record(conn, actor=actor, action="account.update", target=f"account:{account_id}",
                 details={"changed": changed, **({"role": values["role"]} if "role" in values else {}),
                          **({"active": active} if active is not None else {})})


def _keep_an_admin(conn: Connection, account_id: int, name: str) -> None:
    """Refuse to disable or demote ``account_id`` when it is the only active admin (rows locked on PostgreSQL)."""
    admins = select(Account.id).where(Account.role == Role.ADMIN, Account.active.is_(True))
    if conn.dialect.name == "postgresql":
        admins = admins.with_for_update()
    if not [a for a in conn.scalars(admins) if a != account_id]:
        raise Conflict(f"{name} is the last active admin: make another account admin first, then disable or demote this one")


def delete_member_account(conn: Connection, member_id: int, *, actor: str) -> int | None:
    """Delete the self-service account of an erased member and its tokens, audited (the member row's cascade
    would remove them silently); returns the account id, or None when the member had none."""
    account_id = conn.scalar(select(Account.id).where(Account.member_id == member_id))
    if account_id is None:
        return None
    tokens = conn.scalar(select(func.count()).select_from(Token).where(Token.account_id == account_id))
    conn.execute(delete(Token).where(Token.account_id == account_id))
    conn.execute(delete(Account).where(Account.id == account_id))
    audit.record(conn, actor=actor, action="account.delete", target=f"account:{account_id}",
                 details={"reason": "member_erased", "tokens": int(tokens or 0)})
    return int(account_id)


def list_accounts(conn: Connection, account_id: int | None = None) -> list[dict[str, Any]]:
    """Accounts (one, with ``account_id``) without their password hashes."""
    query = select(Account.id, Account.name, Account.role, Account.active, Account.created_at,
                   (Account.password_hash.is_not(None)).label("has_password")).order_by(Account.id)
    if account_id is not None:
        query = query.where(Account.id == account_id)
    return [{**r._asdict(), "created_at": r.created_at} for r in conn.execute(query)]


def member_account(conn: Connection, member_key: str, *, actor: str) -> int:
    """The self-service account of the member with ``member_key``, created on first use."""
    member_id = gate.member_id_for(conn, member_key, purpose=gate.RIGHTS, actor=actor)
    existing = conn.scalar(select(Account.id).where(Account.member_id == member_id))
    if existing is not None:
        return int(existing)
    return create_account(conn, f"member-{member_id}", Role.MEMBER, actor=actor, member_id=int(member_id))


# --- tokens ------------------------------------------------------------------------------------

def issue_token(conn: Connection, account_id: int, *, actor: str, kind: str = API, label: str = "",
                days: int = DEFAULT_TOKEN_DAYS, issued_by: str | None = None) -> IssuedToken:
    """Create a token for ``account_id``; its secret is returned once, only its argon2 hash is kept.
    ``issued_by`` marks a token that staff minted to act for a member (see ``issue_member_token``)."""
    if kind == API and not 1 <= days <= MAX_TOKEN_DAYS:
        raise MuseionError(f"a token lives 1 to {MAX_TOKEN_DAYS} days")
    active = conn.scalar(select(Account.active).where(Account.id == account_id))
    if active is None:
        raise NotFound(f"no account with id {account_id}")
    if not active:
        raise MuseionError(f"account {account_id} is disabled")
    public_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires_at = utcnow() + (SESSION_LIFETIME if kind == SESSION else timedelta(days=days))
    token_id = int(conn.execute(insert(Token).values(
        public_id=public_id, account_id=account_id, kind=kind, label=label, secret_hash=TOKENS.hash(secret),
        expires_at=expires_at, issued_by=issued_by,
    ).returning(Token.id)).scalar_one())
    if kind == API:
        audit.record(conn, actor=actor, action="token.create", target=f"token:{token_id}",
                     details={"account": account_id, "days": days, **({"for_member_by": issued_by} if issued_by else {})})
    return IssuedToken(token_id, public_id, account_id, kind, f"mus_{public_id}_{secret}", expires_at)


def issue_member_token(conn: Connection, member_key: str, *, actor: str, label: str = "", days: int = DEFAULT_TOKEN_DAYS) -> IssuedToken:
    """A token that acts for a member, minted by staff (``tokens:issue_member``): audited as such, and every
    data-subject request made with it is recorded as made by ``actor`` on the member's behalf."""
    return issue_token(conn, member_account(conn, member_key, actor=actor), actor=actor, label=label, days=days, issued_by=actor)


def revoke_token(conn: Connection, token_id: int, *, actor: str, owner: int | None = None) -> None:
    """Revoke a token (or end a session). With ``owner``, only that account's tokens may be revoked."""
    query = select(Token.kind, Token.account_id, Token.revoked_at).where(Token.id == token_id)
    row = conn.execute(query).first()
    if row is None or (owner is not None and row.account_id != owner):
        raise NotFound(f"no token with id {token_id}")
    if row.revoked_at is None:
        conn.execute(update(Token).where(Token.id == token_id).values(revoked_at=utcnow()))
    action = "auth.logout" if row.kind == SESSION else "token.revoke"
    audit.record(conn, actor=actor, action=action, target=f"token:{token_id}", details={"account": row.account_id})


def list_tokens(conn: Connection, account_id: int | None = None) -> list[dict[str, Any]]:
    """API tokens (never their secrets or hashes), newest first; one account's when ``account_id`` is given."""
    query = select(Token.id, Token.public_id, Token.account_id, Token.label, Token.created_at, Token.expires_at,
                   Token.revoked_at).where(Token.kind == API).order_by(Token.id.desc())
    if account_id is not None:
        query = query.where(Token.account_id == account_id)
    return [r._asdict()
            for r in conn.execute(query)]


# --- signing in --------------------------------------------------------------------------------

def login_with_password(conn: Connection, name: str, password: str) -> IssuedToken:
    """Check a name and password and open a browser session; failures are audited and say nothing more."""
    row = conn.execute(select(Account.id, Account.password_hash, Account.active).where(Account.name == name)).first()
    try:
        PASSWORDS.verify(row.password_hash if row and row.password_hash else _dummy_hash(), password)
        ok = bool(row and row.password_hash and row.active)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        audit.record(conn, actor="anonymous", action="auth.login_failed", target=audit.pseudonym("name", name))
        raise AuthError("wrong name or password")
    audit.record(conn, actor=f"account:{row.id}", action="auth.login", target=f"account:{row.id}", details={"via": "password"})
    return issue_token(conn, int(row.id), actor=f"account:{row.id}", kind=SESSION)


def login_with_token(conn: Connection, verifier: TokenVerifier, token: str) -> IssuedToken:
    """Exchange a valid API token for a browser session (how the demo's admin signs in to the web app)."""
    principal = verifier.resolve(conn, token, API)
    if principal is None:
        audit.record(conn, actor="anonymous", action="auth.login_failed", target="token")
        raise AuthError("that token is not valid")
    audit.record(conn, actor=principal.actor, action="auth.login", target=principal.actor, details={"via": "token"})
    return issue_token(conn, principal.account_id, actor=principal.actor, kind=SESSION)


_tokens, _accounts = Token.__table__, Account.__table__
# Built once from table columns (not ORM attributes): this runs on every request, and SQLAlchemy then
# reuses the compiled statement and its result metadata.
_LOOKUP = (
    select(_tokens.c.id, _tokens.c.secret_hash, _tokens.c.expires_at, _tokens.c.revoked_at, _accounts.c.id.label("account_id"),
           _accounts.c.name, _accounts.c.role, _accounts.c.active, _accounts.c.member_id, _tokens.c.issued_by)
    .select_from(_tokens.join(_accounts, _accounts.c.id == _tokens.c.account_id))
    .where(_tokens.c.public_id == bindparam("public_id"), _tokens.c.kind == bindparam("kind"))
)


class TokenVerifier:
    """Resolves tokens to principals; remembers verified secrets (bounded, per process) to skip argon2."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._verified: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def resolve(self, conn: Connection, token: str, kind: str) -> Principal | None:
        """The principal a live token of ``kind`` belongs to, or None (unknown, wrong, expired, revoked, disabled)."""
        match = TOKEN_RE.fullmatch(token)
        if not match:
            return None
        public_id, secret = match.groups()
        row = conn.execute(_LOOKUP, {"public_id": public_id, "kind": kind}).first()
        if row is None or row.revoked_at is not None or not row.active:
            return None
        if (expires := row.expires_at) is not None and expires <= utcnow():
            return None
        if not self._check(public_id, secret, row.secret_hash):
            return None
        member_key = (None if row.member_id is None else  # a member's own account: the key its routes may read
                      gate.member_key_of(conn, row.member_id, purpose=gate.RIGHTS, actor=row.name))
        return Principal(int(row.account_id), row.name, row.role, member_key, int(row.id), kind,
                         csrf_for(secret) if kind == SESSION else None, row.issued_by)

    def _check(self, public_id: str, secret: str, secret_hash: str) -> bool:
        fingerprint = hashlib.sha256(secret.encode()).digest()
        with self._lock:
            known = self._verified.get(public_id)
        if known is not None:
            return hmac.compare_digest(known, fingerprint)
        try:
            TOKENS.verify(secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return False
        with self._lock:
            self._verified[public_id] = fingerprint
            if len(self._verified) > self._capacity:
                self._verified.popitem(last=False)
        return True
