"""Fairness audits mapped over member partitions: each partition computes its lists (evaluation scope: the refitted
model, broadcast once) and the audit's sufficient statistics; the statistics combine exactly (sums add, per-member
values go back in order) and the record is stored through the fairness service's normal path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from museion.encoding import json_ready
from museion.fairness.audit import AuditFrame, AuditPart, audit_part, combine_parts, finish_audit
from museion.fairness.rerank import RerankContext, RerankSpec
from museion.fairness.service import (SCOPES, AuditError, evaluation_setup, load_version, served_setup, store_audit,
                                      top_lists)
from museion.recommend.models import Recommender
from museion.scale.engine import Engine as ComputeEngine
from museion.scale.partition import Partition, check_partitions, partition_rows


@dataclass(frozen=True, eq=False)
class EvaluationWork:
    """Broadcast for the evaluation scope: the refitted model and everything its lists are audited against."""

    model: Recommender
    known: csr_matrix
    rows: np.ndarray
    relevant: csr_matrix
    spec: RerankSpec | None
    context: RerankContext
    genres: csr_matrix | None
    k: int


@dataclass(frozen=True, eq=False)
class ServedWork:
    """Broadcast for the served scope: the served lists and the members' histories."""

    recommended: np.ndarray
    histories: csr_matrix
    train: csr_matrix
    genres: csr_matrix | None
    k: int


def evaluation_part(work: EvaluationWork, part: Partition) -> AuditPart:
    """One partition of an evaluation-scope audit: its members' re-ranked lists, then their statistics."""
    rows = work.rows[part.rows]
    recommended = top_lists(work.model, work.known, rows, work.k, work.spec, work.context)
    return audit_part(recommended, work.known[rows], work.known, work.k, positions=part.rows, relevant=work.relevant[part.rows],
                      genres=work.genres)


def served_part(work: ServedWork, part: Partition) -> AuditPart:
    """One partition of a served-scope audit: the statistics of its members' served lists."""
    return audit_part(work.recommended[part.rows], work.histories[part.rows], work.train, work.k, positions=part.rows,
                      genres=work.genres)


def run_partitioned_audit(engine: Engine, home: Path, version_id: int, compute: ComputeEngine, *, scope: str = "evaluation",
                          actor: str, k: int = 10, seed: int = 2024, partitions: int = 16,
                          progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """:func:`museion.fairness.service.run_version_audit` with the lists and statistics mapped over member partitions on
    ``compute``; the same record (figures equal within float rounding), stored the same way."""
    if scope not in SCOPES:
        raise AuditError(f"unknown audit scope {scope!r}; use one of {', '.join(SCOPES)}")
    n = check_partitions(partitions)
    report = progress or (lambda _done, _what: None)
    report(0.02, "loading the model version")
    stored = load_version(engine, home, version_id)
    report(0.1, "refitting on the training part" if scope == "evaluation" else "reading the served lists")
    if scope == "evaluation":
        setup = evaluation_setup(engine, stored, seed=seed, actor=actor)
        frame = AuditFrame(setup.known, k, setup.item_groups, setup.member_groups, True, bool(setup.genres.nnz), seed)
        work: Any = EvaluationWork(setup.model, setup.known, setup.rows, setup.relevant, stored.spec, setup.context,
                                   setup.genres if setup.genres.nnz else None, k)
        member_ids, fn = setup.member_ids, evaluation_part
    else:
        inputs, member_ids = served_setup(engine, stored, seed=seed, actor=actor)
        frame = AuditFrame.of(inputs)
        work = ServedWork(inputs.recommended, inputs.histories, inputs.train, inputs.genres, inputs.k)
        fn = served_part
    # no members to audit (a tiny catalogue): one empty partition, so the record says so as the unpartitioned audit did
    parts = partition_rows(member_ids, n) or [Partition(0, np.arange(0, dtype=np.int64))]
    report(0.3, f"ranking and measuring {len(member_ids):,} members in {len(parts)} partitions on the {compute.name} engine")
    results = compute.map_partitions(fn, parts, broadcast=work,
                                     progress=lambda d, t: report(0.3 + 0.6 * d / max(t, 1), f"{d} of {t} partitions audited"))
    metrics = json_ready(finish_audit(frame, combine_parts(results)))
    report(0.95, "storing the audit")
    return store_audit(engine, version_id, scope, metrics, spec=stored.spec, actor=actor,
                       groups={"item": ["popularity_tier", *frame.item_groups], "member": list(frame.member_groups)},
                       details={"engine": compute.name, "partitions": len(parts)})
