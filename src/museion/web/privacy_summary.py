"""The privacy officer's page: every declared purpose beside its consent counts from the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from museion.privacy import consent


@dataclass(frozen=True)
class PurposeRow:
    code: str
    version: int
    name: str
    legal_basis: str
    categories: list[str]
    retention_days: int | None
    granted: int  # members whose latest decision grants it
    withdrawn: int  # members whose latest decision withdraws (or objects)


def purposes_with_consents(conn: Connection) -> list[PurposeRow]:
    """Every current purpose and how many members' latest decision grants or withdraws it."""
    counts = {code: (granted, withdrawn) for code, granted, withdrawn in consent.summary(conn)}
    return [PurposeRow(p.code, p.version, p.name, p.legal_basis, list(p.categories or []), p.retention_days,
                       *counts.get(p.code, (0, 0))) for p in consent.current_purposes(conn)]

