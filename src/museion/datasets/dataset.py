"""What a dataset is: publisher, licence, files with sha256, download address and loader.

Checksums are the published ones (see the shared data README); a file that does not match is
never loaded or installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from museion.errors import InputRejected, Problem
from museion.ingest.load import file_sha256

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from museion.ingest.load import ImportReport
    from museion.ingest.readers import Progress

Loader = Callable[["Connection", Path, int, "Callable[[str, int], Progress] | None"], "list[ImportReport]"]


@dataclass(frozen=True)
class Download:
    """Where the publisher serves the files: one archive (``members`` name files inside it) or one URL per file."""

    archive_url: str | None = None
    archive_prefix: str = ""
    file_urls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    publisher: str
    licence: str
    homepage: str
    folder: str
    source: str  # the key namespace its works, creators and members are stored under
    files: dict[str, str | None]  # relative path → sha256 (None: not verifiable, only presence is checked)
    load: Loader
    download: Download | None = None
    redistributable: bool = True
    notes: str = ""
    credit: str = ""  # the short credit a page footer shows while the installation holds this dataset's works

    def locate(self, base: Path) -> Path:
        return base / self.folder

    def missing(self, folder: Path) -> list[str]:
        return [f for f in self.files if not (folder / f).is_file()]

    def verify(self, folder: Path) -> list[Problem]:
        """Problems for missing files and files whose sha256 differs from the published one."""
        problems = [Problem(str(folder / f), None, None, "file is missing") for f in self.missing(folder)]
        for rel, expected in self.files.items():
            path = folder / rel
            if expected and path.is_file() and file_sha256(path) != expected:
                problems.append(Problem(str(path), None, None, f"sha256 differs from the published {expected[:12]}…"))
        return problems

    def require(self, folder: Path) -> None:
        missing = self.missing(folder)
        if missing:
            hint = f"run `museion datasets fetch {self.name}`" if self.download else "download it from the publisher"
            raise InputRejected(
                [Problem(str(folder / f), None, None, f"file is missing ({hint}, or pass --path DIR)") for f in missing]
            )


_REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    _REGISTRY[dataset.name] = dataset
    return dataset


def registered() -> list[Dataset]:
    """Every dataset registered so far, in registration order."""
    return list(_REGISTRY.values())
