"""Managing licences from the web app: importing rights holders from a CSV file and editing a licence's window and
territories, each checked as an import is; a refusal shows the form again with row, field and reason in the reader's
language and changes nothing; an accepted edit decides availability at once."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from helpers import auth_headers
from museion.rights.availability import today
from museion.rights.licence_models import Licence, RightsHolder
from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences
from museion.rights.reasons import REASONS, reason, recognise
from museion.server import create_app

DAY = today()
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def client(sample_catalogue: Engine, tmp_path: Path) -> Iterator[TestClient]:
    with sample_catalogue.begin() as conn:
        save_holders(conn, [HolderIn("h1", "Studio Canal")], actor="t")
        save_licences(conn, [
            LicenceIn("gb", "h1", ("demo:1",), ("GB",), ("display",), DAY - timedelta(days=10), DAY + timedelta(days=10)),
            LicenceIn("excl", "h1", ("demo:2",), ("FR",), ("display",), DAY, None, exclusive=True),
            LicenceIn("excl-us", "h1", ("demo:2",), ("US",), ("display",), DAY, None, exclusive=True)], actor="t")
    with TestClient(create_app(sample_catalogue, tmp_path / "home"), headers=auth_headers(sample_catalogue, "curator"),
                    follow_redirects=False) as c:
        yield c


def _id(engine: Engine, key: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(Licence.id).where(Licence.key == key)))


def test_every_reason_reads_back_into_its_template() -> None:
    for template in REASONS.values():
        names = [p.split(")")[0] for p in template.split("%(")[1:]]
        values = {n: f"'v{i}'" for i, n in enumerate(names)}
        assert recognise(template % values) == (template, values)
    assert recognise("something else entirely") is None


def test_holders_import_from_the_web(client: TestClient, sample_catalogue: Engine) -> None:
    bad = "key,name,kind,creator\nh2,Agnès Varda,person,demo:c2\nh3,Somebody,robot,\nh4,,person,\nh5,Five,person,demo:nobody\n"
    for headers, words in (({}, ("unknown kind 'robot'", "required", "no creator with key 'demo:nobody'")),
                           (ZH, ("未知类型 'robot'", "必填", "没有键为 'demo:nobody' 的创作者"))):
        r = client.post("/rights/holders/import", files={"file": ("holders.csv", bad.encode(), "text/csv")}, headers=headers)
        assert r.status_code == 422, r.text
        table = unescape(r.text).split('id="problems"')[1].split("</table>")[0]
        rows = [row for row in table.split("<tr>")[2:]]
        assert [row.split("<td>")[1].split("</td>")[0] for row in rows] == ["3", "4", "5"]  # file lines, header is line 1
        assert all(w in table for w in words), table
        assert "<code>kind</code>" in rows[0] and "<code>name</code>" in rows[1] and "<code>creator</code>" in rows[2]
    with sample_catalogue.connect() as conn:  # refused whole
        assert conn.scalar(select(func.count()).select_from(RightsHolder)) == 1
    for data, words in ((b"", "the file has no rows"), ("key,name\n".encode(), "the file has no rows"),
                        (b"\xff\xfe\x00bad", "the file is not UTF-8 text"), (b"name\nx\n", "missing column(s)")):
        r = client.post("/rights/holders/import", files={"file": ("h.csv", data, "text/csv")})
        assert r.status_code == 422 and words in unescape(r.text), (data, r.text[-2000:])
    zh = client.post("/rights/holders/import", files={"file": ("h.csv", b"\xff", "text/csv")}, headers=ZH)
    assert "文件不是 UTF-8 文本" in zh.text
    good = "key,name,kind,creator\nh2,Agnès Varda,person,demo:c2\nh1,Studio Canal SA,organisation,\n"
    done = client.post("/rights/holders/import", files={"file": ("our holders.csv", good.encode(), "text/csv")})
    assert done.status_code == 303 and done.headers["location"] == "/rights/licences?imported=2#holders"
    page = client.get(done.headers["location"]).text
    assert 'id="holders-imported"' in page and "Agnès Varda" in page and "Studio Canal SA" in page
    assert 'id="holders-import"' in page
    member = auth_headers(sample_catalogue, member="demo:m1")
    assert client.post("/rights/holders/import", files={"file": ("h.csv", good.encode(), "text/csv")},
                       headers=member).status_code == 403


def test_licence_edit_is_checked_like_an_import_and_decides_availability(client: TestClient, sample_catalogue: Engine) -> None:
    gb = _id(sample_catalogue, "gb")
    page = client.get(f"/rights/licences/{gb}").text
    assert 'id="edit-licence"' in page and 'value="GB"' in page
    form = {"starts": DAY.isoformat(), "ends": (DAY + timedelta(days=5)).isoformat(), "territories": "GB"}
    cases = [({**form, "ends": (DAY - timedelta(days=1)).isoformat()}, "ends", "before it starts", "早于开始日期"),
             ({**form, "territories": "GB, ZZ"}, "territories", "unknown territory 'ZZ'", "未知地区 'ZZ'"),
             ({**form, "territories": ""}, "territories", None, None),
             ({**form, "ends": "tomorrow"}, "ends", "'tomorrow' is not a date", "'tomorrow' 不是日期")]
    for data, field, english, chinese in cases:
        for headers, words in (({}, english), (ZH, chinese)):
            r = client.post(f"/rights/licences/{gb}/edit", data=data, headers=headers)
            assert r.status_code == 422, (data, r.status_code)
            if words:
                problems = unescape(r.text).split('id="problems"')[1].split("</table>")[0]
                assert words in problems and f"<code>{field}</code>" in problems, problems
                assert f'value="{data["territories"]}"' in r.text  # the form keeps what was typed
    excl = _id(sample_catalogue, "excl")
    clash = client.post(f"/rights/licences/{excl}/edit", data={"starts": DAY.isoformat(), "ends": "", "territories": "US, FR"})
    assert clash.status_code == 422 and "overlaps exclusive licence 'excl-us'" in unescape(clash.text)
    with sample_catalogue.connect() as conn:  # nothing changed by the refusals
        row = conn.execute(select(Licence.territories, Licence.ends).where(Licence.id == gb)).one()
        assert list(row.territories) == ["GB"] and row.ends == DAY + timedelta(days=10)

    assert client.get("/api/works/1").status_code == 200
    moved = client.post(f"/rights/licences/{gb}/edit", data={**form, "territories": "us fr"})
    assert moved.status_code == 303 and moved.headers["location"] == f"/rights/licences/{gb}"
    lic = client.get(f"/api/rights/licences/{gb}").json()
    assert lic["territories"] == ["FR", "US"] and lic["ends"] == form["ends"] and lic["starts"] == form["starts"]
    assert client.get("/api/works/1").status_code == 404  # licensed elsewhere now: withheld in GB at once
    assert client.get("/api/works/1?territory=US").status_code == 200
    opened = client.post(f"/rights/licences/{gb}/edit", data={**form, "ends": "", "territories": "world"})
    assert opened.status_code == 303 and client.get(f"/api/rights/licences/{gb}").json()["ends"] is None
    assert client.get("/api/works/1").status_code == 200

    ended = client.post(f"/rights/licences/{gb}/end", data={"last_day": "1990-01-01"}, headers=ZH)
    assert ended.status_code == 422 and "结束日期 1990-01-01 早于开始日期" in ended.text
    assert reason("ends_before", ends="1990-01-01", starts=form["starts"]) in client.post(
        f"/rights/licences/{gb}/end", data={"last_day": "1990-01-01"}).text
    member = auth_headers(sample_catalogue, member="demo:m1")
    assert client.post(f"/rights/licences/{gb}/edit", data=form, headers=member).status_code == 403


def test_edit_and_holders_import_from_the_api_and_cli(client: TestClient, sample_catalogue: Engine, museion_env: str) -> None:
    from typer.testing import CliRunner

    from museion.cli.main import app as cli

    gb = _id(sample_catalogue, "gb")
    bad = client.patch(f"/api/rights/licences/{gb}", json={"starts": DAY.isoformat(), "ends": "2000-01-01", "territories": ["GB"]})
    assert bad.status_code == 422 and bad.json()["problems"][0]["column"] == "ends"
    ok = client.patch(f"/api/rights/licences/{gb}", json={"starts": DAY.isoformat(), "ends": None, "territories": ["de", "GB"]})
    assert ok.status_code == 200 and ok.json()["territories"] == ["DE", "GB"] and ok.json()["ends"] is None
    holders = client.post("/api/rights/holders/import", json={"content": "id,who\nh9,Nine\nh10,\n", "mapping": ["key=id", "name=who"]})
    assert holders.status_code == 422 and holders.json()["problems"] == [
        {"file": "api.csv", "line": 3, "column": "name", "reason": "required"}]
    done = client.post("/api/rights/holders/import", json={"content": "id,who\nh9,Nine\n", "mapping": ["key=id", "name=who"]})
    assert done.status_code == 200 and done.json() == {"holders": 1}
    runner = CliRunner()
    edited = runner.invoke(cli, ["rights", "edit", str(gb), "--from", DAY.isoformat(), "--to",
                                 (DAY + timedelta(days=3)).isoformat(), "--territories", "FR,US"])
    assert edited.exit_code == 0, edited.output
    assert client.get(f"/api/rights/licences/{gb}").json()["territories"] == ["FR", "US"]
    refused = runner.invoke(cli, ["rights", "edit", str(gb), "--from", DAY.isoformat(), "--territories", "XX"])
    assert refused.exit_code != 0 and "unknown territory 'XX'" in refused.output and "Traceback" not in refused.output
    typo = runner.invoke(cli, ["rights", "edit", str(gb), "--from", "yesterday", "--territories", "GB"])
    assert typo.exit_code != 0 and "--from 'yesterday' is not a date" in typo.output
