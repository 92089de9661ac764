"""What the audit chain records besides sign-ins and tokens: imports, dataset loads, training and
evaluation runs, vault key rotation — ids, hashes and counts only, in the transaction that did the work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from helpers import grant_personalisation, inspecting, require_dataset
from museion import audit
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.errors import InputRejected
from museion.ingest.load import import_file
from museion.ingest.mapping import ColumnMapping
from museion.ingest.models import ImportRun
from museion.privacy import vault
from museion.privacy.models import Member
from museion.recommend.training import evaluate, train


def logged(engine: Engine, action: str) -> list[dict]:
    with engine.connect() as conn, inspecting():
        return audit.entries(conn, audit.AuditFilter(action=action), limit=1000)


def test_an_import_is_audited_with_its_counts_and_a_rejected_one_is_not(engine: Engine, tmp_path: Path) -> None:
    works = tmp_path / "works.csv"
    works.write_text("key,kind,title\n1,film,Heat\n2,film,Ronin\n", encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="my shop's catalogue"), works, actor="account:3")
    (entry,) = logged(engine, "data.import")
    with engine.connect() as conn, inspecting():
        run = conn.scalar(select(ImportRun.id))
    assert entry["actor"] == "account:3" and entry["target"] == f"import:{run}"
    assert entry["details"]["inserted"] == 2 and entry["details"]["rows_read"] == 2 and entry["details"]["entity"] == "works"
    assert entry["details"]["source"].startswith("source:sha256:")  # free text never enters the chain
    works.write_text("key,kind,title\n3,film,\n", encoding="utf-8")
    with pytest.raises(InputRejected):
        import_file(engine, ColumnMapping("works", source="x"), works)
    assert len(logged(engine, "data.import")) == 1


def test_dataset_load_training_and_evaluation_are_audited(engine: Engine, tmp_path: Path) -> None:
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    (load,) = logged(engine, "dataset.load")
    assert load["details"]["dataset"] == "dataset:movielens-latest-small" and load["details"]["inserted"] > 100_000
    assert len(logged(engine, "data.import")) == load["details"]["files"]
    grant_personalisation(engine)
    version = train(engine, tmp_path / "home", "pop", source="movielens", actor="account:1")
    (trained,) = logged(engine, "model.train")
    assert trained["target"] == f"model_version:{version.id}" and trained["actor"] == "account:1"
    assert trained["details"]["data_fingerprint"] == version.data_fingerprint and trained["details"]["members"] == version.n_members > 600
    evaluate(engine, ["pop"], source="movielens", actor="account:2")
    (evaluated,) = logged(engine, "model.evaluate")
    assert evaluated["details"]["models"] == ["pop"] and evaluated["details"]["test"] > 0
    with engine.connect() as conn, inspecting():
        assert audit.verify(conn).ok


def test_vault_key_rotation_is_audited(sample_catalogue: Engine, tmp_path: Path) -> None:
    ring = vault.KeyRing.load(tmp_path)
    with sample_catalogue.begin() as conn, inspecting():
        member = conn.scalar(select(Member.id))
        vault.put(conn, ring, member, {"email": "someone@example.org"})
        vault.rotate(conn, ring, actor="account:5")
    (entry,) = logged(sample_catalogue, "vault.rotate")
    assert entry["target"] == f"vault_key:{ring.current}" and entry["details"] == {"entries": 1, "retired_keys": 1}
    assert "example.org" not in str(entry)
