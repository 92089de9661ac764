"""`museion init --org --policy` and `museion doctor`: from an empty home to a served recommender, with the doctor
naming what is missing, and the command for it, at every step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import grant_personalisation
from museion.cli.main import app

runner = CliRunner()
TRAIN = ["train", "--model", "pop", "--source", "demo", "--rating-threshold", "0", "--min-interactions", "1", "--no-evaluate"]


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def run(*args: str, code: int = 0) -> str:
    """What the command said, with the terminal's line wrapping undone."""
    return " ".join(invoke(*args, code=code).split())


def doctor(code: int) -> dict[str, dict[str, str | None]]:
    """The doctor's checks by name, after checking its exit code."""
    report = json.loads(invoke("doctor", "--json", code=code))
    assert report["ready"] is (code == 0)
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with nothing in it yet, and the default SQLite database inside it."""
    from museion.config import get_settings

    home = tmp_path / "fresh-home"
    monkeypatch.setenv("MUSEION_HOME", str(home))
    monkeypatch.delenv("MUSEION_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    return home


def test_the_doctor_never_creates_a_database(fresh: Path) -> None:
    checks = doctor(1)
    assert checks["database"]["status"] == "missing" and checks["database"]["fix"] == "museion init"
    assert str(fresh / "museion.db") in str(checks["database"]["found"])
    assert {c["status"] for name, c in checks.items() if name != "database"} == {"not checked"}
    out = run("doctor", code=1)
    assert "Next: museion init" in out
    assert not fresh.exists()


def test_init_refuses_bad_choices_before_creating_anything(fresh: Path) -> None:
    assert "unknown review policy 'tiny'; choose one of standard, small" in run("init", "--policy", "tiny", code=1)
    assert "the organisation's name is 1 to 200 characters" in run("init", "--org", "   ", code=1)
    assert not fresh.exists()


def test_init_names_the_organisation_and_chooses_the_policy(fresh: Path) -> None:
    out = run("init", "--org", "Little Library", "--policy", "small")
    assert "organisation: Little Library" in out and "review policy 'small' written to" in out
    assert "review policy: small (2 approval(s) covering colleague, privacy_officer" in out
    assert "review policy 'small' already in force" in run("init", "--policy", "small")  # safe to run again
    assert "already holds the 'small' review policy" in run("init", "--policy", "standard", code=1)
    assert json.loads(invoke("review", "policy", "--json"))["name"] == "small"
    report = json.loads(invoke("doctor", "--json", code=1))
    assert (report["organisation"], report["review_policy"]) == ("Little Library", "small")
    assert report["checks"][0] == {"name": "database", "status": "ok", "found": "at the latest schema", "fix": None}


def test_the_doctor_follows_the_way_to_a_served_recommender(sample_catalogue: Engine, museion_env: str) -> None:
    run("init", "--org", "Little Library", "--policy", "small")
    checks = doctor(1)
    assert [c["status"] for c in checks.values()] == ["ok", "ok", "ok", "missing", "missing", "not checked", "not checked",
                                                      "not checked"]
    assert "museion privacy consent import" in str(checks["consents"]["fix"])
    assert checks["trained version"]["fix"].startswith("museion train")  # type: ignore[union-attr]
    grant_personalisation(sample_catalogue)
    run(*TRAIN)
    checks = doctor(1)
    assert checks["consents"]["status"] == "ok" and checks["trained version"]["status"] == "ok"
    assert checks["fairness audit"]["fix"] == "museion audit fairness 1"
    assert "museion registry submit 1 --as AUTHOR" in str(checks["review"]["fix"])
    assert "the 'small' policy needs 2 reviewers and 0 account(s) hold the algorithm_reviewer role" in str(checks["review"]["found"])

    for name, role in (("ana", "analyst"), ("bo", "algorithm_reviewer"), ("cy", "algorithm_reviewer")):
        run("users", "add", name, "--role", role)
    assert "Next: start the review with `museion review start 1`" in run("registry", "submit", "1", "--as", "ana")
    assert doctor(1)["review"]["fix"] == "start the review with `museion review start 1`"
    assert "--capacity colleague" in run("review", "start", "1")
    out = run("review", "record", "1", "--reviewer", "bo", "--capacity", "colleague", "--decision", "approve", "--findings", "Read it.")
    assert "still needed: privacy_officer" in out
    assert "1 approval(s) to go" in str(doctor(1)["review"]["found"])
    out = run("review", "record", "1", "--reviewer", "cy", "--capacity", "privacy_officer", "--decision", "approve",
              "--findings", "Consents checked.")
    assert "Next: deploy with `museion registry deploy 1`" in out
    checks = doctor(1)
    assert checks["review"]["status"] == "ok" and checks["deployment"]["fix"] == "museion registry deploy 1"
    run("registry", "deploy", "1")
    checks = doctor(0)
    assert {c["status"] for c in checks.values()} == {"ok"} and checks["fairness audit"]["found"].startswith("audit #1")  # type: ignore[union-attr]
    assert "all in place" in run("doctor")
    assert "Little Library" in run("registry", "disclosure")
