"""Recommendation services: train a model version from the store, evaluate on a dataset, and serve.

This is the I/O edge around the pure cores: it reads events (through ``museion.audience``), builds
interactions under a declared policy, fits, saves the artifact and records the version.
"""

from __future__ import annotations

import inspect
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

import numpy as np
from scipy.sparse import csr_matrix
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from museion.audience import preferences
from museion.audience.activity import EventArrays, member_id_for
from museion.catalog.features import term_matrix
from museion.errors import MuseionError
from museion.evaluation.run import ModelReport, evaluate_models, write_split_csv
from museion.evaluation.splits import Split, make_split
from museion.privacy.gate import may_use, read_activity
from museion.recommend.artifacts import load_model, save_model
from museion.recommend.explain import Explanation, event_verb, reason_text
from museion.recommend.interactions import InteractionPolicy, Interactions, build_interactions
from museion.recommend.models import MODELS, ContentBased, MostPopular
from museion.recommend.serve import Fallback, MemberRecommendations, recommend_all, recommend_for_member
from museion.recommend.served import log_served
from museion.registry.disclosure import DISCLOSURE_URL
from museion.registry.lifecycle import NoModel as NoModel  # re-exported: serving raises it
from museion.registry.lifecycle import servable
from museion.security import audit
from museion.store.models import Member, ModelVersion, Work

PROTOCOLS = ("ratio-811", "loo", "time")
PURPOSE = "personalisation"
CONTENT_VOCABULARIES = ("genre", "subject", "movement")


def policy_record(policy: InteractionPolicy) -> dict[str, Any]:
    """The policy as stored with a model version (the consent seam is recorded by whether it was set)."""
    record = {k: v for k, v in asdict(policy).items() if k != "member_filter"}
    record["kinds"] = sorted(policy.kinds)
    record["member_filter"] = policy.member_filter is not None
    return record


def load_interactions(engine: Engine, policy: InteractionPolicy, *, source: str | None,
                      actor: str) -> tuple[Interactions, EventArrays]:
    """Events of ``source`` (all when None) → interactions under ``policy``.

    The events come through the privacy gate for the personalisation purpose: members who have not
    consented never reach a model, and the read is recorded against ``actor``.
    """
    with engine.begin() as conn:
        events = read_activity(conn, purpose=PURPOSE, actor=actor, source=source, kinds=policy.kinds)
    if not len(events):
        where = f" from source {source!r}" if source else ""
        raise MuseionError(f"no events{where} of kinds {', '.join(sorted(policy.kinds))} from members who consented "
                           f"to {PURPOSE}: load activity and consents first")
    interactions = build_interactions(events.member_ids, events.work_ids, events.kinds, events.values,
                                      events.timestamps if events.has_timestamps else None, policy)
    if interactions.matrix.nnz == 0:
        raise MuseionError("the interaction policy leaves no interactions (lower the rating threshold or k-core)")
    return interactions, events


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
                        "fit_seconds": r.fit_seconds, "recommend_seconds": r.recommend_seconds} for r in self.reports],
        }


