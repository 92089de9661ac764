"""The EDM quality report: every displayable work checked against the SHACL shapes and placed in Europeana's tiers,
summed by source (share passing, tier distribution, the commonest reasons) with the failing works listed; kept as a
JSON file under MUSEION_HOME (the latest report), written whole or not at all."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from museion.errors import NotFound
from museion.heritage.edm import edm_graph, uris
from museion.heritage.edm_service import Progress, batches, count
from museion.heritage.edm_shacl import violations
from museion.heritage.edm_tiers import tiers
from museion.store.base import utcnow
from museion.store.files import private_dir, write_private

FOLDER, FILE = "heritage", "edm-report.json"
LISTED = 1000  # failing works listed in the stored report (the counts cover all)
CRITERIA = (("language tag", "language tags"), ("enabling element", "enabling elements"),
            ("contextual entity", "contextual classes"), ("pixel size", "image size"), ("megapixels", "image size"),
            ("edm:isShownBy", "no media"), ("edm:rights", "rights statement"), ("open licence", "open licence"))


def criterion(reason: str) -> str:
    """The criterion a tier reason is about (to count reasons whose numbers differ)."""
    return next((name for word, name in CRITERIA if word in reason), "other")


def _blank() -> dict[str, Any]:
    return {"works": 0, "passing": 0, "content": Counter(), "metadata": Counter(), "violations": Counter(),
            "short": Counter()}


def check(session: Session, base_url: str, *, source: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Check every displayable work (of ``source``) and return the report."""
    by: dict[str, dict[str, Any]] = {}
    failing: list[dict[str, Any]] = []
    total, done = max(count(session, source), 1), 0
    for records, options in batches(session, source=source):
        graphs = [edm_graph(r, base_url, **o.as_kwargs()) for r, o in zip(records, options, strict=True)]  # type: ignore[arg-type]
        found, _chos = violations(graphs)
        for record, g in zip(records, graphs, strict=True):
            cho = uris(record, base_url)["cho"]
            t, problems = tiers(g, cho), found.get(cho, [])
            s = by.setdefault(record.source, _blank())
            s["works"] += 1
            s["passing"] += not problems
            s["content"][str(t.content)] += 1
            s["metadata"][t.metadata] += 1
            s["violations"].update(problems)
            s["short"].update({criterion(r) for r in t.reasons})
            if problems and len(failing) < LISTED:
                failing.append({"id": record.id, "key": record.key, "title": record.title, "source": record.source,
                                "violations": problems, "content_tier": t.content, "metadata_tier": t.metadata,
                                "reasons": list(t.reasons)})
        done += len(records)
        if progress:
            progress(min(0.99, done / total), f"{done:,} works checked")
    sources = {name: {**s, "share_passing": round(s["passing"] / s["works"], 4) if s["works"] else 0.0,
                      **{k: dict(s[k].most_common()) for k in ("content", "metadata", "violations", "short")}}
               for name, s in sorted(by.items())}
    return {"generated_at": utcnow().isoformat(), "source": source, "base_url": base_url,
            "works": sum(s["works"] for s in sources.values()), "passing": sum(s["passing"] for s in sources.values()),
            "by_source": sources, "failing": failing, "failing_listed": len(failing)}


def path(home: Path) -> Path:
    return home / FOLDER / FILE


def save(home: Path, report: dict[str, Any]) -> Path:
    """Write the report atomically (a reader sees the old one or the new one, never half)."""
    target = path(home)
    private_dir(target.parent)
    write_private(target, json.dumps(report, ensure_ascii=False))
    return target


def load(home: Path) -> dict[str, Any]:
    """The latest stored report; none yet is not found, with how to make one."""
    target = path(home)
    if not target.exists():
        raise NotFound("no EDM quality report yet: run `museion heritage edm check` or start one from the EDM quality page")
    return json.loads(target.read_text(encoding="utf-8"))
