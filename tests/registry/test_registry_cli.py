"""`museion registry` and `museion review`: the flow from the command line with the next step after each, the audit
that submission runs, refusals, the filing pack, the demo's approval (audited first)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete
from typer.testing import CliRunner

from helpers import audit_version, grant_personalisation, sign_assessment
from museion.cli.main import app as cli
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry.cards import latest_fairness_audit
from museion.registry.demo import approve_for_demo
from museion.registry.disclosure import public_disclosure
from museion.registry.lifecycle import AuditMissing
from museion.registry.models import FairnessAudit

TRAIN = ["train", "--model", "ease", "-p", "l2=10", "--source", "demo", "--rating-threshold", "0", "--min-interactions", "1",
         "--no-evaluate"]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_registry_and_review_commands(sample_catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    grant_personalisation(sample_catalogue)
    runner = CliRunner()
    assert "serves nothing until reviewed and deployed" in run(*TRAIN)
    refused = runner.invoke(cli, ["recommend", "demo:m1"])
    assert refused.exit_code == 1 and "no model version is deployed" in refused.output
    refused = runner.invoke(cli, ["recommend", "demo:m1", "--version", "1"])
    assert refused.exit_code == 1 and "model version 1 is draft, not deployed" in refused.output
    assert json.loads(run("registry", "list", "--json"))[0]["status"] == "draft"
    assert "# Model card: Work-to-work weights (EASE)" in run("registry", "card", "1")
    run("registry", "edit", "1", "--limitations", "Four works only.", "--contact", "ai@museum.example")
    run("users", "add", "ana", "--role", "analyst")
    for name in ("rev-a", "rev-b", "rev-c", "rev-d"):
        run("users", "add", name, "--role", "algorithm_reviewer")
    unknown = runner.invoke(cli, ["registry", "submit", "1", "--as", "nobody"])
    assert unknown.exit_code == 1 and "no account named 'nobody'" in unknown.output
    with sample_catalogue.connect() as conn:
        assert latest_fairness_audit(conn, 1) is None  # refused before the audit ran: nothing changed
    submitted = run("registry", "submit", "1", "--as", "ana")
    assert "has no fairness audit: running one" in submitted and "fairness audit #1 (evaluation)" in submitted
    assert "card sha256" in submitted and "Next: start the review with `museion review start 1`" in submitted
    edit = runner.invoke(cli, ["registry", "edit", "1", "--contact", "x"])
    assert edit.exit_code == 1 and "frozen" in edit.output
    started = run("review", "start", "1")
    assert "review round 1 of version 1 is open: 4 approval(s) needed" in started
    assert "Next: reviewers record their decisions with `museion review record 1 --reviewer NAME --capacity domain_expert" in started
    author = runner.invoke(cli, ["review", "record", "1", "--reviewer", "ana", "--capacity", "domain_expert",
                                 "--decision", "approve", "--findings", "mine"])
    assert author.exit_code == 1 and "the author never reviews" in author.output
    findings = tmp_path / "findings.txt"
    findings.write_text("Checked exposure and the card.", encoding="utf-8")
    for name, capacity in (("rev-a", "domain_expert"), ("rev-b", "member_representative"), ("rev-c", "privacy_officer")):
        out = run("review", "record", "1", "--reviewer", name, "--capacity", capacity, "--decision", "approve",
                  "--findings-file", str(findings))
    assert "missing capacities: external_reviewer" in out and "--capacity external_reviewer" in out
    assert json.loads(run("review", "board", "--json"))[0]["approvals_needed"] == 1
    approved = run("review", "record", "1", "--reviewer", "rev-d", "--capacity", "external_reviewer", "--decision", "approve",
                   "--findings", "Independent check done.")
    assert "version 1 is approved" in approved and "Next: deploy with `museion registry deploy 1`" in approved
    with sample_catalogue.begin() as conn:
        sign_assessment(conn, 1)
    deployed = run("registry", "deploy", "1")
    assert "version 1 deployed" in deployed and "Next: it serves: `museion serve`" in deployed
    body = json.loads(run("recommend", "demo:m1", "--json"))
    assert body["model_version"] == 1 and body["disclosure_url"] == "/api/disclosure"
    assert "我们的推荐如何运作" in run("registry", "disclosure", "--lang", "zh-Hans")
    assert "no re-review is due" in run("review", "due")
    shown = json.loads(run("registry", "show", "1", "--json"))
    assert [t["to_status"] for t in shown["transitions"]] == ["submitted", "under_review", "approved", "deployed"]

    folder = tmp_path / "pack"
    run("registry", "filing-pack", "1", "-o", str(folder))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {"card.json", "card.en.md", "card.zh-Hans.md", "parameters.json", "evaluation.json",
                                      "fairness_audit.json", "reviews.json", "transitions.json", "audit_chain.json",
                                      "data_categories.json", "impact_assessments.json", "impact_assessments.en.md",
                                      "impact_assessments.zh-Hans.md", "rollouts.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert json.loads((folder / "card.json").read_text())["card_hash"] == manifest["card_hash"]
    assert len(json.loads((folder / "reviews.json").read_text())["reviews"]) == 4
    assert json.loads((folder / "data_categories.json").read_text())["categories"][0]["code"] == "activity"
    archive = tmp_path / "pack.zip"
    run("registry", "filing-pack", "1", "-o", str(archive))
    with zipfile.ZipFile(archive) as z:
        assert json.loads(z.read("manifest.json"))["files"]["card.json"] == manifest["files"]["card.json"]
    again = runner.invoke(cli, ["registry", "filing-pack", "1", "-o", str(archive)])
    assert again.exit_code == 1 and "already exists" in again.output

    run(*TRAIN)
    pack = runner.invoke(cli, ["registry", "filing-pack", "2", "-o", str(tmp_path / "draft")])
    assert pack.exit_code == 1 and "is a draft" in pack.output
    assert "wrote" in run("review", "policy", "--write") and (tmp_path / "home" / "review-policy.toml").is_file()
    assert '"rereview_days": 365' in run("review", "policy", "--json")


def test_the_demo_approval_is_labelled_as_such(sample_catalogue: Engine, tmp_path: Path) -> None:
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0))
    with sample_catalogue.begin() as conn, pytest.raises(AuditMissing):
        approve_for_demo(conn, home, version.id)  # the demo's version is audited like any other (the CLI runs it)
    audit_version(sample_catalogue, home, version.id)
    with sample_catalogue.begin() as conn:
        assert approve_for_demo(conn, home, version.id) == 4
    with sample_catalogue.connect() as conn:
        en, zh = public_disclosure(conn, "en", home), public_disclosure(conn, "zh-Hans", home)
    assert en["review"]["demo_approval"] and "approved automatically by the demo set-up" in en["review"]["notice"]
    assert "演示环境自动批准" in zh["review"]["notice"]
    assert any("Demo deployment" in line for line in en["limitations"])


def test_the_demo_deploys_a_version_trained_before_the_gate_existed(sample_catalogue: Engine, tmp_path: Path) -> None:
    from museion.cli.demo import _demo_model
    from museion.fairness.serving import open_recommender

    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0))
    _demo_model(sample_catalogue, home)
    _demo_model(sample_catalogue, home)  # a second run changes nothing
    assert open_recommender(sample_catalogue, home).version.id == version.id
    with sample_catalogue.connect() as conn:
        assert public_disclosure(conn, "en", home)["review"]["approvals"] == 4
        assert latest_fairness_audit(conn, version.id) is not None  # audited before its approval
    with sample_catalogue.begin() as conn:  # deployed by a demo older than the rule: the next run audits it
        conn.execute(delete(FairnessAudit))
    _demo_model(sample_catalogue, home)
    with sample_catalogue.connect() as conn:
        assert latest_fairness_audit(conn, version.id) is not None
