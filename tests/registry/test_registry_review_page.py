"""The reviewer's page shows the version's fairness audit (English and Simplified Chinese), and without one it cannot
be approved from the browser either."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete

from helpers import audit_version, auth_headers, grant_personalisation
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.registry import lifecycle
from museion.registry.cards import latest_fairness_audit
from museion.registry.models import FairnessAudit
from museion.security.auth import create_account
from museion.server import create_app


@pytest.fixture
def submitted(sample_catalogue: Engine, tmp_path: Path) -> Iterator[tuple[Engine, TestClient, int]]:
    """A version audited and submitted by an analyst, and the app serving the review board."""
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0)).id
    audit_version(sample_catalogue, home, version)
    with sample_catalogue.begin() as conn:
        author = create_account(conn, "author", "analyst", actor="test")
        lifecycle.submit(conn, home, version, author_account_id=author, actor="test")
        lifecycle.start_review(conn, version, actor="test")
    with TestClient(create_app(sample_catalogue, home), follow_redirects=False) as client:
        yield sample_catalogue, client, version


def test_the_review_page_shows_the_audit_summary_in_both_languages(submitted: tuple[Engine, TestClient, int]) -> None:
    engine, client, version = submitted
    reviewer = auth_headers(engine, "algorithm_reviewer")
    with engine.connect() as conn:
        audit = latest_fairness_audit(conn, version)
    assert audit is not None
    english = client.get(f"/review/{version}", params={"lang": "en"}, headers=reviewer).text
    assert 'id="fairness-summary"' in english and f"Audit #{audit['id']} (evaluation)" in english
    assert "Head–tail exposure gap" in english and "Members audited" in english
    assert f'href="/fairness/{version}"' in english and 'value="approve">' in english
    chinese = client.get(f"/review/{version}", params={"lang": "zh-Hans"}, headers=reviewer).text
    assert "公平性审计" in chinese and "头部与长尾的曝光差距" in chinese and "受审计的会员数" in chinese
    board = client.get("/review", params={"lang": "zh-Hans"}, headers=reviewer).text
    assert "评审政策“<span translate=\"no\">standard</span>”" in board and "没有公平性审计的版本任何人都不能批准" in board


def test_without_an_audit_the_page_says_so_and_approval_is_refused(submitted: tuple[Engine, TestClient, int]) -> None:
    engine, client, version = submitted
    with engine.begin() as conn:  # a version submitted before audits were required
        conn.execute(delete(FairnessAudit).where(FairnessAudit.model_version_id == version))
    reviewer = auth_headers(engine, "algorithm_reviewer")
    page = client.get(f"/review/{version}", params={"lang": "en"}, headers=reviewer).text
    assert "No one can approve it without one" in page and 'disabled aria-describedby="no-audit"' in page
    refused = client.post(f"/review/{version}/decision", headers=reviewer, params={"lang": "en"},
                          data={"decision": "approve", "capacity": "domain_expert", "findings": "Looks fine."})
    assert refused.status_code == 409 and "has no fairness audit, so it cannot be approved" in refused.text
    assert "没有公平性审计，任何人都不能批准此版本" in client.get(f"/review/{version}", params={"lang": "zh-Hans"}, headers=reviewer).text
