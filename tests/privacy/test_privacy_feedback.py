"""Members' flags and disclosure comments through the gate: only items shown can be flagged, texts are stored redacted,
bad input writes nothing, the review board reads what members agreed to share, a closed round marks what it considered,
public counts suppress small cells, and a member's copy and erasure include it all."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from helpers import approve_and_deploy, import_views, inspecting, member_id_for
from museion.audit.query import AuditFilter, entries
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.fairness.serving import open_recommender
from museion.privacy import consent, feedback, requests, served, vault
from museion.privacy.access import GateBypassed
from museion.privacy.aggregates import SMALL_CELL
from museion.privacy.models import Consent, DisclosureComment, MemberFlag
from museion.recommend import erasure
from museion.recommend.training import train
from museion.registry import lifecycle, review
from museion.registry.policy import load_policy
from museion.security.auth import create_account

MAIL = "ada.lovelace@example.org"


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> SimpleNamespace:
    """12 films, 8 members who consent to personalisation, a deployed item-kNN version serving them."""
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="t").id
    approve_and_deploy(engine, home, version)
    return SimpleNamespace(engine=engine, home=home, version=version, service=open_recommender(engine, home))


def mid(engine: Engine, key: str = "t:m0") -> int:
    with engine.connect() as conn, inspecting():
        return member_id_for(conn, key)


def flag(site: SimpleNamespace, key: str = "t:m0", reason: str = "offensive", comment: str | None = None,
         work: int | str | None = None) -> feedback.Feedback:
    """Serve ``key`` a list, then flag its first item (or ``work``)."""
    shown = site.service.recommend(key, 3, actor="test")
    with site.engine.begin() as conn:
        return feedback.flag(conn, mid(site.engine, key), shown.items[0].work_id if work is None else work, reason, comment,
                             actor="test")


def stored(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn, inspecting():
        return tuple(conn.scalar(select(func.count()).select_from(t)) for t in (MemberFlag, DisclosureComment, Consent))  # type: ignore[return-value]


def review_round(site: SimpleNamespace, decision: str) -> int:
    """Open the deployed version's re-review and close it with ``decision`` by fresh reviewers; returns the round."""
    policy = load_policy(site.home)
    tag = uuid.uuid4().hex[:8]
    with site.engine.begin() as conn:
        lifecycle.start_review(conn, site.version, actor="test")
        capacities = list(policy.required_capacities) or list(policy.capacities)[:1]
        capacities += capacities[:1] * (policy.min_approvals - len(capacities))
        for n, capacity in enumerate(capacities if decision == "approve" else capacities[:1]):
            reviewer = create_account(conn, f"re-{tag}-{n}", "algorithm_reviewer", actor="test")
            state = review.record_review(conn, site.home, site.version, reviewer_account_id=reviewer, capacity=capacity,
                                         decision=decision, findings="checked members' feedback", actor="test")
    return int(state["round"])


def test_a_member_flags_an_item_shown_to_them(site: SimpleNamespace) -> None:
    made = flag(site, comment=f"this offends me, write to {MAIL}")
    assert made.kind == "flag" and made.reason == "offensive" and made.model_version == site.version
    assert made.text == "this offends me, write to <EMAIL_ADDRESS>" and MAIL not in str(made.as_dict())
    assert made.status == f"waiting for the next review of model version {site.version}"
    with site.engine.connect() as conn, inspecting():
        assert conn.scalar(select(MemberFlag.comment)) == made.text  # stored redacted
        ledger = [s for s in consent.states(conn, mid(site.engine)) if s.purpose == feedback.PURPOSE]
        logged = [e["details"] for e in entries(conn, AuditFilter(action="feedback."))]
    assert [(s.granted, s.source) for s in ledger] == [(True, "feedback")]  # sending it is agreeing to the board reading it
    assert logged == [{"reason": "offensive", "model_version": site.version, "comment": True}]  # no text, no member key
    by_key = flag(site, reason="not_for_me", work=made.work_key)
    assert by_key.work_key == made.work_key and by_key.reason == "not_for_me"
    with site.engine.connect() as conn:
        assert [f.id for f in feedback.flags_of(conn, mid(site.engine))] == [by_key.id, made.id]  # newest first


