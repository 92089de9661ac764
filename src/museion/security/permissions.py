"""Roles, permissions and the one matrix that decides every action.

An explicit table in Python rather than pycasbin with a policy file: seven roles and a few dozen
permissions fit on one screen, a typo in a permission name fails at import instead of silently
denying, and reviewers read the whole policy here without learning a policy language. The HTTP edge
(``museion.http.authz``) consults ``allowed`` and nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"
    ANALYST = "analyst"
    CURATOR = "curator"
    ALGORITHM_REVIEWER = "algorithm_reviewer"
    AUDITOR = "auditor"
    MEMBER = "member"


class Perm(StrEnum):
    CATALOG_READ = "catalog:read"
    STATS_READ = "stats:read"  # pseudonymous aggregates: counts by kind, source, time
    MEMBER_RECOMMENDATIONS = "member:recommendations"  # one member's list; members hold it for themselves only
    MEMBER_DATA = "member:data"  # a member's own records (self-service)
    VAULT_READ = "privacy:vault"  # identifying data behind pseudonyms
    CONSENT_WRITE = "privacy:consent"
    REQUESTS_MANAGE = "privacy:requests"  # data-subject requests (access, erasure)
    RELEASES_RUN = "privacy:releases"  # de-identified releases: DP aggregates under a budget, k-anonymous tables
    MODELS_READ = "models:read"
    MODELS_APPROVE = "models:approve"  # review a model version (never one's own submission)
    MODELS_WRITE = "models:write"  # edit a draft model card, submit a version for review
    MODELS_DEPLOY = "models:deploy"  # deploy an approved version, retire one
    EXPERIMENTS_RUN = "experiments:run"  # start, split, stop a controlled rollout of an approved version; decide to keep
    FAIRNESS_AUDIT = "fairness:audit"  # run a fairness audit of a model version (reading audits needs MODELS_READ)
    AUDIT_READ = "audit:read"
    ACCOUNTS_MANAGE = "accounts:manage"  # create accounts, change roles, issue tokens for others
    TOKENS_OWN = "tokens:own"  # create, list and revoke one's own tokens
    ASSESSMENTS_READ = "assessments:read"  # impact assessments of purposes and model versions
    ASSESSMENTS_WRITE = "assessments:write"  # record an impact assessment (never edit or delete one)
    ASSESSMENTS_SIGN = "assessments:sign"  # sign an assessment off: the privacy officer's act
    TOKENS_FOR_MEMBER = "tokens:issue_member"  # mint a token that acts for a member: audited, marked as staff-issued
    QUEUE_REVIEW = "queue:review"  # claim and decide the AI proposals the task-division policy gives one's role
    QUEUE_ALL = "queue:all"  # read every proposal in the queue, whoever decides it (oversight)
    QUEUE_PROPOSE = "queue:propose"  # submit proposals through the API (an outside AI tool)
    JOBS_ALL = "jobs:all"  # see and cancel everyone's jobs (others see and cancel the jobs they started)
    STUDIO_SUGGEST = "studio:suggest"  # train the subject suggester and propose its suggestions into the queue
    RISK_READ = "risk:read"  # risk alerts and their evidence (fake profiles, anomalies, misuse)
    RISK_MANAGE = "risk:manage"  # acknowledge, resolve or dismiss risk alerts; run detectors and attack drills
    RIGHTS_READ = "rights:read"  # licences, rights holders, conflicts, gaps, expiring licences, usage statements
    RIGHTS_MANAGE = "rights:manage"  # record, import, end licences and rights holders; export usage statements
    CATALOG_HARVEST = "catalog:harvest"  # harvest another repository's records (OAI-PMH) into the catalogue


_STAFF = {Perm.CATALOG_READ, Perm.STATS_READ, Perm.TOKENS_OWN, Perm.RIGHTS_READ}
_DECIDES = {Perm.QUEUE_REVIEW}  # roles the task-division policy may route proposals to

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(_STAFF | {Perm.MEMBER_RECOMMENDATIONS, Perm.MODELS_READ, Perm.AUDIT_READ, Perm.ACCOUNTS_MANAGE,
                                    Perm.TOKENS_FOR_MEMBER, Perm.MODELS_WRITE, Perm.MODELS_DEPLOY, Perm.EXPERIMENTS_RUN, Perm.ASSESSMENTS_READ, Perm.JOBS_ALL,
                                    Perm.QUEUE_REVIEW, Perm.QUEUE_ALL, Perm.QUEUE_PROPOSE, Perm.RISK_READ, Perm.RISK_MANAGE,
                                    Perm.RIGHTS_MANAGE, Perm.CATALOG_HARVEST}),
    Role.PRIVACY_OFFICER: frozenset(_STAFF | _DECIDES | {Perm.MEMBER_RECOMMENDATIONS, Perm.MEMBER_DATA, Perm.VAULT_READ,
                                              Perm.CONSENT_WRITE, Perm.REQUESTS_MANAGE, Perm.AUDIT_READ,
                                              Perm.RELEASES_RUN, Perm.ASSESSMENTS_READ, Perm.ASSESSMENTS_WRITE,
                                              Perm.ASSESSMENTS_SIGN, Perm.RISK_READ, Perm.RISK_MANAGE}),
    Role.ANALYST: frozenset(_STAFF | _DECIDES | {Perm.QUEUE_PROPOSE, Perm.RELEASES_RUN, Perm.MODELS_READ, Perm.MODELS_WRITE, Perm.FAIRNESS_AUDIT,
                                      Perm.ASSESSMENTS_READ, Perm.ASSESSMENTS_WRITE, Perm.RISK_READ, Perm.RISK_MANAGE}),
    Role.CURATOR: frozenset(_STAFF | _DECIDES | {Perm.RIGHTS_MANAGE, Perm.STUDIO_SUGGEST, Perm.RISK_READ, Perm.CATALOG_HARVEST}),
    Role.ALGORITHM_REVIEWER: frozenset(_STAFF | _DECIDES | {Perm.MODELS_READ, Perm.MODELS_APPROVE, Perm.EXPERIMENTS_RUN, Perm.FAIRNESS_AUDIT,
                                                 Perm.ASSESSMENTS_READ}),
    Role.AUDITOR: frozenset(_STAFF | {Perm.QUEUE_ALL, Perm.AUDIT_READ, Perm.MODELS_READ, Perm.FAIRNESS_AUDIT, Perm.ASSESSMENTS_READ,
                                      Perm.RISK_READ}),
    Role.MEMBER: frozenset({Perm.MEMBER_RECOMMENDATIONS, Perm.MEMBER_DATA, Perm.CONSENT_WRITE}),
}
"""Role → what it may do. Members' permissions apply to their own member key only (see ``SELF_ONLY``)."""

SELF_ONLY = frozenset({Role.MEMBER})
"""Roles whose member-scoped permissions are limited to the member the account belongs to."""

def allowed(role: str, permission: Perm) -> bool:
    """Whether ``role`` holds ``permission`` (unknown roles hold nothing)."""
    try:
        return permission in MATRIX[Role(role)]
    except ValueError:
        return False
