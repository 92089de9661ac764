"""Token use from a new address pattern: addresses kept as keyed hashes of their network (never the address), recorded
through the real app, and the misuse check that alerts the privacy officer (SQLite and PostgreSQL)."""

from __future__ import annotations


from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from helpers import auth_headers
from museion.risk import misuse_scan
from museion.security import addresses
from museion.security.models import TokenAddress
from museion.server import create_app


def test_address_keys_are_keyed_hashes_of_the_network() -> None:
    key, other = b"k" * 32, b"o" * 32
    assert addresses.network("203.0.113.77") == "203.0.113.0/24"
    assert addresses.network("2001:db8:1:2::9") == "2001:db8:1::/48" and addresses.network("testclient") == "testclient"
    same = addresses.address_key(key, "203.0.113.5")
    assert same == addresses.address_key(key, "203.0.113.250") != addresses.address_key(key, "198.51.100.5")
    assert same != addresses.address_key(other, "203.0.113.5") and "203" not in same and len(same) == 32


def test_a_token_used_from_a_new_network_raises_a_misuse_alert(engine: Engine) -> None:
    app = create_app(engine)
    with TestClient(app, client=("192.0.2.1", 5000)) as client:  # the app's lifespan; the others share it
        headers, officer = auth_headers(engine, "analyst"), auth_headers(engine, "privacy_officer")
        for address in ("203.0.113.5", "203.0.113.9", "198.51.100.20"):  # the second is the first's network
            assert TestClient(app, client=(address, 5000)).get("/api/risk/alerts", headers=headers).status_code == 200
        app.state.guards.addresses.flush()
        with engine.connect() as conn:
            stored = conn.scalars(select(TokenAddress.address_key)).all()
        assert len(stored) == 2 and not any("203.0.113" in k or "198.51" in k for k in stored)
        raised = client.post("/api/risk/misuse-scans", headers=officer).json()["alerts"]
        again = client.post("/api/risk/misuse-scans", headers=officer).json()["alerts"]
        assert again == raised  # the same new pattern: one alert, seen twice
        found = [client.get(f"/api/risk/alerts/{a}", headers=officer).json() for a in raised]
    assert [a["detector"] for a in found] == [misuse_scan.DETECTOR_ADDRESS]
    alert = found[0]
    assert alert["owner_role"] == "privacy_officer" and alert["count"] == 2
    assert alert["evidence"]["earlier_patterns"] == 1 and alert["evidence"]["role"] == "analyst"
    assert "198.51" not in str(alert["evidence"]) and "new address pattern" in alert["summary"]
