"""The role-aware menu: which pages a signed-in person sees, derived from the permission matrix.

Hiding a link is a courtesy; every page also declares its permission, so the server refuses it anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from museion.http.i18n import N_
from museion.security.auth import Principal
from museion.security.permissions import SELF_ONLY, Perm, allowed


@dataclass(frozen=True)
class NavItem:
    path: str  # may name {member}: the signed-in member's own key
    label: str  # English msgid, translated in the template
    needs: tuple[Perm, ...]
    members_only: bool = False  # self-service pages; staff reach members' data through their own pages


NAV = (
    NavItem("/dashboard", N_("Overview"), (Perm.STATS_READ,)),
    NavItem("/catalogue", N_("Catalogue"), (Perm.CATALOG_READ,)),
    NavItem("/models", N_("Models"), (Perm.MODELS_READ,)),
    NavItem("/fairness", N_("Fairness"), (Perm.MODELS_READ,)),
    NavItem("/review", N_("Review board"), (Perm.MODELS_APPROVE,)),
    NavItem("/queue", N_("AI proposals"), (Perm.STATS_READ,)),
    NavItem("/studio/suggestions", N_("Subject suggestions"), (Perm.STUDIO_SUGGEST,)),
    NavItem("/risk/alerts", N_("Risk alerts"), (Perm.RISK_READ,)),
    NavItem("/rights/licences", N_("Rights"), (Perm.RIGHTS_READ,)),
    NavItem("/heritage/harvest", N_("Harvest"), (Perm.CATALOG_HARVEST,)),
    NavItem("/insight", N_("Insight"), (Perm.STATS_READ,)),
    NavItem("/privacy", N_("Privacy"), (Perm.REQUESTS_MANAGE,)),
    NavItem("/assessments", N_("Impact assessments"), (Perm.ASSESSMENTS_READ,)),
    NavItem("/audit", N_("Audit log"), (Perm.AUDIT_READ,)),
    NavItem("/jobs", N_("Jobs"), (Perm.STATS_READ,)),
    NavItem("/recommendations", N_("Member lookup"), (Perm.MEMBER_RECOMMENDATIONS, Perm.STATS_READ)),
    NavItem("/members/{member}/recommendations", N_("My recommendations"), (Perm.MEMBER_RECOMMENDATIONS,), members_only=True),
    NavItem("/members/{member}/privacy", N_("My privacy"), (Perm.MEMBER_DATA,), members_only=True),
)


def menu(principal: Principal | None) -> list[tuple[str, str]]:
    """(href, label msgid) of every page ``principal`` may open, in menu order."""
    if principal is None:
        return []
    member = principal.role in SELF_ONLY
    return [(item.path.format(member=principal.member_key or ""), item.label) for item in NAV
            if item.members_only == member and all(allowed(principal.role, p) for p in item.needs)]


def home_for(principal: Principal) -> str:
    """Where ``/`` takes someone: staff to the dashboard (or the first page they may open), members to their list."""
    items = menu(principal)
    return items[0][0] if items else "/login"
