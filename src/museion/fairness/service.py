"""Fairness audits of stored model versions: gather lists, histories and groups from the store, run the
pure audit, keep the record (and an audit-chain entry), and read records back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from museion import audit
from museion.catalog.features import term_matrix
from museion.catalog.models import Creator, Credit, Work
from museion.encoding import json_ready
from museion.errors import MuseionError, NotFound
from museion.fairness import alerts
from museion.fairness.audit import AuditInputs, run_audit
from museion.fairness.groups import NOT_SHARED, activity_levels, age_bands, attribute_labels, decade_labels
from museion.fairness.rerank import RerankContext, RerankSpec, rerank
from museion.fairness.serving import version_spec
from museion.privacy.gate import PurposeRefused, read_members, read_served
from museion.recommend.artifacts import load_artifact
from museion.recommend.evaluation.run import Holdout
from museion.recommend.evaluation.splits import ratio_split
from museion.recommend.interactions import Interactions
from museion.recommend.models import MODELS, Recommender
from museion.recommend.training import content_features
from museion.registry.models import RERANK_KEY, FairnessAudit, ModelVersion
from museion.store.batches import chunks

SCOPES = ("evaluation", "served")
AUDIT_PURPOSE = "fairness_audit"


class AuditError(MuseionError):
    """An audit cannot run on this version or scope (nothing served yet, a model that needs timestamps…)."""


def item_groups(conn: Connection, work_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Provider attributes per work: release era, and the first-credited creator's gender and region where the
    catalogue has them (attributes nobody has are left out)."""
    ids = [int(w) for w in work_ids]
    years: dict[int, int | None] = {}
    creators: dict[int, tuple[str | None, str | None]] = {}
    first_credit = (select(Credit.work_id, func.min(Credit.position).label("position")).group_by(Credit.work_id).subquery())
    for chunk in chunks(ids):
        years.update(conn.execute(select(Work.id, Work.year).where(Work.id.in_(chunk))).all())
        rows = conn.execute(
            select(Credit.work_id, Creator.gender, Creator.region)
            .join(first_credit, (first_credit.c.work_id == Credit.work_id) & (first_credit.c.position == Credit.position))
            .join(Creator, Creator.id == Credit.creator_id).where(Credit.work_id.in_(chunk)).order_by(Credit.work_id, Credit.id))
        for work_id, gender, region in rows:
            creators.setdefault(int(work_id), (gender, region))
    groups = {"era": decade_labels(np.array([np.nan if years.get(i) is None else years[i] for i in ids], dtype=np.float64))}
    for position, name in ((0, "creator_gender"), (1, "creator_region")):
        values = [creators.get(i, (None, None))[position] for i in ids]
        if any(values):
            groups[name] = attribute_labels(values)
    return groups


@dataclass(frozen=True, eq=False)
class StoredVersion:
    version: ModelVersion
    model: Recommender
    interactions: Interactions
    spec: RerankSpec | None


def load_version(engine: Engine, home: Path, version_id: int) -> StoredVersion:
    """A model version's row, fitted model and training interactions (artifact checked against its manifest)."""
    with Session(engine, expire_on_commit=False) as session:
        version = session.get(ModelVersion, version_id)
    if version is None:
        raise NotFound(f"no model version {version_id}")
    model, _manifest, interactions = load_artifact(home, version.artifact)
    return StoredVersion(version, model, interactions, version_spec(version.params))


def top_lists(model: Recommender, known: csr_matrix, rows: np.ndarray, k: int, spec: RerankSpec | None,
              context: RerankContext) -> np.ndarray:
    """Top-k for ``rows`` (their ``known`` items excluded), re-ranked by ``spec`` when there is one."""
    depth = max(k, spec.depth) if spec else k
    items, scores = model.recommend(rows, known[rows], depth)
    return rerank(spec, items, scores, k, context, known[rows]) if spec else items[:, :k]


def member_demographics(conn: Connection, member_ids: np.ndarray, *, actor: str) -> dict[str, np.ndarray]:
    """Gender and age band of the audited members, read through the privacy gate for the fairness-audit
    purpose: only members who gave their demographics its separate consent are placed; everyone else is
    "not shared". Empty when nobody shared them (or the purpose no longer covers demographics)."""
    try:
        rows = read_members(conn, purpose=AUDIT_PURPOSE, actor=actor, fields=["gender", "age"])
    except PurposeRefused:
        return {}
    shared = {int(r["member_id"]): r for r in rows if r["gender"] is not None or r["age"] is not None}
    if not shared:
        return {}
    found = [shared.get(int(m)) for m in member_ids]
    gender = attribute_labels([r["gender"] if r else None for r in found])
    age = age_bands(np.array([r["age"] if r and r["age"] is not None else np.nan for r in found], dtype=np.float64))
    outside = np.array([r is None for r in found], dtype=bool)
    gender[outside] = NOT_SHARED
    age[outside] = NOT_SHARED
    return {"gender": gender, "age_band": age}


