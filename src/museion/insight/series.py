"""Series sets: counts per group and period on a regular grid, and the small array steps forecasting needs (pure core).

A ``SeriesSet`` is what every insight face shows and every model reads: groups x periods, NaN where the gate suppressed
a small cell. Forecasting models cannot read NaN, so ``model_input`` trims a series to its first demand and fills
suppressed cells by linear interpolation, saying how many it filled; scores are computed on published cells only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from museion.errors import MuseionError, NotFound

SEASON = {"day": 7, "week": 52, "month": 12, "year": 1}  # one seasonal cycle, in periods
BY_DEMAND = ("total", "work", "genre", "subject", "kind", "creator_gender", "creator_nationality", "era", "segment")
BY_MEMBERS = ("segment",)  # groupings of members (through the gate), not of works
BY_CATALOGUE = ("total", "medium", "genre", "subject", "kind", "creator_gender", "creator_nationality", "era")
MEASURES = ("demand", "acquisitions", "works")


@dataclass(frozen=True, slots=True)
class SeriesSet:
    """Counts per group (rows) and period (columns), oldest first; NaN where a cell was suppressed."""

    measure: str  # demand (events), acquisitions (works acquired per year) or works (works made per year)
    by: str
    period: str
    periods: list[str]
    groups: list[str]
    values: np.ndarray  # float (n_groups, n_periods)
    suppressed: int = 0
    k: int | None = None  # the small-cell threshold applied (None: public catalogue counts)
    partial_left_out: str | None = None  # the last period, left out because the data ends early in it
    dp: dict[str, Any] | None = None  # a differentially private release: epsilon, noise scale, error bound…

    def row(self, group: str) -> np.ndarray:
        """One group's values; an unknown group is an error naming the known ones."""
        if group not in self.groups:
            known = ", ".join(self.groups[:12]) + (" …" if len(self.groups) > 12 else "")
            raise NotFound("no %(by)s group %(group)s; known groups: %(known)s", by=self.by, group=group, known=known)
        return self.values[self.groups.index(group)]

    def as_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "by": self.by, "period": self.period, "periods": self.periods,
                "groups": self.groups, "suppressed": self.suppressed, "k": self.k, "partial_left_out": self.partial_left_out,
                "dp": self.dp, "values": [[None if np.isnan(v) else float(v) for v in row] for row in self.values]}


def season_length(period: str, n: int) -> int:
    """The seasonal period to model: a full cycle when at least two cycles are observed, else none (1)."""
    m = SEASON.get(period, 1)
    return m if n >= 2 * m else 1


def select(series: SeriesSet, groups: Sequence[str] | None = None, top: int | None = None) -> SeriesSet:
    """Keep the named groups (in that order) or the ``top`` groups, largest total count first (ties by name)."""
    if groups:
        rows = np.array([series.row(g) for g in groups]).reshape(len(groups), len(series.periods))
        return replace(series, groups=list(groups), values=rows)
    if top is not None:
        totals = np.nansum(series.values, axis=1)
        keep = sorted(sorted(range(len(series.groups)), key=lambda i: series.groups[i]), key=lambda i: -totals[i])[:top]
        return replace(series, groups=[series.groups[i] for i in keep], values=series.values[keep])
    return series


def total(series: SeriesSet) -> np.ndarray:
    """The sum over groups per period (NaN only where every group is NaN)."""
    summed = np.nansum(series.values, axis=0)
    return np.where(np.all(np.isnan(series.values), axis=0), np.nan, summed) if series.values.size else summed


def model_input(values: np.ndarray, *, trim: bool = True) -> tuple[np.ndarray, int, int]:
    """(values from the first non-zero published cell on — or all of them, ``trim=False``, NaN before it 0 — with NaN
    filled linearly; the offset; how many were filled)."""
    values = np.asarray(values, dtype=float)
    started = np.flatnonzero(np.nan_to_num(values, nan=0.0) > 0)
    if not started.size:
        return (np.zeros(0), len(values), 0) if trim else (np.zeros(len(values)), 0, 0)
    if not trim:
        values = np.where(np.arange(len(values)) < started[0], 0.0, values)
    y = values[started[0] if trim else 0:].copy()
    gaps = np.isnan(y)
    if gaps.any():
        known = np.flatnonzero(~gaps)
        y[gaps] = np.interp(np.flatnonzero(gaps), known, y[known])
    return y, int(started[0]) if trim else 0, int(gaps.sum())


