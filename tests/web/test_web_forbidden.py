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