def test_bad_flags_are_refused_and_write_nothing(site: SimpleNamespace) -> None:
    shown = site.service.recommend("t:m0", 3, actor="test")
    with site.engine.connect() as conn, inspecting():
        unseen = conn.scalar(select(Work.id).where(Work.id.not_in([i.work_id for i in shown.items])).limit(1))
    m0, before = mid(site.engine), stored(site.engine)
    cases = [(shown.items[0].work_id, "boring", None, "unknown_reason"), (unseen, "offensive", None, "never_shown"),
             ("no-such-work", "offensive", None, "never_shown"),
             (shown.items[0].work_id, "offensive", "x" * (feedback.FLAG_COMMENT_MAX + 1), "too_long"),
             (shown.items[0].work_id, "offensive", "bell\x07", "control")]
    for work, reason, comment, code in cases:
        with pytest.raises(feedback.FeedbackRefused) as refused, site.engine.begin() as conn:
            feedback.flag(conn, m0, work, reason, comment, actor="test")
        assert refused.value.code == code, (work, reason)
    assert stored(site.engine) == before
    with site.engine.begin() as conn:  # someone else's list does not count as shown to this member
        other = site.service.recommend("t:m1", 3, actor="test").items
        if (w := next((i.work_id for i in other if i.work_id not in {s.work_id for s in shown.items}), None)) is not None:
            with pytest.raises(feedback.FeedbackRefused, match="never recommended to you"):
                feedback.flag(conn, m0, w, "offensive", actor="test")
    flag(site)
    after_one = stored(site.engine)
    with pytest.raises(feedback.AlreadyFlagged), site.engine.begin() as conn:
        feedback.flag(conn, m0, shown.items[0].work_id, "offensive", actor="test")
    assert stored(site.engine) == after_one
    for empty in ("", "   "):
        with pytest.raises(feedback.FeedbackRefused, match="empty"), site.engine.begin() as conn:
            feedback.comment(conn, m0, site.version, empty, actor="test")


def test_the_tables_are_behind_the_gate(site: SimpleNamespace) -> None:
    flag(site)
    for table in ("member_flags", "disclosure_comments"):
        with pytest.raises(GateBypassed, match=table), site.engine.connect() as conn:
            conn.execute(text(f"SELECT * FROM {table}"))


def test_a_list_still_in_the_deferred_log_can_be_flagged(site: SimpleNamespace) -> None:
    served.start_deferred(site.engine)
    try:
        assert flag(site).model_version == site.version  # flag() flushes the queued list before checking it
    finally:
        served.stop_deferred(site.engine)


def test_the_board_sees_feedback_and_a_closed_round_marks_it_considered(site: SimpleNamespace) -> None:
    first = flag(site, comment=f"call {MAIL}")
    flag(site, key="t:m1", reason="seems_biased")
    with site.engine.begin() as conn:
        said = feedback.comment(conn, mid(site.engine, "t:m2"), site.version, "Too many old films.", actor="test")
        seen = feedback.evidence(conn, site.version, actor="reviewer")
    assert seen.counts == {"not_for_me": 0, "offensive": 1, "seems_biased": 1, "wrong_information": 0}
    assert [c.text for c in seen.comments] == ["Too many old films."] and first.text in [f.text for f in seen.flags]
    assert sum(w["flags"] for w in seen.works) == 2 and MAIL not in str(seen.as_dict())
    round_ = review_round(site, "approve")
    with site.engine.connect() as conn:
        mine = feedback.flags_of(conn, mid(site.engine))
        theirs = feedback.comments_of(conn, mid(site.engine, "t:m2"))
        assert feedback.evidence(conn, site.version, actor="reviewer").flags == []  # nothing new since the round
        assert len(feedback.evidence(conn, site.version, actor="reviewer", pending_only=False).flags) == 2
    assert mine[0].status == f"considered in review round {round_} (approved)" and round_ >= 2
    assert (theirs[0].id, theirs[0].considered_round, theirs[0].considered_decision) == (said.id, round_, "approved")
    later = flag(site, key="t:m3", reason="wrong_information")  # after the round: waits for the next one
    rejected = review_round(site, "reject")
    with site.engine.connect() as conn:
        assert feedback.flags_of(conn, mid(site.engine, "t:m3"))[0].status == f"considered in review round {rejected} (rejected)"
        assert feedback.flags_of(conn, mid(site.engine))[0].considered_round == round_  # an earlier round's mark stays
    assert later.considered_round is None


def test_withdrawing_takes_feedback_off_the_board(site: SimpleNamespace) -> None:
    flag(site)
    with site.engine.begin() as conn:
        declared = consent.current_purpose(conn, feedback.PURPOSE)
        consent.record(conn, mid(site.engine), declared, granted=False, notice_version="t", source="web", actor="test")
        assert feedback.evidence(conn, site.version, actor="reviewer").flags == []
        assert feedback.mark_considered(conn, site.version, round_=9, decision="approved", actor="t") == {"flags": 0, "comments": 0}
        assert feedback.public_counts(conn, site.version)["flags"]["offensive"] == 0
        with pytest.raises(Exception, match="approved or rejected"):
            feedback.mark_considered(conn, site.version, round_=9, decision="maybe", actor="t")
    flag(site, reason="wrong_information")  # flagging again is agreeing again
    with site.engine.begin() as conn:
        assert len(feedback.evidence(conn, site.version, actor="reviewer").flags) == 2


