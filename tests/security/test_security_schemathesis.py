"""Schemathesis against the app's own OpenAPI schema, in process (ASGI): valid and invalid requests to every
operation, signed in with a role the matrix lets through, must never produce a server error.

Operations are driven through their Hypothesis strategies directly: schemathesis's pytest plugin for
fixture-built schemas does not run under pytest 9.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import Engine

from helpers import approve_and_deploy, auth_headers, grant_personalisation, role_for
from museion.http.ratelimit import TokenBucket
from museion.recommend.interactions import InteractionPolicy
from museion.recommend.training import train
from museion.server import create_app

EXAMPLES = 12  # per operation and backend (derandomized): about two minutes for both backends on two cores


@pytest.fixture
def api_schema(sample_catalogue: Engine, tmp_path: Path, cheap_argon2: None) -> schemathesis.BaseSchema:
    grant_personalisation(sample_catalogue)
    home = tmp_path / "home"  # a model, so recommendation requests are answered rather than 503 "no model"
    version = train(sample_catalogue, home, "pop", source=None, actor="test", policy=InteractionPolicy(rating_threshold=0.0))
    approve_and_deploy(sample_catalogue, home, version.id)  # only a reviewed, deployed version serves
    app = create_app(sample_catalogue, home)
    app.state.guards.logins = app.state.guards.failures = TokenBucket(capacity=1_000_000, period=1.0)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(operation: schemathesis.APIOperation, role: str, engine: Engine) -> Callable[[], None]:
    """A Hypothesis test of one operation: valid and invalid cases, each sent by a fresh account of ``role``
    (generated requests may revoke tokens or disable accounts, their own included)."""
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def no_server_error(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), **auth_headers(engine, role)})
        assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"

    return no_server_error


def test_no_server_errors(api_schema: schemathesis.BaseSchema, sample_catalogue: Engine) -> None:
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            fuzz(operation, role_for(api_schema.app, operation.method, operation.path), sample_catalogue)()
        except Exception as exc:  # a 5xx answer, or an exception the app let escape
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc).splitlines()[0] if str(exc) else repr(exc)}")
        operations += 1
    assert operations >= 20 and failures == []
