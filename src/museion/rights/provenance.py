"""Acquisition provenance read from a museum's published credit line, where the line says how the work came:
"Purchased 1974", "Presented by Mrs A. Smith 1950", "Bequeathed by …", "Accepted by HM Government in lieu of
inheritance tax and allocated to Tate 2004", "Accepted by the nation as part of the Turner Bequest 1856",
"Transferred from …", "Gift of …" (MoMA's wording). A line that says none of these is left unparsed, never guessed.

Pure: text in, a small record out. Ordered regular expressions rather than a trained parser: the museums write these
lines from a short house style, and each rule is readable and tested against real lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = re.compile(r"\b(1[4-9]\d\d|20\d\d)\b")
# (method, pattern); the party, where there is one, is the text after the pattern up to the year
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("accepted_in_lieu", re.compile(r"^accepted by (?:hm ?government|the nation) in lieu of", re.I)),
    ("bequeathed", re.compile(r"^accepted by the nation as part of the (?P<party>.+?) bequest", re.I)),
    ("purchased", re.compile(r"^(?:artist rooms\s+)?(?:purchased|acquired)\b", re.I)),
    ("bequeathed", re.compile(r"^bequeathed by (?P<party>.+)", re.I)),
    ("presented", re.compile(r"^(?:artist rooms\s+)?presented (?:by (?P<party>.+)|anonymously)", re.I)),
    ("presented", re.compile(r"^gift of (?P<party>.+)", re.I)),
    ("transferred", re.compile(r"^transferred from (?P<party>.+)", re.I)),
    ("commissioned", re.compile(r"^commissioned\b", re.I)),
    ("lent", re.compile(r"^(?:lent by (?P<party>.+)|on (?:long[- ]term )?loan)", re.I)),
)
METHODS = tuple(dict.fromkeys(m for m, _ in _RULES))


@dataclass(frozen=True, slots=True)
class Acquisition:
    method: str
    party: str | None
    year: int | None
    credit_line: str


def parse_credit_line(line: str | None) -> Acquisition | None:
    """How the work was acquired, by whom and when, as far as the credit line says; None when it does not say."""
    text = " ".join((line or "").split())
    if not text:
        return None
    years = _YEAR.findall(text)
    year = int(years[-1]) if years else None
    for method, pattern in _RULES:
        m = pattern.search(text)
        if m:
            party = (m.groupdict().get("party") or "").strip() or None
            if party and year is not None:  # the year closes the line: "Presented by X 1950"
                party = re.sub(rf"[\s,]*{year}\s*$", "", party).strip() or None
            return Acquisition(method, party, year, text)
    return None
