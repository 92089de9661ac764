"""The kinds of long work Museion runs as jobs: fairness audits, re-ranker trade-off curves, DP histogram
releases, training a model version or the subject suggester, and scanning the catalogue for near-duplicate
records. Each reads its parameters, reports progress (where a cancellation
stops it) and returns a JSON result; each capability writes in one transaction at its end, or gives back
what it reserved, so a cancelled or failed job leaves nothing half-written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from museion.jobs import JobContext, register


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
        if self.name == "shilling_scan" and job.get("status") == "succeeded":
            return {"api": "/api/risk/alerts?kind=shilling", "web": "/risk/alerts?kind=shilling"}
        if self.name == "subject_training" and "model_version_id" in result:
            return {"api": "/api/studio/suggester", "web": "/studio/suggestions"}
        if self.name == "insight_forecast" and job.get("status") == "succeeded":
            return {"api": f"/api/insight/forecasts/{job['id']}", "web": f"/insight/forecast?run={job['id']}"}
        if self.name == "outlook_evaluation" and job.get("status") == "succeeded":
            return {"web": f"/insight/outlook?evaluation={job['id']}"}
        if self.name == "training" and "model_version_id" in result:
            return {"api": f"/api/registry/versions/{result['model_version_id']}", "web": "/models"}
        return {}


def fairness_audit(ctx: JobContext) -> dict[str, Any]:
    from museion.fairness.service import run_version_audit

    p = ctx.params
    record = run_version_audit(ctx.engine, ctx.home, int(p["version_id"]), scope=p["scope"], actor=ctx.actor, k=int(p["k"]),
                               seed=int(p["seed"]), progress=ctx.report)
    return {"audit_id": record["id"], "model_version_id": record["model_version_id"], "scope": record["scope"],
            "summary": record["summary"]}


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
    from museion.recommend.training import holdout_evaluation, train

    p = ctx.params
    params, source, seed = dict(p.get("params") or {}), p.get("source"), int(p.get("seed", 2024))
    evaluation = None
    if p.get("evaluate", True):
        ctx.report(0.05, f"evaluating {p['algorithm']} on a ratio-811 split")
        evaluation = holdout_evaluation(ctx.engine, p["algorithm"], params, source=source, actor=ctx.actor, seed=seed)
    ctx.report(0.5, f"fitting {p['algorithm']} on all events and saving the artifact")
    version = train(ctx.engine, ctx.home, p["algorithm"], source=source, actor=ctx.actor, params=params, evaluation=evaluation,
                    seed=seed)
    return {"model_version_id": version.id, "algorithm": version.algorithm, "members": version.n_members, "works": version.n_works,
            "test_metrics": (evaluation or {}).get("metrics")}


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
    from museion.insight.forecasting import run_forecast

    p = ctx.params
    return run_forecast(ctx.engine, ctx.actor, measure=p.get("measure", "demand"), by=p.get("by", "genre"),
                        period=p.get("period", "month"), groups=p.get("groups") or None, top=p.get("top"),
                        horizon=int(p.get("horizon", 6)), origins=int(p.get("origins", 8)),
                        models=p.get("models") or ("AutoETS", "AutoTheta", "AutoARIMA", "SeasonalNaive", "Naive"),
                        kinds=p.get("kinds") or None, source=p.get("source"), progress=ctx.report)


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
                                              source=p.get("source"), seed=int(p.get("seed", 0)))
        else:
            found = detection.scan(conn, actor=ctx.actor, source=p.get("source"))
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
KINDS = {name: Kind(name) for name in RUNS}
for _name, _run in RUNS.items():
    register(_name, _run)
