"""Agreement between reviewers (pure core): Krippendorff's alpha over every item two or more people decided, and Cohen's
kappa per reviewer pair over the items both decided. Labels are nominal (accept / edit / reject)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np

LABELS = ("accept", "edit", "reject")


@dataclass(frozen=True)
class PairAgreement:
    first: int
    second: int
    items: int
    kappa: float | None  # None when both gave one label to every shared item (kappa is undefined)
    observed: float  # share of shared items decided alike


def _by_item(decisions: Iterable[tuple[int, int, str]]) -> dict[int, dict[int, str]]:
    items: dict[int, dict[int, str]] = defaultdict(dict)
    for item, reviewer, label in decisions:
        if label not in LABELS:
            raise ValueError(f"label {label!r} is not one of {', '.join(LABELS)}")
        items[item][reviewer] = label
    return items


def alpha(decisions: Iterable[tuple[int, int, str]]) -> float | None:
    """Krippendorff's alpha (nominal) over (item, reviewer, label) triples; None with fewer than two items that two
    reviewers decided, or when every decision carries the same label (no variation to agree on)."""
    items = {i: r for i, r in _by_item(decisions).items() if len(r) >= 2}
    reviewers = sorted({rev for r in items.values() for rev in r})
    if len(items) < 2 or len({lab for r in items.values() for lab in r.values()}) < 2:
        return None
    data = np.full((len(reviewers), len(items)), np.nan)
    position = {rev: n for n, rev in enumerate(reviewers)}
    for column, ratings in enumerate(items.values()):
        for rev, label in ratings.items():
            data[position[rev], column] = LABELS.index(label)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def pairs(decisions: Iterable[tuple[int, int, str]]) -> list[PairAgreement]:
    """Cohen's kappa and raw agreement for every pair of reviewers who decided at least one item in common."""
    shared: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for ratings in _by_item(decisions).values():
        for a, b in combinations(sorted(ratings), 2):
            shared[(a, b)].append((ratings[a], ratings[b]))
    # scikit-learn is imported where it is used: it takes seconds, which every command and server start would pay
    from sklearn.metrics import cohen_kappa_score

    found = []
    for (a, b), labels in sorted(shared.items()):
        first, second = [x for x, _ in labels], [y for _, y in labels]
        observed = sum(x == y for x, y in labels) / len(labels)
        kappa = None if len(set(first) | set(second)) < 2 else float(cohen_kappa_score(first, second, labels=list(LABELS)))
        found.append(PairAgreement(a, b, len(labels), None if kappa is None or np.isnan(kappa) else kappa, observed))
    return found
