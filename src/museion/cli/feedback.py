"""`museion feedback …`: what members told the review board about a model version (staff: counts and redacted texts)."""

from __future__ import annotations

from typing import Annotated

import typer

from museion.cli import context
from museion.cli.output import console, friendly_errors, print_json, show_rows

feedback_app = typer.Typer(help="Members' flags on recommended items and comments on the disclosure.", no_args_is_help=True)
LANGS = ("en", "zh-Hans")


@feedback_app.command("list")
@friendly_errors
def feedback_list(
    version: Annotated[int | None, typer.Option(help="Model version (default: the deployed one).", min=1)] = None,
    all_rounds: Annotated[bool, typer.Option("--all", help="Also what earlier review rounds considered.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="en or zh-Hans.")] = "en",
) -> None:
    """Counts by reason and the redacted comments since the version's last review round (an access, recorded)."""
    from museion.errors import MuseionError
    from museion.http.i18n import translations
    from museion.privacy import feedback
    from museion.registry import cards, lifecycle
    from museion.web.feedback_pages import REASONS

    if lang not in LANGS:
        raise typer.BadParameter(f"--lang must be {' or '.join(LANGS)}")
    _ = translations(lang).gettext
    with context.engine().begin() as conn:
        version = version or lifecycle.deployed_version_id(conn)
        if version is None:
            raise MuseionError("no version is deployed: name one with --version")
        cards.get_version(conn, version)
        found = feedback.evidence(conn, version, actor=context.CLI_ACTOR, pending_only=not all_rounds)
    if as_json:
        print_json(found.as_dict())
        return
    show_rows([{"reason": _(REASONS[r]), "flags": n} for r, n in found.counts.items()] +
              [{"reason": _("Comments on the disclosure"), "flags": len(found.comments)}], as_json=False,
              title=_("Flags and comments about version %(version)s") % {"version": version},
              columns={_("Flag reason"): lambda r: r["reason"], _("How many"): lambda r: r["flags"]})
    texts = [(f"{f.work_title} · {_(REASONS[f.reason])}", f.text) for f in found.flags if f.text]
    texts += [(_("On the disclosure:"), c.text) for c in found.comments]
    for where, text in texts:
        console.print(f"- {where}: {text}", markup=False, highlight=False)
