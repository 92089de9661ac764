"""The promotion and budget planner's pure core: choose works for promotion slots, or spread a budget, to maximise
forecast engagement under the constraints a manager states — a minimum share of the plan for emerging or
under-represented creator groups (the fairness audit's groups), genre or subject diversity, per-item costs and a
budget, availability windows — solved exactly as a MILP with HiGHS (``scipy.optimize.milp``), beside a greedy
baseline, and explained: which constraints bind, what each one cost in expected engagement (a re-solve without it, and
the LP relaxation's dual from ``scipy.optimize.linprog``), and how far the plan is from the unconstrained optimum.

Arrays in, dataclasses out; nothing here reads a store. Group labels are ``dimension:value`` (``genre:Drama``,
``creator_gender:female``, ``emerging``); a diversity rule names a dimension (every label ``dimension:…``)."""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from museion.errors import MuseionError

TOL = 1e-6
TIME_LIMIT = 60.0  # seconds for one solve; a plan that is not proven optimal in that time says so
PRESOLVE_UP_TO = 5000  # columns


class PlanInfeasible(MuseionError):
    """The constraints cannot all hold; ``conflict`` names a smallest set of them that clash."""

    def __init__(self, conflict: list[str]) -> None:
        self.conflict = conflict
        super().__init__("no plan meets these constraints together: %(names)s — relax one of them",
                         names="; ".join(conflict))


@dataclass(frozen=True, slots=True)
class Candidates:
    """The works a plan may choose from: expected engagement, cost, group labels and availability, one entry each."""

    keys: list[str]
    value: np.ndarray  # expected engagement (forecast) per work
    cost: np.ndarray  # cost of promoting / funding the work (1.0 each when unknown)
    groups: dict[str, np.ndarray]  # label -> bool mask over the works
    available: np.ndarray  # bool: available in the plan's window

    def __post_init__(self) -> None:
        n = len(self.keys)
        if any(len(a) != n for a in (self.value, self.cost, self.available, *self.groups.values())):
            raise ValueError("every candidate array must hold one entry per work")


@dataclass(frozen=True, slots=True)
class Quota:
    group: str
    min_share: float  # of the chosen works


@dataclass(frozen=True, slots=True)
class Diversity:
    dimension: str  # e.g. "genre": a rule over every label "genre:…"
    max_share: float | None = None  # no value of the dimension takes more than this share of the plan
    min_distinct: int | None = None  # the plan covers at least this many values of the dimension


@dataclass(frozen=True, slots=True)
class Constraints:
    slots: int | None = None  # exactly this many works (promotion slots)
    budget: float | None = None  # total cost at most this
    quotas: tuple[Quota, ...] = ()
    diversity: tuple[Diversity, ...] = ()

    def names(self) -> list[str]:
        """The manager's constraints by name, in the order they are reported."""
        out = ([f"slots = {self.slots}"] if self.slots is not None else []) + (
            [f"budget ≤ {self.budget:g}"] if self.budget is not None else [])
        out += [quota_name(q) for q in self.quotas]
        out += [n for d in self.diversity for n in diversity_names(d)]
        return out


def quota_name(q: Quota) -> str:
    return f"{q.group} ≥ {q.min_share:.0%}"


def diversity_names(d: Diversity) -> list[str]:
    return ([f"each {d.dimension} ≤ {d.max_share:.0%}"] if d.max_share is not None else []) + (
        [f"≥ {d.min_distinct} distinct {d.dimension}"] if d.min_distinct is not None else [])


@dataclass(frozen=True, slots=True)
class Row:
    """One linear row lb ≤ a·z ≤ ub of the model, and the manager's constraint it belongs to."""

    constraint: str
    label: str
    coeffs: np.ndarray
    lb: float
    ub: float
    aux: bool = False  # links an indicator to the works (min-distinct): tight by construction, never "binding"


@dataclass(frozen=True, slots=True)
class RowState:
    constraint: str
    label: str
    activity: float
    lb: float
    ub: float
    slack: float
    binding: bool
    aux: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    chosen: np.ndarray  # indices of the chosen works, best value first
    objective: float
    spend: float
    optimal: bool
    gap: float  # HiGHS's relative MIP gap at the end (0 when proven optimal)
    seconds: float
    rows: list[RowState] = field(default_factory=list)

    def shares(self, groups: dict[str, np.ndarray]) -> dict[str, float]:
        n = max(len(self.chosen), 1)
        return {g: float(mask[self.chosen].sum()) / n for g, mask in groups.items()}


