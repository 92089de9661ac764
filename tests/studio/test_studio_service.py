"""The suggester as a service, on both backends, over a generated catalogue (tests/studio/conftest.py): versions in the
registry under their own task, proposals into the queue, decisions written back with their origin, and retraining."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from museion.catalog.models import Work, WorkTerm
from museion.collab.queue import outcomes
from museion.collab.review import Reviewer, decide, undo
from museion.errors import Conflict, MuseionError, NotFound
from museion.registry import lifecycle
from museion.registry.models import ModelVersion
from museion.security.auth import create_account
from museion.studio import suggestions
from museion.studio.models import SubjectSuggestion
from museion.studio.records import feedback


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def trained(generated_catalogue: Engine, home: Path) -> int:
    return suggestions.train_suggester(generated_catalogue, home, actor="test")


@pytest.fixture
def curator(engine: Engine) -> Reviewer:
    with engine.begin() as conn:
        return Reviewer(create_account(conn, "curator-1", "curator", actor="test"), "curator")


def subjects_of(engine: Engine, key: str) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(WorkTerm.term, WorkTerm.origin).join(Work, Work.id == WorkTerm.work_id)
                                 .where(Work.key == key, WorkTerm.vocabulary == "subject")).all())


def test_a_trained_version_is_recorded_with_its_task_and_evaluation(engine: Engine, trained: int, home: Path) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(ModelVersion).where(ModelVersion.id == trained)).one()
        assert row.task == "subjects" and row.n_members == 0 and row.n_works == 36
        assert row.evaluation["held_out"] == 7 and 0 <= row.evaluation["precision_at_5"] <= 1
        assert row.evaluation["precision_at_5"] > row.evaluation["popularity_precision_at_5"]
        assert {"ece", "ece_recalibrated", "reliability", "calibrated_on"} <= set(row.evaluation)
        assert suggestions.current_version(conn)["id"] == trained
    assert (home / row.artifact / "model" / "manifest.json").is_file()


def test_nothing_recommender_side_ever_picks_a_suggester_version(engine: Engine, trained: int, home: Path) -> None:
    with engine.begin() as conn:
        conn.execute(ModelVersion.__table__.update().where(ModelVersion.id == trained).values(status="deployed"))
    with engine.connect() as conn:
        assert lifecycle.versions(conn) == [] and lifecycle.count_versions(conn) == 0
        assert lifecycle.deployed_version_id(conn) is None
        assert [v["id"] for v in lifecycle.versions(conn, task="subjects")] == [trained]
        with pytest.raises(lifecycle.NoModel, match="no model version has been trained"):
            lifecycle.servable(conn, home)
        with pytest.raises(lifecycle.NotServable, match="not a recommender"):
            lifecycle.servable(conn, home, trained)
        with pytest.raises(lifecycle.NotServable, match="not a recommender"):
            lifecycle.submittable(conn, trained)


def test_a_round_proposes_the_similar_works_subjects_once_per_work(engine: Engine, trained: int, home: Path) -> None:
    with engine.begin() as conn:
        done = suggestions.propose_round(conn, home, requested_by="test", limit=20)
    assert sorted(p.work_key for p in done) == sorted(f"gen:u-{t}-{n}" for t in ("sea", "alps", "sitter") for n in range(2))
    sea = next(p for p in done if p.work_key == "gen:u-sea-0")
    assert set(sea.found.subjects[:3]) == {"sea", "boat", "harbour"}
    with engine.connect() as conn:
        queued = {o.subject for o in outcomes(conn, "work.subjects")}
        assert queued == set()  # nothing decided yet
        rows = conn.execute(select(SubjectSuggestion).where(SubjectSuggestion.proposal_id == sea.proposal_id)).all()
        assert [r.rank for r in rows] == list(range(1, len(sea.found.suggestions) + 1))
        assert all(r.model_version_id == trained and 0 <= r.confidence <= 1 for r in rows)
    with engine.begin() as conn:
        assert suggestions.propose_round(conn, home, requested_by="test", limit=20) == []  # every work without subjects was proposed for
        with pytest.raises(Conflict, match="already has subject suggestions waiting"):
            suggestions.propose_round(conn, home, requested_by="test", keys=["gen:u-sea-0"])
        with pytest.raises(NotFound, match="no work with key gen:nope"):
            suggestions.propose_round(conn, home, requested_by="test", keys=["gen:nope"])
        with pytest.raises(MuseionError, match="1 to 1,000"):
            suggestions.propose_round(conn, home, requested_by="test", limit=0)


def test_decisions_write_subjects_with_their_origin_and_teach_the_next_version(
        engine: Engine, trained: int, home: Path, curator: Reviewer) -> None:
    with engine.begin() as conn:
        done = {p.work_key: p for p in suggestions.propose_round(conn, home, requested_by="test", limit=20)}
    sea, alps, sitter = done["gen:u-sea-0"], done["gen:u-alps-0"], done["gen:u-sitter-0"]
    with engine.begin() as conn:
        decide(conn, curator, sea.proposal_id, "accept")
        decide(conn, curator, alps.proposal_id, "edit", final={"subjects": ["mountain", "glacier"]})
        decide(conn, curator, sitter.proposal_id, "reject", reason="not a portrait")
    mark = f"ai:model_version:{trained}"
    sea_terms = subjects_of(engine, "gen:u-sea-0")
    assert set(sea.found.subjects) == set(sea_terms)
    assert sea_terms["sea"] == f"{mark} proposal:{sea.proposal_id} accepted by account:{curator.account_id}"
    alps_terms = subjects_of(engine, "gen:u-alps-0")
    assert alps_terms == {"mountain": f"{mark} proposal:{alps.proposal_id} accepted by account:{curator.account_id}",
                          "glacier": f"{mark} proposal:{alps.proposal_id} added by account:{curator.account_id}"}
    assert subjects_of(engine, "gen:u-sitter-0") == {}
    assert subjects_of(engine, "gen:g-sea-0") == dict.fromkeys(("sea", "boat", "harbour"))  # source terms: no origin

    with engine.connect() as conn:
        learned = feedback(conn)
    rejected = {(d.work_key, d.subject) for d in learned.decisions if not d.accepted}
    assert {("gen:u-sitter-0", s) for s in sitter.found.subjects} <= rejected
    assert ("gen:u-alps-0", "snow") in rejected and ("gen:u-alps-0", "glacier") not in rejected
    assert len(learned.confidence) == len(learned.accepted) == sum(len(p.found.suggestions) for p in (sea, alps, sitter))

    second = suggestions.train_suggester(engine, home, actor="test")
    with engine.connect() as conn:
        row = conn.execute(select(ModelVersion).where(ModelVersion.id == second)).one()
        assert row.policy["feedback_decisions"] == len(learned.decisions) and row.task == "subjects"
    with engine.begin() as conn:
        again = suggestions.propose_round(conn, home, requested_by="test", keys=["gen:u-sitter-0"])
    assert again and not set(again[0].found.subjects) & set(sitter.found.subjects)  # rejected: never offered again


def test_a_bad_edit_is_refused_and_changes_nothing(engine: Engine, trained: int, home: Path, curator: Reviewer) -> None:
    with engine.begin() as conn:
        proposal = suggestions.propose_round(conn, home, requested_by="test", keys=["gen:u-sea-1"])[0].proposal_id
    with pytest.raises(MuseionError, match="at most 50 lines of 1 to 512 characters"), engine.begin() as conn:
        decide(conn, curator, proposal, "edit", final={"subjects": ["sea", "x" * 600]})
    assert subjects_of(engine, "gen:u-sea-1") == {}
    with engine.connect() as conn:
        assert outcomes(conn, "work.subjects") == []


def test_an_automatic_action_is_marked_and_undone(engine: Engine, trained: int, home: Path, curator: Reviewer) -> None:
    from museion.collab.queue import DEFAULT_POLICY

    policy = DEFAULT_POLICY.read_text(encoding="utf-8").replace("auto_above = 0.9 ", "auto_above = 0.5 ").replace(
        "auto_after = 200 ", "auto_after = 0 ")
    home.mkdir(parents=True, exist_ok=True)
    (home / "collab-policy.toml").write_text(policy, encoding="utf-8")
    with engine.begin() as conn:  # people accept one confident proposal: the track record the policy asks for
        first = suggestions.propose_round(conn, home, requested_by="test", keys=["gen:u-sea-0"])[0]
        assert first.found.suggestions[0].confidence >= 0.5
        decide(conn, curator, first.proposal_id, "accept")
        proposal = suggestions.propose_round(conn, home, requested_by="test", keys=["gen:u-sea-1"])[0].proposal_id
    terms = subjects_of(engine, "gen:u-sea-1")
    assert terms and all(o == f"ai:model_version:{trained} proposal:{proposal} accepted by policy:auto" for o in terms.values())
    with engine.begin() as conn:
        undo(conn, curator, proposal, "wrong subjects")
    assert subjects_of(engine, "gen:u-sea-1") == {}
    with engine.connect() as conn:
        assert [d.accepted for d in feedback(conn, after=first.proposal_id).decisions] == [False] * len(terms)


def test_the_calibration_report_reads_the_confidence_people_saw(engine: Engine, trained: int, home: Path,
                                                                curator: Reviewer) -> None:
    with engine.begin() as conn:
        done = suggestions.propose_round(conn, home, requested_by="test", limit=2)
        decide(conn, curator, done[0].proposal_id, "accept")
        decide(conn, curator, done[1].proposal_id, "reject", reason="wrong")
        report = suggestions.calibration_report(conn)
    assert report["version_id"] == trained and report["decided"] == sum(len(p.found.suggestions) for p in done)
    assert sum(b["count"] for b in report["reliability"]) == report["decided"] and 0 <= report["ece"] <= 1
    with engine.connect() as conn, pytest.raises(Conflict, match="not a subject suggester"):
        conn.execute(ModelVersion.__table__.insert().values(id=999, task="recommend", algorithm="x", params={}, policy={},
                                                            data_fingerprint="x", artifact="x", n_members=0, n_works=0,
                                                            evaluation={}))
        suggestions.calibration_report(conn, 999)


def test_training_without_subjects_says_what_to_do(engine: Engine, home: Path) -> None:
    with pytest.raises(MuseionError, match="datasets load tate"):
        suggestions.train_suggester(engine, home, actor="test")
