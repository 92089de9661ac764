"""Review board, fairness and the public disclosure page on real MovieLens data (with registry and fairness services)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from web_site import Site

from helpers import auth_headers, job_outcome
from museion.registry.disclosure import public_disclosure
from museion.security.auth import issue_token
from museion.server import create_app


@pytest.fixture
def client(movielens_site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(movielens_site.engine, home=movielens_site.home), follow_redirects=False) as c:
        yield c


def signed_in(site: Site, name: str) -> dict[str, str]:
    with site.engine.begin() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, site.accounts[name], actor='test').token}"}


def finished_job(client: TestClient, page: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """The finished job behind a job page's address (/jobs/N), read from the API until it ends."""
    job = job_outcome(client, page.replace("/jobs/", "/api/jobs/"), headers)
    assert job["status"] == "succeeded", job
    return job


def test_reviewer_reads_the_card_and_approves_with_findings(client: TestClient, movielens_site: Site) -> None:
    version = movielens_site.submit_new_version()
    reviewer = signed_in(movielens_site, "reviewer2")
    board = client.get("/review", headers=reviewer).text
    assert f'href="/review/{version}"' in board
    page = client.get(f"/review/{version}", headers=reviewer).text
    assert "Main operating mechanism" in page and "Known limitations" in page and "Start the review round" in page
    assert client.post(f"/review/{version}/start", headers=reviewer).headers["location"] == f"/review/{version}"
    empty = client.post(f"/review/{version}/decision", headers=reviewer, data={"decision": "approve", "capacity": "domain_expert",
                                                                              "findings": "   "})
    assert empty.status_code == 422 and "write the findings" in empty.text
    done = client.post(f"/review/{version}/decision", headers=reviewer,
                       data={"decision": "approve", "capacity": "domain_expert", "findings": "Card matches the evaluation."})
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=reviewer).text
    assert "Status: approved" in page and "Card matches the evaluation." in page
    again = client.post(f"/review/{version}/decision", headers=reviewer,
                        data={"decision": "reject", "capacity": "domain_expert", "findings": "second thoughts"})
    assert again.status_code == 409
    assert client.get("/review", headers=auth_headers(movielens_site.engine, "analyst")).status_code == 403


def test_a_rejection_closes_the_round(client: TestClient, movielens_site: Site) -> None:
    version = movielens_site.submit_new_version()
    reviewer = signed_in(movielens_site, "reviewer2")
    client.post(f"/review/{version}/start", headers=reviewer)
    client.post(f"/review/{version}/decision", headers=reviewer,
                data={"decision": "reject", "capacity": "member_representative", "findings": "Parameters undocumented."})
    assert "Status: rejected" in client.get(f"/review/{version}", headers=reviewer).text


def test_public_disclosure_in_both_languages_linked_from_the_feed(client: TestClient, movielens_site: Site) -> None:
    with movielens_site.engine.connect() as conn:  # the page says what the deployed version's frozen card says
        card = {lang: public_disclosure(conn, lang, movielens_site.home) for lang in ("en", "zh-Hans")}
    english = client.get("/about/recommendations", params={"lang": "en"})
    assert english.status_code == 200 and f"version {movielens_site.deployed}" in english.text
    for field in ("principle", "mechanism", "contact"):
        assert str(escape(card["en"][field])) in english.text, field
    assert str(escape(card["en"]["review"]["notice"])) in english.text and "Basic principles" in english.text
    chinese = client.get("/about/recommendations", params={"lang": "zh-Hans"}).text
    assert '<html lang="zh-Hans">' in chinese and "基本原理" in chinese and "我们的推荐如何运作" in chinese
    assert str(escape(card["zh-Hans"]["principle"])) in chinese
    member = {"Authorization": f"Bearer {_member_token(movielens_site, 'movielens:2')}"}
    feed = client.get("/members/movielens:2/recommendations", headers=member, params={"lang": "en"}).text
    assert 'href="/about/recommendations"' in feed and f"by model version {movielens_site.deployed}" in feed
    assert len(re.findall(r'<span class="why">Because you rated ', feed)) == 10


def _member_token(site: Site, key: str) -> str:
    from museion.security.auth import member_account

    with site.engine.begin() as conn:
        return issue_token(conn, member_account(conn, key, actor="test"), actor="test").token


def test_switching_personalisation_off_labels_the_next_list(client: TestClient, movielens_site: Site) -> None:
    headers = {"Authorization": f"Bearer {_member_token(movielens_site, 'movielens:3')}"}
    off = client.post("/members/movielens:3/personalisation", headers=headers, data={"on": "false"})
    assert off.headers["location"] == "/members/movielens:3/recommendations?done=personalisation-off"
    page = client.get(off.headers["location"] + "&lang=zh-Hans", headers=headers).text
    assert "个性化已关闭：您的下一个列表不再基于您的历史记录。" in page
    assert "个性化已关闭：此列表对所有人相同。" not in page  # one notice says it, not two near-identical ones
    assert "非个性化：热门作品，原因是该会员关闭了个性化。" in page and "深受会员喜爱" in page
    client.post("/members/movielens:3/personalisation", headers=headers, data={"on": "true"})
    assert "Personalised for movielens:3" in client.get("/members/movielens:3/recommendations", headers=headers,
                                                         params={"lang": "en"}).text


def test_fairness_audit_from_the_page(client: TestClient, movielens_site: Site) -> None:
    auditor = signed_in(movielens_site, "auditor")
    ran = client.post(f"/fairness/{movielens_site.deployed}/audits", headers=auditor, data={"scope": "evaluation"})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/jobs/")  # the audit runs as a job
    job = finished_job(client, ran.headers["location"], auditor)
    page = client.get(job["links"]["web"], headers=auditor).text
    assert "head_tail_exposure_gap" in page and page.count('type="application/json"') >= 2
    assert f'href="/fairness/{movielens_site.deployed}?audit=' in client.get("/fairness", headers=auditor).text
    bad = client.post("/fairness/curve", headers=auditor, data={"model": "magic", "reranker": "xquad"})
    assert bad.status_code == 422 and "unknown model" in bad.text
    assert client.post("/fairness/curve", headers=signed_in(movielens_site, "admin"),
                       data={"model": "ease", "reranker": "xquad"}).status_code == 403


def test_trade_off_curve_from_the_page(client: TestClient, movielens_site: Site) -> None:
    analyst = signed_in(movielens_site, "analyst")
    started = client.post("/fairness/curve", headers=analyst, data={"model": "ease", "reranker": "xquad", "strengths": "0,1"})
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")  # the curve runs as a job
    job = finished_job(client, started.headers["location"], analyst)
    assert f'href="/fairness?curve_job={job["id"]}"' in client.get(started.headers["location"], headers=analyst).text
    page = client.get(job["links"]["web"], headers=analyst)
    assert page.status_code == 200
    assert re.search(r'id="curve-headline">ease \+ xquad on [\d,]+ test members: at strength', page.text)
    assert len(re.findall(r'<script type="application/json" id="data-curve-\d+">', page.text)) >= 1
    assert client.post("/fairness/curve", headers=analyst, data={"model": "ease", "reranker": "xquad",
                                                                  "strengths": "1,0"}).status_code == 422