def validate_constraints(cons: Constraints) -> None:
    """The errors that need no candidates (a face checks them before it starts a plan job)."""
    if cons.slots is None and cons.budget is None:
        raise MuseionError("a plan needs promotion slots, a budget, or both")
    if cons.budget is not None and not (math.isfinite(cons.budget) and cons.budget > 0):
        raise MuseionError("the budget must be a positive amount, not %(budget)s", budget=cons.budget)
    if cons.slots is not None and cons.slots < 1:
        raise MuseionError("a plan needs at least one slot, not %(slots)s", slots=cons.slots)
    for q in cons.quotas:
        if not 0 < q.min_share <= 1:
            raise MuseionError("a minimum share is above 0 and at most 100%%, not %(share)s", share=q.min_share)


def validate(c: Candidates, cons: Constraints) -> None:
    """Clear errors for input a manager can get wrong (budget zero, unknown group, impossible share…)."""
    validate_constraints(cons)
    usable = int(np.asarray(c.available, bool).sum())
    if cons.slots is not None and usable < cons.slots:
        raise MuseionError("only %(n)s works are available in the window for %(slots)s slots", n=usable, slots=cons.slots)
    if usable == 0:
        raise MuseionError("no candidate work is available in the plan's window")
    if cons.budget is not None and (not np.isfinite(c.cost).all() or (c.cost < 0).any()):
        raise MuseionError("every candidate needs a known, non-negative cost for a budget plan")
    known = sorted(c.groups)
    for q in cons.quotas:
        if q.group not in c.groups:
            raise MuseionError("unknown group %(group)r (known: %(known)s)", group=q.group, known=", ".join(known[:12]) or "none")
    for d in cons.diversity:
        if not any(g.startswith(d.dimension + ":") for g in c.groups):
            raise MuseionError("unknown dimension %(dimension)r for diversity", dimension=d.dimension)
        if d.max_share is not None and not 0 < d.max_share <= 1:
            raise MuseionError("a maximum share is above 0 and at most 100%%, not %(share)s", share=d.max_share)
        if d.min_distinct is not None and d.min_distinct < 1:
            raise MuseionError("a number of distinct values is at least 1, not %(n)s", n=d.min_distinct)


def _dimension(c: Candidates, dimension: str) -> list[str]:
    return sorted(g for g in c.groups if g.startswith(dimension + ":"))


def build_rows(c: Candidates, cons: Constraints) -> tuple[list[Row], int]:
    """The model's rows over z = (x_1..x_n, y_1..y_m): x chooses works, y marks values a min-distinct rule covers."""
    n = len(c.keys)
    distinct = [(d, _dimension(c, d.dimension)) for d in cons.diversity if d.min_distinct is not None]
    m = sum(len(labels) for _, labels in distinct)
    width, ones = n + m, np.zeros(n + m)
    ones[:n] = 1.0
    rows: list[Row] = []
    if cons.slots is not None:
        rows.append(Row(f"slots = {cons.slots}", "slots", ones, cons.slots, cons.slots))
    if cons.budget is not None:
        rows.append(Row(f"budget ≤ {cons.budget:g}", "budget", np.concatenate([c.cost, np.zeros(m)]), -np.inf, cons.budget))
    for q in cons.quotas:  # in the group - share * all >= 0
        rows.append(Row(quota_name(q), q.group, np.concatenate([c.groups[q.group].astype(float) - q.min_share, np.zeros(m)]),
                        0.0, np.inf))
    for d in cons.diversity:
        if d.max_share is not None:
            name = diversity_names(d)[0]
            for label in _dimension(c, d.dimension):
                rows.append(Row(name, label, np.concatenate([c.groups[label].astype(float) - d.max_share, np.zeros(m)]),
                                -np.inf, 0.0))
    at = n
    for d, labels in distinct:
        name = diversity_names(d)[-1]
        cover = np.zeros(width)
        for label in labels:  # y_label <= sum of chosen works carrying it
            a = np.zeros(width)
            a[:n], a[at] = -c.groups[label].astype(float), 1.0
            rows.append(Row(name, label, a, -np.inf, 0.0, aux=True))
            cover[at] = 1.0
            at += 1
        rows.append(Row(name, f"distinct {d.dimension}", cover, float(d.min_distinct or 0), np.inf))
    return rows, m


