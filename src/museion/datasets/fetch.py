"""Download a dataset from its publisher, verify every file's sha256, then move it into place.

Nothing lands in the datasets folder unless every checksum matches: files are staged in a
temporary folder beside the destination and renamed in only after verification.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx

from museion.datasets.dataset import Dataset
from museion.errors import InputRejected, MuseionError, Problem
from museion.ingest.load import file_sha256

Progress = Callable[[int, int | None], None]  # bytes just received, total bytes if known


def _download(client: httpx.Client, url: str, target: Path, progress: Progress | None) -> None:
    try:
        with client.stream("GET", url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise MuseionError(f"download failed: {url} answered HTTP {response.status_code}")
            total = int(response.headers.get("content-length", 0)) or None
            with target.open("wb") as fh:
                for block in response.iter_bytes(1 << 16):
                    fh.write(block)
                    if progress:
                        progress(len(block), total)
    except httpx.HTTPError as exc:
        raise MuseionError(f"download failed: {url}: {exc}") from None


def fetch(dataset: Dataset, destination: Path, *, client: httpx.Client | None = None,
          progress: Progress | None = None) -> list[str]:
    """Fetch ``dataset`` into ``destination`` (its folder); returns the files installed."""
    if dataset.download is None:
        raise MuseionError(f"{dataset.name} has no download address; get it from {dataset.homepage}")
    destination.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    client = client or httpx.Client(timeout=60)
    try:
        with tempfile.TemporaryDirectory(dir=destination.parent, prefix=f".{dataset.name}-") as tmp:
            staging = Path(tmp)
            wanted = list(dataset.download.file_urls) or list(dataset.files)
            if dataset.download.archive_url:
                archive = staging / "archive.zip"
                _download(client, dataset.download.archive_url, archive, progress)
                _extract(archive, dataset.download.archive_prefix, wanted, staging)
            for rel, url in dataset.download.file_urls.items():
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                _download(client, url, staging / rel, progress)
            problems = []
            for rel in wanted:
                expected, actual = dataset.files.get(rel), file_sha256(staging / rel)
                if expected and actual != expected:
                    reason = f"sha256 {actual[:12]}… does not match the published {expected[:12]}…"
                    problems.append(Problem(f"{dataset.name}/{rel}", None, None, reason))
            if problems:
                raise InputRejected(problems)
            for rel in wanted:
                target = destination / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(staging / rel), target)
            return wanted
    finally:
        if own_client:
            client.close()


def _extract(archive: Path, prefix: str, wanted: list[str], staging: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            missing = [rel for rel in wanted if prefix + rel not in names]
            if missing:
                raise InputRejected([Problem(archive.name, None, None, f"archive lacks {prefix + m}") for m in missing])
            for rel in wanted:
                with zf.open(prefix + rel) as src, (staging / rel).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile:
        raise InputRejected([Problem(archive.name, None, None, "the download is not a valid zip archive")]) from None