def evaluate(engine: Engine, models: list[str], *, source: str | None, actor: str, protocol: str = "ratio-811",
             seed: int = 2024, k: int = 10, policy: InteractionPolicy | None = None, save_split: Path | None = None,
             param_grids: dict[str, dict[str, list[Any]]] | None = None) -> EvaluationResult:
    """Tune each model on the validation part, report it on the test part (see museion.evaluation.run)."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise MuseionError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(sorted(MODELS))}")
    policy = policy or InteractionPolicy(min_member_interactions=5, min_work_interactions=5)
    interactions, _events = load_interactions(engine, policy, source=source, actor=actor)
    split = _split(interactions, protocol, seed)
    features, genres = content_features(engine, interactions)
    if save_split is not None:
        write_split_csv(save_split, interactions, split)
    reports = evaluate_models(interactions, split, models, k=k, seed=seed, param_grids=param_grids,
                              item_features=features, item_genres=genres)
    sizes = {"members": interactions.n_members, "works": interactions.n_works, "interactions": int(interactions.matrix.nnz),
             "train": len(split.train), "valid": len(split.valid), "test": len(split.test)}
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="model.evaluate", target=audit.ref("source", source or "all"),
                     details={"models": sorted(models), "protocol": protocol, "seed": seed, "k": k,
                              "data_fingerprint": interactions.fingerprint(), **sizes})
    return EvaluationResult(source, protocol, seed, k, policy_record(policy), sizes, reports)


def holdout_evaluation(engine: Engine, algorithm: str, params: dict[str, Any], *, source: str | None, actor: str,
                       policy: InteractionPolicy | None = None, seed: int = 2024) -> dict[str, Any]:
    """Ratio-811 test metrics of exactly these parameters, to record with a model version."""
    grid = {algorithm: {name: [value] for name, value in params.items()}}
    result = evaluate(engine, [algorithm], source=source, actor=actor, seed=seed, policy=policy, param_grids=grid).as_dict()
    return {"protocol": result["protocol"], "seed": seed, "sizes": result["sizes"], "metrics": result["models"][0]["metrics"]}


def train(engine: Engine, home: Path, algorithm: str, *, source: str | None, actor: str, params: dict[str, Any] | None = None,
          policy: InteractionPolicy | None = None, evaluation: dict[str, Any] | None = None, seed: int = 2024) -> ModelVersion:
    """Fit ``algorithm`` on all events under ``policy``, save the artifact and record the model version."""
    if algorithm not in MODELS:
        raise MuseionError(f"unknown model {algorithm!r}; choose from {', '.join(sorted(MODELS))}")
    policy = policy or InteractionPolicy(min_member_interactions=5, min_work_interactions=5)
    interactions, events = load_interactions(engine, policy, source=source, actor=actor)
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
        recorded_policy = {**policy_record(policy), "main_event_kind": str(kinds[np.argmax(counts)])}
        version = ModelVersion(algorithm=algorithm, params=model.get_params(), policy=recorded_policy, source=source,
                               data_fingerprint=interactions.fingerprint(), artifact="", n_members=interactions.n_members,
                               n_works=interactions.n_works, evaluation=evaluation or {})
        session.add(version)
        session.flush()
        folder = Path("models") / f"{version.id:06d}-{algorithm}"
        version.artifact = str(folder)
        try:
            save_model(model, home / folder / "model", data_fingerprint=version.data_fingerprint, evaluation=evaluation)
            _save_index(home / folder / "interactions.npz", interactions)
        except BaseException:
            shutil.rmtree(home / folder, ignore_errors=True)  # the version row rolls back with it
            raise
        audit.record(session.connection(), actor=actor, action="model.train", target=f"model_version:{version.id}",
                     details={"algorithm": algorithm, "source": audit.ref("source", source or "all"),
                              "data_fingerprint": version.data_fingerprint, "members": interactions.n_members,
                              "works": interactions.n_works, "interactions": int(interactions.matrix.nnz)})
    return version


def _save_index(path: Path, interactions: Interactions) -> None:
    m = interactions.matrix
    np.savez(path, allow_pickle=False, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
             member_ids=interactions.member_ids, work_ids=interactions.work_ids)


def load_index(path: Path) -> Interactions:
    with np.load(path, allow_pickle=False) as z:
        matrix = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return Interactions(matrix, z["member_ids"], z["work_ids"], None)


@dataclass(frozen=True)
class ServedItem:
    work_id: int
    key: str
    title: str
    kind: str
    score: float | None
    model: str
    rule: str | None
    reason: str
    because: list[dict[str, Any]]


@dataclass(frozen=True)
class ServedList:
    member: str
    personalised: bool
    rule: str | None
    model_version: int | None
    not_personalised_because: str | None
    items: list[ServedItem]
    disclosure_url: str = DISCLOSURE_URL  # "How our recommendations work", reachable from the feed (DSA art. 27)

    def as_dict(self) -> dict[str, Any]:
        # One level of copying by hand: dataclasses.asdict deep-copies every nested value, a fifth of a
        # served request's time under load (benchmarks/load_bench.py).
        return {**{f.name: getattr(self, f.name) for f in fields(self) if f.name != "items"},
                "items": [{f.name: getattr(item, f.name) for f in fields(item)} for item in self.items]}


class RecommenderService:
    """In-process serving of one model version: top-k with an explanation for every item."""

    def __init__(self, engine: Engine, home: Path, version_id: int | None = None) -> None:
        """Serve the deployed version; naming any other version (or none being deployed) is refused."""
        self.engine = engine
        with Session(engine) as session:  # deployed, and unchanged since its card was reviewed (museion.registry)
            version = session.get(ModelVersion, servable(session.connection(), home, version_id).id)
        assert version is not None
        self.version = version
        folder = home / version.artifact
        self.model, self.manifest = load_model(folder / "model")
        self.interactions = load_index(folder / "interactions.npz")
        from museion.fairness.serving import with_reranker  # the version's re-ranker, if its parameters name one

        self.model = with_reranker(self.model, version.params, self.interactions, engine)
        self.fallback = Fallback.from_model(MostPopular().fit(self.interactions.matrix))
        ids = self.interactions.work_ids.tolist()
        self.works: dict[int, tuple[str, str, str]] = {}
        with engine.connect() as conn:
            for start in range(0, len(ids), 900):
                rows = conn.execute(select(Work.id, Work.key, Work.title, Work.kind).where(Work.id.in_(ids[start:start + 900])))
                self.works.update({int(i): (k, t, kd) for i, k, t, kd in rows})
        self._row = {int(m): r for r, m in enumerate(self.interactions.member_ids)}
        work_kinds = {kind for _k, _t, kind in self.works.values()}
        # "Because you rated …" for a model learned from ratings, "watched" for views of films, …
        self.verb = event_verb(version.policy.get("main_event_kind", "view"),
                               next(iter(work_kinds)) if len(work_kinds) == 1 else None)

    def candidates(self, kind: str | None) -> np.ndarray | None:
        """Mask of works to consider (the seam where availability and rights filters join)."""
        if kind is None:
            return None
        return np.array([self.works.get(int(w), ("", "", ""))[2] == kind for w in self.interactions.work_ids])

    def recommend(self, member_key: str, k: int = 10, *, kind: str | None = None, personalise: bool = True,
                  log: bool = True) -> ServedList:
        """Top-k for a member; without consent (checked now, not at training time) the list is not personalised.

        The member's own controls are read now too (personalisation switched off, deleted interest tags),
        and the list served is logged — unless ``log`` is off because staff only preview it."""
        with self.engine.connect() as conn:
            member_id = member_id_for(conn, member_key)
            consented = may_use(conn, member_id, PURPOSE)
            mine = preferences.controls(conn, member_id)
            hidden = set(preferences.works_with(conn, mine.suppressed).tolist()) if mine.suppressed else set()
        row = self._row.get(member_id)
        if not personalise:
            why_not = "personalisation is switched off"
        elif not mine.personalise:
            why_not = "the member switched personalisation off"
        elif not consented:
            why_not = "the member has not consented to personalisation"
        elif row is None:
            why_not = "the member has no history the model knows"
        else:
            why_not = None
        personalise = personalise and consented and mine.personalise
        title = lambda index: self.works[int(self.interactions.work_ids[index])][1]  # noqa: E731
        candidates = self.candidates(kind)
        if hidden:  # works carrying a tag the member deleted are never shown
            keep = ~np.isin(self.interactions.work_ids, list(hidden))
            candidates = keep if candidates is None else candidates & keep
        result: MemberRecommendations = recommend_for_member(
            self.model, self.interactions, row, k, fallback=self.fallback, candidates=candidates,
            personalise=personalise, title=title, verb=self.verb)
        items = []
        for rec in result.items:
            key, work_title, work_kind = self.works[rec.work_id]
            contributions, reason = self._uncited(rec.explanation, hidden, title)
            because = [{"work_id": int(self.interactions.work_ids[i]), "title": title(i), "weight": round(float(w), 6)}
                       for i, w in contributions]
            items.append(ServedItem(rec.work_id, key, work_title, work_kind, rec.score, rec.explanation.model,
                                    rec.explanation.rule, reason, because))
        served = ServedList(member_key, result.personalised, result.rule, self.version.id,
                            why_not if not result.personalised else None, items)
        if not log:
            return served
        with self.engine.begin() as conn:
            log_served(conn, member_id=member_id, model_version_id=self.version.id, personalised=served.personalised,
                       not_personalised_because=served.not_personalised_because, work_ids=[i.work_id for i in served.items])
        return served

    def _uncited(self, why: Explanation, hidden: set[int], title: Callable[[int], str]) -> tuple[list[tuple[int, float]], str]:
        """The explanation without history works carrying a tag the member deleted (sentence rewritten if any went)."""
        kept = [(i, w) for i, w in why.contributions if int(self.interactions.work_ids[i]) not in hidden]
        if len(kept) == len(why.contributions):
            return why.contributions, why.reason
        aspect = "genre" if isinstance(self.model, ContentBased) else None
        return kept, reason_text(kept, title, rule=why.rule, verb=self.verb, aspect=aspect)


    def recommend_all(self, k: int, out: IO[str], *, progress: Callable[[int], None] | None = None) -> int:
        """Top-k for every member the model knows, as JSON Lines (member key, work keys, scores)."""
        items, scores = recommend_all(self.model, self.interactions, k, progress=progress)
        keys: dict[int, str] = {}
        ids = self.interactions.member_ids.tolist()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 900):
                keys.update(conn.execute(select(Member.id, Member.key).where(Member.id.in_(ids[start:start + 900]))).all())
        for row, member_id in enumerate(ids):
            if member_id not in keys:  # an erased member's emptied row
                continue
            valid = items[row] >= 0
            works = [self.works[int(self.interactions.work_ids[i])][0] for i in items[row][valid]]
            out.write(json.dumps({"member": keys[member_id], "works": works,
                                  "scores": [round(float(x), 6) for x in scores[row][valid]]}) + "\n")
        return len(keys)


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

