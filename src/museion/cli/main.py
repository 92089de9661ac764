"""`museion`: set up the store, load data, inspect the catalogue and serve the web app.

Start with `museion demo` (what `make run` runs), or `museion init` then `museion ingest …`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from museion import __version__
from museion.cli.fairness import rerank_curve, rerank_version
from museion.cli.output import console, err_console, file_progress, friendly_errors, print_json
from museion.cli.privacy import privacy_app
from museion.cli.registry import registry_app, review_app
from museion.cli.security import audit_app, demo_admin, tokens_app, users_app
from museion.config import get_settings
from museion.errors import InputRejected, MuseionError, Problem
from museion.security import audit

app = typer.Typer(
    help="Museion: responsible AI for cultural organisations' catalogue and audience data.\n\n"
    "Quick start: `museion demo` loads the sample datasets into an embedded database and serves the web app. "
    "Configure with MUSEION_DATABASE_URL (PostgreSQL in production), MUSEION_HOME and MUSEION_DATASETS_DIR.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
db_app = typer.Typer(help="Database schema: migrations with Alembic.", no_args_is_help=True)
datasets_app = typer.Typer(help="Public datasets: list, download with checksum verification, load.", no_args_is_help=True)
ingest_app = typer.Typer(
    help="Import your own files (CSV/TSV, JSON Lines, Parquet; .gz works too). Every import is atomic: "
    "all rows land or nothing changes, and every rejected row is named by file, line and column.",
    no_args_is_help=True,
)
catalog_app = typer.Typer(help="Inspect the catalogue.", no_args_is_help=True)
export_app = typer.Typer(help="Export data in open formats.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(datasets_app, name="datasets")
app.add_typer(ingest_app, name="ingest")
app.add_typer(catalog_app, name="catalog")
app.add_typer(export_app, name="export")
app.add_typer(privacy_app, name="privacy")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(registry_app, name="registry")
app.add_typer(review_app, name="review")
app.command("rerank-curve")(rerank_curve)
app.command("rerank-version")(rerank_version)
CLI_ACTOR = "cli"  # who reads personal data from the command line (until staff accounts arrive)


def _engine():  # type: ignore[no-untyped-def]
    from museion.store.session import ready_engine

    return ready_engine(get_settings().resolved_database_url)


def _version(value: bool) -> None:
    if value:
        console.print(f"museion {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Museion command line."""


# --- set-up ------------------------------------------------------------------------------------

@app.command()
@friendly_errors
def init() -> None:
    """Create the database (a SQLite file in MUSEION_HOME unless MUSEION_DATABASE_URL is set) at the latest schema."""
    from museion.store.migrate import current_revision, upgrade
    from museion.store.session import engine_for

    settings = get_settings()
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
    console.print(f"database ready at {engine.url.render_as_string()} (schema {current_revision(engine)})")


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from museion.store.migrate import current_revision, upgrade
    from museion.store.session import engine_for

    engine = engine_for(get_settings().resolved_database_url)
    upgrade(engine, revision)
    console.print(f"schema at {current_revision(engine)}")


@db_app.command("current")
@friendly_errors
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    from museion.store.migrate import current_revision, head_revision
    from museion.store.session import engine_for

    engine = engine_for(get_settings().resolved_database_url)
    console.print(f"database: {current_revision(engine) or 'not initialised'}; code: {head_revision(engine)}")


# --- datasets ----------------------------------------------------------------------------------

def _dataset_folder(name: str, path: Path | None) -> Path:
    from museion.datasets.registry import get_dataset

    return path if path is not None else get_dataset(name).locate(get_settings().datasets_dir)


