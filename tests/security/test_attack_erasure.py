"""Attacks on erasure (issue 21, items 2 and 3): reloading the same file must not bring an erased member back (until an
audited override lets them return), and nothing left in the store, the audit chain or the data folder — keys included —
may identify the erased member by enumerating the dataset's key space."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text
from typer.testing import CliRunner

from helpers import inspecting
from museion import audit
from museion.cli.main import app as cli
from museion.config import get_settings
from museion.errors import MuseionError, NotFound
from museion.ingest.load import ImportReport, import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import preferences, requests, tombstones
from museion.privacy.activity import member_ids_for
from museion.privacy.intake import member_keys
from museion.privacy.models import ErasureTombstone
from museion.privacy.pseudonym import load_key, pseudonymiser
from museion.recommend import erasure

MEMBERS = 12
ERASED = 7


@pytest.fixture(autouse=True)
def _config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The erasure key's default place (the user's config folder) is the test's own, and no env key overrides it."""
    monkeypatch.delenv(tombstones.ENV_KEY, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def movielens(engine: Engine, tmp_path: Path) -> tuple[Path, Path]:
    """A MovieLens-like source: anonymised user numbers kept as keys, a profile file and a ratings file."""
    works = tmp_path / "movies.csv"
    works.write_text("key,kind,title,genres\n" + "".join(f"{i},film,Film {i},Drama\n" for i in range(6)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="movielens"), works)
    members = tmp_path / "users.csv"
    members.write_text("key,age,gender,occupation\n" + "".join(f"{m},{20 + m},F,artist\n" for m in range(1, MEMBERS + 1)),
                       encoding="utf-8")
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("member,work,kind,value,timestamp\n" + "".join(
        f"{m},{w},rating,{1 + (m + w) % 5},{1_600_000_000 + m * 100 + w}\n" for m in range(1, MEMBERS + 1) for w in range(6)
        if (m + w) % 4 != 0), encoding="utf-8")
    load(engine, members, ratings)
    return members, ratings


def load(engine: Engine, members: Path, ratings: Path) -> tuple[ImportReport, ImportReport]:
    return (import_file(engine, ColumnMapping("members", source="movielens"), members, keep_member_ids=True),
            import_file(engine, ColumnMapping("events", source="movielens"), ratings, keep_member_ids=True))


def erase(engine: Engine, home: Path, key: str) -> None:
    with engine.begin() as conn, inspecting():
        member_id = member_ids_for(conn, [key])[key]
        preferences.set_personalisation(conn, member_id, False, actor="t")  # audit entries that name the member
        preferences.suppress(conn, member_id, "Drama", actor="t")
        request_id = requests.open_request(conn, key, "erasure", channel="letter")
        requests.verify(conn, request_id, by="officer", how="signed letter and account e-mail")
        erasure.complete_erasure(conn, home, request_id)
    requests.purge_erased(engine)  # as every face does once the erasure has committed


def present(engine: Engine, key: str) -> bool:
    with engine.connect() as conn, inspecting():
        return key in member_ids_for(conn, [key])


def test_erased_member_is_skipped_on_reload_until_an_audited_return(movielens: tuple[Path, Path], engine: Engine,
                                                                      tmp_path: Path) -> None:
    ratings_of_erased = sum(1 for w in range(6) if (ERASED + w) % 4 != 0)
    erase(engine, tmp_path / "home", f"movielens:{ERASED}")

    profiles, events = load(engine, *movielens)
    assert not present(engine, f"movielens:{ERASED}")
    assert (profiles.skipped, events.skipped, events.inserted, profiles.inserted) == (1, ratings_of_erased, 0, 0)
    assert "erased" in (events.skipped_because or "") and events.as_dict()["skipped"] == ratings_of_erased
    assert profiles.unchanged == MEMBERS - 1  # everyone else is as before

    with engine.begin() as conn, inspecting():
        with pytest.raises(MuseionError, match="say why"):
            tombstones.lift(conn, f"movielens:{ERASED}", reason=" ", actor="officer")
        with pytest.raises(NotFound, match="no erased member"):
            tombstones.lift(conn, "movielens:3", reason="returned", actor="officer")
        tombstones.lift(conn, f"movielens:{ERASED}", reason="returned and consented anew", actor="officer")
        lifted = conn.execute(select(ErasureTombstone.lifted_by, ErasureTombstone.lift_reason)).one()
        entry = conn.execute(text("SELECT actor, action FROM audit_log WHERE action = 'erasure.lifted'")).one()
    assert tuple(lifted) == ("officer", "returned and consented anew") and tuple(entry) == ("officer", "erasure.lifted")

    profiles, events = load(engine, *movielens)
    assert (profiles.skipped, events.skipped, profiles.inserted, events.inserted) == (0, 0, 1, ratings_of_erased)
    assert present(engine, f"movielens:{ERASED}")


def test_own_file_members_are_tombstoned_by_pseudonym_and_named_by_source_id(engine: Engine, tmp_path: Path) -> None:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres\nw1,book,One,Drama\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="library"), works)
    views = tmp_path / "loans.csv"
    views.write_text("member,work,kind\nP001,w1,borrow\nP002,w1,borrow\n", encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="library"), views)
    erase(engine, tmp_path / "home", "library:P001")
    report = import_file(engine, ColumnMapping("events", source="library"), views)
    assert (report.skipped, report.inserted, report.unchanged) == (1, 0, 1)
    with engine.begin() as conn, inspecting():
        tombstones.lift(conn, "library:P001", reason="returned and consented anew", actor="officer")
    assert import_file(engine, ColumnMapping("events", source="library"), views).inserted == 1
    assert present(engine, member_keys("library")("P001"))


