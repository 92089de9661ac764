"""The vault and data-subject requests: access copy, rectification, restriction, withdrawal, and an
erasure after which a sweep finds the member in no table, artifact or export."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, inspect, select, text, update
from typer.testing import CliRunner

from helpers import approve_and_deploy, grant_personalisation, inspecting, member_id_for
from museion.cli.main import app as cli
from museion.errors import Conflict, NotFound
from museion.fairness.serving import open_recommender
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.privacy import preferences, requests, vault
from museion.privacy.gate import read_activity
from museion.privacy.models import InterestSuppression, Member, MemberPreference, ServedEntry, SubjectRequest, VaultEntry
from museion.recommend import erasure
from museion.recommend.training import train
from museion.registry.models import ModelVersion

SECRET_EMAIL = "ada.lovelace@example.org"
SECRET_PHONE = "+44 20 7946 0018"


@pytest.fixture
def audience(engine: Engine, tmp_path: Path) -> Engine:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title,genres\n" + "".join(f"w{i},film,Film {i},{'Drama' if i % 2 else 'Comedy'}\n"
                                                          for i in range(8)), encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), works)
    plays = tmp_path / "views.csv"
    plays.write_text("member,work,kind,label\n" + "".join(f"m{m},w{w},view,\n" for m in range(6) for w in range(8) if (m * w) % 5 != 1)
                     + "m0,w1,tag,ada's favourite\n", encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), plays, keep_member_ids=True)
    grant_personalisation(engine)
    return engine


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> vault.KeyRing:
    monkeypatch.delenv(vault.ENV_KEY, raising=False)
    return vault.KeyRing.load(tmp_path / "home")


def member(engine: Engine, key: str = "t:m0") -> int:
    with engine.connect() as conn, inspecting():
        return member_id_for(conn, key)


def open_verified(engine: Engine, kind: str, key: str = "t:m0") -> int:
    with engine.begin() as conn, inspecting():
        request_id = requests.open_request(conn, key, kind, channel="web")
        requests.verify(conn, request_id, by="officer", how="signed-in account and e-mail code")
    return request_id


def test_vault_encrypts_binds_to_member_and_rotates(audience: Engine, ring: vault.KeyRing, tmp_path: Path) -> None:
    m0, m1 = member(audience), member(audience, "t:m1")
    with audience.begin() as conn, inspecting():
        vault.put(conn, ring, m0, {"name": "Ada Lovelace", "email": SECRET_EMAIL, "phone": SECRET_PHONE})
        stored = conn.execute(select(VaultEntry.ciphertext, VaultEntry.key_id)).one()
        assert SECRET_EMAIL.encode() not in stored.ciphertext
        assert vault.get(conn, ring, m0)["email"] == SECRET_EMAIL
        with pytest.raises(vault.VaultError, match="only name, email, phone"):
            vault.put(conn, ring, m1, {"address": "x"})
    with audience.begin() as conn, inspecting():  # a ciphertext moved onto another member does not decrypt
        conn.execute(update(VaultEntry).values(member_id=m1))
        with pytest.raises(vault.VaultError, match="failed authentication"):
            vault.get(conn, ring, m1)
        conn.execute(update(VaultEntry).values(member_id=m0))
    assert oct((tmp_path / "home" / "vault-keys.json").stat().st_mode & 0o777) == "0o600"
    old_key = stored.key_id
    with audience.begin() as conn, inspecting():
        assert vault.rotate(conn, ring) == 1
    ring.retire_all_but_current()
    reloaded = vault.KeyRing.load(tmp_path / "home")
    assert old_key not in reloaded.keys
    with audience.connect() as conn, inspecting():
        assert conn.scalar(select(VaultEntry.key_id)) == reloaded.current
        assert vault.get(conn, reloaded, m0)["phone"] == SECRET_PHONE


def test_env_key_must_be_32_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(vault.ENV_KEY, base64.b64encode(b"short").decode())
    with pytest.raises(vault.VaultError, match="32 bytes"):
        vault.KeyRing.load(tmp_path)
    monkeypatch.setenv(vault.ENV_KEY, base64.b64encode(bytes(32)).decode())
    assert vault.KeyRing.load(tmp_path).current == "env"


def test_request_ledger_verification_due_dates_and_refusals(audience: Engine) -> None:
    with audience.begin() as conn, inspecting():
        request_id = requests.open_request(conn, "t:m0", "erasure", channel="letter", due_days=15)
        row = requests.get_request(conn, request_id)
        assert row.status == "received" and 14.9 < (row.due_at - row.received_at).total_seconds() / 86400 < 15.1
        with pytest.raises(requests.RequestError, match="verify the requester's identity first"):
            erasure.complete_erasure(conn, Path("."), request_id)
        with pytest.raises(requests.RequestError, match="needs its reason"):
            requests.refuse(conn, request_id, reason=" ")
        requests.refuse(conn, request_id, reason="the requester could not prove they hold the account")
        assert requests.get_request(conn, request_id).status == "refused"
        with pytest.raises(NotFound):
            requests.open_request(conn, "t:nobody", "access", channel="web")


def test_a_request_changed_meanwhile_is_not_completed_twice(audience: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two officers at once: one refuses while the other, having read the request as verified, completes it.
    The second finds the request changed (a conditional update) and nothing it did stays."""
    with audience.begin() as conn, inspecting():
        request_id = requests.open_request(conn, "t:m1", "restriction", channel="web")
        requests.verify(conn, request_id, by="officer-a", how="signed-in account")
        stale = requests.get_request(conn, request_id)
        requests.refuse(conn, request_id, reason="duplicate of an earlier request")
    monkeypatch.setattr(requests, "get_request", lambda conn, rid: stale)  # what the slower officer had read
    with pytest.raises(Conflict, match="changed while"), audience.begin() as conn, inspecting():
        requests.complete_restriction(conn, request_id)
    with audience.connect() as conn, inspecting():
        assert conn.scalar(select(SubjectRequest.status).where(SubjectRequest.id == request_id)) == "refused"
        assert conn.scalar(select(Member.restricted_at).where(Member.key == "t:m1")) is None


