"""A re-import replaces a work's terms from its source record, and keeps the ones people accepted from an AI proposal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, insert, select

from museion.catalog.models import Work, WorkTerm
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping


def test_accepted_ai_terms_survive_a_reimport(engine: Engine, tmp_path: Path) -> None:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,subjects\n1,artwork,Harbour,sea|boat\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="g"), works)
    with engine.begin() as conn:
        work = conn.scalar(select(Work.id).where(Work.key == "g:1"))
        conn.execute(insert(WorkTerm).values(work_id=work, vocabulary="subject", term="harbour", position=9,
                                             origin="ai:model_version:1 proposal:1 accepted by account:2"))
    works.write_text("key,kind,title,subjects\n1,artwork,Harbour at Dawn,sea|harbour\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="g"), works)
    with engine.connect() as conn:
        terms = conn.execute(select(WorkTerm.term, WorkTerm.origin).where(WorkTerm.work_id == work).order_by(WorkTerm.term)).all()
    assert [(t, o is not None) for t, o in terms] == [("harbour", True), ("sea", False)]  # boat gone, harbour once
