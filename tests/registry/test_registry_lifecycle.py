"""The review board gate: lifecycle steps, the policy, who may review, the fairness audit every approval needs,
deployment, and serving only what is deployed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from helpers import approve_and_deploy, audit_version, grant_personalisation, sign_assessment
from museion import audit
from museion.errors import Conflict, MuseionError
from museion.fairness.serving import open_recommender
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry import cards, lifecycle, review
from museion.registry.lifecycle import AuditMissing, NoModel, NotServable
from museion.registry.models import FairnessAudit, ModelVersion
from museion.registry.policy import STANDARD_POLICY, decide, load_policy, parse_policy
from museion.security.auth import create_account

CAPACITIES = ("domain_expert", "member_representative", "privacy_officer", "external_reviewer")


@pytest.fixture
def trained(sample_catalogue: Engine, tmp_path: Path) -> tuple[Engine, Path, int]:
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "ease", source=None, actor="test", params={"l2": 10.0},
                    policy=InteractionPolicy(rating_threshold=0.0, min_member_interactions=1, min_work_interactions=1))
    return sample_catalogue, home, version.id


def _accounts(engine: Engine, *roles: str) -> list[int]:
    with engine.begin() as conn:
        return [create_account(conn, f"person-{n}-{role.replace('_', '-')}", role, actor="test") for n, role in enumerate(roles)]


def _status(engine: Engine, version_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(ModelVersion.status).where(ModelVersion.id == version_id)))


def test_policy_default_parse_and_decide() -> None:
    policy = parse_policy(STANDARD_POLICY, "default")
    assert policy.required_capacities == CAPACITIES and policy.min_approvals == 4 and policy.rereview_days == 365
    assert policy.name == "standard"
    four = [(10 + n, c, "approve") for n, c in enumerate(CAPACITIES)]
    assert decide(policy, four, author_account_id=99).approved
    # the author never counts; one reviewer counts once whatever capacities they claim
    assert not decide(policy, four, author_account_id=10).approved
    assert decide(policy, four, author_account_id=10).missing_capacities == ("domain_expert",)
    same_person = [(7, c, "approve") for c in CAPACITIES]
    assert decide(policy, same_person, None).approvals == 1 and not decide(policy, same_person, None).approved
    assert decide(policy, [*four, (20, "domain_expert", "reject")], None).rejected
    for bad, message in (("min_approvals = 0", "min_approvals"), ("required_capacities = ['x']", "not described"),
                         ("[capacities]\n'Domain Expert' = 'x'", "lowercase identifiers"), ("rereview_days = 0", "rereview_days"),
                         ("min_approvals = [", "not valid TOML"), ("name = 'Small Policy'", "name is a lowercase identifier")):
        with pytest.raises(MuseionError, match=message):
            parse_policy(bad, "test.toml")


def test_policy_file_in_home_overrides_the_default(tmp_path: Path) -> None:
    assert (load_policy(tmp_path).source, load_policy(tmp_path).name) == ("default", "standard")
    (tmp_path / "review-policy.toml").write_text(
        "required_capacities = ['privacy_officer']\nmin_approvals = 2\nrereview_days = 30\n"
        "[capacities]\nprivacy_officer = 'x'\nexternal_reviewer = 'y'\n", encoding="utf-8")
    policy = load_policy(tmp_path)
    assert policy.min_approvals == 2 and policy.required_capacities == ("privacy_officer",) and policy.rereview_days == 30
    assert policy.name == "custom"


def test_the_whole_gate_and_serving_only_the_deployed_version(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    with pytest.raises(NoModel, match="no model version is deployed"):
        open_recommender(engine, home)
    with pytest.raises(NotServable, match=f"model version {version_id} is draft, not deployed"):
        open_recommender(engine, home, version_id)
    author, curator, *reviewers = _accounts(engine, "analyst", "curator", *(["algorithm_reviewer"] * 5))
    with engine.begin() as conn:
        cards.edit_card(conn, version_id, actor="test", limitations="Only four works.\nTiny data.", contact="team@example.org")
    with engine.begin() as conn, pytest.raises(AuditMissing, match=f"run one with `museion audit fairness {version_id}` or "
                                                                    f"POST /api/registry/versions/{version_id}/fairness-audits"):
        lifecycle.submit(conn, home, version_id, author_account_id=author, actor=f"account:{author}")
    assert _status(engine, version_id) == "draft"
    audit_version(engine, home, version_id)
    with engine.begin() as conn:
        digest = lifecycle.submit(conn, home, version_id, author_account_id=author, actor=f"account:{author}")
        cited = cards.card_for(conn, home, version_id)["fairness_audit"]
        assert cited == cards.latest_fairness_audit(conn, version_id) and cited is not None  # the frozen card cites it
    with engine.begin() as conn, pytest.raises(cards.CardFrozen, match="frozen when it was submitted"):
        cards.edit_card(conn, version_id, actor="test", contact="someone else")
    with engine.begin() as conn, pytest.raises(Conflict, match="no review round open"):
        review.record_review(conn, home, version_id, reviewer_account_id=reviewers[0], capacity="domain_expert",
                             decision="approve", findings="ok", actor="test")
    with engine.begin() as conn:
        assert lifecycle.start_review(conn, version_id, actor="test") == 1

    def record(account: int, capacity: str, decision: str = "approve") -> dict:
        with engine.begin() as conn:
            return review.record_review(conn, home, version_id, reviewer_account_id=account, capacity=capacity,
                                        decision=decision, findings=f"checked as {capacity}", actor=f"account:{account}")

    with pytest.raises(Conflict, match="the author never reviews"):
        record(author, "domain_expert")
    with pytest.raises(Conflict, match="may not review models"):
        record(curator, "domain_expert")
    with pytest.raises(MuseionError, match="unknown capacity 'astrologer'"):
        record(reviewers[0], "astrologer")
    state = record(reviewers[0], "domain_expert")
    assert state["approvals"] == 1 and state["approvals_needed"] == 3 and state["status"] == "under_review"
    with pytest.raises(Conflict, match="one reviewer counts once"):
        record(reviewers[0], "member_representative")
    record(reviewers[1], "member_representative")
    state = record(reviewers[2], "privacy_officer")
    assert state["missing_capacities"] == ["external_reviewer"] and state["open"]
    with pytest.raises(Conflict, match="only an approved version can be deployed"):
        with engine.begin() as conn:
            lifecycle.deploy(conn, home, version_id, actor="test")
    state = record(reviewers[3], "external_reviewer")
    assert state["status"] == "approved" and not state["open"]
    with pytest.raises(NotServable, match="approved, not deployed"):
        open_recommender(engine, home, version_id)
    with engine.begin() as conn:
        sign_assessment(conn, version_id)
        assert lifecycle.deploy(conn, home, version_id, actor="test") is None
    served = open_recommender(engine, home).recommend("demo:m1", 2, actor="test")
    assert served.model_version == version_id and served.disclosure_url == "/api/disclosure"
    assert open_recommender(engine, home, version_id).version.id == version_id

    with engine.connect() as conn:
        steps = [(t["from_status"], t["to_status"]) for t in lifecycle.transitions(conn, version_id)]
        assert steps == [("draft", "submitted"), ("submitted", "under_review"), ("under_review", "approved"),
                         ("approved", "deployed")]
        reviews = review.reviews_of(conn, version_id)
        assert [r["capacity"] for r in reviews] == list(CAPACITIES) and {r["card_hash"] for r in reviews} == {digest}
        chain = audit.entries(conn, audit.AuditFilter(target=f"model_version:{version_id}"), 100)
        assert [e["details"]["to"] for e in chain if e["action"] == "model.transition"] == [
            "submitted", "under_review", "approved", "deployed"]
        assert sum(e["action"] == "model.review" for e in chain) == 4
        assert audit.verify(conn).ok


def test_a_rejection_rejects_and_a_rejected_version_is_never_deployed(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    author, reviewer = _accounts(engine, "analyst", "algorithm_reviewer")
    audit_version(engine, home, version_id)
    with engine.begin() as conn:
        lifecycle.submit(conn, home, version_id, author_account_id=author, actor="test")
        lifecycle.start_review(conn, version_id, actor="test")
        state = review.record_review(conn, home, version_id, reviewer_account_id=reviewer, capacity="privacy_officer",
                                     decision="reject", findings="uses data beyond the purpose", actor="test")
    assert state["status"] == "rejected" and state["rejected"]
    with engine.begin() as conn, pytest.raises(Conflict, match="rejected"):
        lifecycle.deploy(conn, home, version_id, actor="test")


def test_no_one_approves_a_version_without_a_fairness_audit(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    author, reviewer, other = _accounts(engine, "analyst", "algorithm_reviewer", "algorithm_reviewer")
    audit_version(engine, home, version_id)
    with engine.begin() as conn:
        lifecycle.submit(conn, home, version_id, author_account_id=author, actor="test")
        lifecycle.start_review(conn, version_id, actor="test")
        conn.execute(delete(FairnessAudit).where(FairnessAudit.model_version_id == version_id))  # as if submitted before the rule
    with engine.begin() as conn, pytest.raises(AuditMissing, match=f"model version {version_id} has no fairness audit, so it "
                                                                    "cannot be approved"):
        review.record_review(conn, home, version_id, reviewer_account_id=reviewer, capacity="domain_expert", decision="approve",
                             findings="looks fine", actor="test")
    with engine.connect() as conn:
        assert review.reviews_of(conn, version_id) == []
    with engine.begin() as conn:  # a rejection needs no audit
        state = review.record_review(conn, home, version_id, reviewer_account_id=other, capacity="privacy_officer",
                                     decision="reject", findings="no fairness audit to read", actor="test")
    assert state["status"] == "rejected"


def test_every_state_names_its_next_command() -> None:
    assert lifecycle.next_step(7, lifecycle.DRAFT).startswith("submit it for review with `museion registry submit 7 --as AUTHOR`")
    assert lifecycle.next_step(7, lifecycle.SUBMITTED) == "start the review with `museion review start 7`"
    assert lifecycle.next_step(7, lifecycle.APPROVED) == "deploy with `museion registry deploy 7`"
    assert "`museion serve`" in lifecycle.next_step(7, lifecycle.DEPLOYED)
    assert "`museion train`" in lifecycle.next_step(7, lifecycle.REJECTED) and "`museion train`" in lifecycle.next_step(7, lifecycle.RETIRED)
    open_round = lifecycle.next_step(7, lifecycle.UNDER_REVIEW, review_open=True, missing=["privacy_officer"])
    assert "`museion review record 7 --reviewer NAME --capacity privacy_officer" in open_round and "still needed: privacy_officer" in open_round
    assert all(lifecycle.next_step(7, status) for status in lifecycle.STATUSES)


def test_deploying_retires_the_previous_version_and_only_one_serves(trained: tuple[Engine, Path, int]) -> None:
    engine, home, first = trained
    approve_and_deploy(engine, home, first)
    second = train(engine, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0)).id
    assert open_recommender(engine, home).version.id == first
    approve_and_deploy(engine, home, second)
    assert _status(engine, first) == "retired" and _status(engine, second) == "deployed"
    with engine.connect() as conn:
        listed = lifecycle.versions(conn, limit=None)
        assert [(v["id"], v["status"]) for v in listed] == [(second, "deployed"), (first, "retired")]
        row = cards.get_version(conn, first)
        assert (listed[1]["n_members"], listed[1]["n_works"], listed[1]["evaluation"]) == (row.n_members, row.n_works, row.evaluation)
        assert listed[1]["card_hash"] and listed[1]["n_works"] > 0
        assert [v["id"] for v in lifecycle.versions(conn, "retired")] == [first]
    assert open_recommender(engine, home).version.id == second
    with pytest.raises(NotServable, match=f"model version {first} is retired"):
        open_recommender(engine, home, first)
    with engine.begin() as conn, pytest.raises(Conflict, match="retired"):
        lifecycle.transition(conn, first, "deployed", actor="test", reason="sneak back")
    with engine.begin() as conn:
        lifecycle.retire(conn, second, actor="test", reason="end of the season")
    with pytest.raises(NoModel, match="no model version is deployed"):
        open_recommender(engine, home)


def test_cards_and_reviews_cite_the_latest_fairness_audit(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    with engine.begin() as conn:
        assert cards.latest_fairness_audit(conn, version_id) is None
        for scope in ("evaluation", "served"):
            conn.execute(insert(FairnessAudit).values(model_version_id=version_id, scope=scope, groups={}, metrics={},
                                                      summary={"members": 4}, created_by="test"))
        latest = cards.latest_fairness_audit(conn, version_id)
        assert latest is not None and latest["scope"] == "served" and latest["summary"] == {"members": 4}
        assert cards.card_for(conn, home, version_id)["fairness_audit"] == latest
    approve_and_deploy(engine, home, version_id)
    with engine.connect() as conn:
        assert {r["audit_ref"] for r in review.reviews_of(conn, version_id)} == {f"fairness_audit:{latest['id']}"}


def test_a_deployed_version_cannot_be_changed(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    approve_and_deploy(engine, home, version_id)
    with engine.begin() as conn, pytest.raises(cards.CardFrozen):
        cards.edit_card(conn, version_id, actor="test", limitations="none at all")
    with engine.begin() as conn:  # someone with database access changes the parameters behind the board's back
        conn.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(params={"l2": 0.001}))
    with pytest.raises(NotServable, match=r"changed since it was reviewed \(params differ"):
        open_recommender(engine, home)
    with engine.begin() as conn:
        conn.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(params={"l2": 10.0}))
    open_recommender(engine, home)  # restored: serves again
    with engine.connect() as conn:
        manifest = home / cards.get_version(conn, version_id).artifact / "model" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"l2": 10.0', '"l2": 11.0'))
    with pytest.raises(NotServable, match="artifact_sha256 differ; the artifact folder was modified"):
        open_recommender(engine, home)


def test_periodic_rereview_is_due_then_passes_or_retires(trained: tuple[Engine, Path, int]) -> None:
    engine, home, version_id = trained
    approve_and_deploy(engine, home, version_id)
    with engine.connect() as conn:
        assert review.due(conn, home) == []
        later = review.due(conn, home, now=datetime.now(UTC) + timedelta(days=366))
    assert [d["version_id"] for d in later] == [version_id] and later[0]["days_overdue"] >= 0
    with engine.begin() as conn:
        conn.execute(update(ModelVersion).values(reviewed_at=datetime.now(UTC) - timedelta(days=400)))
        assert lifecycle.start_review(conn, version_id, actor="test") == 2
    with engine.connect() as conn:
        (due,) = review.due(conn, home)
        assert due["rereview_open"] and due["days_overdue"] >= 34
        assert [b["version_id"] for b in review.board(conn, home)] == [version_id]
    reviewers = _accounts(engine, *(["algorithm_reviewer"] * 4))
    with engine.begin() as conn:
        for account, capacity in zip(reviewers, CAPACITIES, strict=True):
            state = review.record_review(conn, home, version_id, reviewer_account_id=account, capacity=capacity,
                                         decision="approve", findings="still fine", actor="test")
    assert state["status"] == "deployed" and not state["open"]
    with engine.connect() as conn:
        assert review.due(conn, home) == []
    with engine.begin() as conn:
        lifecycle.start_review(conn, version_id, actor="test")
        review.record_review(conn, home, version_id, reviewer_account_id=reviewers[0], capacity="domain_expert",
                             decision="reject", findings="exposure of new works collapsed", actor="test")
    assert _status(engine, version_id) == "retired"