@dataclass(frozen=True, eq=False)
class EvaluationSetup:
    """An evaluation-scope audit before its lists: the refitted model, what each member already has, the audited
    rows (members with test items), their held-out items, the re-ranker's context and the groups."""

    model: Recommender
    known: csr_matrix
    rows: np.ndarray
    relevant: csr_matrix
    context: RerankContext
    genres: csr_matrix
    item_groups: dict[str, np.ndarray]
    member_groups: dict[str, np.ndarray]
    member_ids: np.ndarray
    """Database ids of the audited members (aligned with ``rows``)."""


def evaluation_setup(engine: Engine, stored: StoredVersion, *, seed: int, actor: str) -> EvaluationSetup:
    """Refit the version's algorithm and parameters on the 8:1 train+valid part of its own training data (the same
    protocol as `museion evaluate`) and gather what the lists of the members with test items are audited against."""
    name = stored.version.algorithm
    if name == "trending":
        raise AuditError("the trending rule needs event timestamps, which a stored version does not keep: audit it with --scope served")
    interactions = stored.interactions
    rows_of_cells, _ = interactions.cells()
    holdout = Holdout.from_split(interactions, ratio_split(rows_of_cells, seed=seed))
    features = content_features(engine, interactions)[0] if name == "content" else None
    model = MODELS[name](**stored.model.get_params())
    model.fit(holdout.train_valid.matrix, item_features=features)
    known = holdout.train_valid.matrix
    rows = np.flatnonzero(np.diff(holdout.test.matrix.indptr))
    with engine.begin() as conn:
        genres, _ = term_matrix(conn, interactions.work_ids, ("genre",))
        groups = item_groups(conn, interactions.work_ids)
        demographics = member_demographics(conn, interactions.member_ids[rows], actor=actor)
    activity = activity_levels(np.diff(known.indptr)[rows])
    return EvaluationSetup(model, known, rows, holdout.test.matrix[rows], RerankContext.from_training(known, genres), genres,
                           groups, {"activity_level": activity, **demographics}, interactions.member_ids[rows])


def evaluation_inputs(engine: Engine, stored: StoredVersion, *, k: int, seed: int, actor: str) -> AuditInputs:
    """The evaluation-scope audit's inputs: :func:`evaluation_setup` and the lists of the audited members."""
    setup = evaluation_setup(engine, stored, seed=seed, actor=actor)
    recommended = top_lists(setup.model, setup.known, setup.rows, k, stored.spec, setup.context)
    return AuditInputs(recommended, setup.known[setup.rows], setup.known, k, setup.item_groups, setup.member_groups,
                       relevant=setup.relevant, genres=setup.genres if setup.genres.nnz else None, seed=seed)


def served_inputs(engine: Engine, stored: StoredVersion, *, seed: int, actor: str) -> AuditInputs:
    """The lists actually served under this version (from the served-list log, through the privacy gate: members
    taking part in fairness audits), against the members' histories."""
    return served_setup(engine, stored, seed=seed, actor=actor)[0]


def served_setup(engine: Engine, stored: StoredVersion, *, seed: int, actor: str) -> tuple[AuditInputs, np.ndarray]:
    """:func:`served_inputs` and the database id of the member each served list went to (row by row)."""
    interactions = stored.interactions
    with engine.begin() as conn:
        served = read_served(conn, purpose=AUDIT_PURPOSE, actor=actor, model_version_id=stored.version.id)
        if not served:
            raise AuditError(f"nothing has been served under model version {stored.version.id} yet")
        genres, _ = term_matrix(conn, interactions.work_ids, ("genre",))
        groups = item_groups(conn, interactions.work_ids)
        demographics = member_demographics(conn, np.array([m for m, _w in served], dtype=np.int64), actor=actor)
    k = max(len(work_ids) for _m, work_ids in served)
    recommended = np.full((len(served), max(k, 1)), -1, dtype=np.int64)
    for i, (_member, work_ids) in enumerate(served):
        recommended[i, :len(work_ids)] = interactions.work_columns(np.asarray(work_ids, dtype=np.int64))
    member_rows = interactions.member_rows(np.array([m for m, _w in served], dtype=np.int64))
    matrix = interactions.matrix
    known = member_rows >= 0
    picked = matrix[np.where(known, member_rows, 0)]
    histories = csr_matrix(picked.multiply(known[:, None].astype(np.float32)))  # members the model never saw: no history
    counts = np.where(known, np.diff(matrix.indptr)[np.where(known, member_rows, 0)], 0)
    inputs = AuditInputs(recommended, histories, matrix, max(k, 1), groups, {"activity_level": activity_levels(counts), **demographics},
                         relevant=None, genres=genres if genres.nnz else None, seed=seed)
    return inputs, np.array([m for m, _w in served], dtype=np.int64)