@datasets_app.command("list")
@friendly_errors
def datasets_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Known datasets, their licences, and whether their files are in MUSEION_DATASETS_DIR."""
    from museion.datasets.registry import all_datasets

    base = get_settings().datasets_dir
    rows = [
        {"name": d.name, "title": d.title, "publisher": d.publisher, "licence": d.licence,
         "folder": str(d.locate(base)), "present": not d.missing(d.locate(base)), "redistributable": d.redistributable}
        for d in all_datasets()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"datasets in {base}")
    for col in ("name", "present", "licence", "title"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["name"], "yes" if r["present"] else "no", r["licence"], r["title"])
    console.print(table)


@datasets_app.command("fetch")
@friendly_errors
def datasets_fetch(
    name: Annotated[str, typer.Argument(help="Dataset name (see `museion datasets list`).")],
    dest: Annotated[Path | None, typer.Option(help="Folder to put the files in (default: MUSEION_DATASETS_DIR/NAME).")] = None,
) -> None:
    """Download NAME from its publisher and verify each file's published sha256 before installing it."""
    from rich.progress import DownloadColumn, Progress

    from museion.datasets.fetch import fetch
    from museion.datasets.registry import get_dataset

    dataset = get_dataset(name)
    folder = dest or dataset.locate(get_settings().datasets_dir)
    with Progress(*Progress.get_default_columns(), DownloadColumn(), console=err_console) as progress:
        task = progress.add_task(f"fetching {name}", total=None)
        installed = fetch(dataset, folder, progress=lambda n, total: progress.update(task, advance=n, total=total))
    console.print(f"verified and installed {len(installed)} file(s) in {folder}")
    if dataset.notes:
        console.print(dataset.notes)


@datasets_app.command("load")
@friendly_errors
def datasets_load(
    name: Annotated[str, typer.Argument(help="Dataset name (see `museion datasets list`).")],
    path: Annotated[Path | None, typer.Option(help="Folder with the dataset's files (default: MUSEION_DATASETS_DIR/NAME).")] = None,
    max_errors: Annotated[int | None, typer.Option(help="Stop after this many problems.")] = None,
    verify: Annotated[bool, typer.Option(help="Check published sha256 checksums first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import reports as JSON.")] = False,
) -> None:
    """Load NAME into the store, atomically. Loading it again changes nothing."""
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import load_dataset

    dataset = get_dataset(name)
    folder = _dataset_folder(name, path)
    if verify:
        problems = dataset.verify(folder)
        if problems:
            raise InputRejected(problems)
    engine = _engine()
    with file_progress(not as_json and sys.stderr.isatty()) as progress:
        reports = load_dataset(engine, dataset, folder, max_errors=max_errors or get_settings().max_errors, progress=progress)
    _print_reports(reports, as_json)


