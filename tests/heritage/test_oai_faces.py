"""The OAI-PMH faces: the harvest API (a job, a permission), the Harvest page in English and Chinese with the
provider's base URL, and the `museion harvest` command against a live provider on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from oai_support import generated_catalogue, serving
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from helpers import auth_headers, job_outcome
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.server import create_app
from museion.store.engine import make_engine
from museion.store.migrate import upgrade


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    generated_catalogue(engine, tmp_path)
    with TestClient(create_app(engine, tmp_path / "home"), follow_redirects=False) as c:
        yield c


def test_the_harvest_api_starts_a_job_and_lists_harvests(client: TestClient, engine: Engine) -> None:
    curator, analyst = auth_headers(engine, "curator"), auth_headers(engine, "analyst")
    assert client.get("/api/heritage/harvests", headers=analyst).status_code == 403
    for bad in ({"url": "file:///etc/passwd"}, {"url": "https://x.example/oai", "from": "yesterday"},
                {"url": "https://x.example/oai", "prefix": "marc21"}, {"url": "https://x.example/oai", "set": "a b"}):
        refused = client.post("/api/heritage/harvests", json=bad, headers=curator)
        assert refused.status_code == 422, refused.text
    started = client.post("/api/heritage/harvests", json={"url": "http://127.0.0.1:9/oai"}, headers=curator)  # nobody listens
    assert started.status_code == 202
    outcome = job_outcome(client, started, curator)
    assert outcome["status"] == "failed" and "could not reach" in (outcome.get("error") or "")
    past = client.get("/api/heritage/harvests", headers=curator).json()
    assert past[0]["status"] == "failed" and past[0]["endpoint"] == "http://127.0.0.1:9/oai"


def test_the_harvest_page_in_both_languages_shows_the_base_url_and_checks_its_form(client: TestClient, engine: Engine) -> None:
    headers = auth_headers(engine, "curator")
    page = client.get("/heritage/harvest", headers=headers)
    assert page.status_code == 200 and "http://testserver/oai" in page.text and "kind:film" in page.text
    chinese = client.get("/heritage/harvest", headers={**headers, "accept-language": "zh-Hans"})
    assert "收割" in chinese.text and "互操作" in chinese.text
    bad = client.post("/heritage/harvest", data={"url": "ftp://example.org/oai"}, headers=headers)
    assert bad.status_code == 422 and "not an http or https address" in bad.text
    assert client.get("/heritage/harvest", headers=auth_headers(engine, "analyst")).status_code == 403
    started = client.post("/heritage/harvest", data={"url": "https://collections.example.org/oai", "prefix": "edm"}, headers=headers)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")


def test_the_harvest_command_imports_a_live_providers_records(engine: Engine, tmp_path: Path, museion_env: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    provider_db = tmp_path / "provider.db"
    provider = make_engine(f"sqlite:///{provider_db}")
    upgrade(provider)
    generated_catalogue(provider, tmp_path, works=9)
    try:
        with serving(create_app(provider)) as base:
            done = CliRunner().invoke(cli, ["harvest", base + "/oai", "--set", "kind:book", "--source", "peer"])
            assert done.exit_code == 0, done.output
            assert "3 records" in done.output
            bad = CliRunner().invoke(cli, ["harvest", base + "/oai", "--from", "last week"])
            assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
            listed = CliRunner().invoke(cli, ["oai", "harvests", "--json"])
            assert listed.exit_code == 0 and '"succeeded"' in listed.stdout
    finally:
        provider.dispose()
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Work).where(Work.source == "peer")) == 3
