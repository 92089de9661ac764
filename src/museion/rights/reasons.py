"""Why the rights registry refuses a row or a field, as templates with named values: the registry writes its reasons
from these, and the web app reads a reason back into its template and values to show it in the reader's language
(``Problem`` carries plain text, which the CLI and API show as it is).

Pure: no store, no HTTP.
"""

from __future__ import annotations

import re

REASONS: dict[str, str] = {
    "required": "required",
    "unknown_kind": "unknown kind %(kind)s: person or organisation",
    "no_creator": "no creator with key %(key)s",
    "no_territory": "no territory: give ISO 3166-1 alpha-2 codes or 'world'",
    "unknown_territory": "unknown territory %(code)s: not an ISO 3166-1 alpha-2 code",
    "no_use": "no use: give one or more of %(uses)s",
    "unknown_use": "unknown use %(use)s: one of %(uses)s",
    "statement": "%(uri)s is not a rightsstatements.org statement or a Creative Commons licence URI",
    "unknown_fee_kind": "unknown fee kind %(kind)s: one of %(kinds)s",
    "fee_not_number": "fee amount %(amount)s is not a number",
    "fee_negative": "a fee amount is zero or more",
    "unknown_currency": "unknown currency %(currency)s: an ISO 4217 code such as GBP",
    "no_key": "a licence needs a key",
    "no_start": "a licence needs a start date",
    "ends_before": "ends %(ends)s before it starts %(starts)s",
    "no_holder": "no rights holder with key %(key)s",
    "no_works": "a licence covers at least one work",
    "unknown_works": "unknown work %(key)s and %(more)s more",  # before the single one: read back, the longer first
    "unknown_work": "unknown work %(key)s",
    "key_twice": "key %(key)s appears twice in this batch",
    "overlap": "overlaps exclusive licence %(other)s for work %(work)s (a use, territory and days in common)",
    "not_date": "%(text)s is not a date (YYYY-MM-DD)",
    "missing_columns": "missing column(s): %(columns)s",
    "empty_file": "the file has no rows",
}


def reason(name: str, **values: object) -> str:
    """The reason ``name`` filled in (callers quote a value the person typed, ``repr``, so a blank one is visible)."""
    return REASONS[name] % values


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{body}$", re.S)


_PATTERNS = tuple((template, _pattern(template)) for template in REASONS.values())


def recognise(text: str) -> tuple[str, dict[str, str]] | None:
    """(template, values) of a reason written from :data:`REASONS`, to translate; None for any other text."""
    for template, pattern in _PATTERNS:
        if (m := pattern.match(text)) is not None:
            return template, m.groupdict()
    return None
