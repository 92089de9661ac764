"""The kinds of long work Museion runs as jobs: fairness audits, re-ranker trade-off curves, DP histogram
releases, training a model version or the subject suggester, and scanning the catalogue for near-duplicate
records. Each reads its parameters, reports progress (where a cancellation
stops it) and returns a JSON result; each capability writes in one transaction at its end, or gives back
what it reserved, so a cancelled or failed job leaves nothing half-written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from museion.jobs import JobContext, register
from museion.jobs_kinds.followups import followed


@dataclass(frozen=True)
class Kind:
    """A job kind as the faces show it: where its result is read. Who may start it is each starting route's
    declared permission; whoever started a job may see and cancel it (admins: every job)."""

    name: str

    def links(self, job: dict[str, Any]) -> dict[str, str]:
        """``api`` and ``web`` addresses of a succeeded job's result (empty when the result is in the job itself)."""
        result = job.get("result") or {}
        if self.name == "fairness_audit" and "audit_id" in result:
            version, audit = result["model_version_id"], result["audit_id"]
            return {"api": f"/api/registry/versions/{version}/fairness-audits/{audit}", "web": f"/fairness/{version}?audit={audit}"}
        if self.name == "rerank_curve" and job.get("status") == "succeeded":
            return {"web": f"/fairness?curve_job={job['id']}"}
        if self.name == "duplicate_scan" and job.get("status") == "succeeded":
            return {"api": "/api/queue?kind=rights.duplicate&status=open", "web": "/queue?kind=rights.duplicate&status=open"}
        if self.name == "creator_match" and job.get("status") == "succeeded":
            return {"api": "/api/queue?kind=heritage.same_creator&status=open", "web": "/queue?kind=heritage.same_creator&status=open"}
        if self.name == "shilling_scan" and job.get("status") == "succeeded":
            return {"api": "/api/risk/alerts?kind=shilling", "web": "/risk/alerts?kind=shilling"}
        if self.name == "search_index" and job.get("status") == "succeeded":
            return {"api": "/api/studio/search", "web": "/catalogue"}
        if self.name == "subject_training" and "model_version_id" in result:
            return {"api": "/api/studio/suggester", "web": "/studio/suggestions"}
        if self.name == "insight_forecast" and job.get("status") == "succeeded":
            return {"api": f"/api/insight/forecasts/{job['id']}", "web": f"/insight/forecast?run={job['id']}"}
        if self.name == "outlook_evaluation" and job.get("status") == "succeeded":
            return {"web": f"/insight/outlook?evaluation={job['id']}"}
        if self.name == "insight_segments" and job.get("status") == "succeeded":
            return {"api": f"/api/insight/segments/{job['id']}", "web": f"/insight/segments?job={job['id']}"}
        if self.name == "insight_plan" and "plan_id" in result:
            return {"api": f"/api/insight/plans/{result['plan_id']}", "web": f"/insight/planner/{result['plan_id']}"}
        if self.name == "insight_plan" and job.get("status") == "succeeded":
            return {"web": f"/insight/planner?job={job['id']}"}
        if self.name in ("experiment_metrics", "experiment_simulation") and "rollout_id" in result:
            return {"api": f"/api/experiments/rollouts/{result['rollout_id']}", "web": f"/experiments/{result['rollout_id']}"}
        if self.name == "rights_index" and job.get("status") == "succeeded":
            return {"api": "/api/rights/submissions", "web": "/rights/submissions"}
        if self.name == "rights_match" and "submission" in result:
            return {"api": f"/api/rights/submissions/{result['submission']}", "web": f"/rights/submissions/{result['submission']}"}
        if self.name == "edm_check" and job.get("status") == "succeeded":
            return {"api": "/api/heritage/edm/report", "web": "/heritage/edm"}
        if self.name == "oai_harvest" and job.get("status") in ("succeeded", "failed"):
            return {"api": "/api/heritage/harvests", "web": "/heritage/harvest"}
        if self.name == "batch_scoring" and job.get("status") == "succeeded":
            return {"api": f"/api/scale/batch-scoring/{job['id']}/output", "web": f"/api/scale/batch-scoring/{job['id']}/output"}
        if self.name == "training" and "model_version_id" in result:
            return {"api": f"/api/registry/versions/{result['model_version_id']}", "web": "/models"}
        return {}


def fairness_audit(ctx: JobContext) -> dict[str, Any]:
    """The audit, its members' lists and statistics mapped over partitions on the engine named (local by default)."""
    from museion.scale.audit import run_partitioned_audit
    from museion.scale.engine import open_engine

    p = ctx.params
    compute = open_engine(p.get("engine", "local"))
    record = run_partitioned_audit(ctx.engine, ctx.home, int(p["version_id"]), compute, scope=p["scope"], actor=ctx.actor,
                                   k=int(p["k"]), seed=int(p["seed"]), partitions=int(p.get("partitions", 16)), progress=ctx.report)
    return {"audit_id": record["id"], "model_version_id": record["model_version_id"], "scope": record["scope"],
            "summary": record["summary"], "engine": compute.name}


