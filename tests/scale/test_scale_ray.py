"""The ray engine against the local one on MovieLens (SQLite and PostgreSQL): identical batch lists, the same audit
within float rounding, a worker killed mid-run changing nothing, and a stopped run resumed. One local Ray with
2 CPUs per test process, loopback only, shut down at the end of the module."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from helpers import approve_and_deploy, grant_personalisation, require_dataset
from museion.cli.main import app as cli
from museion.datasets.registry import get_dataset
from museion.datasets.service import load_dataset
from museion.fairness.rerank import RerankSpec
from museion.fairness.service import list_audits, reranked_version
from museion.recommend.training import train
from museion.scale.engine import LocalEngine, RayEngine, ray_available, stop_local
from museion.scale.partition import Partition
from museion.scale.scoring import score_all, score_partition

pytestmark = pytest.mark.skipif(not ray_available(), reason="the scale extra is not installed: pip install 'museion[scale]'")


@pytest.fixture(scope="module")
def ray_engine() -> Iterator[RayEngine]:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    yield RayEngine(num_cpus=2)
    stop_local()


@pytest.fixture
def deployed(engine: Engine, tmp_path: Path) -> tuple[Engine, Path, int]:
    """MovieLens with an item-kNN version re-ranked by xQuAD, deployed (so batch scoring re-ranks and explains)."""
    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    grant_personalisation(engine)
    home = tmp_path / "home"
    base = train(engine, home, "itemknn", source="movielens", actor="test")
    fair = reranked_version(engine, base.id, RerankSpec("xquad", 0.9), actor="test")
    approve_and_deploy(engine, home, fair.id)
    return engine, home, fair.id


def _kill_once(marker: str, fn: Any, shared: Any, part: Partition) -> Any:
    """Partition 3's first attempt leaves a half-written temporary part behind and kills its own worker process."""
    if part.id == 3 and not os.path.exists(marker):
        Path(marker).touch()
        Path(shared.parts, ".part-00003.parquet.dead.tmp").write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGKILL)
    return fn(shared, part)


class KillingEngine:
    """The Ray engine with a worker that dies on its first attempt at one partition."""

    name = "ray"

    def __init__(self, inner: RayEngine, marker: Path) -> None:
        self.inner, self.marker = inner, marker

    def map_partitions(self, fn: Any, partitions: Any, **kw: Any) -> Any:
        return self.inner.map_partitions(functools.partial(_kill_once, str(self.marker), fn), partitions, **kw)


