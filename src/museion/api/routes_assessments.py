"""Impact assessments of purposes and model versions, as API endpoints.

Analysts and the privacy officer record assessments (``assessments:write``); only the privacy officer signs them off
(``assessments:sign``). There is no route to edit or delete one: assessments are kept at least three years.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from museion.http.authz import requires
from museion.http.deps import ConnDep, TxDep
from museion.registry import assessments
from museion.security.auth import Principal
from museion.security.permissions import Perm

router = APIRouter(prefix="/api", tags=["registry"])
Text = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"^[^\x00]*$")]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version_id: int | None = Field(default=None, ge=1, le=2**62, description="The model version assessed (or give purpose).")
    purpose: str | None = Field(default=None, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["personalisation"])
    risks: Text = Field(examples=["Members are profiled from their ratings and views."])
    necessity: Text = Field(examples=["Members asked for a personal feed; nothing less intrusive gives one."])
    safeguards: Text = Field(examples=["Consent, opt-out, explanations for every item, fairness audits."])
    residual_risk: Literal["low", "medium", "high"]
    residual_notes: Text = Field(examples=["Accepted: members can switch personalisation off at any time."])
    review_by: datetime = Field(description="When the assessment must be reviewed again (in the future).")


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assessment_id: int = Field(ge=1, le=2**62)


class AssessmentOut(BaseModel):
    id: int
    subject: str = Field(examples=["model_version:3"])
    purpose_code: str | None
    model_version_id: int | None
    risks: str
    necessity: str
    safeguards: str
    residual_risk: str
    residual_notes: str
    review_by: datetime
    retain_until: datetime = Field(description="Kept at least until then (three years after it was recorded).")
    created_by: str
    created_at: datetime
    signed_by_account_id: int | None
    signed_by: str | None
    signed_at: datetime | None
    current: bool = Field(description="Signed off and not past its review date: what deployment requires.")


@router.get("/assessments", response_model=list[AssessmentOut], summary="Impact assessments, newest first",
            dependencies=[requires(Perm.ASSESSMENTS_READ)])
def list_assessments(conn: ConnDep, version_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                     purpose: Annotated[str | None, Query(max_length=64)] = None) -> list[AssessmentOut]:
    return [AssessmentOut(**a) for a in assessments.assessments(conn, version_id=version_id, purpose=purpose)]


@router.post("/assessments", response_model=AssessmentOut, status_code=201,
             summary="Record an impact assessment of a model version or a purpose (the privacy officer then signs it)")
def create_assessment(body: AssessmentIn, principal: Annotated[Principal, requires(Perm.ASSESSMENTS_WRITE)],
                      conn: TxDep) -> AssessmentOut:
    found = assessments.create(conn, actor=principal.actor, **body.model_dump())
    return AssessmentOut(**assessments.get(conn, found))


@router.post("/assessments/sign", response_model=AssessmentOut,
             summary="Sign an assessment off as the privacy officer: a version that profiles members deploys only with one")
def sign_assessment(body: SignIn, principal: Annotated[Principal, requires(Perm.ASSESSMENTS_SIGN)], conn: TxDep) -> AssessmentOut:
    return AssessmentOut(**assessments.sign(conn, body.assessment_id, signer_account_id=principal.account_id,
                                            actor=principal.actor))
