"""The filing pack for regulators: everything about one reviewed model version, in one folder or ZIP file.

Card (JSON and Markdown in both languages), parameters, evaluation, fairness audit, review record, impact assessments
of the version and of its purpose (JSON, and Markdown in both languages),
lifecycle transitions with their audit-chain entries, the controlled rollouts it took part in (every record, and each
decision with its evidence), data categories of the purpose, the review policy,
and ``manifest.json`` with the sha256 of every file (and the organisation filing it, when named), so the pack can
be checked after it is sent.

Service function: ``filing_pack(conn, home, version_id, target) -> dict`` (the manifest).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from museion import __version__, audit
from museion.errors import Conflict, MuseionError
from museion.privacy import gate
from museion.privacy.consent import current_purpose
from museion.privacy.datamap import CATEGORIES
from museion.registry import assessments, cards, lifecycle, rollouts, texts
from museion.registry.artifact_files import MANIFEST
from museion.registry.disclosure import organisation
from museion.registry.policy import load_policy
from museion.store.files import private_file, private_staging, write_private
from museion.registry.review import reviews_of


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode()


def pack_files(conn: Connection, home: Path, version_id: int) -> dict[str, bytes]:
    """File name → content of the pack (without its manifest)."""
    version = cards.get_version(conn, version_id)
    row = cards.card_row(conn, version_id)
    if row is None or row.frozen is None:
        raise Conflict(f"model version {version_id} is a draft: submit it (freezing its card) before filing it")
    card = {**row.frozen, "card_hash": row.card_hash}
    purpose = current_purpose(conn, gate.PERSONALISATION)
    files = {"card.json": _json(card)}
    for lang in texts.LANGS:
        files[f"card.{lang}.md"] = cards.render_markdown(row.frozen, lang).encode()
    files["parameters.json"] = _json({"algorithm": version.algorithm, "params": version.params, "policy": version.policy,
                                      "reranker": card.get("reranker"), "source": version.source,
                                      "data_fingerprint": version.data_fingerprint})
    files["evaluation.json"] = _json(version.evaluation)
    files["fairness_audit.json"] = _json(cards.latest_fairness_audit(conn, version_id))
    files["reviews.json"] = _json({"status": version.status, "policy": load_policy(home).as_dict(),
                                   "author_account_id": row.author_account_id, "reviews": reviews_of(conn, version_id)})
    files["transitions.json"] = _json(lifecycle.transitions(conn, version_id))
    files["rollouts.json"] = _json(rollouts.rollouts_of(conn, version_id))  # controlled rollouts: decisions and evidence
    assessed = assessments.assessments(conn, version_id=version_id) + assessments.assessments(conn, purpose=purpose.code)
    files["impact_assessments.json"] = _json({"retention_years": assessments.RETENTION_YEARS, "assessments": assessed})
    for lang in texts.LANGS:
        files[f"impact_assessments.{lang}.md"] = "\n".join(assessments.render_markdown(a, lang) for a in assessed).encode()
    files["audit_chain.json"] = _json(audit.entries(conn, audit.AuditFilter(target=f"model_version:{version_id}"), 10_000))
    files["data_categories.json"] = _json({
        "purpose": {"code": purpose.code, "version": purpose.version, "name": purpose.name, "legal_basis": purpose.legal_basis,
                    "retention_days": purpose.retention_days},
        "categories": [{"code": c, "description": CATEGORIES[c].description if c in CATEGORIES else None,
                        "fields": list(CATEGORIES[c].fields) if c in CATEGORIES else [],
                        **{f"text_{lang}": texts.CATEGORIES.get(c, {}).get(lang) for lang in texts.LANGS}}
                       for c in purpose.categories]})
    return files


def filing_pack(conn: Connection, home: Path, version_id: int, target: Path) -> dict[str, Any]:
    """Write the pack to ``target``: a ZIP file when it ends in ``.zip``, else a new folder. Returns the manifest."""
    if target.exists() and (target.suffix.lower() == ".zip" or any(target.iterdir())):
        raise MuseionError(f"{target} already exists; choose a new file or an empty folder")
    files = pack_files(conn, home, version_id)
    manifest = {"organisation": organisation(home), "version_id": version_id, "card_hash": json.loads(files["card.json"])["card_hash"],
                "generated_at": datetime.now(UTC).isoformat(), "museion_version": __version__,
                "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())}}
    files[MANIFEST] = _json(manifest)
    if target.suffix.lower() == ".zip":  # owner-only (0600, a folder 0700) until whoever files it shares it
        with private_file(target) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in sorted(files.items()):
                archive.writestr(name, content)
        return manifest
    staging = private_staging(target.parent, target.name)
    try:
        for name, content in files.items():
            write_private(staging / name, content)
        if target.exists():
            target.rmdir()
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
