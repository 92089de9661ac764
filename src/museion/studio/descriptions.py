"""Draft wall texts through the collaboration queue: a work's record and its related works ("more like this" in the
search index, where one is built) become a template-made draft (``museion.studio.walltext``), proposed as
``work.description`` with its evidence, model version and confidence; a curator accepts, edits or rejects it, and only
an accepted or edited text is shown — on the work page, labelled AI-assisted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from museion.catalog.models import Work
from museion.collab.queue import Draft, Outcome, on_decided, outcomes, proposal_row, propose
from museion.config import Settings
from museion.errors import MuseionError, NotFound
from museion.studio import search
from museion.studio.generation import MAX_ANSWER, generate, prompt
from museion.studio.records import work_records
from museion.studio.walltext import MODEL, Record, draft

KIND = "work.description"
RELATED = 6


def _records(conn: Connection, ids: list[int]) -> dict[int, Record]:
    records, by_key = work_records(conn, ids)
    return {by_key[r.key]: Record(r.key, r.title, r.creators, r.year, r.medium, r.subjects) for r in records}


def propose_walltext(conn: Connection, home: Path, key: str, *, proposed_by: str = "studio.walltext",
                     endpoint: Settings | None = None) -> int:
    """Draft the wall text of work ``key`` and queue it for a curator; returns the proposal's id. With ``endpoint``
    (the settings naming the user's OpenAI-compatible endpoint) the endpoint writes the English text from the record
    and the template draft, and the prompt and its answer are kept in the evidence; it is asked before anything is
    written, so a failure leaves nothing behind."""
    work_id = conn.scalar(select(Work.id).where(Work.key == key))
    if work_id is None:
        raise NotFound("no work %(keys)s in the catalogue", keys=key)
    related = ([i for i, _ in search.more_like_this(conn, home, int(work_id), limit=RELATED)]
               if search.current(home) is not None else [])
    records = _records(conn, [int(work_id), *related])
    text = draft(records[int(work_id)], [records[i] for i in related if i in records])
    payload, evidence = {"en": text.en, "zh": text.zh}, {**text.evidence, "confidence": text.confidence}
    if endpoint is not None:
        made = generate(endpoint, prompt(records[int(work_id)], text))
        payload = {"en": made.text, "zh": None}  # the endpoint writes English only; the template's Chinese is not its translation
        evidence |= {"model": f"{made.model} (endpoint)", "prompt": made.prompt, "output": made.text, "template": text.en}
    return propose(conn, Draft(kind=KIND, subject=f"work:{key}", proposed_by=proposed_by, risk="medium",
                               payload=payload, evidence=evidence, confidence=text.confidence))


@on_decided(KIND)
def _walltext_decided(conn: Connection, outcome: Outcome) -> None:
    """An edited wall text still needs English words (Chinese is optional), within the length a wall takes."""
    if outcome.final is None:
        return
    en, zh = outcome.final.get("en"), outcome.final.get("zh")
    if not isinstance(en, str) or not en.strip() or len(en) > MAX_ANSWER or (zh is not None and (not isinstance(zh, str) or len(zh) > MAX_ANSWER)):
        raise MuseionError("a wall text needs English text of at most %(most)s characters (Chinese optional)", most=MAX_ANSWER)


def accepted_walltexts(conn: Connection, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per work key, the latest wall text a person accepted or edited (none where the latest decision rejected or
    undid it), with who decided."""
    wanted, out = {f"work:{k}" for k in keys}, {}
    for o in outcomes(conn, KIND):  # oldest first: a later decision replaces an earlier one
        if o.subject not in wanted:
            continue
        key = o.subject.removeprefix("work:")
        if o.decision in ("accept", "edit") and o.final:
            out[key] = {"en": o.final.get("en"), "zh": o.final.get("zh"), "decided_by": o.decided_by,
                        "decision": o.decision, "proposal_id": o.proposal_id}
        elif o.decision in ("reject", "undo"):
            out.pop(key, None)
    for text in out.values():  # the model that drafted it: the template's or the configured endpoint's
        text["model"] = str(proposal_row(conn, text["proposal_id"]).evidence.get("model", MODEL))
    return out


def accepted_walltext(conn: Connection, key: str) -> dict[str, Any] | None:
    """The wall text shown for work ``key``, or None."""
    return accepted_walltexts(conn, [key]).get(key)
