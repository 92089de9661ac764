"""IIIF Presentation 3 for works with images and for published exhibitions, built with iiif-prezi3 from the frozen
:class:`WorkRecord`: a Manifest with one Canvas painting the work's image, and a Collection of an exhibition's
Manifests. Pure: no store; the caller decides what may be shown."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Sequence
from typing import Any

from iiif_prezi3 import Collection, KeyValueString, Manifest, ManifestRef

from museion.heritage.edm import edm_type, shown_at, web_uri
from museion.heritage.edm_rights import rights_uri
from museion.heritage.records import WorkRecord

CANVAS = 1000  # the canvas is an abstract coordinate space (the image is scaled to fit); the pixel size is not recorded


def manifest_url(base_url: str, work_id: int) -> str:
    return f"{base_url.rstrip('/')}/iiif/works/{work_id}/manifest.json"


def collection_url(base_url: str, plan_id: int) -> str:
    return f"{base_url.rstrip('/')}/iiif/exhibitions/{plan_id}/collection.json"


def _lang(text: str, lang: str | None) -> dict[str, list[str]]:
    return {lang or "none": [text]}


def _pair(label: str, value: str, lang: str | None = None) -> KeyValueString:
    return KeyValueString(label={"en": [label]}, value=_lang(value, lang))


def why_no_manifest(record: WorkRecord) -> str | None:
    """Why a work gets no manifest (None: it gets one): IIIF here presents images, and this work has none usable."""
    if not record.image_url:
        return "the catalogue holds no image for this work, so there is nothing for a IIIF viewer to show"
    if web_uri(record.image_url) is None:
        return "the work's image address is not an http(s) address a IIIF viewer could load"
    return None


def _metadata(record: WorkRecord, lang: str | None) -> list[KeyValueString]:
    pairs = [("Creator", "; ".join(c.name for c in record.creators), lang),
             ("Date", record.date_text or (str(record.year) if record.year is not None else ""), None),
             ("Medium", record.medium or "", lang), ("Type", record.kind, "en"),
             ("Subjects", "; ".join(record.subjects), lang), ("Identifier", record.key, None)]
    out = [_pair(label, value, language) for label, value, language in pairs if value]
    if record.ai_terms:
        out.append(_pair("AI-added terms (not the source's)", "; ".join(record.ai_terms), "en"))
    return out


def manifest(record: WorkRecord, base_url: str, *, rights: str | None = None, data_provider: str | None = None,
             lang: str | None = None) -> dict[str, Any]:
    """The work's Manifest as JSON (a dict); raises ValueError saying why when the work has no usable image."""
    why = why_no_manifest(record)
    if why:
        raise ValueError(why)
    url = manifest_url(base_url, record.id)
    root = url.removesuffix("/manifest.json")
    statement, _ = rights_uri(rights, record.rights)
    m = Manifest(id=url, label=_lang(record.title or record.key, lang), metadata=_metadata(record, lang))
    if record.description:
        m.summary = _lang(record.description, lang)
    holder = data_provider or record.source
    m.requiredStatement = _pair("Attribution", f"{holder}" + (f" — {record.rights}" if record.rights else ""), None)
    if statement:
        m.rights = statement
    page = shown_at(record)
    if page:
        m.homepage = [{"id": page, "type": "Text", "label": {"en": [f"{holder}: {record.title}"]}, "format": "text/html"}]
    m.seeAlso = [{"id": f"{base_url.rstrip('/')}/api/heritage/edm/works/{record.id}?format=rdfxml", "type": "Dataset",
                  "format": "application/rdf+xml", "profile": "http://www.europeana.eu/schemas/edm/"}]
    canvas = m.make_canvas(id=f"{root}/canvas/1", height=CANVAS, width=CANVAS, label=_lang(record.title or record.key, lang))
    image = str(web_uri(record.image_url))
    kind = mimetypes.guess_type(image.split("?", 1)[0])[0] or "image/jpeg"
    canvas.add_image(image_url=image, anno_page_id=f"{root}/page/1", anno_id=f"{root}/annotation/1", format=kind)
    if edm_type(record) != "IMAGE":
        m.behavior = ["individuals"]
    return json.loads(m.json())


def collection(plan_id: int, title: str, records: Sequence[WorkRecord], base_url: str, *, summary: str | None = None) -> dict[str, Any]:
    """A published exhibition as a Collection referring to its works' Manifests (works with no image are left out)."""
    c = Collection(id=collection_url(base_url, plan_id), label={"none": [title]},
                   items=[ManifestRef(id=manifest_url(base_url, r.id), type="Manifest", label={"none": [r.title or r.key]})
                          for r in records if why_no_manifest(r) is None])
    if summary:
        c.summary = {"none": [summary]}
    return json.loads(c.json())
