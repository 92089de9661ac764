"""Serving one model version in process: top-k lists with a reason for every item, checked against the member's
consent and controls at request time, and logged as served (``museion.privacy.served``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from museion.catalog.models import Work
from museion.privacy import gate, preferences
from museion.privacy.served import Shown, StaffRead, log_entry
from museion.recommend.artifacts import load_artifact
from museion.recommend.explain import Explanation, event_verb, reason_text
from museion.recommend.interactions import Interactions
from museion.recommend.models import ContentBased, MostPopular, Recommender
from museion.recommend.serve import Fallback, MemberRecommendations, recommend_all, recommend_for_member
from museion.registry.disclosure import DISCLOSURE_URL
from museion.registry.lifecycle import servable
from museion.registry.models import ModelVersion
from museion.rights.availability import Availability, unavailable
from museion.store.batches import rows_in_batches

ModelWrapper = Callable[[Recommender, dict[str, Any], Interactions, Engine], Recommender]
"""Wraps a version's fitted model for serving, given the version's parameters (e.g. with the re-ranker they name)."""


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

    def __init__(self, engine: Engine, home: Path, version_id: int | None = None, *, wrap: ModelWrapper) -> None:
        """Serve the deployed version (naming any other version, or none being deployed, is refused), its fitted
        model passed through ``wrap`` (``museion.fairness.serving.open_recommender`` adds the version's re-ranker)."""
        self.engine = engine
        with Session(engine) as session:  # deployed, and unchanged since its card was reviewed (museion.registry)
            version = session.get(ModelVersion, servable(session.connection(), home, version_id).id)
        assert version is not None
        self.version = version
        model, self.manifest, self.interactions = load_artifact(home, version.artifact)
        self.model = wrap(model, version.params, self.interactions, engine)
        self.fallback = Fallback.from_model(MostPopular().fit(self.interactions.matrix))
        self.works: dict[int, tuple[str, str, str]] = {}
        with engine.connect() as conn:
            rows = rows_in_batches(conn, lambda ids: select(Work.id, Work.key, Work.title, Work.kind).where(Work.id.in_(ids)),
                                   self.interactions.work_ids.tolist())
            self.works.update({int(i): (k, t, kd) for i, k, t, kd in rows})
        self._row = {int(m): r for r, m in enumerate(self.interactions.member_ids)}
        self._licensed: tuple[Availability, np.ndarray] | None = None
        work_kinds = {kind for _k, _t, kind in self.works.values()}
        # "Because you rated …" for a model learned from ratings, "watched" for views of films, …
        self.verb = event_verb(version.policy.get("main_event_kind", "view"),
                               next(iter(work_kinds)) if len(work_kinds) == 1 else None)

    def candidates(self, kind: str | None, allowed: Availability | None = None) -> np.ndarray | None:
        """Mask of works to consider: of ``kind``, and licensed for display where and when ``allowed`` says."""
        mask = None if kind is None else np.array([self.works.get(int(w), ("", "", ""))[2] == kind
                                                   for w in self.interactions.work_ids])
        if allowed is not None and allowed.blocked:
            cached = self._licensed
            if cached is None or cached[0] is not allowed:  # one mask per (territory, day, licences) state
                cached = self._licensed = (allowed, ~np.isin(self.interactions.work_ids, list(allowed.blocked)))
            mask = cached[1] if mask is None else mask & cached[1]
        return mask

    def recommend(self, member_key: str, k: int = 10, *, actor: str, kind: str | None = None, personalise: bool = True,
                  log: bool = True, territory: str | None = None, conn: Connection | None = None) -> ServedList:
        """Top-k for a member; without consent (checked now, not at training time) the list is not personalised.

        The member's own controls are read now too (personalisation switched off, deleted interest tags). With
        ``log`` the list is logged as shown to the member; without, it is a staff preview, recorded as a staff read
        by ``actor`` (who asks: the member themselves, staff, the CLI), never as shown. Only works licensed for
        display in ``territory`` (default: the configured one) today are served (``museion.rights.availability``).
        The reads go through ``conn`` when given (the request's one connection), else through a connection of their own."""
        if conn is None:
            with self.engine.connect() as own:
                allowed, member_id, consented, mine, hidden = self._now(own, member_key, actor, territory)
        else:
            allowed, member_id, consented, mine, hidden = self._now(conn, member_key, actor, territory)
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
        candidates = self.candidates(kind, allowed)
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
        # off the request path where the app runs a deferred log: a held write lock never fails the read
        log_entry(self.engine, Shown(member_id, self.version.id, served.personalised, served.not_personalised_because,
                                     [i.work_id for i in served.items]) if log else
                  StaffRead(actor, gate.PERSONALISATION, member_id, "recommendations"))
        return served

    @staticmethod
    def _now(conn: Connection, member_key: str, actor: str,
             territory: str | None) -> tuple[Availability, int, bool, preferences.Controls, set[int]]:
        """What the request must read now: licensed works, the member's id, consent, controls and hidden works."""
        allowed = unavailable(conn, "display", territory)
        member_id = gate.member_id_for(conn, member_key, purpose=gate.PERSONALISATION, actor=actor)
        consented = gate.may_use(conn, member_id, gate.PERSONALISATION)
        mine = preferences.controls(conn, member_id)
        hidden = set(preferences.works_with(conn, mine.suppressed).tolist()) if mine.suppressed else set()
        return allowed, member_id, consented, mine, hidden

    def _uncited(self, why: Explanation, hidden: set[int], title: Callable[[int], str]) -> tuple[list[tuple[int, float]], str]:
        """The explanation without history works carrying a tag the member deleted (sentence rewritten if any went)."""
        kept = [(i, w) for i, w in why.contributions if int(self.interactions.work_ids[i]) not in hidden]
        if len(kept) == len(why.contributions):
            return why.contributions, why.reason
        aspect = "genre" if isinstance(self.model, ContentBased) else None
        return kept, reason_text(kept, title, rule=why.rule, verb=self.verb, aspect=aspect)

    def recommend_all(self, k: int, out: IO[str], *, actor: str, progress: Callable[[int], None] | None = None) -> int:
        """Top-k for every member the model knows, as JSON Lines (member key, work keys, scores); only works licensed
        for display in the configured territory today."""
        with self.engine.connect() as conn:
            allowed = unavailable(conn, "display")
        items, scores = recommend_all(self.model, self.interactions, k, progress=progress,
                                      candidates=self.candidates(None, allowed))
        ids = self.interactions.member_ids.tolist()
        with self.engine.begin() as conn:  # the gate records the look-up
            keys = gate.member_keys(conn, ids, purpose=gate.PERSONALISATION, actor=actor)
        for row, member_id in enumerate(ids):
            if member_id not in keys:  # an erased member's emptied row
                continue
            valid = items[row] >= 0
            works = [self.works[int(self.interactions.work_ids[i])][0] for i in items[row][valid]]
            out.write(json.dumps({"member": keys[member_id], "works": works,
                                  "scores": [round(float(x), 6) for x in scores[row][valid]]}) + "\n")
        return len(keys)
