"""Read endpoints for works, creators and catalogue statistics."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query

from museion.api.schemas import CreatorOut, PageOut, StatsOut, WorkOut, creator_out
from museion.catalog import queries
from museion.errors import NotFound
from museion.heritage.creator_links import linked_uris
from museion.http.authz import requires
from museion.http.deps import HomeDep, SessionDep, TxDep
from museion.ingest.schema import WORK_KINDS
from museion.ingest.stats import store_stats
from museion.rights.availability import unavailable
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.studio.catalogue import find_works

router = APIRouter(prefix="/api", tags=["catalogue"])
WorkKind = StrEnum("WorkKind", {k: k for k in sorted(WORK_KINDS)})  # type: ignore[misc]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1–200).")]
Text = Annotated[str | None, Query(max_length=200)]
Id = Annotated[int, Path(ge=1, le=2**62)]
Territory = Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 territory of the reader: "
                                        "only works licensed for display there today (default: the configured one).")]


@router.get("/works", response_model=PageOut[WorkOut], summary="Search and filter works", dependencies=[requires(Perm.CATALOG_READ)])
def list_works(
    session: SessionDep,
    home: HomeDep,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for in titles, creators, subjects, mediums, "
                                   "movements and descriptions, ranked (titles only until the search index is built); "
                                   "facets and corrections: /api/studio/search.", examples=["Turner"])] = None,
    kind: Annotated[WorkKind | None, Query()] = None,
    genre: Text = None,
    subject: Text = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    creator: Annotated[int | None, Query(ge=1, le=2**62, description="Only works credited to this creator id.")] = None,
    territory: Territory = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[WorkOut]:
    page = find_works(session, home, q, {"kind": kind.value if kind else None, "genre": genre, "subject": subject,
                                         "source": source, "creator_id": creator},
                      territory=territory, offset=offset, limit=limit)  # only works licensed for display here and now
    return PageOut[WorkOut](items=[WorkOut.of(w) for w in page.works], total=page.total, offset=offset, limit=limit)


@router.get("/works/{work_id}", response_model=WorkOut, summary="One work with its terms and creators",
            dependencies=[requires(Perm.CATALOG_READ)])
def get_work(session: SessionDep, work_id: Id, territory: Territory = None) -> WorkOut:
    if not unavailable(session.connection(), "display", territory).allows(work_id):
        raise NotFound(f"no work with id {work_id} available here and now")  # not licensed for display: as if absent
    return WorkOut.of(queries.get_work(session, work_id))


@router.get("/creators", response_model=PageOut[CreatorOut], summary="Search creators", dependencies=[requires(Perm.CATALOG_READ)])
def list_creators(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Words in the name.")] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    gender: Annotated[str | None, Query(max_length=64)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PageOut[CreatorOut]:
    page = queries.list_creators(session, q=q, source=source, gender=gender, offset=offset, limit=limit)
    linked = linked_uris(session.connection(), [c.id for c in page.items])
    return PageOut[CreatorOut](items=[creator_out(c, linked.get(c.id)) for c in page.items], total=page.total, offset=offset,
                               limit=limit)


@router.get("/creators/{creator_id}", response_model=CreatorOut, summary="One creator", dependencies=[requires(Perm.CATALOG_READ)])
def get_creator(session: SessionDep, creator_id: Id) -> CreatorOut:
    creator = queries.get_creator(session, creator_id)
    return creator_out(creator, linked_uris(session.connection(), [creator.id]).get(creator.id))


@router.get("/stats", response_model=StatsOut, summary="Catalogue and activity counts")
def stats(principal: Annotated[Principal, requires(Perm.STATS_READ)], conn: TxDep) -> StatsOut:
    # a transaction: the audience counts come through the privacy gate, which records the access
    return StatsOut(**store_stats(conn, actor=principal.actor))
