"""`museion evaluate`, `train` and `recommend`: offline evaluation, versioned training, and top-k lists with reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from museion.cli import context
from museion.cli.datasets import dataset_source
from museion.cli.jobs import progress_lines
from museion.cli.output import console, err_console, friendly_errors, print_json
from museion.errors import MuseionError

if TYPE_CHECKING:
    from museion.recommend.interactions import InteractionPolicy

DatasetOpt = Annotated[str | None, typer.Option(help="Evaluate on a known dataset's events (loaded first if needed).")]
SourceOpt = Annotated[str | None, typer.Option(help="Use events of members from this source (default: all).")]
KindsOpt = Annotated[str | None, typer.Option(help="Event kinds that count, with the weight of one event of each, e.g. "
                                                   "borrow=1,visit=0.3 [default: rating, play, purchase, like, view, each 1]")]
ThresholdOpt = Annotated[float | None, typer.Option(help="Ratings at or above this count as positive signals [default: 3.0]")]
HalfLifeOpt = Annotated[float | None, typer.Option(help="Time decay: an event loses half its weight every this many days "
                                                        "[default: no decay]")]
CoreOpt = Annotated[str | None, typer.Option(help="k-core: keep members and works with at least this many interactions, or "
                                                  "auto: the largest k from 5 down to 1 that keeps 80% of the members [default: 5]")]
EngineOpt = Annotated[str, typer.Option("--engine", help="local: partitions in this process; ray: partitions as tasks on a "
                                                          "Ray cluster (needs `pip install 'museion[scale]'`).")]
RayAddressOpt = Annotated[str | None, typer.Option("--ray-address", help="HOST:PORT (or ray://HOST:PORT) of a running Ray "
                                                                         "cluster's head [default: start Ray on this machine]")]
PartitionsOpt = Annotated[int, typer.Option(min=1, max=65536, help="Member partitions (units of work and of resuming).")]
PolicyFileOpt = Annotated[Path | None, typer.Option(help="TOML file with the interaction policy (kinds, rating_threshold, "
                                                         "half_life_days, min_interactions); options given as well win.")]


def _policy(policy_file: Path | None, kinds: str | None, rating_threshold: float | None, half_life_days: float | None,
            min_interactions: str | None) -> InteractionPolicy:
    from museion.recommend.policy_settings import policy_from

    return policy_from(policy_file, {"kinds": kinds, "rating_threshold": rating_threshold, "half_life_days": half_life_days,
                                     "min_interactions": min_interactions})


def _print_policy(record: dict[str, Any]) -> None:
    from museion.recommend.funnel import core_note, policy_summary

    console.print(policy_summary(record), markup=False)
    note = core_note(record)
    if note:
        console.print(note, markup=False)


@friendly_errors
def evaluate(
    models: Annotated[str, typer.Option(help="Comma-separated: pop,trending,itemknn,als,bpr,ease,content.")] = "pop,itemknn,als,ease",
    dataset: DatasetOpt = None,
    source: SourceOpt = None,
    protocol: Annotated[str, typer.Option(help="ratio-811 (per-member random 8:1:1), loo (leave last out), time (global cut).")] = "ratio-811",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Cut-off for the metrics.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed for the split and the models.")] = 2024,
    kinds: KindsOpt = None,
    rating_threshold: ThresholdOpt = None,
    half_life_days: HalfLifeOpt = None,
    min_interactions: CoreOpt = None,
    policy_file: PolicyFileOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every model's figures to this JSON file.")] = None,
    save_split: Annotated[Path | None, typer.Option(help="Write the exact train/valid/test CSVs here.")] = None,
    trials: Annotated[int | None, typer.Option(min=1, max=500, help="Search each model's wide ranges with this many "
                                               "trials (Optuna, validation only) instead of the small grid.")] = None,
) -> None:
    """Offline evaluation: parameters chosen on validation, metrics reported on test, full rankings."""
    from museion.recommend.training import evaluate as run_evaluation

    chosen = [m.strip() for m in models.split(",") if m.strip()]
    policy = _policy(policy_file, kinds, rating_threshold, half_life_days, min_interactions)
    result = run_evaluation(context.engine(), chosen, source=dataset_source(dataset, source), actor=context.CLI_ACTOR,
                            protocol=protocol, seed=seed, k=k, policy=policy, save_split=save_split,
                            trials=trials)
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
    _print_policy(result.policy)


@friendly_errors
def train(
    model: Annotated[str, typer.Option(help="pop, trending, itemknn, als, bpr, ease, rp3beta, content, or auto (EASE "
                                            "when its work × work matrix fits in memory, else ALS).")] = "ease",
    param: Annotated[list[str], typer.Option("--param", "-p", help="NAME=VALUE model parameter; repeatable.")] = [],  # noqa: B006
    dataset: DatasetOpt = None,
    source: SourceOpt = None,
    kinds: KindsOpt = None,
    rating_threshold: ThresholdOpt = None,
    half_life_days: HalfLifeOpt = None,
    min_interactions: CoreOpt = None,
    policy_file: PolicyFileOpt = None,
    evaluate_first: Annotated[bool, typer.Option("--evaluate/--no-evaluate", help="Attach a ratio-811 evaluation with these parameters.")] = True,
    tune: Annotated[bool, typer.Option("--tune/--no-tune", help="Search the parameters not given with --param on a "
                                       "ratio-811 validation part first (never the test part).")] = False,
    trials: Annotated[int | None, typer.Option(min=1, max=500, help="Trials of the --tune search (default: per model).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the model (and the evaluation split).")] = 2024,
) -> None:
    """Train a model version on all selected events and save it as a versioned artifact."""
    from museion.recommend.training import parse_params, plan_training
    from museion.recommend.training import train as run_training

    params = parse_params(param)
    src = dataset_source(dataset, source)
    policy = _policy(policy_file, kinds, rating_threshold, half_life_days, min_interactions)
    engine, home = context.engine(), context.home()
    report = progress_lines("train")
    if tune or evaluate_first:
        report(0.05, f"{'searching parameters for' if tune else 'evaluating'} {model} on a ratio-811 split")
    plan = plan_training(engine, model, params, source=src, actor=context.CLI_ACTOR, policy=policy, seed=seed, tune=tune,
                         trials=trials, evaluate=evaluate_first)
    evaluation = plan.evaluation
    if "routing" in evaluation:
        console.print(f"model: {evaluation['routing']['reason']}")
    if "search" in evaluation:
        cost = evaluation["search"]
        console.print(f"parameter search ({cost['method']}, on validation only): {cost['trials']} trials in "
                      f"{cost['seconds']:.1f} s; chose " + ", ".join(f"{k}={v}" for k, v in cost["params"].items()))
    report(0.5, f"fitting {plan.algorithm} on all events and saving the artifact")
    version = run_training(engine, home, plan.algorithm, source=src, actor=context.CLI_ACTOR, params=plan.params,
                           policy=policy, evaluation=evaluation or None, seed=seed)
    console.print(f"model version {version.id}: {version.algorithm} on {version.n_members:,} members × {version.n_works:,} "
                  f"works; artifact {home / version.artifact}")
    _print_policy(version.policy)
    console.print(f"it is a draft and serves nothing until reviewed and deployed: read its card with `museion registry "
                  f"card {version.id}`, then `museion registry submit {version.id} --as AUTHOR` (see `museion review --help`)")
    if evaluation.get("metrics"):
        console.print("test metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in evaluation["metrics"].items() if "@" in k))


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
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File for --all: .jsonl (a line per member) or "
                                                                       ".parquet (a row per recommended work).")] = None,
    engine_name: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    partitions: PartitionsOpt = 16,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Top-k works for a member, each with the reason it was recommended; or, with --all, for everyone (resumable:
    a run stopped half-way continues from its finished partitions)."""
    if all_members:
        if output is None:
            raise MuseionError("--all writes a file: add --output recommendations.jsonl")
        from museion.scale.engine import open_engine
        from museion.scale.scoring import output_format, score_all

        output_format(output)
        compute = open_engine(engine_name, ray_address)
        done = score_all(context.engine(), context.home(), output, compute, k=k, actor=context.CLI_ACTOR, partitions=partitions,
                         version=version, progress=progress_lines("recommend"))
        resumed = f", {done['resumed']} partitions resumed" if done["resumed"] else ""
        err_console.print(f"wrote top-{k} lists with reasons for {done['members']:,} members to {output} "
                          f"({done['partitions']} partitions on the {done['engine']} engine{resumed})")
        return
    if engine_name != "local" or ray_address:
        raise MuseionError("--engine and --ray-address apply to --all only")
    from museion.fairness.serving import open_recommender

    service = open_recommender(context.engine(), context.home(), version)
    if member is None:
        raise MuseionError("name a member (e.g. movielens:1), or use --all --output FILE")
    served = service.recommend(member, k, actor=context.CLI_ACTOR, kind=kind, personalise=personalise, log=False)  # a staff preview
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
