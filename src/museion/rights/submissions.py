"""Submissions checked for near-copies of the catalogue: index the catalogue's texts (and the pictures a user imports)
as fingerprints; match each submitted text or picture against them; queue each match with its evidence (similarity,
the passages or window that match) as a ``rights.infringement`` proposal for a curator, whose decision is recorded on
the submission. A submission is recorded (pending) at once and matched by ``match``, which the API and web run as a
``rights_match`` job: the first match after re-indexing builds the index in the job consumer's process, never inside a
request. Empty texts and corrupt or huge pictures are recorded as skipped with the reason, never raised."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from museion.catalog.models import Creator, Credit, Work, WorkTerm
from museion.collab.models import Proposal
from museion.collab.queue import Draft, Outcome, on_decided, propose_many
from museion.errors import NotFound
from museion.rights import image_match, text_match
from museion.rights.submission_models import RightsFingerprint, RightsSubmission

KIND = "rights.infringement"
SOURCE = "rights.submissions"
MAX_TEXT_BYTES = 2_000_000
MAX_IMAGE_BYTES = 25_000_000
MAX_MATCHES = 5  # proposals per submission, most similar first
Progress = Callable[[float, str], None]
_CACHE: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}


def work_texts(conn: Connection, source: str | None = None) -> list[tuple[int, str, str]]:
    """(work id, key, text) of each work: title, creators, date, medium, description and subjects as one text."""
    works = select(Work.id, Work.key, Work.title, Work.date_text, Work.medium, Work.description).order_by(Work.id)
    if source is not None:
        works = works.where(Work.source == source)
    names: dict[int, list[str]] = defaultdict(list)
    for work_id, name in conn.execute(select(Credit.work_id, Creator.name).join(Creator, Creator.id == Credit.creator_id)):
        names[work_id].append(name)
    terms: dict[int, list[str]] = defaultdict(list)
    for work_id, term in conn.execute(select(WorkTerm.work_id, WorkTerm.term).order_by(WorkTerm.position)):
        terms[work_id].append(term)
    return [(work_id, key, " ".join(p for p in (title, ", ".join(names.get(work_id, ())), date_text, medium, description,
                                                ", ".join(terms.get(work_id, ()))) if p))
            for work_id, key, title, date_text, medium, description in conn.execute(works)]


def index_texts(conn: Connection, *, source: str | None = None, progress: Progress | None = None) -> int:
    """Replace the catalogue's text fingerprints (of one source) with the works' current texts; the number indexed."""
    texts = work_texts(conn, source)
    if source is not None and not texts:
        raise NotFound("no works from source %(source)s", source=source)
    ids = [work_id for work_id, _, _ in texts]
    for start in range(0, len(ids), 5000):
        conn.execute(delete(RightsFingerprint).where(RightsFingerprint.kind == "text",
                                                     RightsFingerprint.work_id.in_(ids[start:start + 5000])))
    rows = [{"kind": "text", "label": key, "work_id": work_id, "origin": "catalogue", "text": text}
            for work_id, key, text in texts if text_match.words(text)]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(RightsFingerprint), rows[start:start + 5000])
        if progress:
            progress(min(.95, (start + 5000) / max(1, len(rows))), f"{min(len(rows), start + 5000):,} of {len(rows):,} texts")
    return len(rows)


def index_pictures(conn: Connection, files: Iterable[tuple[str, bytes]], *, origin: str = "upload",
                   progress: Progress | None = None) -> dict[str, Any]:
    """Fingerprint each (name, bytes) picture; a name indexed before is replaced. Unreadable files are skipped with the
    reason. Every picture is fingerprinted before the first write, so on SQLite the write lock is held for the writes only."""
    prints, skipped = [], []
    for name, data in files:
        try:
            picture = _picture(data)
        except image_match.PictureError as exc:
            skipped.append({"file": name, "reason": str(exc)})
            continue
        prints.append((name[:255], image_match.fingerprint(picture).as_json()))
        if progress:
            progress(.05, f"{len(prints)} pictures fingerprinted ({name})")
    for label, hashes in prints:
        conn.execute(delete(RightsFingerprint).where(RightsFingerprint.kind == "image", RightsFingerprint.label == label))
        conn.execute(insert(RightsFingerprint).values(kind="image", label=label, origin=origin, hashes=hashes))
    return {"indexed": len(prints), "skipped": skipped}


def _picture(data: bytes) -> Any:
    if len(data) > MAX_IMAGE_BYTES:
        raise image_match.PictureError(f"the file has {len(data):,} bytes, more than {MAX_IMAGE_BYTES:,}")
    return image_match.open_picture(data)


def _stamp(conn: Connection, kind: str) -> tuple[int, int]:
    count, last = conn.execute(select(func.count(), func.max(RightsFingerprint.id)).where(RightsFingerprint.kind == kind)).one()
    return int(count), int(last or 0)


def _cached(conn: Connection, kind: str, build: Callable[[], Any]) -> Any:
    """The index of one kind of fingerprint, built once per process (the job consumer's) and rebuilt when the
    fingerprints change (their count or newest id)."""
    key, stamp = (str(conn.engine.url), kind), _stamp(conn, kind)
    cached = _CACHE.get(key)
    if cached is None or cached[0] != stamp:
        _CACHE[key] = cached = (stamp, build())
    return cached[1]


def text_index(conn: Connection) -> text_match.TextIndex:
    """The text fingerprints as an index (seconds to build for 100,000 texts: see docs/benchmarks.md)."""
    def build() -> text_match.TextIndex:
        index = text_match.TextIndex()
        index.extend(conn.execute(select(RightsFingerprint.label, RightsFingerprint.text)
                                  .where(RightsFingerprint.kind == "text").order_by(RightsFingerprint.id)))
        return index
    return _cached(conn, "text", build)


def image_index(conn: Connection) -> image_match.ImageIndex:
    """The picture fingerprints as an index (a linear scan in numpy: cheap for thousands of pictures)."""
    def build() -> image_match.ImageIndex:
        index = image_match.ImageIndex()
        for label, hashes in conn.execute(select(RightsFingerprint.label, RightsFingerprint.hashes)
                                          .where(RightsFingerprint.kind == "image").order_by(RightsFingerprint.id)):
            index.add(label, image_match.Fingerprint.from_json(hashes))
        return index
    return _cached(conn, "image", build)


def _record(conn: Connection, kind: str, filename: str, data: bytes, actor: str, **values: Any) -> int:
    return conn.execute(insert(RightsSubmission).values(kind=kind, filename=filename[:255], submitted_by=actor,
                                                        sha256=hashlib.sha256(data).hexdigest(), **values)
                        .returning(RightsSubmission.id)).scalar_one()


def _excerpt(words: list[str], start: int, end: int) -> str:
    return " ".join(words[start:end])


def receive_text(conn: Connection, filename: str, data: bytes, actor: str) -> dict[str, Any]:
    """Record a submitted text as pending, to be matched by ``match`` (a job); empty, oversized or non-UTF-8 texts are
    recorded as skipped with the reason."""
    reason = None
    if len(data) > MAX_TEXT_BYTES:
        reason = f"the file has {len(data):,} bytes, more than {MAX_TEXT_BYTES:,}"
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 text (byte {exc.start})"
        else:
            if not text_match.words(text):
                reason = "the text is empty (no words)"
    if reason:
        return submission(conn, _record(conn, "text", filename, data, actor, status="skipped", reason=reason))
    return submission(conn, _record(conn, "text", filename, data, actor, status="pending", text=text))


def receive_image(conn: Connection, filename: str, data: bytes, actor: str) -> dict[str, Any]:
    """Record a submitted picture as pending with the hashes its matching needs (the file itself is not kept);
    corrupt or huge files are recorded as skipped with the reason."""
    try:
        picture = _picture(data)
    except image_match.PictureError as exc:
        return submission(conn, _record(conn, "image", filename, data, actor, status="skipped", reason=str(exc)))
    query = {"variants": [[str(h) for h in hashes] for hashes in image_match.query_hashes(picture)],
             "size": list(picture.size)}
    return submission(conn, _record(conn, "image", filename, data, actor, status="pending", query=query))


def match(conn: Connection, submission_id: int) -> dict[str, Any]:
    """Match a pending submission against the indexed fingerprints and queue each match with its evidence for a
    curator; a submission matched or skipped already is returned as it is."""
    found = submission(conn, submission_id)
    if found["status"] != "pending":
        return found
    drafts = (_text_drafts if found["kind"] == "text" else _image_drafts)(conn, found)
    propose_many(conn, drafts)
    conn.execute(update(RightsSubmission).where(RightsSubmission.id == submission_id)
                 .values(status="matched" if drafts else "clear", matches=len(drafts)))
    return submission(conn, submission_id)


def attach_job(conn: Connection, submission_id: int, job_id: int) -> None:
    """Remember the job that matches a submission (its page links to the job's progress)."""
    conn.execute(update(RightsSubmission).where(RightsSubmission.id == submission_id).values(job_id=job_id))


def submit_text(conn: Connection, filename: str, data: bytes, actor: str) -> dict[str, Any]:
    """Receive and match a text at once (the CLI; the API and web match in a ``rights_match`` job)."""
    return match(conn, receive_text(conn, filename, data, actor)["id"])


def submit_image(conn: Connection, filename: str, data: bytes, actor: str) -> dict[str, Any]:
    """Receive and match a picture at once (the CLI; the API and web match in a ``rights_match`` job)."""
    return match(conn, receive_image(conn, filename, data, actor)["id"])


def _text_drafts(conn: Connection, found: dict[str, Any]) -> list[Draft]:
    text, filename = found["text"], found["filename"]
    matches = text_index(conn).query(text, limit=MAX_MATCHES)
    indexed = dict(conn.execute(select(RightsFingerprint.label, RightsFingerprint.text).where(
        RightsFingerprint.kind == "text", RightsFingerprint.label.in_([m.key for m in matches]))).all())
    submitted = text_match.words(text)
    drafts = []
    for m in matches:
        catalogue = text_match.words(indexed[m.key])
        shared = [{"submitted": _excerpt(submitted, p.query_start, p.query_end), "catalogue": _excerpt(catalogue, p.doc_start, p.doc_end),
                   "words": p.query_end - p.query_start} for p in text_match.passages(text, indexed[m.key])]
        drafts.append(_draft(found["id"], "text", m.key, m.similarity, {"jaccard": m.jaccard, "shared_shingles": m.shared,
                                                                        "passages": shared, "filename": filename}))
    return drafts


def _image_drafts(conn: Connection, found: dict[str, Any]) -> list[Draft]:
    query = found["query"]
    variants = [tuple(int(h) for h in hashes) for hashes in query["variants"]]
    return [_draft(found["id"], "image", m.key, m.similarity, {"how": m.how, "distances": m.distances,
                                                               "box": list(m.box) if m.box else None,
                                                               "size": query["size"], "filename": found["filename"]})
            for m in image_index(conn).query_variants(variants, limit=MAX_MATCHES)]


def _draft(submission_id: int, kind: str, label: str, similarity: float, evidence: dict[str, Any]) -> Draft:
    return Draft(kind=KIND, subject=f"submission:{submission_id}|{label}"[:256], proposed_by=SOURCE, risk="medium",
                 confidence=round(min(1.0, similarity), 4),
                 payload={"submission": submission_id, "kind": kind, "matches": label, "similarity": round(similarity, 4),
                          "decision": "infringing"},
                 evidence={"similarity": round(similarity, 4), **evidence})


def submissions(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Submissions, newest first (without their text)."""
    columns = [c for c in RightsSubmission.__table__.c if c.name not in ("text", "query")]
    return [dict(r._mapping) for r in conn.execute(select(*columns).order_by(RightsSubmission.id.desc()).limit(limit))]


def submission(conn: Connection, submission_id: int) -> dict[str, Any]:
    """One submission with its matches: each proposal's status, decision and evidence."""
    row = conn.execute(select(*RightsSubmission.__table__.c).where(RightsSubmission.id == submission_id)).first()
    if row is None:
        raise NotFound("no submission %(id)s", id=submission_id)
    found = conn.execute(select(Proposal.id, Proposal.subject, Proposal.status, Proposal.decision, Proposal.payload,
                                Proposal.evidence).where(Proposal.kind == KIND,
                                                         Proposal.subject.like(f"submission:{submission_id}|%"))
                         .order_by(Proposal.id))
    out = dict(row._mapping)
    out["matches_found"] = [dict(r._mapping) for r in found]
    return out


@on_decided(KIND)
def _decided(conn: Connection, outcome: Outcome) -> None:
    """Accepted or edited: the submission infringes; rejected: cleared; undone: undecided again."""
    decision = None if outcome.decision == "undo" else "cleared" if outcome.decision == "reject" else "infringing"
    conn.execute(update(RightsSubmission).where(RightsSubmission.id == int(outcome.proposed["submission"]))
                 .values(decision=decision, decided_by=None if decision is None else outcome.decided_by))


def index_demo_pictures(conn: Connection, *, generated: int = 12, progress: Progress | None = None) -> dict[str, Any]:
    """Index the pictures scikit-image ships and ``generated`` seeded compositions as stand-ins for catalogue images
    (origin ``generated``: demo data, labelled as such; the catalogue's own image URLs cannot be fetched offline)."""
    import io

    from museion.rights.evalsets import generated_picture, skimage_pictures

    def encoded() -> Iterable[tuple[str, bytes]]:
        pictures = skimage_pictures() + [(f"generated:{n}", generated_picture(n)) for n in range(generated)]
        for n, (name, picture) in enumerate(pictures):
            buffer = io.BytesIO()
            picture.save(buffer, "PNG")
            if progress:
                progress(.05 + .9 * n / len(pictures), f"fingerprinting {name}")
            yield f"demo/{name}", buffer.getvalue()

    return index_pictures(conn, encoded(), origin="generated")


def index_demo(conn: Connection) -> dict[str, int]:
    """The demo's near-copy search: the catalogue's texts and the demo pictures indexed, each once (a second run
    leaves them as they are); how many of each were indexed now."""
    texts = 0 if _stamp(conn, "text")[0] else index_texts(conn)
    pictures = 0 if _stamp(conn, "image")[0] else index_demo_pictures(conn)["indexed"]
    return {"texts": texts, "pictures": pictures}
