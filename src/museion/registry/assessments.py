"""Impact assessments (PIPL 55–56, GDPR 35): one per purpose or per model version, signed off by a privacy officer.

An assessment records risks, necessity, safeguards and the residual risk, and the date by which it must be reviewed.
It is never edited or deleted (a new assessment supersedes an old one) and is kept at least ``RETENTION_YEARS``;
a model version that profiles members is deployed only with a signed assessment whose review date has not passed.

Service functions: ``create``, ``sign``, ``get``, ``assessments(conn, version_id=, purpose=)``, ``require_signed``, and
``sign_for_demo`` (the demo's clearly labelled, automatic assessment).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Row

from museion import audit
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy.consent import current_purpose
from museion.registry import cards
from museion.registry.models import ImpactAssessment
from museion.security.auth import create_account
from museion.security.models import Account
from museion.security.permissions import Role

RETENTION_YEARS = 3
RESIDUAL_LEVELS = ("low", "medium", "high")
LANGS = ("en", "zh-Hans")
TEXT_FIELDS = ("risks", "necessity", "safeguards", "residual_notes")
UNPERSONALISED = frozenset({"pop", "trending"})
"""Algorithms that rank the same for everyone (``museion.recommend.models`` with a ``rule``): they profile no one."""


LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Impact assessment", "zh-Hans": "个人信息保护影响评估"},
    "subject": {"en": "Assessed", "zh-Hans": "评估对象"},
    "risks": {"en": "Risks to the people concerned", "zh-Hans": "对个人权益的风险"},
    "necessity": {"en": "Necessity and proportionality", "zh-Hans": "处理的必要性与相称性"},
    "safeguards": {"en": "Safeguards", "zh-Hans": "保护措施"},
    "residual_risk": {"en": "Residual risk", "zh-Hans": "剩余风险"},
    "residual_notes": {"en": "Residual risk, explained", "zh-Hans": "剩余风险说明"},
    "review_by": {"en": "Review by", "zh-Hans": "复核日期"},
    "signed": {"en": "Signed off by the privacy officer", "zh-Hans": "个人信息保护负责人签署"},
    "unsigned": {"en": "Not signed off yet", "zh-Hans": "尚未签署"},
    "retention": {"en": f"Kept at least {RETENTION_YEARS} years, until", "zh-Hans": f"至少保存 {RETENTION_YEARS} 年，至"},
    "low": {"en": "low", "zh-Hans": "低"}, "medium": {"en": "medium", "zh-Hans": "中"}, "high": {"en": "high", "zh-Hans": "高"},
}
"""Field labels in both languages: the filing pack's Markdown uses them, and the web page's catalogue matches them."""


class AssessmentMissing(Conflict):
    """A version that profiles members was to be deployed without a signed, current impact assessment."""


def _now() -> datetime:
    return datetime.now(UTC)


def profiles_members(algorithm: str) -> bool:
    """Whether a version of ``algorithm`` ranks by what each member did (personalisation is profiling)."""
    return algorithm not in UNPERSONALISED


def create(conn: Connection, *, actor: str, risks: str, necessity: str, safeguards: str, residual_risk: str,
           residual_notes: str, review_by: datetime, version_id: int | None = None, purpose: str | None = None) -> int:
    """Record an assessment of one model version or one declared purpose (exactly one); returns its id."""
    if (version_id is None) == (purpose is None):
        raise MuseionError("an assessment covers exactly one thing: name a model version or a purpose, not both")
    if version_id is not None:
        cards.get_version(conn, version_id)
    else:
        purpose = current_purpose(conn, str(purpose)).code
    texts = {"risks": risks, "necessity": necessity, "safeguards": safeguards, "residual_notes": residual_notes}
    empty = [name for name, value in texts.items() if not value.strip()]
    if empty:
        raise MuseionError(f"write the assessment's {', '.join(empty)}: each says what was found, not left blank")
    if residual_risk not in RESIDUAL_LEVELS:
        raise MuseionError(f"residual risk must be {', '.join(RESIDUAL_LEVELS)}, not {residual_risk!r}")
    now = _now()
    review_by = review_by if review_by.tzinfo else review_by.replace(tzinfo=UTC)
    if review_by <= now:
        raise MuseionError(f"the review date {review_by:%Y-%m-%d} has passed: choose a date in the future")
    new_id = conn.execute(insert(ImpactAssessment).values(
        purpose_code=purpose, model_version_id=version_id, residual_risk=residual_risk, review_by=review_by,
        retain_until=now + timedelta(days=365 * RETENTION_YEARS + 1), created_by=actor, created_at=now,
        **{k: v.strip() for k, v in texts.items()})).inserted_primary_key[0]
    audit.record(conn, actor=actor, action="assessment.create", target=f"impact_assessment:{new_id}",
                 details={"subject": _subject(version_id, purpose), "residual_risk": residual_risk})
    return int(new_id)


def sign(conn: Connection, assessment_id: int, *, signer_account_id: int, actor: str) -> dict[str, Any]:
    """The privacy officer's sign-off: once, by an active account with the privacy_officer role."""
    found = get(conn, assessment_id)
    signer = conn.execute(select(Account.role, Account.active).where(Account.id == signer_account_id)).first()
    if signer is None:
        raise NotFound(f"no account {signer_account_id}")
    if not signer.active or signer.role != Role.PRIVACY_OFFICER:
        raise Conflict(f"account {signer_account_id} ({signer.role}) cannot sign an impact assessment: the sign-off is the "
                       f"privacy officer's (role {Role.PRIVACY_OFFICER.value})")
    if found["signed_at"] is not None:
        raise Conflict(f"impact assessment {assessment_id} was signed on {found['signed_at']:%Y-%m-%d}; record a new one "
                       "to change it")
    done = conn.execute(update(ImpactAssessment).where(ImpactAssessment.id == assessment_id,
                                                       ImpactAssessment.signed_at.is_(None))
                        .values(signed_by_account_id=signer_account_id, signed_at=_now())).rowcount
    if done != 1:
        raise Conflict(f"impact assessment {assessment_id} was signed at the same moment by someone else")
    audit.record(conn, actor=actor, action="assessment.sign", target=f"impact_assessment:{assessment_id}",
                 details={"signer": f"account:{signer_account_id}"})
    return get(conn, assessment_id)