def test_batch_lists_identical_on_ray_even_with_a_killed_worker(deployed: tuple[Engine, Path, int], ray_engine: RayEngine,
                                                                 museion_env: str, tmp_path: Path) -> None:
    engine, home, _version = deployed
    local, remote, killed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl", tmp_path / "killed.jsonl"
    score_all(engine, home, local, LocalEngine(), k=10, actor="test", partitions=8)
    done = score_all(engine, home, remote, ray_engine, k=10, actor="test", partitions=8)
    assert done["engine"] == "ray" and done["members"] == 608 and done["partitions"] == 8
    assert remote.read_bytes() == local.read_bytes()  # identical lists, scores and reasons, in the same order
    rows = [json.loads(line) for line in local.read_text().splitlines()]
    assert len(rows) == 608 and len({r["member"] for r in rows}) == 608
    assert all(len(r["works"]) == 10 and all(reason.startswith("Because you rated") for reason in r["reasons"]) for r in rows)

    marker = tmp_path / "killed-once"
    score_all(engine, home, killed, KillingEngine(ray_engine, marker), k=10, actor="test", partitions=8)
    assert marker.exists()  # the worker did die, and Ray ran its partition again
    assert killed.read_bytes() == local.read_bytes()  # nothing lost, nothing twice
    assert not (tmp_path / "killed.jsonl.parts").exists()

    # the same through the command line, each engine
    runner = CliRunner()
    for name in ("local", "ray"):
        out = tmp_path / f"cli-{name}.jsonl"
        result = runner.invoke(cli, ["recommend", "--all", "--engine", name, "--partitions", "8", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert f"on the {name} engine" in result.output and out.read_bytes() == local.read_bytes()


def test_audit_on_ray_matches_local(deployed: tuple[Engine, Path, int], ray_engine: RayEngine, museion_env: str,
                                    tmp_path: Path) -> None:
    engine, _home, version = deployed
    runner = CliRunner()
    records = {}
    for name in ("local", "ray"):
        out = tmp_path / f"{name}.json"
        result = runner.invoke(cli, ["audit", "fairness", str(version), "--engine", name, "--partitions", "6", "--json", str(out)])
        assert result.exit_code == 0, result.output
        records[name] = json.loads(out.read_text())
    local, remote = records["local"]["metrics"], records["ray"]["metrics"]
    _assert_close(local, remote)
    _assert_close(records["local"]["summary"], records["ray"]["summary"])
    assert local["members"] > 500 and remote["provider"]["groups"]["popularity_tier"]
    assert len(list_audits(engine, version)) == 3  # the one its review needed, and one per engine, stored the normal way


def _assert_close(a: Any, b: Any, path: str = "") -> None:
    """Equal structure; numbers equal within float rounding (exposure sums add up in another order)."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            _assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True), path
    else:
        assert a == b, path


def test_a_stopped_run_resumes_from_its_finished_partitions(deployed: tuple[Engine, Path, int], ray_engine: RayEngine,
                                                            tmp_path: Path) -> None:
    engine, home, _version = deployed
    whole, resumed = tmp_path / "whole.parquet", tmp_path / "resumed.parquet"
    score_all(engine, home, whole, LocalEngine(), k=5, actor="test", partitions=6)

    class Stop(Exception):
        pass

    def stop_after_two(_fraction: float, what: str) -> None:
        if what.startswith("2 of"):
            raise Stop

    with pytest.raises(Stop):
        score_all(engine, home, resumed, LocalEngine(), k=5, actor="test", partitions=6, progress=stop_after_two)
    assert not resumed.exists() and len(list((tmp_path / "resumed.parquet.parts").glob("part-*.parquet"))) == 2
    done = score_all(engine, home, resumed, ray_engine, k=5, actor="test", partitions=6)
    assert done["resumed"] == 2 and resumed.read_bytes() == whole.read_bytes()
    assert score_partition.__module__ == "museion.scale.scoring"


def _without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("timings", "engine", "partitions")}


def test_forecasts_on_ray_match_local_and_the_plain_core(engine: Engine, ray_engine: RayEngine, museion_env: str) -> None:
    """Demand per genre on MovieLens: series partitioned by name hash, backtested and forecast by the unchanged cores."""
    from museion.insight.forecasting import run_forecast
    from museion.scale.forecasting import run_partitioned_forecast

    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    options: dict[str, Any] = {"by": "genre", "top": 8, "horizon": 3, "origins": 3, "models": ("AutoETS", "SeasonalNaive", "Naive")}
    plain = run_forecast(engine, "test", **options)
    local = run_partitioned_forecast(engine, "test", LocalEngine(), partitions=3, **options)
    remote = run_partitioned_forecast(engine, "test", ray_engine, partitions=3, **options)
    assert local["engine"] == "local" and remote["engine"] == "ray" and len(plain["series"]) >= 8
    assert _without_timings(local) == _without_timings(plain)  # partitioning changes nothing
    _assert_close(_without_timings(remote), _without_timings(local))
    assert [s["chosen"] for s in remote["series"]] == [s["chosen"] for s in local["series"]]

    shown = CliRunner().invoke(cli, ["insight", "forecast", "--top", "4", "--horizon", "3", "--origins", "2", "--model", "Naive",
                                     "--model", "SeasonalNaive", "--engine", "ray", "--partitions", "2"])
    assert shown.exit_code == 0, shown.output
    assert "2 series partitions on the ray engine" in shown.output


def test_shilling_features_and_near_duplicates_on_ray_match_local(engine: Engine, ray_engine: RayEngine, museion_env: str) -> None:
    """MovieLens ratings with a generated average attack (labelled: generated), and MovieLens titles with generated
    near-copies: the features, the detection and the pairs equal the unpartitioned cores'; the commands run on Ray."""
    import numpy as np

    from museion.risk import attacks, shilling
    from museion.risk.detection import read_ratings
    from museion.risk.profiles import features
    from museion.rights.duplicates import Record, find_matches
    from museion.rights.matching import catalogue_records
    from museion.scale.duplicates import PartitionedFinder
    from museion.scale.shilling import PartitionedProfiler

    load_dataset(engine, get_dataset("movielens-latest-small"), require_dataset("movielens-latest-small"))
    with engine.begin() as conn:
        ratings = read_ratings(conn, actor="test")
        records = catalogue_records(conn)
    attacked, _labels = attacks.inject(ratings.matrix, attacks.generate(ratings.matrix, [250], kind="average", size=0.05,
                                                                        filler=0.03, seed=3))
    whole = features(attacked)
    local = PartitionedProfiler(LocalEngine(), 5)(attacked)
    remote = PartitionedProfiler(ray_engine, 5)(attacked)
    assert np.array_equal(local.values, whole.values) and remote.names == whole.names
    np.testing.assert_allclose(remote.values, whole.values, rtol=1e-12, atol=0)
    found, plain = shilling.detect(attacked, profiles=remote), shilling.detect(attacked)
    assert found.flagged.sum() > 0 and np.array_equal(found.flagged, plain.flagged)

    copies = [Record(f"copy{i}", r.title.upper() + ".", r.creators, r.year, r.medium) for i, r in enumerate(records[:300:7])]
    everything = records + copies  # generated near-copies of some MovieLens titles
    pairs = find_matches(everything, 0.7)
    assert len(pairs) >= len(copies) // 2
    assert PartitionedFinder(LocalEngine(), 4)(everything, 0.7) == pairs
    assert PartitionedFinder(ray_engine, 4)(everything, 0.7) == pairs

    run = CliRunner().invoke
    detected = run(cli, ["risk", "detect", "--engine", "ray", "--partitions", "3", "--json"])
    assert detected.exit_code == 0, detected.output
    scanned = run(cli, ["rights", "duplicates", "--engine", "ray", "--partitions", "3", "--limit", "5"])
    assert scanned.exit_code == 0 and "3 partitions on the ray engine" in " ".join(scanned.output.split()), scanned.output
