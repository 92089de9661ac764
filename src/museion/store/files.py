"""Private files: everything Museion writes into MUSEION_HOME (the database, keys, model artifacts, the audit
witness) and the filing packs it exports are their owner's alone — folders 0700, files 0600.

Modes are set explicitly (``fchmod``/``chmod``), never left to the umask; folders these helpers create are 0700;
files appear atomically (written under a temporary name in the same folder, then renamed into place).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from museion.errors import MuseionError

FOLDER_MODE, FILE_MODE = 0o700, 0o600
SHARED = stat.S_IRWXG | stat.S_IRWXO


def owner_only(path: Path) -> None:
    """Take group and world access away from ``path`` (a folder becomes 0700, a file 0600) if this user owns it;
    a path that does not exist, or that someone else owns, is left alone."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_mode & SHARED and info.st_uid == os.geteuid():
        os.chmod(path, FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE)


def _folders(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 folders; folders already there are left as they are."""
    for folder in reversed([p for p in (path, *path.parents) if not p.exists()]):
        try:
            folder.mkdir()
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, FOLDER_MODE)
    return path


def private_dir(path: Path) -> Path:
    """Make ``path`` a folder only its owner can enter: created 0700 (missing parents too), or tightened if it exists."""
    owner_only(_folders(path))
    return path


def private_staging(parent: Path, name: str) -> Path:
    """A new, empty 0700 folder in ``parent``, to fill and then rename to ``parent / name``."""
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=_folders(parent)))
    os.chmod(staging, FOLDER_MODE)
    return staging


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[BinaryIO]:
    """Write ``path`` atomically as a 0600 file: a handle on a new file beside it, renamed over ``path`` when the
    block ends without error (removed when it fails)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=_folders(path.parent))
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it takes the name: a crash leaves the old file or the new
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private(path: Path, content: bytes | str) -> None:
    """Write (or replace) ``path`` atomically, owner-only; text is UTF-8."""
    with private_file(path) as handle:
        handle.write(content.encode() if isinstance(content, str) else content)


def create_private(path: Path, content: bytes | str) -> bool:
    """Create ``path`` owner-only with ``content`` unless it exists (True when this call created it): of two
    processes creating the same key at once, exactly one wins and both then read the same file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=_folders(path.parent))
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode() if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())  # a key lost to a crash after use would orphan everything made with it
        os.link(tmp, path)  # atomic, and refuses to replace a file that is already there
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def touch_private(path: Path) -> None:
    """Make sure ``path`` exists as an owner-only file (created empty, 0600, in new 0700 folders; tightened if there)."""
    try:
        fd = os.open(_folders(path.parent) / path.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        owner_only(path)
        return
    os.fchmod(fd, FILE_MODE)
    os.close(fd)


def append_private(path: Path, line: bytes) -> None:
    """Append ``line`` to ``path`` (made 0600 if this user owns it) in one write, so appends from several processes
    never interleave."""
    fd = os.open(_folders(path.parent) / path.name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        info = os.fstat(fd)
        if stat.S_IMODE(info.st_mode) != FILE_MODE and info.st_uid == os.geteuid():
            with contextlib.suppress(PermissionError):  # an append-only file (chattr +a) keeps its mode: still appendable
                os.fchmod(fd, FILE_MODE)
        os.write(fd, line)
    finally:
        os.close(fd)


def refuse_shared(path: Path, what: str, error: type[MuseionError] = MuseionError) -> None:
    """Refuse a key file that other users may read or write, at every load, with the command that fixes it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & SHARED:
        raise error(f"the {what} file {path} is readable by others (mode {mode:04o}): run `chmod 600 {path}`")
