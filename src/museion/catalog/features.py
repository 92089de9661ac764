"""Works described by their catalogue terms (genres, subjects, movements) as sparse matrices for
content models and diversity metrics."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Connection, select

from museion.catalog.models import WorkTerm


def term_matrix(conn: Connection, work_ids: np.ndarray, vocabularies: tuple[str, ...]) -> tuple[csr_matrix, list[str]]:
    """Binary works × terms matrix (rows follow ``work_ids``) and the term names, prefixed by vocabulary."""
    column = {int(w): i for i, w in enumerate(work_ids)}
    pairs: list[tuple[int, str]] = [
        (column[w], f"{v}:{t}")
        for w, v, t in conn.execute(select(WorkTerm.work_id, WorkTerm.vocabulary, WorkTerm.term)
                                    .where(WorkTerm.vocabulary.in_(vocabularies)))
        if w in column
    ]
    names = sorted({name for _, name in pairs})
    index = {name: i for i, name in enumerate(names)}
    unique = sorted({(row, index[name]) for row, name in pairs})
    rows = np.fromiter((r for r, _ in unique), np.int32, len(unique))
    cols = np.fromiter((c for _, c in unique), np.int32, len(unique))
    matrix = csr_matrix((np.ones(len(unique), np.float32), (rows, cols)), shape=(len(work_ids), len(names)))
    return matrix, names
