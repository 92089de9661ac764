"""The engine choice through the API and the web (SQLite and PostgreSQL, generated views): an audit job started with
engine=local records and shows its engine; engine=ray without the scale extra is refused with the install command
before anything is queued."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers, import_views, job_outcome
from museion.fairness.service import list_audits
from museion.jobs import records
from museion.recommend.training import train
from museion.server import create_app


def test_audit_job_runs_on_the_engine_asked_and_ray_without_the_extra_is_refused(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Horror"), works=30, members=40, skip_every=3)  # generated
    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="test").id
    with TestClient(create_app(engine, home)) as client:
        analyst = auth_headers(engine, "analyst")
        started = client.post(f"/api/registry/versions/{version}/fairness-audits", headers=analyst,
                              json={"scope": "evaluation", "engine": "local", "partitions": 4})
        job = job_outcome(client, started, analyst)
        assert job["status"] == "succeeded", job
        assert job["result"]["engine"] == "local" and records.get(engine, job["id"])["params"]["engine"] == "local"
        assert len(list_audits(engine, version)) == 1

        unknown = client.post(f"/api/registry/versions/{version}/fairness-audits", headers=analyst, json={"engine": "spark"})
        assert unknown.status_code == 422
        monkeypatch.setitem(sys.modules, "ray", None)  # an installation without museion[scale]
        refused = client.post(f"/api/registry/versions/{version}/fairness-audits", headers=analyst, json={"engine": "ray"})
        assert refused.status_code == 400 and "pip install 'museion[scale]'" in refused.json()["detail"]
        assert len(records.listing(engine, kind="fairness_audit")) == 1  # nothing queued for the refused ones
