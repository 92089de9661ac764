"""Group labels for audits: items by popularity tier, era or creator attribute; members by activity level,
and by gender and age band where they shared them.

Pure: arrays in, one string label per item or member out ("unknown" where the attribute is missing).
"""

from __future__ import annotations

import numpy as np

UNKNOWN = "unknown"
NOT_SHARED = "not shared"  # members who gave no separate consent for their demographics to be used
AGE_BANDS = ((18, "under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64"))
TIERS = ("head", "mid", "tail")
ACTIVITY = ("low", "medium", "high")


def popularity_tiers(popularity: np.ndarray, cuts: tuple[float, float] = (0.2, 0.8)) -> np.ndarray:
    """Head / mid / tail by interaction mass (Abdollahpouri et al. 2019): the most popular items holding the
    first 20% of interactions are the head, the least popular holding the last 20% the tail.

    Ties are broken by lower index; items nobody interacted with are always tail.
    """
    popularity = np.asarray(popularity, dtype=np.float64)
    if not 0 < cuts[0] < cuts[1] < 1:
        raise ValueError("cuts must satisfy 0 < head cut < tail cut < 1")
    order = np.argsort(-popularity, kind="stable")
    total = popularity.sum()
    labels = np.full(len(popularity), TIERS[2], dtype=object)
    if total <= 0:
        return labels
    before = (np.cumsum(popularity[order]) - popularity[order]) / total  # mass of strictly more popular items
    tier = np.where(before < cuts[0], 0, np.where(before < cuts[1], 1, 2))
    labels[order] = np.array(TIERS, dtype=object)[tier]
    labels[popularity <= 0] = TIERS[2]
    return labels


def decade_labels(years: np.ndarray) -> np.ndarray:
    """Release era as a decade ("1990s"); NaN or missing years become "unknown"."""
    years = np.asarray(years, dtype=np.float64)
    labels = np.full(len(years), UNKNOWN, dtype=object)
    known = np.isfinite(years)
    labels[known] = [f"{int(y) // 10 * 10}s" for y in years[known]]
    return labels


def activity_levels(counts: np.ndarray) -> np.ndarray:
    """Members by activity tertile of their interaction counts: low / medium / high.

    Cut points are the 1/3 and 2/3 quantiles; a member at a cut point goes to the lower level.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if len(counts) == 0:
        return np.empty(0, dtype=object)
    low, high = np.quantile(counts, [1 / 3, 2 / 3])
    level = np.where(counts <= low, 0, np.where(counts <= high, 1, 2))
    return np.array(ACTIVITY, dtype=object)[level]


def age_bands(ages: np.ndarray) -> np.ndarray:
    """Ages as bands ("under 18", "18-24", …, "65+"); NaN becomes "unknown"."""
    ages = np.asarray(ages, dtype=np.float64)
    labels = np.full(len(ages), UNKNOWN, dtype=object)
    known = np.isfinite(ages)
    bounds = np.array([upper for upper, _ in AGE_BANDS])
    names = np.array([name for _, name in AGE_BANDS] + ["65+"], dtype=object)
    labels[known] = names[np.searchsorted(bounds, ages[known], side="right")]
    return labels


def attribute_labels(values: list[str | None] | np.ndarray) -> np.ndarray:
    """Free attribute values (creator gender, region…) as labels, blanks and None as "unknown"."""
    return np.array([v.strip() if isinstance(v, str) and v.strip() else UNKNOWN for v in values], dtype=object)


def encode(labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Labels → (int codes, sorted group names), so cores can use bincount."""
    names, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return codes.astype(np.int64), names.tolist()
