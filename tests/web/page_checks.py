"""Checks the browser tests run on every page: Latin-script words left on a Chinese page, horizontal overflow,
and axe-core's WCAG 2.1 A/AA rules (axe.min.js from the axe-playwright-python package, never a CDN)."""

from __future__ import annotations

import re
from typing import Any

# Text a Chinese page may show in Latin script: proper names, acronyms and units. Values from the organisation's
# records (titles, names, genres, audit details) are marked translate="no" by the templates and skipped.
PROPER_NAMES = frozenset({"Museion", "MovieLens", "GroupLens", "Tate", "MoMA", "English", "Plotly", "OpenDP", "HiGHS",
                          "statsforecast", "Presidio", "Huey", "Redis", "PostgreSQL", "SQLite", "Krippendorff", "Cohen",
                          "Steck", "Harper", "Konstan", "Chirita", "Mehta", "Nejdl", "MinHash", "scikit-image", "Wikidata", "Getty", "Ray",
                          "Europeana", "Creative", "Commons", "OAI-PMH"})
WORD = re.compile(r"[A-Za-z][\w@:./'’+-]*")
IDENTIFIER = re.compile(r"[\d_@:./+]")  # keys, metric names, versions, hashes, file names
ACRONYM = re.compile(r"[a-z]?[A-Z][A-Z0-9]{0,5}s?")  # AI, KPI, JSON, NDCG, DP, IDs, sMAPE

VISIBLE_TEXT = """() => {
  // A chart's axis ticks and legend entries name its categories and series (genres, months, groups: often data);
  // its title and axis titles are the page's own words and are checked.
  const skip = '[translate="no"], code, pre, kbd, samp, script, style, noscript, template, [hidden], [aria-hidden="true"], ' +
               '.plot g[class*="tick"], .plot .legendtext';
  const foreign = el => { const owner = el.closest('[lang]'); return owner && !owner.lang.startsWith('zh'); };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest(skip) || foreign(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[title], [placeholder], img[alt]')) {
    if (el.closest(skip) || foreign(el)) continue;
    for (const name of ['title', 'placeholder', 'alt']) { const v = el.getAttribute(name); if (v) out.push(v); }
  }
  return out;
}"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
UNDRAWN = "Array.from(document.querySelectorAll('.plot:not([data-drawn=\"true\"])')).map(e => e.id)"  # charts.js marks each it drew
AXE_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def english_left(texts: list[str]) -> dict[str, str]:
    """Latin-script words that are not a proper name, acronym, unit or identifier: word -> the text it was in."""
    found: dict[str, str] = {}
    for text in texts:
        for word in WORD.findall(text):
            word = re.sub(r"['’]s$", "", word).rstrip(".:'’-")  # Krippendorff's → Krippendorff
            if len(word) < 2 or word in PROPER_NAMES or IDENTIFIER.search(word) or ACRONYM.fullmatch(word):
                continue
            found.setdefault(word, text[:100])
    return found


def page_findings(page: Any, axe: Any, *, lang: str) -> list[str]:
    """Every defect this page shows: untranslated words (Chinese pages), charts left undrawn, horizontal overflow, axe
    violations."""
    where = page.url
    findings = []
    if lang.startswith("zh"):
        findings += [f"{where}: English {word!r} in {text!r}" for word, text in english_left(page.evaluate(VISIBLE_TEXT)).items()]
    findings += [f"{where}: chart {plot!r} was not drawn" for plot in page.evaluate(UNDRAWN)]
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        findings.append(f"{where}: {overflow}px wider than the {page.viewport_size['width']}px window")
    if axe is not None:
        for violation in axe.run(page, options=AXE_RULES).response["violations"]:
            targets = [node["target"] for node in violation["nodes"][:3]]
            findings.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {targets}")
    return findings