def yearly_counts(years: np.ndarray, labels: Sequence[Sequence[str]], *, measure: str, by: str,
                  first: int | None = None, last: int | None = None) -> SeriesSet:
    """Works per label and year (a work may carry several labels), every year first..last filled with 0."""
    years = np.asarray(years, dtype=float)
    known = ~np.isnan(years)
    if not known.any():
        raise MuseionError("there are no %(measure)s with a year to count", measure=measure)
    lo = int(first if first is not None else np.nanmin(years))
    hi = int(last if last is not None else np.nanmax(years))
    if hi < lo:
        raise MuseionError("the year range %(first)s-%(last)s is empty", first=lo, last=hi)
    names = sorted({label for ls in labels for label in ls})
    index = {name: i for i, name in enumerate(names)}
    counts = np.zeros((len(names), hi - lo + 1))
    for year, ls in zip(years, labels, strict=True):
        if not np.isnan(year) and lo <= year <= hi:
            for label in set(ls):
                counts[index[label], int(year) - lo] += 1
    return SeriesSet(measure, by, "year", [str(y) for y in range(lo, hi + 1)], names, counts)


_MEDIUM_SPLIT = re.compile(r"\s+on\s+|,|;|\s+and\s+", re.IGNORECASE)


def medium_family(text: str | None) -> str | None:
    """The main material of a free-text medium ("Oil paint on canvas" -> "Oil paint"), for grouping."""
    if not text or not text.strip():
        return None
    head = _MEDIUM_SPLIT.split(text.strip(), maxsplit=1)[0].strip().rstrip(".")
    return head[:1].upper() + head[1:].lower() if head else None


def era(year: int | None) -> str | None:
    """A work's decade ("1990s"), or before 1900 its century ("19th century")."""
    if year is None:
        return None
    if year < 1900:
        century = year // 100 + 1
        suffix = "th" if 10 <= century % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(century % 10, "th")
        return f"{century}{suffix} century"
    return f"{year // 10 * 10}s"


def next_periods(last: str, period: str, horizon: int) -> list[str]:
    """The labels of the ``horizon`` periods after ``last`` (same format as the series' own labels)."""
    import pandas as pd

    if period == "year":
        return [str(int(last) + i) for i in range(1, horizon + 1)]
    if period == "week":
        year, week = last.split("-W")
        start = pd.Timestamp.fromisocalendar(int(year), int(week), 1)
        return [f"{d.isocalendar()[0]:04d}-W{d.isocalendar()[1]:02d}" for d in (start + pd.Timedelta(weeks=i)
                                                                                  for i in range(1, horizon + 1))]
    start = pd.Period(last, freq="D" if period == "day" else "M")
    return [str(start + i) for i in range(1, horizon + 1)]


COMPLETE = 0.8  # share of its length a period's data must cover to count as complete


def ends_early(last: str, period: str, last_event_at: int) -> bool:
    """Whether the data ends before ``COMPLETE`` of the last period has passed (a month still in progress, or an
    export taken mid-month): its count would read as a fall that is not there."""
    import pandas as pd

    if period == "week":
        year, week = last.split("-W")
        start = pd.Timestamp.fromisocalendar(int(year), int(week), 1)
        length = pd.Timedelta(weeks=1)
    else:
        p = pd.Period(last, freq={"day": "D", "month": "M", "year": "Y"}[period])
        start, length = p.start_time, p.end_time - p.start_time + pd.Timedelta(1, "ns")
    covered = pd.Timestamp(last_event_at, unit="s") - start
    return bool(covered < COMPLETE * length)
