"""Popular-filler attacks, the semi-supervised detector and sampled DegSim on generated data (labelled generated), and
the detectors run after an import and a training (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from museion.risk import attacks, detection, profiles, semisupervised, shilling
from risk_data import generated_ratings


@pytest.fixture(scope="module")
def audience() -> csr_matrix:
    frame = pd.read_csv(io.StringIO(generated_ratings()[1]))
    rows = frame.member.astype("category").cat.codes.to_numpy()
    cols = frame.work.astype("category").cat.codes.to_numpy()
    return csr_matrix((frame.value.to_numpy(np.float64), (rows, cols)))


def test_popular_filler_comes_from_the_most_rated_works(audience: csr_matrix) -> None:
    counts = np.diff(audience.tocsc().indptr)
    popular = set(np.argsort(-counts, kind="stable")[:round(attacks.POPULAR_SHARE * audience.shape[1]) + 1].tolist())
    attack = attacks.generate(audience, [250], kind="average", size=0.05, filler=0.03, seed=3, filler_from="popular")
    filler = set(attack.profiles.indices.tolist()) - {250}
    assert filler <= popular
    plain = attacks.generate(audience, [250], kind="average", size=0.05, filler=0.03, seed=3)
    assert counts[plain.profiles.indices].mean() < counts[attack.profiles.indices].mean()
    with pytest.raises(attacks.AttackRejected, match="filler_from"):
        attacks.generate(audience, [250], filler_from="famous")


def test_semi_supervised_detector_catches_popular_filler_the_features_miss(audience: csr_matrix) -> None:
    counts = np.diff(audience.tocsc().indptr)
    rare = np.flatnonzero((counts >= 2) & (counts <= 15))
    test_target, train_targets = int(rare[0]), rare[1:]
    trained = semisupervised.train(audience, seed=1, targets=train_targets, rounds=8)
    assert trained.rounds == 8 and trained.positives > 0 and trained.unlabelled == audience.shape[0]
    attack = attacks.generate(audience, [test_target], kind="average", size=0.10, filler=0.05, seed=7,
                              filler_from="popular")
    matrix, labels = attacks.inject(audience, attack)
    semi = semisupervised.detect(matrix, trained)
    precision, recall = shilling.precision_recall(semi.flagged, labels)
    assert recall >= 0.8 and precision >= 0.8 and test_target in semi.targets
    clean = semisupervised.detect(audience, trained)
    assert not clean.flagged.any()  # no shared target, nobody flagged


def test_sampled_degsim_is_exact_below_the_sample_and_ranks_like_exact_above(audience: csr_matrix) -> None:
    exact = profiles.degsim(audience, sample=None)
    assert np.allclose(profiles.degsim(audience, sample=audience.shape[0]), exact)
    sampled = profiles.degsim(audience, sample=80, seed=2)
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(rank(exact), rank(sampled))[0, 1] > 0.8
    assert np.allclose(profiles.pearson(audience, np.arange(5), np.arange(40))[:, :40],
                       profiles.pearson(audience)[:5, :40])


def test_drill_with_popular_filler_and_the_semi_supervised_method(rated: Engine) -> None:
    with rated.begin() as conn:
        found = detection.simulate_attack(conn, actor="test", kind="average", size=0.10, filler=0.05, seed=2,
                                          filler_from="popular", method="semi")
        assert found.simulated and found.injected == 20 and found.recall is not None and found.recall >= 0.8
        with pytest.raises(attacks.AttackRejected, match="method"):
            detection.scan(conn, actor="test", method="oracle")


def test_detectors_run_after_an_import_and_after_a_training_job(rated: Engine, tmp_path: Path) -> None:
    from museion.jobs import JobContext
    from museion.jobs_kinds.followups import after_import, followed

    outcome = after_import(rated, tmp_path, actor="test")
    assert set(outcome) == {"profiled_runs", "quality", "shilling", "drift"} and outcome["profiled_runs"] == []
    assert outcome["shilling"] == {"alerts": []}  # the generated audience holds no attack
    assert all(set(v) <= {"alerts", "skipped"} for k, v in outcome.items() if k != "profiled_runs")
    job = followed(lambda ctx: {"model_version_id": 1})
    result = job(JobContext(rated, tmp_path, 1, {}, "test"))
    assert result["model_version_id"] == 1 and result["risk"]["shilling"] == {"alerts": []}
    assert "no model version is deployed" in result["risk"]["served_drift"]["skipped"]
