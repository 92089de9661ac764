"""Collaboration figures (pure core): per kind or team, how much the AI proposed, how people decided it, how much they
changed, how fast, how much the AI did alone, what is waiting, and the reviewer time the AI saved or cost."""

from __future__ import annotations

import difflib
import json
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Item:
    """One proposal as the figures need it."""
    group: str  # the kind, or the team (decider role)
    status: str
    decision: str | None
    created_at: datetime
    decided_at: datetime | None
    due_at: datetime
    proposed: Mapping[str, Any]
    final: Mapping[str, Any] | None


def edit_distance(proposed: Mapping[str, Any], final: Mapping[str, Any] | None) -> float:
    """How much a person changed a proposal, 0 (kept) to 1 (replaced): for list fields the Jaccard distance of the
    items, for other fields one minus difflib's similarity of their JSON; averaged over the fields."""
    if final is None:
        return 1.0
    distances = []
    for key in sorted(set(proposed) | set(final)):
        a, b = proposed.get(key), final.get(key)
        if isinstance(a, list) and isinstance(b, list):
            sa, sb = {json.dumps(x, sort_keys=True) for x in a}, {json.dumps(x, sort_keys=True) for x in b}
            distances.append(1 - len(sa & sb) / len(sa | sb) if sa | sb else 0.0)
        else:
            ja, jb = json.dumps(a, sort_keys=True, ensure_ascii=False), json.dumps(b, sort_keys=True, ensure_ascii=False)
            distances.append(1 - difflib.SequenceMatcher(None, ja, jb).ratio())
    return sum(distances) / len(distances) if distances else 0.0


@dataclass(frozen=True)
class Figures:
    group: str
    proposed: int
    decided: int
    accepted: int
    edited: int
    rejected: int
    automatic: int
    undone: int
    backlog: int
    overdue: int
    acceptance_rate: float | None  # accepted as is, of human decisions
    mean_edit_distance: float | None  # over accepted and edited proposals
    median_hours_to_decision: float | None
    automation_share: float | None  # of all decisions
    minutes_saved: float | None  # automatic actions left standing, at the median human decision time
    minutes_on_rejected: float | None  # reviewer time spent on proposals that were rejected or undone


def figures(items: Iterable[Item], now: datetime, minutes_per_decision: float | None = None) -> list[Figures]:
    """Figures per group, sorted by group. ``minutes_per_decision`` is the reviewers' measured median working time per
    decision when known (e.g. from the web app's claim-to-decision spans); without it saved time is not guessed."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    found = []
    for group, rows in sorted(groups.items()):
        by = {d: sum(r.decision == d for r in rows) for d in ("accept", "edit", "reject", "auto", "undo")}
        human = by["accept"] + by["edit"] + by["reject"]
        decided = human + by["auto"] + by["undo"]
        waiting = [r for r in rows if r.status in ("open", "claimed", "disputed")]
        kept = [r for r in rows if r.decision in ("accept", "edit")]
        hours = [(r.decided_at - r.created_at).total_seconds() / 3600 for r in rows
                 if r.decided_at and r.decision in ("accept", "edit", "reject")]
        minutes = minutes_per_decision
        found.append(Figures(
            group=group, proposed=len(rows), decided=decided, accepted=by["accept"], edited=by["edit"],
            rejected=by["reject"], automatic=by["auto"], undone=by["undo"], backlog=len(waiting),
            overdue=sum(r.due_at < now for r in waiting),
            acceptance_rate=by["accept"] / human if human else None,
            mean_edit_distance=sum(edit_distance(r.proposed, r.final) for r in kept) / len(kept) if kept else None,
            median_hours_to_decision=statistics.median(hours) if hours else None,
            automation_share=(by["auto"] + by["undo"]) / decided if decided else None,
            minutes_saved=by["auto"] * minutes if minutes is not None else None,
            minutes_on_rejected=(by["reject"] + by["undo"]) * minutes if minutes is not None else None,
        ))
    return found
