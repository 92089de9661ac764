"""The demo's review: clearly labelled demo accounts approve the demo model so `museion demo` serves a list.

Every finding starts with ``cards.DEMO_MARK`` and the card's limitations say so, so the public disclosure
states that the approval was automatic and not an independent board's (see ``disclosure.review_summary``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, select

from museion.registry import assessments, cards, lifecycle, review
from museion.registry.policy import load_policy
from museion.security.auth import create_account
from museion.security.models import Account
from museion.security.permissions import Role

ACTOR = "demo"
AUTHOR = "demo-author"
LIMITATION = ("Demo deployment: approved automatically by demo reviewer accounts, not by an independent "
              "review board.")


def _account(conn: Connection, name: str, role: Role) -> int:
    found = conn.scalar(select(Account.id).where(Account.name == name))
    return int(found) if found is not None else create_account(conn, name, role, actor=ACTOR)


def approve_for_demo(conn: Connection, home: Path, version_id: int, *, deploy: bool = True) -> int:
    """Submit, review (one demo reviewer per required capacity), assess (a labelled demo impact assessment) and deploy
    a draft that has its fairness audit (the demo runs it first); returns the approvals recorded. Without ``deploy`` it
    stays approved: a reviewed candidate for a controlled rollout (``museion experiment demo-candidate``)."""
    policy = load_policy(home)
    cards.edit_card(conn, version_id, actor=ACTOR, limitations=LIMITATION, contact="the operator of this demo installation")
    author = _account(conn, AUTHOR, Role.ANALYST)
    lifecycle.submit(conn, home, version_id, author_account_id=author, actor=ACTOR, reason="demo: submitted automatically")
    lifecycle.start_review(conn, version_id, actor=ACTOR, reason="demo: review started automatically")
    capacities = list(policy.required_capacities) or list(policy.capacities)[:1]
    capacities += [capacities[0]] * (policy.min_approvals - len(capacities))
    for n, capacity in enumerate(capacities):
        reviewer = _account(conn, f"demo-reviewer-{n + 1}", Role.ALGORITHM_REVIEWER)
        review.record_review(conn, home, version_id, reviewer_account_id=reviewer, capacity=capacity, decision="approve",
                             findings=f"{cards.DEMO_MARK}: recorded by `museion demo` so the demo can serve; "
                                      "no one reviewed this version.", actor=ACTOR, policy=policy)
    assessments.sign_for_demo(conn, version_id, actor=ACTOR, mark=cards.DEMO_MARK)
    if deploy:
        lifecycle.deploy(conn, home, version_id, actor=ACTOR, reason="demo: deployed automatically")
    return len(capacities)
