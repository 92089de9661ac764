"""Reviewers claiming at the same moment, on real concurrent connections: nobody gets an item another holds, no item
gets more claims than reviewers, and none is lost."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import Engine, select

from museion.collab.models import Proposal, ProposalReview
from museion.collab.review import Reviewer, claim_next, decide
from museion.security.auth import create_account


def _race(engine: Engine, reviewers: list[Reviewer], rounds: int) -> list[tuple[int, int | None]]:
    barrier, taken, errors = threading.Barrier(len(reviewers)), [], []
    lock = threading.Lock()

    def work(reviewer: Reviewer) -> None:
        try:
            for _ in range(rounds):
                barrier.wait()
                with engine.begin() as conn:
                    got = claim_next(conn, reviewer)
                with lock:
                    taken.append((reviewer.account_id, got))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return taken


def test_concurrent_claims_never_share_an_item(engine: Engine, queue: Callable[..., list[int]]) -> None:
    with engine.begin() as conn:
        curators = [Reviewer(create_account(conn, f"c{n}", "curator", actor="test"), "curator") for n in range(4)]
    queue(30)
    taken = _race(engine, curators, rounds=10)
    claimed = [pid for _, pid in taken if pid is not None]
    assert len(claimed) == len(set(claimed)) == 30  # every item claimed once; the last rounds found the queue empty
    with engine.connect() as conn:
        assert set(conn.scalars(select(Proposal.status))) == {"claimed"}
        assert max(Counter(conn.scalars(select(ProposalReview.proposal_id))).values()) == 1


def test_two_reviewer_items_get_two_distinct_reviewers(engine: Engine, queue: Callable[..., list[int]]) -> None:
    with engine.begin() as conn:
        judges = [Reviewer(create_account(conn, f"a{n}", "algorithm_reviewer", actor="test"), "algorithm_reviewer")
                  for n in range(3)]
    queue(6, kind="insight.plan", risk="medium")
    _race(engine, judges, rounds=6)
    with engine.connect() as conn:
        per_item = Counter(conn.scalars(select(ProposalReview.proposal_id)))
        pairs = conn.execute(select(ProposalReview.proposal_id, ProposalReview.account_id)).all()
    assert set(per_item.values()) == {2} and len(per_item) == 6
    assert len(pairs) == len(set(pairs))
    with engine.begin() as conn:  # and the two decisions that complete an item concurrently are both counted
        for pid, account in pairs:
            role = next(j for j in judges if j.account_id == account)
            decide(conn, role, pid, "accept")
        assert set(conn.scalars(select(Proposal.status))) == {"decided"}
