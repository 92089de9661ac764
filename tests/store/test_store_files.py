"""The private-file helper every write into MUSEION_HOME goes through: exact modes whatever the umask, files that
appear whole or not at all, keys created once however many processes race, folders of the user's left alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from museion.errors import MuseionError
from museion.store.files import (
    append_private,
    create_private,
    private_dir,
    private_file,
    private_staging,
    refuse_shared,
    touch_private,
    write_private,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o077, 0o277], ids=["umask000", "umask022", "umask077", "umask277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_every_helper_gives_exact_modes_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    root = tmp_path / "home"
    write_private(root / "a" / "written", "text")
    create_private(root / "b" / "created", b"key")
    touch_private(root / "c" / "touched")
    append_private(root / "d" / "appended", b"line\n")
    private_dir(root / "e" / "folder")
    staging = private_staging(root / "f", "target")
    with private_file(root / "g" / "streamed") as handle:
        handle.write(b"bytes")
    made = [root, *root.rglob("*")]
    assert {p.relative_to(tmp_path).as_posix(): oct(_mode(p)) for p in made if _mode(p) != (0o700 if p.is_dir() else 0o600)} == {}
    assert staging.parent == root / "f" and staging.name.startswith(".target.") and not any(staging.iterdir())


def test_a_failed_write_leaves_the_old_file_and_no_stray_file(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    write_private(target, "old")
    with pytest.raises(RuntimeError), private_file(target) as handle:
        handle.write(b"half a new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_create_private_never_replaces_and_leaves_no_stray_file(tmp_path: Path) -> None:
    key = tmp_path / "pseudonym.key"
    assert create_private(key, "first") and not create_private(key, "second")
    assert key.read_text() == "first" and [p.name for p in tmp_path.iterdir()] == ["pseudonym.key"]


def test_existing_files_and_folders_are_tightened_and_appends_keep_every_line(tmp_path: Path) -> None:
    folder, witness, database = tmp_path / "witness", tmp_path / "witness" / "db.jsonl", tmp_path / "museion.db"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    witness.write_bytes(b"one\n")
    database.write_bytes(b"")
    for path in (witness, database):
        path.chmod(0o644)
    private_dir(folder)
    append_private(witness, b"two\n")
    touch_private(database)
    assert (_mode(folder), _mode(witness), _mode(database)) == (0o700, 0o600, 0o600)
    assert witness.read_bytes() == b"one\ntwo\n"


def test_only_folders_created_here_are_closed_not_the_users_own(tmp_path: Path) -> None:
    """A filing pack put in the user's Documents folder: the pack is private, Documents stays as the user made it."""
    documents = tmp_path / "Documents"
    documents.mkdir(mode=0o755)
    documents.chmod(0o755)
    write_private(documents / "new" / "pack.zip", b"zip")
    assert (_mode(documents), _mode(documents / "new"), _mode(documents / "new" / "pack.zip")) == (0o755, 0o700, 0o600)


@pytest.mark.parametrize("mode", [0o640, 0o620, 0o604, 0o602, 0o700, 0o660])
def test_a_key_file_any_other_user_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    key = tmp_path / "audit.key"
    create_private(key, "secret")
    refuse_shared(key, "audit key")  # 0600: accepted
    key.chmod(mode)
    if mode & 0o077:
        with pytest.raises(MuseionError, match=rf"audit key file {key} is readable by others \(mode 0{mode:o}\): run `chmod 600 {key}`"):
            refuse_shared(key, "audit key")
    else:
        refuse_shared(key, "audit key")
