"""edm:rights: one of the rights statements Europeana accepts (Creative Commons or rightsstatements.org URIs), from a
licence's statement where the rights registry holds one, else from the work's published rights text; and why not."""

from __future__ import annotations

import re

CC = "http://creativecommons.org/"
RS = "http://rightsstatements.org/vocab/"
# The statements Europeana's publishing framework accepts for edm:rights.
RS_ALLOWED = ("InC", "InC-EDU", "InC-OW-EU", "NoC-NC", "NoC-OKLR", "CNE")
CC_LICENCES = ("by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd")
OPEN = (CC + "publicdomain/mark/1.0/", CC + "publicdomain/zero/1.0/", CC + "licenses/by/", CC + "licenses/by-sa/")

_RS_URI = re.compile(r"^https?://(?:www\.)?rightsstatements\.org/(?:vocab|page)/([A-Za-z-]+)/1\.0/?$")
_CC_URI = re.compile(r"^https?://(?:www\.)?creativecommons\.org/(licenses/([a-z-]+)/(\d\.\d)|publicdomain/(zero|mark)/1\.0)"
                     r"(?:/[a-z]{2})?/?(?:deed\.[a-zA-Z_-]+|legalcode)?$")
_CC_NAME = re.compile(r"\bcc[\s-]*(by(?:[\s-]*(?:nc|sa|nd))*)(?:[\s-]*(\d\.\d))?\b", re.IGNORECASE)


def allowed(uri: str) -> bool:
    """Whether ``uri`` (already normalised) is on Europeana's list."""
    if uri.startswith(RS):
        return uri.removeprefix(RS).removesuffix("/1.0/") in RS_ALLOWED
    return bool(_CC_URI.match(uri))


def normalise(uri: str) -> tuple[str | None, str | None]:
    """The canonical http:// form Europeana expects, or why the URI is not one it accepts."""
    uri = uri.strip()
    m = _RS_URI.match(uri)
    if m:
        code = m.group(1)
        if code not in RS_ALLOWED:
            return None, f"rightsstatements.org {code} is not one of the statements Europeana accepts ({', '.join(RS_ALLOWED)})"
        return f"{RS}{code}/1.0/", None
    m = _CC_URI.match(uri)
    if m:
        if m.group(4):
            return f"{CC}publicdomain/{m.group(4)}/1.0/", None
        if m.group(2) not in CC_LICENCES:
            return None, f"Creative Commons licence {m.group(2)} is not one Europeana accepts"
        return f"{CC}licenses/{m.group(2)}/{m.group(3)}/", None
    return None, f"{uri!r} is neither a Creative Commons nor a rightsstatements.org URI"


def from_text(text: str) -> tuple[str | None, str | None]:
    """Map a published rights line ("CC0", "CC BY-SA 4.0", "Public domain", "© Tate") to a statement URI."""
    t = text.strip()
    low = t.lower()
    if low.startswith(("http://", "https://")):
        return normalise(t)
    if re.search(r"\bcc0\b|cc[\s-]zero|public domain dedication", low):
        return CC + "publicdomain/zero/1.0/", None
    if "public domain" in low or "no known copyright" in low:
        return CC + "publicdomain/mark/1.0/", None
    m = _CC_NAME.search(t)
    if m:
        code = re.sub(r"[\s-]+", "-", m.group(1).lower())
        return (f"{CC}licenses/{code}/{m.group(2) or '4.0'}/", None) if code in CC_LICENCES else (
            None, f"{t!r} names no Creative Commons licence Europeana accepts")
    if "©" in t or "(c)" in low or "copyright" in low or "all rights reserved" in low:
        return RS + "InC/1.0/", None
    return None, f"the rights text {t!r} names no licence or copyright status that maps to a rights statement"


def rights_uri(statement: str | None, text: str | None) -> tuple[str | None, str | None]:
    """(URI, None) for edm:rights, or (None, why no valid rights URI can be given). A licence's ``statement``
    (the rights registry) wins over the work's own ``text``."""
    if statement and statement.strip():
        uri, why = normalise(statement)
        if uri:
            return uri, None
        if not (text and text.strip()):
            return None, f"the licence's statement: {why}"
    if not (text and text.strip()):
        return None, "the work has no rights statement and no licence with a statement URI"
    return from_text(text)


def is_open(uri: str | None) -> bool:
    """Open for reuse in Europeana's sense (content tier 4): public domain, CC0, CC BY or CC BY-SA."""
    return bool(uri) and any(uri.startswith(p) for p in OPEN)  # type: ignore[union-attr]
