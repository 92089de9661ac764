"""Attacks on files (issue 21, item 7): a world-readable home, database or WAL, and key files that other users
can read being used silently."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from museion.errors import MuseionError
from museion.privacy.pseudonym import load_key
from museion.privacy.vault import KeyRing
from museion.store.engine import make_engine
from museion.store.migrate import upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUSEION_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("MUSEION_VAULT_KEY", raising=False)


def test_a_new_home_and_database_are_private_to_their_owner(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which gave 0755 and 0644 before
    try:
        home = tmp_path / "home"
        engine = make_engine(f"sqlite:///{home / 'museion.db'}")
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE scratch (x INTEGER)"))  # leaves a WAL and shared-memory file open
            files = [home / f"museion.db{suffix}" for suffix in ("", "-wal", "-shm")]
            assert _mode(home) == 0o700
            assert {f.name: _mode(f) for f in files if f.exists()} == {f.name: 0o600 for f in files if f.exists()}
            assert (home / "museion.db-wal").exists()
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_tightened_on_connect(tmp_path: Path) -> None:
    path = tmp_path / "museion.db"
    upgrade(make_engine(f"sqlite:///{path}"))
    path.chmod(0o644)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert _mode(path) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_shared_pseudonym_key_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    load_key(tmp_path)  # created 0600
    assert _mode(tmp_path / "pseudonym.key") == 0o600
    (tmp_path / "pseudonym.key").chmod(mode)
    with pytest.raises(MuseionError, match=f"pseudonym key file {tmp_path / 'pseudonym.key'} .*chmod 600"):
        load_key(tmp_path)


def test_a_shared_vault_key_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    KeyRing.load(tmp_path)  # created 0600
    path = tmp_path / "vault-keys.json"
    assert _mode(path) == 0o600 and json.loads(path.read_text())["keys"]
    path.chmod(0o644)
    with pytest.raises(MuseionError, match=f"vault key file {path} .*chmod 600 {path}"):
        KeyRing.load(tmp_path)
    path.chmod(0o600)
    assert KeyRing.load(tmp_path).current
