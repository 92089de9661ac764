"""AI provenance: a subject an AI proposed and a curator accepted is written into the catalogue with who or what
made it, which proposal (and model version, when one made it), who accepted it, and WHEN; the work page shows it and
the export keeps the whole label. Terms from the source record carry none of this."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import auth_headers
from museion.catalog.models import Work, WorkTerm
from museion.cli.main import app as cli
from museion.server import create_app
from museion.store.base import utcnow


def test_accepted_ai_terms_carry_when_they_were_added(sample_catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    with TestClient(create_app(sample_catalogue, tmp_path / "home")) as client:
        admin, curator = auth_headers(sample_catalogue, "admin"), auth_headers(sample_catalogue, "curator")
        proposed = client.post("/api/queue", headers=admin, json={
            "kind": "work.subjects", "subject": "work:demo:3", "payload": {"subjects": ["lighthouse"]},
            "evidence": {"similar_works": []}, "confidence": 0.6})
        assert proposed.status_code == 201, proposed.text
        pid = proposed.json()["proposal_id"]
        before = utcnow()
        decided = client.post(f"/api/queue/{pid}/decide", headers=curator, json={"decision": "accept", "reason": None})
        assert decided.status_code == 200, decided.text
        after = utcnow()
        with sample_catalogue.connect() as conn:
            work_id = conn.scalar(select(Work.id).where(Work.key == "demo:3"))
            terms = {t: (o, at) for t, o, at in conn.execute(select(WorkTerm.term, WorkTerm.origin, WorkTerm.added_at)
                                                              .where(WorkTerm.work_id == work_id))}
        origin, at = terms["lighthouse"]
        assert origin.startswith(f"ai:proposal:{pid} accepted by account:")
        assert at is not None and before - timedelta(seconds=1) <= at <= after + timedelta(seconds=1)
        assert terms["sea"] == (None, None) and terms["boat"] == (None, None)  # from the source record
        page = client.get(f"/works/{work_id}", headers=curator).text
        provenance = page.split('id="ai-provenance"')[1].split("</ul>")[0]
        assert "lighthouse" in provenance and f'datetime="{at.isoformat()}"' in provenance
        assert at.strftime("%Y-%m-%d %H:%M") in provenance
    exported = CliRunner().invoke(cli, ["export", "works", "--format", "csv"])
    assert exported.exit_code == 0
    label = next(line for line in exported.stdout.splitlines() if "lighthouse" in line)
    assert f"subject:lighthouse [{origin} at {at.isoformat()}]" in label
