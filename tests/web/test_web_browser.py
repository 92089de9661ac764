"""The web app in a real headless Chromium (Debian's package, driven by Playwright), on real MovieLens data:
each role signs in and sees its pages, the UI switches to Chinese, a member switches personalisation off and
downloads their data, and a reviewer approves a model version. Screenshots of the main pages are saved to
$MUSEION_SCREENSHOTS (default build/screenshots)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from page_checks import page_findings
from web_site import Site

from museion.security.auth import issue_token, member_account
from museion.server import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(os.environ.get("MUSEION_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "build" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
PASSWORD = "a long browser passphrase"
# Every chart on the page has drawn (charts.js marks each): pages fetch nothing after they load, so this is all there is
# to wait for, and it does not idle half a second per page as waiting for the network to fall quiet does.
CHARTS_DRAWN = "() => [...document.querySelectorAll('[data-chart]')].every(chart => chart.dataset.drawn === 'true')"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test installs it with apt)")


@pytest.fixture(scope="module")
def base_url(movielens_site: Site) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(movielens_site.engine, home=movielens_site.home), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    (SHOTS / "pages").mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def refused_page(page, msg) -> bool:  # type: ignore[no-untyped-def]
    """Chromium logs a page answered with 403 or 404 as a failed load; the tests open some on purpose."""
    return msg.text.startswith("Failed to load resource") and msg.location.get("url") == page.url


def sign_in(browser, base_url: str, *, name: str = "", token: str = ""):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in through the login form; returns (context, page, CSP complaints)."""
    context = browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    complaints: list[str] = []
    # Any console error (a script or style refused by the Content-Security-Policy among them) or uncaught exception.
    page.on("console", lambda msg: complaints.append(f"{page.url}: {msg.text}") if msg.type == "error" and not refused_page(page, msg) else None)
    page.on("pageerror", lambda error: complaints.append(f"{page.url}: {error}"))
    page.goto(base_url + "/")  # a visitor lands on the welcome page; everything but it, sign-in and the public pages needs an account
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/login?next=%2F")
    if token:
        page.get_by_label("Token").fill(token)
    else:
        page.get_by_label("Name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return context, page, complaints


def menu(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(page.locator('nav[aria-label="Main"] a').evaluate_all("links => links.map(a => a.getAttribute('href'))"))


def test_staff_roles_see_their_pages_with_live_charts(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    context, page, complaints = sign_in(browser, base_url, name="analyst")
    page.wait_for_url("**/dashboard")
    assert menu(page) == {"/dashboard", "/catalogue", "/models", "/fairness", "/assessments", "/jobs", "/queue", "/insight", "/risk/alerts",
                          "/rights/licences"}
    page.wait_for_selector("#plot-activity[data-drawn='true']")
    assert page.locator("[data-drawn='true']").count() == 3 and page.locator("#plot-activity .main-svg").count() >= 1
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    page.keyboard.press("Tab")  # the skip link is the first stop for keyboard users
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("link", name="中文").click()
    page.wait_for_url("**lang=zh-Hans")
    assert page.locator("h1").inner_text() == "概览" and page.locator("html").get_attribute("lang") == "zh-Hans"
    page.wait_for_selector("#plot-activity[data-drawn='true']")
    page.screenshot(path=str(SHOTS / "dashboard-zh.png"), full_page=True)
    page.get_by_role("link", name="模型", exact=True).click()  # the choice is remembered on the next page
    assert page.locator("h1").inner_text() == "模型版本"
    page.screenshot(path=str(SHOTS / "models-zh.png"), full_page=True)
    page.get_by_role("link", name="藏品目录").click()
    page.get_by_role("searchbox", name="搜索").fill("heat")
    page.get_by_label("类型").select_option("Crime")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**genre=Crime**")
    assert page.get_by_role("link", name="Heat (1995)").count() == 1 and page.locator("#result-count").inner_text().startswith("找到")
    page.screenshot(path=str(SHOTS / "catalogue-zh.png"), full_page=True)
    assert page.goto(base_url + "/privacy").status == 403  # refused by the server, not only hidden
    assert not complaints, complaints
    context.close()

    context, page, _ = sign_in(browser, base_url, name="privacy-officer")
    page.wait_for_url("**/dashboard")
    assert menu(page) == {"/dashboard", "/catalogue", "/privacy", "/assessments", "/audit", "/jobs", "/recommendations", "/queue",
                          "/insight", "/risk/alerts", "/rights/licences"}
    page.get_by_role("link", name="Privacy", exact=True).click()
    assert page.locator("#purposes").inner_text().count("personalisation") >= 1
    page.screenshot(path=str(SHOTS / "privacy.png"), full_page=True)
    context.close()

    context, page, _ = sign_in(browser, base_url, name="auditor")
    page.wait_for_url("**/dashboard")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("button", name="Verify the chain").click()
    assert page.locator("#verify-result").inner_text().startswith("The chain is intact")
    page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)
    context.close()


def test_member_switches_personalisation_off_and_downloads_their_data(browser, base_url: str, movielens_site: Site) -> None:  # type: ignore[no-untyped-def]
    with movielens_site.engine.begin() as conn:
        token = issue_token(conn, member_account(conn, "movielens:1", actor="test"), actor="test").token
    context, page, complaints = sign_in(browser, base_url, token=token)
    page.wait_for_url("**/members/movielens:1/recommendations")
    assert page.locator("#list-label").inner_text().startswith("Personalised for movielens:1")
    assert page.locator("ol.recs li").count() == 10 and page.locator(".why").first.inner_text().startswith("Because you rated")
    page.screenshot(path=str(SHOTS / "member-feed.png"), full_page=True)
    page.get_by_role("button", name="Switch personalisation off").click()
    page.wait_for_url("**done=personalisation-off")
    label = page.locator("#list-label")
    assert "not-personalised" in label.get_attribute("class")
    assert label.inner_text() == "Not personalised: popular works, because the member switched personalisation off."
    page.screenshot(path=str(SHOTS / "member-feed-not-personalised.png"), full_page=True)

    page.get_by_role("link", name="My interests, consents and data").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    copy = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert copy["member"]["key"] == "movielens:1" and len(copy["events"]) > 10
    page.screenshot(path=str(SHOTS / "member-privacy.png"), full_page=True)

    page.get_by_role("link", name="How our recommendations work").first.click()
    assert page.locator("h1").inner_text() == "How our recommendations work"
    assert menu(page) == {"/members/movielens:1/recommendations", "/members/movielens:1/privacy"}  # still signed in
    page.screenshot(path=str(SHOTS / "disclosure.png"), full_page=True)
    context.clear_cookies()
    page.goto(base_url + "/about/recommendations?lang=zh-Hans")  # public: no account needed
    assert page.locator("h1").inner_text() == "我们的推荐如何运作"
    page.screenshot(path=str(SHOTS / "disclosure-zh.png"), full_page=True)
    assert not complaints, complaints
    context.close()


def test_reviewer_approves_a_model_version(browser, base_url: str, movielens_site: Site) -> None:  # type: ignore[no-untyped-def]
    version = movielens_site.submit_new_version()
    context, page, _ = sign_in(browser, base_url, name="reviewer2")
    page.wait_for_url("**/dashboard")
    page.get_by_role("link", name="Review board").click()
    page.get_by_role("link", name=f"Version {version}", exact=True).click()
    page.get_by_role("button", name="Start the review round").click()
    page.get_by_label("Reviewing as").select_option("domain_expert")
    page.get_by_label("Findings: what you checked and what you found").fill("Card, evaluation and data categories checked.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/review/{version}?recorded=approve")
    assert page.locator("#review-status").inner_text().startswith("Status: approved")
    page.screenshot(path=str(SHOTS / "review-approved.png"), full_page=True)
    context.close()


def published_exhibition(site: Site) -> int:
    """A public gallery to open: three films drafted as an exhibition and accepted by two curators (once per site)."""
    from sqlalchemy import select

    from museion.catalog.models import Work
    from museion.collab.queue import Draft, propose
    from museion.collab.review import Reviewer, decide
    from museion.security.auth import create_account
    from museion.studio.exhibitions import KIND, exhibitions

    with site.engine.begin() as conn:
        if shown := exhibitions(conn):
            return int(shown[0]["proposal_id"])
        films = list(conn.scalars(select(Work.key).where(Work.source == "movielens").order_by(Work.id).limit(3)))
        pid = propose(conn, Draft(kind=KIND, subject="theme:Comedy", proposed_by="test", risk="medium",
                                  payload={"title": "Comedy on film", "works": films}, evidence={"choices": films}))
        for n in (1, 2):
            decide(conn, Reviewer(create_account(conn, f"gallery-curator-{n}", "curator", actor="test"), "curator"), pid, "accept")
    return pid


def exhibition_plan(site: Site) -> int:
    """An exhibition plan to open: built from a search for "love" over the films (the index built once per site)."""
    from museion.studio import plans, search

    with site.engine.begin() as conn:
        if made := plans.plans(conn):
            return int(made[0]["id"])
    if search.current(site.home) is None:
        search.build_index(site.engine, site.home)
    with site.engine.begin() as conn:
        return plans.create(conn, site.home, "love", actor="test", size=5, targets={("era", "1950–1999"): 2})


def site_rollout(site: Site) -> int:
    """A rollout page to open (once per site): a reviewed popularity candidate beside the deployed version, two days of
    simulated traffic for its curves, then stopped so every member is served the deployed version again."""
    from museion.experiments import rollouts
    from museion.experiments.demo import reviewed_candidate, waiting_candidate
    from museion.experiments.simulate import simulate

    with site.engine.connect() as conn:
        if shown := rollouts.listing(conn):
            return int(shown[0]["id"])
    candidate = waiting_candidate(site.engine) or reviewed_candidate(site.engine, site.home, actor="test")
    with site.engine.begin() as conn:
        rollout = rollouts.start(conn, site.home, candidate, actor="test", mode="ab", share=0.5)
    simulate(site.engine, site.home, rollout, actor="test", members=40, days=2)
    with site.engine.begin() as conn:
        if rollouts.get(conn, rollout).state == "running":
            rollouts.stop(conn, rollout, actor="test", reason="browser sweep")
    return rollout


def detail_pages(site: Site, account: str) -> list[str]:
    """Pages reached from the menu pages rather than in it; a role refused one (403) does not check it. The insight
    pages fit forecasts and segments as they open, so one role (the analyst, whose work they are) checks them."""
    from sqlalchemy import func, select

    from museion.catalog.models import Creator, Work
    from museion.rights.licence_models import Licence

    with site.engine.connect() as conn:
        work = conn.scalar(select(func.min(Work.id)))
        licence = conn.scalar(select(func.min(Licence.id)))
        creator = conn.scalar(select(func.min(Creator.id)))
    return ["/", "/about/roles", "/about/glossary", f"/works/{work}", f"/models/{site.deployed}", f"/fairness/{site.deployed}",
            f"/review/{site.deployed}", "/queue/policy", "/queue/metrics", "/queue/guide", "/queue/practice", "/privacy?closed=true",
            "/studio/exhibitions", "/studio/plans", f"/studio/plans/{exhibition_plan(site)}", "/rights/duplicates", "/rights/submissions", "/rights/conflicts", "/rights/statements",
            f"/rights/licences/{licence}", "/rights/statements?holder=test-distributor",
            f"/experiments?version={site.deployed}", f"/experiments/{site_rollout(site)}", f"/gallery/{published_exhibition(site)}",
            "/heritage/creators", "/heritage/edm"] + ([f"/creators/{creator}"] if creator else []) + (
        ["/insight/forecast", "/insight/trends", "/insight/segments", "/insight/planner", "/insight/outlook"]
        if account == "analyst" else [])


@pytest.mark.parametrize("account", ["admin", "analyst", "curator", "privacy-officer", "algorithm-reviewer", "auditor", "member"])
def test_every_page_of_every_role_works_in_both_languages(browser, base_url: str, movielens_site: Site, account: str) -> None:  # type: ignore[no-untyped-def]
    """Each page in the role's menu, and the public page, opens in Chromium in English and in Chinese at 1366 px and
    at 390 px (a phone): 200, the right ``<html lang>``, a heading, no console error, no horizontal overflow, no
    English left on the Chinese page, and no WCAG 2.1 A/AA violation that axe-core finds. Screenshots of each land in
    $MUSEION_SCREENSHOTS."""
    from axe_playwright_python.sync_playwright import Axe

    if account == "member":
        with movielens_site.engine.begin() as conn:
            token = issue_token(conn, member_account(conn, "movielens:2", actor="test"), actor="test").token
        context, page, complaints = sign_in(browser, base_url, token=token)
    else:
        context, page, complaints = sign_in(browser, base_url, name=account)
    page.wait_for_load_state()
    pages = sorted(menu(page)) + ["/about/recommendations"]
    assert len(pages) >= 3
    pages += [path for path in detail_pages(movielens_site, account) if page.goto(f"{base_url}{path}").status != 403]
    axe, findings = Axe(), []
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            for lang in ("en", "zh-Hans"):
                response = page.goto(f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}")
                assert response is not None and response.status == 200, (path, lang)
                page.wait_for_function(CHARTS_DRAWN)  # charts drawn: they may overflow or log errors too
                assert page.locator("html").get_attribute("lang") == lang, (path, lang)
                assert page.locator("h1").first.inner_text().strip(), (path, lang)
                findings += page_findings(page, axe if width == 1366 else None, lang=lang)
                if width == 1366:
                    shot = f"{account}{re.sub(r'[^A-Za-z0-9_-]', '-', path)}-{lang}.png"
                    page.screenshot(path=str(SHOTS / "pages" / shot), full_page=True)
    assert not complaints, complaints
    assert not findings, "\n".join(findings)
    context.close()
