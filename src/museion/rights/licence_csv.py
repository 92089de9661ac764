"""Licences and rights holders as CSV, read through a column mapping (our field → the file's column) so an
organisation's own spreadsheet loads without renaming its columns. Lists (works, territories, uses) are separated by
``|``; dates are ISO 8601 (YYYY-MM-DD). A row that cannot be read is reported with its line and field."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from museion.catalog.export import neutralise
from museion.errors import InputRejected, Problem
from museion.rights.licences import HolderIn, LicenceIn
from museion.rights.reasons import reason

LICENCE_FIELDS = ("key", "holder", "works", "territories", "uses", "starts", "ends", "exclusive", "fee_kind", "fee_amount",
                  "currency", "statement", "note")
HOLDER_FIELDS = ("key", "name", "kind", "creator")
REQUIRED = {"key", "holder", "works", "territories", "uses", "starts"}
_TRUE = {"1", "true", "yes", "y", "exclusive"}


def parse_mapping(pairs: Iterable[str], fields: tuple[str, ...]) -> dict[str, str]:
    """``field=Column`` pairs into a mapping; unnamed fields read the column of their own name."""
    mapping = {f: f for f in fields}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or name.strip() not in fields or not column.strip():
            raise InputRejected([Problem("--map", None, name.strip() or None,
                                         f"expected FIELD=COLUMN with FIELD one of {', '.join(fields)}")])
        mapping[name.strip()] = column.strip()
    return mapping


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("|") if p.strip())


def _day(text: str, label: str, line: int, field: str, problems: list[Problem]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(label, line, field, reason("not_date", text=repr(text))))
        return None


def _rows(source: IO[str], mapping: dict[str, str], required: set[str], label: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(source)
    if not reader.fieldnames:
        raise InputRejected([Problem(label, None, None, reason("empty_file"))])
    missing = [f"{f} (column {mapping[f]!r})" for f in sorted(required) if mapping[f] not in (reader.fieldnames or [])]
    if missing:
        raise InputRejected([Problem(label, 1, None, reason("missing_columns", columns=", ".join(missing)))])
    rows = [(n, {f: (row.get(col) or "") for f, col in mapping.items()}) for n, row in enumerate(reader, 2)]
    if not rows:
        raise InputRejected([Problem(label, None, None, reason("empty_file"))])
    return rows


def read_licences(source: IO[str], mapping: dict[str, str], label: str = "licences.csv") -> list[LicenceIn]:
    """Every row as a licence to check; dates that cannot be read are refused here, the rest by ``save_licences``."""
    problems: list[Problem] = []
    out = []
    for line, r in _rows(source, mapping, REQUIRED, label):
        starts = _day(r["starts"], label, line, "starts", problems)
        if starts is None and r["starts"].strip() == "":
            problems.append(Problem(label, line, "starts", reason("no_start")))
        out.append(LicenceIn(
            key=r["key"].strip(), holder=r["holder"].strip(), works=_split(r["works"]), territories=_split(r["territories"]),
            uses=_split(r["uses"]), starts=starts, ends=_day(r["ends"], label, line, "ends", problems),
            exclusive=r["exclusive"].strip().lower() in _TRUE, fee_kind=r["fee_kind"].strip() or "none",
            fee_amount=r["fee_amount"].strip() or None, currency=r["currency"].strip() or None,
            statement=r["statement"].strip() or None, note=r["note"].strip() or None, line=line))
    if problems:
        raise InputRejected(problems)
    return out


def read_holders(source: IO[str], mapping: dict[str, str], label: str = "holders.csv") -> list[HolderIn]:
    """Every row as a rights holder to check (``save_holders`` refuses the batch, with line and field, on any problem)."""
    return [HolderIn(key=r["key"].strip(), name=r["name"].strip(), kind=r["kind"].strip() or "organisation",
                     creator_key=r["creator"].strip() or None, line=line)
            for line, r in _rows(source, mapping, {"key", "name"}, label)]


def write_licences(rows: Iterable[tuple[dict[str, Any], list[str]]], out: IO[str]) -> int:
    """Licences (as ``licence_reports`` reads them, with their work keys) in the columns ``read_licences`` reads."""
    writer = csv.writer(out)
    writer.writerow(LICENCE_FIELDS)
    n = 0
    for lic, works in rows:
        values = {**lic, "holder": lic["holder_key"], "works": "|".join(works), "territories": "|".join(lic["territories"]),
                  "uses": "|".join(lic["uses"]), "starts": lic["starts"].isoformat(),
                  "ends": lic["ends"].isoformat() if lic["ends"] else "", "exclusive": "yes" if lic["exclusive"] else "no"}
        writer.writerow([neutralise(str(values[f])) if values.get(f) is not None else "" for f in LICENCE_FIELDS])
        n += 1
    return n
