"""`datasets fetch` downloads over HTTP, verifies sha256, and installs nothing that does not match."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from museion.datasets.dataset import Dataset, Download
from museion.datasets.fetch import fetch
from museion.errors import InputRejected, MuseionError

FILES = {"ratings.csv": b"userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n", "movies.csv": b"movieId,title,genres\r\n"}


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"ml-test/{name}", data)
    return buf.getvalue()


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, bytes]]]:
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", routes
    httpd.shutdown()


def dataset(base: str, checksums: dict[str, str | None]) -> Dataset:
    return Dataset(name="ml-test", title="t", publisher="p", licence="l", homepage="h", folder="ml-test", source="t",
                   files=checksums, load=lambda *a: [], download=Download(archive_url=f"{base}/ml.zip", archive_prefix="ml-test/"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_verified_files_are_installed(server: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, routes = server
    routes["/ml.zip"] = zipped(FILES)
    installed = fetch(dataset(base, {k: sha(v) for k, v in FILES.items()}), tmp_path / "ml-test")
    assert sorted(installed) == ["movies.csv", "ratings.csv"]
    assert (tmp_path / "ml-test" / "ratings.csv").read_bytes() == FILES["ratings.csv"]


def test_checksum_mismatch_installs_nothing(server: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, routes = server
    routes["/ml.zip"] = zipped({**FILES, "ratings.csv": b"tampered"})
    with pytest.raises(InputRejected, match="does not match the published"):
        fetch(dataset(base, {k: sha(v) for k, v in FILES.items()}), tmp_path / "ml-test")
    assert list((tmp_path / "ml-test").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["ml-test"]  # no staging folder left behind


def test_http_errors_and_bad_archives_are_clear(server: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    base, routes = server
    with pytest.raises(MuseionError, match="HTTP 404"):
        fetch(dataset(base, {"ratings.csv": None}), tmp_path / "a")
    routes["/ml.zip"] = b"not a zip"
    with pytest.raises(InputRejected, match="not a valid zip"):
        fetch(dataset(base, {"ratings.csv": None}), tmp_path / "b")
    routes["/ml.zip"] = zipped({"movies.csv": b""})
    with pytest.raises(InputRejected, match="archive lacks ml-test/ratings.csv"):
        fetch(dataset(base, {"ratings.csv": None}), tmp_path / "c")
