"""A MovieLens site shared by the web tests: real data, a deployed model version (approved under a one-reviewer
policy), a second version awaiting review, and a password account for every staff role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from web_site import Site

from helpers import audit_version, grant_personalisation, require_dataset, sign_assessment
from museion.store.engine import make_engine

PASSWORD = "a long browser passphrase"
STAFF = ("admin", "privacy_officer", "analyst", "curator", "algorithm_reviewer", "auditor")
MEMBER = "movielens:1"
POLICY = '''required_capacities = ["domain_expert"]
min_approvals = 1
rereview_days = 365

[capacities]
domain_expert = "Knows the collection and its audiences."
member_representative = "Speaks for the members."
'''
TEST_AUDIT_KEY = "museion-test-audit-key-0123456789abcdef"  # the same key tests/conftest.py sets per test


def _licence(conn: Connection) -> None:
    """One GENERATED running licence (world, ending within the expiry window) on a few films, so the rights pages have
    a licence to show; it withholds nothing."""
    from museion.catalog.models import Work
    from museion.rights.availability import today
    from museion.rights.licences import HolderIn, LicenceIn, save_holders, save_licences

    films = tuple(conn.scalars(select(Work.key).where(Work.source == "movielens").order_by(Work.id).limit(6)))
    save_holders(conn, [HolderIn("test-distributor", "Test Film Distribution (generated)")], actor="test")
    save_licences(conn, [LicenceIn("test-films-world", "test-distributor", films, ("world",), ("display", "stream", "reproduce"),
                                   today() - timedelta(days=100), today() + timedelta(days=20), fee_kind="per_use",
                                   fee_amount="0.02", currency="GBP", note="GENERATED for the web tests", demo=True)], actor="test")


@pytest.fixture(scope="session")
def movielens_site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import load_dataset
    from museion.recommend.training import train
    from museion.registry import lifecycle, review
    from museion.security.auth import create_account

    folder = require_dataset("movielens-latest-small")
    saved_key = os.environ.get("MUSEION_AUDIT_KEY")
    os.environ["MUSEION_AUDIT_KEY"] = TEST_AUDIT_KEY  # session fixtures run before the per-test key is set
    root = tmp_path_factory.mktemp("site")
    shutil.copy(sqlite_template, root / "museion.db")
    engine = make_engine(f"sqlite:///{root / 'museion.db'}")
    home = root / "home"
    home.mkdir()
    (home / "review-policy.toml").write_text(POLICY, encoding="utf-8")
    load_dataset(engine, get_dataset("movielens-latest-small"), folder)
    grant_personalisation(engine, "movielens")
    with engine.begin() as conn:
        accounts = {role: create_account(conn, role.replace("_", "-"), role, actor="test", password=PASSWORD) for role in STAFF}
        accounts["reviewer2"] = create_account(conn, "reviewer2", "algorithm_reviewer", actor="test", password=PASSWORD)
    deployed = train(engine, home, "ease", source="movielens", actor="test", params={"l2": 200.0}).id
    audit_version(engine, home, deployed)
    with engine.begin() as conn:
        lifecycle.submit(conn, home, deployed, author_account_id=accounts["admin"], actor="test")
        lifecycle.start_review(conn, deployed, actor="test")
        review.record_review(conn, home, deployed, reviewer_account_id=accounts["algorithm_reviewer"], capacity="domain_expert",
                             decision="approve", findings="Checked the card, the evaluation and the data categories.", actor="test")
        sign_assessment(conn, deployed)
        lifecycle.deploy(conn, home, deployed, actor="test")
        _licence(conn)
    yield Site(engine, home, accounts, deployed)
    engine.dispose()
    if saved_key is None:
        os.environ.pop("MUSEION_AUDIT_KEY", None)
    else:
        os.environ["MUSEION_AUDIT_KEY"] = saved_key
