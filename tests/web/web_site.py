"""The shared MovieLens site of the web tests (built by the ``movielens_site`` fixture in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine


@dataclass(frozen=True)
class Site:
    engine: Engine
    home: Path
    accounts: dict[str, int]  # account name (= role, or reviewer2) → id
    deployed: int  # the version serving lists

    def submit_new_version(self) -> int:
        """Train, audit and submit a fresh version (its own, so tests that review it never share one); the cheap
        most-popular model, since the board reviews its card, not its accuracy."""
        from helpers import audit_version
        from museion.recommend.training import train
        from museion.registry import lifecycle

        version = train(self.engine, self.home, "pop", source="movielens", actor="test").id
        audit_version(self.engine, self.home, version)
        with self.engine.begin() as conn:
            lifecycle.submit(conn, self.home, version, author_account_id=self.accounts["admin"], actor="test")
        return version
