"""A rollout's pre-registered design and its reading (pure): the primary metric, the guardrails with their tolerances,
alpha and the planned effect, fixed before the first member is assigned; and, over the daily statistics, each
metric's curve of always-valid intervals for candidate − control and its verdict. A guardrail is breached when its
interval lies wholly on the worse side of its tolerance (valid under peeking, so a breach is evidence, not noise)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from museion.errors import MuseionError
from museion.experiments.sequential import ZERO, Moments, look

WORSE: dict[str, int] = {"ctr": -1, "conversion": -1, "novelty": -1, "coverage": -1, "group_ctr": -1,
                         "exposure_gap": 1, "error_rate": 1, "latency_ms": 1}
"""+1: a higher value is worse for members or providers; -1: a lower one is."""
PRIMARY = ("ctr", "conversion")
GUARDRAILS: dict[str, float] = {"exposure_gap": 0.05, "group_ctr": 0.03, "error_rate": 0.01, "latency_ms": 50.0}
"""Default tolerances: how much worse than the deployed version the candidate may be (absolute units)."""


class PlanRejected(MuseionError):
    """A rollout design was refused; the message names the field."""


@dataclass(frozen=True)
class Plan:
    primary: str = "ctr"
    guardrails: dict[str, float] = field(default_factory=lambda: dict(GUARDRAILS))
    alpha: float = 0.05
    effect: float = 0.01
    """The smallest change of the primary metric worth detecting (absolute), also the mixture's scale."""
    baseline: float = 0.05
    power: float = 0.8
    k: int = 10
    window_hours: float = 24.0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Plan:
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise PlanRejected("plan: unknown fields %(fields)s", fields=", ".join(sorted(unknown)))
        plan = cls(**{**asdict(cls()), **raw})
        plan.check()
        return plan

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self) -> None:
        if self.primary not in PRIMARY:
            raise PlanRejected("primary: %(metric)s is not one of %(known)s", metric=self.primary, known=", ".join(PRIMARY))
        for metric, tolerance in self.guardrails.items():
            if metric not in WORSE or metric in PRIMARY:
                raise PlanRejected("guardrails: %(metric)s is not a guardrail metric (%(known)s)", metric=metric,
                                   known=", ".join(sorted(set(WORSE) - set(PRIMARY))))
            if not tolerance > 0:
                raise PlanRejected("guardrails: the tolerance of %(metric)s must be positive", metric=metric)
        if not 0 < self.alpha < 0.5:
            raise PlanRejected("alpha: must be between 0 and 0.5")
        if not 0 < self.baseline < 1 or not 0 < self.effect < 1 or not 0 < self.power < 1:
            raise PlanRejected("baseline, effect and power: each must be strictly between 0 and 1")
        if not 1 <= self.k <= 100 or not 0 < self.window_hours <= 24 * 30:
            raise PlanRejected("k must be 1-100 and window_hours 0-720")


@dataclass(frozen=True)
class Verdict:
    metric: str
    grp: str
    tolerance: float | None
    status: str
    """no_data, breach, ok (guardrails); better, worse, inconclusive (primary)."""
    curve: list[dict[str, Any]]
    control_mean: float | None
    candidate_mean: float | None


def _by_day(cells: Iterable[Mapping[str, Any]], version: int, metric: str, grp: str) -> dict[str, Moments]:
    out: dict[str, Moments] = {}
    for c in cells:
        if int(c["version_id"]) == version and c["metric"] == metric and c["grp"] == grp:
            out[c["day"]] = out.get(c["day"], ZERO) + Moments(int(c["n"]), float(c["total"]), float(c["total_sq"]))
    return out


def verdict(cells: list[Mapping[str, Any]], control: int, candidate: int, metric: str, grp: str, *, alpha: float,
            scale: float, tolerance: float | None) -> Verdict:
    """The curve of ``metric`` (candidate − control) day by day, from each day's snapshot, and where it stands now."""
    a, b = _by_day(cells, control, metric, grp), _by_day(cells, candidate, metric, grp)
    ca, cb, curve, best_p, last = ZERO, ZERO, [], 1.0, None
    for day in sorted(set(a) | set(b)):
        ca, cb = a.get(day, ca), b.get(day, cb)  # each day's cell is a snapshot of everything so far
        seen = look(ca, cb, alpha=alpha, tau=scale)
        if seen is None:
            continue
        best_p = min(best_p, seen.p_value)
        last = seen
        curve.append({"day": day, "difference": seen.difference, "low": seen.low, "high": seen.high, "p": best_p,
                      "n_control": ca.n, "n_candidate": cb.n})
    means = (ca.mean if ca.n else None, cb.mean if cb.n else None)
    if last is None:
        return Verdict(metric, grp, tolerance, "no_data", curve, *means)
    worse = WORSE[metric]
    if tolerance is not None:
        breached = last.low > tolerance if worse > 0 else last.high < -tolerance
        return Verdict(metric, grp, tolerance, "breach" if breached else "ok", curve, *means)
    if last.low > 0 or last.high < 0:
        better = (last.low > 0) == (worse < 0)
        return Verdict(metric, grp, None, "better" if better else "worse", curve, *means)
    return Verdict(metric, grp, None, "inconclusive", curve, *means)


def evaluate(cells: list[Mapping[str, Any]], control: int, candidate: int, plan: Plan) -> dict[str, Any]:
    """The primary metric's verdict and every guardrail's (per member group for ``group_ctr``)."""
    primary = verdict(cells, control, candidate, plan.primary, "", alpha=plan.alpha, scale=plan.effect, tolerance=None)
    guards: list[Verdict] = []
    for metric, tolerance in plan.guardrails.items():
        groups = sorted({c["grp"] for c in cells if c["metric"] == metric}) or [""]
        guards += [verdict(cells, control, candidate, metric, g, alpha=plan.alpha, scale=tolerance, tolerance=tolerance)
                   for g in groups]
    return {"primary": primary, "guardrails": guards, "breached": [g for g in guards if g.status == "breach"]}
