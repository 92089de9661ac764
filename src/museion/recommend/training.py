"""Training and offline evaluation from the store: the I/O edge around the pure cores.

Events come through the privacy gate for the personalisation purpose, become interactions under a
declared policy, and are fitted and evaluated; training saves the artifact and records the version.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from museion import audit
from museion.catalog.features import term_matrix
from museion.errors import MuseionError
from museion.privacy import gate
from museion.privacy.activity import EventArrays
from museion.recommend.artifacts import save_artifact
from museion.recommend.evaluation.run import Holdout, ModelReport, evaluate_models, write_split_csv
from museion.recommend.evaluation.search import SPACES, search
from museion.recommend.evaluation.splits import Split, make_split
from museion.recommend.funnel import explain_empty, policy_record
from museion.recommend.interactions import InteractionPolicy, Interactions, PolicyResult, apply_policy
from museion.recommend.models import MODELS
from museion.recommend.models.capacity import AUTO, choose_algorithm
from museion.recommend.policy_settings import DEFAULT_POLICY
from museion.registry.models import ModelVersion

PROTOCOLS = ("ratio-811", "loo", "time")
CONTENT_VOCABULARIES = ("genre", "subject", "movement")


class NoInteractions(MuseionError):
    """The interaction policy leaves nothing to train on; the message says which filter removed the events, with counts."""


def read_interactions(engine: Engine, policy: InteractionPolicy, *, source: str | None,
                      actor: str) -> tuple[PolicyResult, EventArrays]:
    """Events of ``source`` (all when None) → interactions under ``policy``, with what each filter left.

    The events come through the privacy gate for the personalisation purpose: members who have not
    consented never reach a model, and the read is recorded against ``actor``. Only the counted kinds are read.
    """
    with engine.begin() as conn:
        events = gate.read_activity(conn, purpose=gate.PERSONALISATION, actor=actor, source=source, kinds=frozenset(policy.kinds))
    if policy.time_decay_half_life_days is not None and len(events) and not events.has_timestamps:
        missing = int(np.isnan(events.timestamps).sum())
        raise MuseionError(f"time decay (a half-life of {policy.time_decay_half_life_days:g} days) needs the time of every "
                           f"event, and {missing:,} of {len(events):,} events have none: leave the half-life out")
    result = apply_policy(events.member_ids, events.work_ids, events.kinds, events.values,
                          events.timestamps if events.has_timestamps else None, policy)
    if result.interactions.matrix.nnz == 0:
        raise NoInteractions(explain_empty(engine, policy, source=source, actor=actor))
    return result, events


def load_interactions(engine: Engine, policy: InteractionPolicy, *, source: str | None,
                      actor: str) -> tuple[Interactions, EventArrays]:
    """The interactions and events of :func:`read_interactions`, for callers that need neither the policy nor the funnel."""
    result, events = read_interactions(engine, policy, source=source, actor=actor)
    return result.interactions, events


def content_features(engine: Engine, interactions: Interactions) -> tuple[csr_matrix, csr_matrix]:
    """(item features for content models, genre matrix for diversity), rows aligned with the columns."""
    with engine.connect() as conn:
        features, _ = term_matrix(conn, interactions.work_ids, CONTENT_VOCABULARIES)
        genres, _ = term_matrix(conn, interactions.work_ids, ("genre",))
    return features, genres


def _split(interactions: Interactions, protocol: str, seed: int) -> Split:
    if protocol not in PROTOCOLS:
        raise MuseionError(f"unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}")
    rows, _cols = interactions.cells()
    timestamps = interactions.last_timestamp
    if protocol != "ratio-811" and timestamps is None:
        raise MuseionError(f"the {protocol!r} protocol needs event timestamps, and some events have none")
    return make_split(protocol, rows, timestamps, seed=seed)


@dataclass(frozen=True)
class EvaluationResult:
    """What `museion evaluate` reports: the data, the protocol and every model's figures."""

    source: str | None
    protocol: str
    seed: int
    k: int
    policy: dict[str, Any]
    sizes: dict[str, int]
    reports: list[ModelReport] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "protocol": self.protocol, "seed": self.seed, "k": self.k, "policy": self.policy,
            "sizes": self.sizes,
            "models": [{"name": r.name, "params": r.params, "metrics": r.metrics,
                        "validation": [{"params": p, f"ndcg@{self.k}": v} for p, v in r.validation],
                        "fit_seconds": r.fit_seconds, "recommend_seconds": r.recommend_seconds, "search": r.search}
                       for r in self.reports],
        }


