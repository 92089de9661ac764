"""Mainland China resident identity numbers (GB 11643-1999): the entity name and the check that a
candidate is a real one. Shared by the detector and its Presidio recognizer."""

from __future__ import annotations

from datetime import date

CN_RESIDENT_ID = "CN_RESIDENT_ID"

# GB 11643-1999: the province-level codes that start a resident ID (81-83: Hong Kong, Macao and
# Taiwan residents' residence permits).
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11


def cn_id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a resident ID's first 17 digits ('0'-'9' or 'X')."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_cn_resident_id(value: str, *, today: date | None = None) -> bool:
    """True for an 18-character resident ID with a known province, a real birth date from 1900 up to
    ``today`` and a correct check character."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if int(value[:2]) not in _PROVINCES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= (today or date.today()) and cn_id_check_character(value[:17]) == value[17]
