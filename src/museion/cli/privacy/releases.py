"""`museion privacy release …`: de-identified releases: DP histograms under a budget, k-anonymous tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.jobs import progress_lines
from museion.cli.output import console, friendly_errors, print_json

release_app = typer.Typer(help="De-identified releases: DP histograms under a budget, k-anonymous tables.",
                          no_args_is_help=True)
DatasetArg = Annotated[str, typer.Argument(help="Member source, e.g. movielens.")]


@release_app.command("budget")
@friendly_errors
def release_budget(dataset: DatasetArg,
                   total: Annotated[float | None, typer.Option(help="Set the total epsilon (once; never raised).")] = None) -> None:
    """Show (or set, once) a dataset's differential-privacy budget and what has been spent."""
    from museion.privacy import releases

    with context.engine().begin() as conn:
        if total is not None:
            releases.set_budget(conn, dataset, total)
        ledger = releases.budget(conn, dataset)
    console.print(f"{dataset}: ε total {ledger.total_epsilon:g}, spent {ledger.spent:g} in {len(ledger.spends)} "
                  f"release(s), remaining {ledger.remaining:g}")


@release_app.command("histogram")
@friendly_errors
def release_histogram(dataset: DatasetArg,
                      by: Annotated[str, typer.Option(help="genre or kind.")] = "genre",
                      epsilon: Annotated[float, typer.Option(help="Privacy loss charged to the budget.")] = 0.5,
                      max_contributions: Annotated[int, typer.Option(help="Events counted per member at most.")] = 50,
                      as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Noisy activity counts per genre or kind (OpenDP); refused when the budget would be exceeded."""
    from museion.privacy import releases

    release = releases.activity_histogram(context.engine(), dataset, by, epsilon=epsilon, actor=context.CLI_ACTOR,
                                          max_contributions=max_contributions,
                                          progress=None if as_json else progress_lines("release"))
    body = {"dataset": dataset, "by": by, "epsilon": release.epsilon, "mechanism": release.mechanism,
            "error_bound": release.error_bound, "confidence": release.confidence,
            "max_contributions": release.max_contributions, "counts": release.as_dict()}
    if as_json:
        print_json(body)
        return
    table = Table(title=f"{dataset}: activity per {by} (ε={release.epsilon:g}; each count within ±{release.error_bound:,.0f} "
                        f"with {release.confidence:.0%} probability)")
    table.add_column(by)
    table.add_column("noisy count", justify="right")
    for category, count in body["counts"].items():
        table.add_row(str(category), f"{count:,}")
    console.print(table)


@release_app.command("k-anonymous")
@friendly_errors
def release_kanon(source: Annotated[str, typer.Argument(help="Creator source, e.g. moma.")],
                  k: Annotated[int, typer.Option(min=2, help="Smallest group size.")] = 5,
                  output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write.")] = Path("creators-k5.csv"),
                  ) -> None:
    """Release creators' nationality, gender and birth year generalised until every group has ≥ k people."""
    from museion.privacy import releases

    with context.engine().begin() as conn:
        report, _table = releases.k_anonymous_creators(conn, source, k=k, output=output, actor=context.CLI_ACTOR)
    console.print(f"wrote {report['rows'] - report['suppressed']:,} rows to {output}: k={report['k']}, "
                  f"{report['suppressed']:,} suppressed ({report['suppressed_pct']:.2f}%), information loss "
                  f"{report['information_loss']:.4f}, levels {report['levels']}")