def evaluate(engine: Engine, models: list[str], *, source: str | None, actor: str, protocol: str = "ratio-811",
             seed: int = 2024, k: int = 10, policy: InteractionPolicy | None = None, save_split: Path | None = None,
             param_grids: dict[str, dict[str, list[Any]]] | None = None, trials: int | None = None) -> EvaluationResult:
    """Tune each model on the validation part, report it on the test part (see museion.recommend.evaluation.run)."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise MuseionError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(sorted(MODELS))}")
    applied, _events = read_interactions(engine, policy or DEFAULT_POLICY, source=source, actor=actor)
    interactions = applied.interactions
    split = _split(interactions, protocol, seed)
    features, genres = content_features(engine, interactions)
    if save_split is not None:
        write_split_csv(save_split, interactions, split)
    reports = evaluate_models(interactions, split, models, k=k, seed=seed, param_grids=param_grids,
                              item_features=features, item_genres=genres, trials=trials)
    sizes = {"members": interactions.n_members, "works": interactions.n_works, "interactions": int(interactions.matrix.nnz),
             "train": len(split.train), "valid": len(split.valid), "test": len(split.test)}
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="model.evaluate", target=audit.ref("source", source or "all"),
                     details={"models": sorted(models), "protocol": protocol, "seed": seed, "k": k,
                              "data_fingerprint": interactions.fingerprint(), **sizes})
    return EvaluationResult(source, protocol, seed, k, policy_record(applied), sizes, reports)


def holdout_evaluation(engine: Engine, algorithm: str, params: dict[str, Any], *, source: str | None, actor: str,
                       policy: InteractionPolicy | None = None, seed: int = 2024) -> dict[str, Any]:
    """Ratio-811 test metrics of exactly these parameters, to record with a model version."""
    grid = {algorithm: {name: [value] for name, value in params.items()}}
    result = evaluate(engine, [algorithm], source=source, actor=actor, seed=seed, policy=policy, param_grids=grid).as_dict()
    return {"protocol": result["protocol"], "seed": seed, "sizes": result["sizes"], "metrics": result["models"][0]["metrics"]}


@dataclass(frozen=True)
class TrainingPlan:
    """What to train: the algorithm (after routing), its parameters (after any search) and what to record."""

    algorithm: str
    params: dict[str, Any]
    evaluation: dict[str, Any]
    """Held-out metrics, plus ``search`` (its cost and choice) and ``routing`` (why another model) when they happened."""


def plan_training(engine: Engine, algorithm: str, params: dict[str, Any] | None = None, *, source: str | None,
                  actor: str, policy: InteractionPolicy | None = None, seed: int = 2024, tune: bool = False,
                  trials: int | None = None, evaluate: bool = True) -> TrainingPlan:
    """Route ``algorithm`` by catalogue size, search its parameters on a ratio-811 validation part when ``tune``
    (parameters given in ``params`` stay fixed), and evaluate the result on the test part when ``evaluate``."""
    known_algorithm(algorithm)
    applied, _events = read_interactions(engine, policy or DEFAULT_POLICY, source=source, actor=actor)
    interactions = applied.interactions
    choice = choose_algorithm(algorithm, interactions.n_works)
    params, record = dict(params or {}), {}
    if choice.reason:
        record["routing"] = choice.record()
    if tune:
        holdout = Holdout.from_split(interactions, _split(interactions, "ratio-811", seed))
        features = content_features(engine, interactions)[0] if choice.algorithm == "content" else None
        space = {p: d for p, d in SPACES.get(choice.algorithm, {}).items() if p not in params}
        found = search(choice.algorithm, holdout.train, holdout.valid, seed=seed, trials=trials, item_features=features,
                       space=space)
        params = {**params, **found.params}
        record["search"] = {**found.cost(), "params": found.params, "space": sorted(space)}
    if evaluate:
        record.update(holdout_evaluation(engine, choice.algorithm, params, source=source, actor=actor, policy=policy,
                                         seed=seed))
    return TrainingPlan(choice.algorithm, params, record)


def known_algorithm(algorithm: str) -> None:
    """Refuse a name that is neither a model nor ``auto``."""
    if algorithm not in MODELS and algorithm != AUTO:
        raise MuseionError(f"unknown model {algorithm!r}; choose from {', '.join(sorted(MODELS))} or {AUTO}")


def train(engine: Engine, home: Path, algorithm: str, *, source: str | None, actor: str, params: dict[str, Any] | None = None,
          policy: InteractionPolicy | None = None, evaluation: dict[str, Any] | None = None, seed: int = 2024) -> ModelVersion:
    """Fit ``algorithm`` on all events under ``policy``, save the artifact and record the model version.

    ``auto`` and ``ease`` are routed by catalogue size (:func:`~museion.recommend.models.capacity.choose_algorithm`):
    ``auto`` becomes ALS when EASE's matrix would not fit, with the reason recorded; ``ease`` is then refused.
    """
    known_algorithm(algorithm)
    applied, events = read_interactions(engine, policy or DEFAULT_POLICY, source=source, actor=actor)
    interactions = applied.interactions
    choice = choose_algorithm(algorithm, interactions.n_works)
    algorithm = choice.algorithm
    if choice.reason:
        evaluation = {**(evaluation or {}), "routing": choice.record()}
    kinds, counts = np.unique(events.kinds, return_counts=True)
    cls = MODELS[algorithm]
    params = dict(params or {})
    if "random_state" in inspect.signature(cls).parameters:
        params.setdefault("random_state", seed)
    try:
        model = cls(**params)
    except TypeError as exc:
        raise MuseionError(f"bad parameters for {algorithm}: {exc}") from None
    features = content_features(engine, interactions)[0] if algorithm == "content" else None
    model.fit(interactions.matrix, item_features=features,
              timestamps=interactions.last_timestamp if algorithm == "trending" else None)

    with Session(engine, expire_on_commit=False) as session, session.begin():
        recorded_policy = {**policy_record(applied), "main_event_kind": str(kinds[np.argmax(counts)])}
        version = ModelVersion(algorithm=algorithm, params=model.get_params(), policy=recorded_policy, source=source,
                               data_fingerprint=interactions.fingerprint(), artifact="", n_members=interactions.n_members,
                               n_works=interactions.n_works, evaluation=evaluation or {})
        session.add(version)
        session.flush()
        version.artifact = str(Path("models") / f"{version.id:06d}-{algorithm}")
        # the version row rolls back with a failed save, which leaves no folder behind
        save_artifact(home, version.artifact, model, interactions, data_fingerprint=version.data_fingerprint, evaluation=evaluation)
        audit.record(session.connection(), actor=actor, action="model.train", target=f"model_version:{version.id}",
                     details={"algorithm": algorithm, "source": audit.ref("source", source or "all"),
                              "data_fingerprint": version.data_fingerprint, "members": interactions.n_members,
                              "works": interactions.n_works, "interactions": int(interactions.matrix.nnz)})
    return version


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs from the command line, values read as JSON where they parse (numbers, booleans)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise MuseionError(f"expected NAME=VALUE, got {pair!r}")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    return params
