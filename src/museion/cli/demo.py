"""`museion demo`: the embedded database with the sample datasets, a reviewed default model and an admin, then serve.

MovieLens members rated films for GroupLens's recommendation research; the demo records that as consent to
personalisation, labelled with ``DEMO_CONSENT_SOURCE`` so it is never mistaken for a real decision.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from museion.cli import context
from museion.cli.output import console, err_console, file_progress, friendly_errors, print_import_reports
from museion.cli.serve import serve
from museion.config import get_settings
from museion.errors import NotFound

DEMO_DATASETS = ("movielens-latest-small", "tate", "moma")
DEMO_CONSENT_SOURCE = "demo-dataset-terms"
DEMO_ACTOR = "demo"
DEMO_ADMIN = "admin"


@friendly_errors
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the app after loading.")] = True,
    new_admin_token: Annotated[bool, typer.Option("--new-admin-token", help="Print a new token for the demo's admin.")] = False,
) -> None:
    """Initialise the embedded database, load the sample datasets (skipping ones already loaded) and serve.

    The first run creates the `admin` account and prints its token once; sign in with it on /login."""
    from museion.store.migrate import upgrade

    engine = context.raw_engine()
    upgrade(engine)
    _load_datasets(engine)
    _demo_model(engine, context.home())
    _demo_candidate(engine, context.home())
    _demo_proposals(engine)
    _demo_licences(engine)
    _demo_near_copies(engine)
    _demo_search_index(engine, context.home())
    token = demo_admin(engine, new_admin_token)
    if token:
        console.print(f"admin token (shown once, store it now; sign in at http://{host}:{port}/login):")
        console.print(token, markup=False, highlight=False, soft_wrap=True)
    else:
        console.print("the admin account exists: sign in with its saved token, or run `museion demo --new-admin-token`")
    if serve_app:
        serve(host=host, port=port)


def _load_datasets(engine: Engine) -> None:
    """Load each sample dataset whose files are present and that is not loaded yet."""
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import already_loaded, load_dataset

    settings = get_settings()
    for name in DEMO_DATASETS:
        dataset = get_dataset(name)
        folder = dataset.locate(settings.datasets_dir)
        if dataset.missing(folder):
            err_console.print(f"[yellow]skipping {name}: its files are not in {folder}[/] (see `museion datasets fetch {name}`)")
            continue
        if already_loaded(engine, dataset, folder):
            console.print(f"{name}: already loaded")
            continue
        console.print(f"loading {name} from {folder}")
        with file_progress(sys.stderr.isatty()) as progress:
            print_import_reports(load_dataset(engine, dataset, folder, max_errors=settings.max_errors, progress=progress), False)


def _demo_model(engine: Engine, home: Path) -> None:
    """Train the default recommender (EASE on MovieLens ratings) once, so the demo serves real lists; it is audited for
    fairness, then demo reviewer accounts approve and deploy it, and its card and the public disclosure say the
    approval was automatic."""
    from museion.privacy.aggregates import member_count
    from museion.privacy.consent import grant_to_undecided
    from museion.recommend.training import holdout_evaluation, train
    from museion.registry.lifecycle import DRAFT, deployed_version_id, versions

    with engine.connect() as conn:
        deployed = deployed_version_id(conn)
        latest = versions(conn, limit=1)
    if deployed is not None:  # deployed by an older demo, perhaps before audits were required: audit it now
        _audit(engine, home, deployed)
        return
    if latest:  # trained before the review gate existed: review it the demo's way
        if latest[0]["status"] == DRAFT:
            _demo_review(engine, home, int(latest[0]["id"]))
        else:
            console.print(f"demo: model version {latest[0]['id']} is {latest[0]['status']} and none is deployed; "
                          "see `museion registry list`")
        return
    with engine.begin() as conn:
        if not member_count(conn, actor=DEMO_ACTOR, source="movielens"):
            return
        granted = grant_to_undecided(conn, "movielens", "personalisation", notice_version="demo", channel=DEMO_CONSENT_SOURCE,
                                     actor=DEMO_ACTOR)
    if granted:
        console.print(f"demo: recorded personalisation consent for {granted} MovieLens members "
                      f"(source {DEMO_CONSENT_SOURCE!r}); withdraw with `museion privacy consent withdraw KEY`")
    console.print("training the default recommender (EASE, l2=200) on MovieLens ratings")
    params = {"l2": 200.0}
    evaluation = holdout_evaluation(engine, "ease", params, source="movielens", actor=DEMO_ACTOR)
    version = train(engine, home, "ease", source="movielens", actor=DEMO_ACTOR, params=params, evaluation=evaluation)
    console.print(f"model version {version.id}: NDCG@10 {evaluation['metrics']['ndcg@10']:.4f} on held-out ratings")
    _demo_review(engine, home, version.id)


def _demo_candidate(engine: Engine, home: Path) -> None:
    """Leave a reviewed (approved, not deployed) candidate ready for a controlled rollout once, beside the deployed
    version: a reviewer starts a canary of it on /experiments and runs simulated traffic from its page."""
    from museion.experiments.demo import reviewed_candidate, waiting_candidate
    from museion.experiments.rollouts import listing
    from museion.registry.lifecycle import deployed_version_id

    if waiting_candidate(engine) is not None:
        return
    with engine.connect() as conn:
        if deployed_version_id(conn) is None or listing(conn):  # no version to compare with, or rollouts were run
            return
    version = reviewed_candidate(engine, home)
    console.print(f"demo: candidate version {version} (popularity) approved AUTOMATICALLY by demo reviewer accounts, not "
                  "deployed: start a canary of it on /experiments, then run simulated traffic from the rollout's page "
                  "(`museion users add NAME --role algorithm_reviewer --password` makes a reviewer account)")


def _demo_proposals(engine: Engine) -> None:
    """Queue the Tate catalogue's most similar record pairs for curators once, so the collaboration queue has real
    work in it (`museion queue list`, /queue)."""
    from museion.collab.reporting import counts
    from museion.rights.matching import KIND, scan

    try:
        with engine.begin() as conn:
            if KIND in counts(conn):
                return
            found = scan(conn, source="tate", limit=25)
    except NotFound:  # the Tate files were not there to load
        return
    console.print(f"demo: {len(found.proposed)} possible duplicate records among {found.records:,} Tate works queued for "
                  "curators (see /queue; `museion users add NAME --role curator --password` makes a curator account)")


def _demo_near_copies(engine: Engine) -> None:
    """Index the catalogue's texts and the demo pictures (scikit-image's and GENERATED ones) once, so that a near-copy
    submitted on /rights/submissions finds its original."""
    from museion.rights.submissions import index_demo

    with engine.begin() as conn:
        found = index_demo(conn)
    if any(found.values()):
        console.print(f"demo: {found['texts']:,} catalogue texts and {found['pictures']} demo pictures (scikit-image's and "
                      "GENERATED) indexed for near-copy search (submit a copy on /rights/submissions)")


def _demo_search_index(engine: Engine, home: Path) -> None:
    """Build the catalogue search index once, so the catalogue search answers as soon as the app is up (later
    rebuilds run as the `search_index` job: `museion studio index`, or the button on /catalogue)."""
    from museion.studio.search import build_index, current

    if current(home) is not None:
        return
    console.print("demo: building the catalogue search index")
    info = build_index(engine, home)
    console.print(f"demo: search index of {info.get('works', 0):,} works built")


def _demo_licences(engine: Engine) -> None:
    """Record GENERATED demo licences for the sample catalogue once (one expiring soon, one expired), and Tate's
    acquisition provenance from its credit lines."""
    from museion.rights.acquisitions import load_tate_acquisitions
    from museion.rights.availability import today
    from museion.rights.demo import load_demo_licences
    from museion.risk.licence_expiry import scan

    with engine.begin() as conn:
        added = load_demo_licences(conn, today(), actor=DEMO_ACTOR)
        if added:
            scan(conn, actor=DEMO_ACTOR, day=today())  # the expiring one raises its alert for curators (/risk/alerts)
            try:
                read, parsed = load_tate_acquisitions(conn, get_settings().datasets_dir, actor=DEMO_ACTOR)
            except NotFound:
                read = parsed = 0
    if added:
        console.print(f"demo: {added} GENERATED demo licences recorded (one expires within 10 days, alerted on /risk/alerts; one "
                      f"has expired: its films are withheld everywhere; see /rights/licences); {parsed:,} of {read:,} Tate "
                      "credit lines parsed into acquisition provenance")


def _audit(engine: Engine, home: Path, version_id: int) -> None:
    """Run the version's fairness audit unless it has one."""
    from museion.fairness.service import run_version_audit
    from museion.registry.cards import latest_fairness_audit

    with engine.connect() as conn:
        if latest_fairness_audit(conn, version_id) is not None:
            return
    record = run_version_audit(engine, home, version_id, actor=DEMO_ACTOR)
    console.print(f"demo: fairness audit #{record['id']} of version {version_id} recorded (see /fairness/{version_id})")