def test_public_counts_suppress_small_cells(site: SimpleNamespace) -> None:
    for m in range(SMALL_CELL):
        flag(site, key=f"t:m{m}", reason="not_for_me")
    flag(site, key="t:m7", reason="seems_biased")
    with site.engine.begin() as conn:
        for m in range(2):
            feedback.comment(conn, mid(site.engine, f"t:m{m}"), site.version, "More silent films, please.", actor="test")
        counts = feedback.public_counts(conn, site.version)
    assert counts["flags"] == {"not_for_me": SMALL_CELL, "offensive": 0, "seems_biased": None, "wrong_information": 0}
    assert counts["comments"] is None and counts["suppressed_below"] == SMALL_CELL and "text" not in str(counts)


@given(count=st.integers(0, 1000), members=st.integers(0, 1000))
def test_a_public_count_hides_only_small_groups(count: int, members: int) -> None:
    shown = feedback._suppressed(count, members)
    assert (shown is None) == (0 < members < SMALL_CELL)
    assert shown in (None, count)


def test_export_and_erasure_include_feedback(site: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = flag(site, comment="not for me")
    m0 = mid(site.engine)
    with site.engine.begin() as conn:
        feedback.comment(conn, m0, site.version, "Explain the reasons better.", actor="test")
        monkeypatch.delenv(vault.ENV_KEY, raising=False)
        copy = requests.export_member(conn, vault.KeyRing.load(tmp_path / "keys"), m0)
        request_id = requests.open_request(conn, "t:m0", "erasure", channel="web")
        requests.verify(conn, request_id, by="officer", how="signed-in account")
    assert [f["id"] for f in copy["flags"]] == [made.id] and copy["flags"][0]["status"].startswith("waiting")
    assert [c["text"] for c in copy["disclosure_comments"]] == ["Explain the reasons better."]
    with site.engine.begin() as conn, inspecting():
        outcome = erasure.complete_erasure(conn, site.home, request_id)
    assert (outcome["flags"], outcome["disclosure_comments"]) == (1, 1)
    assert stored(site.engine)[:2] == (0, 0)


def test_staff_list_feedback_from_the_cli(site: SimpleNamespace, museion_env: str) -> None:
    made = flag(site, reason="seems_biased", comment=f"mail {MAIL}")
    runner = CliRunner()
    result = runner.invoke(cli, ["feedback", "list"])
    assert result.exit_code == 0, result.output
    assert "seems_biased" not in result.output and "Seems biased" in result.output  # the reasons in words
    assert f"{made.work_title} · Seems biased: mail <EMAIL_ADDRESS>" in result.output and MAIL not in result.output
    listed = json.loads(runner.invoke(cli, ["feedback", "list", "--json", "--version", str(site.version)]).output)
    assert listed["counts"]["seems_biased"] == 1 and listed["flags"][0]["id"] == made.id
    assert "member_id" not in json.dumps(listed) and "t:m0" not in json.dumps(listed)
    chinese = runner.invoke(cli, ["feedback", "list", "--lang", "zh-Hans"]).output
    assert "似乎有偏见" in chinese and "对本说明的留言" in chinese
    missing = runner.invoke(cli, ["feedback", "list", "--version", "999"])
    assert missing.exit_code == 1 and "no model version 999" in missing.output and "Traceback" not in missing.output
    assert runner.invoke(cli, ["feedback", "list", "--lang", "fr"]).exit_code == 2


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=feedback.FLAG_COMMENT_MAX + 20))
def test_any_comment_is_kept_redacted_or_refused_with_a_reason(comment: str) -> None:
    try:
        kept = feedback.redacted(comment, limit=feedback.FLAG_COMMENT_MAX, required=False)
    except feedback.FeedbackRefused as refused:
        assert refused.code == "control" or (refused.code == "too_long" and len(comment.strip()) > feedback.FLAG_COMMENT_MAX)
        return
    if kept is None:
        assert not comment.strip()
    else:
        assert kept and kept == kept.strip()


def test_a_browsers_line_breaks_are_plain_text() -> None:
    assert feedback.redacted("first line\r\nsecond line", limit=100, required=True) == "first line\nsecond line"


def test_the_board_overview_counts_what_waits_per_version(site: SimpleNamespace) -> None:
    flag(site)
    flag(site, key="t:m1", reason="not_for_me")
    with site.engine.begin() as conn:
        feedback.comment(conn, mid(site.engine, "t:m2"), site.version, "Why these?", actor="test")
        assert feedback.waiting(conn, actor="reviewer") == {site.version: {"flags": 2, "comments": 1}}
    review_round(site, "approve")
    with site.engine.connect() as conn:
        assert feedback.waiting(conn, actor="reviewer") == {}
