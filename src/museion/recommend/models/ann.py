"""Approximate top-N by inner product over item factors (a faiss HNSW graph), for catalogues too big to score exactly.

The graph (Malkov & Yashunin's HNSW, faiss's implementation with the inner-product metric) is walked per
query; ``ef_search`` bounds the candidates kept during the walk (never fewer than asked for). Returned scores
are recomputed exactly from the factors: only which items are looked at is approximate.
"""

from __future__ import annotations

import faiss
import numpy as np
from scipy.sparse import csr_matrix

from museion.recommend.models.base import candidate_mask


class InnerProductIndex:
    """HNSW graph over ``item_factors`` (items × f); ``search`` returns candidates best first.

    ``links`` (HNSW's M) is the graph's out-degree, ``ef_search`` the walk's candidate list: larger gives
    higher recall for more time. Building uses faiss's threads; insertion order is fixed, so results are stable.
    """

    def __init__(self, item_factors: np.ndarray, *, links: int = 16, ef_construction: int = 40,
                 ef_search: int = 600) -> None:
        factors = np.ascontiguousarray(item_factors, dtype=np.float32)
        self.factors = factors
        self.links, self.ef_search = links, ef_search
        index = faiss.IndexHNSWFlat(factors.shape[1], links, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(factors)
        self._index = index

    @property
    def memory_bytes(self) -> int:
        """Bytes the index holds: a copy of the vectors and the graph's links (about 2·M per item on level 0)."""
        return int(self._index.ntotal) * (self._index.d * 4 + 2 * self.links * 4 + 16)

    def search(self, queries: np.ndarray, n: int) -> np.ndarray:
        """Up to ``n`` item indices per query, best first (−1 pads rows where fewer were found)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        n = min(n, self._index.ntotal)
        params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, n))
        _scores, ids = self._index.search(queries, n, params=params)
        return ids

    def recommend(self, queries: np.ndarray, k: int, *, exclude: csr_matrix | None = None,
                  candidates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-k (items, exact scores) per query with ``exclude`` rows' items and non-candidates removed.

        Over-fetches k + the row's excluded count (times the inverse candidate share) and filters; the
        third array flags rows for which too few eligible items were found, to be scored exactly instead.
        """
        n_items = self.factors.shape[0]
        allowed = None if candidates is None else candidate_mask(candidates, n_items)
        share = 1.0 if allowed is None else max(allowed.mean(), 1.0 / n_items)
        seen = np.zeros(len(queries), dtype=np.int64) if exclude is None else np.diff(exclude.indptr)
        fetch = int(min(n_items, np.ceil((k + seen.max(initial=0)) / share) + k))
        found = self.search(queries, fetch)
        items = np.full((len(queries), k), -1, dtype=np.int64)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        short = np.zeros(len(queries), dtype=bool)
        for row, ids in enumerate(found):
            ids = ids[ids >= 0]
            keep = np.ones(len(ids), dtype=bool)
            if exclude is not None:
                keep &= ~np.isin(ids, exclude.indices[exclude.indptr[row] : exclude.indptr[row + 1]])
            if allowed is not None:
                keep &= allowed[ids]
            ids = ids[keep]
            exact = self.factors[ids] @ queries[row]
            order = np.lexsort((ids, -exact))[:k]
            items[row, : len(order)], scores[row, : len(order)] = ids[order], exact[order]
            short[row] = len(order) < k and fetch < n_items
        return items, scores, short
