"""Usage statements for rights holders: amounts from flat and per-use fees, uses counted only where the licence
covers them, small cells merged per licence, the SHA-256 of the inputs reproducible (same inputs, same hash; any
input changed, a different hash), and the exports: CSV and one standalone HTML file from the CLI, API and web."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from helpers import auth_headers, inspecting
from museion.catalog.models import Work
from museion.cli.main import app as cli
from museion.errors import InputRejected, NotFound
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy.models import Member
from museion.privacy.served import log_served
from museion.rights import statement_html
from museion.rights.availability import today
from museion.rights.licence_models import Licence
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.rights.usage import statement
from museion.server import create_app

DAY = today()
START, END = DAY - timedelta(days=30), DAY


def _events(engine: Engine, folder: Path, rows: list[tuple[str, str, str, int]]) -> None:
    """(member, work, kind, days ago) events, timestamped inside the statement's period."""
    path = folder / f"events-{len(rows)}.csv"
    stamp = lambda ago: datetime.combine(DAY - timedelta(days=ago), datetime.min.time(), UTC).isoformat()  # noqa: E731
    path.write_text("member,work,kind,timestamp\n" + "".join(f"{m},{w},{k},{stamp(a)}\n" for m, w, k, a in rows), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="s"), path, keep_member_ids=True)


@pytest.fixture
def usage(engine: Engine, tmp_path: Path) -> Engine:
    """Works w0…w4; w0 streamed by 6 members (its own line), w1 by 2 and w2 downloaded by 1 (small cells), w3 rated
    (not a use) and shown in 7 served lists; two licences: per use (0.10 GBP, stream and download) on w0–w2, flat
    (500 EUR, display) on w3–w4."""
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n" + "".join(f"w{i},film,Film {i}\n" for i in range(5)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="s"), works)
    _events(engine, tmp_path, [(f"m{m}", "w0", "view", 3) for m in range(6)] + [("m0", "w1", "play", 2), ("m1", "w1", "view", 2),
            ("m2", "w2", "download", 1), ("m3", "w3", "rating", 1), ("m4", "w0", "view", 90)])  # 90 days ago: outside the period
    with engine.begin() as conn, inspecting():
        members = list(conn.scalars(select(Member.id).order_by(Member.id)))
        w3 = conn.scalar(select(Work.id).where(Work.key == "s:w3"))
        for member_id in members[:7]:
            log_served(conn, member_id=member_id, model_version_id=None, personalised=False, not_personalised_because="test",
                       work_ids=[w3])
    with engine.begin() as conn:
        save_holders(conn, [HolderIn("studio", "Studio Canal")], actor="t")
        save_licences(conn, [
            LicenceIn("per-use", "studio", ("s:w0", "s:w1", "s:w2"), ("world",), ("stream", "download"), START - timedelta(days=100),
                      None, fee_kind="per_use", fee_amount="0.10", currency="GBP"),
            LicenceIn("flat", "studio", ("s:w3", "s:w4"), ("GB",), ("display",), START - timedelta(days=100), END + timedelta(days=100),
                      fee_kind="flat", fee_amount="500", currency="EUR")], actor="t")
    return engine


def _statement(engine: Engine) -> dict:
    with engine.begin() as conn:
        return statement(conn, "studio", START, END, actor="t")


def test_amounts_counts_and_small_cells(usage: Engine) -> None:
    st = _statement(usage)
    lines = {line["licence"]: line for line in st["lines"]}
    per_use, flat = lines["per-use"], lines["flat"]
    assert per_use["counted"] == 6 + 2 + 1 and per_use["amount"] == "0.90" and per_use["currency"] == "GBP"
    assert per_use["works"] == [{"work": "s:w0", "uses": 6}]  # six members: shown on its own
    assert per_use["small_cells"] == {"uses": 3, "works": 2}  # w1 (2 members) and w2 (1): summed, not shown
    with usage.connect() as conn, inspecting():
        shown = min(7, len(list(conn.scalars(select(Member.id)))))
    assert flat["counted"] == shown and flat["amount"] == "500.00"  # flat: owed whatever the count; ratings are no use
    assert st["totals"] == {"EUR": "500.00", "GBP": "0.90"}
    out = io.StringIO()
    from museion.rights.usage import write_csv

    write_csv(st, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["work"] for r in rows if r["licence"] == "per-use"] == ["s:w0", "2 works used by fewer than 5 members", "TOTAL"]
    assert "s:w1" not in out.getvalue() and "s:w2" not in out.getvalue()


