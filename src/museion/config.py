"""Settings read from the environment (``MUSEION_*``) so one install serves laptops, CI and production."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    jobs_url: str | None = Field(
        default=None, description="Queue of long jobs: redis://HOST:PORT/DB or postgresql://… in production; "
        "default: a SQLite queue file in MUSEION_HOME.")
    jobs_workers: int = Field(default=1, ge=0, le=32, description="Jobs run at once beside the app: in the child "
                              "worker `museion serve` starts, or in an app built directly (0: none; run `museion jobs worker`).")
    jobs_queue: str = Field(default="museion", max_length=64, description="Queue name on the broker (one per deployment).")
    rights_enforce: bool = Field(default=True, description="Serve, show and export a work that has licences recorded "
                                 "only where one covers the use, territory and day (works with none keep their published "
                                 "rights statement); false: licences are recorded but decide nothing.")
    rights_territory: str = Field(default="GB", min_length=2, max_length=2, description="ISO 3166-1 alpha-2 territory "
                                  "of visitors and members when a request names none (availability of licensed works).")
    studio_llm_url: str | None = Field(default=None, max_length=500, description="An OpenAI-compatible endpoint (its base, "
                                       "e.g. http://localhost:11434/v1) that may draft wall texts on request; off when unset.")
    studio_llm_model: str = Field(default="local", max_length=200, description="The model name sent to that endpoint.")
    studio_llm_key: SecretStr | None = Field(default=None, description="Its API key, if it wants one (sent as a bearer token).")
    studio_llm_timeout: float = Field(default=20.0, gt=0, le=120, description="Seconds to wait for its answer.")
    oai_repository_id: str = Field(default="museion.local", pattern=r"^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$",
                                   max_length=200, description="The OAI-PMH repository identifier (a domain name): record "
                                   "identifiers are oai:<this>:<work key>, so keep it stable once harvested.")
    oai_repository_name: str = Field(default="Museion", max_length=200, description="The repository's name in OAI-PMH Identify.")
    oai_admin_email: str = Field(default="collections@museion.local", pattern=r"^[^@\s]+@[^@\s]+$", max_length=200,
                                 description="The address OAI-PMH Identify gives harvesters for questions.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'museion.db'}"


def _private_home(home: Path) -> None:
    """Close an existing MUSEION_HOME to other users (0700), whatever an older install or the umask left: it holds
    the database, keys and model artifacts. A home that is missing, or that another user owns, is left alone."""
    try:
        info = home.stat()
    except OSError:
        return
    if info.st_mode & 0o077 and info.st_uid == os.geteuid() and home.is_dir() and home != Path.home():
        os.chmod(home, 0o700)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; MUSEION_HOME is made private here, so on every command and server start."""
    settings = Settings()
    _private_home(settings.home)
    return settings