def _print_reports(reports: list, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        print_json([r.as_dict() for r in reports])
        return
    table = Table()
    for col in ("file", "entity", "rows read", "inserted", "updated", "unchanged", "seconds"):
        if col == "file":
            table.add_column(col, overflow="fold", min_width=16)
        else:
            table.add_column(col, justify="left" if col == "entity" else "right", no_wrap=True)
    for r in reports:
        table.add_row(r.file, r.entity, f"{r.rows_read:,}", f"{r.inserted:,}", f"{r.updated:,}", f"{r.unchanged:,}", f"{r.seconds:.2f}")
    console.print(table)


# --- ingest ------------------------------------------------------------------------------------

def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            raise InputRejected([Problem(flag, None, None, f"expected FIELD=VALUE, got {item!r}")])
        out[field.strip()] = column
    return out


def _ingest(entity: str, file: Path, mapping_file: Path | None, column: list[str], const: list[str], source: str | None,
            kind: str | None, fmt: str | None, delimiter: str | None, encoding: str | None, list_separator: str | None,
            timestamp_format: str | None, creator_role: str | None, max_errors: int | None, as_json: bool,
            pseudonymise: bool) -> None:
    from museion.ingest.load import MEMBER_KEY_FIELD, import_file
    from museion.ingest.mapping import ColumnMapping
    from museion.privacy.pseudonym import load_key, pseudonymiser

    base = ColumnMapping.from_file(mapping_file, entity) if mapping_file else ColumnMapping(entity)
    constants = _pairs(const, "--const")
    if kind:
        constants["kind"] = kind
    mapping = base.with_overrides(
        columns=_pairs(column, "--column"), constants=constants, source=source, format=fmt, delimiter=delimiter,
        encoding=encoding, list_separator=list_separator, timestamp_format=timestamp_format, creator_role=creator_role,
    )
    mapping.check_fields("command line")
    engine = _engine()
    settings = get_settings()
    pseudonym = (pseudonymiser(load_key(settings.home), mapping.source)
                 if pseudonymise and entity in MEMBER_KEY_FIELD else None)
    with file_progress(not as_json and sys.stderr.isatty()) as progress:
        report = import_file(engine, mapping, file, max_errors=max_errors or settings.max_errors,
                             progress=progress(file.name, file.stat().st_size) if progress and file.is_file() else None,
                             label=str(file), pseudonymise=pseudonym)
    _print_reports([report], as_json)


def _make_ingest_command(entity: str, doc: str) -> None:
    from museion.ingest.schema import ENTITIES

    fields = ", ".join(f.name + ("*" if f.required else "") for f in ENTITIES[entity].fields)

    @ingest_app.command(entity, help=f"{doc}\n\nFields (* required): {fields}.")
    @friendly_errors
    def command(
        file: Annotated[Path, typer.Argument(help="The file to import.")],
        mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML mapping file (see docs/ingest.md).")] = None,
        column: Annotated[list[str], typer.Option("--column", "-c", help="FIELD=COLUMN, e.g. member=userID; repeatable.")] = [],  # noqa: B006
        const: Annotated[list[str], typer.Option("--const", help="FIELD=VALUE for every row; repeatable.")] = [],  # noqa: B006
        source: Annotated[str | None, typer.Option(help="Key namespace, e.g. your system's name (default: local).")] = None,
        kind: Annotated[str | None, typer.Option(help="Kind for every row (work kind or event kind).")] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="csv, tsv, jsonl or parquet (default: from the name).")] = None,
        delimiter: Annotated[str | None, typer.Option(help="CSV delimiter, e.g. ';' or '\\t'.")] = None,
        encoding: Annotated[str | None, typer.Option(help="Text encoding, e.g. latin-1 (default: utf-8).")] = None,
        list_separator: Annotated[str | None, typer.Option(help="Separator inside list cells (default: |).")] = None,
        timestamp_format: Annotated[str | None, typer.Option(help="'auto' or a strptime pattern.")] = None,
        creator_role: Annotated[str | None, typer.Option(help="Role given to creators listed on works.")] = None,
        max_errors: Annotated[int | None, typer.Option(help="Stop after this many problems.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
        pseudonymise: Annotated[bool, typer.Option(
            "--pseudonymise/--keep-member-ids",
            help="Members and events: store keyed HMAC pseudonyms instead of your member ids (default). "
                 "Keep ids only when they are already pseudonymous.")] = True,
    ) -> None:
        _ingest(entity, file, mapping, column, const, source, kind, fmt, delimiter, encoding, list_separator,
                timestamp_format, creator_role, max_errors, as_json, pseudonymise)


_make_ingest_command("works", "Import works (films, books, recordings, artworks…). Creators they list must exist.")
_make_ingest_command("creators", "Import creators, with optional gender, nationality, birth year, career stage.")
_make_ingest_command("members", "Import audience members by pseudonymous key (no names or e-mails).")
_make_ingest_command("events", "Import activity (views, plays, ratings…). Works must exist; members are created as seen.")


# --- catalogue ---------------------------------------------------------------------------------

@catalog_app.command("stats")
@friendly_errors
def catalog_stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts of works, creators, members and events by kind and source."""
    from museion.catalog.stats import catalogue_stats
    from museion.store.engine import session_scope

    with session_scope(_engine()) as session:
        stats = catalogue_stats(session)
    if as_json:
        print_json(stats)
        return
    table = Table(title="catalogue")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("works", "creators", "credits", "members", "events", "imports"):
        table.add_row(key, f"{stats[key]:,}")
    for group in ("works_by_kind", "events_by_kind", "terms_by_vocabulary"):
        for k, v in stats[group].items():
            table.add_row(f"{group.replace('_by_', ' · ')} {k}", f"{v:,}")
    console.print(table)


@export_app.command("works")
@friendly_errors
def export_works(
    fmt: Annotated[str, typer.Option("--format", help="jsonld (schema.org + Dublin Core) or csv.")] = "jsonld",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
) -> None:
    """Export every work. CSV cells that a spreadsheet would run as formulas are neutralised."""
    from museion.catalog.export import write_csv, write_jsonld
    from museion.store.engine import session_scope

    writers = {"jsonld": write_jsonld, "csv": write_csv}
    if fmt not in writers:
        raise MuseionError(f"unknown format {fmt!r}; use jsonld or csv")
    engine = _engine()
    if output is None:
        with session_scope(engine) as session:
            n = writers[fmt](session, sys.stdout)
            audit.record(session.connection(), actor=CLI_ACTOR, action="export.works", target=f"format:{fmt}", details={"rows": n})
        return
    partial = output.with_name(output.name + ".partial")
    with session_scope(engine) as session, partial.open("w", encoding="utf-8", newline="") as out:
        n = writers[fmt](session, out)
        audit.record(session.connection(), actor=CLI_ACTOR, action="export.works", target=f"format:{fmt}", details={"rows": n})
    partial.replace(output)  # never leave a half-written export under the real name
    err_console.print(f"wrote {n:,} works to {output}")


# --- serving -----------------------------------------------------------------------------------

@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes, each with its own copy of the model: "
                                         "about one per core. On SQLite they share one writer (the served-list log).")] = 1,
) -> None:
    """Serve the web app and the API (OpenAPI docs at /docs)."""
    import uvicorn

    from museion.api.app import create_app

    _engine()  # fail here, clearly, if the database is not ready
    console.print(f"Museion on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    if workers == 1:
        uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    else:  # each worker process builds its own app from the same settings
        uvicorn.run("museion.api.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="warning")


DEMO_DATASETS = ("movielens-latest-small", "tate", "moma")
# MovieLens members rated films for GroupLens's recommendation research; the demo records that as
# consent to personalisation, labelled with this source so it is never mistaken for a real decision.
DEMO_CONSENT_SOURCE = "demo-dataset-terms"


@app.command()
@friendly_errors
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the app after loading.")] = True,
    new_admin_token: Annotated[bool, typer.Option("--new-admin-token", help="Print a new token for the demo's admin.")] = False,
) -> None:
    """Initialise the embedded database, load the sample datasets (skipping ones already loaded) and serve.

    The first run creates the `admin` account and prints its token once; sign in with it on /login."""
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import already_loaded, load_dataset
    from museion.store.migrate import upgrade
    from museion.store.session import engine_for

    settings = get_settings()
    engine = engine_for(settings.resolved_database_url)
    upgrade(engine)
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
            _print_reports(load_dataset(engine, dataset, folder, max_errors=settings.max_errors, progress=progress), False)
    _demo_model(engine, settings.home)
    token = demo_admin(engine, new_admin_token)
    if token:
        console.print(f"admin token (shown once, store it now; sign in at http://{host}:{port}/login):")
        console.print(token, markup=False, highlight=False, soft_wrap=True)
    else:
        console.print("the admin account exists: sign in with its saved token, or run `museion demo --new-admin-token`")
    if serve_app:
        serve(host=host, port=port)


def _demo_model(engine, home: Path) -> None:  # type: ignore[no-untyped-def]
    """Train the default recommender (EASE on MovieLens ratings) once, so the demo serves real lists; demo reviewer
    accounts approve and deploy it, and its card and the public disclosure say the approval was automatic."""
    from sqlalchemy import select

    from museion.privacy.consent import current_purpose, record_many
    from museion.privacy.models import Consent
    from museion.recommend.service import holdout_evaluation
    from museion.recommend.service import train as run_training
    from museion.registry.lifecycle import DRAFT, deployed_version_id
    from museion.store.models import Member, ModelVersion

    with engine.connect() as conn:
        if deployed_version_id(conn) is not None:
            return
        latest = conn.execute(select(ModelVersion.id, ModelVersion.status).order_by(ModelVersion.id.desc()).limit(1)).first()
        if latest is not None:  # trained before the review gate existed: review it the demo's way
            if latest.status == DRAFT:
                _demo_review(engine, home, int(latest.id))
            else:
                console.print(f"demo: model version {latest.id} is {latest.status} and none is deployed; "
                              "see `museion registry list`")
            return
        if conn.scalar(select(Member.id).where(Member.source == "movielens").limit(1)) is None:
            return
    with engine.begin() as conn:
        purpose = current_purpose(conn, "personalisation")
        if not conn.scalar(select(Consent.id).limit(1)):
            members = list(conn.scalars(select(Member.id).where(Member.source == "movielens")))
            record_many(conn, members, purpose, granted=True, notice_version="demo", source=DEMO_CONSENT_SOURCE)
            console.print(f"demo: recorded personalisation consent for {len(members)} MovieLens members "
                          f"(source {DEMO_CONSENT_SOURCE!r}); withdraw with `museion privacy consent withdraw KEY`")
    console.print("training the default recommender (EASE, l2=200) on MovieLens ratings")
    params = {"l2": 200.0}
    evaluation = holdout_evaluation(engine, "ease", params, source="movielens", actor="demo")
    version = run_training(engine, home, "ease", source="movielens", actor="demo", params=params, evaluation=evaluation)
    console.print(f"model version {version.id}: NDCG@10 {evaluation['metrics']['ndcg@10']:.4f} on held-out ratings")
    _demo_review(engine, home, version.id)


def _demo_review(engine, home: Path, version_id: int) -> None:  # type: ignore[no-untyped-def]
    from museion.registry.demo import approve_for_demo

    with engine.begin() as conn:
        approvals = approve_for_demo(conn, home, version_id)
    console.print(f"demo: version {version_id} approved AUTOMATICALLY by {approvals} demo reviewer accounts (not an "
                  "independent review) and deployed; the public disclosure at /api/disclosure says so")


# --- recommendation ----------------------------------------------------------------------------

def _dataset_source(dataset: str | None, source: str | None) -> str | None:
    """The member source to read events from: a dataset (loaded first when absent) or an explicit source."""
    if dataset is None:
        return source
    from museion.datasets.registry import get_dataset
    from museion.datasets.service import already_loaded, load_dataset

    ds = get_dataset(dataset)
    folder = ds.locate(get_settings().datasets_dir)
    engine = _engine()
    ds.require(folder)
    if not already_loaded(engine, ds, folder):
        err_console.print(f"loading {dataset} into the store first")
        load_dataset(engine, ds, folder, max_errors=get_settings().max_errors)
    return ds.source


def _policy(rating_threshold: float, min_interactions: int):  # type: ignore[no-untyped-def]
    from museion.recommend.interactions import InteractionPolicy

    return InteractionPolicy(rating_threshold=rating_threshold, min_member_interactions=min_interactions,
                             min_work_interactions=min_interactions)


DatasetOpt = Annotated[str | None, typer.Option(help="Evaluate on a known dataset's events (loaded first if needed).")]
SourceOpt = Annotated[str | None, typer.Option(help="Use events of members from this source (default: all).")]
ThresholdOpt = Annotated[float, typer.Option(help="Ratings at or above this count as positive signals.")]
CoreOpt = Annotated[int, typer.Option(help="k-core: keep members and works with at least this many interactions.")]


@app.command()
@friendly_errors
def evaluate(
    models: Annotated[str, typer.Option(help="Comma-separated: pop,trending,itemknn,als,bpr,ease,content.")] = "pop,itemknn,als,ease",
    dataset: DatasetOpt = None,
    source: SourceOpt = None,
    protocol: Annotated[str, typer.Option(help="ratio-811 (per-member random 8:1:1), loo (leave last out), time (global cut).")] = "ratio-811",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Cut-off for the metrics.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for the split and the models.")] = 2024,
    rating_threshold: ThresholdOpt = 3.0,
    min_interactions: CoreOpt = 5,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every model's figures to this JSON file.")] = None,
    save_split: Annotated[Path | None, typer.Option(help="Write the exact train/valid/test CSVs here.")] = None,
) -> None:
    """Offline evaluation: parameters chosen on validation, metrics reported on test, full rankings."""
    from museion.recommend.service import evaluate as run_evaluation

    chosen = [m.strip() for m in models.split(",") if m.strip()]
    result = run_evaluation(_engine(), chosen, source=_dataset_source(dataset, source), actor=CLI_ACTOR, protocol=protocol, seed=seed,
                            k=k, policy=_policy(rating_threshold, min_interactions), save_split=save_split)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    s = result.sizes
    table = Table(title=f"{protocol} on {s['members']:,} members × {s['works']:,} works ({s['interactions']:,} interactions), seed {seed}")
    columns = (f"ndcg@{k}", f"recall@{k}", f"precision@{k}", f"map@{k}", f"mrr@{k}", f"hit_rate@{k}",
               f"coverage@{k}", f"arp@{k}", f"aplt@{k}")
    table.add_column("model")
    for col in (*columns, "fit s", "params"):
        table.add_column(col, justify="right" if col != "params" else "left", overflow="fold")
    for r in result.reports:
        table.add_row(r.name, *(f"{r.metrics.get(c, float('nan')):.4f}" for c in columns), f"{r.fit_seconds:.2f}",
                      ", ".join(f"{a}={b}" for a, b in r.params.items() if a not in ("random_state", "num_threads")))
    console.print(table)


@app.command()
@friendly_errors
def train(
    model: Annotated[str, typer.Option(help="pop, trending, itemknn, als, bpr, ease or content.")] = "ease",
    param: Annotated[list[str], typer.Option("--param", "-p", help="NAME=VALUE model parameter; repeatable.")] = [],  # noqa: B006
    dataset: DatasetOpt = None,
    source: SourceOpt = None,
    rating_threshold: ThresholdOpt = 3.0,
    min_interactions: CoreOpt = 5,
    evaluate_first: Annotated[bool, typer.Option("--evaluate/--no-evaluate", help="Attach a ratio-811 evaluation with these parameters.")] = True,
    seed: Annotated[int, typer.Option(help="Seed for the model (and the evaluation split).")] = 2024,
) -> None:
    """Train a model version on all selected events and save it as a versioned artifact."""
    from museion.recommend.service import holdout_evaluation, parse_params
    from museion.recommend.service import train as run_training

    params = parse_params(param)
    src = _dataset_source(dataset, source)
    policy = _policy(rating_threshold, min_interactions)
    engine = _engine()
    evaluation = (holdout_evaluation(engine, model, params, source=src, actor=CLI_ACTOR, policy=policy, seed=seed)
                  if evaluate_first else None)
    version = run_training(engine, get_settings().home, model, source=src, actor=CLI_ACTOR, params=params, policy=policy,
                           evaluation=evaluation, seed=seed)
    console.print(f"model version {version.id}: {model} on {version.n_members:,} members × {version.n_works:,} works; "
                  f"artifact {get_settings().home / version.artifact}")
    console.print(f"it is a draft and serves nothing until reviewed and deployed: read its card with `museion registry "
                  f"card {version.id}`, then `museion registry submit {version.id} --as AUTHOR` (see `museion review --help`)")
    if evaluation:
        console.print("test metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in evaluation["metrics"].items() if "@" in k))


@app.command()
@friendly_errors
def recommend(
    member: Annotated[str | None, typer.Argument(help="The member's key, e.g. movielens:1.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many works.")] = 10,
    kind: Annotated[str | None, typer.Option(help="Only works of this kind.")] = None,
    version: Annotated[int | None, typer.Option(help="Model version (default: the deployed one). Any version that is not "
                                                     "deployed is refused: see `museion registry list`.")] = None,
    personalise: Annotated[bool, typer.Option("--personalise/--no-personalise",
                                              help="--no-personalise gives the labelled non-personalised list.")] = True,
    all_members: Annotated[bool, typer.Option("--all", help="Score every member the model knows (needs --output).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSON Lines file for --all.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Top-k works for a member, each with the reason it was recommended; or, with --all, for everyone."""
    from museion.recommend.service import RecommenderService

    service = RecommenderService(_engine(), get_settings().home, version)
    if all_members:
        if output is None:
            raise MuseionError("--all writes a file: add --output recommendations.jsonl")
        from rich.progress import Progress

        partial = output.with_name(output.name + ".partial")
        with Progress(console=err_console) as bar, partial.open("w", encoding="utf-8") as out:
            task = bar.add_task("scoring members", total=service.interactions.n_members)
            n = service.recommend_all(k, out, progress=lambda done: bar.update(task, completed=done))
        partial.replace(output)
        err_console.print(f"wrote top-{k} lists for {n:,} members to {output}")
        return
    if member is None:
        raise MuseionError("name a member (e.g. movielens:1), or use --all --output FILE")
    served = service.recommend(member, k, kind=kind, personalise=personalise, log=False)  # a staff preview, not served
    if as_json:
        print_json(served.as_dict())
        return
    label = f"personalised by model version {served.model_version}" if served.personalised else \
        f"NOT personalised: {served.rule} works, because {served.not_personalised_because}"
    table = Table(title=f"{member}: {label}")
    table.add_column("#", justify="right")
    table.add_column("work", overflow="fold")
    table.add_column("why", overflow="fold")
    for i, item in enumerate(served.items, 1):
        table.add_row(str(i), item.title, item.reason)
    console.print(table)
