"""Per-column profiles of an imported file and how they depart from earlier imports of the same source (pure core).

A profile keeps, per column: rows and empty values (null rate), and its values' shape: for a column whose non-empty
values are numbers (at least ``NUMERIC_SHARE`` of them), a uniform reservoir sample of ``SAMPLE`` values (Vitter's
algorithm R, seeded), else the counts of its ``TOP`` most common values (the rest pooled as "other"). Profiles of
earlier imports are pooled (rows, nulls, counts and samples added up) and compared with the latest:

- null rate: a two-proportion z-test, reported when the rate moved by at least ``NULL_STEP`` and |z| ≥ ``Z``;
- values: PSI and Jensen–Shannon (:mod:`museion.risk.drift_stats`) over the samples' shared quantile bins (KS too) or
  over the union of the categories; reported from PSI 0.1 (medium) and 0.25 (high), with at least ``MIN_VALUES``
  values on each side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.risk.drift_stats import compare as compare_values
from museion.risk.drift_stats import psi, shares

SAMPLE = 2000
TOP = 50
NUMERIC_SHARE = 0.95
NULL_STEP = 0.05
Z = 4.0
MIN_VALUES = 50
OTHER = "\u2026other"


@dataclass(frozen=True)
class Departure:
    column: str
    measure: str
    """"null_rate" or "values"."""
    before: float
    after: float
    """Null rates, or 0 and the PSI for values."""
    severity: str
    details: dict[str, Any]


def profile(rows: Iterable[Mapping[str, Any]], *, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Column → {rows, nulls, numeric, sample | counts} over ``rows`` (dicts of raw values; None or blank = empty)."""
    rng = np.random.default_rng(seed)
    seen: dict[str, int] = {}
    nulls: Counter[str] = Counter()
    numbers: dict[str, list[float]] = {}
    numeric_seen: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    total = 0
    for row in rows:
        total += 1
        for column, value in row.items():
            seen.setdefault(column, total - 1)  # rows before a column first appeared lacked it: empty there
            if value is None or (isinstance(value, str) and not value.strip()):
                nulls[column] += 1
                continue
            text = str(value).strip()
            counts.setdefault(column, Counter())[text] += 1
            try:
                number = float(text)
            except ValueError:
                continue
            if not np.isfinite(number):
                continue
            numeric_seen[column] += 1
            sample = numbers.setdefault(column, [])
            if len(sample) < SAMPLE:
                sample.append(number)
            else:
                slot = int(rng.integers(0, numeric_seen[column]))
                if slot < SAMPLE:
                    sample[slot] = number
    out: dict[str, dict[str, Any]] = {}
    for column, first in seen.items():
        filled = total - first - nulls[column]
        entry: dict[str, Any] = {"rows": total, "nulls": nulls[column] + first}
        if filled and numeric_seen[column] >= NUMERIC_SHARE * filled:
            entry |= {"numeric": True, "sample": [round(v, 6) for v in numbers.get(column, [])]}
        else:
            common = counts.get(column, Counter()).most_common(TOP)
            rest = filled - sum(n for _, n in common)
            entry |= {"numeric": False, "counts": dict(common) | ({OTHER: rest} if rest else {})}
        out[column] = entry
    return out


def pool(profiles: list[Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Earlier imports' profiles added up column by column (numbers: samples joined; categories: counts summed)."""
    out: dict[str, dict[str, Any]] = {}
    for one in profiles:
        for column, entry in one.items():
            into = out.setdefault(column, {"rows": 0, "nulls": 0, "numeric": entry["numeric"], "sample": [],
                                           "counts": Counter()})
            into["rows"] += entry["rows"]
            into["nulls"] += entry["nulls"]
            into["numeric"] = into["numeric"] and entry["numeric"]
            into["sample"] += entry.get("sample", [])
            into["counts"].update(entry.get("counts", {}))
    return out


def departures(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]) -> list[Departure]:
    """Columns of ``after`` whose null rate or values depart from ``before`` (a pooled profile)."""
    found = []
    for column, now in after.items():
        then = before.get(column)
        if then is None or not then["rows"] or not now["rows"]:
            continue
        p1, p2 = then["nulls"] / then["rows"], now["nulls"] / now["rows"]
        pooled = (then["nulls"] + now["nulls"]) / (then["rows"] + now["rows"])
        se = np.sqrt(pooled * (1 - pooled) * (1 / then["rows"] + 1 / now["rows"]))
        z = (p2 - p1) / se if se > 0 else 0.0
        if abs(p2 - p1) >= NULL_STEP and abs(z) >= Z:
            found.append(Departure(column, "null_rate", round(p1, 4), round(p2, 4),
                                   "high" if abs(p2 - p1) >= 4 * NULL_STEP else "medium",
                                   {"z": round(float(z), 2), "rows_before": then["rows"], "rows_after": now["rows"]}))
        shift = _values(then, now)
        if shift is not None:
            found.append(Departure(column, "values", 0.0, round(shift["psi"], 4),
                                   "high" if shift["psi"] >= 0.25 else "medium", shift))
    return found


def _values(then: Mapping[str, Any], now: Mapping[str, Any]) -> dict[str, Any] | None:
    """PSI (and JS, KS for numbers) of the column's values, None when too few or below a moderate shift."""
    if then["numeric"] and now["numeric"]:
        a, b = np.asarray(then.get("sample", [])), np.asarray(now.get("sample", []))
        if min(a.size, b.size) < MIN_VALUES:
            return None
        drift = compare_values("values", a, b)
        if drift.severity is None:
            return None
        return {"psi": drift.psi, "js": drift.js, "ks": drift.ks, "median_before": float(np.median(a)),
                "median_after": float(np.median(b))}
    before_counts, after_counts = Counter(then.get("counts", {})), Counter(now.get("counts", {}))
    if min(sum(before_counts.values()), sum(after_counts.values())) < MIN_VALUES:
        return None
    keys = sorted(set(before_counts) | set(after_counts))
    index = np.arange(len(keys) + 1) - 0.5
    p = shares(np.repeat(np.arange(len(keys)), [before_counts[k] for k in keys]), index)
    q = shares(np.repeat(np.arange(len(keys)), [after_counts[k] for k in keys]), index)
    value = psi(p, q)
    if value < 0.1:
        return None
    moved = sorted(keys, key=lambda k: -abs(after_counts[k] / max(sum(after_counts.values()), 1)
                                             - before_counts[k] / max(sum(before_counts.values()), 1)))[:5]
    return {"psi": value, "most_moved": {k: [before_counts[k], after_counts[k]] for k in moved}}
