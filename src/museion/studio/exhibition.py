"""An exhibition draft from a theme (pure core): works that carry the theme's subject, chosen one at a time for what
each adds — sub-themes not yet covered, a creator and a medium not yet shown, another decade — with at most a few
works per creator, then hung in chronological order. Every choice keeps its reasons; curators decide the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WEIGHTS = {"sub_theme": 1.0, "creator": 0.7, "medium": 0.3, "decade": 0.3}


@dataclass(frozen=True)
class Candidate:
    key: str
    title: str
    year: int | None
    creators: tuple[str, ...]
    medium: str | None
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Pick:
    work: Candidate
    sub_themes: tuple[str, ...]  # sub-themes this work was the first to cover
    new_creator: str | None
    new_medium: str | None


@dataclass(frozen=True)
class Plan:
    picks: tuple[Pick, ...]  # in hanging (chronological) order
    candidates: int
    sub_themes: int  # distinct sub-themes the picks cover
    creators: int
    mediums: int


def _medium(work: Candidate) -> str | None:
    return work.medium.split(",")[0].split(" on ")[0].strip().casefold() if work.medium else None


def draft(candidates: Sequence[Candidate], theme: str, size: int, *, per_creator: int = 2) -> Plan:
    """Choose up to ``size`` of ``candidates`` for a show on ``theme`` (see the module docstring)."""
    if size < 1:
        raise ValueError("an exhibition needs at least one work")
    theme_key = theme.casefold()
    covered: set[str] = set()
    creators: dict[str, int] = {}
    mediums: set[str] = set()
    decades: set[int] = set()
    chosen: list[Pick] = []
    left = {c.key: c for c in candidates}
    while left and len(chosen) < size:
        def gain(c: Candidate) -> tuple[float, int, str]:
            subs = {s for s in c.subjects if s.casefold() != theme_key} - covered
            first = c.creators[0] if c.creators else None
            value = (WEIGHTS["sub_theme"] * len(subs) + WEIGHTS["creator"] * (first is not None and first not in creators)
                     + WEIGHTS["medium"] * (_medium(c) not in mediums) + WEIGHTS["decade"] * (c.year is not None and c.year // 10 not in decades))
            return value, len(c.subjects), c.key
        eligible = [c for c in left.values() if not c.creators or creators.get(c.creators[0], 0) < per_creator]
        if not eligible:
            break
        best = max(eligible, key=gain)
        del left[best.key]
        first, medium = (best.creators[0] if best.creators else None), _medium(best)
        new_subs = tuple(sorted({s for s in best.subjects if s.casefold() != theme_key} - covered))
        chosen.append(Pick(best, new_subs, first if first is not None and first not in creators else None,
                           best.medium if medium is not None and medium not in mediums else None))
        covered.update(new_subs)
        if first is not None:
            creators[first] = creators.get(first, 0) + 1
        if medium is not None:
            mediums.add(medium)
        if best.year is not None:
            decades.add(best.year // 10)
    hung = tuple(sorted(chosen, key=lambda p: (p.work.year is None, p.work.year or 0, p.work.key)))
    return Plan(hung, len(candidates), len(covered), len(creators), len(mediums))
