"""Usage statements for a rights holder over a period: per licence, the uses of its works counted from events and
served lists (through the privacy gate, ``museion.privacy.usage``), and the amount owed from the fee terms, with a
SHA-256 hash of the inputs so anyone holding the same inputs can reproduce the statement.

Uses counted: a served-list appearance is a ``display``; an event of kind view/play is a ``stream``, download a
``download``, print a ``print`` (other event kinds, such as ratings, are not a use of the work). Small cells: a work
used by fewer than ``SMALL_CELL`` distinct members is not shown on its own; those works are summed into one line per
licence, and the amount still counts every use.
"""

from __future__ import annotations

import csv
import io
import hashlib
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from museion.catalog.models import Work
from museion.errors import InputRejected, NotFound, Problem
from museion.privacy.usage import SMALL_CELL, work_usage
from museion.rights.licence_models import LicenceWork, RightsHolder
from museion.rights import statement_html
from museion.rights.licence_reports import list_licences

EVENT_USES = {"view": "stream", "play": "stream", "download": "download", "print": "print"}


def statement(conn: Connection, holder: str, start: date, end: date, *, actor: str) -> dict[str, Any]:
    """The statement for ``holder`` (key) from ``start`` to ``end``, days included; amounts totalled per currency."""
    if end < start:
        raise InputRejected([Problem("statement", None, "end", f"ends {end.isoformat()} before it starts {start.isoformat()}")])
    if conn.scalar(select(RightsHolder.id).where(RightsHolder.key == holder)) is None:
        raise NotFound("no rights holder with key %(key)s", key=holder)
    lics = [lic for lic in list_licences(conn, holder=holder, limit=10_000)
            if lic["starts"] <= end and (lic["ends"] is None or lic["ends"] >= start)]
    works = {lic["id"]: [int(w) for w in conn.scalars(select(LicenceWork.work_id).where(LicenceWork.licence_id == lic["id"]))]
             for lic in lics}
    used = work_usage(conn, {w for ids in works.values() for w in ids}, start, end, actor=actor)
    titles = dict(conn.execute(select(Work.id, Work.key).where(Work.id.in_({w for ids in works.values() for w in ids}))).all())
    lines, inputs, totals = [], [], defaultdict(Decimal)
    for lic in lics:
        rows, small = [], {"uses": 0, "works": 0}
        counted = 0
        for w in sorted(works[lic["id"]]):
            u = used.get(w)
            uses = {"display": u.served if u else 0}
            for kind, n in (u.events.items() if u else ()):
                if kind in EVENT_USES:
                    uses[EVENT_USES[kind]] = uses.get(EVENT_USES[kind], 0) + n
            n_uses = sum(n for use, n in uses.items() if use in lic["uses"])
            counted += n_uses
            inputs.append([lic["key"], titles.get(w, str(w)), sorted(uses.items())])
            if n_uses and u is not None and u.members >= SMALL_CELL:
                rows.append({"work": titles.get(w, str(w)), "uses": n_uses})
            elif n_uses:
                small["uses"] += n_uses
                small["works"] += 1
        fee = lic["fee_amount"] or Decimal(0)
        amount = fee * counted if lic["fee_kind"] == "per_use" else fee if lic["fee_kind"] == "flat" else Decimal(0)
        totals[lic["currency"] or ""] += amount
        lines.append({"licence": lic["key"], "demo": lic["demo"], "uses": lic["uses"], "fee_kind": lic["fee_kind"],
                      "fee_amount": str(fee), "currency": lic["currency"], "counted": counted, "amount": str(amount.quantize(Decimal("0.01"))),
                      "works": rows, "small_cells": small})
        inputs.append([lic["key"], lic["fee_kind"], str(fee), lic["currency"], lic["uses"], str(lic["starts"]), str(lic["ends"])])
    canonical = json.dumps({"holder": holder, "start": start.isoformat(), "end": end.isoformat(), "inputs": inputs},
                           sort_keys=True, separators=(",", ":"))
    return {"holder": holder, "start": start, "end": end, "lines": lines, "small_cell": SMALL_CELL,
            "totals": {cur: str(amount.quantize(Decimal("0.01"))) for cur, amount in sorted(totals.items()) if cur},
            "inputs_sha256": hashlib.sha256(canonical.encode()).hexdigest()}


def write_csv(st: dict[str, Any], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(["holder", "start", "end", "licence", "work", "uses", "amount", "currency", "inputs_sha256"])
    for line in st["lines"]:
        for row in line["works"]:
            writer.writerow([st["holder"], st["start"], st["end"], line["licence"], row["work"], row["uses"], "", line["currency"] or "",
                             st["inputs_sha256"]])
        if line["small_cells"]["works"]:
            writer.writerow([st["holder"], st["start"], st["end"], line["licence"],
                             f"{line['small_cells']['works']} works used by fewer than {st['small_cell']} members",
                             line["small_cells"]["uses"], "", line["currency"] or "", st["inputs_sha256"]])
        writer.writerow([st["holder"], st["start"], st["end"], line["licence"], "TOTAL", line["counted"], line["amount"],
                         line["currency"] or "", st["inputs_sha256"]])


def export_file(st: dict[str, Any], fmt: str, lang: str = "en") -> tuple[str, str, str]:
    """(file name, media type, text) of the statement as CSV or one standalone HTML document, for a download."""
    name = quote(f"statement-{st['holder']}-{st['start']}-{st['end']}-{st['inputs_sha256'][:12]}.{fmt}")
    if fmt == "html":
        return name, "text/html; charset=utf-8", statement_html.render(st, lang)
    out = io.StringIO()
    write_csv(st, out)
    return name, "text/csv; charset=utf-8", out.getvalue()
