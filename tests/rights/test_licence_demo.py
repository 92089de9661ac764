"""The demo's GENERATED licences end to end, on the real MovieLens catalogue: `museion demo` records them (through
``museion.cli.demo._demo_licences``, the step the command runs), a curator sees them with one expiring within the
alert window, and the films of the expired licence vanish from recommendations, the catalogue API and page, and
the work pages; the GB-only exclusive licence keeps its films in GB and withholds them elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from helpers import approve_and_deploy, auth_headers, grant_personalisation, require_dataset
from museion.catalog.models import Work
from museion.cli.demo import _demo_licences
from museion.cli.main import app as cli
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.recommend.training import train
from museion.rights.licence_models import Licence, LicenceWork
from museion.server import create_app


def _films(engine: Engine, key: str) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(select(LicenceWork.work_id).join(Licence, Licence.id == LicenceWork.licence_id)
                                .where(Licence.key == key)))


def _popular(client: TestClient, member: dict[str, str]) -> set[int]:
    r = client.get("/api/members/movielens:1/recommendations?k=100&personalise=false", headers=member)
    assert r.status_code == 200, r.text
    return {i["work_id"] for i in r.json()["items"]}


def test_demo_licences_withhold_the_expired_films_everywhere(engine: Engine, museion_env: str, tmp_path: Path) -> None:
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"), actor="t")
    grant_personalisation(engine, "movielens")
    home = tmp_path / "home"
    approve_and_deploy(engine, home, train(engine, home, "pop", source="movielens", actor="t").id)
    with engine.connect() as conn:
        first = list(conn.scalars(select(Work.id).where(Work.source == "movielens").order_by(Work.id).limit(5)))
    with TestClient(create_app(engine, home), headers=auth_headers(engine, "curator")) as client:
        member = auth_headers(engine, member="movielens:1")  # the member's own list
        before = _popular(client, member)
        assert before & set(first)  # Toy Story and friends are among the most watched: the test can see them go
        assert all(client.get(f"/api/works/{w}").status_code == 200 for w in first)

        _demo_licences(engine)
        _demo_licences(engine)  # once only
        with engine.connect() as conn:
            keys = sorted(conn.scalars(select(Licence.key).where(Licence.demo.is_(True))))
        assert keys == ["demo-films-expired", "demo-films-gb-expiring", "demo-films-world"]
        assert _films(engine, "demo-films-expired") == set(first)
        alerts = client.get("/api/risk/alerts?kind=licence", headers=auth_headers(engine, "admin")).json()
        assert [a["subject"] for a in alerts] == ["licence:demo-films-gb-expiring"]  # the expiring one, alerted

        page = client.get("/rights/licences").text  # what a curator sees
        assert all(k in page for k in keys)
        expiring = page.split('id="expiring"')[1].split("</table>")[0]
        assert "demo-films-gb-expiring" in expiring and "demo-films-world" not in expiring
        assert "Generated for the demo catalogue" in client.get(
            f"/rights/licences/{client.get('/api/rights/licences').json()[0]['id']}").text

        assert not _popular(client, member) & set(first)  # withheld at once, no retraining
        assert all(client.get(f"/api/works/{w}").status_code == 404 for w in first)
        assert all(client.get(f"/works/{w}").status_code == 404 for w in first)
        listed = client.get("/api/works?limit=200").json()["items"]
        assert listed and not {w["id"] for w in listed} & set(first)
        catalogue = client.get("/catalogue").text
        assert 'href="/works/' in catalogue and not any(f'href="/works/{w}"' in catalogue for w in first)

        gb_only = sorted(_films(engine, "demo-films-gb-expiring"))[0]
        assert client.get(f"/api/works/{gb_only}").status_code == 200  # the configured territory is GB
        assert client.get(f"/api/works/{gb_only}?territory=US").status_code == 404
    listed = CliRunner().invoke(cli, ["rights", "expiring", "--days", "30", "--json"])
    assert listed.exit_code == 0 and "demo-films-gb-expiring" in listed.output and "demo-films-world" not in listed.output
