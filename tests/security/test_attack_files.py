"""Attacks on files (issue 21, item 7): a world-readable home, database or WAL, model artifacts, witness or filing
pack, and key files that other users can read being used silently. Every test that writes sets the usual umask
(0o022), which gave 0755 folders and 0644 files before."""

from __future__ import annotations

import os
import re
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from helpers import approve_and_deploy, grant_personalisation
from museion import audit
from museion.audit import keys
from museion.config import get_settings
from museion.errors import MuseionError
from museion.privacy import tombstones
from museion.privacy.pseudonym import load_key
from museion.privacy.vault import KeyRing
from museion.recommend.artifacts import ERASED, erase_from_index, load_index
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry.artifact_files import index_file
from museion.registry.disclosure import name_organisation
from museion.registry.filing import filing_pack
from museion.registry.policy import adopt
from museion.store.engine import make_engine
from museion.store.migrate import upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _not_private(root: Path) -> dict[str, str]:
    """Every folder under ``root`` (and ``root``) that is not 0700 and every file that is not 0600, with its mode."""
    return {str(p.relative_to(root.parent)): oct(_mode(p)) for p in (root, *root.rglob("*"))
            if _mode(p) != (0o700 if p.is_dir() else 0o600)}


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every key from its file (none from the environment); the erasure key's file in a config folder of the test's."""
    for name in ("MUSEION_PSEUDONYM_KEY", "MUSEION_VAULT_KEY", "MUSEION_AUDIT_KEY", "MUSEION_ERASURE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    keys._load_key.cache_clear()
    yield
    keys._load_key.cache_clear()


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # files, not the store: one backend says it
def test_everything_written_into_the_home_is_private(sample_catalogue: Engine, monkeypatch: pytest.MonkeyPatch,
                                                     usual_umask: None) -> None:
    """A trained model (its folder, manifest, arrays and interactions index), the index rewritten for an erasure, the
    audit witness in its default place, the review policy, the organisation's name and every key in the home: the home
    and every folder in it 0700, every file 0600."""
    monkeypatch.delenv("MUSEION_AUDIT_WITNESS")  # its default: MUSEION_HOME/audit-witness
    get_settings.cache_clear()
    home = get_settings().home
    grant_personalisation(sample_catalogue)
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0))
    index = index_file(home, version.artifact)
    erased = int(load_index(index).member_ids[0])
    assert erase_from_index(index, erased) and ERASED in load_index(index).member_ids
    with sample_catalogue.begin() as conn:
        adopt(conn, home, "small", actor="test")
    name_organisation(home, "Little Library")
    load_key(home), KeyRing.load(home)
    written = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
    assert {"audit.key", "pseudonym.key", "vault-keys.json", "review-policy.toml", f"{version.artifact}/interactions.npz",
            f"{version.artifact}/model/manifest.json", f"{version.artifact}/model/arrays.npz"} <= written
    assert any(name.startswith("audit-witness/") for name in written)
    assert _not_private(home) == {}


def test_an_older_home_open_to_others_is_closed_on_the_next_command(tmp_path: Path) -> None:
    home = Path(os.environ["MUSEION_HOME"])
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    get_settings.cache_clear()
    assert get_settings().home == home and _mode(home) == 0o700


def test_the_witness_and_its_folder_are_private(engine: Engine, witness_dir: Path, usual_umask: None) -> None:
    with engine.begin() as conn:
        audit.record(conn, actor="test", action="test.files", target="file:1")
    [line_file] = witness_dir.iterdir()
    assert (_mode(witness_dir), _mode(line_file)) == (0o700, 0o600)
    line_file.chmod(0o644)  # left open by an older version, or by hand: the next line closes it
    with engine.begin() as conn:
        audit.record(conn, actor="test", action="test.files", target="file:2")
    assert _mode(line_file) == 0o600 and len(line_file.read_text().splitlines()) == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_filing_packs_are_private_and_the_folder_they_are_put_in_is_left_alone(sample_catalogue: Engine, tmp_path: Path,
                                                                               usual_umask: None) -> None:
    grant_personalisation(sample_catalogue)
    home = get_settings().home
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0)).id
    approve_and_deploy(sample_catalogue, home, version)
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    with sample_catalogue.connect() as conn:
        manifest = filing_pack(conn, home, version, outbox / "pack")
        filing_pack(conn, home, version, outbox / "pack.zip")
        filing_pack(conn, home, version, tmp_path / "new" / "folder" / "pack.zip")
    assert _not_private(outbox / "pack") == {} and set(manifest["files"]) < {p.name for p in (outbox / "pack").iterdir()}
    assert _mode(outbox / "pack.zip") == 0o600 and "manifest.json" in zipfile.ZipFile(outbox / "pack.zip").namelist()
    assert _mode(outbox) == 0o755  # the user's own folder: not ours to close
    assert _not_private(tmp_path / "new") == {}  # folders Museion had to create for it
    assert sorted(p.name for p in outbox.iterdir()) == ["pack", "pack.zip"]  # no staging left behind


KEY_FILES: dict[str, tuple[Callable[[Path], object], Callable[[Path], Path]]] = {
    "audit key": (lambda home: audit.audit_key(), lambda home: home / keys.KEY_FILE),
    "pseudonym key": (load_key, lambda home: home / "pseudonym.key"),
    "vault key": (KeyRing.load, lambda home: home / "vault-keys.json"),
    "erasure key": (lambda home: tombstones.erasure_key(), lambda home: tombstones.key_file()),
}


@pytest.mark.parametrize("what", sorted(KEY_FILES))
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_every_key_file_is_created_private_and_refused_at_its_next_use_once_shared(what: str, mode: int,
                                                                                   usual_umask: None) -> None:
    """Each key the same way: created 0600 in a 0700 folder on first use; once group or world may read or write it,
    its very next use in the same process is refused with the command that fixes it (no cached copy is used)."""
    load, where = KEY_FILES[what]
    home = get_settings().home
    first = load(home)
    path = where(home)
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)
    path.chmod(mode)
    with pytest.raises(MuseionError, match=f"the {what} file {path} is readable by others \\(mode 0{mode:o}\\): "
                                           f"run `chmod 600 {path}`"):
        load(home)
    path.chmod(0o600)
    assert load(home) == first


@pytest.mark.parametrize("what", sorted(KEY_FILES))
def test_processes_that_start_together_share_one_key(what: str) -> None:
    """A key file created by several first uses at once: one key wins and everyone uses it (a pseudonym key that
    differed between two importers would give one person two pseudonyms)."""
    load, _ = KEY_FILES[what]
    home, start, found = get_settings().home, threading.Barrier(8), []

    def first_use() -> None:
        start.wait()
        found.append(load(home))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and all(key == found[0] for key in found)


WRITES = re.compile(r"\.write_text\(|\.write_bytes\(|\.mkdir\(|os\.open\(|\bopen\([^)]*[\"'][wax]b?\+?[\"']|\.open\([\"'][wax]"
                    r"|np\.savez(?:_compressed)?\((?!handle\b|buffer\b)|tempfile\.mk")
"""A call that creates a file or folder with the umask's mode (a handle or in-memory buffer given to numpy is fine)."""
WRITES_ELSEWHERE = {
    "store/files.py": "the helper itself",
    "cli/": "files the user names (--output, --json-out): where and how private is the user's choice",
    "datasets/fetch.py": "public datasets, into MUSEION_DATASETS_DIR",
    "scale/engine.py": "Ray's own session folder in /tmp (mkdtemp makes it 0700), short for Ray's Unix sockets",
    "recommend/evaluation/run.py": "the --save-split CSVs, where the user says (a pure core: no store imports)",
}


def test_no_write_bypasses_the_private_file_helper() -> None:
    """Every module that writes files does so through museion.store.files, but for the few that write where the
    user points; a new ``write_text`` into MUSEION_HOME fails here rather than leaving a 0644 file."""
    src = Path(__file__).resolve().parents[2] / "src" / "museion"
    found = [f"{path.relative_to(src).as_posix()}:{number}: {line.strip()}"
             for path in sorted(src.rglob("*.py")) if not path.relative_to(src).as_posix().startswith(tuple(WRITES_ELSEWHERE))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if WRITES.search(line) and not line.lstrip().startswith("#")]
    assert found == []
