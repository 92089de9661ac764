"""A small generated market for the planner, segment and outlook tests (labelled generated: not real data): 30 films
in three genres by a female or a male creator, viewed by 40 members over 2019–2020, popularity falling with the index
(w0 by 30 members … w25 by 5; w26–w29 by fewer than 5, so their demand is suppressed); Drama is seen mostly by
low-numbered members, Comedy by high-numbered ones, so their tastes differ."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine

GENRES = ("Drama", "Comedy", "Horror")


def _at(year: int, month: int) -> int:
    return int(datetime(year, month, 10, 12, tzinfo=timezone.utc).timestamp())


def build_market(engine: Engine, folder: Path) -> Engine:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    (folder / "creators.csv").write_text("key,name,gender\ncf,Ada Film,Female\ncm,Bo Film,Male\n", encoding="utf-8")
    (folder / "works.csv").write_text("key,kind,title,year,genres,creators\n" + "".join(
        f"w{i},film,Film {i},{2000 + i % 21},{GENRES[i % 3]},{'cf' if i % 4 == 0 else 'cm'}\n" for i in range(30)),
        encoding="utf-8")
    rows = []
    for i in range(30):
        for j in range(max(0, 30 - i) if i < 26 else 2):
            m = (j, 39 - j, (20 + j) % 40)[i % 3]  # Drama from m0 up, Comedy from m39 down: tastes differ
            month = 1 + (m + i) % 12
            rows.append(f"m{m},w{i},view,{_at(2019 + (m % 2), month)}\n")
    (folder / "events.csv").write_text("member,work,kind,timestamp\n" + "".join(rows), encoding="utf-8")
    import_file(engine, ColumnMapping("creators", source="t"), folder / "creators.csv")
    import_file(engine, ColumnMapping("works", source="t"), folder / "works.csv")
    import_file(engine, ColumnMapping("events", source="t"), folder / "events.csv", keep_member_ids=True)
    return engine
