"""The web pages' templates: those in web/templates, over the shared frame and error pages of museion.http."""

from __future__ import annotations

from pathlib import Path

from museion.http.templating import page_templates
from museion.web.assets import injected_style_ids
from museion.web.glossary import glossary_link

templates = page_templates(Path(__file__).parent / "templates")
templates.env.globals["plotly_style_ids"] = injected_style_ids
templates.env.filters["glossary"] = glossary_link
