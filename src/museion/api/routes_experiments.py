"""Online evaluation and controlled rollouts over HTTP: rollouts (list, one with its verdicts and curves, start, split,
stop, decide), their metrics from served traffic, simulated traffic and offline replay as jobs (202), sample-size
planning, and a member's opt-out from experiments."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from museion.api.routes_jobs import ACCEPTED, JobOut, accepted
from museion.errors import MuseionError
from museion.experiments import monitor, rollouts
from museion.experiments.design import Plan
from museion.experiments.sequential import plan_sample
from museion.http.authz import requires
from museion.http.experiment_access import check_may_decide
from museion.http.deps import ConnDep, HomeDep, TxDep, record_staff_read
from museion.jobs_kinds import QueueDep
from museion.privacy import experiment_choice, gate
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["experiments"])
RolloutId = Annotated[int, Path(ge=1, le=2**62)]
Reader = Annotated[Principal, requires(Perm.MODELS_READ)]
Operator = Annotated[Principal, requires(Perm.EXPERIMENTS_RUN)]  # the review board and administrators
MemberSelf = Annotated[Principal, requires(Perm.MEMBER_DATA, member="member")]
MemberKey = Annotated[str, Path(max_length=255, description="The member's pseudonymous key.")]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    primary: Literal["ctr", "conversion"] = "ctr"
    guardrails: dict[Literal["exposure_gap", "group_ctr", "error_rate", "latency_ms", "coverage", "novelty"],
                     Annotated[float, Field(gt=0, le=1000)]] = Field(default_factory=lambda: dict(Plan().guardrails))
    alpha: float = Field(0.05, gt=0, lt=0.5)
    effect: float = Field(0.01, gt=0, lt=1, description="Smallest absolute change of the primary metric worth detecting.")
    baseline: float = Field(0.05, gt=0, lt=1)
    power: float = Field(0.8, gt=0, lt=1)
    k: int = Field(10, ge=1, le=100)
    window_hours: float = Field(24.0, gt=0, le=720)


class RolloutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version_id: int = Field(ge=1, le=2**62, description="The approved candidate.")
    mode: Literal["canary", "ab"] = "canary"
    share: float | None = Field(None, gt=0, lt=1, description="Share of members on the candidate (canary 0.05, ab 0.5).")
    plan: PlanIn = Field(default_factory=PlanIn, description="Pre-registered before the first member is assigned.")
    reason: str = Field("", max_length=2000)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: float = Field(gt=0, lt=1)
    reason: str = Field(min_length=1, max_length=2000)


class StopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["ship", "keep"]
    reason: str = Field(min_length=1, max_length=2000)


class SimulationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: int = Field(300, ge=10, le=5000)
    days: int = Field(7, ge=1, le=60)
    seed: int = Field(0, ge=0, le=2**31)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version_id: int = Field(ge=1, le=2**62)
    days: int = Field(30, ge=1, le=365)
    k: int = Field(10, ge=1, le=100)


class OptOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opted_out: bool = Field(description="true: always the deployed version, and left out of experiment statistics.")


@router.get("/experiments/rollouts", summary="Rollouts newest first, with their records (of one version when named)")
def list_rollouts(_: Reader, conn: ConnDep, version: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "salt"} for r in rollouts.listing(conn, version)]


@router.get("/experiments/rollouts/{rollout_id}",
            summary="One rollout: its plan, the primary metric's and each guardrail's always-valid curve and verdict")
def get_rollout(rollout_id: RolloutId, _: Reader, conn: ConnDep) -> dict[str, Any]:
    return monitor.assess(conn, rollout_id)


@router.post("/experiments/rollouts", status_code=201, summary="Start a rollout of an approved candidate beside the "
                                                                "deployed version (refused while another runs)")
def start_rollout(body: RolloutIn, principal: Operator, conn: TxDep, home: HomeDep) -> dict[str, Any]:
    rollout_id = rollouts.start(conn, home, body.version_id, actor=principal.actor, mode=body.mode, share=body.share,
                                plan=Plan.from_dict(body.plan.model_dump()), reason=body.reason)
    return {"id": rollout_id, "web": f"/experiments/{rollout_id}"}


@router.post("/experiments/rollouts/{rollout_id}/split", summary="Change the candidate's share of a running rollout")
def change_split(rollout_id: RolloutId, body: ShareIn, principal: Operator, conn: TxDep) -> dict[str, Any]:
    rollouts.set_share(conn, rollout_id, body.share, actor=principal.actor, reason=body.reason)
    return {"id": rollout_id, "share": body.share}


@router.post("/experiments/rollouts/{rollout_id}/stop", summary="Switch the candidate off")
def stop_rollout(rollout_id: RolloutId, body: StopIn, principal: Operator, conn: TxDep) -> dict[str, Any]:
    rollouts.stop(conn, rollout_id, actor=principal.actor, reason=body.reason)
    return {"id": rollout_id, "state": "stopped"}


@router.post("/experiments/rollouts/{rollout_id}/decision",
             summary="Decide: ship (deploy the candidate) or keep; the statistics now are recorded as the evidence")
def decide_rollout(rollout_id: RolloutId, body: DecisionIn, principal: Operator, conn: TxDep, home: HomeDep) -> dict[str, Any]:
    check_may_decide(principal, body.decision)
    evidence = json.loads(json.dumps(monitor.assess(conn, rollout_id), default=str))
    replaced = rollouts.decide(conn, home, rollout_id, body.decision, actor=principal.actor, reason=body.reason,
                               evidence=evidence)
    return {"id": rollout_id, "decision": body.decision, "replaced_version_id": replaced}


@router.post("/experiments/rollouts/{rollout_id}/measurements", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Recompute the rollout's online metrics from served traffic, then enforce its stop rules (a job)")
def measure(request: Request, rollout_id: RolloutId, principal: Operator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "experiment_metrics", {"rollout_id": rollout_id})


@router.post("/experiments/rollouts/{rollout_id}/simulations", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Run simulated traffic (labelled simulated) on a running rollout (a job)")
def simulate(request: Request, rollout_id: RolloutId, body: SimulationIn, principal: Operator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "experiment_simulation", {"rollout_id": rollout_id, **body.model_dump()})


@router.post("/experiments/replays", status_code=202, response_model=JobOut, responses=ACCEPTED,
             summary="Estimate a version's click-through from the deployed version's served lists (a job)")
def replay(request: Request, body: ReplayIn, principal: Operator, queue: QueueDep) -> JSONResponse:
    return accepted(request, queue, principal, "experiment_replay", body.model_dump())


@router.get("/experiments/sample-size", summary="Members per arm, fixed-horizon and always-valid sequential")
def sample_size(_: Reader, baseline: Annotated[float, Query(gt=0, lt=1)] = 0.05,
                effect: Annotated[float, Query(gt=0, lt=1)] = 0.01, alpha: Annotated[float, Query(gt=0, lt=0.5)] = 0.05,
                power: Annotated[float, Query(gt=0, lt=1)] = 0.8) -> dict[str, Any]:
    try:
        return asdict(plan_sample(baseline, effect, alpha=alpha, power=power))
    except ValueError as exc:
        raise MuseionError(str(exc)) from None


@router.get("/members/{member}/experiments", summary="Whether the member opted out of experiments")
def get_opt_out(member: MemberKey, principal: MemberSelf, conn: ConnDep) -> dict[str, Any]:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    record_staff_read(conn.engine, principal, member_id, "experiments")
    return {"member": member, "opted_out": experiment_choice.opted_out(conn, member_id)}


@router.put("/members/{member}/experiments", summary="Opt out of experiments (or back in); effective on the next request")
def put_opt_out(member: MemberKey, body: OptOutIn, principal: MemberSelf, conn: TxDep) -> dict[str, Any]:
    member_id = gate.member_id_for(conn, member, purpose=gate.RIGHTS, actor=principal.actor)
    experiment_choice.set_opt_out(conn, member_id, body.opted_out, actor=principal.actor)
    return {"member": member, "opted_out": body.opted_out}
