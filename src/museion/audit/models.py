"""The hash-chained audit log: entries, the chain's head and signed checkpoints.

The tables hold ids, hashes and action names only, so erasing a member never has to touch (and break) the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from museion.store.base import Base, BigId, UTCDateTime


class AuditEntry(Base):
    """One link of the audit chain. ``hash`` commits to every other column and to the previous hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(256), index=True)
    details: Mapped[str] = mapped_column(Text, comment="canonical JSON of ids and counts, hashed as stored")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's single head row: appends lock it, which serialises writers on every backend."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed statement "the chain had this hash at this seq", made every so many entries."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), comment="which audit key signed it")
    signature: Mapped[str] = mapped_column(String(64), comment="HMAC-SHA256 over seq and hash")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