def test_access_copy_is_complete(audience: Engine, ring: vault.KeyRing, tmp_path: Path) -> None:
    with audience.begin() as conn, inspecting():
        vault.put(conn, ring, member(audience), {"email": SECRET_EMAIL})
    approve_and_deploy(audience, tmp_path, train(audience, tmp_path, "itemknn", source="t", actor="t").id)
    shown = open_recommender(audience, tmp_path).recommend("t:m0", 2, actor="test")
    with audience.begin() as conn, inspecting():
        preferences.suppress(conn, member(audience), "Comedy", actor="t")
        preferences.set_personalisation(conn, member(audience), False, actor="t")
    request_id = open_verified(audience, "access")
    with audience.begin() as conn, inspecting():
        copy = requests.complete_access(conn, ring, request_id)
    assert copy["member"]["key"] == "t:m0" and copy["identifiers"] == {"email": SECRET_EMAIL}
    assert len(copy["events"]) == 8 + 1 and {e["kind"] for e in copy["events"]} == {"view", "tag"}
    assert copy["consents"][0]["purpose"] == "personalisation"
    assert {i["tag"] for i in copy["derived_interests"]} == {"Drama"}  # as the privacy page shows: Comedy was deleted
    with audience.begin() as conn:
        on_page = {(i.tag, i.weight) for i in preferences.interests(conn, member(audience), actor="t")}
    assert on_page == {(i["tag"], i["share"]) for i in copy["derived_interests"]}
    assert copy["requests"][0]["kind"] == "access"
    assert [[w["key"] for w in s["works"]] for s in copy["recommendations_shown"]] == [[i.key for i in shown.items]]
    assert copy["recommendations_shown"][0]["personalised"] is shown.personalised
    assert copy["preferences"][0]["personalise"] is False and copy["deleted_interests"][0]["tag"] == "Comedy"
    json.dumps(copy, default=str)  # machine-readable


def test_rectification_restriction_and_withdrawal(audience: Engine, ring: vault.KeyRing) -> None:
    rect = open_verified(audience, "rectification")
    with audience.begin() as conn, inspecting():
        requests.complete_rectification(conn, ring, rect, profile={"age": 37}, identifiers={"name": "Ada King"})
        assert vault.get(conn, ring, member(audience))["name"] == "Ada King"
        with pytest.raises(requests.RequestError, match="already completed"):
            requests.complete_rectification(conn, ring, rect, profile={"age": 38})
    restrict = open_verified(audience, "restriction", "t:m1")
    withdraw = open_verified(audience, "withdrawal", "t:m2")
    with audience.begin() as conn, inspecting():
        requests.complete_restriction(conn, restrict)
        requests.complete_withdrawal(conn, withdraw)
        used = set(read_activity(conn, purpose="personalisation", actor="t").member_ids.tolist())
        analytics = set(read_activity(conn, purpose="analytics", actor="t").member_ids.tolist())
    assert member(audience, "t:m1") not in used | analytics  # restriction stops every purpose
    assert member(audience, "t:m2") not in used and member(audience, "t:m2") in analytics


