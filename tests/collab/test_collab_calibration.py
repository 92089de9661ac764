"""Calibration from decisions: reliability bins, expected calibration error, the isotonic recalibrator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.collab.calibration import (
    IDENTITY,
    Recalibrator,
    expected_calibration_error,
    fit_recalibrator,
    reliability,
)
from museion.errors import MuseionError


def calibrated_sample(n: int = 20_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Confidences whose outcomes come true at exactly that rate."""
    rng = np.random.default_rng(seed)
    confidence = rng.uniform(0, 1, n)
    return confidence, rng.uniform(0, 1, n) < confidence


def test_a_perfectly_calibrated_sample_has_an_ece_near_zero() -> None:
    confidence, accepted = calibrated_sample()
    assert expected_calibration_error(confidence, accepted) < 0.02


def test_an_overconfident_sample_has_a_large_ece_that_isotonic_recalibration_removes() -> None:
    confidence, accepted = calibrated_sample()
    shown = np.sqrt(confidence)  # claims more than comes true
    raw = expected_calibration_error(shown, accepted)
    fit_on, check = slice(0, 10_000), slice(10_000, None)
    recalibrator = fit_recalibrator(shown[fit_on], accepted[fit_on])
    after = expected_calibration_error(recalibrator(shown[check]), accepted[check])
    assert raw > 0.1 and after < 0.03 and after < raw / 4
    assert recalibrator.fitted_on == 10_000


def test_reliability_bins_count_mean_and_accuracy() -> None:
    table = reliability([0.05, 0.15, 0.15, 1.0], [True, False, True, True], bins=10)
    assert [b.count for b in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert table[1].mean_confidence == pytest.approx(0.15) and table[1].accuracy == pytest.approx(0.5)
    assert table[2].mean_confidence is None and table[2].as_dict()["accuracy"] is None
    assert expected_calibration_error([], []) == 0.0


def test_the_threshold_for_a_target_share_accepted() -> None:
    recalibrator = Recalibrator((0.0, 0.5, 0.8, 1.0), (0.1, 0.3, 0.9, 1.0), 100)
    assert recalibrator.threshold(0.9) == pytest.approx(0.8)
    assert recalibrator.threshold(0.6) == pytest.approx(0.65)  # where the line between the steps meets it
    assert recalibrator.threshold(0.05) == 0.0
    assert Recalibrator((0.0, 1.0), (0.0, 0.5), 10).threshold(0.9) is None
    assert Recalibrator.from_dict(recalibrator.as_dict()) == recalibrator
    assert IDENTITY(0.37) == pytest.approx(0.37)


@pytest.mark.parametrize(("confidence", "outcome", "message"), [
    ([0.5, 1.2], [True, False], "between 0 and 1"),
    ([0.5], [True, False], "one outcome per confidence"),
    ([0.5, 0.6], [2, 0], "accepted"),
    ([0.2, 0.7], [True, True], "both outcomes"),
])
def test_bad_input_is_refused_clearly(confidence: list[float], outcome: list[int], message: str) -> None:
    with pytest.raises(MuseionError, match=message):
        fit_recalibrator(confidence, outcome)


def test_zero_bins_is_refused() -> None:
    with pytest.raises(MuseionError, match="at least one bin"):
        reliability([0.5], [True], bins=0)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=60))
def test_recalibrated_values_are_monotone_in_range_and_the_ece_is_bounded(pairs: list[tuple[float, bool]]) -> None:
    confidence, accepted = zip(*pairs)
    assert 0 <= expected_calibration_error(confidence, accepted) <= 1
    if len(set(accepted)) < 2:
        return
    recalibrator = fit_recalibrator(confidence, accepted)
    grid = np.linspace(0, 1, 41)
    values = recalibrator(grid)
    assert np.all((values >= 0) & (values <= 1)) and np.all(np.diff(values) >= -1e-12)
    # isotonic regression keeps the mean: on the data it was fitted on, its one-bin calibration error is zero
    assert expected_calibration_error(recalibrator(confidence), accepted, bins=1) <= 1e-6
