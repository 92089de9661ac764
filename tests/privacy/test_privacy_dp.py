"""DP releases through OpenDP (calibration, contribution bounds, error bound coverage) and the budget ledger."""

from __future__ import annotations

import copy
import itertools
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.errors import MuseionError
from museion.privacy.dp import BudgetExceeded, PrivacyBudget, bound_contributions, dp_count, dp_histogram, dp_histogram_of_codes


def test_charges_add_up_and_refusal_names_what_remains() -> None:
    budget = PrivacyBudget(1.0)
    budget.charge(0.25, "plays per genre")
    assert budget.remaining == 0.75 and budget.spent == 0.25
    with pytest.raises(BudgetExceeded, match=r"only epsilon=0.75 of 1 remains") as refused:
        budget.charge(0.8, "plays per region")
    assert isinstance(refused.value, MuseionError) and refused.value.remaining == 0.75
    assert [s.purpose for s in budget.spends] == ["plays per genre"]


def test_decimal_spends_fill_the_budget_exactly() -> None:
    budget = PrivacyBudget(1.0)
    for epsilon in (0.7, 0.2, 0.1):  # 0.7 + 0.2 + 0.1 > 1.0 in binary floating point
        budget.charge(epsilon, "q")
    assert budget.remaining == 0.0
    with pytest.raises(BudgetExceeded):
        budget.charge(1e-9, "one more")


@pytest.mark.parametrize("epsilon", [0.0, -1.0, float("inf"), float("nan")])
def test_nonsense_epsilons_are_refused(epsilon: float) -> None:
    with pytest.raises(ValueError):
        PrivacyBudget(1.0).charge(epsilon, "q")


@settings(max_examples=200, deadline=None)
@given(st.floats(0.01, 10), st.lists(st.floats(0.001, 3), max_size=30))
def test_ledger_never_goes_negative_and_refusals_change_nothing(total: float, charges: list[float]) -> None:
    budget = PrivacyBudget(total)
    accepted = []
    for epsilon in charges:
        before = copy.deepcopy(budget)
        try:
            budget.charge(epsilon, "q")
            accepted.append(epsilon)
        except BudgetExceeded:
            assert budget == before
        assert budget.remaining >= 0
    assert [s.epsilon for s in budget.spends] == accepted


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from("abcde"), max_size=50), st.integers(1, 4))
def test_bounding_keeps_each_members_first_rows(members: list[str], cap: int) -> None:
    keep = bound_contributions(members, cap)
    seen: Counter[str] = Counter()
    expected = []
    for member in members:
        seen[member] += 1
        expected.append(seen[member] <= cap)
    assert keep.tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=60), st.integers(1, 4))
def test_bounding_arrays_matches_bounding_lists(members: list[int], cap: int) -> None:
    assert bound_contributions(np.array(members, dtype=np.int64), cap).tolist() == bound_contributions(members, cap).tolist()


def test_coded_rows_release_like_keyed_rows_and_codes_must_index_the_categories() -> None:
    keys, members = ["b", "a", "b", "b", "c"], [1, 1, 1, 2, 2]
    by_key = dp_histogram(keys, members, ["a", "b", "c"], epsilon=50.0, max_contributions=2)
    by_code = dp_histogram_of_codes(np.array([1, 0, 1, 1, 2]), np.array(members), ("a", "b", "c"), epsilon=50.0, max_contributions=2)
    assert by_key.as_dict() == by_code.as_dict() == {"a": 1, "b": 2, "c": 1} and by_key.scale == by_code.scale
    with pytest.raises(ValueError, match="codes must index the 3 categories"):
        dp_histogram_of_codes(np.array([3]), np.array([1]), ("a", "b", "c"), epsilon=1.0)


def test_releasing_does_not_import_opendps_prelude() -> None:
    """`opendp.prelude` imports scikit-learn and SciPy: 7-8 s paid by the first release of every process (issue 21)."""
    code = ("import sys; from museion.privacy.dp import dp_histogram; dp_histogram(['a'], [1], ['a'], epsilon=1.0); "
            "print(sorted(m for m in ('opendp.prelude', 'sklearn', 'scipy') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_histogram_is_calibrated_to_epsilon_and_contributions() -> None:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    release = dp_histogram(["a", "b"], [1, 2], ["a", "b", "c"], epsilon=0.5, max_contributions=3)
    direct = dp.t.make_count_by_categories(dp.vector_domain(dp.atom_domain(T=dp.i64)), dp.symmetric_distance(), categories=[0, 1, 2],
                                           null_category=False)
    assert release.scale == dp.binary_search_param(lambda s: direct >> dp.m.then_laplace(s), d_in=3, d_out=0.5)
    assert release.epsilon <= 0.5 and release.epsilon == pytest.approx(0.5, rel=1e-6)
    assert release.scale == pytest.approx(3 / 0.5, rel=1e-6)  # L1 sensitivity 3 (one member, three rows)
    assert release.error_bound == pytest.approx(dp.discrete_laplacian_scale_to_accuracy(release.scale, 0.05))
    assert release.categories == ("a", "b", "c") and release.counts.shape == (3,)


def test_unlisted_keys_are_dropped_and_members_are_capped() -> None:
    keys = [("jazz", "EU")] * 50 + [("rock", "US")] * 3 + [("polka", "EU")] * 7
    members = ["heavy"] * 50 + ["x", "y", "z"] + list(range(7))
    categories = list(itertools.product(["jazz", "rock"], ["EU", "US"]))
    release = dp_histogram(keys, members, categories, epsilon=50.0, max_contributions=2)  # noise ~ 0
    assert release.as_dict() == {("jazz", "EU"): 2, ("jazz", "US"): 0, ("rock", "EU"): 0, ("rock", "US"): 3}


def test_count_bounds_contributions() -> None:
    assert dp_count(["a"] * 10 + ["b"], epsilon=50.0, max_contributions=3).counts.tolist() == [4]


def test_release_charges_the_budget_or_releases_nothing() -> None:
    budget = PrivacyBudget(1.0)
    dp_count(["a", "b"], epsilon=0.6, budget=budget, purpose="visitors")
    assert budget.spends[0].purpose == "visitors" and budget.spent == pytest.approx(0.6)
    with pytest.raises(BudgetExceeded):
        dp_histogram(["a"], ["m"], ["a"], epsilon=0.6, budget=budget)
    assert len(budget.spends) == 1


def test_histogram_errors_stay_within_the_reported_bound() -> None:
    """Each cell's error exceeds the 95% bound with probability <= 5%. Over 3,000 cells the exceedance
    rate lies 7.5 standard deviations below 8%, so this cannot flake; and half the bound is exceeded
    about 22% of the time, so a bound made too loose fails as well."""
    rng = np.random.default_rng(7)
    categories = list(range(50))
    keys = rng.integers(0, 50, 5_000).tolist()
    members = rng.integers(0, 2_000, 5_000).tolist()
    kept = bound_contributions(members, 2)
    exact = np.bincount(np.asarray(keys)[kept], minlength=50)
    errors, bound = [], None
    for _ in range(60):  # 60 releases x 50 independently noised cells
        release = dp_histogram(keys, members, categories, epsilon=1.0, max_contributions=2)
        errors.append(np.abs(release.counts - exact))
        bound = release.error_bound
    errors_array = np.concatenate(errors)
    assert bound is not None
    assert np.mean(errors_array > bound) <= 0.08
    assert np.mean(errors_array > bound / 2) >= 0.12
