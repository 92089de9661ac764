"""The catalogue page in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from museion.api.app import create_app
from museion.security.auth import create_account

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test installs it with apt)")


CURATOR, PASSWORD = "curator", "a long browser passphrase"


@pytest.fixture
def base_url(sample_catalogue: Engine, db_url: str) -> Iterator[str]:
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser journey runs once, on the embedded database")
    with sample_catalogue.begin() as conn:
        create_account(conn, CURATOR, "curator", actor="test", password=PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(sample_catalogue), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def test_search_filter_and_open_a_work(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        page = browser.new_page()
        page.goto(base_url + "/")
        page.wait_for_url("**/login?next=%2F")  # everything but health and sign-in needs an account
        page.get_by_label("Name").fill(CURATOR)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base_url + "/")
        assert page.locator("#result-count").inner_text() == "4 works found"
        page.get_by_label("Genre").select_option("Drama")
        page.get_by_label("Title").fill("cléo")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**genre=Drama**")
        assert page.locator("#result-count").inner_text() == "1 work found"
        page.screenshot(path=str(ARTIFACTS / "catalogue-filtered.png"), full_page=True)
        page.get_by_role("link", name="Cléo from 5 to 7").click()
        assert page.locator("h1").inner_text() == "Cléo from 5 to 7"
        assert "Agnès Varda" in page.locator("dl.facts").inner_text()
        page.keyboard.press("Tab")  # the skip link is the first stop for keyboard users
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        browser.close()
