"""Security records: accounts and their tokens and sessions.

Secrets are never stored: tokens and passwords are kept as argon2 hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime


class Account(Base):
    """A staff account with one role, or a member's self-service account (role ``member``, one member)."""

    __tablename__ = "accounts"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused: the audit chain names accounts by id

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, comment="login name; members get member-<id>")
    role: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True, comment="the only member a member account may read")
    password_hash: Mapped[str | None] = mapped_column(Text, comment="argon2; null for token-only accounts")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Token(Base):
    """An API token or a browser session. The public id is looked up; the secret is checked by argon2."""

    __tablename__ = "tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, comment="the non-secret part of the token")
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), comment="api or session")
    label: Mapped[str] = mapped_column(String(128), default="")
    secret_hash: Mapped[str] = mapped_column(Text, comment="argon2 hash of the secret part")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(
        String(64), comment="the staff actor who issued a member's token; null when the account holder did")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())



class TokenAddress(Base):
    """An address pattern a token or session was used from: the network (IPv4 /24, IPv6 /48) as a keyed hash, never
    the address itself (an address is personal data and the misuse check only needs to tell patterns apart); written
    the first time a process sees the pair (museion.security.addresses)."""

    __tablename__ = "token_addresses"
    __table_args__ = (UniqueConstraint("token_id", "address_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    address_key: Mapped[str] = mapped_column(String(32), comment="keyed hash (HMAC-SHA256, 128 bits) of the network")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now(), index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
