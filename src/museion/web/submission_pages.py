"""Near-copy detection in the browser for curators: upload a text or a picture to be checked against the catalogue's
indexed texts and pictures, index the catalogue (a job), and read each submission's matches with their evidence — the
shared passages highlighted, the matching window drawn — before deciding them in the queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine

from museion.http.authz import requires
from museion.http.deps import ConnDep, EngineDep
from museion.jobs.queue import JobQueue
from museion.jobs_kinds import QueueDep
from museion.rights import submissions
from museion.security.auth import Principal
from museion.security.permissions import Perm
from museion.web.templating import templates

router = APIRouter(include_in_schema=False)
Curator = Annotated[Principal, requires(Perm.STUDIO_SUGGEST)]


@router.get("/rights/submissions", response_class=HTMLResponse)
def page(request: Request, _: Curator, conn: ConnDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "rights_submissions.html", {"submissions": submissions.submissions(conn)})


def _match_later(engine: Engine, queue: JobQueue, principal: Principal, found: dict[str, Any]) -> RedirectResponse:
    """Start the ``rights_match`` job of a pending submission and show the submission (it says pending, with the job's
    progress, until the job is done); a skipped one shows its reason at once."""
    if found["status"] == "pending":
        job_id = queue.submit("rights_match", {"submission": found["id"]}, principal.actor)
        with engine.begin() as conn:
            submissions.attach_job(conn, found["id"], job_id)
    return RedirectResponse(f"/rights/submissions/{found['id']}", status_code=303)


@router.post("/rights/submissions/text", response_class=RedirectResponse)
def submit_text(principal: Curator, engine: EngineDep, queue: QueueDep,
                text: Annotated[str, Form(max_length=submissions.MAX_TEXT_BYTES)] = "",
                file: Annotated[UploadFile | None, File()] = None) -> RedirectResponse:
    """A pasted text or an uploaded file (the file wins when both are given)."""
    if file is not None and file.filename:
        name, data = file.filename, file.file.read(submissions.MAX_TEXT_BYTES + 1)
    else:
        name, data = "pasted text", text.encode()
    with engine.begin() as conn:
        found = submissions.receive_text(conn, name, data, principal.actor)
    return _match_later(engine, queue, principal, found)


@router.post("/rights/submissions/image", response_class=RedirectResponse)
def submit_image(principal: Curator, engine: EngineDep, queue: QueueDep, file: Annotated[UploadFile, File()]) -> RedirectResponse:
    with engine.begin() as conn:
        found = submissions.receive_image(conn, file.filename or "upload", file.file.read(submissions.MAX_IMAGE_BYTES + 1),
                                          principal.actor)
    return _match_later(engine, queue, principal, found)


@router.post("/rights/submissions/index", response_class=RedirectResponse)
def index(principal: Curator, queue: QueueDep,
          what: Annotated[str, Form(pattern=r"^(texts|demo-images)$")] = "texts") -> RedirectResponse:
    """Start indexing as a job and show its progress page."""
    job_id = queue.submit("rights_index", {"what": what, "source": None}, principal.actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/rights/submissions/{submission_id}", response_class=HTMLResponse)
def detail(request: Request, _: Curator, conn: ConnDep, submission_id: int) -> HTMLResponse:
    return templates.TemplateResponse(request, "rights_submission.html", {"s": submissions.submission(conn, submission_id)})