def test_erasure_leaves_no_trace(audience: Engine, ring: vault.KeyRing, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "home"
    m0 = member(audience)
    with audience.begin() as conn, inspecting():
        vault.put(conn, ring, m0, {"name": "Ada Lovelace", "email": SECRET_EMAIL, "phone": SECRET_PHONE})
    version = train(audience, home, "itemknn", source="t", actor="t")
    approve_and_deploy(audience, home, version.id)
    service = open_recommender(audience, home)
    service.recommend("t:m0", 3, actor="test")
    with audience.begin() as conn, inspecting():  # the member's own controls are theirs to erase too
        preferences.set_personalisation(conn, m0, False, actor="t")
        preferences.suppress(conn, m0, "Drama", actor="t")
    service.recommend("t:m0", 3, actor="test")
    with audience.connect() as conn, inspecting():
        held = [conn.scalar(select(func.count()).select_from(t).where(t.member_id == m0))
                for t in (ServedEntry, MemberPreference, InterestSuppression)]
    assert held == [2, 1, 1]
    request_id = open_verified(audience, "erasure")
    with audience.begin() as conn, inspecting():
        outcome = erasure.complete_erasure(conn, home, request_id)
    assert outcome["events"] == 9 and outcome["vault_entries"] == 1 and outcome["model_versions_flagged"] == [version.id]
    assert (outcome["served_lists"], outcome["preferences"], outcome["deleted_interests"]) == (2, 1, 1)

    needles = ["t:m0", SECRET_EMAIL, "Ada Lovelace", SECRET_PHONE, "ada's favourite"]
    with audience.connect() as conn, inspecting():  # sweep every table, every column
        for table in inspect(audience).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert not any(n in str(value) for n in needles for value in row), (table, row)
                fields = row._mapping
                assert fields.get("member_id") != m0 and (table != "members" or fields["id"] != m0), (table, row)
        proof = conn.execute(select(SubjectRequest.member_ref, SubjectRequest.status, SubjectRequest.member_id)).one()
        flagged = conn.scalar(select(ModelVersion.retrain_reason))
    assert proof == (requests.member_ref("t:m0"), "completed", None)
    assert flagged.startswith(f"erasure request {request_id}")
    for path in home.rglob("*"):  # every artifact file
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if "member_ids" in z.files:
                    assert m0 not in z["member_ids"]
        elif path.is_file():
            assert not any(n.encode() in path.read_bytes() for n in needles), path
    assert not any(n in caplog.text for n in needles)
    open_recommender(audience, home).recommend("t:m1", 3, actor="test")  # the scrubbed index still serves others


def test_requests_from_the_cli(audience: Engine, museion_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["privacy", "vault", "put", "t:m3", "--email", SECRET_EMAIL]).exit_code == 0
    out = runner.invoke(cli, ["privacy", "request", "open", "t:m3", "--kind", "access"]).output
    request_id = out.split()[1]
    result = runner.invoke(cli, ["privacy", "request", "complete", request_id, "-o", str(tmp_path / "copy.json")])
    assert result.exit_code == 1 and "verify the requester's identity first" in result.output
    assert runner.invoke(cli, ["privacy", "request", "verify", request_id, "--how", "account login"]).exit_code == 0
    result = runner.invoke(cli, ["privacy", "request", "complete", request_id, "-o", str(tmp_path / "copy.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "copy.json").read_text())["identifiers"]["email"] == SECRET_EMAIL
    listed = json.loads(runner.invoke(cli, ["privacy", "request", "list", "--json"]).output)
    assert listed[0]["status"] == "completed" and "member_id" not in listed[0]
    assert json.loads(runner.invoke(cli, ["privacy", "request", "list", "--status", "refused", "--json"]).output) == []
    assert runner.invoke(cli, ["privacy", "vault", "rotate"]).exit_code == 0
    bad = runner.invoke(cli, ["privacy", "request", "open", "t:m3", "--kind", "forget-me"])
    assert bad.exit_code == 1 and "unknown request kind" in bad.output
