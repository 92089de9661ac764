"""Licences GENERATED for the demo catalogue, labelled ``demo`` everywhere they show: they are not agreements anyone
signed. They give a curator something to look at (a running licence, one expiring within the alert window, one
already expired whose works are therefore withheld on every path) and exercise availability end to end."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, select

from museion.catalog.models import Work
from museion.rights.licence_models import Licence
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences


def _first(conn: Connection, source: str, n: int, skip: int = 0) -> tuple[str, ...]:
    return tuple(conn.scalars(select(Work.key).where(Work.source == source).order_by(Work.id).offset(skip).limit(n)))


def load_demo_licences(conn: Connection, today: date, *, actor: str) -> int:
    """Record the demo holders and licences once (none if any demo licence exists); returns how many were added."""
    if conn.scalar(select(Licence.id).where(Licence.demo.is_(True)).limit(1)) is not None:
        return 0
    films, art = _first(conn, "movielens", 40), _first(conn, "tate", 12)
    if not films and not art:
        return 0
    save_holders(conn, [HolderIn("demo-film-distributor", "Demo Film Distribution Ltd (generated)"),
                        HolderIn("demo-image-agency", "Demo Image Rights Agency (generated)")], actor=actor, label="demo")
    year_ago, note = today - timedelta(days=365), "GENERATED for the demo catalogue; not a real agreement"
    rows = []
    if films:
        rows += [
            LicenceIn("demo-films-world", "demo-film-distributor", films[5:30], ("world",), ("display", "stream", "reproduce"),
                      year_ago, today + timedelta(days=365), fee_kind="per_use", fee_amount="0.02", currency="GBP",
                      statement="http://rightsstatements.org/vocab/InC/1.0/", note=note, demo=True),
            LicenceIn("demo-films-gb-expiring", "demo-film-distributor", films[30:40], ("GB",), ("display", "stream", "reproduce"),
                      year_ago, today + timedelta(days=10), exclusive=True, fee_kind="flat", fee_amount="500", currency="GBP",
                      statement="http://rightsstatements.org/vocab/InC/1.0/", note=note, demo=True),
            LicenceIn("demo-films-expired", "demo-film-distributor", films[:5], ("world",), ("display", "stream", "reproduce"),
                      year_ago, today - timedelta(days=30), fee_kind="flat", fee_amount="250", currency="GBP",
                      statement="http://rightsstatements.org/vocab/InC/1.0/", note=note, demo=True),
        ]
    if art:
        rows.append(LicenceIn("demo-tate-images", "demo-image-agency", art, ("GB", "US"), ("display", "print", "reproduce"),
                              year_ago, None, fee_kind="per_use", fee_amount="0.05", currency="GBP",
                              statement="http://rightsstatements.org/vocab/InC-EDU/1.0/", note=note, demo=True))
    return len(save_licences(conn, rows, actor=actor, label="demo"))
