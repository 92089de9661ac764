"""The queue on both backends: routing, claiming, deciding, disputes, batches, automatic actions and their undo, and the
refusals the issue names (deciding twice, deciding someone else's item)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select

from museion.audit import AuditFilter, entries
from museion.collab import queue as q
from museion.collab import review
from museion.collab.models import Proposal, ProposalReview
from museion.collab.review import claim, claim_next, decide, decide_many, release, resolve, undo
from museion.errors import Conflict, MuseionError
from museion.security.auth import create_account
from museion.store.base import utcnow

Queue = Callable[..., list[int]]


def status(engine: Engine, proposal_id: int) -> str:
    with engine.connect() as conn:
        return q.proposal_row(conn, proposal_id).status


def test_a_proposal_is_routed_to_the_role_the_policy_names(engine: Engine, queue: Queue) -> None:
    first, = queue(kind="work.subjects")
    plan, = queue(kind="insight.plan", risk="medium")
    with engine.connect() as conn:
        assert (q.proposal_row(conn, first).decider, q.proposal_row(conn, first).reviewers) == ("curator", 1)
        assert (q.proposal_row(conn, plan).decider, q.proposal_row(conn, plan).reviewers) == ("algorithm_reviewer", 2)
        assert q.proposal_row(conn, first).status == "open"


def test_claim_next_takes_the_most_urgent_open_item_of_ones_own_role(engine: Engine, queue: Queue, reviewers: dict) -> None:
    ids = queue(3)
    with engine.begin() as conn:
        assert claim_next(conn, reviewers["ana"]) is None  # analysts decide no subject suggestions
        assert claim_next(conn, reviewers["cur1"]) == ids[0]
        assert claim_next(conn, reviewers["cur2"]) == ids[1]  # never the item another curator holds
        assert claim_next(conn, reviewers["cur1"], kind="risk.alert") is None


def test_decide_accept_reaches_the_capability_in_the_same_transaction(engine: Engine, queue: Queue, reviewers: dict) -> None:
    heard: list[q.Outcome] = []
    handler = q.on_decided("work.subjects")(lambda conn, outcome: heard.append(outcome))
    try:
        pid, = queue()
        with engine.begin() as conn:
            assert decide(conn, reviewers["cur1"], pid, "accept") == "decided"  # deciding an unclaimed item claims it
        assert [(o.proposal_id, o.decision, o.final) for o in heard] == [(pid, "accept", {"subjects": ["sea", "s0"]})]
        with engine.connect() as conn:
            assert [o.proposal_id for o in q.outcomes(conn, "work.subjects")] == [pid]
            assert q.outcomes(conn, "work.subjects", after=pid) == []
    finally:
        q._HANDLERS["work.subjects"].remove(handler)


def test_a_failing_handler_rolls_the_decision_back(engine: Engine, queue: Queue, reviewers: dict) -> None:
    def broken(conn: Connection, outcome: q.Outcome) -> None:
        raise MuseionError("the catalogue refused the subjects")
    q.on_decided("work.subjects")(broken)
    try:
        pid, = queue()
        with pytest.raises(MuseionError, match="catalogue refused"), engine.begin() as conn:
            decide(conn, reviewers["cur1"], pid, "accept")
        assert status(engine, pid) == "open"
    finally:
        q._HANDLERS["work.subjects"].remove(broken)


def test_deciding_twice_or_someone_elses_item_is_refused_and_changes_nothing(engine: Engine, queue: Queue,
                                                                              reviewers: dict) -> None:
    pid, other = queue(2)
    with engine.begin() as conn:
        decide(conn, reviewers["cur1"], pid, "reject", reason="wrong subjects")
        claim(conn, reviewers["cur2"], other)
    with pytest.raises(Conflict, match="already decided"), engine.begin() as conn:
        decide(conn, reviewers["cur1"], pid, "accept")
    with pytest.raises(Conflict, match="assigned to another reviewer"), engine.begin() as conn:
        decide(conn, reviewers["cur1"], other, "accept")
    with pytest.raises(Conflict, match="decided by the curator role"), engine.begin() as conn:
        decide(conn, reviewers["ana"], other, "accept")
    assert status(engine, other) == "claimed"


@pytest.mark.parametrize(("decision", "final", "reason", "message"), [
    ("reject", None, None, "needs a reason"),
    ("edit", {"subjects": ["sea", "s0"]}, None, "changes nothing"),
    ("edit", {"tags": ["x"]}, None, "every field"),
    ("maybe", None, None, "must be accept, edit or reject"),
])
def test_bad_decisions_are_refused(engine: Engine, queue: Queue, reviewers: dict, decision: str, final: dict | None,
                                   reason: str | None, message: str) -> None:
    pid, = queue()
    with pytest.raises(MuseionError, match=message), engine.begin() as conn:
        decide(conn, reviewers["cur1"], pid, decision, final=final, reason=reason)
    assert status(engine, pid) == "open"


def test_an_edit_keeps_the_edited_content(engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue()
    with engine.begin() as conn:
        decide(conn, reviewers["cur1"], pid, "edit", final={"subjects": ["sea", "harbour"]}, reason="s0 is wrong")
    with engine.connect() as conn:
        row = q.proposal_row(conn, pid)
    assert (row.decision, row.final, row.decided_by) == ("edit", {"subjects": ["sea", "harbour"]}, reviewers["cur1"].actor)


def test_two_reviewers_who_disagree_leave_it_to_the_senior_role(engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue(kind="insight.plan", risk="medium")
    with engine.begin() as conn:
        assert decide(conn, reviewers["alg1"], pid, "accept") == "open"  # one of two reviewers so far
        assert decide(conn, reviewers["alg2"], pid, "reject", reason="favours one label") == "disputed"
    with pytest.raises(Conflict, match="settled by the admin role"), engine.begin() as conn:
        resolve(conn, reviewers["alg1"], pid, "accept", reason="mine")
    with engine.begin() as conn:
        assert resolve(conn, reviewers["adm"], pid, "reject", reason="the plan over-exposes one label") == "decided"
    assert status(engine, pid) == "decided"


def test_two_reviewers_who_agree_decide_it(engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue(kind="insight.plan", risk="medium")
    with engine.begin() as conn:
        decide(conn, reviewers["alg1"], pid, "accept")
        assert decide(conn, reviewers["alg2"], pid, "accept") == "decided"


def test_a_batch_is_all_or_nothing_and_of_one_kind(engine: Engine, queue: Queue, reviewers: dict) -> None:
    ids = queue(3)
    alert, = queue(kind="risk.alert", risk="medium")
    with pytest.raises(MuseionError, match="mixes"), engine.begin() as conn:
        decide_many(conn, reviewers["cur1"], [*ids, alert], "accept")
    with engine.begin() as conn:
        claim(conn, reviewers["cur2"], ids[2])
    with pytest.raises(Conflict, match="another reviewer"), engine.begin() as conn:
        decide_many(conn, reviewers["cur1"], ids, "accept")
    assert [status(engine, i) for i in ids] == ["open", "open", "claimed"]
    with engine.begin() as conn:
        assert decide_many(conn, reviewers["cur1"], ids[:2], "accept") == 2


def test_release_gives_an_item_back(engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue()
    with engine.begin() as conn:
        claim(conn, reviewers["cur1"], pid)
        release(conn, reviewers["cur1"], pid)
        assert claim_next(conn, reviewers["cur2"]) == pid
    with pytest.raises(Conflict, match="no undecided claim"), engine.begin() as conn:
        release(conn, reviewers["cur1"], pid)


def _earn_trust(engine: Engine, queue: Queue, reviewer: object, accepted: int, rejected: int) -> None:
    ids = queue(accepted + rejected, confidence=0.95)
    with engine.begin() as conn:
        for n, pid in enumerate(ids):
            decide(conn, reviewer, pid, "accept" if n < accepted else "reject", reason=None if n < accepted else "no")


def test_the_ai_acts_alone_only_after_people_trusted_its_confident_proposals(engine: Engine, queue: Queue,
                                                                              reviewers: dict, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    policy = q.DEFAULT_POLICY.read_text().replace("auto_after = 200", "auto_after = 4")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / q.POLICY_FILE).write_text(policy)
    pid, = queue(confidence=0.99)
    assert status(engine, pid) == "open"  # no track record yet
    _earn_trust(engine, queue, reviewers["cur1"], accepted=3, rejected=1)
    pid, = queue(confidence=0.99)
    assert status(engine, pid) == "open"  # 75 % accepted < 95 % required
    _earn_trust(engine, queue, reviewers["cur1"], accepted=30, rejected=0)
    low, = queue(confidence=0.5)
    auto, = queue(confidence=0.99)
    assert (status(engine, low), status(engine, auto)) == ("open", "auto")
    with pytest.raises(MuseionError, match="needs a reason"), engine.begin() as conn:
        undo(conn, reviewers["cur1"], auto, "")
    with engine.begin() as conn:
        undo(conn, reviewers["cur1"], auto, "the subjects were for another print")
    with engine.connect() as conn:
        assert q.outcomes(conn, "work.subjects")[-1].decision == "undo"
        assert {e["action"] for e in entries(conn, AuditFilter(action="proposal."), limit=1000)} == {
            "proposal.create", "proposal.decide", "proposal.undo"}


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "unknown.kind"}, "does not name it"),
    ({"risk": "extreme"}, "risk must be low, medium or high"),
    ({"confidence": 1.5}, "between 0 and 1"),
    ({"proposed_by": "a studio"}, "proposed_by"),
    ({"payload": {"text": "x" * 70_000}}, "at most"),
])
def test_bad_proposals_are_refused(engine: Engine, make_draft: Callable, change: dict, message: str) -> None:
    base = make_draft()
    bad = q.Draft(**{**base.__dict__, **change})
    with pytest.raises(MuseionError, match=message), engine.begin() as conn:
        q.propose(conn, bad)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_member_account_cannot_review(engine: Engine, queue: Queue) -> None:
    pid, = queue()
    with engine.begin() as conn:
        staff = create_account(conn, "someone", "auditor", actor="test")
    from museion.collab.review import Reviewer
    with pytest.raises(Conflict, match="curator role"), engine.begin() as conn:
        decide(conn, Reviewer(staff, "auditor"), pid, "accept")


def test_a_claim_left_undecided_goes_back_to_the_queue(engine: Engine, queue: Queue, reviewers: dict) -> None:
    pid, = queue()
    with engine.begin() as conn:
        claim(conn, reviewers["cur1"], pid)
        assert review.release_stale(conn) == 0  # fresh claims stay
        conn.execute(ProposalReview.__table__.update().values(claimed_at=utcnow() - timedelta(hours=9)))
    review._LAST_SWEEP[0] = float("-inf")
    with engine.begin() as conn:
        assert claim_next(conn, reviewers["cur2"]) == pid  # the stale claim was released first
    assert status(engine, pid) == "claimed"
