"""The exhibition builder as API endpoints: build a plan from a theme (query, subject or seed works) with
representation targets, read it with its history, change it (swap, pin, unpin, move, rebuild — each a revision) and
publish it through the review queue, after which the curators' acceptance opens it at ``/gallery/{proposal}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from museion.http.authz import requires
from museion.http.deps import ConnDep, HomeDep, TxDep
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.studio import exhibitions, plans

router = APIRouter(prefix="/api/studio/plans", tags=["studio"])
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]
PlanId = Annotated[int, Path(ge=1, le=2**62)]
Target = Annotated[str, Field(min_length=3, max_length=200, examples=["gender=female:6"])]


class PlanIn(BaseModel):
    theme: str = Field(min_length=1, max_length=500, examples=["sea"], description="A query, a subject, or seed work keys (comma-separated).")
    by: Literal["query", "subject", "seeds"] = "query"
    works: int = Field(default=20, ge=exhibitions.MIN_WORKS, le=exhibitions.MAX_WORKS)
    title: str | None = Field(default=None, max_length=255)
    targets: list[Target] = Field(default_factory=list, max_length=20, description="DIMENSION=GROUP:COUNT, DIMENSION one of gender, nationality, era.")
    order: Literal["chronological", "similarity"] = "chronological"


class ChangeIn(BaseModel):
    op: Literal["swap", "pin", "unpin", "move", "rebuild"]
    key: str | None = Field(default=None, min_length=1, max_length=255, description="The work to change (not for rebuild).")
    other: str | None = Field(default=None, min_length=1, max_length=255, description="swap: the work to hang instead.")
    position: int | None = Field(default=None, ge=1, le=exhibitions.MAX_WORKS, description="move: the new place, from 1.")
    works: int | None = Field(default=None, ge=exhibitions.MIN_WORKS, le=exhibitions.MAX_WORKS, description="rebuild: the new size.")
    targets: list[Target] | None = Field(default=None, max_length=20, description="rebuild: new representation targets.")
    order: Literal["chronological", "similarity"] | None = None


@router.post("", status_code=201, summary="Build and save an exhibition plan (AI-made, every choice explained)")
def build(body: PlanIn, principal: Curator, conn: TxDep, home: HomeDep) -> dict[str, Any]:
    found = plans.create(conn, home, body.theme, actor=principal.actor, by=body.by, size=body.works, title=body.title,
                         targets=plans.parse_targets(body.targets), order=body.order)
    return plans.show(conn, found)


@router.get("", summary="Every exhibition plan, newest first")
def list_plans(_: Curator, conn: ConnDep) -> list[dict[str, Any]]:
    return plans.plans(conn)


@router.get("/{plan_id}", summary="A plan's current works and reasons, and every revision")
def show(plan_id: PlanId, _: Curator, conn: ConnDep) -> dict[str, Any]:
    return plans.show(conn, plan_id)


@router.post("/{plan_id}/revisions", status_code=201, summary="Swap, pin, unpin, move or rebuild: a new revision")
def change(plan_id: PlanId, body: ChangeIn, principal: Curator, conn: TxDep, home: HomeDep) -> dict[str, Any]:
    if body.op == "rebuild":
        plans.rebuild(conn, home, plan_id, actor=principal.actor, size=body.works, order=body.order,
                      targets=plans.parse_targets(body.targets) if body.targets is not None else None)
    else:
        plans.revise(conn, plan_id, actor=principal.actor, op=body.op, key=body.key or "", other=body.other, position=body.position)
    return plans.show(conn, plan_id)


@router.post("/{plan_id}/publish", status_code=201, summary="Send the plan to two curators; accepted, it opens as a public gallery")
def publish(plan_id: PlanId, principal: Curator, conn: TxDep) -> dict[str, Any]:
    found = plans.publish(conn, plan_id, actor=principal.actor)
    return {"proposal_id": found, "gallery": f"/gallery/{found}"}
