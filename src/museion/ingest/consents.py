"""Existing consents from a file (member, purpose, granted, notice_version, source) into the ledger: every row
checked and named by line, then all recorded or nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from museion.errors import InputRejected, Problem
from museion.ingest.readers import ReadOptions, iter_rows, read_header
from museion.privacy import consent

TRUE_WORDS = {"true", "yes", "1", "granted", "grant", "y"}
FALSE_WORDS = {"false", "no", "0", "withdrawn", "withdraw", "denied", "n"}


def import_consents(conn: Connection, path: Path, *, max_errors: int = 20) -> int:
    """Import existing consents from CSV (member, purpose, granted, notice_version, source): all or nothing."""
    label = path.name
    if not path.is_file():
        raise InputRejected([Problem(label, None, None, f"file not found: {path}")])
    options = ReadOptions()
    header = read_header(path, options, label) or []
    missing = [c for c in ("member", "purpose", "granted", "notice_version", "source") if c not in header]
    if missing:
        raise InputRejected([Problem(label, 1, c, "column not found") for c in missing])
    purposes = {p.code: p for p in consent.current_purposes(conn)}
    problems: list[Problem] = []
    decisions: list[tuple[int, str, dict[str, object]]] = []
    for item in iter_rows(path, options, label):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        line, row = item
        granted = row["granted"].strip().lower()
        if row["purpose"] not in purposes:
            problems.append(Problem(label, line, "purpose", f"{row['purpose']!r} is not a declared purpose"))
        if granted not in TRUE_WORDS | FALSE_WORDS:
            problems.append(Problem(label, line, "granted", f"expected yes/no (or true/false), found {row['granted']!r}"))
        for column in ("member", "notice_version", "source"):
            if not row[column]:
                problems.append(Problem(label, line, column, f"{column} is required"))
        decisions.append((line, row["member"], {"purpose": row["purpose"], "granted": granted in TRUE_WORDS,
                                                 "notice_version": row["notice_version"], "source": row["source"]}))
        if len(problems) >= max_errors:
            break
    known = consent.known_members(conn, sorted({key for _, key, _ in decisions}))
    problems += [Problem(label, line, "member", f"unknown member {key!r}") for line, key, _ in decisions if key not in known]
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise InputRejected(problems[:max_errors], truncated=len(problems) >= max_errors)
    return consent.record_imported(conn, decisions)
