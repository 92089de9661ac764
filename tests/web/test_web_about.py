"""The public pages that explain Museion: the welcome page, the role guide built from the permission matrix, the
glossary that metric headings link to, and a footer that credits only the datasets an installation holds."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from helpers import auth_headers, import_catalogue
from museion.recommend.evaluation.metrics import RANKING_METRICS
from museion.security.permissions import MATRIX, Perm, Role
from museion.server import create_app
from museion.web.about_pages import PERMISSIONS, ROLE_DUTIES
from museion.web.glossary import GLOSSARY, glossary_anchor, glossary_link


def test_every_role_and_permission_is_described() -> None:
    assert set(ROLE_DUTIES) == set(Role) and set(PERMISSIONS) == set(Perm)


def test_every_figure_the_evaluation_and_audits_report_has_a_glossary_entry() -> None:
    names = [f"{m}@10" for m in (*RANKING_METRICS, "coverage", "gini", "arp", "aplt", "novelty", "ild")]
    names += ["head_tail_exposure_gap", "long_tail_share", "exposure_gini", "popularity_lift", "miscalibration_kl",
              "activity_ndcg@10_gap"]
    assert all(glossary_anchor(name) in GLOSSARY for name in names), [n for n in names if glossary_anchor(n) is None]
    assert glossary_anchor("members") is None and glossary_link("members") == "members"
    assert 'href="/about/glossary#ndcg"' in glossary_link("ndcg@10")


def test_a_visitor_lands_on_the_welcome_page_and_reads_the_role_guide(sample_catalogue: Engine, tmp_path: Path) -> None:
    with TestClient(create_app(sample_catalogue, tmp_path / "home")) as client:
        welcome = client.get("/?lang=en")
        assert welcome.status_code == 200 and 'href="/login?next=%2F"' in welcome.text and "/about/recommendations" in welcome.text
        assert "欢迎使用 Museion" in client.get("/?lang=zh-Hans").text
        staff = client.get("/", headers=auth_headers(sample_catalogue, "analyst"), follow_redirects=False)
        assert staff.status_code == 303 and staff.headers["location"] == "/dashboard"
        assert client.get("/", headers={"authorization": "Bearer mus_not-a-token"}).status_code == 200  # just a visitor
        guide = client.get("/about/roles?lang=en").text
        for role in Role:
            row = guide.split(f'id="role-{role.value}"', 1)[1].split("</tr>", 1)[0]
            assert {p.value for p in Perm if f"<code>{p.value}</code>" in row} == {p.value for p in MATRIX[role]}, role
        glossary = client.get("/about/glossary?lang=zh-Hans").text
        assert all(f'id="{anchor}"' in glossary for anchor in GLOSSARY) and "词汇表" in glossary


def test_the_footer_credits_only_the_datasets_held(engine: Engine, tmp_path: Path) -> None:
    def footer() -> str:
        with TestClient(create_app(engine, tmp_path / "home")) as client:
            return client.get("/?lang=en").text.split("<footer>", 1)[1]

    assert "open data" not in footer()  # nothing loaded: nothing to credit
    import_catalogue(engine, tmp_path, "key,name\nc1,Ada\n", "key,title,kind,creators\nw1,Notes,book,c1\n", source="library")
    assert "open data" not in footer()  # the organisation's own data is not open data
    import_catalogue(engine, tmp_path, "key,name\nc9,Turner\n", "key,title,kind,creators\nw9,Rain,artwork,c9\n", source="tate")
    assert "open data: Tate (CC0)" in footer() and "MovieLens" not in footer()
