"""`museion studio`: catalogue search (`index`, `search`) and the subject suggester. Train a version (recorded in the registry, task ``subjects``), propose a
round of AI-made subject suggestions into the review queue, and read how well its confidence matched what people
accepted."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.collab import reporting
from sqlalchemy import select

from museion.catalog.models import Work
from museion.cli.studio_plans import plan_app
from museion.config import get_settings
from museion.studio import descriptions, exhibitions, related, search, suggestions

studio_app = typer.Typer(
    help="The creative studio. Subject suggestions: `museion studio train-suggester` learns from the catalogue's works "
         "with subjects and every decision people made on earlier suggestions; `museion studio suggest` proposes the top "
         "five subjects for works without subjects into the review queue (`museion queue --help`), where a curator "
         "accepts, edits or rejects them; `museion studio calibration` shows how the confidence matched the decisions. "
         "Exhibitions: `museion studio exhibit THEME` drafts a show for two curators to decide.",
    no_args_is_help=True, rich_markup_mode="markdown")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
VersionOpt = Annotated[int | None, typer.Option("--version", min=1, help="A suggester version (default: the newest).")]


def _figure(evaluation: dict[str, Any], key: str) -> str:
    value = evaluation.get(key)
    return f"{value:.3f}" if isinstance(value, int | float) else "—"


@studio_app.command("train-suggester")
@friendly_errors
def train_suggester(seed: Annotated[int, typer.Option(help="Seed of the held-out sample.")] = 2026, as_json: JsonOpt = False) -> None:
    """Train a new subject-suggester version on the catalogue and the decisions so far, and record it."""
    engine = context.engine()
    version_id = suggestions.train_suggester(engine, context.home(), actor=context.CLI_ACTOR, seed=seed)
    with engine.connect() as conn:
        row = suggestions.version(conn, version_id)
    if as_json:
        print_json({"version_id": version_id, "n_works": row.n_works, "evaluation": row.evaluation})
        return
    e = row.evaluation
    console.print(f"subject suggester version {version_id}: {row.n_works:,} works indexed, "
                  f"{e.get('feedback_decisions', 0):,} decisions learned from; precision@5 {_figure(e, 'precision_at_5')} "
                  f"(popularity floor {_figure(e, 'popularity_precision_at_5')}) on {e.get('held_out', 0):,} held-out works; "
                  f"ECE {_figure(e, 'ece')} → {_figure(e, 'ece_recalibrated')} recalibrated on {e.get('calibrated_on')}")
    console.print("next: propose suggestions with `museion studio suggest --limit 20`")


@studio_app.command("suggest")
@friendly_errors
def suggest(
    work: Annotated[list[str] | None, typer.Option("--work", help="A work key (e.g. tate:1035); repeat for several.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Without --work: this many works that have no subjects.")] = 20,
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose AI-made subject suggestions into the review queue and print what was proposed."""
    with context.engine().begin() as conn:
        done = suggestions.propose_round(conn, context.home(), keys=work, limit=limit, version_id=version,
                                         requested_by=context.CLI_ACTOR)
    rows = [{"proposal": p.proposal_id, "model_version": p.model_version_id, "work": p.work_key, "title": p.title,
             "subjects": [{"subject": s.subject, "score": round(s.score, 4), "confidence": round(s.confidence, 4)}
                          for s in p.found.suggestions]} for p in done]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nothing proposed: no work without subjects is left to propose for (name works with --work)")
        return
    show_rows(rows, as_json=False, title="AI-made subject suggestions proposed (decide them with `museion queue`)", columns={
        "proposal": lambda r: r["proposal"], "model version": lambda r: r["model_version"], "work": lambda r: r["work"],
        "title": lambda r: r["title"],
        "subjects (confidence)": lambda r: ", ".join(f"{s['subject']} ({s['confidence']:.2f})" for s in r["subjects"])})


