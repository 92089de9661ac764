"""A small generated catalogue (labelled generated: not real collection data) with three themes a suggester can learn,
and works without subjects to propose for."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

THEMES = {  # title words, medium, subjects: works of a theme share them, so similar works vote for the right subjects
    "sea": ("Harbour boats at dawn", "Oil paint on canvas", "sea|boat|harbour"),
    "alps": ("Alpine peak in snow", "Watercolour on paper", "mountain|snow"),
    "sitter": ("Portrait of a seated lady", "Graphite on paper", "woman|portrait|chair"),
}


def generated_works(per_theme: int = 12, unlabelled: int = 2) -> str:
    """CSV of generated artworks: per theme ``per_theme`` with subjects and ``unlabelled`` without (keys u-THEME-N)."""
    lines = ["key,kind,title,medium,year,genres,subjects"]
    for theme, (title, medium, subjects) in THEMES.items():
        lines += [f"g-{theme}-{n},artwork,{title} {n},{medium},{1850 + n},painting,{subjects}" for n in range(per_theme)]
        lines += [f"u-{theme}-{n},artwork,{title} study {n},{medium},{1860 + n},painting," for n in range(unlabelled)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def generated_catalogue(engine: Engine, tmp_path: Path) -> Engine:
    """The generated catalogue imported under source ``gen`` (keys gen:g-sea-0 …, gen:u-alps-1 …)."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    path = tmp_path / "generated-works.csv"
    path.write_text(generated_works(), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="gen"), path)
    return engine
