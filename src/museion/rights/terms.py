"""Licence terms as plain values: the uses, territories and rights statements a licence may name, the rule that says
whether a licence covers a use in a territory on a day, and the overlap of two exclusive licences.

Pure: no store, no HTTP. Territories are checked against ISO 3166-1 alpha-2 as ``pycountry`` ships it (kept current
from Debian's iso-codes) rather than a list copied here that would go stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import pycountry

from museion.errors import MuseionError
from museion.rights.reasons import reason

USES = ("display", "stream", "download", "print", "reproduce", "train_ai")
WORLD = "world"
FEE_KINDS = ("none", "flat", "per_use")
HOLDER_KINDS = ("person", "organisation")

# The twelve rightsstatements.org statements (version 1.0).
RIGHTSSTATEMENTS = frozenset(f"http://rightsstatements.org/vocab/{code}/1.0/" for code in (
    "InC", "InC-OW-EU", "InC-EDU", "InC-NC", "InC-RUU", "NoC-CR", "NoC-NC", "NoC-OKLR", "NoC-US", "CNE", "UND", "NKC"))
_CC_LICENCE = re.compile(r"^https?://creativecommons\.org/licenses/(by|by-sa|by-nd|by-nc|by-nc-sa|by-nc-nd)/"
                         r"(1\.0|2\.0|2\.5|3\.0|4\.0)/([a-z]{2}/)?$")
_CC_PUBLIC = frozenset({"http://creativecommons.org/publicdomain/zero/1.0/", "http://creativecommons.org/publicdomain/mark/1.0/"})


class TermsError(MuseionError, ValueError):
    """A licence field that cannot be accepted; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def territory_codes(values: Iterable[str]) -> list[str]:
    """Upper-case ISO 3166-1 alpha-2 codes, or ``["world"]``; an unknown code is refused by name."""
    codes = [v.strip() for v in values if v and v.strip()]
    if not codes:
        raise TermsError("territories", reason("no_territory"))
    if any(c.lower() == WORLD for c in codes):
        return [WORLD]
    out = []
    for code in codes:
        if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
            raise TermsError("territories", reason("unknown_territory", code=repr(code)))
        out.append(code.upper())
    return sorted(set(out))


def territory(code: str) -> str:
    """One visitor's territory: an alpha-2 code, upper-cased (``world`` is not a place a visitor is in)."""
    codes = territory_codes([code])
    if codes == [WORLD]:
        raise TermsError("territory", "a visitor's territory is one country code, not 'world'")
    return codes[0]


def use_names(values: Iterable[str]) -> list[str]:
    uses = sorted({v.strip().lower() for v in values if v and v.strip()})
    if not uses:
        raise TermsError("uses", reason("no_use", uses=", ".join(USES)))
    for use in uses:
        if use not in USES:
            raise TermsError("uses", reason("unknown_use", use=repr(use), uses=", ".join(USES)))
    return uses


def statement_uri(uri: str | None) -> str | None:
    """A rightsstatements.org or Creative Commons URI as published (http, trailing slash), or refused."""
    if not uri or not uri.strip():
        return None
    text = uri.strip()
    text = text if text.endswith("/") else text + "/"
    plain = text.replace("https://", "http://", 1)
    if plain in RIGHTSSTATEMENTS or plain in _CC_PUBLIC or _CC_LICENCE.match(text):
        return plain
    raise TermsError("statement", reason("statement", uri=repr(uri)))


def fee(kind: str | None, amount: str | Decimal | None, currency: str | None) -> tuple[str, Decimal | None, str | None]:
    """Fee terms: none, or a flat or per-use amount in an ISO 4217 currency."""
    kind = (kind or "none").strip().lower()
    if kind not in FEE_KINDS:
        raise TermsError("fee_kind", reason("unknown_fee_kind", kind=repr(kind), kinds=", ".join(FEE_KINDS)))
    if kind == "none":
        return kind, None, None
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise TermsError("fee_amount", reason("fee_not_number", amount=repr(amount))) from None
    if not value.is_finite() or value < 0:
        raise TermsError("fee_amount", reason("fee_negative"))
    code = (currency or "").strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise TermsError("currency", reason("unknown_currency", currency=repr(currency)))
    return kind, value, code


@dataclass(frozen=True, slots=True)
class Terms:
    """The part of a licence that decides availability and conflicts."""

    licence_id: int
    territories: tuple[str, ...]
    uses: tuple[str, ...]
    starts: date
    ends: date | None
    exclusive: bool = False

    def covers(self, use: str, where: str, day: date) -> bool:
        """Whether this licence allows ``use`` in territory ``where`` on ``day`` (start and end days included)."""
        return (use in self.uses and (WORLD in self.territories or where in self.territories)
                and self.starts <= day and (self.ends is None or day <= self.ends))

    def overlaps(self, other: Terms) -> bool:
        """Both exclusive, a use in common, territories that meet and days in common."""
        places = WORLD in self.territories or WORLD in other.territories or bool(set(self.territories) & set(other.territories))
        days = self.starts <= (other.ends or date.max) and other.starts <= (self.ends or date.max)
        return self.exclusive and other.exclusive and bool(set(self.uses) & set(other.uses)) and places and days


def available(licences: Iterable[Terms], use: str, where: str, day: date) -> bool:
    """THE rule: a work with licences recorded is available only where one of them covers the use, territory and day.

    A work with none recorded is not under licence management here (its published rights statement applies); the
    caller decides that case, see ``museion.rights.availability``."""
    return any(t.covers(use, where, day) for t in licences)


@dataclass(frozen=True, slots=True)
class HolderIn:
    key: str
    name: str
    kind: str = "organisation"
    creator_key: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class LicenceIn:
    """One licence as read from a file or a form, before it is checked; ``line`` is where it was read."""

    key: str
    holder: str
    works: tuple[str, ...]
    territories: tuple[str, ...]
    uses: tuple[str, ...]
    starts: date | None
    ends: date | None = None
    exclusive: bool = False
    fee_kind: str = "none"
    fee_amount: str | Decimal | None = None
    currency: str | None = None
    statement: str | None = None
    note: str | None = None
    demo: bool = False
    line: int | None = None
