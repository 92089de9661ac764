"""Members' voice in the browser, in English and Chinese: the Flag control on My recommendations, "My flags" with each
flag's status, translated refusals that write nothing, the comment form and counts on the disclosure page, and the
review board's page showing the feedback until a round considers it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, import_views
from museion.recommend.training import train
from museion.registry.policy import load_policy
from museion.security.auth import create_account, issue_token, member_account
from museion.server import create_app

MEMBER = "t:m0"
PAGE = f"/members/{MEMBER}/recommendations"
MAIL = "ada.lovelace@example.org"


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[SimpleNamespace]:
    import_views(engine, tmp_path, genres=("Drama", "Comedy", "Noir"), works=12, members=8, skip_every=4)
    home = tmp_path / "home"
    version = train(engine, home, "itemknn", source="t", actor="t").id
    approve_and_deploy(engine, home, version)
    with TestClient(create_app(engine, home), follow_redirects=False) as client:
        yield SimpleNamespace(client=client, engine=engine, home=home, version=version,
                              member=auth_headers(engine, member=MEMBER))


def first_item(site: SimpleNamespace) -> tuple[int, str]:
    """Show the member their list; the first item's work id and title, read from the page's Flag control."""
    page = site.client.get(PAGE, headers=site.member, params={"lang": "en"}).text
    assert page.count('<details class="flag">') == page.count('<span class="why">') > 0 and 'action="/members/t:m0/flags"' in page
    work_id = int(re.search(r'name="work_id" value="(\d+)"', page).group(1))
    title = re.search(r'aria-label="Flag ([^"]+)"', page).group(1)
    return work_id, title


def test_a_member_flags_an_item_and_sees_its_status_in_both_languages(site: SimpleNamespace) -> None:
    work_id, title = first_item(site)
    sent = site.client.post(f"/members/{MEMBER}/flags", headers=site.member,
                            data={"work_id": work_id, "reason": "wrong_information", "comment": f"write to {MAIL}"})
    assert sent.status_code == 303 and sent.headers["location"] == f"{PAGE}?done=flag#my-flags"
    english = site.client.get(PAGE, headers=site.member, params={"lang": "en", "done": "flag"}).text
    assert "Thank you: your flag is recorded." in english
    row = re.search(r'<table id="my-flags-table">.*?</table>', english, re.S).group(0)
    assert title in row and "Wrong information" in row and "write to &lt;EMAIL_ADDRESS&gt;" in row and MAIL not in english
    assert f"Waiting for the next review of version {site.version}" in row
    chinese = site.client.get(f"/members/{MEMBER}/privacy", headers=site.member, params={"lang": "zh-Hans"}).text
    assert "我的标记" in chinese and "信息有误" in chinese and f"等待版本 {site.version} 的下一次评审" in chinese
    assert "Waiting for" not in chinese and "Wrong information" not in chinese


@pytest.mark.parametrize(("lang", "expected"), [("en", "Choose one of the reasons offered."), ("zh-Hans", "请从提供的理由中选择一项。")])
def test_refusals_are_translated_and_write_nothing(site: SimpleNamespace, lang: str, expected: str) -> None:
    work_id, _ = first_item(site)
    post = lambda data, headers=site.member: site.client.post(  # noqa: E731
        f"/members/{MEMBER}/flags?lang={lang}", headers=headers, data=data)
    refused = post({"work_id": work_id, "reason": "boring"})
    assert refused.status_code == 400 and expected in refused.text and f'lang="{lang}"' in refused.text
    never = post({"work_id": 10**9, "reason": "offensive"})
    assert never.status_code == 400 and ("never recommended to you" in never.text or "从未推荐给您" in never.text)
    long = post({"work_id": work_id, "reason": "offensive", "comment": "x" * 501})
    assert long.status_code == 400 and "500" in long.text
    officer = post({"work_id": work_id, "reason": "offensive"}, auth_headers(site.engine, "privacy_officer"))
    assert officer.status_code == 403 and ("on a member's behalf" in officer.text or "代表会员" in officer.text)
    assert post({"work_id": work_id, "reason": "offensive"}, auth_headers(site.engine, member="t:m1")).status_code == 403
    page = site.client.get(PAGE, headers=site.member, params={"lang": "en"}).text
    assert "You have not flagged any recommendation." in page


def test_comment_on_the_disclosure_page_is_counted_never_shown(site: SimpleNamespace) -> None:
    anonymous = site.client.get("/about/recommendations", params={"lang": "en"}).text
    assert 'id="feedback-counts"' in anonymous and "Members can sign in to comment." in anonymous
    assert 'id="comment-form"' not in anonymous
    assert 'id="comment-form"' not in site.client.get("/about/recommendations", headers=auth_headers(site.engine, "admin")).text
    with site.engine.begin() as conn:  # a browser session: the public page recognises the member and offers the form
        token = issue_token(conn, member_account(conn, MEMBER, actor="test"), actor="test").token
    login = site.client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert site.client.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"}).status_code == 303
    page = site.client.get("/about/recommendations", params={"lang": "en"}).text
    assert 'id="comment-form"' in page
    csrf = re.search(r'id="comment-form">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    assert site.client.post("/about/recommendations/comments", data={"text": "no token"}).status_code == 403
    sent = site.client.post("/about/recommendations/comments", data={"csrf_token": csrf, "text": "Too many thrillers."})
    assert sent.status_code == 303 and sent.headers["location"] == "/about/recommendations?done=comment#member-feedback"
    shown = site.client.get("/about/recommendations", headers=site.member, params={"lang": "zh-Hans", "done": "comment"}).text
    assert "谢谢：您的留言已记录。" in shown and "会员的反馈" in shown and "少于 5" in shown and "Too many thrillers" not in shown
    empty = site.client.post("/about/recommendations/comments?lang=zh-Hans", headers=site.member, data={"text": "  "})
    assert empty.status_code == 400 and "请先填写留言：内容为空。" in empty.text


def test_the_review_board_sees_the_flag_and_the_round_marks_it_considered(site: SimpleNamespace) -> None:
    work_id, title = first_item(site)
    site.client.post(f"/members/{MEMBER}/flags", headers=site.member,
                     data={"work_id": work_id, "reason": "seems_biased", "comment": "Only dramas, ever."})
    tag, policy = uuid.uuid4().hex[:6], load_policy(site.home)
    capacities = list(policy.required_capacities) or list(policy.capacities)[:1]
    capacities += capacities[:1] * (policy.min_approvals - len(capacities))
    with site.engine.begin() as conn:  # as many reviewers as the policy needs, each signed in with their own token
        accounts = [create_account(conn, f"board-{tag}-{n}", "algorithm_reviewer", actor="test") for n in range(len(capacities))]
        boards = [{"Authorization": f"Bearer {issue_token(conn, account, actor='test').token}"} for account in accounts]
    board = boards[0]
    overview = site.client.get("/review", headers=board, params={"lang": "en"}).text
    waiting = re.search(r'<ul id="feedback-waiting">.*?</ul>', overview, re.S).group(0)
    assert f'href="/review/{site.version}#member-feedback"' in waiting and "1 flag(s) and 0 comment(s)" in waiting
    page = site.client.get(f"/review/{site.version}", headers=board, params={"lang": "en"}).text
    section = page[page.index("Member feedback since the last round"):page.index('id="reviews"')]
    assert title in section and "Only dramas, ever." in section and "Seems biased" in section
    assert site.client.post(f"/review/{site.version}/start", headers=board).status_code == 303
    for reviewer, capacity in zip(boards, capacities, strict=True):
        decided = site.client.post(f"/review/{site.version}/decision", headers=reviewer,
                                   data={"decision": "approve", "capacity": capacity, "findings": "Read the members' flags."})
        assert decided.status_code == 303
    after = site.client.get(f"/review/{site.version}", headers=board, params={"lang": "zh-Hans"}).text
    assert "上一轮评审以来，没有关于此版本的会员反馈。" in after
    assert 'id="feedback-waiting"' not in site.client.get("/review", headers=board).text  # the round considered it
    mine = site.client.get(PAGE, headers=site.member, params={"lang": "en"}).text
    assert re.search(r"Considered in review round \d+ \(approved\)", mine)
    chinese = site.client.get(PAGE, headers=site.member, params={"lang": "zh-Hans"}).text
    assert re.search(r"已在第 \d+ 轮评审中考虑（已批准）", chinese) and "Considered in" not in chinese
