"""A refused page says why in the page's language, names the roles that may open it, and whom to ask."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers
from museion.server import create_app


def test_the_forbidden_page_names_the_roles_in_the_pages_language(engine: Engine, tmp_path: Path) -> None:
    curator = {**auth_headers(engine, "curator"), "accept": "text/html"}
    with TestClient(create_app(engine, tmp_path / "home")) as client:
        english = client.get("/review?lang=en", headers=curator)
        assert english.status_code == 403
        assert "the curator role may not models:approve" in english.text and "algorithm_reviewer" in english.text
        chinese = client.get("/review?lang=zh-Hans", headers=curator).text
        assert "curator 角色无权执行 models:approve" in chinese and "算法审核人" in chinese and "请让管理员" in chinese
        api = client.get("/api/registry/versions", headers=auth_headers(engine, "curator"))
        assert api.status_code == 403 and api.headers["content-type"].startswith("application/problem+json")


def test_bad_addresses_get_a_page_in_the_pages_language_and_api_clients_problem_details(engine: Engine, tmp_path: Path) -> None:
    curator = {**auth_headers(engine, "curator"), "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # as browsers ask
    with TestClient(create_app(engine, tmp_path / "home")) as client:
        page = client.get("/works/abc?lang=en", headers=curator)
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert "Not a valid address" in page.text and "work_id: &#39;abc&#39; is not accepted here" in page.text
        chinese = client.get("/catalogue?page=abc&lang=zh-Hans", headers=curator)
        assert chinese.status_code == 422 and "地址无效" in chinese.text and "page：此处不接受" in chinese.text
        banana = client.get("/catalogue?kind=banana&lang=en", headers=curator)  # an unknown filter value is refused by name
        assert banana.status_code == 422 and "kind: &#39;banana&#39; is not accepted here; accepted:" in banana.text
        assert "&#39;film&#39;" in banana.text
        assert "可接受的值" in client.get("/catalogue?kind=banana&lang=zh-Hans", headers=curator).text
        missing = client.get("/no/such/page?lang=zh-Hans", headers=curator)
        assert missing.status_code == 404 and "此地址没有页面" in missing.text
        api = client.get("/api/works/abc", headers=curator)
        assert api.status_code == 422 and api.headers["content-type"].startswith("application/problem+json")
        assert client.get("/api/no/such", headers=curator).headers["content-type"].startswith("application/problem+json")
        plain = client.get("/no/such/page", headers={"accept": "application/json"})  # a client that asks for JSON
        assert plain.status_code == 404 and plain.headers["content-type"].startswith("application/problem+json")
