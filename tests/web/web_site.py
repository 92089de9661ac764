"""The shared MovieLens site of the web tests (built by the ``movielens_site`` fixture in conftest.py), and ``serving``,
which puts an app in front of a real browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port in a thread, for a real browser; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@dataclass(frozen=True)
class Site:
    engine: Engine
    home: Path
    accounts: dict[str, int]  # account name (= role, or reviewer2) → id
    deployed: int  # the version serving lists

    def submit_new_version(self) -> int:
        """Train, audit and submit a fresh version (its own, so tests that review it never share one); the cheap
        most-popular model, since the board reviews its card, not its accuracy."""
        from helpers import audit_version
        from museion.recommend.training import train
        from museion.registry import lifecycle

        version = train(self.engine, self.home, "pop", source="movielens", actor="test").id
        audit_version(self.engine, self.home, version)
        with self.engine.begin() as conn:
            lifecycle.submit(conn, self.home, version, author_account_id=self.accounts["admin"], actor="test")
        return version