def rerank_curve(ctx: JobContext) -> dict[str, Any]:
    from museion.fairness.curve import rerank_curve as run_curve

    p = ctx.params
    return run_curve(ctx.engine, source=p.get("source"), model=p["model"], reranker=p["reranker"], strengths=list(p["strengths"]),
                     actor=ctx.actor, k=int(p.get("k", 10)), seed=int(p.get("seed", 2024)), params=p.get("params") or None,
                     progress=ctx.report)


def dp_histogram(ctx: JobContext) -> dict[str, Any]:
    from museion.privacy import releases

    p = ctx.params
    release = releases.activity_histogram(ctx.engine, p["dataset"], p["by"], epsilon=float(p["epsilon"]), actor=ctx.actor,
                                          max_contributions=int(p["max_contributions"]), progress=ctx.report)
    with ctx.engine.connect() as conn:
        remaining = releases.budget(conn, p["dataset"]).remaining
    return {"dataset": p["dataset"], "by": p["by"], "epsilon": release.epsilon, "mechanism": release.mechanism,
            "error_bound": release.error_bound, "confidence": release.confidence, "max_contributions": release.max_contributions,
            "counts": {str(k): v for k, v in release.as_dict().items()}, "remaining_epsilon": remaining}


def training(ctx: JobContext) -> dict[str, Any]:
    """Evaluate first (cancellable after it), then fit and record the version: the fit itself runs to the end."""
    from museion.recommend.training import plan_training, train

    p = ctx.params
    params, source, seed = dict(p.get("params") or {}), p.get("source"), int(p.get("seed", 2024))
    tune, evaluate = bool(p.get("tune", False)), bool(p.get("evaluate", True))
    if tune or evaluate:
        ctx.report(0.05, f"{'searching parameters for' if tune else 'evaluating'} {p['algorithm']} on a ratio-811 split")
    plan = plan_training(ctx.engine, p["algorithm"], params, source=source, actor=ctx.actor, seed=seed, tune=tune,
                         trials=p.get("trials"), evaluate=evaluate)
    ctx.report(0.5, f"fitting {plan.algorithm} on all events and saving the artifact")
    version = train(ctx.engine, ctx.home, plan.algorithm, source=source, actor=ctx.actor, params=plan.params,
                    evaluation=plan.evaluation or None, seed=seed)
    return {"model_version_id": version.id, "algorithm": version.algorithm, "members": version.n_members, "works": version.n_works,
            "test_metrics": plan.evaluation.get("metrics"), "search": plan.evaluation.get("search"),
            "routing": (plan.evaluation.get("routing") or {}).get("reason")}


def duplicate_scan(ctx: JobContext) -> dict[str, Any]:
    """Scan the catalogue for near-duplicate records and queue the best new pairs for curators, in one transaction."""
    from museion.rights.matching import scan

    p = ctx.params
    ctx.report(0.05, "indexing the catalogue's records (MinHash over title, creators and medium)")
    with ctx.engine.begin() as conn:  # no progress reports inside: on SQLite this transaction holds the write lock
        found = scan(conn, source=p.get("source"), limit=int(p.get("limit", 50)), threshold=p.get("threshold"))
    return {"records": found.records, "threshold": found.threshold, "matches": found.matches, "proposed": found.proposed}


def subject_training(ctx: JobContext) -> dict[str, Any]:
    """Train a subject-suggester version on the catalogue and every decision people made on earlier suggestions."""
    from museion.studio.suggestions import train_suggester

    ctx.report(0.05, "reading the catalogue's works and people's decisions, then training and evaluating")
    version_id = train_suggester(ctx.engine, ctx.home, actor=ctx.actor)
    return {"model_version_id": version_id}


def insight_forecast(ctx: JobContext) -> dict[str, Any]:
    """Backtest, choose and forecast every series of a grouping (demand through the gate, or catalogue counts)."""
    from museion.scale.engine import open_engine
    from museion.scale.forecasting import run_partitioned_forecast

    p = ctx.params
    compute = open_engine(p.get("engine", "local"))
    return run_partitioned_forecast(ctx.engine, ctx.actor, compute, partitions=int(p.get("partitions", 16)),
                                    measure=p.get("measure", "demand"), by=p.get("by", "genre"),
                                    period=p.get("period", "month"), groups=p.get("groups") or None, top=p.get("top"),
                                    horizon=int(p.get("horizon", 6)), origins=int(p.get("origins", 8)),
                                    models=p.get("models") or ("AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive", "Naive"),
                                    kinds=p.get("kinds") or None, source=p.get("source"), dp_epsilon=p.get("dp_epsilon"),
                                    reconcile=bool(p.get("reconcile")), progress=ctx.report)


