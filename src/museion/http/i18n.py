"""Languages of the web app: English and Simplified Chinese, chosen per request.

The choice is ``?lang=`` (remembered in a cookie), else the cookie, else the browser's Accept-Language.
Catalogues are the ``.po`` files under ``http/locale`` (the strings of the page frame here and of every web
page), read with Babel at first use (no compiled ``.mo`` files in the repository). Update them with the
commands in ``http/locale/README.md``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages import mofile, pofile
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "museion"
COOKIE = "museion_lang"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, used in URLs, the cookie and <html lang>
    locale: str  # Babel/gettext folder name
    name: str  # the language's own name, for the switcher


LANGUAGES = (Language("en", "en", "English"), Language("zh-Hans", "zh_Hans", "中文"))
BY_CODE = {language.code.lower(): language for language in LANGUAGES}


def N_(message: str) -> str:
    """Mark a string for extraction (``pybabel extract -k N_``) where it is translated later, in a template."""
    return message


def _match(tag: str) -> str | None:
    """The supported language for one language tag: any Chinese but the traditional script → zh-Hans."""
    tag = tag.strip().lower().replace("_", "-")
    if tag in BY_CODE:
        return BY_CODE[tag].code
    primary, *rest = tag.split("-")
    if primary == "en":
        return "en"
    if primary == "zh" and not {"hant", "tw", "hk", "mo"} & set(rest):
        return "zh-Hans"
    return None


def from_accept_language(header: str) -> str | None:
    """The best supported language in an Accept-Language header (RFC 9110 q-values).

    Hand-written because neither Starlette nor Babel parses this header, and the grammar is tiny."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0 and (code := _match(tag)):
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def choose(query: QueryParams | dict[str, str], cookie: str | None, accept_language: str) -> tuple[str, bool]:
    """(language code, whether it came from ``?lang=`` and should be remembered)."""
    if (asked := _match(query.get("lang") or "")) is not None:
        return asked, True
    if cookie and (remembered := _match(cookie)) is not None:
        return remembered, False
    return from_accept_language(accept_language) or DEFAULT, False


@cache
def translations(code: str) -> NullTranslations:
    """The gettext catalogue for ``code``, compiled in memory from its ``.po`` file (English: identity)."""
    language = BY_CODE[code.lower()]
    po = LOCALE_DIR / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = pofile.read_po(handle, locale=language.locale, domain=DOMAIN)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def jinja_callables(code: str) -> dict[str, Callable[..., Any]]:
    """``gettext``/``ngettext`` for one request's templates, in jinja2.ext.i18n's "newstyle" form
    (``_("%(n)s works", n=3)``, autoescaped). Jinja builds these only for environment-wide callables,
    and the language here is per request, so the two wrappers are written out."""
    t = translations(code)

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text = t.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        text = t.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


def language_of(request: Request) -> str:
    """The language chosen for this request (set by ``LanguageMiddleware``; English without it)."""
    return getattr(request.state, "lang", DEFAULT)


def gettext_for(request: Request) -> Callable[[str], str]:
    """Plain gettext in the request's language, for text made in Python (flash messages, chart titles)."""
    return translations(language_of(request)).gettext


class LanguageMiddleware:
    """Picks each request's language, and remembers an explicit ``?lang=`` choice in a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        code, remember = choose(request.query_params, request.cookies.get(COOKIE), request.headers.get("accept-language", ""))
        scope.setdefault("state", {})["lang"] = code

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def error_text(request: Request, exc: Exception) -> str:
    """A refusal's message in the request's language: a templated ``MuseionError`` is translated, then filled in."""
    template, values = getattr(exc, "template", None), getattr(exc, "values", None)
    if not template or not values:
        return gettext_for(request)(str(exc))
    return gettext_for(request)(template) % values
