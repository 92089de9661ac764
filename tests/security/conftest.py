"""The audit witness folder of the running test (the root conftest points MUSEION_AUDIT_WITNESS there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import SIGN_IN_PASSWORD, inspecting
from museion.security.auth import create_account
from museion.server import create_app


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    return tmp_path / "audit-witness"


@pytest.fixture
def app(sample_catalogue: Engine) -> FastAPI:
    """The real app over the sample catalogue, with one curator, alice, who signs in with ``SIGN_IN_PASSWORD``."""
    with sample_catalogue.begin() as conn, inspecting():
        create_account(conn, "alice", "curator", actor="test", password=SIGN_IN_PASSWORD)
    return create_app(sample_catalogue)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c
