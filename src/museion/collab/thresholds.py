"""Thresholds learned from people's decisions (pure core): the cut on a detector's score that best separates what
reviewers accepted from what they rejected — how false-alarm marks tune a detector."""

from __future__ import annotations

from collections.abc import Sequence


def best_cut(judged: Sequence[tuple[float, bool]], floor: float, *, flag_above: bool = True) -> float:
    """The cut with the fewest misjudged items, never below ``floor``. With ``flag_above`` an item is flagged when its
    score is above the cut (ties keep the lower cut: a missed real case costs more than a false alarm)."""
    if not judged:
        return floor
    candidates = sorted({floor, *(score for score, _ in judged if score >= floor)})

    def errors(cut: float) -> int:
        return sum(((score > cut) if flag_above else (score >= cut)) != real for score, real in judged)
    return min(candidates, key=lambda cut: (errors(cut), cut))
