"""Import data quality by column: profiles (null counts, samples, commonest values) and their departures (pure), and
the check run after imports over a store (SQLite and PostgreSQL): a file whose empty values or value distribution
move against the same source's earlier imports raises alerts with the before and after figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from museion.risk import alerts, columns, quality


def _rows(n: int, *, empty: float, seed: int, shift: float = 0.0) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    return [{"value": "" if rng.random() < empty else f"{rng.normal(3 + shift, 1):.1f}",
             "kind": str(rng.choice(["rating", "view"], p=[0.7, 0.3]))} for _ in range(n)]


def test_profiles_pool_and_departures_name_the_column_and_measure() -> None:
    before = columns.pool([columns.profile(_rows(500, empty=0.02, seed=s)) for s in range(3)])
    assert before["value"]["rows"] == 1500 and before["value"]["numeric"] and not before["kind"]["numeric"]
    assert columns.departures(before, columns.profile(_rows(500, empty=0.02, seed=9))) == []
    worse = columns.departures(before, columns.profile(_rows(500, empty=0.30, seed=9, shift=1.5)))
    assert {(d.column, d.measure) for d in worse} == {("value", "null_rate"), ("value", "values")}
    nulls = next(d for d in worse if d.measure == "null_rate")
    assert nulls.before < 0.05 < 0.25 < nulls.after and nulls.severity == "high"
    late = columns.profile([{"a": "1"}, {"a": "2", "b": "x"}])  # a column that appears late was empty before
    assert late["b"]["nulls"] == 1 and late["b"]["rows"] == 2


def _events(path: Path, members: range, *, blank: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    lines = ["member,work,kind,value,timestamp"]
    for member in members:
        for work in rng.choice(40, 8, replace=False):
            view = rng.random() < blank
            lines.append(f"q{member},w{work},{'view' if view else 'rating'},{'' if view else 4.0},"
                         f"{1_600_000_000 + member * 100 + int(work)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_import_whose_empty_values_jump_raises_a_quality_alert(engine: Engine, tmp_path: Path) -> None:
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping
    from museion.jobs_kinds.followups import after_import

    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n" + "".join(f"w{n},film,Generated {n}\n" for n in range(40)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="q"), works)
    outcomes = []
    for n, blank in enumerate((0.05, 0.05, 0.05, 0.6)):
        path = tmp_path / f"events{n}.csv"
        _events(path, range(n * 40, n * 40 + 40), blank=blank, seed=n)
        import_file(engine, ColumnMapping("events", source="q"), path, label=path.name, keep_member_ids=True)
        outcomes.append(after_import(engine, tmp_path, actor="test",
                                     files=[quality.Imported("events", "q", path, path.name)]))
    assert all(o["profiled_runs"] for o in outcomes) and outcomes[0]["quality"] == {"alerts": []}
    raised = outcomes[-1]["quality"]["alerts"]
    with engine.connect() as conn:
        found = [alerts.get_alert(conn, a) for a in raised]
    subjects = {a["evidence"]["column"]: a for a in found if a["detector"] == quality.DETECTOR_COLUMNS}
    assert {"value", "kind"} <= set(subjects)
    value = subjects["value"]
    assert value["kind"] == "quality" and value["evidence"]["measure"] == "null_rate"
    assert value["evidence"]["before"] < 0.1 < 0.4 < value["evidence"]["after"]
    assert len(value["evidence"]["compared_with_runs"]) == 3 and "empty values" in value["summary"]
