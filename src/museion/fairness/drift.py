"""Fairness drift (pure core): which headline figures of a new audit moved the wrong way by more than a tolerance since
the previous audit of the same version and scope, and tolerances learned from how analysts judged earlier alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from museion.collab.thresholds import best_cut

WATCHED: dict[str, int] = {"head_tail_exposure_gap": 1, "exposure_gini": 1, "long_tail_share": -1}
"""Figure → the direction that is worse (+1: rising is worse, −1: falling is worse)."""
BASE_TOLERANCE = 0.02
"""A change smaller than this (in the figure's own units, all of them shares between 0 and 1) is never an alert."""


@dataclass(frozen=True)
class Drift:
    figure: str
    before: float
    after: float
    worsened_by: float  # how far it moved the wrong way (positive)


def drifts(before: Mapping[str, object], after: Mapping[str, object], tolerances: Mapping[str, float]) -> list[Drift]:
    """Figures that worsened by more than their tolerance (a figure missing from either audit is skipped)."""
    found = []
    for figure, worse in WATCHED.items():
        a, b = before.get(figure), after.get(figure)
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            continue
        change = (float(b) - float(a)) * worse
        if change > tolerances.get(figure, BASE_TOLERANCE):
            found.append(Drift(figure, float(a), float(b), change))
    return found


def learned_tolerance(judged: Sequence[tuple[float, bool]], base: float = BASE_TOLERANCE) -> float:
    """The tolerance that best separates alerts analysts accepted (real) from ones they marked false alarms."""
    return best_cut(judged, base)
