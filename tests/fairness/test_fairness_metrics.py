"""Fairness metrics: hand-checked values, agreement with Fairlearn's MetricFrame, and property tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.stats import entropy

from museion.encoding import json_ready
from museion.fairness import metrics as fm
from museion.fairness.audit import AuditInputs, run_audit
from museion.fairness.groups import activity_levels, attribute_labels, decade_labels, encode, popularity_tiers
from museion.recommend.evaluation.metrics import per_member_metrics


def test_popularity_tiers_split_interaction_mass_20_60_20() -> None:
    popularity = np.array([50, 30, 10, 5, 3, 2, 0])  # 100 interactions
    labels = popularity_tiers(popularity)
    # item 0 starts at 0% of the mass → head; items 1 and 2 start at 50% and 80%: mid then tail
    assert labels.tolist() == ["head", "mid", "tail", "tail", "tail", "tail", "tail"]
    assert popularity_tiers(np.array([10, 10, 10, 10, 10])).tolist() == ["head", "mid", "mid", "mid", "tail"]
    with pytest.raises(ValueError, match="cuts"):
        popularity_tiers(popularity, (0.8, 0.2))


def test_decades_activity_and_attributes() -> None:
    assert decade_labels(np.array([1995, 2001, np.nan, 1899])).tolist() == ["1990s", "2000s", "unknown", "1890s"]
    assert activity_levels(np.array([1, 2, 3, 4, 5, 6])).tolist() == ["low", "low", "medium", "medium", "high", "high"]
    assert attribute_labels(["Female", None, " ", "Male "]).tolist() == ["Female", "unknown", "unknown", "Male"]
    codes, names = encode(np.array(["b", "a", "b"], dtype=object))
    assert names == ["a", "b"] and codes.tolist() == [1, 0, 1]


def test_exposure_is_position_weighted_and_compared_with_catalogue_and_merit() -> None:
    recommended = np.array([[0, 1], [0, 2], [3, -1]])
    exposure = fm.item_exposure(recommended, 4, 2)
    w1, w2 = 1.0, 1 / math.log2(3)
    assert exposure == pytest.approx([2 * w1, w2, w2, w1])
    labels = np.array(["head", "tail", "tail", "tail"], dtype=object)
    groups = fm.provider_exposure(recommended, labels, 2, merit=np.array([1.0, 1.0, 1.0, 1.0]))
    total = 3 * w1 + 2 * w2
    assert groups["head"]["exposure_share"] == pytest.approx(2 * w1 / total)
    assert groups["head"]["catalogue_share"] == 0.25 and groups["tail"]["merit_share"] == 0.75
    assert groups["head"]["exposure_vs_catalogue"] == pytest.approx(groups["head"]["exposure_share"] / 0.25)
    assert fm.exposure_gap(groups) == pytest.approx((2 * w1 - (w1 + 2 * w2)) / total)


def test_popularity_lift_and_long_tail_share() -> None:
    popularity = np.array([10.0, 1.0, 1.0, 4.0])
    histories = csr_matrix(np.array([[0, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    recommended = np.array([[0, 3], [1, -1]])
    # member 0: profile mean 1, list mean 7 → +6; member 1: profile 4, list 1 → −0.75
    assert fm.popularity_lift(recommended, histories, popularity, 2) == pytest.approx((6.0 - 0.75) / 2)
    assert fm.long_tail_share(recommended, np.array([False, True, True, True]), 2) == pytest.approx(2 / 3)


def test_miscalibration_is_steck_kl_with_alpha_smoothing() -> None:
    genres = csr_matrix(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    histories = csr_matrix(np.array([[1, 1, 0]], dtype=np.float32))  # p = (0.5, 0.5)
    recommended = np.array([[0, 2]])  # q = ((1 + 0.5) / 2, 0.5 / 2) = (0.75, 0.25)
    p, q = np.array([0.5, 0.5]), np.array([0.75, 0.25])
    expected = entropy(p, (1 - fm.STECK_ALPHA) * q + fm.STECK_ALPHA * p)  # scipy: KL in nats
    assert fm.miscalibration(histories, recommended, genres, 2)[0] == pytest.approx(expected)
    assert fm.miscalibration(histories, np.array([[0, 1]]), genres, 2)[0] == pytest.approx(0.0, abs=1e-12)


def test_group_breakdowns_agree_with_fairlearn_metricframe() -> None:
    recommended = np.array([[0, 1, 2], [3, 0, 4], [1, 2, -1], [4, 3, 0], [2, 0, 1]])
    relevant = csr_matrix(np.array([[1, 0, 0, 1, 0], [0, 0, 1, 1, 0], [0, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 1]],
                                   dtype=np.float32))
    activity = np.array(["low", "high", "low", "high", "medium"], dtype=object)
    ndcg = per_member_metrics(recommended, relevant, 3)["ndcg@3"]
    ours = fm.member_group_metrics({"ndcg": ndcg}, activity, seed=1)["groups"]["ndcg"]
    frame = MetricFrame(metrics=lambda y_true, y_pred: float(np.mean(y_true)), y_true=ndcg, y_pred=ndcg,
                        sensitive_features=pd.Series(activity, name="activity"))
    for group, value in frame.by_group.items():
        assert ours[group]["mean"] == pytest.approx(value)
    assert frame.difference() == pytest.approx(fm.member_group_metrics({"ndcg": ndcg}, activity, seed=1)["largest_gap"]["ndcg"]["gap"])

    item_tier = np.array(["head", "head", "mid", "tail", "tail"], dtype=object)
    slots = recommended >= 0
    weights = np.broadcast_to(fm.position_weights(3), recommended.shape)[slots]
    slot_groups = pd.Series(item_tier[recommended[slots]], name="tier")
    exposure = MetricFrame(metrics=lambda y_true, y_pred: float(np.sum(y_true)), y_true=weights, y_pred=weights,
                           sensitive_features=slot_groups).by_group
    shares = fm.provider_exposure(recommended, item_tier, 3)
    for group, value in exposure.items():
        assert shares[group]["exposure_share"] == pytest.approx(value / exposure.sum())


def test_bootstrap_interval_is_seeded_and_brackets_the_mean() -> None:
    values = np.random.default_rng(0).random(200)
    low, high = fm.bootstrap_ci(values, seed=3)
    assert low < values.mean() < high and (low, high) == fm.bootstrap_ci(values, seed=3)
    assert (low, high) != fm.bootstrap_ci(values, seed=4)
    assert all(math.isnan(x) for x in fm.bootstrap_ci(np.array([]), seed=0))


def test_representativeness_and_full_audit_shape() -> None:
    train = csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 0, 1]], dtype=np.float32))
    assert fm.representativeness(np.array([3.0, 2, 1, 1]), np.array(["a", "a", "b", "b"]))["a"]["ratio"] == pytest.approx((5 / 7) / 0.5)
    recommended = np.array([[2, 3], [1, 3], [2, -1]])
    result = run_audit(AuditInputs(recommended, train, train, 2, {"era": np.array(["1990s"] * 4, dtype=object)},
                                   {"activity_level": activity_levels(np.diff(train.indptr))}, relevant=train,
                                   genres=csr_matrix(np.eye(4, dtype=np.float32))))
    assert set(result["provider"]["groups"]) == {"popularity_tier", "era"}
    assert set(result["member"]["activity_level"]["groups"]) == {"ndcg@2", "recall@2", "miscalibration_kl"}
    assert result["provider"]["groups"]["era"]["1990s"]["exposure_share"] == pytest.approx(1.0)
    assert json_ready({"x": float("nan"), "y": np.float32(1.5), 3: (np.int64(2), np.array([0.5, np.inf]))}) == {
        "x": None, "y": 1.5, "3": [2, [0.5, None]]}


lists = st.integers(1, 8).flatmap(lambda n_items: st.tuples(
    st.just(n_items),
    st.lists(st.lists(st.integers(-1, n_items - 1), min_size=3, max_size=3), min_size=1, max_size=12),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=n_items, max_size=n_items)))


@settings(max_examples=60, deadline=None)
@given(lists)
def test_exposure_shares_are_a_distribution_and_gini_is_bounded(case: tuple[int, list[list[int]], list[str]]) -> None:
    n_items, rows, labels = case
    recommended = np.array(rows)
    groups = fm.provider_exposure(recommended, np.array(labels, dtype=object), 3)
    shares = [g["exposure_share"] for g in groups.values()]
    assert all(s >= 0 for s in shares)
    assert sum(shares) == pytest.approx(1.0 if (recommended >= 0).any() else 0.0)
    assert sum(g["catalogue_share"] for g in groups.values()) == pytest.approx(1.0)
    concentration = fm.exposure_concentration(recommended, n_items, 3)
    assert 0.0 <= concentration["gini"] <= 1.0
    assert 0.0 <= concentration["entropy_bits"] <= concentration["max_entropy_bits"] + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 5), min_size=4, max_size=4), min_size=1, max_size=6),
       st.lists(st.lists(st.floats(0, 5), min_size=4, max_size=4), min_size=1, max_size=6))
def test_kl_miscalibration_is_non_negative_and_zero_on_a_perfect_match(history: list[list[float]], lists_: list[list[float]]) -> None:
    rows = min(len(history), len(lists_))
    p, q = np.array(history[:rows]), np.array(lists_[:rows])
    p = p / np.where(p.sum(axis=1, keepdims=True) > 0, p.sum(axis=1, keepdims=True), 1)
    q = q / np.where(q.sum(axis=1, keepdims=True) > 0, q.sum(axis=1, keepdims=True), 1)
    kl = fm.kl_miscalibration(p, q)
    described = p.sum(axis=1) > 0
    assert (kl[described] >= -1e-12).all() and np.isnan(kl[~described]).all()
    assert np.allclose(fm.kl_miscalibration(p, p)[described], 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=30), st.randoms(use_true_random=False))
def test_member_group_means_do_not_depend_on_member_order(values: list[float], rnd) -> None:  # noqa: ANN001
    labels = np.array([("low", "medium", "high")[i % 3] for i in range(len(values))], dtype=object)
    order = list(range(len(values)))
    rnd.shuffle(order)
    a = fm.member_group_metrics({"m": np.array(values)}, labels, seed=0)["groups"]["m"]
    b = fm.member_group_metrics({"m": np.array(values)[order]}, labels[order], seed=0)["groups"]["m"]
    for group in a:
        assert a[group]["mean"] == pytest.approx(b[group]["mean"]) and a[group]["members"] == b[group]["members"]