RUNS = {"fairness_audit": fairness_audit, "rerank_curve": rerank_curve, "dp_histogram": dp_histogram, "training": training,
        "duplicate_scan": duplicate_scan, "subject_training": subject_training}
def shilling_scan(ctx: JobContext) -> dict[str, Any]:
    """Run the fake-profile detector over the stored ratings (or, with ``simulate``, an attack drill on a scratch copy)
    and record the alerts, in one transaction."""
    from museion.risk import delivery, detection

    p = ctx.params
    ctx.report(0.05, "reading ratings for the integrity purpose, then profile features and target analysis")
    with ctx.engine.begin() as conn:
        if p.get("simulate"):
            found = detection.simulate_attack(conn, actor=ctx.actor, kind=p.get("type", "average"),
                                              intent=p.get("intent", "push"), size=float(p.get("size", 0.05)),
                                              filler=float(p.get("filler", 0.03)), target=p.get("target"),
                                              source=p.get("source"), seed=int(p.get("seed", 0)),
                                              filler_from=p.get("filler_from", "random"),
                                              method=p.get("method", "features"))
        else:
            found = detection.scan(conn, actor=ctx.actor, source=p.get("source"), method=p.get("method", "features"))
    delivery.deliver(ctx.engine, found.new, delivery.load(ctx.home))  # after the commit: attempts recorded on the alert
    return found.as_dict()


RUNS["shilling_scan"] = shilling_scan  # museion.risk
RUNS["insight_forecast"] = insight_forecast


def outlook_evaluation(ctx: JobContext) -> dict[str, Any]:
    """The new-work outlook on a time split against the genre-mean baseline (first-year demand through the gate)."""
    from museion.insight.outlooks import evaluation

    ctx.report(0.05, "reading first-year demand through the gate, then forecasting the later works from the earlier ones")
    with ctx.engine.begin() as conn:
        return evaluation(conn, ctx.actor, test_share=float(ctx.params.get("test_share", 0.2)))


RUNS["outlook_evaluation"] = outlook_evaluation  # museion.insight (outlook)
RUNS["training"] = followed(training)  # then the risk detectors (museion.jobs_kinds.followups)


def insight_plan(ctx: JobContext) -> dict[str, Any]:
    """Solve and explain a plan, compare scenarios, or propose a plan for review (museion.insight planner)."""
    from museion.insight.plan_jobs import run_plan

    return run_plan(ctx.engine, ctx.actor, ctx.params, ctx.report)


def insight_segments(ctx: JobContext) -> dict[str, Any]:
    """Audience segments with their profiles and stability across seeds (members through the gate)."""
    from museion.insight.plan_jobs import run_segments

    return run_segments(ctx.engine, ctx.actor, ctx.params, ctx.report)


RUNS["insight_plan"] = insight_plan
RUNS["insight_segments"] = insight_segments


def experiment_metrics(ctx: JobContext) -> dict[str, Any]:
    """A rollout's online metrics from served traffic, then its stop rules (museion.experiments)."""
    from museion.experiments.measure import measure_served

    return measure_served(ctx.engine, ctx.home, int(ctx.params["rollout_id"]), actor=ctx.actor, progress=ctx.report)


def experiment_simulation(ctx: JobContext) -> dict[str, Any]:
    """Simulated traffic on a running rollout, labelled simulated (museion.experiments)."""
    from museion.experiments.simulate import simulate

    p = ctx.params
    return simulate(ctx.engine, ctx.home, int(p["rollout_id"]), actor=ctx.actor, members=int(p.get("members", 300)),
                    days=int(p.get("days", 7)), seed=int(p.get("seed", 0)), progress=ctx.report)


def experiment_replay(ctx: JobContext) -> dict[str, Any]:
    """Offline replay of a candidate against the deployed version's served lists (museion.experiments)."""
    from museion.experiments.offline import replay_served

    p = ctx.params
    return replay_served(ctx.engine, ctx.home, int(p["version_id"]), actor=ctx.actor, days=int(p.get("days", 30)),
                         k=int(p.get("k", 10)), progress=ctx.report)


RUNS.update(experiment_metrics=experiment_metrics, experiment_simulation=experiment_simulation,
            experiment_replay=experiment_replay)


def rights_index(ctx: JobContext) -> dict[str, Any]:
    """Index the catalogue's texts (or the demo pictures, generated and labelled) for near-copy search (museion.rights)."""
    from museion.rights.submissions import index_demo_pictures, index_texts

    p = ctx.params
    ctx.report(0.05, "fingerprinting the demo pictures" if p.get("what") == "demo-images" else "indexing the catalogue's texts")
    with ctx.engine.begin() as conn:  # no progress reports inside: on SQLite this transaction holds the write lock
        if p.get("what") == "demo-images":
            return index_demo_pictures(conn)
        return {"texts": index_texts(conn, source=p.get("source"))}


