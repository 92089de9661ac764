"""Complementary (secondary) suppression: no suppressed demand cell follows from the published cells and totals.

The attacker model (the standard audit of cell suppression, as tau-Argus runs it): the attacker sees every published
cell of a grouping and the period's published total, knows the groups partition the events (the worst case: the
equation total = sum of the groups then holds exactly) and that counts are non-negative, and solves for a
suppressed cell's smallest and largest feasible value by linear programming. A cell is recovered when both agree.
The grids are generated (hypothesis), labelled as such.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from museion.privacy.demand import suppress

K = 5


def feasible_range(published: np.ndarray, totals: np.ndarray, row: int, column: int) -> tuple[float, float]:
    """The least and greatest value of suppressed cell (row, column) consistent with what is published."""
    hidden = np.argwhere(np.isnan(published))
    at = {tuple(cell): i for i, cell in enumerate(map(tuple, hidden))}
    equations, rhs = [], []
    for c in range(published.shape[1]):
        if np.isnan(totals[c]):
            continue
        line = np.zeros(len(hidden))
        for r in range(published.shape[0]):
            if (r, c) in at:
                line[at[(r, c)]] = 1.0
        equations.append(line)
        rhs.append(totals[c] - np.nansum(published[:, c]))
    target = np.zeros(len(hidden))
    target[at[(row, column)]] = 1.0
    kwargs = {"A_eq": np.array(equations), "b_eq": np.array(rhs)} if equations else {}
    low = linprog(target, bounds=(0, None), method="highs", **kwargs)
    high = linprog(-target, bounds=(0, None), method="highs", **kwargs)
    assert low.status == 0  # the true grid is feasible, so the system is
    return low.fun, (np.inf if high.status == 3 else -high.fun)


grids = st.integers(2, 6).flatmap(lambda groups: st.integers(1, 5).flatmap(lambda periods: st.lists(
    st.lists(st.integers(0, 12), min_size=groups * periods, max_size=groups * periods), min_size=2, max_size=2).map(
    lambda pair: (np.array(pair[0]).reshape(groups, periods), np.array(pair[1]).reshape(groups, periods)))))


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_suppressed_cell_is_recovered_from_published_cells_and_totals(grid: tuple[np.ndarray, np.ndarray]) -> None:
    members, extra = grid  # generated: distinct members per cell, and events beyond one per member
    counts = (members + np.where(members > 0, extra, 0)).astype(float)
    published, shown_members, primary, secondary = suppress(counts, members, K)
    column_members = members.sum(axis=0)  # a partition: members of a period's total (upper bound; worst case)
    totals = np.where(column_members >= K, counts.sum(axis=0), np.nan)  # the total series' own k rule
    assert np.array_equal(np.isnan(published), primary | secondary)
    assert not (primary & secondary).any() and (shown_members[primary | secondary] == 0).all()
    assert np.array_equal(published[~(primary | secondary)], counts[~(primary | secondary)])
    for column in range(counts.shape[1]):  # the published rule: none or at least two suppressed per period
        assert (primary | secondary)[:, column].sum() != 1
    for row, column in np.argwhere(primary):
        low, high = feasible_range(published, totals, row, column)
        assert high - low >= 1, f"cell {(row, column)} = {counts[row, column]} recovered from the published grid"


def test_without_the_complement_one_cell_would_be_recovered() -> None:
    counts = np.array([[3.0, 10.0], [40.0, 12.0], [25.0, 9.0]])  # generated
    members = np.array([[2, 8], [30, 9], [20, 7]])
    totals = counts.sum(axis=0)
    naive = counts.copy()
    naive[0, 0] = np.nan
    assert feasible_range(naive, totals, 0, 0) == (3.0, 3.0)  # total minus the visible groups: the attack works
    published, _, primary, secondary = suppress(counts, members, K)
    assert primary.sum() == 1 and secondary[2, 0] and secondary.sum() == 1  # the next-smallest non-empty cell
    assert feasible_range(published, totals, 0, 0) == (0.0, 28.0)
    assert not np.isnan(published[:, 1]).any()  # a period with nothing suppressed keeps every cell


def test_one_group_and_empty_complements() -> None:
    alone, _, primary, secondary = suppress(np.array([[3.0, 9.0]]), np.array([[2, 6]]), K)
    assert primary.sum() == 1 and not secondary.any()  # one group: no total to subtract from, nothing more to hide
    grid, _, primary, secondary = suppress(np.array([[3.0], [0.0], [0.0]]), np.array([[2], [0], [0]]), K)
    assert secondary[1, 0] and secondary.sum() == 1  # no non-empty cell left: the first empty one goes
