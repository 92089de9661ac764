"""`museion privacy assessment`: impact assessments of purposes and model versions, and the privacy officer's sign-off.

A model version that personalises (profiles members) is deployed only with a signed assessment whose review date is
still ahead. Assessments are never edited or deleted; they are kept at least three years and go into the filing pack.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows
from museion.registry import assessments
from museion.security.auth import account_id_for

assessment_app = typer.Typer(
    help="Impact assessments (PIPL 55–56, GDPR 35) of a purpose or a model version: risks, necessity, safeguards, "
         "residual risk and a review date, signed off by the privacy officer (an account with the privacy_officer role). "
         "A version that personalises cannot be deployed without one.\n\nFlow: `museion privacy assessment create "
         "--version N --risks … --necessity … --safeguards … --residual-risk low --residual-notes … --review-by "
         "YYYY-MM-DD`, then `museion privacy assessment sign ID --as OFFICER`.",
    no_args_is_help=True, rich_markup_mode="markdown")

IdArg = Annotated[int, typer.Argument(help="The assessment id (see `museion privacy assessment list`).", min=1)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _date(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: write YYYY-MM-DD") from None


@assessment_app.command("create")
@friendly_errors
def create(
    risks: Annotated[str, typer.Option(help="Risks to the people whose data is processed.")],
    necessity: Annotated[str, typer.Option(help="Why the processing is necessary and proportionate.")],
    safeguards: Annotated[str, typer.Option(help="Measures that reduce the risks.")],
    residual_risk: Annotated[str, typer.Option(help="low, medium or high, after the safeguards.")],
    residual_notes: Annotated[str, typer.Option(help="What risk remains and why it is accepted.")],
    review_by: Annotated[str, typer.Option(help="When it must be reviewed again (YYYY-MM-DD).")],
    version: Annotated[int | None, typer.Option(min=1, help="The model version assessed.")] = None,
    purpose: Annotated[str | None, typer.Option(help="The declared purpose assessed (e.g. personalisation).")] = None,
) -> None:
    """Record an impact assessment of one model version or one purpose (it still needs the privacy officer's sign-off)."""
    with context.engine().begin() as conn:
        found = assessments.create(conn, actor=context.CLI_ACTOR, version_id=version, purpose=purpose, risks=risks,
                                   necessity=necessity, safeguards=safeguards, residual_risk=residual_risk,
                                   residual_notes=residual_notes, review_by=_date(review_by))
    console.print(f"impact assessment {found} recorded; next: the privacy officer signs it with "
                  f"`museion privacy assessment sign {found} --as NAME`")


@assessment_app.command("sign")
@friendly_errors
def sign(
    assessment: IdArg,
    signer: Annotated[str, typer.Option("--as", help="The privacy officer's account name.")],
) -> None:
    """Sign an assessment off as the privacy officer (once; a changed assessment is recorded anew)."""
    with context.engine().begin() as conn:
        done = assessments.sign(conn, assessment, signer_account_id=account_id_for(conn, signer), actor=context.CLI_ACTOR)
    console.print(f"impact assessment {assessment} ({done['subject']}) signed by {signer}; review it by {done['review_by']:%Y-%m-%d}")


@assessment_app.command("show")
@friendly_errors
def show(
    assessment: IdArg,
    lang: Annotated[str, typer.Option("--lang", help="en or zh-Hans.")] = "en",
    as_json: JsonOpt = False,
) -> None:
    """One assessment in full, in English or Simplified Chinese."""
    if lang not in assessments.LANGS:
        raise typer.BadParameter(f"--lang must be {' or '.join(assessments.LANGS)}")
    with context.engine().connect() as conn:
        found = assessments.get(conn, assessment)
    if as_json:
        print_json(found)
    else:
        console.print(assessments.render_markdown(found, lang), markup=False, highlight=False)


@assessment_app.command("list")
@friendly_errors
def list_(
    version: Annotated[int | None, typer.Option(min=1, help="Only this model version's.")] = None,
    purpose: Annotated[str | None, typer.Option(help="Only this purpose's.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Impact assessments, newest first, with their sign-off and review date (kept at least three years, never deleted)."""
    with context.engine().connect() as conn:
        rows = assessments.assessments(conn, version_id=version, purpose=purpose)
    show_rows(rows, as_json=as_json, title="impact assessments", columns={
        "id": lambda r: r["id"], "subject": lambda r: r["subject"], "residual": lambda r: r["residual_risk"],
        "signed": lambda r: f"{r['signed_by']} {r['signed_at']:%Y-%m-%d}" if r["signed_at"] else "not signed",
        "review by": lambda r: f"{r['review_by']:%Y-%m-%d}", "current": lambda r: "yes" if r["current"] else "no",
        "kept until": lambda r: f"{r['retain_until']:%Y-%m-%d}",
    })
