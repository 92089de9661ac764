"""Imports running at the same time, on real threads against SQLite and PostgreSQL: they serialise, and both land."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, func, select

from helpers import inspecting
from museion.ingest.load import ImportReport, import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy.models import Event, Member

WORKS = "key,kind,title\n" + "".join(f"{n},film,Film {n}\n" for n in range(1, 51))


def _events(tmp_path: Path, name: str, members: range) -> Path:
    """Events of ``members`` (new to the store) on the fifty films: 50 rows per member."""
    path = tmp_path / name
    path.write_text("member,work,kind,value\n" + "".join(f"m{m},{w},rating,{1 + (m + w) % 5}\n" for m in members
                                                          for w in range(1, 51)), encoding="utf-8")
    return path


def _parallel(engine: Engine, paths: list[Path]) -> tuple[list[ImportReport], list[BaseException]]:
    reports: list[ImportReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(paths))

    def run(path: Path) -> None:
        start.wait()
        try:
            reports.append(import_file(engine, ColumnMapping("events", source="s"), path, keep_member_ids=True))
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever escaped
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return reports, errors


def test_overlapping_new_members_imported_at_once_both_land(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "works.csv").write_text(WORKS, encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="s"), tmp_path / "works.csv")
    paths = [_events(tmp_path, f"events{n}.csv", range(n * 100, n * 100 + 300)) for n in range(3)]  # members overlap

    reports, errors = _parallel(engine, paths)

    assert errors == []
    assert sorted(r.inserted for r in reports)[-1] == 300 * 50  # whichever ran first inserted all of its rows
    with engine.connect() as conn, inspecting():
        assert conn.scalar(select(func.count()).select_from(Member)) == 500
        assert conn.scalar(select(func.count()).select_from(Event)) == 500 * 50
