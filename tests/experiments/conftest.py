"""Fixtures of the experiments tests (see experiment_data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from experiment_data import Setup, make_setup


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> Setup:
    return make_setup(engine, tmp_path)
