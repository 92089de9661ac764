"""Batch scoring as a job (SQLite and PostgreSQL, generated views): started from the API and from the model version
page by those who may start fairness audits, for the deployed version only; its file downloaded by its starter alone
and equal to the command line's output; ray without the scale extra refused before anything is queued."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, grant_personalisation, import_views, job_outcome
from museion.jobs import records
from museion.recommend.training import train
from museion.scale.batch import find_output
from museion.scale.engine import LocalEngine
from museion.scale.scoring import score_all
from museion.server import create_app


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> tuple[Engine, Path, int, int]:
    """Generated views; a draft version and a deployed one."""
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Horror"), works=30, members=40, skip_every=3)  # generated
    grant_personalisation(engine)
    home = tmp_path / "home"
    draft = train(engine, home, "pop", source="t", actor="test").id
    deployed = train(engine, home, "itemknn", source="t", actor="test").id
    approve_and_deploy(engine, home, deployed)
    return engine, home, draft, deployed


def test_batch_scoring_job_from_the_api_downloaded_by_its_starter(site: tuple[Engine, Path, int, int], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    engine, home, draft, deployed = site
    reference = tmp_path / "reference.jsonl"
    score_all(engine, home, reference, LocalEngine(), k=5, actor="test", partitions=4)
    with TestClient(create_app(engine, home)) as client:
        admin, other, curator = auth_headers(engine), auth_headers(engine), auth_headers(engine, "curator")
        url = f"/api/registry/versions/{deployed}/batch-scoring"
        for refused_role in ("curator", "analyst", "auditor", "algorithm_reviewer"):  # every member's list is personal data
            assert client.post(url, headers=auth_headers(engine, refused_role), json={}).status_code == 403
        assert client.post("/api/registry/versions/999999/batch-scoring", headers=admin, json={}).status_code == 404
        not_deployed = client.post(f"/api/registry/versions/{draft}/batch-scoring", headers=admin, json={})
        assert not_deployed.status_code == 409 and f"version {deployed} is" in not_deployed.json()["detail"]
        assert client.post(url, headers=admin, json={"engine": "spark"}).status_code == 422
        assert client.post(url, headers=admin, json={"ray_address": "10.0.0.1:6379"}).status_code == 422  # never from a request

        started = client.post(url, headers=admin, json={"k": 5, "partitions": 4, "engine": "local"})
        job = job_outcome(client, started, admin)
        assert job["status"] == "succeeded", job
        assert job["result"]["engine"] == "local" and job["result"]["members"] > 0
        download = job["links"]["api"]
        got = client.get(download, headers=admin)
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/jsonl")
        assert got.content == reference.read_bytes()  # the same lists, scores and reasons as the command line's
        assert all(len(json.loads(line)["works"]) == 5 for line in got.text.splitlines())
        assert client.get(download, headers=other).status_code == 404  # another person's lists are not theirs to read
        assert client.get(download, headers=curator).status_code == 403
        assert client.get("/api/scale/batch-scoring/999999/output", headers=admin).status_code == 404

        parquet = job_outcome(client, client.post(url, headers=other, json={"k": 5, "partitions": 3, "format": "parquet"}), other)
        table = pq.read_table(find_output(home, parquet["id"]))
        assert table.column_names[:3] == ["member", "rank", "work"] and table.num_rows == 5 * job["result"]["members"]

        monkeypatch.setitem(sys.modules, "ray", None)  # an installation without museion[scale]
        refused = client.post(url, headers=admin, json={"engine": "ray"})
        assert refused.status_code == 400 and "pip install 'museion[scale]'" in refused.json()["detail"]
        assert len(records.listing(engine, kind="batch_scoring")) == 2  # nothing queued for the refused ones
    assert not list((home / "scale" / "batch").glob("*.parts"))  # no part files (member keys) left behind


def test_batch_scoring_from_the_model_page_in_both_languages(site: tuple[Engine, Path, int, int]) -> None:
    engine, home, draft, deployed = site
    with TestClient(create_app(engine, home)) as client:
        admin, reviewer = auth_headers(engine), auth_headers(engine, "algorithm_reviewer")
        english = client.get(f"/models/{deployed}", headers=admin, params={"lang": "en"}).text
        chinese = client.get(f"/models/{deployed}", headers=admin, params={"lang": "zh-Hans"}).text
        assert 'id="batch-scoring"' in english and "Score every member into a file" in english
        assert "为每位会员生成推荐并写入文件" in chinese and "Score every member into a file" not in chinese
        assert 'id="batch-scoring"' not in client.get(f"/models/{draft}", headers=admin).text  # deployed versions only
        assert 'id="batch-scoring"' not in client.get(f"/models/{deployed}", headers=reviewer).text  # administrators only

        refused = client.post(f"/models/{draft}/batch-scoring", headers=admin, data={"engine": "local"},
                              params={"lang": "zh-Hans"})
        assert refused.status_code == 400 and f"版本 {draft} 未部署" in refused.text

        ran = client.post(f"/models/{deployed}/batch-scoring", headers=admin, data={"engine": "local", "format": "jsonl"},
                          follow_redirects=False)
        assert ran.status_code == 303 and ran.headers["location"].startswith("/jobs/")
        job_id = int(ran.headers["location"].rsplit("/", 1)[1])
        job = job_outcome(client, f"/api/jobs/{job_id}", admin)
        assert job["status"] == "succeeded" and job["params"]["engine"] == "local"
        page = client.get(f"/jobs/{job_id}", headers=admin, params={"lang": "zh-Hans"}).text
        assert "为全部会员批量生成推荐" in page and f"/api/scale/batch-scoring/{job_id}/output" in page
