"""Museion recommenders, one contract (:class:`Recommender`), looked up by name in :data:`MODELS`."""

from __future__ import annotations

from museion.recommend.models.base import Contributions, NotFitted, Recommender, candidate_mask, top_k
from museion.recommend.models.content import ContentBased
from museion.recommend.models.ease import EASE
from museion.recommend.models.factorization import ALS, BPR
from museion.recommend.models.itemknn import ItemKNN
from museion.recommend.models.popularity import MostPopular, Trending
from museion.recommend.models.rp3beta import RP3beta

MODELS: dict[str, type[Recommender]] = {
    model.name: model for model in (MostPopular, Trending, ItemKNN, ALS, BPR, EASE, RP3beta, ContentBased)
}
"""Registry key → class; the key is what CLIs, artifacts and explanations use."""

__all__ = [
    "ALS",
    "BPR",
    "EASE",
    "MODELS",
    "Contributions",
    "ContentBased",
    "ItemKNN",
    "MostPopular",
    "NotFitted",
    "RP3beta",
    "Recommender",
    "Trending",
    "candidate_mask",
    "top_k",
]
