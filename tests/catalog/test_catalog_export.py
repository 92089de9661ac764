"""Exports: CSV safe for spreadsheets, JSON-LD with schema.org and Dublin Core terms."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from museion.catalog.export import FORMULA_TRIGGERS, neutralise, write_csv, write_jsonld


def test_csv_neutralises_formulas_and_keeps_numbers(sample_catalogue: Engine) -> None:
    out = io.StringIO()
    with Session(sample_catalogue) as session:
        assert write_csv(session, out) == 4
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["demo:3"]["title"] == "'=1+1 (a formula-looking title)"
    assert rows["demo:1"]["year"] == "1995" and rows["demo:1"]["creators"] == "Michael Mann"
    assert rows["demo:1"]["genres"] == "Crime|Drama"


def test_jsonld_graph_uses_schema_org_types_and_dublin_core(sample_catalogue: Engine) -> None:
    out = io.StringIO()
    with Session(sample_catalogue) as session:
        write_jsonld(session, out)
    doc = json.loads(out.getvalue())
    assert doc["@context"]["@vocab"] == "https://schema.org/"
    nodes = {n["identifier"]: n for n in doc["@graph"]}
    heat = nodes["demo:1"]
    assert heat["@type"] == "Movie" and heat["name"] == "Heat" and heat["dcterms:title"] == "Heat"
    assert heat["creator"] == [{"@type": "Person", "name": "Michael Mann", "roleName": "creator"}]
    assert nodes["demo:3"]["@type"] == "VisualArtwork" and nodes["demo:3"]["keywords"] == ["sea", "boat"]
    assert nodes["demo:4"]["@type"] == "Book" and "genre" not in nodes["demo:4"]


@given(st.text())
def test_neutralised_cells_never_start_with_a_trigger_and_keep_the_text(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe in (text, "'" + text)
