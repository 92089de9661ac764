"""Explaining a plan and comparing scenarios (pure): which constraints bind, what each cost in expected engagement —
measured twice, by re-solving the MILP without it and by the dual of the LP relaxation (``scipy.optimize.linprog``,
method ``highs``, its ``marginals``) — how far the plan is from the unconstrained optimum (slots and budget only), and
what-if scenarios side by side. Sentences are (template, values) pairs so every face can translate them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from museion.errors import MuseionError
from museion.insight.planner import (Candidates, Constraints, Plan, PlanInfeasible, build_rows, candidates_kept,
                                     greedy, solve, subset, violations, without)

Sentence = tuple[str, dict[str, object]]


@dataclass(frozen=True, slots=True)
class ConstraintCost:
    name: str
    binding: bool
    slack: float  # smallest slack over its rows, in works (or money for the budget)
    cost: float  # expected engagement given up for it: re-solved optimum without it minus the plan's
    dual: float  # LP relaxation: engagement gained per unit of relaxation of its tightest row
    dual_label: str  # which row (a group, a genre…)
    capacity: bool = False  # slots or budget: the plan's frame, priced by its dual only


@dataclass(frozen=True, slots=True)
class Explanation:
    objective: float
    unconstrained: float  # the optimum with slots and budget only
    lp_bound: float  # the LP relaxation's optimum: no plan can do better
    costs: list[ConstraintCost]
    sentences: list[Sentence]

    @property
    def distance(self) -> float:
        """Share of the unconstrained optimum the constraints gave up."""
        return 0.0 if self.unconstrained <= 0 else max(0.0, 1 - self.objective / self.unconstrained)


def lp_relaxation(c: Candidates, cons: Constraints) -> tuple[float, list[float]]:
    """The LP relaxation's optimum and each row's dual (engagement per unit of relaxation; ≥ 0 for a binding row)."""
    c = subset(c, candidates_kept(c, cons))  # the same optimum, as for the MILP
    rows, m = build_rows(c, cons)
    objective = -np.concatenate([np.asarray(c.value, float), np.zeros(m)])
    bounds = (0.0, 1.0)
    ub_rows, ub_b, ub_of, eq_rows, eq_b, eq_of = [], [], [], [], [], []
    for i, r in enumerate(rows):
        if r.lb == r.ub:
            eq_rows.append(r.coeffs), eq_b.append(r.ub), eq_of.append(i)
            continue
        if np.isfinite(r.ub):
            ub_rows.append(r.coeffs), ub_b.append(r.ub), ub_of.append((i, 1.0))
        if np.isfinite(r.lb):
            ub_rows.append(-r.coeffs), ub_b.append(-r.lb), ub_of.append((i, 1.0))
    res = linprog(objective, A_ub=np.vstack(ub_rows) if ub_rows else None, b_ub=ub_b or None,
                  A_eq=np.vstack(eq_rows) if eq_rows else None, b_eq=eq_b or None, bounds=bounds, method="highs")
    if res.status != 0:
        raise MuseionError("the LP relaxation has no solution (status %(status)s)", status=res.status)
    duals = [0.0] * len(rows)
    if ub_rows:
        for (i, _), marginal in zip(ub_of, res.ineqlin.marginals, strict=True):
            duals[i] += float(-marginal)
    if eq_rows:
        for i, marginal in zip(eq_of, res.eqlin.marginals, strict=True):
            duals[i] = float(-marginal)
    return float(-res.fun), duals


def explain(c: Candidates, cons: Constraints, plan: Plan) -> Explanation:
    """Words and figures for ``plan`` (solved under ``cons``)."""
    lp_bound, duals = lp_relaxation(c, cons)
    capacity = Constraints(cons.slots, cons.budget)
    unconstrained = solve(c, capacity).objective
    costs = []
    for name in cons.names():
        states = [(s, d) for s, d in zip(plan.rows, duals, strict=True) if s.constraint == name]
        tight = max(states, key=lambda t: abs(t[1]))
        relaxed = without(cons, name)
        if name in capacity.names():
            cost = 0.0  # capacity is the plan's frame, not a choice to price by removing it
        else:
            cost = max(0.0, solve(c, relaxed).objective - plan.objective)
        main = [s for s, _ in states if not s.aux] or [s for s, _ in states]
        costs.append(ConstraintCost(name, any(s.binding for s in main), min(s.slack for s in main), cost,
                                    tight[1], tight[0].label, name in capacity.names()))
    return Explanation(plan.objective, unconstrained, lp_bound, costs, _sentences(plan, unconstrained, lp_bound, costs))


def _sentences(plan: Plan, unconstrained: float, lp_bound: float, costs: list[ConstraintCost]) -> list[Sentence]:
    given = max(0.0, unconstrained - plan.objective)
    out: list[Sentence] = [(
        "The plan chooses %(n)s works with expected engagement %(value)s: %(given)s (%(share)s) less than the "
        "unconstrained optimum of %(best)s.",
        {"n": len(plan.chosen), "value": f"{plan.objective:,.1f}", "given": f"{given:,.1f}",
         "share": f"{given / unconstrained:.1%}" if unconstrained > 0 else "0%", "best": f"{unconstrained:,.1f}"})]
    out.append(("It is proven optimal: the LP relaxation bounds every plan at %(bound)s." if plan.optimal else
                "The solver stopped before proving optimality (gap %(gap)s); the LP relaxation bounds every plan at %(bound)s.",
                {"bound": f"{lp_bound:,.1f}", "gap": f"{plan.gap:.2%}"}))
    for cc in costs:
        if cc.capacity and cc.binding:
            out.append(("%(name)s is used in full: one more unit would add about %(dual)s expected engagement (LP dual).",
                        {"name": cc.name, "dual": f"{cc.dual:,.2f}"}))
        elif cc.binding and cc.cost <= 1e-9 and abs(cc.dual) <= 1e-9:
            out.append(("%(name)s is at its limit but costs nothing.", {"name": cc.name}))
        elif cc.binding:
            out.append(("%(name)s binds: without it the plan would gain %(cost)s expected engagement; the LP dual prices "
                        "one more unit of it (at %(row)s) at %(dual)s.",
                        {"name": cc.name, "cost": f"{cc.cost:,.1f}", "row": cc.dual_label, "dual": f"{cc.dual:,.2f}"}))
        else:
            out.append(("%(name)s holds with room to spare (slack %(slack)s) and costs nothing.",
                        {"name": cc.name, "slack": f"{cc.slack:,.2f}"}))
    return out


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    constraints: Constraints


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    constraints: Constraints
    plan: Plan | None
    conflict: list[str]  # the clashing constraints when there is no plan
    shares: dict[str, float]
    overlap: float  # share of the first scenario's works this plan keeps


def compare(c: Candidates, scenarios: list[Scenario]) -> list[ScenarioResult]:
    """What-if: each scenario solved on the same candidates, side by side with the first one."""
    if not scenarios:
        raise MuseionError("name at least one scenario to compare")
    out: list[ScenarioResult] = []
    base: set[int] | None = None
    watched = sorted({q.group for s in scenarios for q in s.constraints.quotas})
    for s in scenarios:
        try:
            plan = solve(c, s.constraints)
        except PlanInfeasible as exc:
            out.append(ScenarioResult(s.name, s.constraints, None, exc.conflict, {}, 0.0))
            continue
        chosen = set(plan.chosen.tolist())
        base = chosen if base is None else base
        out.append(ScenarioResult(s.name, s.constraints, plan, [], plan.shares({g: c.groups[g] for g in watched}),
                                  len(chosen & base) / max(len(base), 1)))
    return out


def baseline(c: Candidates, cons: Constraints) -> dict[str, object]:
    """The greedy baseline's objective, spend and constraint violations, for the plan page and the benchmark."""
    g = greedy(c, cons)
    return {"objective": g.objective, "spend": g.spend, "works": len(g.chosen), "violations": g.violations,
            "chosen": [c.keys[i] for i in g.chosen]}


__all__ = ["ConstraintCost", "Explanation", "Scenario", "ScenarioResult", "baseline", "compare", "explain",
           "lp_relaxation", "violations"]
