"""Submissions checked for near-copies on both backends: indexed catalogue texts and pictures, matches queued with
their evidence, decisions recorded, bad files skipped with a reason; and the CLI, API and web faces."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import auth_headers, import_catalogue, job_outcome
from museion.cli.main import app as cli
from museion.collab.review import Reviewer, decide
from museion.rights import submissions
from museion.rights.evalsets import generated_picture, transform_image
from museion.security.auth import create_account
from museion.server import create_app

DESCRIPTION = ("A small fishing boat rests in the harbour at Dieppe under a pale sky while the cliffs behind the town "
               "catch the last light of the afternoon and two figures mend nets on the quay beside the lighthouse")
WORKS = ("key,kind,title,year,medium,description,creators\n"
         f"1,artwork,A Fishing Boat in Dieppe Harbour,1929,Oil paint on canvas,{DESCRIPTION},c1\n"
         "2,artwork,Zebra and Parachute,1930,Oil paint on canvas,A zebra stands in a sunlit field as a parachute "
         "drifts down over the hills and the wind turns the grass silver toward evening,c1\n")


@pytest.fixture
def catalogue(engine: Engine, tmp_path: Path) -> Engine:
    return import_catalogue(engine, tmp_path, "key,name\nc1,Christopher Wood\n", WORKS)


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_copied_text_goes_to_a_curator_with_its_passages_and_the_decision_is_recorded(catalogue: Engine) -> None:
    with catalogue.begin() as conn:
        assert submissions.index_texts(conn, source="g") == 2
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        copy = "Seen at auction: " + DESCRIPTION.replace("pale", "grey")
        found = submissions.submit_text(conn, "essay.txt", copy.encode(), "account:1")
        clear = submissions.submit_text(conn, "other.txt", b"Nothing here resembles any record in the catalogue at all today", "account:1")
    assert found["status"] == "matched" and clear["status"] == "clear"
    match = found["matches_found"][0]
    assert match["payload"]["matches"] == "g:1" and match["evidence"]["similarity"] >= 0.4
    assert any("harbour at dieppe" in p["submitted"] for p in match["evidence"]["passages"])
    with catalogue.begin() as conn:
        decide(conn, curator, match["id"], "reject", reason="quoted with permission")
        assert submissions.submission(conn, found["id"])["decision"] == "cleared"


def test_bad_files_are_skipped_with_a_reason(catalogue: Engine) -> None:
    with catalogue.begin() as conn:
        empty = submissions.submit_text(conn, "empty.txt", b"  \n ", "cli")
        binary = submissions.submit_text(conn, "x.bin", b"\xff\xfe\x00bad", "cli")
        corrupt = submissions.submit_image(conn, "broken.png", b"\x89PNG\r\n\x1a\nnot really", "cli")
        huge = submissions.submit_text(conn, "big.txt", b"a " * (submissions.MAX_TEXT_BYTES // 2 + 1), "cli")
        indexed = submissions.index_pictures(conn, [("ok.png", _png(generated_picture(1, (64, 48)))), ("bad.jpg", b"nope")])
    assert [s["status"] for s in (empty, binary, corrupt, huge)] == ["skipped"] * 4
    assert "empty" in empty["reason"] and "UTF-8" in binary["reason"] and "readable" in corrupt["reason"]
    assert "more than" in huge["reason"]
    assert indexed["indexed"] == 1 and indexed["skipped"][0]["file"] == "bad.jpg"


def test_a_cropped_picture_matches_its_window_and_is_decided(catalogue: Engine) -> None:
    original = generated_picture(7)
    with catalogue.begin() as conn:
        submissions.index_pictures(conn, [("demo/generated:7", _png(original)), ("demo/generated:8", _png(generated_picture(8)))],
                                   origin="generated")
        curator = Reviewer(create_account(conn, "cur", "curator", actor="test"), "curator")
        crop = transform_image(original, "crop", 0.2, __import__("random").Random(3))
        found = submissions.submit_image(conn, "crop.png", _png(crop), "cli")
    assert found["status"] == "matched"
    match = found["matches_found"][0]
    assert match["payload"]["matches"] == "demo/generated:7" and match["evidence"]["distances"]
    with catalogue.begin() as conn:
        decide(conn, curator, match["id"], "accept")
        assert submissions.submission(conn, found["id"])["decision"] == "infringing"


def test_cli_api_and_web(catalogue: Engine, museion_env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    assert "2 catalogue texts indexed" in run(cli, ["rights", "index", "texts"]).stdout
    essay = tmp_path / "essay.txt"
    essay.write_text(DESCRIPTION, encoding="utf-8")
    out = run(cli, ["rights", "submit-text", str(essay)])
    assert out.exit_code == 0 and "1 possible copies" in out.stdout and "g:1" in out.stdout
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "boat.png").write_bytes(_png(generated_picture(3)))
    (folder / "notes.txt").write_text("not a picture")
    indexed = run(cli, ["rights", "index", "images", str(folder)])
    assert "1 pictures indexed, 1 skipped" in indexed.stdout
    (tmp_path / "copy.png").write_bytes(_png(generated_picture(3).resize((200, 150))))
    assert "boat.png" in run(cli, ["rights", "submit-image", str(tmp_path / "copy.png")]).stdout
    curator = auth_headers(catalogue, "curator")
    with TestClient(create_app(catalogue, tmp_path / "home"), follow_redirects=False) as client:
        job = job_outcome(client, client.post("/api/rights/index", headers=curator, json={"what": "texts"}), curator)
        assert job["status"] == "succeeded" and job["result"] == {"texts": 2}
        sent = client.post("/api/rights/submissions/text", headers=curator, files={"file": ("a.txt", DESCRIPTION.encode())})
        matched = job_outcome(client, sent, curator)  # 202: matched in a rights_match job
        assert matched["kind"] == "rights_match" and matched["result"]["matches"] == 1
        assert matched["links"]["api"] == f"/api/rights/submissions/{matched['result']['submission']}"
        record = client.get(matched["links"]["api"], headers=curator).json()
        assert record["status"] == "matched" and record["job_id"] == matched["id"]
        skipped = client.post("/api/rights/submissions/image", headers=curator, files={"file": ("x.png", b"junk")}).json()
        assert skipped["status"] == "skipped"
        assert len(client.get("/api/rights/submissions", headers=curator).json()) == 4
        assert client.get("/api/rights/submissions/999", headers=curator).status_code == 404
        assert client.get("/api/rights/submissions", headers=auth_headers(catalogue, "analyst")).status_code == 403
        page = client.get("/rights/submissions?lang=zh-Hans", headers=curator).text
        assert "已核查复制的提交内容" in page and "a.txt" in page
        posted = client.post("/rights/submissions/text", headers=curator, data={"text": DESCRIPTION})
        assert posted.status_code == 303
        pending = client.get(f"/api/rights/submissions/{posted.headers['location'].rsplit('/', 1)[1]}", headers=curator).json()
        assert job_outcome(client, f"/api/jobs/{pending['job_id']}", curator)["status"] == "succeeded"
        detail = client.get(posted.headers["location"], headers=curator).text
        assert "<mark>" in detail and "g:1" in detail
        image = client.get(f"/rights/submissions/{skipped['id']}", headers=curator).text
        assert "skip-reason" in image
        matched = client.get("/rights/submissions/2?lang=zh-Hans", headers=curator).text  # the CLI's picture
        assert "boat.png" in matched and "疑似复制自" in matched and "整图" in matched
        started = client.post("/rights/submissions/index", headers=curator, data={"what": "texts"})
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")


def test_after_the_demo_setup_a_curator_sees_copies_of_a_catalogue_text_and_a_demo_picture(catalogue: Engine,
                                                                                           tmp_path: Path) -> None:
    from museion.cli.demo import _demo_near_copies
    from museion.rights.evalsets import skimage_pictures

    _demo_near_copies(catalogue)
    _demo_near_copies(catalogue)  # a second demo run indexes nothing twice
    with catalogue.connect() as conn:
        assert submissions.index_demo(conn) == {"texts": 0, "pictures": 0}
    astronaut = dict(skimage_pictures())["skimage:astronaut"]
    crop = transform_image(astronaut, "crop", 0.3, __import__("random").Random(5))
    curator = auth_headers(catalogue, "curator")
    with TestClient(create_app(catalogue, tmp_path / "home"), follow_redirects=False) as client:
        posted = client.post("/rights/submissions/text", headers=curator,
                             data={"text": "Found online: " + DESCRIPTION.replace("quay", "pier")})
        image = client.post("/rights/submissions/image", headers=curator, files={"file": ("astro.png", _png(crop))})
        for page in (posted, image):
            record = client.get(f"/api{page.headers['location']}", headers=curator).json()
            assert job_outcome(client, f"/api/jobs/{record['job_id']}", curator)["status"] == "succeeded"
        text = client.get(posted.headers["location"], headers=curator).text
        assert "g:1" in text and "<mark>" in text and 'id="pending"' not in text
        picture = client.get(image.headers["location"], headers=curator).text
        assert "demo/skimage:astronaut" in picture and "<svg" in picture  # the matching window drawn
