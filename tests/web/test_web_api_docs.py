"""The API docs in a real headless Chromium with the network cut off (issue 13): /docs lists the operations and
/redoc renders them, with every request answered by the app itself, none failed and no console error (a script or
style refused by the content security policy shows up there)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from web_site import serving

from museion.http import apidocs
from museion.server import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(os.environ.get("MUSEION_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "build" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test installs it with apt)"),
              pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]  # pages and files: the store is not involved


@pytest.fixture
def base_url(sample_catalogue: Engine) -> Iterator[str]:
    with serving(create_app(sample_catalogue)) as url:
        yield url


@pytest.fixture
def offline_page(base_url: str) -> Iterator[tuple[object, list[str]]]:
    """A page whose every request to another host is cut off and recorded, as are failed requests and console errors."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        here = urlsplit(base_url).netloc

        def only_here(route, request) -> None:  # type: ignore[no-untyped-def]
            if urlsplit(request.url).scheme in ("data", "blob") or urlsplit(request.url).netloc == here:
                route.continue_()
            else:
                problems.append(f"remote request: {request.url}")
                route.abort("internetdisconnected")

        page.route("**/*", only_here)
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
        page.on("response", lambda response: problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None)
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        yield page, problems
        browser.close()


def test_swagger_ui_lists_the_operations_offline(base_url: str, offline_page: tuple[object, list[str]]) -> None:
    page, problems = offline_page
    page.goto(base_url + apidocs.DOCS)  # type: ignore[attr-defined]
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)  # type: ignore[attr-defined]
    paths = page.locator(".opblock-summary-path").all_inner_texts()  # type: ignore[attr-defined]
    assert "/api/works" in {p.replace("\u200b", "") for p in paths} and len(paths) > 50
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "api-docs.png"))  # type: ignore[attr-defined]
    assert not problems, problems


def test_redoc_renders_the_operations_offline(base_url: str, offline_page: tuple[object, list[str]]) -> None:
    page, problems = offline_page
    page.goto(base_url + apidocs.REDOC)  # type: ignore[attr-defined]
    page.wait_for_selector("[data-section-id^='tag/']", timeout=30_000)  # type: ignore[attr-defined]
    assert page.locator("[data-section-id*='operation/']").count() > 50  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "api-redoc.png"))  # type: ignore[attr-defined]
    assert not problems, problems