def _demo_review(engine: Engine, home: Path, version_id: int) -> None:
    from museion.registry.demo import approve_for_demo

    _audit(engine, home, version_id)
    with engine.begin() as conn:
        approvals = approve_for_demo(conn, home, version_id)
    console.print(f"demo: version {version_id} approved AUTOMATICALLY by {approvals} demo reviewer accounts (not an "
                  "independent review), its impact assessment signed AUTOMATICALLY by a demo privacy-officer account (not "
                  f"a real assessment; see `museion privacy assessment list --version {version_id}`), and deployed; the "
                  "public disclosure at /api/disclosure says so")


def demo_admin(engine: Engine, new_token: bool) -> str | None:
    """Create the demo's admin on first run and return its one-time token; later runs return a token only
    when asked (``new_token``), since the first one cannot be shown again."""
    from museion.security.auth import account_id_for, create_account, issue_token
    from museion.security.permissions import Role

    with engine.begin() as conn:
        try:
            account_id = account_id_for(conn, DEMO_ADMIN)
        except NotFound:
            account_id = create_account(conn, DEMO_ADMIN, Role.ADMIN, actor=DEMO_ACTOR)
        else:
            if not new_token:
                return None
        return issue_token(conn, account_id, actor=DEMO_ACTOR, label="demo admin").token
