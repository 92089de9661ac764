"""The controlled-rollout flow from the web on the MovieLens site, as after `museion demo`: a reviewed candidate
waits, a reviewer starts a canary of it on /experiments, runs simulated traffic from the rollout's page as a job, and
sees the curves and guardrails fill; the popularity candidate breaches the exposure-gap guardrail, which stops it
automatically, and the page, the alert and the records say so."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_site import Site

from helpers import auth_headers, job_outcome
from museion.experiments import rollouts
from museion.cli.demo import _demo_candidate
from museion.experiments.demo import waiting_candidate
from museion.server import create_app


def test_a_reviewer_starts_a_canary_and_simulated_traffic_stops_it_on_a_breach(movielens_site: Site) -> None:
    site = movielens_site
    _demo_candidate(site.engine, site.home)  # the step of `museion demo` that leaves a reviewed candidate ready
    candidate = waiting_candidate(site.engine)
    assert candidate is not None and candidate != site.deployed
    reviewer = auth_headers(site.engine, "algorithm_reviewer")
    with TestClient(create_app(site.engine, site.home), raise_server_exceptions=False, follow_redirects=False) as client:
        with site.engine.connect() as conn:  # another test may have left a rollout of the site running
            for found in rollouts.listing(conn):
                assert found["state"] != "running", found
        listing = client.get("/experiments", headers=reviewer).text
        assert 'id="rollout-start"' in listing and f'<option value="{candidate}">' in listing
        started = client.post("/experiments", data={"version_id": candidate, "mode": "canary", "share": 0.2},
                              headers=reviewer)
        assert started.status_code == 303, started.text
        url = started.headers["location"]
        rollout = int(url.rsplit("/", 1)[1])
        try:
            page = client.get(url, headers=reviewer).text
            assert 'id="rollout-simulate"' in page and 'value="ship"' not in page  # shipping is the deployer's act
            job = client.post(f"{url}/jobs", data={"kind": "experiment_simulation", "members": 300, "days": 7},
                              headers=reviewer)
            assert job.status_code == 303 and job.headers["location"].startswith("/jobs/")
            done = job_outcome(client, "/api" + job.headers["location"], reviewer)
            assert done["status"] == "succeeded", done
            assert done["result"]["stopped"] and "exposure_gap" in done["result"]["breached"], done["result"]
            page = client.get(url, headers=reviewer).text
            assert 'id="rollout-breach"' in page and 'id="rollout-simulated-note"' in page and "data-chart=" in page
            assert "stopped by a guardrail breach" in page and 'id="rollout-simulate"' not in page
            zh = client.get(url, params={"lang": "zh-Hans"}, headers=reviewer).text
            assert "Simulated traffic: both versions" not in zh and "Guardrail breached" not in zh
            alerts = client.get("/api/risk/alerts", params={"kind": "experiment"},
                                headers=auth_headers(site.engine, "admin")).json()
            rows = alerts["alerts"] if isinstance(alerts, dict) else alerts
            assert any(a["subject"] == f"rollout:{rollout}" for a in rows)
        finally:
            with site.engine.begin() as conn:
                if rollouts.get(conn, rollout).state == "running":
                    rollouts.stop(conn, rollout, actor="test", reason="test over")
