"""`museion privacy detect-pii` and `redact`: find or mask personal data in free text, fully offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from museion.cli.output import friendly_errors
from museion.errors import MuseionError

Language = Annotated[str, typer.Option(help="en or zh (Simplified Chinese).")]
Source = Annotated[str, typer.Argument(help="A text file, or - for standard input.")]


def _lines(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    path = Path(source)
    if not path.is_file():
        raise MuseionError(f"file not found: {path}")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise MuseionError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def _check_language(language: str) -> None:
    from museion.privacy.pii import LANGUAGES

    if language not in LANGUAGES:
        raise MuseionError(f"unsupported language {language!r}; use {' or '.join(LANGUAGES)}")


@friendly_errors
def detect_pii(source: Source = "-", language: Language = "en",
               as_json: Annotated[bool, typer.Option("--json/--no-json", help="One JSON object per line.")] = True) -> None:
    """For each input line, the personal data found (start, end, type, score); runs fully offline."""
    from museion.privacy.pii import detect

    _check_language(language)
    for number, line in enumerate(_lines(source), start=1):
        spans = [{"start": s.start, "end": s.end, "type": s.type, "score": round(s.score, 3)} for s in detect(line, language)]
        typer.echo(json.dumps({"line": number, "spans": spans}) if as_json else f"{number}: {spans}")


@friendly_errors
def redact_text(source: Source = "-", language: Language = "en") -> None:
    """Print the input with each detected entity replaced by `<TYPE>`."""
    from museion.privacy.pii import redact

    _check_language(language)
    for line in _lines(source):
        typer.echo(redact(line, language))
