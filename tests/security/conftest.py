"""The audit witness folder of the running test (the root conftest points MUSEION_AUDIT_WITNESS there)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    return tmp_path / "audit-witness"