def test_inputs_hash_is_reproducible_and_changes_with_any_input(usage: Engine, tmp_path: Path) -> None:
    first, again = _statement(usage), _statement(usage)
    assert first["inputs_sha256"] == again["inputs_sha256"] and len(first["inputs_sha256"]) == 64
    assert statement_html.render(first) == statement_html.render(again)  # the file itself is reproducible too
    _events(usage, tmp_path, [("m5", "w1", "view", 1)])  # one more use
    more = _statement(usage)
    assert more["inputs_sha256"] != first["inputs_sha256"]
    with usage.begin() as conn:
        conn.execute(update(Licence).where(Licence.key == "per-use").values(fee_amount="0.11"))  # fee terms changed
    fee = _statement(usage)
    assert fee["inputs_sha256"] not in {first["inputs_sha256"], more["inputs_sha256"]}
    with usage.begin() as conn:
        other = statement(conn, "studio", START - timedelta(days=1), END, actor="t")  # the period is an input
    assert other["inputs_sha256"] != fee["inputs_sha256"]


def test_bad_requests_are_refused(usage: Engine) -> None:
    with pytest.raises(NotFound), usage.begin() as conn:
        statement(conn, "nobody", START, END, actor="t")
    with pytest.raises(InputRejected, match="before it starts"), usage.begin() as conn:
        statement(conn, "studio", END, START, actor="t")


def test_html_export_from_cli_api_and_web(usage: Engine, museion_env: str, tmp_path: Path) -> None:
    st = _statement(usage)
    page = statement_html.render(st)
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page.split("</style>")[0]
    assert st["inputs_sha256"] in page and "&lt;b&gt;x" in statement_html.render({**st, "holder": "<b>x"})  # escaped
    assert "0.90 GBP" in page and "500.00 EUR" in page and "s:w1" not in page
    assert "使用报告" in statement_html.render(st, "zh-Hans")
    target = tmp_path / "statement.html"
    done = CliRunner().invoke(cli, ["rights", "statement", "studio", "--start", START.isoformat(), "--end", END.isoformat(),
                                    "--format", "html", "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert target.read_text(encoding="utf-8") == page
    bad = CliRunner().invoke(cli, ["rights", "statement", "studio", "--start", START.isoformat(), "--end", END.isoformat(),
                                   "--format", "pdf"])
    assert bad.exit_code != 0 and "unknown format" in bad.output
    with TestClient(create_app(usage, tmp_path / "home"), headers=auth_headers(usage, "curator")) as client:
        query = f"start={START}&end={END}"
        api = client.get(f"/api/rights/statements/studio?{query}&format=html")
        assert api.status_code == 200 and api.text == page and "attachment" in api.headers["content-disposition"]
        assert client.get(f"/api/rights/statements/studio?{query}").json()["inputs_sha256"] == st["inputs_sha256"]
        assert client.get(f"/api/rights/statements/studio?{query}&format=csv").text.startswith("holder,start,end")
        assert client.get(f"/api/rights/statements/nobody?{query}").status_code == 404
        web = client.get(f"/rights/statements?holder=studio&{query}")
        assert 'id="statement-html"' in web.text and st["inputs_sha256"] in web.text
        download = client.get(f"/rights/statements?holder=studio&{query}&format=html")
        assert download.text == page and "attachment" in download.headers["content-disposition"]
        zh = client.get(f"/rights/statements?holder=studio&{query}&format=html", headers={"Accept-Language": "zh-CN"})
        assert zh.text == statement_html.render(st, "zh-Hans")
