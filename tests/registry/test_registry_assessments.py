"""Impact assessments: recorded per purpose or model version, signed off only by a privacy officer, required before a
version that profiles members is deployed, never edited or deleted, and part of the filing pack in both languages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from helpers import audit_version, grant_personalisation
from museion.cli.main import app
from museion.errors import Conflict, MuseionError
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.models import MODELS
from museion.recommend.training import train
from museion.registry import assessments, filing, lifecycle
from museion.registry.assessments import AssessmentMissing
from museion.registry.models import ImpactAssessment, ModelVersion
from museion.security.auth import create_account

TEXTS = {"risks": "Members are profiled from their ratings.", "necessity": "Members asked for a personal feed.",
         "safeguards": "Consent, opt-out, explanations.", "residual_risk": "low", "residual_notes": "Accepted: opt-out."}


def _later(days: int = 365) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


@pytest.fixture
def approved(sample_catalogue: Engine, tmp_path: Path) -> tuple[Engine, Path, int]:
    """A personalising version submitted through the real gate, then marked approved (the board is tested elsewhere)."""
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "ease", source=None, actor="test", params={"l2": 10.0},
                    policy=InteractionPolicy(rating_threshold=0.0, min_member_interactions=1, min_work_interactions=1))
    audit_version(sample_catalogue, home, version.id)
    with sample_catalogue.begin() as conn:
        author = create_account(conn, "author", "analyst", actor="test")
        lifecycle.submit(conn, home, version.id, author_account_id=author, actor="test")
        conn.execute(update(ModelVersion).where(ModelVersion.id == version.id).values(status=lifecycle.APPROVED))
    return sample_catalogue, home, version.id


def _officer(engine: Engine) -> int:
    with engine.begin() as conn:
        return create_account(conn, "officer", "privacy_officer", actor="test")


def test_deploy_refuses_a_profiling_version_until_the_privacy_officer_signs_a_current_assessment(
        approved: tuple[Engine, Path, int]) -> None:
    engine, home, version = approved
    for step in ("nothing recorded", "recorded, not signed"):
        with pytest.raises(AssessmentMissing, match=r"needs an impact assessment signed by the privacy officer.*"
                                                    r"museion privacy assessment create --version .*POST /api/assessments"):
            with engine.begin() as conn:
                lifecycle.deploy(conn, home, version, actor="test")
        if step == "nothing recorded":
            with engine.begin() as conn:
                found = assessments.create(conn, actor="test", version_id=version, review_by=_later(), **TEXTS)
    with engine.begin() as conn:
        analyst = create_account(conn, "analyst", "analyst", actor="test")
    with pytest.raises(Conflict, match="the sign-off is the privacy officer's"), engine.begin() as conn:
        assessments.sign(conn, found, signer_account_id=analyst, actor="test")
    with engine.begin() as conn:
        signed = assessments.sign(conn, found, signer_account_id=_officer(engine), actor="test")
    assert signed["current"] and signed["signed_by"] == "officer"
    assert signed["retain_until"] >= datetime.now(UTC) + timedelta(days=3 * 365)
    with pytest.raises(Conflict, match="was signed on"), engine.begin() as conn:
        assessments.sign(conn, found, signer_account_id=signed["signed_by_account_id"], actor="test")
    with engine.begin() as conn:  # past its review date, the sign-off no longer counts
        conn.execute(update(ImpactAssessment).values(review_by=datetime.now(UTC) - timedelta(days=1)))
    with pytest.raises(AssessmentMissing), engine.begin() as conn:
        lifecycle.deploy(conn, home, version, actor="test")
    with engine.begin() as conn:
        conn.execute(update(ImpactAssessment).values(review_by=_later()))
        lifecycle.deploy(conn, home, version, actor="test")
        assert lifecycle.deployed_version_id(conn) == version


def test_bad_assessments_are_refused_and_change_nothing(approved: tuple[Engine, Path, int]) -> None:
    engine, _, version = approved
    cases = [({"version_id": version, "purpose": "personalisation"}, "exactly one thing"),
             ({}, "exactly one thing"),
             ({"version_id": version, "risks": "  "}, "write the assessment's risks"),
             ({"version_id": version, "residual_risk": "none"}, "residual risk must be low, medium, high"),
             ({"version_id": version, "review_by": _later(-1)}, "has passed"),
             ({"purpose": "no-such-purpose"}, "no purpose 'no-such-purpose'")]
    for overrides, message in cases:
        with pytest.raises(MuseionError, match=message), engine.begin() as conn:
            assessments.create(conn, actor="test", **{**TEXTS, "review_by": _later(), **overrides})
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ImpactAssessment)) == 0


def test_the_filing_pack_holds_the_assessments_in_both_languages(approved: tuple[Engine, Path, int], tmp_path: Path) -> None:
    engine, home, version = approved
    with engine.begin() as conn:
        officer = create_account(conn, "officer", "privacy_officer", actor="test")
        for target in ({"version_id": version}, {"purpose": "personalisation"}):
            assessments.sign(conn, assessments.create(conn, actor="test", review_by=_later(), **TEXTS, **target),
                             signer_account_id=officer, actor="test")
        manifest = filing.filing_pack(conn, home, version, tmp_path / "pack")
    assert {"impact_assessments.json", "impact_assessments.en.md", "impact_assessments.zh-Hans.md"} <= set(manifest["files"])
    data = json.loads((tmp_path / "pack" / "impact_assessments.json").read_text())
    assert data["retention_years"] == 3
    assert {a["subject"] for a in data["assessments"]} == {f"model_version:{version}", "purpose:personalisation"}
    zh = (tmp_path / "pack" / "impact_assessments.zh-Hans.md").read_text(encoding="utf-8")
    assert "个人信息保护负责人签署: officer" in zh and "剩余风险" in zh and "至少保存 3 年" in zh


def test_the_cli_creates_signs_shows_and_lists(museion_env: str, approved: tuple[Engine, Path, int]) -> None:
    _, _, version = approved
    runner = CliRunner()
    done = runner.invoke(app, ["privacy", "assessment", "create", "--version", str(version), "--risks", "r", "--necessity", "n",
                               "--safeguards", "s", "--residual-risk", "medium", "--residual-notes", "x",
                               "--review-by", f"{_later():%Y-%m-%d}"])
    assert done.exit_code == 0, done.output
    assert "museion privacy assessment sign 1 --as NAME" in done.output
    refused = runner.invoke(app, ["privacy", "assessment", "sign", "1", "--as", "nobody"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    runner.invoke(app, ["users", "add", "po", "--role", "privacy_officer"])
    assert runner.invoke(app, ["privacy", "assessment", "sign", "1", "--as", "po"]).exit_code == 0
    shown = runner.invoke(app, ["privacy", "assessment", "show", "1", "--lang", "zh-Hans"])
    assert "个人信息保护影响评估 #1" in shown.output and "剩余风险: 中" in shown.output
    listed = json.loads(runner.invoke(app, ["privacy", "assessment", "list", "--json"]).output)
    assert listed[0]["current"] is True and listed[0]["signed_by"] == "po"
    bad = runner.invoke(app, ["privacy", "assessment", "create", "--purpose", "personalisation", "--risks", "r", "--necessity",
                              "n", "--safeguards", "s", "--residual-risk", "low", "--residual-notes", "x", "--review-by", "soon"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


def test_only_algorithms_that_rank_alike_for_everyone_skip_the_assessment() -> None:
    assert assessments.UNPERSONALISED == {name for name, model in MODELS.items() if model.rule}
    assert assessments.profiles_members("ease") and not assessments.profiles_members("pop")


def test_api_and_web_record_sign_and_show_with_the_matrix_deciding(approved: tuple[Engine, Path, int]) -> None:
    from fastapi.testclient import TestClient

    from helpers import auth_headers
    from museion.server import create_app

    engine, home, version = approved
    client = TestClient(create_app(engine, home))
    analyst, officer, curator = (auth_headers(engine, role) for role in ("analyst", "privacy_officer", "curator"))
    body = {**TEXTS, "version_id": version, "review_by": _later().isoformat()}
    made = client.post("/api/assessments", json=body, headers=analyst)
    assert made.status_code == 201 and made.json()["current"] is False
    found = made.json()["id"]
    assert client.post("/api/assessments/sign", json={"assessment_id": found}, headers=analyst).status_code == 403
    assert client.post("/api/assessments", json={**body, "residual_risk": "none"}, headers=analyst).status_code == 422
    signed = client.post("/api/assessments/sign", json={"assessment_id": found}, headers=officer)
    assert signed.status_code == 200 and signed.json()["current"] is True
    assert client.post("/api/assessments/sign", json={"assessment_id": found}, headers=officer).status_code == 409
    assert client.get("/api/assessments", headers=curator).status_code == 403
    assert [a["id"] for a in client.get(f"/api/assessments?version_id={version}", headers=analyst).json()] == [found]
    assert not [r for r in client.app.routes if "assessment" in getattr(r, "path", "") and {"DELETE", "PUT", "PATCH"} & r.methods]
    page = client.get("/assessments?lang=zh-Hans", headers=officer)
    assert page.status_code == 200 and "个人信息保护影响评估" in page.text and "剩余风险说明" in page.text
    assert "保存至" in page.text and "低" in page.text
    english = client.get("/assessments?lang=en", headers=officer)
    assert "Signed off by the privacy officer" in english.text and "Kept until" in english.text


def test_the_web_form_records_and_the_officer_signs(approved: tuple[Engine, Path, int]) -> None:
    from fastapi.testclient import TestClient

    from helpers import auth_headers
    from museion.server import create_app

    engine, home, version = approved
    client = TestClient(create_app(engine, home), follow_redirects=False)
    analyst, officer = auth_headers(engine, "analyst"), auth_headers(engine, "privacy_officer")
    form = {**TEXTS, "subject": f"version:{version}", "review_by": f"{_later():%Y-%m-%d}"}
    refused = client.post("/assessments", data={**form, "subject": "model 1"}, headers=analyst)
    assert refused.status_code == 422 and "write version:N or purpose:CODE" in refused.text
    assert client.post("/assessments", data=form, headers=analyst).status_code == 303
    assert client.post("/assessments/sign", data={"assessment_id": "1"}, headers=analyst).status_code == 403
    assert client.post("/assessments/sign", data={"assessment_id": "1"}, headers=officer).status_code == 303
    with engine.connect() as conn:
        assert assessments.current(conn, version_id=version) is not None
