"""Who may decide a controlled rollout, for both faces: ``experiments:run`` lets the review board keep the deployed
version, but shipping the candidate deploys it to every member and needs ``models:deploy`` as any deployment does."""

from __future__ import annotations

from museion.experiments.rollouts import may_decide
from museion.http.authz import Forbidden
from museion.security.auth import Principal
from museion.security.permissions import MATRIX, Perm


def check_may_decide(principal: Principal, decision: str) -> None:
    """Refuse (403) a ship decision by a role that may not deploy."""
    if not may_decide(principal.role, decision):
        raise Forbidden("the %(role)s role may not ship a candidate: shipping deploys it to every member, which needs "
                        "%(permission)s; decide keep, or ask someone who may deploy", role=principal.role,
                        permission=Perm.MODELS_DEPLOY.value, roles=[r.value for r in MATRIX if Perm.MODELS_DEPLOY in MATRIX[r]])
