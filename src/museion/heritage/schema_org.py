"""schema.org JSON-LD to embed in pages (``<script type="application/ld+json">``): a work from the catalogue export's
own node, an exhibition as an ExhibitionEvent featuring its works. The text is safe inside a script element: ``<``,
``>`` and ``&`` are written as JSON escapes, so no value can close the element. Pure: no store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from museion.catalog.export import JSONLD_CONTEXT, SCHEMA_TYPES, jsonld_node
from museion.catalog.models import Work

_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_text(node: Mapping[str, Any]) -> Markup:
    """JSON that cannot end or confuse the script element it is embedded in (HTML's data-block rules)."""
    return Markup(json.dumps(node, ensure_ascii=False, default=str).translate(_ESCAPES))  # noqa: S704 (escaped above)


def work_jsonld(work: Work, page_url: str, manifest: str | None = None) -> dict[str, Any]:
    """The work as the JSON-LD export writes it, with the page's address and its IIIF manifest where it has one."""
    node = {"@context": JSONLD_CONTEXT, **jsonld_node(work), "url": page_url}
    if manifest:
        node["subjectOf"] = {"@type": "CreativeWork", "url": manifest, "encodingFormat": "application/ld+json",
                             "name": "IIIF Presentation 3 manifest"}
    return node


def exhibition_jsonld(show: Mapping[str, Any], page_url: str, manifests: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A published exhibition as an ExhibitionEvent whose workFeatured are its displayable works."""
    featured: list[dict[str, Any]] = []
    for w in show.get("works", []):
        item: dict[str, Any] = {"@type": SCHEMA_TYPES.get(w.get("kind") or "artwork", "CreativeWork"),
                                "@id": f"urn:museion:work:{w['key']}", "identifier": w["key"], "name": w["title"]}
        if w.get("year") is not None:
            item["dateCreated"] = str(w["year"])
        if w.get("medium"):
            item["artMedium"] = w["medium"]
        if w.get("image_url"):
            item["image"] = w["image_url"]
        creators: Sequence[str] = w.get("creators") or []
        if creators:
            item["creator"] = [{"@type": "Person", "name": n} for n in creators]
        if manifests and w["key"] in manifests:
            item["subjectOf"] = {"@type": "CreativeWork", "url": manifests[w["key"]], "name": "IIIF Presentation 3 manifest"}
        featured.append(item)
    node: dict[str, Any] = {"@context": JSONLD_CONTEXT, "@type": "ExhibitionEvent", "@id": page_url, "url": page_url,
                            "name": show.get("title") or "", "about": show.get("theme") or "", "workFeatured": featured}
    return node