@studio_app.command("calibration")
@friendly_errors
def calibration(version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """The reliability table: per confidence bin, how many suggestions people decided and the share they accepted."""
    with context.engine().connect() as conn:
        report = suggestions.calibration_report(conn, version)
    if as_json:
        print_json(report)
        return
    e = report["evaluation"]
    console.print(f"subject suggester version {report['version_id']}: held-out ECE {_figure(e, 'ece')} raw, "
                  f"{_figure(e, 'ece_recalibrated')} recalibrated; {report['decided']:,} suggestions decided by people, "
                  f"ECE of the confidence they saw {report['ece']:.3f}")
    show_rows(report["reliability"], as_json=False, title="reliability of the confidence shown (decided suggestions)", columns={
        "confidence": lambda b: f"{b['lower']:.1f}–{b['upper']:.1f}", "suggestions": lambda b: b["count"],
        "mean confidence": lambda b: "—" if b["mean_confidence"] is None else f"{b['mean_confidence']:.3f}",
        "share accepted": lambda b: "—" if b["accuracy"] is None else f"{b['accuracy']:.3f}"})


@studio_app.command("exhibit")
@friendly_errors
def exhibit(
    theme: Annotated[str, typer.Argument(help="A subject of the catalogue, e.g. sea (see a work's subjects).")],
    works: Annotated[int, typer.Option("--works", min=3, max=60, help="How many works the draft holds.")] = 12,
    title: Annotated[str | None, typer.Option(help="The exhibition's working title (default: the theme).")] = None,
) -> None:
    """Draft an exhibition on a theme — works chosen for the sub-themes, creators, media and decades each adds, hung in
    time order, every choice with its reasons — and queue it for two curators (`museion queue list --kind
    studio.exhibition`)."""
    with context.engine().begin() as conn:
        found = exhibitions.propose_exhibition(conn, theme, size=works, title=title, proposed_by="studio.exhibition")
        draft = reporting.proposal(conn, found)
    console.print(f"exhibition draft queued as proposal {found} for two curators (AI-made):", markup=False)
    for line in draft["evidence"]["choices"]:
        console.print(f"  {line}", markup=False, highlight=False)


@studio_app.command("walltext")
@friendly_errors
def walltext(key: Annotated[str, typer.Argument(help="A work's key, e.g. tate:N01234.")],
             generate: Annotated[bool, typer.Option("--generate", help="Let the configured OpenAI-compatible endpoint "
                                                    "(MUSEION_STUDIO_LLM_URL) write it from the record.")] = False) -> None:
    """Draft a work's wall text from its record and related works (template-made, English and, where the record
    allows, Chinese) and queue it for a curator; shown on the work page, labelled AI-assisted, once accepted."""
    with context.engine().begin() as conn:
        found = descriptions.propose_walltext(conn, context.home(), key, proposed_by="studio.walltext",
                                              endpoint=get_settings() if generate else None)
        draft = reporting.proposal(conn, found)
    console.print(f"wall text draft queued as proposal {found} for a curator (AI-made, {draft['evidence']['model']}, "
                  f"confidence {draft['evidence']['confidence']:.2f}):", markup=False)
    for text in (draft["payload"]["en"], draft["payload"]["zh"]):
        if text:
            console.print(f"  {text}", markup=False, highlight=False)


@studio_app.command("related")
@friendly_errors
def related_(key: Annotated[str, typer.Argument(help="A work's key, e.g. tate:N01234.")],
             limit: Annotated[int, typer.Option(min=1, max=related.MOST, help="At most this many works.")] = 5) -> None:
    """Propose the works most like this one ("more like this" in the search index) as related works, each with the
    terms they share and its score, for a curator; an accepted one is linked and shown on the work page."""
    with context.engine().begin() as conn:
        found = related.propose_related(conn, context.home(), key, limit=limit, proposed_by="studio.related")
        drafts = [reporting.proposal(conn, i) for i in found]
    console.print(f"{len(found)} related work(s) queued for a curator (AI-made):", markup=False)
    for d in drafts:
        console.print(f"  proposal {d['id']}: {d['payload']['works'][1]} (score {d['evidence']['score']}, shared: "
                      f"{', '.join(d['evidence']['shared_terms'])})", markup=False, highlight=False)


@studio_app.command("exhibitions")
@friendly_errors
def exhibitions_(as_json: JsonOpt = False) -> None:
    """The exhibition plans curators accepted, as drafted or edited, newest first."""
    with context.engine().connect() as conn:
        rows = exhibitions.exhibitions(conn)
    show_rows(rows, as_json=as_json, title="exhibition plans", columns={
        "proposal": lambda r: r["proposal_id"], "title": lambda r: r["title"], "theme": lambda r: r["theme"],
        "works": lambda r: len(r["works"]), "decision": lambda r: r["decision"], "decided by": lambda r: r["decided_by"]})


@studio_app.command("index")
@friendly_errors
def index(as_json: JsonOpt = False) -> None:
    """Build the catalogue search index (works and creators) and make it current; the web and API then search it."""
    info = search.build_index(context.engine(), context.home())
    if as_json:
        print_json(info)
        return
    console.print(f"search index built: {info['works']:,} works, {info['creators']:,} creators, {info['terms']:,} terms, "
                  f"{info['bytes'] / 1e6:.1f} MB in {info['seconds']:.1f} s")


@studio_app.command("search")
@friendly_errors
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words, a name or a subject, in English or Chinese (empty: all works).")] = "",
    facet: Annotated[list[str] | None, typer.Option("--facet", help="NAME=VALUE, e.g. era=1800–1849; repeat for several. "
                                                    f"Names: {', '.join(search.FACETS)}.")] = None,
    availability: Annotated[str, typer.Option(help="available, unavailable or any.")] = "available",
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Search the catalogue: works ranked by BM25F over titles, creators, subjects, mediums and descriptions."""
    filters = {}
    for given in facet or ():
        name, sep, value = given.partition("=")
        if not sep:
            raise typer.BadParameter(f"--facet {given!r}: write NAME=VALUE, e.g. medium=Watercolour")
        filters[name.strip()] = value.strip()
    engine = context.engine()
    with engine.connect() as conn:
        found = search.search_works(conn, context.home(), query, filters=filters, availability=availability, limit=limit)
        titles = {r.id: r for r in conn.execute(select(Work.id, Work.key, Work.title, Work.year).where(Work.id.in_(found.ids)))}
    rows = [{"key": titles[i].key, "title": titles[i].title, "year": titles[i].year, "score": round(s, 3)}
            for i, s in zip(found.ids, found.scores) if i in titles]
    if as_json:
        print_json({"total": found.total, "items": rows, "corrections": found.corrections, "facets": found.facets})
        return
    for wrong, right in found.corrections.items():
        console.print(f"searched for {right!r} instead of {wrong!r}")
    show_rows(rows, as_json=False, title=f"{found.total:,} works found",
              columns={"key": lambda r: r["key"], "title": lambda r: r["title"], "year": lambda r: r["year"] or "",
                       "score": lambda r: r["score"]})


studio_app.add_typer(plan_app, name="plan")