def test_the_cli_lifts_a_tombstone_and_shows_skipped_rows(movielens: tuple[Path, Path], engine: Engine, db_url: str,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSEION_DATABASE_URL", db_url)
    get_settings.cache_clear()
    erase(engine, tmp_path / "home", f"movielens:{ERASED}")
    runner = CliRunner()
    refused = runner.invoke(cli, ["privacy", "member", "return", "movielens:3", "--reason", "returned"])
    assert refused.exit_code != 0 and "no erased member" in refused.output and "Traceback" not in refused.output
    done = runner.invoke(cli, ["privacy", "member", "return", f"movielens:{ERASED}", "--reason", "returned and consented anew"])
    assert done.exit_code == 0, done.output
    assert "lifted" in done.output


def _candidates(key: str, audit_key: audit.AuditKey) -> set[str]:
    """What someone holding the data folder (database, audit key, pseudonym key) can derive from a guessed member key."""
    return {hashlib.sha256(f"museion-member:{key}".encode()).hexdigest(), hashlib.sha256(key.encode()).hexdigest(),
            audit.pseudonym("member", key, audit_key).split(":", 1)[1]}


def _residue(engine: Engine, tmp_path: Path) -> tuple[list[str], set[str]]:
    """Every value in every table (audit chain included) and every file but the erasure key (data folder, witness): as text and tokens."""
    texts = []
    with engine.connect() as conn, inspecting():
        for table in inspect(engine).get_table_names():
            texts += [str(value) for row in conn.execute(text(f"SELECT * FROM {table}")) for value in row]
    config = tmp_path / "config"  # the erasure key's own folder, outside the data folder
    texts += [p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file() and config not in p.parents]
    tokens = {t for value in texts for t in re.findall(r"[\w:.\-]+", value)}
    return texts, tokens


def test_enumerating_the_key_space_finds_nothing_of_the_erased_member(movielens: tuple[Path, Path], engine: Engine,
                                                                       tmp_path: Path) -> None:
    home = tmp_path / "home"
    with engine.begin() as conn, inspecting():  # a member who stays also leaves audit entries: the sweep can see those
        preferences.set_personalisation(conn, member_ids_for(conn, ["movielens:3"])["movielens:3"], False, actor="t")
    erase(engine, home, f"movielens:{ERASED}")
    texts, tokens = _residue(engine, tmp_path)
    blob = "\n".join(texts)
    audit_key = audit.audit_key()
    pseudonym = pseudonymiser(load_key(home), "movielens")
    found = set()
    for n in range(1, 10 * MEMBERS):  # the whole key space of the source, and more, in every derivable form
        for key in (f"movielens:{n}", f"movielens:{pseudonym(str(n))}"):
            if key in tokens or any(c in blob for c in _candidates(key, audit_key)):
                found.add(n)
    assert ERASED not in found
    assert set(range(1, MEMBERS + 1)) - {ERASED} <= found  # the sweep does find members still held
    key_file = tombstones.key_file()
    assert home not in key_file.parents and oct(key_file.stat().st_mode & 0o777) == "0o600"
    with engine.connect() as conn, inspecting():  # with the erasure secret (kept elsewhere), the request is still proof
        assert conn.scalar(text("SELECT member_ref FROM subject_requests")) == tombstones.member_ref(f"movielens:{ERASED}")
    assert tombstones.audit_target(f"movielens:{ERASED}") in blob


def test_the_erasure_key_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = tombstones.erasure_key()
    assert tombstones.erasure_key() == first and len(first) == 32
    os.chmod(tombstones.key_file(), 0o644)
    with pytest.raises(MuseionError, match="readable by others"):
        tombstones.erasure_key()
    monkeypatch.setenv(tombstones.ENV_KEY, base64.b64encode(b"short").decode())
    with pytest.raises(MuseionError, match="32 bytes"):
        tombstones.erasure_key()
    monkeypatch.setenv(tombstones.ENV_KEY, "not base64!")
    with pytest.raises(MuseionError, match="not valid base64"):
        tombstones.erasure_key()
    monkeypatch.setenv(tombstones.ENV_KEY, base64.b64encode(bytes(range(32))).decode())
    assert tombstones.member_ref("movielens:1") != tombstones.member_ref("movielens:1", first)
