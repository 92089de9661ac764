"""Settings read from the environment (``MUSEION_*``) so one install serves laptops, CI and production."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    """One default for `make run` and the `museion` command alike: ``$XDG_DATA_HOME/museion`` (~/.local/share/museion)."""
    data = os.environ.get("XDG_DATA_HOME")
    return (Path(data) if data else Path.home() / ".local" / "share") / "museion"


def _default_datasets_dir() -> Path:
    """The shared data folder beside a checkout (``../shared/data``) if present, else under the home."""
    here = Path.cwd()
    for base in (here, *here.parents):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return _default_home() / "datasets"


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``MUSEION_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MUSEION_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Where the embedded database and artifacts live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in MUSEION_HOME."
    )
    datasets_dir: Path = Field(
        default_factory=_default_datasets_dir, description="Folder that holds one sub-folder per dataset."
    )
    max_errors: int = Field(default=20, ge=1, description="Problems collected before an import stops.")
    chunk_rows: int = Field(default=50_000, ge=100, description="Rows validated and written per batch.")
    request_due_days: int = Field(default=15, ge=1, le=90, description="Days to answer a data-subject request.")
    forwarded_allow_ips: str = Field(
        default="", description="Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto are trusted "
        "(uvicorn's forwarded_allow_ips); empty: none, the peer's own address is the client's.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'museion.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
