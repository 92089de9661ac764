"""Linked-data identifiers of catalogue records: Wikidata QIDs and Getty ULAN ids become their URIs, so every export
and page names the same person by the same address (``sameAs``/``owl:sameAs``)."""

from __future__ import annotations

from typing import Any

WIKIDATA = "http://www.wikidata.org/entity/"
ULAN = "http://vocab.getty.edu/page/ulan/"


def same_as_uris(external_ids: dict[str, Any]) -> tuple[str, ...]:
    """Linked-data URIs from a record's identifiers: Wikidata QIDs and ULAN ids become their URIs, URLs stay."""
    uris: list[str] = []
    for name, value in sorted(external_ids.items()):
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        if name == "wikidata" and text.upper().startswith("Q") and text[1:].isdigit():
            uris.append(WIKIDATA + text.upper())
        elif name == "ulan" and text.isdigit():
            uris.append(ULAN + text)
        elif text.startswith(("http://", "https://")):
            uris.append(text)
    return tuple(uris)


def labelled_identifiers(external_ids: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(scheme, id, uri)`` for each identifier a page shows as a labelled link: wikidata, ulan, then source pages."""
    found: list[tuple[str, str, str]] = []
    for uri in same_as_uris(external_ids):
        if uri.startswith(WIKIDATA):
            found.append(("wikidata", uri[len(WIKIDATA):], uri))
        elif uri.startswith(ULAN):
            found.append(("ulan", uri[len(ULAN):], uri))
        else:
            found.append(("url", uri, uri))
    order = {"wikidata": 0, "ulan": 1, "url": 2}
    return sorted(found, key=lambda f: order[f[0]])