def summary_of(metrics: dict[str, Any]) -> dict[str, Any]:
    """Headline figures of an audit, for lists and the top of the report."""
    provider = metrics["provider"]
    k = metrics["k"]
    summary = {"members": metrics["members"], "k": k, "head_tail_exposure_gap": provider["head_tail_exposure_gap"],
               "long_tail_share": provider["long_tail_share"], "exposure_gini": provider["concentration"]["gini"],
               "popularity_lift": provider["popularity_lift"]}
    summary.update({name: value for name, value in metrics.get("overall", {}).items()})
    gaps = metrics.get("member", {}).get("activity_level", {}).get("largest_gap", {})
    if f"ndcg@{k}" in gaps:
        summary[f"activity_ndcg@{k}_gap"] = gaps[f"ndcg@{k}"]["gap"]
    return summary


def run_version_audit(engine: Engine, home: Path, version_id: int, *, scope: str = "evaluation", actor: str,
                      k: int = 10, seed: int = 2024, progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Audit a stored model version, store the record and an audit-chain entry, and return the record
    (``progress(fraction, what)`` hears each stage; a job's reporter may raise to stop it before anything is stored)."""
    if scope not in SCOPES:
        raise AuditError(f"unknown audit scope {scope!r}; use one of {', '.join(SCOPES)}")
    report = progress or (lambda _done, _what: None)
    report(0.02, "loading the model version")
    stored = load_version(engine, home, version_id)
    report(0.1, "refitting and ranking the test members" if scope == "evaluation" else "reading the served lists")
    inputs = (evaluation_inputs(engine, stored, k=k, seed=seed, actor=actor) if scope == "evaluation"
              else served_inputs(engine, stored, seed=seed, actor=actor))
    report(0.5, "computing exposure, accuracy and calibration per group")
    metrics = json_ready(run_audit(inputs))
    report(0.95, "storing the audit")
    return store_audit(engine, version_id, scope, metrics, spec=stored.spec, actor=actor,
                       groups={"item": ["popularity_tier", *inputs.item_groups], "member": list(inputs.member_groups)})


def store_audit(engine: Engine, version_id: int, scope: str, metrics: dict[str, Any], *, spec: RerankSpec | None, actor: str,
                groups: dict[str, list[str]], details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keep an audit's record, its audit-chain entry and any drift alerts in one transaction; the stored record."""
    metrics["rerank"] = spec.as_dict() if spec else None
    summary = json_ready(summary_of(metrics))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        row = FairnessAudit(model_version_id=version_id, scope=scope, groups=groups, metrics=metrics, summary=summary,
                            created_by=actor)
        session.add(row)
        session.flush()
        audit.record(session.connection(), actor=actor, action="fairness.audit", target=f"model_version:{version_id}",
                     details={"audit_id": row.id, "scope": scope, "members": metrics["members"], "k": metrics["k"], **(details or {})})
        alerts.propose_drift_alerts(session.connection(), version_id, row.id, scope, summary)  # worse than last time?
    return as_record(row)


def as_record(row: FairnessAudit) -> dict[str, Any]:
    return {"id": row.id, "model_version_id": row.model_version_id, "scope": row.scope, "created_at": row.created_at,
            "created_by": row.created_by, "groups": row.groups, "summary": row.summary, "metrics": row.metrics}


def list_audits(engine: Engine, version_id: int, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Audits of one version, newest first (records without the full metrics)."""
    with Session(engine) as session:
        if session.get(ModelVersion, version_id) is None:
            raise NotFound(f"no model version {version_id}")
        rows = session.scalars(select(FairnessAudit).where(FairnessAudit.model_version_id == version_id)
                               .order_by(FairnessAudit.id.desc()).limit(limit).offset(offset)).all()
        return [{k: v for k, v in as_record(r).items() if k != "metrics"} for r in rows]


def get_audit(engine: Engine, version_id: int, audit_id: int) -> dict[str, Any]:
    """One stored audit of a version, in full."""
    with Session(engine) as session:
        row = session.get(FairnessAudit, audit_id)
        if row is None or row.model_version_id != version_id:
            raise NotFound(f"no fairness audit {audit_id} of model version {version_id}")
        return as_record(row)


def reranked_version(engine: Engine, base_version_id: int, spec: RerankSpec, *, actor: str) -> ModelVersion:
    """A new model version = the base version's fitted model (same artifact) + this re-ranker, recorded in its
    parameters under ``rerank``; serving and audits then apply the re-ranker."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        base = session.get(ModelVersion, base_version_id)
        if base is None:
            raise NotFound(f"no model version {base_version_id}")
        params = {k: v for k, v in base.params.items() if k != RERANK_KEY} | {RERANK_KEY: spec.as_dict()}
        version = ModelVersion(algorithm=base.algorithm, params=params, policy=base.policy, source=base.source,
                               data_fingerprint=base.data_fingerprint, artifact=base.artifact, n_members=base.n_members,
                               n_works=base.n_works, evaluation={})
        session.add(version)
        session.flush()
        audit.record(session.connection(), actor=actor, action="model.rerank", target=f"model_version:{version.id}",
                     details={"base_version": base_version_id, "reranker": spec.name, "strength": spec.strength})
    return version
