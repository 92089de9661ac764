"""Recommendations for a member, with the reason for every item."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from museion.api.routes_catalog import WorkKind
from museion.http.authz import requires
from museion.http.deps import ServedModelDep, SessionDep
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY, Perm

router = APIRouter(prefix="/api", tags=["recommendations"])


class Because(BaseModel):
    work_id: int
    title: str
    weight: float = Field(description="How much this work in the member's history contributed.")


class RecommendedWork(BaseModel):
    work_id: int
    key: str
    title: str
    kind: str
    score: float | None = Field(description="The model's score; null for non-personalised lists.")
    model: str = Field(description="The model or rule that produced the item.")
    rule: str | None = Field(description="popular / trending / editorial when not personalised.")
    reason: str = Field(examples=["Because you rated Heat and Ronin"])
    because: list[Because]


class RecommendationsOut(BaseModel):
    member: str
    personalised: bool = Field(description="False means a labelled non-personalised list (see rule).")
    rule: str | None
    model_version: int | None
    not_personalised_because: str | None = Field(examples=["the member has not consented to personalisation"])
    items: list[RecommendedWork]
    disclosure_url: str = Field(description="How our recommendations work: the public disclosure of the deployed model.",
                                examples=["/api/disclosure"])


@router.get("/members/{member}/recommendations", response_model=RecommendationsOut,
            summary="Top-k works for a member, each with its reason")
def recommendations(
    principal: Annotated[Principal, requires(Perm.MEMBER_RECOMMENDATIONS, member="member")],
    model: ServedModelDep,
    db: SessionDep,
    member: Annotated[str, Path(max_length=255, description="The member's pseudonymous key, e.g. movielens:1.")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[WorkKind | None, Query(description="Only works of this kind.")] = None,
    personalise: Annotated[bool, Query(description="false gives the labelled non-personalised list.")] = True,
    territory: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="The member's ISO 3166-1 alpha-2 "
                                           "territory: only works licensed there today (default: the configured one).")] = None,
) -> dict[str, Any]:
    # a member's own request is a list shown to them; staff see a preview, recorded as a staff read
    served = model.recommend(member, k, actor=principal.actor, kind=kind.value if kind else None, personalise=personalise,
                             log=principal.role in SELF_ONLY, territory=territory, session=db)  # authentication's connection
    return served.as_dict()  # validated once, by the response model
