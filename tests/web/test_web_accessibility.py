"""Accessibility checks that need no browser: colour contrast of the palette, labelled controls, landmarks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers
from museion.server import create_app
from museion.web.site import STATIC_DIR

CSS = (STATIC_DIR / "museion.css").read_text(encoding="utf-8")
PALETTE = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))
WHITE = "#ffffff"
# (foreground, background, minimum): text needs 4.5:1 (WCAG 2.1 AA 1.4.3), focus outlines 3:1 (1.4.11).
PAIRS = [("ink", "bg", 4.5), ("muted", "bg", 4.5), ("accent", "bg", 4.5), ("accent", WHITE, 4.5), (WHITE, "accent", 4.5),
         (WHITE, "top", 4.5), ("danger", WHITE, 4.5), (WHITE, "danger", 4.5), ("ink", "warn-bg", 4.5), ("ink", "alert-bg", 4.5),
         ("ink", "ok-bg", 4.5), ("muted", WHITE, 4.5), ("focus", "bg", 3.0), ("focus", "top", 3.0)]


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour (the standard's formula; a few lines, no library needed)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_matches_known_values() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes AA on white


@pytest.mark.parametrize(("fg", "bg", "minimum"), PAIRS)
def test_palette_contrast(fg: str, bg: str, minimum: float) -> None:
    colour = lambda name: name if name.startswith("#") else PALETTE[name]  # noqa: E731
    assert contrast(colour(fg), colour(bg)) >= minimum, (fg, bg)


class Controls(HTMLParser):
    """Collects form controls and whether each has an accessible name (a wrapping label or aria-label)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.unlabelled, self.landmarks = 0, [], set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.depth += 1
        if tag in ("main", "nav", "header", "footer"):
            self.landmarks.add(tag)
        hidden = tag == "input" and a.get("type") in ("hidden", "submit")
        if tag in ("input", "select", "textarea") and not hidden and not self.depth and "aria-label" not in a:
            self.unlabelled.append(a.get("name"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1


@pytest.mark.parametrize("path", ["/login", "/dashboard", "/catalogue", "/audit", "/privacy", "/recommendations", "/members/demo:m1/privacy"])
def test_every_control_is_labelled_and_pages_have_landmarks(path: str, sample_catalogue: Engine) -> None:
    with TestClient(create_app(sample_catalogue)) as client:
        headers = auth_headers(sample_catalogue, "privacy_officer") if path != "/login" else {}
        page = client.get(path, headers=headers)
    assert page.status_code == 200
    found = Controls()
    found.feed(page.text)
    assert not found.unlabelled, f"{path}: controls without a label: {found.unlabelled}"
    assert {"main", "nav", "header", "footer"} <= found.landmarks
    assert page.text.index('class="skip" href="#main"') < page.text.index("<header")  # the first thing a keyboard reaches
