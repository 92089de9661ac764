"""`museion`: set up the store, load data, inspect the catalogue and serve the web app.

Start with `museion demo` (what `make run` runs), or `museion init` then `museion ingest …`.
This module only assembles the command line; each command group lives in its own module.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperOption

from museion import __version__
from museion.cli.assessments import assessment_app
from museion.cli.catalog import catalog_app, export_app
from museion.cli.database import db_app, init
from museion.cli.datasets import datasets_app
from museion.cli.demo import demo
from museion.cli.doctor import doctor
from museion.cli.fairness import rerank_curve, rerank_version
from museion.cli.feedback import feedback_app
from museion.cli.heritage import heritage_app
from museion.cli.heritage_edm import edm_app  # noqa: F401  (registers `heritage edm` and `heritage iiif` on the heritage group)
from museion.cli.ingest import ingest_app
from museion.cli.insight_plans import insight_app  # the insight group, with plan, segments and outlook registered on it
from museion.cli.jobs import jobs_app
from museion.cli.oai import harvest, oai_app
from museion.cli.output import console
from museion.cli.privacy.consent import consent_app
from museion.cli.privacy.members import member_app
from museion.cli.privacy.records import access_log, export_ropa, pseudonym, purposes
from museion.cli.privacy.releases import release_app
from museion.cli.privacy.requests import request_app
from museion.cli.privacy.text import detect_pii, redact_text
from museion.cli.privacy.vault import vault_app
from museion.cli.queue import queue_app
from museion.cli.rights import rights_app
from museion.cli.risk import risk_app
from museion.cli.experiments import experiment_app
from museion.cli.recommend import evaluate, recommend, train
from museion.cli.registry import registry_app, review_app
from museion.cli.security import audit_app, tokens_app, users_app
from museion.cli.studio import studio_app
from museion.cli.serve import serve

app = typer.Typer(
    help="Museion: responsible AI for cultural organisations' catalogue and audience data.\n\n"
    "Quick start: `museion demo` loads the sample datasets into an embedded database and serves the web app. "
    "Configure with MUSEION_DATABASE_URL (PostgreSQL in production), MUSEION_HOME and MUSEION_DATASETS_DIR.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
# Typer's rich help prints "<bool>" beside every flag (its plain help does not): a flag takes no value, so show none.
_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else _option_type(self, ctx)  # type: ignore[method-assign]

privacy_app = typer.Typer(help="Privacy: purposes and data map, consents, access records.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"museion {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Museion command line."""


app.command("init")(init)
app.command("demo")(demo)
app.command("serve")(serve)
app.command("doctor")(doctor)
app.command("train")(train)
app.command("evaluate")(evaluate)
app.command("recommend")(recommend)
app.command("rerank-version")(rerank_version)
app.command("rerank-curve")(rerank_curve)
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
app.add_typer(studio_app, name="studio")
app.add_typer(feedback_app, name="feedback")
app.add_typer(jobs_app, name="jobs")
app.add_typer(queue_app, name="queue")
app.add_typer(rights_app, name="rights")
app.add_typer(risk_app, name="risk")
app.add_typer(experiment_app, name="experiment")
app.add_typer(insight_app, name="insight")
app.add_typer(heritage_app, name="heritage")
app.command("harvest")(harvest)
app.add_typer(oai_app, name="oai")

privacy_app.command("purposes")(purposes)
privacy_app.command("export-ropa")(export_ropa)
privacy_app.command("access-log")(access_log)
privacy_app.command("detect-pii")(detect_pii)
privacy_app.command("redact")(redact_text)
privacy_app.command("pseudonym")(pseudonym)
privacy_app.add_typer(consent_app, name="consent")
privacy_app.add_typer(request_app, name="request")
privacy_app.add_typer(vault_app, name="vault")
privacy_app.add_typer(release_app, name="release")
privacy_app.add_typer(member_app, name="member")
privacy_app.add_typer(assessment_app, name="assessment")
