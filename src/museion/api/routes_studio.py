"""The studio's subject suggester as API endpoints: its current version and figures, training a new version, proposing
a round of AI-made suggestions into the review queue, and the reliability of its confidence. Curators hold
``studio:suggest``; people decide the suggestions in the queue (``/api/queue``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.api.schemas import CreatorOut, WorkOut, creator_out
from museion.catalog import queries
from museion.config import get_settings
from museion.http.authz import requires
from museion.http.deps import ConnDep, HomeDep, SessionDep, TxDep
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.collab import reporting
from museion.studio import descriptions, exhibitions, related, search, suggestions

router = APIRouter(prefix="/api/studio", tags=["studio"])
Suggester = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
WorkKey = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f]+$", examples=["tate:1035"])]


class VersionOut(BaseModel):
    id: int
    task: str = Field(examples=["subjects"])
    algorithm: str
    n_works: int = Field(description="Works indexed: those with subjects or with decisions.")
    created_at: datetime
    evaluation: dict[str, Any] = Field(description="precision@5 and the popularity floor on held-out works, ECE raw and "
                                                   "recalibrated, the reliability bins, what the recalibrator was fitted on.")


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    work_keys: list[WorkKey] | None = Field(default=None, max_length=200, description="Works to propose for (at most 200 in a "
                                            "request); else works without subjects.")
    limit: int = Field(default=20, ge=1, le=200, description="Without work_keys: at most this many works without subjects "
                       "(a round answers in the request: about 2 s per 100 works; larger rounds: `museion studio suggest`).")
    version_id: int | None = Field(default=None, ge=1, le=2**62, description="A suggester version (default: the newest).")


class SubjectOut(BaseModel):
    subject: str
    score: float = Field(description="The similar works' weighted vote, in [0, 1].")
    confidence: float = Field(description="The score recalibrated on people's decisions.")
    voters: list[str] = Field(description="Keys of the similar works that voted for it.")


class ProposedOut(BaseModel):
    proposal_id: int
    work_key: str
    title: str
    ai_made: bool = Field(default=True, description="Always true: these are an AI's suggestions, decided by a person.")
    model_version_id: int
    subjects: list[SubjectOut]


class CalibrationOut(BaseModel):
    version_id: int
    evaluation: dict[str, Any]
    decided: int = Field(description="Suggested subjects people decided (accepted, edited, rejected or undone).")
    ece: float = Field(description="Expected calibration error of the confidence people saw, over those decisions.")
    reliability: list[dict[str, Any]]


@router.get("/suggester", response_model=VersionOut, summary="The current subject-suggester version and its figures")
def current(conn: ConnDep, _: Suggester) -> VersionOut:
    return VersionOut(**suggestions.current_version(conn))


@router.post("/suggester", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Train a new subject-suggester version on the catalogue and every decision so far (a job)")
def train(request: Request, principal: Suggester, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "subject_training", {})


@router.post("/suggestions", response_model=list[ProposedOut], status_code=201,
             summary="Propose AI-made subject suggestions for works into the review queue (one proposal per work)")
def propose(body: SuggestIn, principal: Suggester, conn: TxDep, home: HomeDep) -> list[ProposedOut]:
    done = suggestions.propose_round(conn, home, keys=body.work_keys, limit=body.limit, version_id=body.version_id,
                                     requested_by=principal.actor)
    return [ProposedOut(proposal_id=p.proposal_id, work_key=p.work_key, title=p.title, model_version_id=p.model_version_id,
                        subjects=[SubjectOut(subject=s.subject, score=s.score, confidence=s.confidence, voters=list(s.voters))
                                  for s in p.found.suggestions]) for p in done]


@router.get("/calibration", response_model=CalibrationOut,
            summary="Reliability of the suggester's confidence against what people accepted")
def calibration(conn: ConnDep, _: Suggester,
                version_id: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> CalibrationOut:
    return CalibrationOut(**suggestions.calibration_report(conn, version_id))


class ExhibitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    theme: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f]+$", examples=["sea"])
    works: int = Field(default=12, ge=exhibitions.MIN_WORKS, le=exhibitions.MAX_WORKS)
    title: str | None = Field(default=None, max_length=255)


class ExhibitionOut(BaseModel):
    proposal_id: int = Field(description="The draft in the collaboration queue, where two curators decide it.")
    works: list[str]
    choices: list[str] = Field(description="Why each work: the sub-themes, creator and medium it adds.")


@router.post("/exhibitions", response_model=ExhibitionOut, status_code=201,
             summary="Draft an exhibition on a theme (AI-made) and queue it for two curators")
def draft_exhibition(body: ExhibitionIn, principal: Suggester, conn: TxDep) -> ExhibitionOut:
    found = exhibitions.propose_exhibition(conn, body.theme, size=body.works, title=body.title, proposed_by=principal.actor)
    draft = reporting.proposal(conn, found)
    return ExhibitionOut(proposal_id=found, works=draft["payload"]["works"], choices=draft["evidence"]["choices"])


class WalltextIn(BaseModel):
    key: WorkKey
    generate: bool = Field(default=False, description="Let the configured OpenAI-compatible endpoint write it (off unless set up).")


@router.post("/walltexts", status_code=201, summary="Draft a work's wall text (template-made, AI-labelled) and queue it for a curator")
def draft_walltext(body: WalltextIn, principal: Suggester, conn: TxDep, home: HomeDep) -> dict[str, Any]:
    found = descriptions.propose_walltext(conn, home, body.key, proposed_by=principal.actor,
                                          endpoint=get_settings() if body.generate else None)
    return reporting.proposal(conn, found)


class RelatedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: WorkKey
    limit: int = Field(default=5, ge=1, le=related.MOST, description="At most this many related works are proposed.")


@router.post("/related", status_code=201,
             summary="Propose works related to one (\"more like this\" in the search index) for a curator to accept as links")
def propose_related(body: RelatedIn, principal: Suggester, conn: TxDep, home: HomeDep) -> list[dict[str, Any]]:
    return [reporting.proposal(conn, i) for i in related.propose_related(conn, home, body.key, limit=body.limit,
                                                                         proposed_by=principal.actor)]


@router.get("/exhibitions", summary="Exhibition plans curators accepted, as drafted or edited, newest first")
def list_exhibitions(conn: ConnDep, _: Suggester) -> list[dict[str, Any]]:
    return exhibitions.exhibitions(conn)


# --- search ------------------------------------------------------------------------------------------

Reader = Annotated[Principal, requires(Perm.CATALOG_READ)]
FacetValue = Annotated[str | None, Query(max_length=512)]


class FacetOut(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    items: list[WorkOut]
    scores: list[float] = Field(description="Each item's BM25F score (0 for an empty search, ordered well-described first).")
    total: int
    offset: int
    limit: int
    facets: dict[str, list[FacetOut]] = Field(description="Top values of kind, source, creator, subject, genre, movement, "
                                                           "era, medium and availability among the works found.")
    corrections: dict[str, str] = Field(description="Query terms the index lacks → the term searched instead (typos).")
    terms: list[str] = Field(description="The index terms searched (stemmed; Chinese words with their English terms).")
    built_at: str = Field(description="When the search index was built: works added since are found after a rebuild.")


@router.get("/search", response_model=SearchOut, summary="Search works by words, names and subjects, in English or Chinese")
def search_works(
    session: SessionDep, home: HomeDep, _: Reader,
    q: Annotated[str | None, Query(max_length=search.MAX_QUERY, examples=["Turner"], description="Words in any field; "
                                   "operators and quotes are plain punctuation. Empty: all works, well-described first.")] = None,
    kind: FacetValue = None, source: FacetValue = None, creator: FacetValue = None, subject: FacetValue = None,
    genre: FacetValue = None, movement: FacetValue = None, era: FacetValue = None, medium: FacetValue = None,
    availability: Annotated[Literal["available", "unavailable", "any"], Query()] = "available",
    territory: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> SearchOut:
    filters = {"kind": kind, "source": source, "creator": creator, "subject": subject, "genre": genre, "movement": movement,
               "era": era, "medium": medium}
    found = search.search_works(session.connection(), home, q, filters=filters, availability=availability,
                                territory=territory, offset=offset, limit=limit)
    works = queries.works_by_ids(session, found.ids)
    score = dict(zip(found.ids, found.scores))
    return SearchOut(items=[WorkOut.of(w) for w in works], scores=[score[w.id] for w in works], total=found.total,
                     offset=offset, limit=limit, corrections=found.corrections, terms=found.terms, built_at=found.built_at,
                     facets={k: [FacetOut(value=v, count=n) for v, n in vs] for k, vs in found.facets.items()})


@router.get("/search/like/{work_id}", response_model=list[WorkOut], summary="More like this: works sharing a work's terms")
def like_this(session: SessionDep, home: HomeDep, _: Reader, work_id: Annotated[int, Path(ge=1, le=2**62)],
              limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[WorkOut]:
    found = search.more_like_this(session.connection(), home, work_id, limit=limit)
    return [WorkOut.of(w) for w in queries.works_by_ids(session, [i for i, _ in found])]


@router.get("/search/creators", response_model=list[CreatorOut], summary="Creators by name, nationality or birth place")
def search_creators(session: SessionDep, home: HomeDep, _: Reader,
                    q: Annotated[str, Query(min_length=1, max_length=search.MAX_QUERY)],
                    limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[CreatorOut]:
    return [creator_out(queries.get_creator(session, i)) for i in search.search_creators(home, q, limit=limit)]


@router.post("/search/index", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Build the catalogue search index of works and creators (a job)")
def build_index(request: Request, principal: Suggester, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "search_index", {})
