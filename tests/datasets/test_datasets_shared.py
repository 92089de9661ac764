"""The real shared datasets load completely, idempotently and atomically on every backend."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from helpers import counts, inspecting, require_dataset
from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.datasets.registry import get_dataset
from museion.datasets.service import already_loaded, load_dataset
from museion.errors import InputRejected
from museion.privacy.models import Event

ML = "movielens-latest-small"


def corrupt_copy(src: Path, tmp_path: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / f"corrupt-{name}-{edit.__name__}"
    shutil.copytree(src, folder)
    path = folder / name
    path.chmod(0o644)
    path.write_bytes(edit(path.read_bytes()))
    return folder


def truncate_row(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[5000] = lines[5000].rsplit(b",", 1)[0]
    return b"\r\n".join(lines)


def bad_number(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    user, movie, _rating, ts = lines[7000].split(b",")
    lines[7000] = b",".join([user, movie, b"four", ts])
    return b"\r\n".join(lines)


def bad_encoding(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[100] = lines[100].replace(b"(", b"\xff(", 1)
    return b"\r\n".join(lines)


def missing_column(data: bytes) -> bytes:
    return data.replace(b"userId,movieId,rating,timestamp", b"userId,movie,rating,timestamp", 1)


def off_scale(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    user, movie, _rating, ts = lines[3000].split(b",")
    lines[3000] = b",".join([user, movie, b"7.5", ts])
    return b"\r\n".join(lines)


def between_half_stars(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    user, movie, _rating, ts = lines[4000].split(b",")
    lines[4000] = b",".join([user, movie, b"3.75", ts])
    return b"\r\n".join(lines)


def header_only(data: bytes) -> bytes:
    return data.split(b"\r\n", 1)[0] + b"\r\n"


def unknown_movie(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[9000] = b"1,999999999," + lines[9000].split(b",", 2)[2]
    return b"\r\n".join(lines)


def test_movielens_small_counts_reload_and_corrupted_copies(engine: Engine, tmp_path: Path) -> None:
    folder = require_dataset(ML)
    dataset = get_dataset(ML)
    load_dataset(engine, dataset, folder)
    loaded = counts(engine)
    assert (loaded["works"], loaded["members"]) == (9742, 610)
    with engine.connect() as conn, inspecting():
        by_kind = dict(conn.execute(select(Event.kind, func.count()).group_by(Event.kind)).all())
        heat = conn.execute(select(Work.title, Work.year, Work.external_ids).where(Work.key == "movielens:6")).one()
        no_genre = conn.scalar(select(func.count()).select_from(WorkTerm).where(WorkTerm.term == "(no genres listed)"))
    assert by_kind == {"rating": 100_836, "tag": 3_683}
    assert heat == ("Heat (1995)", 1995, {"imdb": "0113277", "tmdb": "949"})
    assert no_genre == 0
    assert already_loaded(engine, dataset, folder)

    reports = load_dataset(engine, dataset, folder)
    assert sum(r.inserted + r.updated for r in reports) == 0
    assert counts(engine) == loaded

    cases = [
        ("ratings.csv", truncate_row, 5001, None, "expected 4 fields, found 3"),
        ("ratings.csv", bad_number, 7001, "rating", "expected a number, found 'four'"),
        ("movies.csv", bad_encoding, 101, None, "not valid utf-8"),
        ("ratings.csv", missing_column, 1, "movieId", "column not found"),
        ("ratings.csv", unknown_movie, 9001, "movieId", "unknown work '999999999'"),
        ("ratings.csv", off_scale, 3001, "rating", "7.5 is out of range [0.5, 5]"),
        ("ratings.csv", between_half_stars, 4001, "rating", "3.75 is not on the scale 0.5..5 in steps of 0.5"),
        ("ratings.csv", header_only, None, None, "no rows"),
        ("tags.csv", header_only, None, None, "no rows"),
    ]
    for name, edit, line, column, reason in cases:
        bad = corrupt_copy(folder, tmp_path, name, edit)
        with pytest.raises(InputRejected) as err:
            load_dataset(engine, dataset, bad)
        problem = err.value.problems[0]
        assert problem.file == name and problem.line == line and problem.column == column, (edit.__name__, problem)
        assert reason in problem.reason, (edit.__name__, problem)
        assert counts(engine) == loaded, edit.__name__


def test_tate_links_artworks_to_artists_with_gender_and_birth_place(engine: Engine) -> None:
    folder = require_dataset("tate")
    load_dataset(engine, get_dataset("tate"), folder)
    c = counts(engine)
    assert c["works"] == 69_202
    assert c["creators"] == 3_532 + 5  # five contributors that artist_data.csv lacks keep their display names
    with engine.connect() as conn, inspecting():
        ship = conn.execute(
            select(Work.title, Work.year, Work.medium, Work.acquisition_year, Creator.name, Creator.gender,
                   Creator.birth_place, Creator.region, Credit.role)
            .join(Credit, Credit.work_id == Work.id).join(Creator, Creator.id == Credit.creator_id)
            .where(Work.key == "tate:3")
        ).one()
        abakanowicz = conn.execute(select(Creator.gender, Creator.birth_year, Creator.region).where(Creator.key == "tate:10093")).one()
        subjects = conn.scalar(select(func.count()).select_from(WorkTerm).where(WorkTerm.vocabulary == "subject"))
        unlinked = conn.scalar(select(func.count()).select_from(Work).where(~Work.id.in_(select(Credit.work_id))))
        genders = dict(conn.execute(select(Creator.gender, func.count()).where(Creator.source == "tate").group_by(Creator.gender)).all())
    assert ship[:5] == ("A Fishing Boat in Dieppe Harbour", 1929, "Oil paint on canvas", 2001, "Wood, Christopher")
    assert ship[5:] == ("Male", "Knowsley, United Kingdom", "United Kingdom", "artist")
    assert abakanowicz == ("Female", 1930, "Polska")
    assert subjects > 300_000
    assert unlinked == 0
    assert genders["Male"] == 2895 and genders["Female"] == 521


def test_moma_artists_keep_nationality_gender_and_birth_year(engine: Engine) -> None:
    folder = require_dataset("moma")
    load_dataset(engine, get_dataset("moma"), folder)
    with engine.connect() as conn, inspecting():
        arneson = conn.execute(select(Creator.name, Creator.nationality, Creator.gender, Creator.birth_year, Creator.death_year)
                               .where(Creator.key == "moma:1")).one()
        genders = dict(conn.execute(select(Creator.gender, func.count()).group_by(Creator.gender)).all())
        unknown_birth = conn.scalar(select(func.count()).select_from(Creator).where(Creator.birth_year.is_(None)))
    assert counts(engine)["creators"] == 14_839
    assert arneson == ("Robert Arneson", "American", "Male", 1930, 1992)
    assert genders["Male"] == 9723 + 5 and genders["Female"] == 2151 and "male" not in genders
    assert unknown_birth == 14_839 - 10_954


def test_missing_files_get_a_clear_instruction(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="museion datasets fetch movielens-latest-small"):
        load_dataset(engine, get_dataset(ML), tmp_path)


def test_tate_gz_truncation_is_rejected(engine: Engine, tmp_path: Path) -> None:
    folder = require_dataset("tate")
    bad = tmp_path / "tate"
    bad.mkdir()
    shutil.copy(folder / "artist_data.csv", bad / "artist_data.csv")
    with gzip.open(folder / "artworks.jsonl.gz", "rb") as src:
        head = b"".join(next(src) for _ in range(300))
    (bad / "artworks.jsonl.gz").write_bytes(gzip.compress(head)[:-40])
    with pytest.raises(InputRejected):
        load_dataset(engine, get_dataset("tate"), bad)
    assert counts(engine)["creators"] == 0