def rights_match(ctx: JobContext) -> dict[str, Any]:
    """Match one pending submission against the indexed texts or pictures and queue its matches (museion.rights)."""
    from museion.rights.submissions import match

    ctx.report(0.05, "matching the submission against the index")
    with ctx.engine.begin() as conn:
        found = match(conn, int(ctx.params["submission"]))
    return {"submission": found["id"], "status": found["status"], "matches": found["matches"]}


RUNS.update(rights_index=rights_index, rights_match=rights_match)  # museion.rights (near-copy detection)


def search_index(ctx: JobContext) -> dict[str, Any]:
    """Build the catalogue's search index (works and creators) and make it current (museion.studio.search)."""
    from museion.studio.search import build_index

    return build_index(ctx.engine, ctx.home, progress=ctx.report)


RUNS["search_index"] = search_index  # museion.studio (catalogue search)

def creator_match(ctx: JobContext) -> dict[str, Any]:
    """Match creators across two sources by name and dates (and shared Wikidata/ULAN ids) and queue new pairs for
    curators (museion.heritage.creator_links): reads and scores with progress, then writes in one transaction."""
    from museion.heritage import creator_links

    p = ctx.params
    ctx.report(0.05, "reading the creators of " + " and ".join(p.get("sources") or ("tate", "moma")))
    with ctx.engine.connect() as conn:
        found = creator_links.find(conn, p.get("sources") or ("tate", "moma"), threshold=p.get("threshold"),
                                   progress=ctx.report)
    ctx.report(0.9, f"queueing up to {int(p.get('limit', 500))} of {len(found.pairs):,} new pairs for curators")
    with ctx.engine.begin() as conn:
        proposed = creator_links.propose(conn, found, limit=int(p.get("limit", 500)))
    return creator_links.summary(found, proposed)


RUNS["creator_match"] = creator_match  # museion.heritage (same creator across sources)


def edm_export(ctx: JobContext) -> dict[str, Any]:
    """Every displayable work as EDM (RDF/XML or JSON-LD) to a file under MUSEION_HOME (museion.heritage)."""
    from museion.heritage.edm_jobs import export_file, export_path

    p = ctx.params
    return export_file(ctx.engine, export_path(ctx.home, p.get("format", "rdfxml"), p.get("source")), fmt=p.get("format", "rdfxml"),
                       base_url=p["base_url"], actor=ctx.actor, source=p.get("source"), progress=ctx.report)


def edm_check(ctx: JobContext) -> dict[str, Any]:
    """Every displayable work against the EDM shapes and Europeana's tiers; stores the report (museion.heritage)."""
    from museion.heritage.edm_jobs import check_catalogue

    p = ctx.params
    return check_catalogue(ctx.engine, ctx.home, base_url=p["base_url"], source=p.get("source"), progress=ctx.report)


RUNS.update(edm_export=edm_export, edm_check=edm_check)  # museion.heritage (Europeana Data Model)


def oai_harvest(ctx: JobContext) -> dict[str, Any]:
    """Harvest another repository's OAI-PMH records into the catalogue, whole or not at all (museion.heritage)."""
    from museion.heritage.oai_harvester import harvest

    p = ctx.params
    ctx.report(0.02, f"asking {p['url']} for its records")
    return harvest(ctx.engine, p["url"], set_spec=p.get("set"), from_date=p.get("from"), prefix=p.get("prefix", "oai_dc"),
                   source=p.get("source"), actor=ctx.actor, job_id=ctx.job_id, progress=ctx.report)


RUNS["oai_harvest"] = oai_harvest  # museion.heritage (OAI-PMH harvester)


def batch_scoring(ctx: JobContext) -> dict[str, Any]:
    """Every member of the deployed version scored into this job's file under MUSEION_HOME (museion.scale); the Ray
    cluster is the one the server is configured with (MUSEION_RAY_ADDRESS), never one named in a request."""
    from museion.scale.batch import run_batch
    from museion.scale.engine import open_engine

    p = ctx.params
    compute = open_engine(p.get("engine", "local"))
    return run_batch(ctx.engine, ctx.home, ctx.job_id, int(p["version_id"]), compute, k=int(p.get("k", 10)),
                     partitions=int(p.get("partitions", 16)), fmt=p.get("format", "jsonl"), actor=ctx.actor, progress=ctx.report)


RUNS["batch_scoring"] = batch_scoring  # museion.scale (batch scoring)

KINDS = {name: Kind(name) for name in RUNS}
for _name, _run in RUNS.items():
    register(_name, _run)
