"""Adapters for the public datasets: each maps the publisher's files onto works, creators, members
and events through the same validated, atomic import path that users' own files take. Adapters
declare the domains of their values (MovieLens rates 0.5–5 in half stars), and every file must
have rows: an empty file in a dataset copy is refused, never loaded as nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from museion.datasets.dataset import Dataset, Download, register
from museion.errors import InputRejected, Problem
from museion.ingest.load import ImportReport, import_file, import_rows
from museion.ingest.mapping import ColumnMapping
from museion.ingest.readers import Progress, ReadOptions, iter_rows
from museion.ingest.schema import Domain

ProgressFactory = Callable[[str, int], Progress] | None


def _progress(factory: ProgressFactory, path: Path) -> Progress | None:
    return factory(path.name, path.stat().st_size) if factory and path.is_file() else None


def _load(conn: Connection, folder: Path, mapping: ColumnMapping, name: str, max_errors: int,
          progress: ProgressFactory, **kwargs: Any) -> ImportReport:
    path = folder / name
    return import_file(conn, mapping, path, max_errors=max_errors, progress=_progress(progress, path), require_rows=True, **kwargs)


def _lookup_table(path: Path, options: ReadOptions, key: str, max_errors: int) -> dict[str, dict[str, Any]]:
    """Read a small side file (e.g. MovieLens links) into key → row, rejecting unparseable rows."""
    table: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for item in iter_rows(path, options, path.name):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            table[item[1][key]] = item[1]
        if len(problems) >= max_errors:
            break
    if problems:
        raise InputRejected(problems)
    return table


# --- MovieLens latest-small -------------------------------------------------------------------

_YEAR_IN_TITLE = re.compile(r"\((\d{4})(?:[–-]\d{0,4})?\)\s*$")
ML_SOURCE = "movielens"
ML_RATINGS = Domain(0.5, 5.0, 0.5)  # half stars


def movielens_year(title: str) -> str:
    """The release year MovieLens appends to titles ("Heat (1995)"), or '' when it has none."""
    match = _YEAR_IN_TITLE.search(title)
    return match.group(1) if match else ""


def load_movielens_small(conn: Connection, folder: Path, max_errors: int, progress: ProgressFactory) -> list[ImportReport]:
    MOVIELENS_SMALL.require(folder)
    links = _lookup_table(folder / "links.csv", ReadOptions(), "movieId", max_errors)

    def movie(row: dict[str, Any]) -> dict[str, Any]:
        link = links.get(row["movieId"], {})
        genres = "" if row["genres"] == "(no genres listed)" else row["genres"]
        return {**row, "genres": genres, "year (from title)": movielens_year(row["title"]),
                "imdbId": link.get("imdbId", ""), "tmdbId": link.get("tmdbId", "")}

    works = ColumnMapping("works", source=ML_SOURCE, constants={"kind": "film"}, columns={
        "key": "movieId", "year": "year (from title)", "external_ids.imdb": "imdbId", "external_ids.tmdb": "tmdbId"})
    ratings = ColumnMapping("events", source=ML_SOURCE, constants={"kind": "rating"},
                            columns={"member": "userId", "work": "movieId", "value": "rating"}, domains={"value": ML_RATINGS})
    tags = ColumnMapping("events", source=ML_SOURCE, constants={"kind": "tag"},
                         columns={"member": "userId", "work": "movieId", "label": "tag"})
    return [  # MovieLens user ids are GroupLens's own anonymised numbers: kept, not pseudonymised again
        _load(conn, folder, works, "movies.csv", max_errors, progress, transform=movie,
              derived=("year (from title)", "imdbId", "tmdbId")),
        _load(conn, folder, ratings, "ratings.csv", max_errors, progress, keep_member_ids=True),
        _load(conn, folder, tags, "tags.csv", max_errors, progress, keep_member_ids=True),
    ]


MOVIELENS_SMALL = register(Dataset(
    name="movielens-latest-small",
    title="MovieLens latest-small (ratings, tags, movies with genres, links)",
    publisher="GroupLens Research, University of Minnesota",
    credit="MovieLens (GroupLens)",
    licence="MovieLens usage licence: research and non-commercial use; cite Harper & Konstan (2015)",
    homepage="https://grouplens.org/datasets/movielens/",
    folder="movielens-latest-small",
    source=ML_SOURCE,
    files={
        "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
        "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
        "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
        "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
    },
    load=load_movielens_small,
    download=Download(
        archive_url="https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
        archive_prefix="ml-latest-small/",
    ),
))


# --- MovieLens 100K (not redistributable: works from a folder the user downloaded) -----------------

ML100K_SOURCE = "ml100k"
ML100K_RATINGS = Domain(1.0, 5.0, 1.0)  # whole stars
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)
ML100K_ITEM_COLUMNS = ("movie id", "movie title", "release date", "video release date", "IMDb URL", *ML100K_GENRES)


def load_movielens_100k(conn: Connection, folder: Path, max_errors: int, progress: ProgressFactory) -> list[ImportReport]:
    MOVIELENS_100K.require(folder)

    def movie(row: dict[str, Any]) -> dict[str, Any]:
        flags = [row[g] for g in ML100K_GENRES]
        bad = [f for f in flags if f not in ("0", "1")]
        if bad:
            raise ValueError(f"genre flags must be 0 or 1, found {bad[0]!r}")
        genres = "|".join(g for g, f in zip(ML100K_GENRES, flags) if f == "1" and g != "unknown")
        date = row["release date"]
        return {**row, "genres": genres, "year (from release date)": date[-4:] if date else ""}

    users = ColumnMapping("members", source=ML100K_SOURCE,
                          columns={"key": "user id", "age": "age", "gender": "gender", "occupation": "occupation"},
                          read=ReadOptions(format="csv", delimiter="|", encoding="latin-1", quote="none",
                                           columns=("user id", "age", "gender", "occupation", "zip code")))
    # The zip code is read (to check the row) but never stored: it is not needed for any purpose.
    works = ColumnMapping("works", source=ML100K_SOURCE, constants={"kind": "film"},
                          columns={"key": "movie id", "title": "movie title", "date_text": "release date",
                                   "year": "year (from release date)", "external_ids.imdb_url": "IMDb URL"},
                          read=ReadOptions(format="csv", delimiter="|", encoding="latin-1", quote="none",
                                           columns=ML100K_ITEM_COLUMNS))
    ratings = ColumnMapping("events", source=ML100K_SOURCE, constants={"kind": "rating"}, domains={"value": ML100K_RATINGS},
                            columns={"member": "user id", "work": "item id", "value": "rating", "timestamp": "timestamp"},
                            read=ReadOptions(format="tsv", columns=("user id", "item id", "rating", "timestamp")))
    return [
        _load(conn, folder, users, "u.user", max_errors, progress, keep_member_ids=True),
        _load(conn, folder, works, "u.item", max_errors, progress, transform=movie,
              derived=("genres", "year (from release date)")),
        _load(conn, folder, ratings, "u.data", max_errors, progress, keep_member_ids=True),
    ]


MOVIELENS_100K = register(Dataset(
    name="movielens-100k",
    title="MovieLens 100K (ratings with members' age, gender and occupation)",
    publisher="GroupLens Research, University of Minnesota",
    credit="MovieLens 100K (GroupLens)",
    licence="MovieLens usage licence; may NOT be redistributed: download it yourself and pass --path DIR",
    homepage="https://grouplens.org/datasets/movielens/100k/",
    folder="ml-100k",
    source=ML100K_SOURCE,
    files={"u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490", "u.item": None, "u.user": None},
    load=load_movielens_100k,
    download=Download(archive_url="https://files.grouplens.org/datasets/movielens/ml-100k.zip", archive_prefix="ml-100k/"),
    redistributable=False,
))


# --- Tate --------------------------------------------------------------------------------------

TATE_SOURCE = "tate"


def _country(place: str) -> str:
    """Tate writes birth places as "City, Country" (or just the country): keep the last part as region."""
    return place.rsplit(",", 1)[-1].strip() if place else ""


def _tate_contributors(path: Path) -> dict[str, tuple[int, str]]:
    """Every contributor id in the artworks file with its first line and display name."""
    seen: dict[str, tuple[int, str]] = {}
    for item in iter_rows(path, ReadOptions(format="jsonl"), path.name):
        if isinstance(item, Problem):
            continue  # reported by the artworks import itself
        line, record = item
        for c in record.get("contributors") or []:
            if isinstance(c, dict) and "id" in c:
                seen.setdefault(str(c["id"]), (line, str(c.get("name") or "")))
    return seen


def load_tate(conn: Connection, folder: Path, max_errors: int, progress: ProgressFactory) -> list[ImportReport]:
    TATE.require(folder)
    artists = ColumnMapping("creators", source=TATE_SOURCE, constants={"roles": "artist"}, columns={
        "key": "id", "birth_year": "yearOfBirth", "death_year": "yearOfDeath", "birth_place": "placeOfBirth",
        "region": "country (from placeOfBirth)", "external_ids.url": "url"})
    reports = [_load(conn, folder, artists, "artist_data.csv", max_errors, progress,
                     transform=lambda r: {**r, "country (from placeOfBirth)": _country(r["placeOfBirth"])},
                     derived=("country (from placeOfBirth)",))]
    # A few artworks credit contributors that artist_data.csv lacks; they keep their display name.
    known = set(_lookup_table(folder / "artist_data.csv", ReadOptions(), "id", max_errors))
    extra = [(line, {"key": key, "name": name}) for key, (line, name) in _tate_contributors(folder / "artworks.jsonl.gz").items()
             if key not in known]
    if extra:
        reports.append(import_rows(conn, ColumnMapping("creators", source=TATE_SOURCE), extra,
                                   label="artworks.jsonl.gz (contributors)", max_errors=max_errors))

    def artwork(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "kind": "artwork", "creators": row.get("contributors"),
                "classification": [row["classification"]] if row.get("classification") else None}

    artworks = ColumnMapping("works", source=TATE_SOURCE, columns={
        "key": "id", "date_text": "dateText", "acquisition_year": "acquisitionYear", "image_url": "thumbnailUrl",
        "rights": "thumbnailCopyright", "genres": "classification", "external_ids.accession_number": "acno",
        "external_ids.url": "url"}, read=ReadOptions(format="jsonl"))
    reports.append(_load(conn, folder, artworks, "artworks.jsonl.gz", max_errors, progress, transform=artwork))
    return reports


TATE = register(Dataset(
    name="tate",
    title="Tate collection: 3,532 artists (gender, birth place) and 69,202 artworks (subjects, mediums, acquisitions)",
    publisher="Tate (London)",
    credit="Tate (CC0)",
    licence="CC0 1.0 (metadata); images are not included",
    homepage="https://github.com/tategallery/collection",
    folder="tate",
    source=TATE_SOURCE,
    files={
        "artist_data.csv": "b4a3cb051fe6ee93073e8a57ab600c449c37f64d9ea8135efb15d56e76299be2",
        "artworks.jsonl.gz": "49b022c0670043a22eb7c40a6ea6afa437cb80fa8e9b08b00040abb7f24cc85a",
    },
    load=load_tate,
    download=Download(file_urls={
        "artist_data.csv": "https://raw.githubusercontent.com/tategallery/collection/"
                           "a51d8afc988ed083557e2950f4d0b644e7719f4a/artist_data.csv",
    }),
    notes="artworks.jsonl.gz is a field selection derived from Tate's per-artwork JSON (CC0), shipped with the "
          "shared data; `fetch` can only retrieve the artists file from Tate.",
))


# --- MoMA --------------------------------------------------------------------------------------

MOMA_SOURCE = "moma"


def _moma_artist(row: dict[str, Any]) -> dict[str, Any]:
    gender = row["Gender"]
    return {
        **row,
        # MoMA writes a handful of genders in lower case ("male"); one spelling per value keeps audits honest.
        "Gender": gender.capitalize() if gender.lower() in ("male", "female") else gender,
        # MoMA uses 0 for an unknown year.
        "BeginDate": "" if row["BeginDate"] == "0" else row["BeginDate"],
        "EndDate": "" if row["EndDate"] == "0" else row["EndDate"],
    }


def load_moma(conn: Connection, folder: Path, max_errors: int, progress: ProgressFactory) -> list[ImportReport]:
    MOMA.require(folder)
    artists = ColumnMapping("creators", source=MOMA_SOURCE, constants={"roles": "artist"}, columns={
        "key": "ConstituentID", "name": "DisplayName", "nationality": "Nationality", "gender": "Gender",
        "birth_year": "BeginDate", "death_year": "EndDate", "external_ids.wikidata": "Wiki QID",
        "external_ids.ulan": "ULAN"})
    return [_load(conn, folder, artists, "Artists.csv", max_errors, progress, transform=_moma_artist)]


MOMA = register(Dataset(
    name="moma",
    title="MoMA artists: 14,839 constituents with nationality, gender and birth year",
    publisher="The Museum of Modern Art (New York)",
    credit="MoMA (CC0)",
    licence="CC0 1.0",
    homepage="https://github.com/MuseumofModernArt/collection",
    folder="moma",
    source=MOMA_SOURCE,
    files={"Artists.csv": "3d238c4b38e9b76f67893bd30289b050087ad526837fa8f3a1cda0f96dd90b84"},
    load=load_moma,
    download=Download(file_urls={
        "Artists.csv": "https://raw.githubusercontent.com/MuseumofModernArt/collection/"
                       "8d8b7e6be0f7b49f79231cf97ed4f1e303c6d2f9/Artists.csv",
    }),
))

__all__ = ["MOMA", "MOVIELENS_100K", "MOVIELENS_SMALL", "TATE"]
