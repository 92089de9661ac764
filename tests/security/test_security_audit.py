"""The audit chain: appends, verification, and detection of every kind of tampering done directly in SQL."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from museion import audit
from museion.audit import keys
from museion.audit.chain import CHECKPOINT_EVERY, GENESIS
from museion.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from museion.cli.main import app as cli


def append(engine: Engine, n: int, start: int = 0) -> None:
    with engine.begin() as conn:
        for i in range(start, start + n):
            audit.record(conn, actor=f"account:{i % 3 + 1}", action="catalog.export", target=f"export:{i}", details={"rows": i})


@pytest.fixture
def chain(engine: Engine) -> Engine:
    append(engine, 10)
    return engine


def verify(engine: Engine) -> audit.VerifyReport:
    with engine.connect() as conn:
        return audit.verify(conn)


def sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def cut_tail(engine: Engine, keep: int) -> None:
    """Delete every entry after ``keep`` and rewrite the head row to match: a valid, shorter chain."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
        last = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == keep)).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = :k, hash = :h"), {"k": keep, "h": last})


def test_appends_link_each_entry_to_the_previous(chain: Engine) -> None:
    with chain.connect() as conn:
        rows = audit.entries(conn, audit.AuditFilter(), limit=100)
    assert [r["seq"] for r in rows] == list(range(1, 11))
    assert rows[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    assert rows[3]["details"] == {"rows": 3} and rows[3]["at"].tzinfo is not None
    report = verify(chain)
    assert report.ok and report.entries == 10 and report.first_bad is None


def test_an_empty_chain_verifies(engine: Engine) -> None:
    assert verify(engine).ok and verify(engine).entries == 0


def test_filters(chain: Engine) -> None:
    append(chain, 1)
    with chain.begin() as conn:
        audit.record(conn, actor="cli", action="token.create", target="token:9")
        audit.record(conn, actor="cli", action="token.revoke", target="token:9")
        by_prefix = audit.entries(conn, audit.AuditFilter(action="token."))
        assert [e["action"] for e in by_prefix] == ["token.create", "token.revoke"]
        assert [e["seq"] for e in audit.entries(conn, audit.AuditFilter(actor="account:2"))] == [2, 5, 8]
        assert audit.entries(conn, audit.AuditFilter(target="token:9", after_seq=12)) == [
            e for e in by_prefix if e["seq"] > 12]
        assert len(audit.entries(conn, audit.AuditFilter(), limit=3)) == 3


@pytest.mark.parametrize("bad", [
    {"actor": "Jane Doe"}, {"actor": "jane@example.org"}, {"target": "member:jane doe"}, {"action": "Export Now"},
    {"details": {"email": "jane@example.org"}}, {"details": {"note": "free text about someone"}},
    {"details": {"Bad Key": 1}}, {"details": {"nested": {"a": 1}}}, {"details": {"x": float("nan")}},
])
def test_personal_data_and_free_text_are_refused(engine: Engine, bad: dict) -> None:
    fields = {"actor": "cli", "action": "consent.withdraw", "target": "member:42", **bad}
    with pytest.raises(ValueError), engine.begin() as conn:
        audit.record(conn, **fields)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_pseudonyms_are_keyed_and_stable() -> None:
    ref = audit.pseudonym("name", "alice")
    assert ref == audit.pseudonym("name", "alice") and ref.startswith("name:h") and "alice" not in ref
    other = audit.AuditKey.from_secret(b"another key of at least thirty-two bytes")
    assert audit.pseudonym("name", "alice", other) != ref


# --- tampering: the catalogue of attacks is tests/security/test_attack_audit_witness.py; these check the anchors' mechanics

def test_deleting_the_tail_after_the_last_checkpoint_is_caught_by_the_witness(engine: Engine, witness_dir: Path) -> None:
    """No checkpoint covers entries 1001–1010; the witness, outside the database, still vouches for 1010."""
    append(engine, CHECKPOINT_EVERY + 10)
    assert verify(engine).witness_seq == CHECKPOINT_EVERY + 10
    cut_tail(engine, CHECKPOINT_EVERY + 4)
    report = verify(engine)
    assert report.first_bad == CHECKPOINT_EVERY + 5 and report.problems[0].kind == "deleted"
    assert "witness" in report.problems[0].message and "1005–1010" in report.problems[0].message


def test_the_witness_follows_commits_not_rollbacks(engine: Engine, witness_dir: Path) -> None:
    append(engine, 3)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, actor="cli", action="consent.withdraw", target="member:1")
        raise RuntimeError("the caller's work failed")
    report = verify(engine)
    assert report.ok and report.witness_seq == 3
    lines = [json.loads(line) for f in witness_dir.iterdir() for line in f.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [3]  # one line per committed transaction, none for the rollback


def test_forged_checkpoint_is_named(engine: Engine) -> None:
    append(engine, CHECKPOINT_EVERY + 5)
    with engine.connect() as conn:
        assert conn.scalar(select(AuditCheckpoint.seq)) == CHECKPOINT_EVERY  # signed automatically
    sql(engine, f"UPDATE audit_checkpoints SET signature = '{'0' * 64}'")
    report = verify(engine)
    assert report.problems[0].kind == "checkpoint" and report.first_bad == CHECKPOINT_EVERY


def test_cli_verify_names_the_first_bad_entry(chain: Engine, museion_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0 and "audit chain intact: 10 entries" in result.output
    assert "the witness vouches for entry 10" in result.output
    sql(chain, "UPDATE audit_log SET details = '{}' WHERE seq = 8")
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1 and "first bad entry is 8" in result.output and "modified" in result.output
    body = json.loads(runner.invoke(cli, ["audit", "verify", "--json"]).output)
    assert body["ok"] is False and body["first_bad_seq"] == 8 and body["entries"] == 7
    logged = json.loads(runner.invoke(cli, ["audit", "log", "--actor", "account:2", "--json"]).output)
    assert [e["seq"] for e in logged] == [2, 5, 8]
    assert "signed checkpoint at entry 10" in runner.invoke(cli, ["audit", "checkpoint"]).output


# --- concurrency -------------------------------------------------------------------------------

def test_parallel_appends_never_fork_the_chain(engine: Engine) -> None:
    """Writers in separate connections and transactions, at once: one chain, no gaps, no duplicates."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(start: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                append(engine, 1, start + i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify(engine)
    assert report.ok and report.entries == 100
    with engine.connect() as conn:
        assert conn.execute(select(AuditHead.seq)).scalar_one() == 100


def test_an_append_rolls_back_with_its_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, actor="cli", action="consent.withdraw", target="member:1")
        raise RuntimeError("the caller's work failed")
    append(engine, 1)
    assert verify(engine).ok and verify(engine).entries == 1


# --- the key -----------------------------------------------------------------------------------

def test_key_file_is_created_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from museion.config import get_settings

    monkeypatch.delenv(keys.KEY_ENV)
    monkeypatch.setenv("MUSEION_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        first = audit.audit_key()
        path = tmp_path / keys.KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        keys._load_key.cache_clear()
        assert audit.audit_key() == first
        os.chmod(path, 0o644)
        keys._load_key.cache_clear()
        with pytest.raises(audit.AuditKeyError, match="chmod 600"):
            audit.audit_key()
        monkeypatch.setenv(keys.KEY_ENV, "too short")
        with pytest.raises(audit.AuditKeyError, match="at least 32"):
            audit.audit_key()
    finally:
        get_settings.cache_clear()
        keys._load_key.cache_clear()


def test_exports_are_audited(sample_catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "works", "--format", "csv", "--output", str(tmp_path / "works.csv")])
    assert result.exit_code == 0, result.output
    with sample_catalogue.connect() as conn:
        [entry] = audit.entries(conn, audit.AuditFilter(action="export.works"))
    assert (entry["actor"], entry["target"], entry["details"]) == ("cli", "format:csv", {"rows": 4, "withheld": 0})
