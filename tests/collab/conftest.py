"""Reviewers of every staff role, and a way to queue proposals of a kind."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from museion.collab.queue import Draft, propose_many
from museion.collab.review import Reviewer
from museion.security.auth import create_account


@pytest.fixture
def reviewers(engine: Engine) -> dict[str, Reviewer]:
    """Two curators, two algorithm reviewers, an analyst, a privacy officer and an admin (the senior role)."""
    names = {"cur1": "curator", "cur2": "curator", "alg1": "algorithm_reviewer", "alg2": "algorithm_reviewer",
             "ana": "analyst", "po": "privacy_officer", "adm": "admin"}
    with engine.begin() as conn:
        return {name: Reviewer(create_account(conn, name, role, actor="test"), role) for name, role in names.items()}


def draft(kind: str = "work.subjects", n: int = 0, confidence: float | None = 0.5, **extra: object) -> Draft:
    return Draft(kind=kind, subject=f"work:t:{n}", payload={"subjects": ["sea", f"s{n}"]},
                 evidence={"neighbours": [f"work:t:{n + 1}"]}, proposed_by="studio.subjects", confidence=confidence,
                 **extra)  # type: ignore[arg-type]


@pytest.fixture
def make_draft() -> Callable[..., Draft]:
    return draft


@pytest.fixture
def queue(engine: Engine) -> Callable[..., list[int]]:
    def add(count: int = 1, kind: str = "work.subjects", **extra: object) -> list[int]:
        with engine.begin() as conn:
            return propose_many(conn, [draft(kind, n, **extra) for n in range(count)])
    return add
