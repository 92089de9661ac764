"""Serving core: top-k works for a member with explanations, or a labelled non-personalised list.

Pure and in-process: a fitted model and :class:`Interactions` in, plain dataclasses out. Indices are
matrix columns; ``work_id`` carries the database id alongside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.explain import Explanation, explanation
from museion.recommend.interactions import Interactions
from museion.recommend.models import ContentBased, Recommender, candidate_mask, top_k


@dataclass(frozen=True, slots=True)
class Fallback:
    """The non-personalised list (best first) for members without history or with personalisation off."""

    rule: str
    """"popular", "trending" or "editorial"; explains every item of the list."""
    items: np.ndarray
    """Work indices, best first."""

    @classmethod
    def from_model(cls, model: Recommender) -> Fallback:
        """Rank every work with a fitted rule-based model (:class:`MostPopular`, :class:`Trending`)."""
        if model.rule is None:
            raise ValueError(f"{model.name} is personalised; a fallback list needs a rule-based model")
        scores = model.score(np.zeros(1, dtype=np.int64), csr_matrix((1, model.n_items)))
        items, _ = top_k(scores, model.n_items)
        return cls(rule=model.rule, items=items[0][items[0] >= 0])


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended work."""

    item: int
    work_id: int
    score: float | None
    """The model's score; ``None`` for items from a :class:`Fallback` list."""
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class MemberRecommendations:
    """A member's list, labelled with whether it was personalised and which rule produced it otherwise."""

    member_row: int | None
    personalised: bool
    rule: str | None
    items: list[Recommendation]


def recommend_for_member(
    model: Recommender,
    interactions: Interactions,
    member_row: int | None,
    k: int,
    *,
    fallback: Fallback,
    candidates: np.ndarray | None = None,
    personalise: bool = True,
    title: Callable[[int], str] | None = None,
    verb: str = "enjoyed",
    aspect: str = "genre",
) -> MemberRecommendations:
    """Top-k unseen works for one member, each with an :class:`Explanation`.

    Members with no row, an empty history, or ``personalise=False`` get ``fallback`` (filtered by
    ``candidates``); with personalisation off their history is not read at all, not even to drop seen
    works. ``candidates`` (mask or indices) restricts the works, e.g. by kind or availability.
    ``aspect`` names the descriptors a content-based model compares ("genre", "subject").
    """
    name_of = title or (lambda index: f"work {interactions.work_ids[index]}")
    history = interactions.history(member_row) if personalise and member_row is not None else None
    if history is None or history.nnz == 0:
        return _fallback_list(fallback, interactions, member_row, k, candidates, name_of)

    items, scores = model.recommend(np.array([member_row]), history, k, candidates=candidates)
    valid = items[0] >= 0
    items, scores = items[0][valid], scores[0][valid]
    contributions = model.explain_many(member_row, history, items)
    sentence_aspect = aspect if isinstance(model, ContentBased) else None
    recommended = [
        Recommendation(
            item=int(item),
            work_id=int(interactions.work_ids[item]),
            score=float(score),
            explanation=explanation(model.name, model.rule, why, name_of, verb=verb, aspect=sentence_aspect),
        )
        for item, score, why in zip(items, scores, contributions, strict=True)
    ]
    return MemberRecommendations(member_row, model.rule is None, model.rule, recommended)


def recommend_all(
    model: Recommender,
    interactions: Interactions,
    k: int,
    batch_size: int = 1024,
    progress: Callable[[int], None] | None = None,
    *,
    candidates: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (indices, scores) for every member row, in batches; ``progress`` gets the rows done so far."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    matrix = interactions.matrix
    items = np.empty((interactions.n_members, k), dtype=np.int64)
    scores = np.empty((interactions.n_members, k), dtype=np.float32)
    for start in range(0, interactions.n_members, batch_size):
        rows = np.arange(start, min(start + batch_size, interactions.n_members))
        items[rows], scores[rows] = model.recommend(rows, matrix[start : rows[-1] + 1], k, candidates=candidates)
        if progress is not None:
            progress(int(rows[-1]) + 1)
    return items, scores


def _fallback_list(
    fallback: Fallback,
    interactions: Interactions,
    member_row: int | None,
    k: int,
    candidates: np.ndarray | None,
    name_of: Callable[[int], str],
) -> MemberRecommendations:
    items = fallback.items
    if candidates is not None:
        items = items[candidate_mask(candidates, interactions.n_works)[items]]
    why = explanation(fallback.rule, fallback.rule, [], name_of)
    chosen = [Recommendation(int(i), int(interactions.work_ids[i]), None, why) for i in items[:k]]
    return MemberRecommendations(member_row, False, fallback.rule, chosen)
