"""English and Simplified Chinese: every UI string translated, and the language chosen per request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers
from museion import collab, studio, web
from museion.http import i18n
from museion.server import create_app

SOURCES = (i18n.LOCALE_DIR.parent, Path(web.__file__).parent)  # the page frame and error pages, and the pages
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


REFUSALS = [(Path(collab.__file__).parent, [("queue.py", "python"), ("review.py", "python"), ("practice.py", "python")]),
            (Path(studio.__file__).parent, [("exhibitions.py", "python"), ("suggestions.py", "python"), ("artifact.py", "python")])]
REFUSAL_KEYWORDS = {"Conflict": None, "MuseionError": None, "NotFound": None}
"""Services whose refusals the pages show translated (templated errors, see museion.errors.MuseionError)."""


def used_msgids() -> set[str]:
    """Every string the web app marks for translation, found the way `pybabel extract` finds them."""
    found = set()
    sources = [(source, METHODS, KEYWORDS) for source in SOURCES] + [(d, m, REFUSAL_KEYWORDS) for d, m in REFUSALS]
    for source, methods, keywords in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(source, methods, OPTIONS, keywords):
            found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def zh_catalog():  # type: ignore[no-untyped-def]
    with (i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "museion.po").open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def test_every_ui_string_has_a_chinese_translation() -> None:
    used = used_msgids()
    assert len(used) > 150 and "Skip to content" in used and "Overview" in used  # the extraction itself works
    translations: dict[str, str] = {}
    for message in zh_catalog():
        if message.id:
            assert not message.fuzzy, f"fuzzy entry {message.id!r}: review it and remove the flag"
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            translations.update({msgid: strings[0] for msgid in ids})
    missing = sorted(msgid for msgid in used if not translations.get(msgid))
    assert not missing, f"UI strings without a zh-Hans translation (see src/museion/http/locale/README.md): {missing}"


def test_placeholders_survive_translation() -> None:
    """A translation that drops or renames %(name)s would fail at render time; catch it here."""
    import re

    catalog = zh_catalog()
    names = lambda text: sorted(re.findall(r"%\((\w+)\)s", text))  # noqa: E731
    for message in catalog:
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            assert names(target) == names(source), (source, target)


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"), ("en-GB,en;q=0.9", "en"), ("fr-FR, zh;q=0.5, en;q=0.4", "zh-Hans"),
    ("zh-TW", None), ("zh-Hant-HK, en;q=0.2", "en"), ("de, fr", None), ("en;q=0, zh-Hans;q=0.1", "zh-Hans"),
    ("en;q=0.5, zh-SG", "zh-Hans"), ("", None), ("en;q=banana, zh-CN;q=0.3", "zh-Hans"),
])
def test_accept_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_query_beats_cookie_beats_header() -> None:
    assert i18n.choose({"lang": "zh-Hans"}, "en", "en") == ("zh-Hans", True)
    assert i18n.choose({"lang": "klingon"}, "zh-Hans", "en") == ("zh-Hans", False)
    assert i18n.choose({}, None, "zh-CN") == ("zh-Hans", False)
    assert i18n.choose({}, "garbage", "de") == ("en", False)


@pytest.fixture
def client(sample_catalogue: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(sample_catalogue), follow_redirects=False) as c:
        yield c


def test_pages_render_in_the_chosen_language(client: TestClient, sample_catalogue: Engine) -> None:
    english = client.get("/login")
    assert '<html lang="en">' in english.text and "Skip to content" in english.text and "museion_lang" not in english.headers.get("set-cookie", "")
    chosen = client.get("/login", params={"lang": "zh-Hans"})
    assert '<html lang="zh-Hans">' in chosen.text and "跳到正文" in chosen.text and ">登录<" in chosen.text
    assert "museion_lang=zh-Hans" in chosen.headers["set-cookie"]
    assert '<html lang="zh-Hans">' in client.get("/login").text  # the cookie remembers the choice
    client.cookies.clear()
    assert '<html lang="zh-Hans">' in client.get("/login", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    headers = {**auth_headers(sample_catalogue, "curator"), "accept-language": "zh-CN"}
    page = client.get("/catalogue", headers=headers).text
    assert "找到 4 件作品" in page and "藏品目录" in page and "第 1 页，共 1 页" in page
    assert "找到 1 件作品" in client.get("/catalogue", params={"q": "heat"}, headers=headers).text
    refused = client.get("/audit", headers=headers)
    assert refused.status_code == 403 and "不允许访问" in refused.text  # error pages are translated too


def test_language_switcher_keeps_the_page_and_its_filters(client: TestClient, sample_catalogue: Engine) -> None:
    page = client.get("/catalogue", params={"q": "heat", "kind": "film"}, headers=auth_headers(sample_catalogue, "curator")).text
    assert 'href="/catalogue?q=heat&amp;kind=film&amp;lang=zh-Hans"' in page and 'lang="zh-Hans"' in page


def test_every_code_the_services_store_is_marked_for_translation() -> None:
    """Statuses, kinds and decisions come from the services; the pages show them translated (web/vocabulary.py)."""
    from museion.fairness.service import SCOPES
    from museion.ingest.schema import EVENT_KINDS, WORK_KINDS
    from museion.privacy.datamap import CATEGORIES, DEFAULT_PURPOSES, LEGAL_BASES
    from museion.privacy.requests import KINDS
    from museion.recommend.explain import RULE_REASONS
    from museion.registry.lifecycle import STATUSES
    from museion.registry.review import DECISIONS
    from museion.web import vocabulary

    assert set(STATUSES) <= set(vocabulary.LIFECYCLE) and set(KINDS) <= set(vocabulary.REQUEST_KINDS)
    assert set(DECISIONS) <= set(vocabulary.DECISIONS) and set(SCOPES) <= set(vocabulary.AUDIT_SCOPES)
    assert set(LEGAL_BASES) <= set(vocabulary.LEGAL_BASES)
    assert set(RULE_REASONS) <= set(vocabulary.RULES) and set(RULE_REASONS.values()) <= set(vocabulary.ENGINE_SENTENCES)
    assert {p.name for p in DEFAULT_PURPOSES} <= set(vocabulary.PURPOSES)
    assert {p.description for p in DEFAULT_PURPOSES} <= set(vocabulary.PURPOSE_DESCRIPTIONS)
    assert set(CATEGORIES) <= set(vocabulary.DATA_CATEGORIES)
    assert WORK_KINDS <= set(vocabulary.WORK_KINDS) and EVENT_KINDS <= set(vocabulary.EVENT_KINDS)
