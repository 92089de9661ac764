"""Attribution (pure): each event goes to the latest earlier showing of the same work to the same member within a
window, and so to a served list and a position; a list is clicked at k when an event was attributed to one of its
first k positions, converted when that event was a borrow, a purchase or a liking rating."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CONVERSION_KINDS = frozenset({"borrow", "purchase"})
LIKED = 4.0
"""A rating of at least this (of 5) counts as a conversion: the member liked what the list showed."""


@dataclass(frozen=True)
class Attributed:
    """Per served list: whether it was clicked / converted at k, and its first attributed position (-1: none)."""

    clicked: np.ndarray
    converted: np.ndarray
    first_position: np.ndarray
    clicked_works: list[set[int]]
    """Per list, the works that received an attributed event (any position)."""


def attribute(list_member: np.ndarray, list_time: np.ndarray, list_works: list[list[int]], event_member: np.ndarray,
              event_work: np.ndarray, event_kind: np.ndarray, event_value: np.ndarray, event_time: np.ndarray, *,
              window_s: float, k: int) -> Attributed:
    """Link events to the lists that preceded them (same member and work, at most ``window_s`` seconds earlier)."""
    n = len(list_member)
    clicked, converted = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    first = np.full(n, -1, dtype=np.int64)
    works_hit: list[set[int]] = [set() for _ in range(n)]
    lengths = np.fromiter((len(w) for w in list_works), dtype=np.int64, count=n)
    if n == 0 or len(event_member) == 0 or lengths.sum() == 0:
        return Attributed(clicked, converted, first, works_hit)
    shown = pd.DataFrame({"member": np.repeat(list_member, lengths), "work": np.concatenate([np.asarray(w, dtype=np.int64)
                                                                                            for w in list_works if len(w)]),
                          "time": np.repeat(list_time.astype(np.float64), lengths), "list": np.repeat(np.arange(n), lengths),
                          "position": np.concatenate([np.arange(m) for m in lengths if m])}).sort_values("time", kind="stable")
    kinds = np.asarray(event_kind, dtype=object)
    conv = np.isin(kinds, list(CONVERSION_KINDS)) | ((kinds == "rating") & (np.nan_to_num(event_value, nan=0.0) >= LIKED))
    events = pd.DataFrame({"member": np.asarray(event_member, dtype=np.int64), "work": np.asarray(event_work, dtype=np.int64),
                           "time": np.asarray(event_time, dtype=np.float64), "conv": conv}).sort_values("time", kind="stable")
    linked = pd.merge_asof(events, shown, on="time", by=["member", "work"], direction="backward",
                           tolerance=float(window_s), allow_exact_matches=False).dropna(subset=["list"])
    if linked.empty:
        return Attributed(clicked, converted, first, works_hit)
    lists, positions = linked["list"].to_numpy(np.int64), linked["position"].to_numpy(np.int64)
    for li, work in zip(lists, linked["work"].to_numpy(np.int64), strict=True):
        works_hit[li].add(int(work))
    top = positions < k
    clicked[lists[top]] = True
    converted[lists[top & linked["conv"].to_numpy(bool)]] = True
    order = np.lexsort((positions, lists))
    lists_sorted, pos_sorted = lists[order], positions[order]
    starts = np.r_[True, lists_sorted[1:] != lists_sorted[:-1]]
    first[lists_sorted[starts]] = pos_sorted[starts]
    return Attributed(clicked, converted, first, works_hit)