def _subject(version_id: int | None, purpose: str | None) -> str:
    return f"model_version:{version_id}" if version_id is not None else f"purpose:{purpose}"


def _as_dict(row: Row) -> dict[str, Any]:
    out = dict(row._mapping)
    out["subject"] = _subject(out["model_version_id"], out["purpose_code"])
    out["current"] = out["signed_at"] is not None and out["review_by"] > _now()
    return out


_SELECT = (select(ImpactAssessment.__table__, Account.name.label("signed_by"))
           .outerjoin(Account, Account.id == ImpactAssessment.signed_by_account_id))


def get(conn: Connection, assessment_id: int) -> dict[str, Any]:
    row = conn.execute(_SELECT.where(ImpactAssessment.id == assessment_id)).first()
    if row is None:
        raise NotFound(f"no impact assessment {assessment_id} (see `museion privacy assessment list`)")
    return _as_dict(row)


def assessments(conn: Connection, *, version_id: int | None = None, purpose: str | None = None) -> list[dict[str, Any]]:
    """Assessments, newest first: all of them, or those of one version or one purpose."""
    q = _SELECT.order_by(ImpactAssessment.id.desc())
    if version_id is not None:
        q = q.where(ImpactAssessment.model_version_id == version_id)
    if purpose is not None:
        q = q.where(ImpactAssessment.purpose_code == purpose)
    return [_as_dict(r) for r in conn.execute(q)]


def current(conn: Connection, *, version_id: int | None = None, purpose: str | None = None) -> dict[str, Any] | None:
    """The newest signed assessment whose review date has not passed, if any."""
    return next((a for a in assessments(conn, version_id=version_id, purpose=purpose) if a["current"]), None)


def render_markdown(assessment: dict[str, Any], lang: str) -> str:
    """One assessment as Markdown in ``lang`` (en or zh-Hans), for the filing pack."""
    def label(key: str) -> str:
        return LABELS[key][lang]

    a = assessment
    signed = (f"{label('signed')}: {a['signed_by']} ({a['signed_at']:%Y-%m-%d})" if a["signed_at"] is not None
              else label("unsigned"))
    lines = [f"# {label('title')} #{a['id']}", "", f"- {label('subject')}: {a['subject']}",
             f"- {label('residual_risk')}: {label(a['residual_risk'])}", f"- {label('review_by')}: {a['review_by']:%Y-%m-%d}",
             f"- {signed}", f"- {label('retention')} {a['retain_until']:%Y-%m-%d}", ""]
    for key in TEXT_FIELDS:
        lines += [f"## {label(key)}", "", a[key], ""]
    return "\n".join(lines)


def require_signed(conn: Connection, version: Row) -> None:
    """Refuse to deploy a version that profiles members unless a privacy officer signed its current assessment."""
    if not profiles_members(version.algorithm) or current(conn, version_id=version.id) is not None:
        return
    v = version.id
    raise AssessmentMissing(
        f"model version {v} profiles members ({version.algorithm} personalises), so it needs an impact assessment signed "
        f"by the privacy officer, with a review date still ahead, before it is deployed: record one with `museion privacy "
        f"assessment create --version {v} …` (or POST /api/assessments, or /assessments on the web), then have the "
        "privacy officer sign it with `museion privacy assessment sign ID --as NAME` (POST /api/assessments/sign)")


DEMO_OFFICER = "demo-privacy-officer"
DEMO_TEXT = "{mark}: recorded by `museion demo` so the demo can serve; no privacy officer assessed this {what}."


def sign_for_demo(conn: Connection, version_id: int, *, actor: str, mark: str) -> int:
    """Record and sign a demo assessment of ``version_id`` by a demo privacy-officer account; every text starts with
    ``mark`` so no one mistakes it for a real assessment. Returns its id."""
    officer = conn.scalar(select(Account.id).where(Account.name == DEMO_OFFICER))
    officer = int(officer) if officer is not None else create_account(conn, DEMO_OFFICER, Role.PRIVACY_OFFICER, actor=actor)
    text = DEMO_TEXT.format(mark=mark, what=f"model version {version_id}")
    found = create(conn, actor=actor, version_id=version_id, risks=text, necessity=text, safeguards=text,
                   residual_risk="high", residual_notes=text, review_by=_now() + timedelta(days=90))
    sign(conn, found, signer_account_id=officer, actor=actor)
    return found
