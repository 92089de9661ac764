"""The studio's subject suggester as API endpoints: its current version and figures, training a new version, proposing
a round of AI-made suggestions into the review queue, and the reliability of its confidence. Curators hold
``studio:suggest``; people decide the suggestions in the queue (``/api/queue``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.http.authz import requires
from museion.http.deps import ConnDep, HomeDep, TxDep
from museion.jobs_kinds import QueueDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.collab import reporting
from museion.studio import exhibitions, suggestions

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


@router.get("/exhibitions", summary="Exhibition plans curators accepted, as drafted or edited, newest first")
def list_exhibitions(conn: ConnDep, _: Suggester) -> list[dict[str, Any]]:
    return exhibitions.exhibitions(conn)
