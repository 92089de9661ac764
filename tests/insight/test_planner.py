"""The planner's pure core: exact plans under quotas, diversity, budget and availability; infeasible constraints named;
the greedy baseline's violations; the explanation's costs and LP duals; what-if comparison."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.errors import MuseionError
from museion.insight.planner import (Candidates, Constraints, Diversity, PlanInfeasible, Quota, candidates_kept, greedy,
                                     solve, violations)
from museion.insight.whatif import Scenario, compare, explain, lp_relaxation


def market(n: int = 12, seed: int = 0) -> Candidates:
    rng = np.random.default_rng(seed)
    value = np.round(rng.uniform(1, 10, n), 2)
    genre = np.arange(n) % 3
    female = np.arange(n) % 4 == 0
    return Candidates([f"w{i}" for i in range(n)], value, np.ones(n),
                      {"genre:a": genre == 0, "genre:b": genre == 1, "genre:c": genre == 2,
                       "gender:female": female, "gender:male": ~female, "emerging": np.arange(n) >= n - 3},
                      np.ones(n, bool))


def brute(c: Candidates, cons: Constraints) -> float:
    best = -np.inf
    for chosen in itertools.combinations(np.flatnonzero(c.available), cons.slots or 0):
        picked = np.array(chosen, dtype=np.int64)
        if not violations(c, cons, picked):
            best = max(best, float(c.value[picked].sum()))
    return best


def test_unconstrained_plan_takes_the_best_works() -> None:
    c = market()
    plan = solve(c, Constraints(slots=4))
    assert sorted(plan.chosen.tolist()) == sorted(np.argsort(-c.value)[:4].tolist())
    assert plan.optimal and plan.objective == pytest.approx(np.sort(c.value)[-4:].sum())


def test_quota_and_diversity_hold_and_cost_what_a_resolve_says() -> None:
    c = market()
    cons = Constraints(slots=4, quotas=(Quota("gender:female", 0.5),), diversity=(Diversity("genre", max_share=0.5),))
    plan = solve(c, cons)
    assert c.groups["gender:female"][plan.chosen].sum() >= 2 and not violations(c, cons, plan.chosen)
    assert all(c.groups[g][plan.chosen].sum() <= 2 for g in ("genre:a", "genre:b", "genre:c"))
    assert plan.objective == pytest.approx(brute(c, cons))
    why = explain(c, cons, plan)
    quota = next(x for x in why.costs if x.name.startswith("gender:female"))
    free = solve(c, Constraints(slots=4, diversity=cons.diversity)).objective
    assert quota.cost == pytest.approx(max(0.0, free - plan.objective))
    assert why.unconstrained >= plan.objective and why.lp_bound >= plan.objective - 1e-6
    assert quota.binding == (quota.cost > 0 or quota.slack <= 1e-6)


def test_budget_min_distinct_and_availability() -> None:
    c = market()
    c = Candidates(c.keys, c.value, np.arange(1, 13, dtype=float), c.groups, np.arange(12) != int(np.argmax(c.value)))
    cons = Constraints(budget=10.0, diversity=(Diversity("genre", min_distinct=3),))
    plan = solve(c, cons)
    assert plan.spend <= 10.0 and int(np.argmax(c.value)) not in plan.chosen
    assert len({int(i) % 3 for i in plan.chosen}) == 3


def test_infeasible_constraints_are_named_and_bad_input_is_a_clear_error() -> None:
    c = market()
    clash = Constraints(slots=4, quotas=(Quota("emerging", 0.25), Quota("gender:female", 0.5), Quota("gender:male", 0.75)))
    with pytest.raises(PlanInfeasible) as caught:
        solve(c, clash)
    assert caught.value.conflict == ["slots = 4", "gender:female ≥ 50%", "gender:male ≥ 75%"]  # not the emerging quota
    assert "gender:male ≥ 75%" in str(caught.value) and "emerging" not in str(caught.value)
    for bad, words in ((Constraints(budget=0.0), "budget must be a positive"), (Constraints(), "slots, a budget"),
                       (Constraints(slots=2, quotas=(Quota("gender:other", 0.2),)), "unknown group"),
                       (Constraints(slots=99), "only 12 works"), (Constraints(slots=2, quotas=(Quota("emerging", 1.5),)), "share")):
        with pytest.raises(MuseionError, match=words):
            solve(c, bad)


def test_greedy_baseline_reports_its_violations() -> None:
    c = market()
    cons = Constraints(slots=4, budget=3.0)
    g = greedy(c, cons)
    assert len(g.chosen) == 3 and g.violations == {"slots = 4": 1.0}
    with pytest.raises(PlanInfeasible):
        solve(c, cons)
    spread = Constraints(budget=4.0, quotas=(Quota("emerging", 0.25),))  # a share of what the budget buys, not of all works
    g = greedy(c, spread)
    assert len(g.chosen) == 4 and c.groups["emerging"][g.chosen].sum() >= 1 and not g.violations
    assert g.objective <= solve(c, spread).objective + 1e-9


def test_lp_duals_price_a_binding_quota_and_compare_shows_scenarios() -> None:
    c = market()
    cons = Constraints(slots=4, quotas=(Quota("emerging", 0.75),))
    bound, duals = lp_relaxation(c, cons)
    assert bound >= solve(c, cons).objective - 1e-6 and duals[1] > 0  # the quota binds: relaxing it gains value
    results = compare(c, [Scenario("base", Constraints(slots=4)), Scenario("quota", cons),
                          Scenario("impossible", Constraints(slots=4, quotas=(Quota("emerging", 1.0),)))])
    assert results[0].overlap == 1.0 and results[1].shares["emerging"] >= 0.75
    assert results[2].plan is None and results[2].conflict


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.floats(0.2, 0.6))
def test_property_exact_plan_is_feasible_optimal_and_pruning_keeps_it(seed: int, slots: int, share: float) -> None:
    c = market(10, seed)
    cons = Constraints(slots=slots, quotas=(Quota("gender:female", share),))
    best = brute(c, cons)
    if best == -np.inf:
        with pytest.raises(PlanInfeasible):
            solve(c, cons)
        return
    plan = solve(c, cons)
    assert not violations(c, cons, plan.chosen) and plan.objective == pytest.approx(best)
    assert len(candidates_kept(c, cons)) <= 10
    g = greedy(c, cons)
    assert g.violations or g.objective <= plan.objective + 1e-9
