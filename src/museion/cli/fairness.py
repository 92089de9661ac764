"""`museion audit fairness` and `museion rerank-curve`: fairness audits of model versions and accuracy-vs-fairness curves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.datasets import dataset_source
from museion.cli.jobs import progress_lines
from museion.cli.output import console, friendly_errors, print_json
from museion.cli.recommend import EngineOpt, PartitionsOpt, RayAddressOpt
from museion.errors import MuseionError


def _write(path: Path, text: str) -> None:
    """Write whole or not at all: a partial file never replaces a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def parse_strengths(text: str) -> list[float]:
    """'0,0.1,0.5,1' or 'START:STOP:STEP' (inclusive, e.g. 0:1:0.1) → the strength grid."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0:
                raise ValueError
            count = int(round((stop - start) / step)) + 1
            return [round(start + i * step, 10) for i in range(count)]
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise MuseionError(f"--strengths {text!r}: give comma-separated numbers (0,0.1,0.5,1) or START:STOP:STEP (0:1:0.1)") from None


def _summary_table(title: str, summary: dict[str, Any]) -> Table:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in summary.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    return table


@friendly_errors
def audit_fairness(
    version: Annotated[int, typer.Argument(help="The model version to audit (see `museion train`).")],
    scope: Annotated[str, typer.Option(help="evaluation: refit on its 8:1 train+valid data and audit the test members' lists; "
                                            "served: audit the lists actually served under it.")] = "evaluation",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="List length audited (evaluation scope).")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for the split and the bootstrap intervals.")] = 2024,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full audit record to this JSON file.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the report with charts to this HTML file (opens offline).")] = None,
    as_json: Annotated[bool, typer.Option("--print-json", help="Print the full record as JSON instead of the summary.")] = False,
    engine_name: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    partitions: PartitionsOpt = 16,
) -> None:
    """Audit a model version for fairness: who gets exposure (popularity tier, era, creator attributes), who is
    served well (NDCG/Recall per activity level with 95% CIs), calibration and data balance. The record is stored
    and the run enters the audit chain."""
    from museion.fairness.report import audit_figures, audit_json, audit_title, standalone_html
    from museion.scale.audit import run_partitioned_audit
    from museion.scale.engine import open_engine

    compute = open_engine(engine_name, ray_address)
    record = run_partitioned_audit(context.engine(), context.home(), version, compute, scope=scope, actor=context.CLI_ACTOR, k=k,
                                   seed=seed, partitions=partitions, progress=None if as_json else progress_lines("audit"))
    if json_out:
        _write(json_out, audit_json(record))
    if html_out:
        _write(html_out, standalone_html(audit_title(record), record["summary"], audit_figures(record)))
    if as_json:
        print_json(record)
        return
    console.print(_summary_table(audit_title(record), record["summary"]))


@friendly_errors
def rerank_curve(
    dataset: Annotated[str | None, typer.Option(help="Use a known dataset's events (loaded first if needed).")] = None,
    source: Annotated[str | None, typer.Option(help="Use events of members from this source (default: all).")] = None,
    model: Annotated[str, typer.Option(help="pop, itemknn, als, bpr, ease or content (tuned on validation first).")] = "ease",
    reranker: Annotated[str, typer.Option(help="xquad (provider exposure), calibrated (Steck), longtail or mmr.")] = "xquad",
    strengths: Annotated[str, typer.Option(help="Strength grid: 0,0.1,0.5,1 or START:STOP:STEP; must start at 0.")] = "0:1:0.1",
    param: Annotated[list[str], typer.Option("--param", "-p", help="NAME=VALUE re-ranker parameter (depth, target, saturation).")] = [],  # noqa: B006
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="List length.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for the split and the model.")] = 2024,
    json_out: Annotated[Path, typer.Option("--json", help="Where to write the curve as JSON.")] = Path("rerank-curve.json"),
    html_out: Annotated[Path, typer.Option("--html", help="Where to write the plot (HTML, opens offline).")] = Path("rerank-curve.html"),
) -> None:
    """Accuracy against fairness over a re-ranker's strength: NDCG@k vs head–tail exposure gap, long-tail share
    and miscalibration on the evaluation split, as JSON and an HTML plot."""
    from museion.fairness.curve import rerank_curve as run_curve
    from museion.fairness.report import curve_figures, standalone_html
    from museion.recommend.training import parse_params

    curve = run_curve(context.engine(), source=dataset_source(dataset, source), model=model, reranker=reranker,
                      strengths=parse_strengths(strengths), actor=context.CLI_ACTOR, k=k, seed=seed, params=parse_params(param),
                      progress=progress_lines("curve"))
    _write(json_out, json.dumps(curve, indent=2, allow_nan=False) + "\n")
    title = f"{model} + {reranker} on {curve['members']:,} test members"
    _write(html_out, standalone_html(title, curve["headline"], curve_figures(curve)))
    table = Table(title=title)
    columns = ("strength", f"ndcg@{k}", f"recall@{k}", "head_tail_exposure_gap", "long_tail_share", "miscalibration_kl")
    for column in columns:
        table.add_column(column, justify="right")
    for point in curve["points"]:
        table.add_row(*(("—" if point.get(c) is None else f"{point[c]:.4f}") for c in columns))
    console.print(table)
    h = curve["headline"]
    loss = "—" if h["relative_ndcg_loss"] is None else f"{h['relative_ndcg_loss']:.1%}"
    cut = "—" if h["gap_reduction"] is None else f"{h['gap_reduction']:.1%}"
    console.print(f"within {h['max_relative_ndcg_loss']:.0%} NDCG loss: strength {h['chosen_strength']:g} cuts the head–tail "
                  f"exposure gap by {cut} at {loss} NDCG loss; wrote {json_out} and {html_out}")


@friendly_errors
def rerank_version(
    version: Annotated[int, typer.Argument(help="The trained model version whose fitted model the new version reuses.")],
    reranker: Annotated[str, typer.Option(help="xquad (provider exposure), calibrated (Steck), longtail or mmr.")] = "xquad",
    strength: Annotated[float, typer.Option(min=0.0, max=1.0, help="λ: 0 keeps the model's order, 1 follows the re-ranker's goal only.")] = 0.85,
    param: Annotated[list[str], typer.Option("--param", "-p", help="NAME=VALUE re-ranker parameter (depth, target, saturation).")] = [],  # noqa: B006
) -> None:
    """Record a new model version = an existing version's model + a re-ranker with its strength and parameters.
    It starts as a draft like any version: audit it (`museion audit fairness`), then have it reviewed."""
    from museion.fairness.rerank import RerankSpec
    from museion.fairness.service import reranked_version
    from museion.recommend.training import parse_params

    spec = RerankSpec(reranker, strength, parse_params(param))
    created = reranked_version(context.engine(), version, spec, actor=context.CLI_ACTOR)
    console.print(f"model version {created.id}: version {version}'s {created.algorithm} model + {spec.name} "
                  f"(strength {spec.strength:g}, {', '.join(f'{k}={v}' for k, v in spec.params.items())})")
