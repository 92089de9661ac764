"""`museion privacy detect-pii` and `redact` on files and standard input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from museion.cli.main import app

runner = CliRunner()


def test_detect_pii_prints_one_json_object_per_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Write to ada@example.org or call 13812345678.\nThe catalogue number is T07799.\n", encoding="utf-8")
    result = runner.invoke(app, ["privacy", "detect-pii", str(notes)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert [(s["type"], s["start"], s["end"]) for s in first["spans"]] == [("EMAIL_ADDRESS", 9, 24), ("PHONE_NUMBER", 33, 44)]
    assert second == {"line": 2, "spans": []}


def test_redact_reads_stdin_and_leaves_no_entity() -> None:
    text = "我的身份证号是 11010519491231002X，电话 138 1234 5678"
    result = runner.invoke(app, ["privacy", "redact", "-", "--language", "zh"], input=text + "\n")
    assert result.exit_code == 0
    assert result.output.strip() == "我的身份证号是 <CN_RESIDENT_ID>，电话 <PHONE_NUMBER>"


def test_bad_input_gets_a_clear_error(tmp_path: Path) -> None:
    assert "file not found" in runner.invoke(app, ["privacy", "redact", str(tmp_path / "none.txt")]).output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    result = runner.invoke(app, ["privacy", "detect-pii", str(binary)])
    assert result.exit_code == 1 and "not UTF-8" in result.output
    assert "unsupported language" in runner.invoke(app, ["privacy", "redact", "-", "--language", "fr"], input="x").output
