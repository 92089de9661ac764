"""Plans as records and proposals (SQLite and PostgreSQL): candidates read through the gate (purpose analytics, small
demand suppressed), the optimal plan stored and queued as ``insight.plan`` for two algorithm reviewers, and their
decision marking the plan accepted, edited or rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpers import inspecting
from museion.collab.queue import proposal_row
from museion.collab.review import Reviewer, decide
from museion.errors import MuseionError, NotFound
from museion.insight import plans
from museion.insight.planner import PlanInfeasible
from museion.privacy.models import AccessRecord
from museion.security.auth import create_account
from plan_market import build_market


@pytest.fixture
def market(engine: Engine, tmp_path: Path) -> Engine:
    return build_market(engine, tmp_path)


def test_pool_reads_through_the_gate_and_suppresses_small_demand(market: Engine) -> None:
    with market.begin() as conn:
        pool = plans.pool(conn, "analyst", plans.PlanSpec(slots=3))
        with inspecting():
            purposes = set(conn.scalars(select(AccessRecord.purpose)))
    c = pool.candidates
    assert len(c.keys) == 30 and pool.suppressed == 4 and purposes == {"analytics"}
    value = dict(zip(c.keys, c.value, strict=True))
    assert value["t:w26"] == 0 and value["t:w0"] > value["t:w12"] > value["t:w24"] > 0  # one genre: one trend
    assert c.groups["creator_gender:Female"].sum() == 8 and c.groups["genre:Drama"].sum() == 10
    assert {"tier:head", "tier:tail", "emerging"} <= set(c.groups)


def test_a_plan_is_stored_queued_and_follows_the_reviewers_decision(market: Engine) -> None:
    spec = plans.PlanSpec("spring", slots=6, quotas={"creator_gender:Female": 0.5}, max_share={"genre": 0.5})
    with market.begin() as conn:
        plan_id = plans.propose_plan(conn, "analyst", spec)
        stored = plans.plan(conn, plan_id)
        row = proposal_row(conn, stored["proposal_id"])
        first, second = (Reviewer(create_account(conn, f"rev{n}", "algorithm_reviewer", actor="test"), "algorithm_reviewer")
                         for n in (1, 2))
    found = stored["plan"]
    assert stored["status"] == "proposed" and len(found["works"]) == 6 and found["optimal"]
    assert sum("creator_gender:Female" in w["groups"] for w in found["works"]) >= 3
    assert found["shares"]["creator_gender:Female"] >= 0.5 and found["objective"] <= found["unconstrained"]
    assert (row.kind, row.decider, row.reviewers) == ("insight.plan", "algorithm_reviewer", 2)
    assert row.payload["works"] == [w["key"] for w in found["works"]] and row.evidence["explanation"]
    kept = row.payload["works"][:4]
    with pytest.raises(MuseionError, match="no work t:nope"), market.begin() as conn:
        decide(conn, first, row.id, "edit", final={**row.payload, "works": ["t:nope"]})
        decide(conn, second, row.id, "edit", final={**row.payload, "works": ["t:nope"]})
    with market.begin() as conn:
        decide(conn, first, row.id, "edit", final={**row.payload, "works": kept})
        decide(conn, second, row.id, "edit", final={**row.payload, "works": kept})
        after = plans.plan(conn, plan_id)
    assert after["status"] == "edited" and after["final"] == {"works": kept} and after["decided_by"]
    assert [p["id"] for p in plans.plans(market.connect())] == [plan_id]


def test_rejection_scenarios_and_clear_errors(market: Engine) -> None:
    with market.begin() as conn:
        plan_id = plans.propose_plan(conn, "analyst", plans.PlanSpec("x", slots=3))
        reviewers = [Reviewer(create_account(conn, f"r{n}", "algorithm_reviewer", actor="test"), "algorithm_reviewer")
                     for n in (1, 2)]
        pid = plans.plan(conn, plan_id)["proposal_id"]
    with market.begin() as conn:
        for r in reviewers:
            decide(conn, r, pid, "reject", reason="not now")
        assert plans.plan(conn, plan_id)["status"] == "rejected"
        rows = plans.scenarios(conn, "analyst", [plans.PlanSpec("base", slots=4),
                                                 plans.PlanSpec("fair", slots=4, quotas={"creator_gender:Female": 0.75}),
                                                 plans.PlanSpec("clash", slots=4, quotas={"creator_gender:Female": 0.5,
                                                                                          "creator_gender:Male": 0.75})])
    assert rows[0]["overlap"] == 1.0 and rows[1]["objective"] < rows[0]["objective"]
    assert rows[2]["objective"] is None and len(rows[2]["conflict"]) == 3
    with market.begin() as conn:
        with pytest.raises(MuseionError, match="budget must be a positive"):
            plans.make_plan(conn, "a", plans.PlanSpec(budget=0))
        with pytest.raises(MuseionError, match="unknown group 'creator_gender:Other'"):
            plans.make_plan(conn, "a", plans.PlanSpec(slots=2, quotas={"creator_gender:Other": 0.2}))
        with pytest.raises(PlanInfeasible, match="creator_gender:Female ≥ 100%"):
            plans.make_plan(conn, "a", plans.PlanSpec(slots=9, quotas={"creator_gender:Female": 1.0}))
        with pytest.raises(NotFound, match="t:ghost"):
            plans.make_plan(conn, "a", plans.PlanSpec(slots=2, availability=[("t:ghost", None, None)], window=("a", "b")))
        with pytest.raises(NotFound, match="t:nope"):
            plans.make_plan(conn, "a", plans.PlanSpec(slots=2, costs={"t:nope": 3.0}))
        with pytest.raises(MuseionError, match="first and last day"):
            plans.make_plan(conn, "a", plans.PlanSpec(slots=2, availability=[("t:w1", None, None)]))
        with pytest.raises(NotFound):
            plans.plan(conn, 999)
    late = plans.PlanSpec(slots=29, availability=[("t:w0", "2027-01-01", None)], window=("2026-12-01", "2026-12-31"))
    with market.begin() as conn:
        found = plans.make_plan(conn, "a", late)
    assert "t:w0" not in {w["key"] for w in found["works"]} and len(found["works"]) == 29
    assert plans.share_of("30%") == pytest.approx(0.3) and plans.windows(["k=..2026-01-01"]) == [("k", None, "2026-01-01")]
    with pytest.raises(MuseionError, match="NAME=VALUE"):
        plans.pairs(["nonsense"], "quota")
