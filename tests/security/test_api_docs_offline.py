"""The API docs open with no network (issue 13): /docs and /redoc reference no address outside this server, every
asset they reference answers from the app, and their content security policy allows those files and nothing remote."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from museion.http import apidocs

LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}
REFERENCED = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*'([^']+)'""")
ABSOLUTE = re.compile(r"""(?:https?:)?//([A-Za-z0-9.-]+)""")


def _references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCED.findall(html)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages and files: the store is not involved
@pytest.mark.parametrize("page", [apidocs.DOCS, apidocs.REDOC])
def test_the_docs_pages_reference_only_this_server_and_every_reference_answers(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert {host for host in ABSOLUTE.findall(response.text)} <= LOCAL_HOSTS, "a CDN or other remote address"
    references = _references(response.text)
    assert "/openapi.json" in references and any(r.endswith(".js") for r in references)
    for reference in references:
        asset = client.get(reference)
        assert asset.status_code == 200 and asset.content, reference
    script = next(r for r in references if r.endswith(".js"))
    assert client.get(script).headers["content-type"].startswith(("text/javascript", "application/javascript"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("page", [apidocs.DOCS, apidocs.REDOC])
def test_the_docs_policy_allows_this_server_and_the_pages_own_inline_script_only(client: TestClient, page: str) -> None:
    response = client.get(page)
    policy = response.headers["content-security-policy"]
    assert response.headers.get_list("content-security-policy") == [policy]  # one policy: the page's own
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert "http" not in policy and "*" not in policy
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    assert set(directives["script-src"].split()) == {"'self'"} | hashes  # never 'unsafe-inline' for scripts
    assert ("'unsafe-inline'" in directives["style-src"]) == (page == apidocs.REDOC)  # ReDoc writes its styles inline


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_swagger_ui_sends_the_schema_nowhere(client: TestClient) -> None:
    """Swagger UI's default would show a badge that posts the schema's address to validator.swagger.io."""
    assert '"validatorUrl": null' in client.get(apidocs.DOCS).text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_assets_are_cached_and_everything_else_under_docs_is_not_found(client: TestClient) -> None:
    bundle = client.get(f"{apidocs.ASSETS}/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "no-store" not in bundle.headers.get("cache-control", "") and bundle.headers["etag"]
    for missing in ("/docs/nothing.js", "/docs/../pyproject.toml", "/docs/%2e%2e/%2e%2e/museion/server.py"):
        assert client.get(missing).status_code == 404, missing
