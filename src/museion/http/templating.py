"""How every page renders: Jinja2 with the request's translations, the role-aware menu and the language switcher,
over the shared frame (``base.html``) and error pages here, plus the templates of whoever renders."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request

from museion import __version__
from museion.catalog.queries import work_sources
from museion.datasets.registry import all_datasets
from museion.http.i18n import LANGUAGES, N_, jinja_callables, language_of
from museion.http.navigation import menu
from museion.security.permissions import Role

FRAME_DIR = Path(__file__).parent / "templates"
ROLE_LABELS = {Role.ADMIN: N_("administrator"), Role.PRIVACY_OFFICER: N_("privacy officer"), Role.ANALYST: N_("analyst"),
               Role.CURATOR: N_("curator"), Role.ALGORITHM_REVIEWER: N_("algorithm reviewer"), Role.AUDITOR: N_("auditor"),
               Role.MEMBER: N_("member")}


def as_data(value: Any) -> Markup:
    """A value from the organisation's records (a title, a genre, an account or policy name, an audit detail) marked
    ``translate="no"``: it stays as written on every language's page, and the browser tests' check for English left on
    a Chinese page skips it. Escaped, so it may also be passed into a translated sentence."""
    return Markup('<span translate="no">{}</span>').format(value)


def commands(text: str) -> Markup:
    """A sentence with commands in backticks (as the catalogues write them) shown with each command as ``<code>``."""
    return Markup(re.sub(r"`([^`]+)`", r'<code translate="no">\1</code>', str(escape(text))))


CREDITS_TTL = 60.0  # seconds a footer's dataset credits are reused before the catalogue is asked again


def open_data_credits(request: Request) -> list[str]:
    """Credits of the public datasets whose works this installation holds: none on an organisation's own data."""
    state, now = request.app.state, time.monotonic()
    cached = getattr(state, "open_data_credits", None)
    if cached is not None and cached[0] > now:
        return list(cached[1])
    engine = getattr(state, "engine", None)
    try:
        with engine.connect() as conn:  # type: ignore[union-attr]
            held = set(work_sources(conn))
    except (AttributeError, SQLAlchemyError):  # no store yet, or one that fails: the footer then credits nothing
        return []
    credits = [d.credit for d in all_datasets() if d.credit and d.source in held]
    state.open_data_credits = (now + CREDITS_TTL, credits)
    return credits


def language_links(request: Request) -> list[tuple[str, str, str]]:
    """(code, own name, this page's address in that language) for the switcher."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [(lang.code, lang.name, f"{request.url.path}?{urlencode([*kept, ('lang', lang.code)])}") for lang in LANGUAGES]


def page_context(request: Request) -> dict[str, Any]:
    """What every template may use: the request's translations, its language and the signed-in person's menu."""
    code = language_of(request)
    principal = getattr(request.state, "principal", None)
    return {**jinja_callables(code), "lang": code, "languages": language_links(request), "principal": principal,
            "menu": menu(principal), "current_path": request.url.path, "open_data": lambda: open_data_credits(request)}


def page_templates(*directories: Path) -> Jinja2Templates:
    """Templates looked up in ``directories``, then in the shared frame and error pages, all rendered the same way."""
    templates = Jinja2Templates(directory=[*directories, FRAME_DIR], context_processors=[page_context])
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_null_translations(newstyle=True)  # replaced per request by page_context's callables
    templates.env.globals["version"] = __version__
    templates.env.filters["data"] = as_data
    templates.env.filters["commands"] = commands
    templates.env.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    return templates


error_pages = page_templates()
