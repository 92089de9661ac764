"""The shilling pure cores on generated data (labelled generated): the attack generator's models and refusals, the
profile features against hand-computed values, and the detectors (Museion's, Chirita 2005, PCA-VarSelect)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from museion.risk import attacks, profiles, shilling
from risk_data import generated_ratings


@pytest.fixture(scope="module")
def audience() -> csr_matrix:
    frame = pd.read_csv(io.StringIO(generated_ratings()[1]))
    rows = frame.member.astype("category").cat.codes.to_numpy()
    cols = frame.work.astype("category").cat.codes.to_numpy()
    return csr_matrix((frame.value.to_numpy(np.float64), (rows, cols)))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(attacks.ATTACK_TYPES), st.sampled_from(attacks.INTENTS), st.floats(0.01, 0.10),
       st.floats(0.01, 0.05), st.integers(0, 1000))
def test_attacks_are_labelled_rate_the_target_at_the_extreme_and_leave_the_input_alone(
        kind: str, intent: str, size: float, filler: float, seed: int) -> None:
    matrix = csr_matrix(np.random.default_rng(seed).integers(0, 11, (120, 200)) / 2.0)
    before = matrix.copy()
    attack = attacks.generate(matrix, [7], kind=kind, intent=intent, size=size, filler=filler, seed=seed)
    stacked, labels = attacks.inject(matrix, attack)
    assert attack.profiles.shape == (max(1, round(size * 120)), 200) and labels.sum() == attack.profiles.shape[0]
    assert not labels[:120].any() and (stacked[:120] != before).nnz == 0 and (matrix != before).nnz == 0
    assert set(attack.profiles[:, 7].toarray().ravel()) == {5.0 if intent == "push" else 0.5}
    assert attack.profiles.data.min() >= 0.5 and attack.profiles.data.max() <= 5.0
    assert np.all(np.diff(attack.profiles.indptr) >= max(1, round(filler * 200)))


def test_bandwagon_rates_the_most_popular_items_at_the_top(audience: csr_matrix) -> None:
    attack = attacks.generate(audience, [250], kind="bandwagon", size=0.05, filler=0.03, seed=1)
    popular = np.argsort(-np.diff(audience.tocsc().indptr), kind="stable")[:attacks.SELECTED]
    assert (attack.profiles[:, popular].toarray() == 5.0).all()


@pytest.mark.parametrize(("args", "field"), [({"kind": "sybil"}, "type"), ({"intent": "boost"}, "intent"),
                                              ({"size": 0.2}, "size"), ({"filler": 0.5}, "filler")])
def test_parameters_outside_the_models_are_refused_with_the_field(audience: csr_matrix, args: dict, field: str) -> None:
    with pytest.raises(attacks.AttackRejected, match=f"^{field}:"):
        attacks.generate(audience, [1], **args)
    with pytest.raises(attacks.AttackRejected, match="^target:"):
        attacks.generate(audience, [10_000])


def test_features_match_hand_computed_values() -> None:
    matrix = csr_matrix(np.array([[5.0, 3.0, 0.0], [4.0, 0.0, 2.0], [3.0, 3.0, 2.0]]))
    found = profiles.features(matrix, neighbours=1)
    # item means 4, 3, 2; counts 3, 2, 2 → member 0: (|5-4|/3 + |3-3|/2) / 2
    assert found.column("rdma")[0] == pytest.approx((1 / 3) / 2)
    assert found.column("wdma")[0] == pytest.approx((1 / 9) / 2)
    assert found.column("fmtd")[0] == pytest.approx(2.0) and found.column("mean_var")[0] == pytest.approx(0.0)
    assert list(found.lengths) == [2, 2, 3]
    rng = np.random.default_rng(0)
    bigger = csr_matrix(rng.integers(0, 11, (60, 40)) / 2.0)
    assert np.allclose(profiles.degsim(bigger, block=7), profiles.degsim(bigger, block=1024))
    times = np.zeros(bigger.nnz, dtype=np.int64)
    assert profiles.features(bigger, times=times).column("co_burst").max() > 0


def test_detectors_on_an_injected_average_attack(audience: csr_matrix) -> None:
    counts = np.diff(audience.tocsc().indptr)
    target = int(np.random.default_rng(2).choice(np.flatnonzero((counts >= 2) & (counts <= 30))))  # as the drill picks
    attack = attacks.generate(audience, [target], kind="average", size=0.1, filler=0.05, seed=2)
    matrix, labels = attacks.inject(audience, attack)
    found = shilling.detect(matrix)
    precision, recall = shilling.precision_recall(found.flagged, labels)
    assert precision >= 0.9 and recall >= 0.9 and found.targets == {target: "push"}
    assert found.evidence(int(np.flatnonzero(labels)[0]))["score"] >= found.threshold * shilling.SECOND_LOOK
    clean = shilling.detect(audience)
    assert not clean.flagged.any() and not clean.targets
    for flags in (shilling.chirita(matrix), shilling.pca_varselect(matrix, int(labels.sum()))):
        assert flags.dtype == bool and flags.shape == labels.shape
    assert shilling.pca_varselect(matrix, 5).sum() == 5
    assert shilling.precision_recall(np.zeros(3, bool), np.array([True, False, False])) == (1.0, 0.0)
    with pytest.raises(shilling.TooLittleData, match="too little data"):
        shilling.detect(audience[:10])
