"""An exhibition draft from a theme (pure core): works matching the theme, chosen one at a time for what each adds —
sub-themes not yet covered, a creator and a medium not yet shown, another decade, a group the curator's representation
targets still lack (creator gender, nationality, era: the fairness audit's groups) — with at most a few works per
creator, then hung in chronological order or along a path of similar works. Every choice keeps its reasons; curators
decide the rest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WEIGHTS = {"sub_theme": 1.0, "creator": 0.7, "medium": 0.3, "decade": 0.3, "target": 1.5, "relevance": 0.2}
ORDERS = ("chronological", "similarity")
Targets = Mapping[tuple[str, str], int]  # (dimension, group) → at least this many works, e.g. ("gender", "female") → 6


@dataclass(frozen=True)
class Candidate:
    key: str
    title: str
    year: int | None
    creators: tuple[str, ...]
    medium: str | None
    subjects: tuple[str, ...]
    groups: tuple[tuple[str, str], ...] = ()  # (dimension, group) of its first creator and era, e.g. ("gender", "female")
    relevance: float = 0.0  # how well it matches the theme, in [0, 1]


@dataclass(frozen=True)
class Pick:
    work: Candidate
    sub_themes: tuple[str, ...]  # sub-themes this work was the first to cover
    new_creator: str | None
    new_medium: str | None
    represents: tuple[str, ...] = ()  # "dimension: group" targets it counted towards while still unmet
    pinned: bool = False


@dataclass(frozen=True)
class Plan:
    picks: tuple[Pick, ...]  # in hanging order
    candidates: int
    sub_themes: int  # distinct sub-themes the picks cover
    creators: int
    mediums: int
    targets: tuple[tuple[str, str, int, int], ...] = ()  # (dimension, group, wanted, got)


REASONS = {"sub_theme": "covers sub-theme {}", "represents": "represents {}", "creator": "adds creator {}",
           "medium": "adds medium {}", "pinned": "pinned by a curator{}", "theme": "matches the theme{}",
           "curator": "chosen by a curator in place of {}"}


def reasons(pick: Pick) -> list[dict[str, str]]:
    """Why a work is in the show, as codes (``REASONS``) with the data each names; the faces word them per language."""
    out = [{"why": "sub_theme", "what": ", ".join(pick.sub_themes)}] if pick.sub_themes else []
    out += [{"why": "represents", "what": ", ".join(pick.represents)}] if pick.represents else []
    out += [{"why": "creator", "what": pick.new_creator}] if pick.new_creator else []
    out += [{"why": "medium", "what": pick.new_medium}] if pick.new_medium else []
    out += [{"why": "pinned", "what": ""}] if pick.pinned else []
    return out or [{"why": "theme", "what": ""}]


def reason_text(reason: Mapping[str, str]) -> str:
    """One reason in English ("covers sub-theme harbour")."""
    return REASONS[reason["why"]].format(reason["what"])


def measure(works: Sequence[Candidate], theme: str, targets: Targets) -> tuple[int, int, int]:
    """(sub-themes covered, representation targets met, targets) of any selection — the builder's or a baseline's."""
    theme_key = theme.casefold()
    subs = {s for w in works for s in w.subjects if s.casefold() != theme_key}
    counts: dict[tuple[str, str], int] = {}
    for w in works:
        for g in set(w.groups):
            counts[g] = counts.get(g, 0) + 1
    return len(subs), sum(counts.get(g, 0) >= n for g, n in targets.items()), len(targets)


def _similarity(a: Candidate, b: Candidate) -> float:
    x, y = set(a.subjects), set(b.subjects)
    return len(x & y) / len(x | y) if x | y else 0.0


def hang(picks: Sequence[Pick], order: str) -> tuple[Pick, ...]:
    """Chronological (undated last), or a path from the earliest work, each next the most similar of those left."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}: one of {', '.join(ORDERS)}")
    by_time = sorted(picks, key=lambda p: (p.work.year is None, p.work.year or 0, p.work.key))
    if order == "chronological" or not by_time:
        return tuple(by_time)
    path, left = [by_time[0]], by_time[1:]
    while left:
        nxt = max(left, key=lambda p: (_similarity(path[-1].work, p.work), -left.index(p)))
        path.append(nxt)
        left.remove(nxt)
    return tuple(path)


