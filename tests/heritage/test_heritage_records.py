"""The heritage records read by three Core selects (``records_by_ids``) are exactly those ``work_record`` builds from
ORM-loaded works: on the sample catalogue on every backend, and for any rows (a property of the pure assembly)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from museion.catalog.export import ai_provenance
from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.catalog.queries import works_by_ids
from museion.heritage.records import records_by_ids, records_from_rows, work_record
from oai_support import generated_catalogue

ACCEPTED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def enrich(engine: Engine) -> list[int]:
    """Give the sample what the plain columns do not: identifiers, AI-added and curator-added terms, a second credit."""
    with engine.begin() as conn:
        ids = {key: wid for key, wid in conn.execute(select(Work.key, Work.id))}
        creators = {key: cid for key, cid in conn.execute(select(Creator.key, Creator.id))}
        heat, varda = ids["demo:1"], ids["demo:2"]
        conn.execute(update(Work).where(Work.id == heat).values(
            external_ids={"wikidata": "q1234", "url": "https://example.org/heat", "blank": " "}))
        conn.execute(update(Creator).where(Creator.id == creators["demo:c1"]).values(
            external_ids={"wikidata": "Q5", "ulan": "500012345"}, nationality="American"))
        conn.execute(insert(WorkTerm), [
            {"work_id": heat, "vocabulary": "subject", "term": "Los Angeles", "position": 7, "added_at": ACCEPTED,
             "origin": "ai:model_version:3 proposal:9 accepted by account:2"},
            {"work_id": heat, "vocabulary": "subject", "term": "heist", "position": 8, "added_at": None,
             "origin": "ai:model_version:3 proposal:9 added by account:2"},
            {"work_id": varda, "vocabulary": "subject", "term": "Rive Gauche", "position": 5, "added_at": ACCEPTED,
             "origin": "account:4"},
        ])
        conn.execute(insert(Credit).values(work_id=heat, creator_id=creators["demo:c2"], role="producer", position=1))
    return [*ids.values()]


def test_core_records_equal_the_orm_records_on_the_sample(sample_catalogue: Engine, tmp_path: Path) -> None:
    generated_catalogue(sample_catalogue, tmp_path, works=9)
    ids = enrich(sample_catalogue)
    wanted = [*reversed(ids), 10**9]  # any order; an id with no work is left out
    with sample_catalogue.connect() as conn, Session(bind=conn) as session:
        orm = {w.id: work_record(w) for w in works_by_ids(session, wanted)}
        core = records_by_ids(conn, wanted, batch=4)  # several batches
    assert list(core) == list(orm) == [i for i in wanted if i in orm] and core == orm
    heat = next(r for r in core.values() if r.key == "demo:1")
    assert heat.ai_terms == ("subject:Los Angeles [ai:model_version:3 proposal:9 accepted by account:2 at "
                             "2024-05-06T07:08:09.123456+00:00]", "subject:heist [ai:model_version:3 proposal:9 added by account:2]")
    assert [(a.name, a.role) for a in heat.creators] == [("Michael Mann", "creator"), ("Agnès Varda", "producer")]
    assert heat.creators[0].same_as == ("http://vocab.getty.edu/page/ulan/500012345", "http://www.wikidata.org/entity/Q5")
    assert heat.same_as == ("https://example.org/heat", "http://www.wikidata.org/entity/Q1234")
    with sample_catalogue.connect() as conn:
        assert records_by_ids(conn, []) == {}


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
MOMENT = st.datetimes(timezones=st.just(UTC))
TERM = st.tuples(st.sampled_from(["subject", "genre", "movement"]), TEXT,
                 st.one_of(st.none(), TEXT, TEXT.map(lambda t: "ai:" + t)), st.one_of(st.none(), MOMENT))
IDS = st.dictionaries(st.sampled_from(["wikidata", "ulan", "url", "other"]),
                      st.one_of(st.none(), st.integers(0, 10**6), st.sampled_from(["Q42", "500", "https://x.org/1"]), TEXT),
                      max_size=3)
OPTIONAL = st.one_of(st.none(), TEXT)
YEAR = st.one_of(st.none(), st.integers(-3000, 3000))
CREATOR = st.tuples(TEXT, TEXT, TEXT, YEAR, YEAR, OPTIONAL, OPTIONAL, IDS)
WORK = st.tuples(TEXT, TEXT, TEXT, TEXT, MOMENT, YEAR, *[OPTIONAL] * 7, IDS,
                 st.lists(TERM, max_size=5), st.lists(st.tuples(TEXT, CREATOR), max_size=3))


@settings(max_examples=150, deadline=None)
@given(works=st.lists(WORK, max_size=4))
def test_records_from_rows_is_work_record_for_any_rows(works: list[tuple]) -> None:  # type: ignore[type-arg]
    work_rows, term_rows, credit_rows, orm = [], [], [], {}
    for wid, (*columns, ids, terms, credits) in enumerate(works, 1):
        work_rows.append((wid, *columns, ids))
        term_rows += [(wid, *t) for t in terms]
        credit_rows += [(wid, role, *c) for role, c in credits]
        key, source, kind, title, updated_at, year, date_text, language, region, description, medium, image, rights = columns
        work = Work(id=wid, key=key, source=source, kind=kind, title=title, updated_at=updated_at, year=year,
                    date_text=date_text, language=language, region=region, description=description, medium=medium,
                    image_url=image, rights=rights, external_ids=ids)
        work.terms = [WorkTerm(vocabulary=v, term=t, origin=o, added_at=a, position=p)
                      for p, (v, t, o, a) in enumerate(terms)]
        work.credits = [Credit(role=role, position=p, creator=Creator(
            key=ck, source=cs, name=name, birth_year=b, death_year=d, gender=g, nationality=n, external_ids=cids))
            for p, (role, (ck, cs, name, b, d, g, n, cids)) in enumerate(credits)]
        orm[wid] = work
    got = records_from_rows(work_rows, term_rows, credit_rows)
    assert got == {wid: work_record(w) for wid, w in orm.items()}
    assert all(list(r.ai_terms) == ai_provenance(orm[wid]) for wid, r in got.items())
