"""The rights registry: licence terms (pure), batches refused whole with row and field, CSV and ODRL round trips,
conflicts, expiring licences and their risk alerts, credit lines parsed into acquisition provenance."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from museion.errors import InputRejected
from museion.rights import licence_csv, licence_reports, odrl
from museion.rights.licence_models import Licence
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.rights.provenance import parse_credit_line
from museion.rights.terms import Terms, TermsError, statement_uri, territory_codes

DAY = date(2026, 6, 1)


def test_terms_cover_use_territory_and_days_inclusive() -> None:
    t = Terms(1, ("GB", "FR"), ("display",), DAY, DAY + timedelta(days=9))
    assert t.covers("display", "GB", DAY) and t.covers("display", "FR", DAY + timedelta(days=9))
    assert not t.covers("display", "US", DAY) and not t.covers("stream", "GB", DAY)
    assert not t.covers("display", "GB", DAY + timedelta(days=10)) and not t.covers("display", "GB", DAY - timedelta(days=1))
    assert Terms(2, ("world",), ("display",), DAY, None).covers("display", "JP", date(2100, 1, 1))


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_overlap_is_symmetric_and_matches_shared_days(a: int, b: int, c: int, d: int) -> None:
    s1, e1 = DAY + timedelta(days=min(a, b)), DAY + timedelta(days=max(a, b))
    s2, e2 = DAY + timedelta(days=min(c, d)), DAY + timedelta(days=max(c, d))
    x, y = Terms(1, ("GB",), ("display",), s1, e1, True), Terms(2, ("world",), ("display", "print"), s2, e2, True)
    assert x.overlaps(y) == y.overlaps(x) == (max(s1, s2) <= min(e1, e2))


def test_territories_and_statements_are_validated() -> None:
    assert territory_codes(["gb", "FR", "GB"]) == ["FR", "GB"] and territory_codes(["World"]) == ["world"]
    with pytest.raises(TermsError, match="'XX'"):
        territory_codes(["XX"])
    assert statement_uri("https://rightsstatements.org/vocab/InC/1.0") == "http://rightsstatements.org/vocab/InC/1.0/"
    assert statement_uri("https://creativecommons.org/licenses/by-sa/4.0/") == "http://creativecommons.org/licenses/by-sa/4.0/"
    with pytest.raises(TermsError):
        statement_uri("http://rightsstatements.org/vocab/Maybe/1.0/")


def test_credit_lines_parse_into_acquisitions() -> None:
    got = parse_credit_line("Bequeathed by Winifred Le Roy 2001")
    assert got is not None and (got.method, got.party, got.year) == ("bequeathed", "Winifred Le Roy", 2001)
    lieu = parse_credit_line("Accepted by HM Government in lieu of inheritance tax and allocated to Tate 2004")
    assert lieu is not None and (lieu.method, lieu.year) == ("accepted_in_lieu", 2004)
    assert parse_credit_line("Purchased 1974") is not None and parse_credit_line("Purchased 1974").method == "purchased"  # type: ignore[union-attr]
    assert parse_credit_line("Digital image © the artist") is None and parse_credit_line("") is None


def _licence(key: str, works: tuple[str, ...], **kw: object) -> LicenceIn:
    base: dict[str, object] = {"holder": "h1", "territories": ("GB",), "uses": ("display",), "starts": DAY,
                               "ends": DAY + timedelta(days=30), "line": 2}
    return LicenceIn(key, works=works, **{**base, **kw})  # type: ignore[arg-type]


def test_bad_batches_are_refused_whole_with_row_and_field(sample_catalogue: Engine) -> None:
    with sample_catalogue.begin() as conn:
        save_holders(conn, [HolderIn("h1", "Studio Canal"), HolderIn("h2", "Agnès Varda", "person", "demo:c2")], actor="t")
    cases = [
        (_licence("a", ("demo:1",), ends=DAY - timedelta(days=1)), "ends", "before it starts"),
        (_licence("b", ("demo:1",), territories=("ZZ",)), "territories", "unknown territory"),
        (_licence("c", ("demo:404",)), "works", "unknown work"),
        (_licence("d", ("demo:1",), holder="nobody"), "holder", "no rights holder"),
    ]
    for bad, column, reason in cases:
        with pytest.raises(InputRejected) as caught, sample_catalogue.begin() as conn:
            save_licences(conn, [_licence("ok", ("demo:2",), line=1), bad], actor="t", label="f.csv")
        problem = caught.value.problems[0]
        assert (problem.file, problem.line, problem.column) == ("f.csv", 2, column) and reason in problem.reason
    with sample_catalogue.begin() as conn:
        save_licences(conn, [_licence("x1", ("demo:1",), exclusive=True)], actor="t")
    with pytest.raises(InputRejected, match="overlaps exclusive licence 'x1'"), sample_catalogue.begin() as conn:
        save_licences(conn, [_licence("fine", ("demo:2",)), _licence("x2", ("demo:1", "demo:2"), exclusive=True,
                                                                       territories=("world",), starts=DAY + timedelta(days=30))],
                      actor="t")
    with sample_catalogue.connect() as conn:  # nothing of the refused batches was written
        assert conn.scalar(select(func.count()).select_from(Licence)) == 1
        assert licence_reports.conflicts(conn) == []
        assert [h["key"] for h in licence_reports.holders(conn)] == ["h2", "h1"]  # by name: Agnès Varda, Studio Canal


def test_csv_and_odrl_round_trip(sample_catalogue: Engine) -> None:
    text = ("id,owner,items,where,what,from,to,excl,fee,amount,cur,rs\n"
            "L1,h1,demo:1|demo:2,GB|FR,display|stream,2026-01-01,2026-12-31,yes,per_use,0.05,GBP,"
            "http://rightsstatements.org/vocab/InC/1.0/\n"
            "L2,h1,demo:3,world,train_ai,2026-01-01,,no,flat,100,EUR,\n")
    mapping = licence_csv.parse_mapping(["key=id", "holder=owner", "works=items", "territories=where", "uses=what", "starts=from",
                                         "ends=to", "exclusive=excl", "fee_kind=fee", "fee_amount=amount", "currency=cur",
                                         "statement=rs"], licence_csv.LICENCE_FIELDS)
    with sample_catalogue.begin() as conn:
        save_holders(conn, [HolderIn("h1", "Studio Canal")], actor="t")
        save_licences(conn, licence_csv.read_licences(io.StringIO(text), mapping), actor="t")
        before = licence_reports.with_work_keys(conn)
        doc = odrl.document([odrl.policy(lic, keys) for lic, keys in before])
        assert doc["@graph"][0]["@type"] == "Agreement" and any(p["permission"][0]["action"] == ["museion:train_ai"] for p in doc["@graph"])
        save_licences(conn, odrl.parse(doc), actor="t")  # the same keys: replaced by what the document says
        after_odrl = licence_reports.with_work_keys(conn)
        out = io.StringIO()
        licence_csv.write_licences(after_odrl, out)
        save_licences(conn, licence_csv.read_licences(io.StringIO(out.getvalue()), licence_csv.parse_mapping([], licence_csv.LICENCE_FIELDS)),
                      actor="t")
        after_csv = licence_reports.with_work_keys(conn)
    strip = lambda rows: [({k: v for k, v in lic.items() if k != "fee_amount"}, keys, float(lic["fee_amount"] or 0)) for lic, keys in rows]  # noqa: E731
    assert strip(before) == strip(after_odrl) == strip(after_csv)
    with pytest.raises(InputRejected, match="policy"):
        odrl.parse({"@graph": [{"@type": "Agreement", "uid": "urn:museion:licence:x", "permission": [{"action": "sing"}]}]})


def test_expiring_licences_raise_alerts_for_curators(sample_catalogue: Engine) -> None:
    from museion.risk.licence_expiry import scan

    with sample_catalogue.begin() as conn:
        save_holders(conn, [HolderIn("h1", "Studio Canal")], actor="t")
        save_licences(conn, [_licence("soon", ("demo:1",), ends=DAY + timedelta(days=5)),
                             _licence("later", ("demo:2",), ends=DAY + timedelta(days=300))], actor="t")
        assert [r["key"] for r in licence_reports.expiring(conn, 30, DAY)] == ["soon"]
        first = scan(conn, actor="t", day=DAY)
        assert len(first) == 1 and scan(conn, actor="t", day=DAY) == first  # a repeat counts on the open alert
        from museion.risk.alerts import get_alert
        alert = get_alert(conn, first[0])
        assert alert["owner_role"] == "curator" and alert["severity"] == "high" and alert["evidence"]["licence"] == "soon"
