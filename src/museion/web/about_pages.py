"""Public pages that explain Museion to anyone: the welcome page a visitor lands on, the role guide (who may see and
do what, and how accounts are made) built from the permission matrix itself, and the glossary (museion.web.glossary)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from museion.http.authz import GuardsDep, public, visitor
from museion.http.deps import ConnDep
from museion.http.i18n import N_
from museion.http.navigation import home_for
from museion.security.permissions import MATRIX, Perm, Role
from museion.web.glossary import GLOSSARY
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)

ROLE_DUTIES = {
    Role.ADMIN: N_("Accounts and tokens, deploying approved versions, every job, oversight of the whole AI-proposal queue "
                   "and settling disagreements on it."),
    Role.PRIVACY_OFFICER: N_("Consents, data-subject requests, the vault, differentially private releases; signs impact "
                             "assessments and decides proposals that touch personal data."),
    Role.ANALYST: N_("Statistics, insight and planning, private releases; trains and submits model versions, runs fairness "
                     "audits, handles risk alerts."),
    Role.CURATOR: N_("The catalogue, subject suggestions, exhibition drafts and duplicate records in the queue."),
    Role.ALGORITHM_REVIEWER: N_("The review board (approves versions it did not submit), fairness audits, promotion plans "
                                "in the queue."),
    Role.AUDITOR: N_("The audit log, model versions and audits, the whole queue and risk alerts, read only."),
    Role.MEMBER: N_("Their own recommendations, data, consents and flags."),
}
"""What each role is for, in a sentence; the permissions listed beside it come from the matrix."""

PERMISSIONS = {
    Perm.CATALOG_READ: N_("read the catalogue"),
    Perm.STATS_READ: N_("read aggregate statistics (counts only)"),
    Perm.MEMBER_RECOMMENDATIONS: N_("see a member's recommendations (members: their own)"),
    Perm.MEMBER_DATA: N_("see and change a member's own records (members: their own)"),
    Perm.VAULT_READ: N_("read identifying data behind pseudonyms"),
    Perm.CONSENT_WRITE: N_("record consent decisions"),
    Perm.REQUESTS_MANAGE: N_("handle data-subject requests"),
    Perm.RELEASES_RUN: N_("make de-identified releases under a privacy budget"),
    Perm.MODELS_READ: N_("read model versions and their cards"),
    Perm.MODELS_APPROVE: N_("review model versions (never one's own)"),
    Perm.MODELS_WRITE: N_("train, edit cards, submit versions"),
    Perm.MODELS_DEPLOY: N_("deploy and retire approved versions, and score every member into a file with the deployed one"),
    Perm.EXPERIMENTS_RUN: N_("start, change and stop a controlled rollout of an approved version, and decide to keep the deployed one"),
    Perm.FAIRNESS_AUDIT: N_("run fairness audits"),
    Perm.AUDIT_READ: N_("read the audit log"),
    Perm.ACCOUNTS_MANAGE: N_("create accounts, change roles, issue tokens"),
    Perm.TOKENS_OWN: N_("manage one's own tokens"),
    Perm.ASSESSMENTS_READ: N_("read impact assessments"),
    Perm.ASSESSMENTS_WRITE: N_("record impact assessments"),
    Perm.ASSESSMENTS_SIGN: N_("sign impact assessments off"),
    Perm.TOKENS_FOR_MEMBER: N_("issue a token that acts for a member"),
    Perm.QUEUE_REVIEW: N_("decide the AI proposals given to one's role"),
    Perm.QUEUE_ALL: N_("read every proposal in the queue"),
    Perm.QUEUE_PROPOSE: N_("submit proposals from outside tools"),
    Perm.JOBS_ALL: N_("see and cancel everyone's jobs"),
    Perm.STUDIO_SUGGEST: N_("train the subject suggester and propose its suggestions"),
    Perm.RISK_READ: N_("read risk alerts and their evidence"),
    Perm.RISK_MANAGE: N_("acknowledge, resolve or dismiss risk alerts; run detectors and attack drills"),
    Perm.RIGHTS_READ: N_("read licences, rights holders, conflicts, gaps, expiring licences and usage statements"),
    Perm.RIGHTS_MANAGE: N_("record, import and end licences and rights holders; export usage statements"),
    Perm.CATALOG_HARVEST: N_("harvest other institutions' records (OAI-PMH) into the catalogue"),
}
"""Each permission in plain words (tests/web/test_web_about.py checks that every permission has one)."""

@router.get("/", response_class=HTMLResponse, dependencies=[public()])
def start(request: Request, guards: GuardsDep, conn: ConnDep) -> Response:
    """Signed in: the first page of one's menu (the dashboard for staff, their list for members). A visitor: the welcome
    page, with the way to sign in and the public pages."""
    principal = visitor(request, guards, conn)
    if principal is None:
        return templates.TemplateResponse(request, "welcome.html", {})
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(home_for(principal) + query, status_code=303)


@router.get("/about/roles", response_class=HTMLResponse, dependencies=[public()])
def roles(request: Request, guards: GuardsDep, conn: ConnDep) -> HTMLResponse:
    """Each role, what it is for and every permission it holds, and how the accounts are created."""
    visitor(request, guards, conn)
    rows = [(role, ROLE_DUTIES[role], sorted(MATRIX[role], key=lambda p: p.value)) for role in Role]
    return templates.TemplateResponse(request, "about_roles.html", {"rows": rows, "permissions": PERMISSIONS})


@router.get("/about/glossary", response_class=HTMLResponse, dependencies=[public()])
def glossary(request: Request, guards: GuardsDep, conn: ConnDep) -> HTMLResponse:
    """What each figure on the pages measures."""
    visitor(request, guards, conn)
    return templates.TemplateResponse(request, "about_glossary.html", {"entries": GLOSSARY})

