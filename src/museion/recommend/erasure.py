"""Erasure across the store and the model artifacts: a verified erasure request first scrubs the member from
every model version's serving index (flagging those versions for retraining), then the privacy package
erases them from the store, in the same transaction; their self-service account goes too, recorded in the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from museion.privacy import requests
from museion.recommend.artifacts import erase_from_index
from museion.registry.artifact_files import index_file
from museion.registry.models import ModelVersion
from museion.security.auth import delete_member_account


def complete_erasure(conn: Connection, home: Path, request_id: int, *, actor: str = "system") -> dict[str, Any]:
    """Erase the member of a verified erasure request everywhere; returns the outcome (counts only)."""
    member_id = requests.erasure_subject(conn, request_id)
    flagged = _scrub_models(conn, home, member_id, request_id)
    delete_member_account(conn, member_id, actor=actor)  # audited here, rather than vanishing by cascade
    return requests.complete_erasure(conn, request_id, flagged_versions=flagged, actor=actor)


def _scrub_models(conn: Connection, home: Path, member_id: int, request_id: int) -> list[int]:
    """Empty and unname the member's row in every version's serving index; flag those versions for retraining."""
    flagged = []
    for version_id, artifact in conn.execute(select(ModelVersion.id, ModelVersion.artifact)):
        index = index_file(home, artifact)
        if not index.is_file() or not erase_from_index(index, member_id):
            continue
        conn.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(
            retrain_reason=f"erasure request {request_id}: a member it learned from was erased"))
        flagged.append(version_id)
    return flagged
