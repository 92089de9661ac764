"""Online metrics of served traffic (pure): per model version and day, as sufficient statistics (count, sum, sum of
squares) of everything up to that day, each day a snapshot that sequential tests and curves look at. Per list: click-through and conversion at k, novelty
(mean self-information of the listed works), and the exposure gap (position-weighted exposure share of head minus
tail works, the fairness audit's popularity tiers); per version and day: catalogue coverage; per member activity
group (the audit's low / medium / high): click-through, whose spread across groups is the group accuracy gap.
Member cells describing fewer than ``SMALL_CELL`` members are left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from museion.experiments.attribution import Attributed
from museion.fairness.groups import activity_levels, popularity_tiers
from museion.fairness.metrics import position_weights

SMALL_CELL = 5
PER_LIST = ("ctr", "conversion", "novelty", "exposure_gap")
METRICS = (*PER_LIST, "coverage", "group_ctr", "error_rate", "latency_ms")


@dataclass(frozen=True)
class Cell:
    version: int
    day: str
    metric: str
    grp: str
    n: int
    total: float
    total_sq: float


@dataclass(frozen=True)
class Catalogue:
    """What list metrics need to know about works: popularity (events per work id) and the catalogue size."""

    popularity: dict[int, float]
    n_works: int

    def tiers(self) -> dict[int, str]:
        works = list(self.popularity)
        labels = popularity_tiers(np.array([self.popularity[w] for w in works], dtype=float))
        return dict(zip(works, labels.tolist(), strict=True))

    def self_information(self) -> dict[int, float]:
        total = float(sum(self.popularity.values())) or 1.0
        return {w: float(-np.log2(max(p, 1.0) / total)) for w, p in self.popularity.items()}


def day_of(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(float(epoch_seconds), UTC).strftime("%Y-%m-%d")


def list_values(list_works: list[list[int]], attributed: Attributed, catalogue: Catalogue, k: int) -> dict[str, np.ndarray]:
    """Each per-list metric's value for every list (NaN novelty for an empty list)."""
    tiers, info = catalogue.tiers(), catalogue.self_information()
    weights = position_weights(k)
    default_info = max(info.values(), default=0.0)
    gap = np.zeros(len(list_works))
    novelty = np.full(len(list_works), np.nan)
    for i, works in enumerate(list_works):
        top = works[:k]
        if not top:
            continue
        w = weights[: len(top)] / weights[: len(top)].sum()
        labels = [tiers.get(x, "tail") for x in top]
        gap[i] = sum(wi for wi, t in zip(w, labels, strict=True) if t == "head") - sum(
            wi for wi, t in zip(w, labels, strict=True) if t == "tail")
        novelty[i] = float(np.mean([info.get(x, default_info) for x in top]))
    return {"ctr": attributed.clicked.astype(float), "conversion": attributed.converted.astype(float), "novelty": novelty,
            "exposure_gap": gap}


def _moments(values: np.ndarray) -> tuple[int, float, float]:
    values = values[np.isfinite(values)]
    return len(values), float(values.sum()), float((values**2).sum())


def _member_means(members: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each member's mean of ``values`` (NaN ignored; members with no finite value left out)."""
    finite = np.isfinite(values)
    codes, inverse = np.unique(members[finite], return_inverse=True)
    sums, counts = np.bincount(inverse, values[finite], len(codes)), np.bincount(inverse, minlength=len(codes))
    return sums / np.maximum(counts, 1)


def cumulative_cells(list_member: np.ndarray, list_version: np.ndarray, list_time: np.ndarray, list_works: list[list[int]],
                     attributed: Attributed, catalogue: Catalogue, member_activity: np.ndarray, k: int) -> list[Cell]:
    """Per version and day, every metric's statistics over everything served up to the end of that day.

    The unit is the member, who is what a rollout assigns: each member's mean over their lists so far is one
    observation. Lists are not (one member's lists are alike: counting them as independent makes intervals too narrow
    and, in benchmarks/online_bench.py, an A/A test cries wolf four times in ten). Coverage is one observation per day.
    A snapshot describing fewer than ``SMALL_CELL`` members is left out."""
    values = list_values(list_works, attributed, catalogue, k)
    days = np.array([day_of(t) for t in list_time], dtype=object)
    groups = activity_levels(member_activity)[list_member] if len(list_member) else np.empty(0, dtype=object)
    cells: list[Cell] = []
    for version in np.unique(list_version):
        mine = list_version == version
        coverage: list[float] = []
        for day in sorted(set(days[mine].tolist())):
            today = mine & (days == day)
            shown = {w for li in np.flatnonzero(today) for w in list_works[li][:k]}
            coverage.append(len(shown) / max(catalogue.n_works, 1))
            rows = mine & (days <= day)
            if len(np.unique(list_member[rows])) < SMALL_CELL:
                continue  # too few members to publish anything yet
            for metric in PER_LIST:
                cells.append(Cell(int(version), day, metric, "", *_moments(_member_means(list_member[rows],
                                                                                         values[metric][rows]))))
            cells.append(Cell(int(version), day, "coverage", "", *_moments(np.array(coverage))))
            for group in sorted(set(groups[rows].tolist())):
                in_group = rows & (groups == group)
                if len(np.unique(list_member[in_group])) >= SMALL_CELL:
                    cells.append(Cell(int(version), day, "group_ctr", str(group),
                                      *_moments(_member_means(list_member[in_group], values["ctr"][in_group]))))
    return cells