def candidates_kept(c: Candidates, cons: Constraints) -> np.ndarray:
    """Available works that can be in some optimal plan: a work with at least as many dominating works (same labels in
    every constrained group, value ≥ and cost ≤) as the plan can hold of its kind — the slots, what the budget buys at
    the lowest cost, a diversity cap on one of its labels — is left out: swapping it for an unused dominator keeps every
    constraint and never lowers the value, so the optimum is unchanged."""
    avail = np.flatnonzero(np.asarray(c.available, bool))
    value, cost = np.asarray(c.value, float)[avail], np.asarray(c.cost, float)[avail]
    limits = [cons.slots] if cons.slots is not None else []
    if cons.budget is not None and math.isfinite(cons.budget) and len(cost) and (cost > 0).all():
        limits.append(int(cons.budget // cost.min()))
    if not limits or min(limits) >= len(avail):
        return avail
    most = min(limits)
    used = sorted({q.group for q in cons.quotas} | {g for d in cons.diversity for g in _dimension(c, d.dimension)})
    marks = np.stack([c.groups[g][avail] for g in used], axis=1) if used else np.zeros((len(avail), 1), bool)
    _, first, signature = np.unique(np.packbits(marks, axis=1), axis=0, return_index=True, return_inverse=True)
    signature = signature.ravel()
    caps = {g: math.floor(d.max_share * most + TOL) for d in cons.diversity if d.max_share is not None
            for g in _dimension(c, d.dimension)}  # a work carrying g takes one of g's few places
    keep = np.zeros(len(avail), bool)
    for sig, example in enumerate(first):
        depth = min([most] + [cap for g, cap in caps.items() if c.groups[g][avail[example]]])
        members = np.flatnonzero(signature == sig)
        members = members[np.lexsort((-value[members], cost[members]))]
        best: list[float] = []  # the `depth` largest values seen so far (a min-heap)
        for j in members:
            if len(best) >= depth and (depth == 0 or best[0] >= value[j]):
                continue
            keep[j] = True
            heapq.heappush(best, value[j]) if len(best) < depth else heapq.heapreplace(best, value[j])
    return avail[keep]


def subset(c: Candidates, idx: np.ndarray) -> Candidates:
    return Candidates([c.keys[i] for i in idx], np.asarray(c.value, float)[idx], np.asarray(c.cost, float)[idx],
                      {g: mask[idx] for g, mask in c.groups.items()}, np.ones(len(idx), bool))


def _solve(c: Candidates, cons: Constraints, time_limit: float) -> Plan | None:
    idx = candidates_kept(c, cons)
    sub = subset(c, idx)
    rows, m = build_rows(sub, cons)
    n = len(sub.keys)
    objective = -np.concatenate([sub.value, np.zeros(m)])
    constraints = []
    if rows:
        constraints.append(LinearConstraint(csr_matrix(np.vstack([r.coeffs for r in rows])),
                                            np.array([r.lb for r in rows]), np.array([r.ub for r in rows])))
    started = time.perf_counter()
    # presolve only on pruned models: on many thousands of parallel binary columns it takes seconds and removes little
    res = milp(objective, integrality=np.ones(n + m), bounds=Bounds(np.zeros(n + m), np.ones(n + m)), constraints=constraints,
               options={"time_limit": time_limit, "mip_rel_gap": 0.0, "presolve": n <= PRESOLVE_UP_TO})
    seconds = time.perf_counter() - started
    if res.x is None:
        if res.status == 1:
            raise MuseionError("the solver found no plan within %(s)s seconds", s=time_limit)
        return None
    z = np.round(res.x)
    x = z[:n] > 0.5
    chosen = idx[x][np.argsort(-sub.value[x], kind="stable")]
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return Plan(chosen, float(sub.value[x].sum()), float(sub.cost[x].sum()), res.status == 0, gap, seconds,
                [_state(r, z) for r in rows])


def _state(r: Row, z: np.ndarray) -> RowState:
    activity = float(r.coeffs @ z)
    slack = min(activity - r.lb, r.ub - activity)
    return RowState(r.constraint, r.label, activity, r.lb, r.ub, slack, bool(slack <= TOL) and not r.aux, r.aux)


def solve(c: Candidates, cons: Constraints, *, time_limit: float = TIME_LIMIT) -> Plan:
    """The optimal plan; ``PlanInfeasible`` names the constraints that clash when there is none."""
    validate(c, cons)
    plan = _solve(c, cons, time_limit)
    if plan is None:
        raise PlanInfeasible(conflict(c, cons, time_limit=time_limit))
    return plan


def without(cons: Constraints, name: str) -> Constraints:
    """``cons`` less the constraint called ``name`` (one of ``cons.names()``)."""
    slots = None if cons.slots is not None and name == f"slots = {cons.slots}" else cons.slots
    budget = None if cons.budget is not None and name == f"budget ≤ {cons.budget:g}" else cons.budget
    quotas = tuple(q for q in cons.quotas if quota_name(q) != name)
    diversity = []
    for d in cons.diversity:
        names = diversity_names(d)
        if d.max_share is not None and names[0] == name:
            d = replace(d, max_share=None)
        if d.min_distinct is not None and names[-1] == name:
            d = replace(d, min_distinct=None)
        if d.max_share is not None or d.min_distinct is not None:
            diversity.append(d)
    return Constraints(slots, budget, quotas, tuple(diversity))


def _feasible(c: Candidates, cons: Constraints, time_limit: float) -> bool:
    if cons.slots is None and cons.budget is None:
        cons = replace(cons, budget=float("inf"))
    return _solve(c, cons, time_limit) is not None


def conflict(c: Candidates, cons: Constraints, *, time_limit: float = TIME_LIMIT) -> list[str]:
    """A smallest clashing set (deletion filter): drop each constraint whose removal leaves the rest infeasible."""
    kept = cons
    for name in cons.names():
        trial = without(kept, name)
        if not _feasible(c, trial, time_limit):
            kept = trial
    return kept.names() or cons.names()


@dataclass(frozen=True, slots=True)
class Greedy:
    chosen: np.ndarray
    objective: float
    spend: float
    violations: dict[str, float]  # constraint -> how far it is missed (works, or money for the budget)


def greedy(c: Candidates, cons: Constraints) -> Greedy:
    """The baseline a person would do by hand: fill each quota with its group's best works, then take the best value
    (per unit of cost, when there is a budget) that keeps within budget and the per-value caps; violations are measured,
    not avoided."""
    validate(c, cons)
    value, cost = np.asarray(c.value, float), np.asarray(c.cost, float)
    density = value / np.maximum(cost, 1e-12) if cons.budget is not None else value
    order = [i for i in np.argsort(-density, kind="stable") if c.available[i]]
    limit = cons.slots if cons.slots is not None else len(order)
    size = limit  # the plan's expected size, which shares are taken of: the slots, or what the budget buys by density
    if cons.slots is None and cons.budget is not None:
        size = int(np.searchsorted(np.cumsum(cost[order]), cons.budget + TOL, side="right"))
    caps = {label: d.max_share for d in cons.diversity if d.max_share is not None for label in _dimension(c, d.dimension)}
    chosen: list[int] = []
    taken, spend = np.zeros(len(c.keys), bool), 0.0

    def fits(i: int) -> bool:
        if taken[i] or len(chosen) >= limit or (cons.budget is not None and spend + cost[i] > cons.budget + TOL):
            return False
        return all(c.groups[g][chosen + [i]].sum() <= math.floor(share * size + TOL) for g, share in caps.items()
                   if c.groups[g][i])

    for q in cons.quotas:
        need = math.ceil(q.min_share * size - TOL) - int(c.groups[q.group][chosen].sum())
        for i in (i for i in order if c.groups[q.group][i]):
            if need <= 0:
                break
            if fits(i):
                chosen.append(i)
                taken[i], spend, need = True, spend + cost[i], need - 1
    for i in order:
        if fits(i):
            chosen.append(i)
            taken[i], spend = True, spend + cost[i]
    picked = np.array(chosen, dtype=np.int64)
    return Greedy(picked, float(value[picked].sum()), float(cost[picked].sum()), violations(c, cons, picked))


def violations(c: Candidates, cons: Constraints, chosen: np.ndarray) -> dict[str, float]:
    """How far a set of chosen works misses each constraint (absent when it holds)."""
    rows, m = build_rows(c, cons)
    z = np.zeros(len(c.keys) + m)
    z[np.asarray(chosen, dtype=np.int64)] = 1.0
    at = len(c.keys)
    for d in cons.diversity:  # a covered value counts for min-distinct
        if d.min_distinct is not None:
            for label in _dimension(c, d.dimension):
                z[at] = float(c.groups[label][z[:len(c.keys)] > 0.5].any())
                at += 1
    out: dict[str, float] = {}
    for r in rows:
        miss = -_state(r, z).slack
        if miss > TOL:
            out[r.constraint] = max(out.get(r.constraint, 0.0), miss)
    return out
