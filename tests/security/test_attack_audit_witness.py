"""Every way of tampering with the audit chain found by the adversarial test (issue 21, item 4), on both backends.

Each case tampers with the store, the witness file or the key as an attacker with write access to them would, and
states what ``audit verify`` must then say: the kind of problem and the first bad entry, or, for the few cases
docs/security.md declares out of scope, that verify passes, exactly as documented there.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select
from test_security_audit import append, cut_tail, sql

from helpers import REPO
from museion import audit
from museion.audit import keys, witness
from museion.audit.chain import GENESIS, entry_message, format_at
from museion.audit.models import AuditEntry

SECURITY_DOC = REPO / "docs" / "security.md"
OTHER_KEY = audit.AuditKey.from_secret(b"not the key this chain was made with")


@dataclass(frozen=True)
class Scene:
    """What a case may tamper with: the database, its witness file, and the process environment."""

    engine: Engine
    witness: Path
    monkeypatch: pytest.MonkeyPatch

    def lines(self) -> list[str]:
        return self.witness.read_text().splitlines()

    def append_lines(self, *lines: str) -> None:
        with self.witness.open("a") as out:
            out.write("".join(line + "\n" for line in lines))


@dataclass(frozen=True)
class Case:
    """One attack and the verdict it must get; no ``kinds``: out of scope, verify passes as docs/security.md says."""

    name: str
    tamper: Callable[[Scene], None]
    kinds: frozenset[str] = frozenset()
    first_bad: int | None = None
    says: str = ""
    key: audit.AuditKey | None = field(default=None, repr=False)


def _rehash_with_plain_sha256(scene: Scene) -> None:
    """Edit entry 6 and give it (and entry 7's link) an unkeyed SHA-256, as someone without the key would."""
    with scene.engine.connect() as conn:
        row = conn.execute(select(AuditEntry).where(AuditEntry.seq == 6)).one()
    message = entry_message(row.prev_hash, 6, format_at(row.at), "cli", row.action, row.target, row.details)
    forged = hashlib.sha256(message.encode()).hexdigest()
    sql(scene.engine, f"UPDATE audit_log SET actor = 'cli', hash = '{forged}' WHERE seq = 6",
        f"UPDATE audit_log SET prev_hash = '{forged}' WHERE seq = 7")


def _insert_after_six(scene: Scene) -> None:
    """Make room after entry 6 and insert a row that links to it and carries a hash under a made-up key."""
    with scene.engine.connect() as conn:
        six = conn.execute(select(AuditEntry).where(AuditEntry.seq == 6)).one()
    fake = keys.Mac(b"a key the attacker made up")(entry_message(six.hash, 7, format_at(six.at), "account:1", "token.revoke", "token:1", "{}"))
    sql(scene.engine, "UPDATE audit_log SET seq = seq + 100 WHERE seq > 6", "UPDATE audit_log SET seq = seq - 99 WHERE seq > 100",
        f"INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) SELECT 7, at, 'account:1', "
        f"'token.revoke', 'token:1', '{{}}', '{six.hash}', '{fake}' FROM audit_log WHERE seq = 6",
        "UPDATE audit_head SET seq = 11")


def _checkpoint_then_cut_without_witness(scene: Scene) -> None:
    with scene.engine.begin() as conn:
        audit.checkpoint(conn)
    scene.witness.unlink()
    cut_tail(scene.engine, 7)


def _forge_checkpoint(scene: Scene) -> None:
    with scene.engine.begin() as conn:
        audit.checkpoint(conn)
    sql(scene.engine, f"UPDATE audit_checkpoints SET signature = '{'0' * 64}'")


def _forge_witness_line(scene: Scene) -> None:
    scene.append_lines(json.dumps({**json.loads(scene.lines()[-1]), "seq": 50}))


def _truncate_witness(scene: Scene, keep: int, cut_db_to: int | None) -> None:
    lines = scene.lines()[:keep]
    scene.witness.write_text("".join(line + "\n" for line in lines))
    if cut_db_to is not None:
        cut_tail(scene.engine, cut_db_to)


def _append_old_line(scene: Scene) -> None:
    """The reported attack: cut entries 9–10, rewrite the head, append a copy of the genuine line for entry 8."""
    line_for_8 = next(line for line in scene.lines() if json.loads(line)["seq"] == 8)
    cut_tail(scene.engine, 8)
    scene.append_lines(line_for_8)


def _append_junk(scene: Scene) -> None:
    """The reported attack: cut the tail, then push the genuine lines out of a tail-reader's sight with junk."""
    cut_tail(scene.engine, 8)
    odd = ['{"seq": Infinity}', "[1]", '"x"', *(f'{{"seq": {"9" * n}, "hash": "", "sig": ""}}' for n in (100, 5000))]
    scene.append_lines(*(["junk " * 20] * 2000), *odd)


def _move_line_from_another_database(scene: Scene) -> None:
    line = json.loads(scene.lines()[-1])
    db = "another-database"
    scene.append_lines(json.dumps({**line, "db": db, "seq": 12, "sig": witness.signature(audit.audit_key().checkpoint, db, 12, line["hash"])}))


def _world_readable_key_file(scene: Scene) -> None:
    scene.monkeypatch.delenv(keys.KEY_ENV)
    path = Path(os.environ["MUSEION_HOME"]) / keys.KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a" * 64 + "\n")
    path.chmod(0o644)
    keys._load_key.cache_clear()


def _nothing(scene: Scene) -> None:
    """The store is untouched: the case is the key verify is given."""


CASES = [
    Case("entry-modified", lambda s: sql(s.engine, "UPDATE audit_log SET target = 'export:999' WHERE seq = 4"),
         frozenset({"modified"}), 4),
    Case("entry-modified-rehashed", _rehash_with_plain_sha256, frozenset({"modified"}), 6),
    Case("entry-deleted", lambda s: sql(s.engine, "DELETE FROM audit_log WHERE seq = 5"), frozenset({"deleted"}), 5, "missing"),
    Case("entry-deleted-renumbered", lambda s: sql(s.engine, "DELETE FROM audit_log WHERE seq = 5",
                                                   "UPDATE audit_log SET seq = seq + 100 WHERE seq > 5",
                                                   "UPDATE audit_log SET seq = seq - 101 WHERE seq > 100"), frozenset({"deleted"}), 5),
    Case("entries-reordered", lambda s: sql(s.engine, "UPDATE audit_log SET seq = -1 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                                            "UPDATE audit_log SET seq = 4 WHERE seq = -1"), frozenset({"reordered"}), 3),
    Case("entry-inserted", _insert_after_six, frozenset({"inserted"}), 7),
    Case("entry-appended", lambda s: sql(s.engine, "INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) "
                                                   "SELECT 11, at, actor, action, target, details, hash, hash FROM audit_log WHERE seq = 10",
                                         "UPDATE audit_head SET seq = 11"), frozenset({"modified"}), 11),
    Case("tail-deleted", lambda s: sql(s.engine, "DELETE FROM audit_log WHERE seq > 8"), frozenset({"deleted"}), 9, "9–10"),
    Case("tail-deleted-head-rewritten", lambda s: cut_tail(s.engine, 8), frozenset({"deleted"}), 9, "witness"),
    Case("tail-deleted-below-checkpoint-without-witness", _checkpoint_then_cut_without_witness, frozenset({"deleted"}), 8, "checkpoint"),
    Case("head-modified", lambda s: sql(s.engine, f"UPDATE audit_head SET hash = '{GENESIS}'"), frozenset({"head"}), 10),
    Case("head-deleted", lambda s: sql(s.engine, "DELETE FROM audit_head"), frozenset({"head"}), 10),
    Case("checkpoint-forged", _forge_checkpoint, frozenset({"checkpoint"}), 10),
    Case("witness-line-forged", _forge_witness_line, frozenset({"witness"}), 50, "not signed"),
    Case("witness-line-from-another-database", _move_line_from_another_database, frozenset({"witness"}), 12, "for this database"),
    Case("witness-deleted", lambda s: s.witness.unlink()),
    Case("witness-deleted-tail-deleted", lambda s: (s.witness.unlink(), cut_tail(s.engine, 8))),
    Case("witness-emptied-tail-deleted", lambda s: _truncate_witness(s, 0, 8), frozenset({"witness"}), 1, "holds no line signed"),
    Case("witness-truncated", lambda s: _truncate_witness(s, 3, None), frozenset({"witness"}), 7, "7–10 are not in the witness"),
    Case("witness-truncated-tail-deleted-to-match", lambda s: _truncate_witness(s, 3, 6)),
    Case("witness-appended-old-line", _append_old_line, frozenset({"witness", "deleted"}), 8, "went backwards"),
    Case("witness-appended-junk", _append_junk, frozenset({"witness", "deleted"}), 9, "not a witness line"),
    Case("wrong-key", _nothing, frozenset({"modified", "witness"}), 1, key=OTHER_KEY),
    Case("world-readable-key", _world_readable_key_file, frozenset({"key"}), None, "chmod 600"),
]


@pytest.fixture
def scene(engine: Engine, witness_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    """Ten entries written in five commits, so the witness holds five genuine lines (seqs 2, 4, 6, 8, 10)."""
    for start in range(0, 10, 2):
        append(engine, 2, start)
    (path,) = witness_dir.iterdir()
    return Scene(engine, path, monkeypatch)


def verdict(scene: Scene, key: audit.AuditKey | None) -> tuple[set[str], int | None, str]:
    """The kinds of problem verify names, its first bad entry, and everything it said."""
    try:
        with scene.engine.connect() as conn:
            report = audit.verify(conn, key)
    except audit.AuditKeyError as exc:
        return {"key"}, None, str(exc)
    finally:
        keys._load_key.cache_clear()
    return {p.kind for p in report.problems}, report.first_bad, " ".join(p.message for p in report.problems)


def test_the_untouched_chain_verifies_with_its_witness(scene: Scene) -> None:
    with scene.engine.connect() as conn:
        report = audit.verify(conn)
    assert report.ok and report.entries == 10 and report.witness_seq == 10
    assert [json.loads(line)["seq"] for line in scene.lines()] == [2, 4, 6, 8, 10]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tampering_is_detected_or_documented_out_of_scope(scene: Scene, case: Case) -> None:
    case.tamper(scene)
    kinds, first_bad, said = verdict(scene, case.key)
    if not case.kinds:
        assert kinds == set(), f"{case.name} is documented as undetectable, but verify now says: {said}"
        return
    assert case.kinds <= kinds and first_bad == case.first_bad, said
    assert case.says in said


def test_every_case_is_in_the_security_doc() -> None:
    """docs/security.md lists each case with its verdict, and gives the reason for each one out of scope."""
    doc = SECURITY_DOC.read_text(encoding="utf-8")
    section = doc[doc.index("## Audit chain and witness"):].split("\n## ")[0]
    for case in CASES:
        row = next((line for line in section.splitlines() if line.startswith(f"| `{case.name}`")), None)
        assert row is not None, f"{case.name} is missing from the table in docs/security.md"
        assert ("out of scope" in row) == (not case.kinds), row


# --- the witness reader, on its own --------------------------------------------------------------

FAKE = create_engine("sqlite:///witness-property.db")  # never connected: only its URL names the witness file


def _genuine(seq: int) -> str:
    db, chain_hash = witness.database_id(FAKE), f"{seq:064x}"
    return json.dumps({"db": db, "seq": seq, "hash": chain_hash, "sig": witness.signature(OTHER_KEY.checkpoint, db, seq, chain_hash)})


JUNK = st.text(alphabet='abc{}":, 0123456789', max_size=30)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.integers(0, 3), min_size=1, max_size=12), extra=st.lists(st.one_of(st.integers(1, 40), JUNK), max_size=6))
def test_the_witness_vouches_for_its_highest_line_whatever_is_appended(steps: list[int], extra: list[int | str],
                                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Genuine lines with seqs that never go back, then anything appended (old genuine lines, junk): the reader
    vouches for the highest genuine seq, and flags the appendix unless it is a genuine line moving forward."""
    folder = tmp_path_factory.mktemp("witness")
    seqs = [sum(steps[: i + 1]) + 1 for i in range(len(steps))]
    appended = [_genuine(item) if isinstance(item, int) else item for item in extra]
    os.environ[witness.WITNESS_ENV] = str(folder)  # the autouse home fixture restores it after the test
    witness.path_for(FAKE).parent.mkdir(parents=True, exist_ok=True)
    witness.path_for(FAKE).write_text("".join(line + "\n" for line in [_genuine(s) for s in seqs] + appended))
    reading = witness.read(FAKE, OTHER_KEY.checkpoint)
    assert reading is not None and reading.mark is not None
    assert reading.mark.seq == max([*seqs, *(i for i in extra if isinstance(i, int))])
    forward, top = True, seqs[-1]
    for item in extra:
        forward = forward and isinstance(item, int) and item >= top
        top = max(top, item) if isinstance(item, int) else top
    assert (reading.findings == []) == forward