def medium_family(medium: str | None) -> str | None:
    """The first material of a medium statement ("Oil paint on canvas" → "oil paint")."""
    return (medium.split(",")[0].split(" on ")[0].strip().casefold() or None) if medium else None


def _medium(work: Candidate) -> str | None:
    return medium_family(work.medium)


def draft(candidates: Sequence[Candidate], theme: str, size: int, *, per_creator: int = 2, targets: Targets | None = None,
          pinned: Sequence[str] = (), order: str = "chronological") -> Plan:
    """Choose up to ``size`` of ``candidates`` for a show on ``theme`` (see the module docstring); works keyed in
    ``pinned`` are kept first, whatever they add. Targets weigh in every choice, and once the slots left are no more
    than the works the targets still lack, only works that fill one are chosen (when there are any)."""
    if size < 1:
        raise ValueError("an exhibition needs at least one work")
    targets = dict(targets or {})
    theme_key = theme.casefold()
    covered: set[str] = set()
    creators: dict[str, int] = {}
    mediums: set[str] = set()
    decades: set[int] = set()
    counts: dict[tuple[str, str], int] = {}
    chosen: list[Pick] = []
    left = {c.key: c for c in candidates}

    def unmet(c: Candidate) -> list[tuple[str, str]]:
        return [g for g in dict.fromkeys(c.groups) if counts.get(g, 0) < targets.get(g, 0)]

    def gain(c: Candidate) -> tuple[float, int, str]:
        subs = {s for s in c.subjects if s.casefold() != theme_key} - covered
        first = c.creators[0] if c.creators else None
        value = (WEIGHTS["sub_theme"] * len(subs) + WEIGHTS["creator"] * (first is not None and first not in creators)
                 + WEIGHTS["medium"] * (_medium(c) not in mediums) + WEIGHTS["decade"] * (c.year is not None and c.year // 10 not in decades)
                 + WEIGHTS["target"] * len(unmet(c)) + WEIGHTS["relevance"] * c.relevance)
        return value, len(c.subjects), c.key

    def take(best: Candidate, pin: bool) -> None:
        del left[best.key]
        first, medium = (best.creators[0] if best.creators else None), _medium(best)
        new_subs = tuple(sorted({s for s in best.subjects if s.casefold() != theme_key} - covered))
        represents = tuple(f"{d}: {g}" for d, g in unmet(best))
        chosen.append(Pick(best, new_subs, first if first is not None and first not in creators else None,
                           best.medium if medium is not None and medium not in mediums else None, represents, pin))
        covered.update(new_subs)
        if first is not None:
            creators[first] = creators.get(first, 0) + 1
        if medium is not None:
            mediums.add(medium)
        if best.year is not None:
            decades.add(best.year // 10)
        for g in set(best.groups):
            counts[g] = counts.get(g, 0) + 1

    for key in pinned:
        if key in left and len(chosen) < size:
            take(left[key], True)
    while left and len(chosen) < size:
        eligible = [c for c in left.values() if not c.creators or creators.get(c.creators[0], 0) < per_creator]
        deficit = sum(max(n - counts.get(g, 0), 0) for g, n in targets.items())
        if deficit >= size - len(chosen):  # the slots left are needed for the targets: only works that fill one
            eligible = [c for c in eligible if unmet(c)] or eligible
        if not eligible:
            break
        take(max(eligible, key=gain), False)
    met = tuple((d, g, n, counts.get((d, g), 0)) for (d, g), n in sorted(targets.items()))
    return Plan(hang(chosen, order), len(candidates), len(covered), len(creators), len(mediums), met)
