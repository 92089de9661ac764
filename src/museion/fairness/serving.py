"""A model version's re-ranker at serving time: the fitted model wrapped so every top-k it returns is re-ranked.

``open_recommender`` is how the faces (API, CLI, web pages) open the served recommender."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from museion.catalog.features import term_matrix
from museion.fairness.rerank import RerankContext, RerankSpec, rerank
from museion.recommend.interactions import Interactions
from museion.recommend.models import Recommender
from museion.recommend.serving import RecommenderService
from museion.registry.models import RERANK_KEY


def version_spec(params: dict[str, Any] | None) -> RerankSpec | None:
    """The re-ranker spec recorded in a model version's parameters, or None."""
    raw = (params or {}).get(RERANK_KEY)
    return None if raw is None else RerankSpec.from_dict(raw)


class Reranked:
    """Behaves as the wrapped model (name, rule, explanations) but re-ranks its candidates in ``recommend``."""

    def __init__(self, model: Recommender, spec: RerankSpec, context: RerankContext) -> None:
        self.model, self.spec, self.context = model, spec, context

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:  # pickled by its parts (a cluster's workers get a copy)
        return Reranked, (self.model, self.spec, self.context)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(…, ContentBased) still picks the right explanation wording
        return type(self.model)

    def recommend(self, user_rows: np.ndarray, user_items: csr_matrix, k: int, *, exclude_seen: bool = True,
                  candidates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        items, scores = self.model.recommend(user_rows, user_items, max(k, self.spec.depth), exclude_seen=exclude_seen,
                                             candidates=candidates)
        chosen = rerank(self.spec, items, scores, k, self.context, csr_matrix(user_items))
        position = (items[:, None, :] == chosen[:, :, None]) & (chosen[:, :, None] >= 0)
        kept = np.where(position.any(axis=2), np.take_along_axis(scores, position.argmax(axis=2), axis=1), -np.inf)
        return chosen, kept.astype(np.float32)


def with_reranker(model: Recommender, params: dict[str, Any] | None, interactions: Interactions,
                  engine: Engine) -> Recommender | Reranked:
    """The model itself, or the model wrapped with the re-ranker its version's parameters name."""
    spec = version_spec(params)
    if spec is None:
        return model
    with engine.connect() as conn:
        genres, _ = term_matrix(conn, interactions.work_ids, ("genre",))
    return Reranked(model, spec, RerankContext.from_training(interactions.matrix, genres if genres.nnz else None))


def open_recommender(engine: Engine, home: Path, version_id: int | None = None) -> RecommenderService:
    """The deployed version (or ``version_id`` when it is the deployed one), served with the re-ranker it names."""
    return RecommenderService(engine, home, version_id, wrap=with_reranker)
