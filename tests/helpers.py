"""Small helpers shared by tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.privacy.access import gate_context
from museion.privacy.models import Event, Member
from museion.store.engine import make_engine

COUNTED = {"works": Work, "creators": Creator, "credits": Credit, "terms": WorkTerm, "members": Member, "events": Event}


# A test that inspects the raw store (to assert what a write left behind) says so: it reads as the gate would.
inspecting = gate_context


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn, inspecting():
        return {name: conn.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}


REPO = Path(__file__).resolve().parents[1]
SIGN_IN_PASSWORD = "correct horse battery staple"  # the security tests' curator, alice
PG_URL = os.environ.get("MUSEION_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL tests need MUSEION_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"


def datasets_dir() -> Path:
    return Path(os.environ.get("MUSEION_DATASETS_DIR") or REPO.parent / "shared" / "data")


def require_dataset(folder: str) -> Path:
    path = datasets_dir() / folder
    if not path.is_dir():
        pytest.skip(f"shared dataset {folder!r} not found in {datasets_dir()} (set MUSEION_DATASETS_DIR)")
    return path


def pg_schema_url(schema: str) -> str:
    assert PG_URL
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def create_pg_schema() -> tuple[str, str]:
    """A fresh, empty schema (name, URL) so parallel workers and runs never share tables."""
    schema = f"museion_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)  # type: ignore[arg-type]
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, pg_schema_url(schema)


def drop_pg_schema(schema: str) -> None:
    admin = make_engine(PG_URL)  # type: ignore[arg-type]
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def grant_personalisation(engine: Engine, source: str | None = None) -> int:
    """Record personalisation consent for every member (of one source), as a test's starting point."""
    from museion.privacy.consent import current_purpose, record_many

    with engine.begin() as conn, inspecting():
        q = select(Member.id) if source is None else select(Member.id).where(Member.source == source)
        return record_many(conn, list(conn.scalars(q)), current_purpose(conn, "personalisation"), granted=True,
                           notice_version="test", source="test")


def import_views(engine: Engine, folder: Path, *, genres: tuple[str, ...], works: int, members: int, skip_every: int) -> None:
    """Films w0…w{works-1} cycling through ``genres``, and members m0… who viewed every work w with
    (m + w) % skip_every != 0; everyone consents to personalisation."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    catalogue = folder / "works.csv"
    catalogue.write_text("key,kind,title,genres\n" + "".join(f"w{i},film,Film {i},{genres[i % len(genres)]}\n" for i in range(works)),
                         encoding="utf-8")
    import_file(engine, ColumnMapping("works", source="t"), catalogue)
    views = folder / "views.csv"
    views.write_text("member,work,kind\n" + "".join(f"m{m},w{w},view\n" for m in range(members) for w in range(works)
                                                     if (m + w) % skip_every), encoding="utf-8")
    import_file(engine, ColumnMapping("events", source="t"), views, keep_member_ids=True)
    grant_personalisation(engine)


def auth_headers(engine: Engine, role: str = "admin", *, member: str | None = None) -> dict[str, str]:
    """Bearer headers for a new account with ``role``, or for ``member``'s self-service token."""
    from museion.security.auth import create_account, issue_token, member_account

    with engine.begin() as conn:
        account_id = (member_account(conn, member, actor="test") if member
                      else create_account(conn, f"{role.replace('_', '-')}-{uuid.uuid4().hex[:8]}", role, actor="test"))
        return {"Authorization": f"Bearer {issue_token(conn, account_id, actor='test').token}"}


def audit_version(engine: Engine, home: Path, version_id: int) -> None:
    """Run a version's fairness audit unless it has one: a version is submitted, and approved, only with its audit."""
    from museion.fairness.service import run_version_audit
    from museion.registry.cards import latest_fairness_audit

    with engine.connect() as conn:
        if latest_fairness_audit(conn, version_id) is not None:
            return
    run_version_audit(engine, home, version_id, actor="test")


