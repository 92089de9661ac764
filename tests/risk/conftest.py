"""The generated audience of tests/risk/risk_data.py imported into the test store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from risk_data import generated_ratings


@pytest.fixture
def rated(engine: Engine, tmp_path: Path) -> Engine:
    """The generated audience imported under source ``gen``."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    works, events = generated_ratings()
    for name, text in (("works", works), ("events", events)):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        import_file(engine, ColumnMapping(name, source="gen"), path, keep_member_ids=True)
    return engine