def sign_assessment(conn, version_id: int) -> int:  # type: ignore[no-untyped-def]
    """A privacy officer's signed impact assessment of a version, which deploying a personalising version needs."""
    from datetime import UTC, datetime, timedelta

    from museion.registry import assessments
    from museion.security.auth import create_account

    officer = create_account(conn, f"officer-{uuid.uuid4().hex[:8]}", "privacy_officer", actor="test")
    found = assessments.create(conn, actor="test", version_id=version_id, risks="test: members are profiled", necessity="test",
                               safeguards="test", residual_risk="low", residual_notes="test",
                               review_by=datetime.now(UTC) + timedelta(days=365))
    assessments.sign(conn, found, signer_account_id=officer, actor=f"account:{officer}")
    return int(found)


def approve_and_deploy(engine: Engine, home: Path, version_id: int, *, deploy: bool = True) -> None:
    """Take a trained version through the genuine review flow and deploy it: its fairness audit runs (unless it has
    one), an analyst submits it, one new reviewer per capacity the policy requires approves it, and an operator
    deploys it (unless ``deploy`` is False: an approved candidate)."""
    from museion.registry import lifecycle, review
    from museion.registry.policy import load_policy
    from museion.security.auth import create_account

    audit_version(engine, home, version_id)
    policy = load_policy(home)
    tag = uuid.uuid4().hex[:8]
    with engine.begin() as conn:
        author = create_account(conn, f"author-{tag}", "analyst", actor="test")
        lifecycle.submit(conn, home, version_id, author_account_id=author, actor=f"account:{author}")
        lifecycle.start_review(conn, version_id, actor="test")
        capacities = list(policy.required_capacities) or list(policy.capacities)[:1]
        capacities += capacities[:1] * (policy.min_approvals - len(capacities))
        for n, capacity in enumerate(capacities):
            reviewer = create_account(conn, f"reviewer-{tag}-{n}", "algorithm_reviewer", actor="test")
            review.record_review(conn, home, version_id, reviewer_account_id=reviewer, capacity=capacity,
                                 decision="approve", findings=f"test review as {capacity}", actor=f"account:{reviewer}")
        sign_assessment(conn, version_id)
        if deploy:
            lifecycle.deploy(conn, home, version_id, actor="test")


def role_for(app: object, method: str, path: str) -> str:
    """A staff role that the matrix lets call ``method path`` of ``app`` (admin when it may)."""
    from museion.http.authz import declarations, route_contexts
    from museion.security.permissions import MATRIX, Perm, Role

    declared = next(declarations(r) for _, r in route_contexts(app) if getattr(r, "path", None) == path  # type: ignore[arg-type]
                    and method.upper() in (getattr(r, "methods", None) or ()))
    needed = {Perm(p) for p in declared if p not in ("public", "signed-in")}
    return next(r.value for r in (Role.ADMIN, Role.PRIVACY_OFFICER, Role.AUDITOR, Role.ALGORITHM_REVIEWER, Role.ANALYST,
                                  Role.CURATOR) if needed <= MATRIX[r])


def member_id_for(conn, key: str) -> int:  # type: ignore[no-untyped-def]
    """A member's id, looked up through the gate as a test acting on the member's behalf."""
    from museion.privacy import gate

    return gate.member_id_for(conn, key, purpose=gate.RIGHTS, actor="test")


def job_outcome(client, started, headers: dict[str, str] | None = None, timeout: float = 300.0) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The record of a job once it has finished: ``started`` is the 202 response that started it, or the job's API
    address. Polled while the TestClient is entered (the app's in-process consumer runs the job); the timeout is a
    liveness guard, not a timing threshold."""
    import time

    if not isinstance(started, str):
        assert started.status_code == 202, started.text
        started = started.headers["location"]
    deadline = time.monotonic() + timeout
    while (job := client.get(started, headers=headers).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job {job['id']} still {job['status']} after {timeout:.0f} s"
        time.sleep(0.05)
    return job


def import_catalogue(engine: Engine, folder: Path, creators: str, works: str, source: str = "g") -> Engine:
    """A small generated catalogue: ``creators`` and ``works`` CSV texts imported under ``source``."""
    from museion.ingest.load import import_file
    from museion.ingest.mapping import ColumnMapping

    for entity, text in (("creators", creators), ("works", works)):
        (folder / f"{entity}.csv").write_text(text, encoding="utf-8")
        import_file(engine, ColumnMapping(entity, source=source), folder / f"{entity}.csv")
    return engine
